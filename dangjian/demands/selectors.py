"""Reads of demands and resources. Demands are scoped; resources and projects are public."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from dangjian.core import scope

from .choices import OPEN_STATUSES
from .models import Demand, Resource
from .services import normalise_tracking_code


def demand_list(
    user, *, status: str = "", category: str = "", area: str = "", q: str = "", overdue: bool = False
) -> QuerySet[Demand]:
    demands = scope.restrict(user, "demand.view", model=Demand).select_related("org", "resource")
    if status:
        demands = demands.filter(status=status)
    if category:
        demands = demands.filter(category=category)
    if area:
        demands = demands.filter(area__icontains=area)
    q = (q or "").strip()
    if q:
        code = normalise_tracking_code(q)
        demands = demands.filter(Q(tracking_code=code) | Q(description__icontains=q))
    if overdue:
        demands = demands.filter(overdue_q(timezone.localdate()))
    return demands.order_by("-created_at", "-id")


def overdue_q(today: dt.date) -> Q:
    return Q(status__in=OPEN_STATUSES) & (
        Q(first_response_at__isnull=True, first_response_due__lt=today) | Q(resolution_due__lt=today)
    )


def alerts(user) -> QuerySet[Demand]:
    """Overdue open demands in the user's scope, escalated ones first, oldest due first."""
    today = timezone.localdate()
    return (
        scope.restrict(user, "demand.view", model=Demand)
        .filter(overdue_q(today))
        .select_related("org", "escalated_to")
        .order_by("escalated_at", "resolution_due", "id")
    )


def resource_list(
    *, kind: str = "", category: str = "", area: str = "", active_only: bool = True
) -> QuerySet[Resource]:
    resources = Resource.objects.select_related("org")
    if active_only:
        resources = resources.filter(active=True)
    if kind:
        resources = resources.filter(kind=kind)
    if category:
        resources = resources.filter(category=category)
    if area:
        resources = resources.filter(Q(area__icontains=area) | Q(area=""))
    return resources.order_by("category", "title", "id")


def resource_suggestions(demand: Demand) -> list[Resource]:
    """Active resources of the demand's category, those naming its area first."""
    resources = list(resource_list(category=demand.category)[:50])
    resources.sort(key=lambda r: (not (r.area and r.area in demand.area), r.title))
    return resources[:10]
