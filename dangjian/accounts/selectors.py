"""Reads of accounts, narrowed through core.scope."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from dangjian.core import scope
from dangjian.core.validators import mask_mobile

from .models import RoleAssignment, User

__all__ = ["assignment_list", "mask_mobile", "user_list"]


def user_list(actor, *, q: str = "") -> QuerySet[User]:
    users = scope.restrict(actor, "user.view", model=User).select_related("home_org")
    if q:
        users = users.filter(Q(username__icontains=q) | Q(display_name__icontains=q))
    return users.order_by("username")


def assignment_list(actor, *, user_id: int | None = None, role: str = "") -> QuerySet[RoleAssignment]:
    rows = scope.restrict(actor, "role.view", model=RoleAssignment).select_related("user", "org")
    if user_id:
        rows = rows.filter(user_id=user_id)
    if role:
        rows = rows.filter(role=role)
    return rows.order_by("org__path", "role", "user__username")
