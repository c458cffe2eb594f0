"""The rule "a role covers a subtree", registered with core.scope as the grant provider."""

from __future__ import annotations

from dangjian.core.scope import Grant, actions_of_role

from .choices import TWO_FACTOR_ROLES


def grants_of(user) -> list[Grant]:
    from .models import RoleAssignment

    rows = RoleAssignment.objects.filter(user_id=user.pk).values_list("role", "org__path")
    return [Grant(role=role, actions=actions_of_role(role), path=path) for role, path in rows]


def roles_of(user) -> set[str]:
    from dangjian.core.scope import grants

    return {grant.role for grant in grants(user)}


def requires_second_factor(user) -> bool:
    return bool(roles_of(user) & TWO_FACTOR_ROLES)
