"""Reads that cross a permission line: all narrowed through core.scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import policy, scope

from .choices import FieldCategory, Industry, OrgKind, SpecialType
from .models import HostEntity, InstructorAssignment, OrgEntityLink, PartyOrganisation


def visible_orgs(user, action: str = "org.view") -> QuerySet[PartyOrganisation]:
    return scope.restrict(user, action, model=PartyOrganisation)


def scope_roots(user, action: str = "org.view") -> QuerySet[PartyOrganisation]:
    """The top organisations of the user's scope: where a tree browser starts."""
    return PartyOrganisation.objects.filter(path__in=scope.scope_for(user, action).paths).order_by("path")


def org_list(
    user,
    *,
    q: str = "",
    kind: str = "",
    category: str = "",
    special_type: str = "",
    under: PartyOrganisation | None = None,
    parent: PartyOrganisation | None = None,
    term_expiring: bool = False,
) -> QuerySet[PartyOrganisation]:
    orgs = visible_orgs(user)
    if q:
        orgs = orgs.filter(Q(name__icontains=q) | Q(code__iexact=q.strip()))
    if kind:
        orgs = orgs.filter(kind=kind)
    if category:
        orgs = orgs.filter(category=category)
    if special_type:
        orgs = orgs.filter(special_type=special_type)
    if under is not None:
        orgs = orgs.filter(path__startswith=under.path)
    if parent is not None:
        orgs = orgs.filter(path__startswith=parent.path, depth=parent.depth + 1)
    if term_expiring:
        months = policy.value("orgs.term_warning_months")
        orgs = orgs.filter(term_end__lte=timezone.localdate() + dt.timedelta(days=months * 31))
    return orgs.order_by("path")


def ancestors_map(orgs: list[PartyOrganisation]) -> dict[str, PartyOrganisation]:
    """All ancestors of ``orgs`` by path, in one query (for breadcrumbs in lists)."""
    steplen = PartyOrganisation.steplen
    paths = {org.path[:i] for org in orgs for i in range(steplen, len(org.path), steplen)}
    return {o.path: o for o in PartyOrganisation.objects.filter(path__in=paths).only("id", "name", "path", "depth")}


def breadcrumb(user, org: PartyOrganisation) -> list[PartyOrganisation]:
    """Ancestors of ``org`` the user may see, top first."""
    steplen = PartyOrganisation.steplen
    paths = [org.path[:i] for i in range(steplen, len(org.path), steplen)]
    return list(visible_orgs(user).filter(path__in=paths).order_by("depth"))


@dataclass
class Warning:
    level: str  # "warning" or "danger"
    code: str
    message: str


def org_warnings(
    org: PartyOrganisation, served_entities: int | None = None, today: dt.date | None = None
) -> list[Warning]:
    """Sizing and term rules of DOMAIN §2, with the numbers configured for the org's region."""
    p = policy.values_for(
        [
            "orgs.min_full_members_own_branch",
            "orgs.branch_max_members",
            "orgs.committee_min_members",
            "orgs.branch_committee_full_members",
            "orgs.joint_branch_max_entities",
            "orgs.term_warning_months",
        ],
        org.path,
    )
    today = today or timezone.localdate()
    out: list[Warning] = []
    members, full = org.member_count, org.full_member_count
    is_branch = org.kind == OrgKind.BRANCH
    if is_branch and members > p["orgs.branch_max_members"]:
        if members >= p["orgs.committee_min_members"]:
            message = _(
                "%(n)d members: a branch holds at most %(max)d; with %(min)d or more members a party "
                "committee should be set up."
            )
        else:
            message = _("%(n)d members: a branch holds at most %(max)d; consider a general branch.")
        out.append(
            Warning(
                "warning",
                "branch_too_large",
                message % {"n": members, "max": p["orgs.branch_max_members"], "min": p["orgs.committee_min_members"]},
            )
        )
    if org.kind == OrgKind.GENERAL_BRANCH and members >= p["orgs.committee_min_members"]:
        out.append(
            Warning(
                "warning",
                "committee_needed",
                _("%(n)d members: with %(min)d or more members a party committee should be set up.")
                % {"n": members, "min": p["orgs.committee_min_members"]},
            )
        )
    if (
        is_branch
        and org.special_type not in (SpecialType.JOINT, SpecialType.CLOUD, SpecialType.TEMPORARY)
        and full < p["orgs.min_full_members_own_branch"]
    ):
        out.append(
            Warning(
                "warning",
                "too_few_full_members",
                _("Only %(n)d full members: an own branch needs at least %(min)d; otherwise join a joint branch.")
                % {"n": full, "min": p["orgs.min_full_members_own_branch"]},
            )
        )
    if is_branch and full >= p["orgs.branch_committee_full_members"] and not org.has_committee:
        out.append(
            Warning(
                "warning",
                "branch_committee_needed",
                _(
                    "%(n)d full members: a branch with %(min)d or more full members elects a branch committee "
                    "of 3 to 5 members."
                )
                % {"n": full, "min": p["orgs.branch_committee_full_members"]},
            )
        )
    if org.special_type == SpecialType.JOINT:
        served = served_entities if served_entities is not None else org.entity_links.count()
        if served > p["orgs.joint_branch_max_entities"]:
            out.append(
                Warning(
                    "warning",
                    "joint_branch_too_wide",
                    _("Serves %(n)d host entities: a joint branch should serve at most %(max)d.")
                    % {"n": served, "max": p["orgs.joint_branch_max_entities"]},
                )
            )
    if org.term_end:
        months = p["orgs.term_warning_months"]
        if org.term_end < today:
            out.append(
                Warning(
                    "danger",
                    "term_overdue",
                    _("The term ended on %(date)s: the election of the next committee is overdue.")
                    % {"date": org.term_end},
                )
            )
        elif org.term_end <= _add_months(today, months):
            out.append(
                Warning(
                    "warning",
                    "term_expiring",
                    _("The term ends on %(date)s, within %(m)d months: prepare the election.")
                    % {"date": org.term_end, "m": months},
                )
            )
    elif org.kind != OrgKind.GROUP:
        out.append(Warning("warning", "term_unknown", _("The current term is not recorded.")))
    return out


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=candidate)
        except ValueError:
            continue
    raise ValueError(day)


