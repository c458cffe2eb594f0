"""What the compliance pages and the API share: reading the year and the organisation asked for,
and the per-child summary of a subtree for drill-down."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import scope
from dangjian.core.errors import InvalidInput
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.models import PartyOrganisation

from .selectors import OrgCompliance


def parse_year(raw, *, strict: bool) -> int:
    this_year = timezone.localdate().year
    if raw in (None, ""):
        return this_year
    try:
        year = int(str(raw).strip())
    except ValueError:
        year = 0
    if not 2000 <= year <= this_year + 1:
        if strict:
            raise InvalidInput(_("Enter a year between 2000 and next year."), field="year")
        return this_year
    return year


def root_for(user, under_id) -> PartyOrganisation | None:
    """The organisation asked for (in scope), else the user's one top organisation, else None."""
    if under_id not in (None, ""):
        return scope.get_in_scope(user, "compliance.view", PartyOrganisation, pk=under_id)
    paths = scope.scope_for(user, "compliance.view").paths
    if len(paths) == 1:
        return PartyOrganisation.objects.filter(path=paths[0]).first()
    return None


@dataclass
class ChildSummary:
    org_id: int
    name: str
    units: int = 0
    irregular: int = 0
    missed: int = 0
    minutes_missing: int = 0


def children_summary(root: PartyOrganisation | None, rows: list[OrgCompliance]) -> list[ChildSummary]:
    """One line per direct child committee / general branch of ``root`` with its subtree's totals."""
    if root is None:
        return []
    children = {
        c["path"]: ChildSummary(c["id"], c["name"])
        for c in PartyOrganisation.objects.filter(
            path__startswith=root.path,
            depth=root.depth + 1,
            kind__in=[OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH],
        )
        .order_by("path")
        .values("id", "name", "path")
    }
    size = len(root.path) + PartyOrganisation.steplen
    for row in rows:
        child = children.get(row.path[:size])
        if child is not None:
            child.units += 1
            child.irregular += int(row.irregular)
            child.missed += row.missed
            child.minutes_missing += row.minutes_missing
    return list(children.values())