# --- Host entities -------------------------------------------------------------------------------------


def _active_instructor(today: dt.date):
    return InstructorAssignment.objects.filter(entity=OuterRef("pk"), start_date__lte=today).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=today)
    )


def entities_with_coverage(queryset: QuerySet[HostEntity], today: dt.date | None = None) -> QuerySet[HostEntity]:
    today = today or timezone.localdate()
    return queryset.annotate(
        org_covered=Exists(OrgEntityLink.objects.filter(entity=OuterRef("pk"))),
        work_covered=Exists(_active_instructor(today)),
    )


def entity_list(
    user,
    *,
    q: str = "",
    category: str = "",
    kind: str = "",
    industry: str = "",
    covered: str = "",
    under: PartyOrganisation | None = None,
) -> QuerySet[HostEntity]:
    entities = scope.restrict(user, "entity.view", model=HostEntity).select_related("owner_org")
    if q:
        entities = entities.filter(Q(name__icontains=q) | Q(uscc__iexact=q.strip()))
    if category:
        entities = entities.filter(category=category)
    if kind:
        entities = entities.filter(kind=kind)
    if industry:
        entities = entities.filter(industry=industry)
    if under is not None:
        entities = entities.filter(owner_org__path__startswith=under.path)
    entities = entities_with_coverage(entities)
    if covered == "org":
        entities = entities.filter(org_covered=True)
    elif covered == "work":
        entities = entities.filter(org_covered=False, work_covered=True)
    elif covered == "none":
        entities = entities.filter(org_covered=False, work_covered=False)
    return entities.order_by("name", "id")


# --- Coverage rate ---------------------------------------------------------------------------------------


@dataclass
class CoverageRow:
    key: str
    label: str
    total: int = 0
    org_covered: int = 0
    work_covered: int = 0  # work-covered but not organisationally covered

    @property
    def covered(self) -> int:
        return self.org_covered + self.work_covered

    @property
    def org_rate(self) -> float:
        return round(100 * self.org_covered / self.total, 1) if self.total else 0.0

    @property
    def rate(self) -> float:
        return round(100 * self.covered / self.total, 1) if self.total else 0.0


@dataclass
class CoverageReport:
    total: CoverageRow
    by_category: list[CoverageRow] = field(default_factory=list)
    by_industry: list[CoverageRow] = field(default_factory=list)


def coverage_report(user, under: PartyOrganisation | None = None, today: dt.date | None = None) -> CoverageReport:
    """Coverage rates over the user's scope (or one subtree of it), by category and industry.

    One grouped query: entities are counted by (category, industry, org-covered, work-covered).
    """
    entities = scope.restrict(user, "coverage.view", model=HostEntity)
    if under is not None:
        entities = entities.filter(owner_org__path__startswith=under.path)
    rows = (
        entities_with_coverage(entities, today)
        .order_by()
        .values("category", "industry", "org_covered", "work_covered")
        .annotate(n=Count("id"))
    )
    total = CoverageRow("all", _("All host entities"))
    categories = {
        c.value: CoverageRow(c.value, str(c.label)) for c in FieldCategory if c != FieldCategory.COMPREHENSIVE
    }
    industries: dict[str, CoverageRow] = {}
    for row in rows:
        targets = [total, categories.setdefault(row["category"], CoverageRow(row["category"], row["category"]))]
        industry = row["industry"]
        if industry not in industries:
            label = str(Industry(industry).label) if industry in Industry.values else industry
            industries[industry] = CoverageRow(industry, label)
        targets.append(industries[industry])
        for target in targets:
            target.total += row["n"]
            if row["org_covered"]:
                target.org_covered += row["n"]
            elif row["work_covered"]:
                target.work_covered += row["n"]
    return CoverageReport(
        total=total,
        by_category=list(categories.values()),
        by_industry=sorted(industries.values(), key=lambda r: (-r.total, r.key)),
    )


def coverage_summary(user, under: PartyOrganisation | None = None) -> tuple[CoverageRow, dt.datetime | None]:
    """The overall coverage row of :func:`coverage_report` for the home page and an organisation's
    page, and when it was counted. Over a province (200,000 host entities) the count takes several
    hundred ms, so it is shared for ``COVERAGE_SUMMARY_CACHE_SECONDS`` (300) by everyone who sees the
    same subtrees (the counted paths are the cache key, so nobody sees counts beyond their scope).
    The coverage page and the API always count afresh. 0 seconds: no cache (the time is then None)."""
    seconds = getattr(settings, "COVERAGE_SUMMARY_CACHE_SECONDS", 300)
    if seconds <= 0:
        return coverage_report(user, under).total, None
    # An organisation the user may view coverage of lies wholly inside their scope: its subtree is
    # the same for every such user. Without one, the user's own subtrees are counted.
    paths = [under.path] if under is not None else list(scope.scope_for(user, "coverage.view").paths)
    key = "coverage-summary:{}:{}".format(timezone.localdate().isoformat(), ",".join(paths))
    found = cache.get(key)
    if found is None:
        row = coverage_report(user, under).total
        found = (row.total, row.org_covered, row.work_covered, timezone.now())
        cache.set(key, found, seconds)
    row = CoverageRow("all", _("All host entities"), found[0], found[1], found[2])
    return row, found[3]
