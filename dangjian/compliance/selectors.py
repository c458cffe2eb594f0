"""Compliance of organisational life, computed from the meetings in a few grouped queries.

For a set of organisations and a year: which required meetings were held, missed or are due in
each period, the themed-party-day participation against the target, and the held meetings whose
minutes are still not signed a week later. Requirements apply to branches (the committee meeting
only where the branch has an elected committee) and party groups (the group meeting). Every query
is restricted to the user's scope; the cost does not grow with the number of queries but with
rows, grouped in the database (see bench/compliance_table.py)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.utils import timezone

from dangjian.core import policy, scope
from dangjian.core.models import PolicyValue
from dangjian.meetings.choices import AttendeeStatus, MeetingKind, MeetingStatus
from dangjian.meetings.models import Attendee, Meeting
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.models import PartyOrganisation

from . import rules

BRANCH_KINDS = (
    MeetingKind.BRANCH_GENERAL,
    MeetingKind.COMMITTEE,
    MeetingKind.LECTURE,
    MeetingKind.THEMED_DAY,
    MeetingKind.ORG_LIFE,
    MeetingKind.HEART_TALK,
)
KEYS = [f"compliance.months.{kind}" for kind in rules.DEFAULT_MONTHS] + [
    "compliance.themed_day_target",
    "compliance.minutes_due_days",
]


_GROUP_KINDS = [str(MeetingKind.GROUP)]
_BRANCH_KINDS = [str(k) for k in BRANCH_KINDS]
_BRANCH_KINDS_NO_COMMITTEE = [k for k in _BRANCH_KINDS if k != MeetingKind.COMMITTEE]


def required_kinds(org_kind: str, has_committee: bool) -> list[str]:
    if org_kind == OrgKind.GROUP:
        return _GROUP_KINDS
    if org_kind == OrgKind.BRANCH:
        return _BRANCH_KINDS if has_committee else _BRANCH_KINDS_NO_COMMITTEE
    return []


class Settings:
    """The compliance settings at any organisation path, from one read of the overrides."""

    def __init__(self) -> None:
        definitions = policy.definitions()
        self.defaults = {key: int(definitions[key].default) for key in KEYS}
        self.rows = list(PolicyValue.objects.filter(key__in=KEYS).values_list("key", "scope_path", "value"))
        self._cache: dict[str, dict[str, int]] = {}

    def at(self, path: str) -> dict[str, int]:
        if not self.rows:  # no region changed anything: the defaults everywhere
            return self.defaults
        # Branches share their region's overrides: cache by the paths of the overrides that apply.
        applicable = tuple(i for i, row in enumerate(self.rows) if path.startswith(row[1]))
        key = ",".join(map(str, applicable))
        found = self._cache.get(key)
        if found is None:
            found = dict(self.defaults)
            best: dict[str, int] = {}
            for index in applicable:
                name, prefix, value = self.rows[index]
                if len(prefix) >= best.get(name, -1):
                    best[name] = len(prefix)
                    found[name] = int(value)
            self._cache[key] = found
        return found


class YearPlan:
    """The periods of a year for each period length, and where each stands on ``today`` (past,
    current, future), computed once and shared by every organisation."""

    def __init__(self, year: int, today: dt.date):
        self.year, self.today = year, today
        self._periods: dict[int, list[rules.Period]] = {}
        self._empty: dict[int, tuple[int, int, int]] = {}

    def periods(self, months: int) -> list[rules.Period]:
        found = self._periods.get(months)
        if found is None:
            found = self._periods[months] = rules.periods_of_year(self.year, months)
        return found

    def standing(self, months: int) -> tuple[int, int | None]:
        """(number of periods already over, index of the period running today or None)."""
        count = len(self.periods(months))
        if self.today.year < self.year:
            return 0, None
        if self.today.year > self.year:
            return count, None
        current = (self.today.month - 1) // months
        return current, current

    def empty_counts(self, months: int) -> tuple[int, int, int]:
        """(held, missed, due) of an organisation with no meeting of the kind all year."""
        found = self._empty.get(months)
        if found is None:
            states = [rules.period_status(p, 0, self.today) for p in self.periods(months)]
            found = self._empty[months] = (0, states.count(rules.MISSED), states.count(rules.DUE))
        return found


class KindStatus:
    """One required kind of meeting of one organisation over the year. The periods are worked out
    only when asked for (the record book); the table needs the counts, which for an organisation
    without any meeting of the kind come straight from the shared :class:`YearPlan`."""

    def __init__(self, kind: str, months: int, by_month: dict[int, int], plan: YearPlan, established_on=None):
        self.kind = kind
        self.months = months
        self._by_month = by_month
        self._plan = plan
        self._established_on = established_on
        self._periods: list[tuple[rules.Period, str, int]] | None = None
        self._counts: tuple[int, int, int] | None = None

    @property
    def label(self) -> str:
        return str(MeetingKind(self.kind).label)

    @property
    def periods(self) -> list[tuple[rules.Period, str, int]]:
        if self._periods is None:
            found = []
            for period in self._plan.periods(self.months):
                first = period.start.month
                n = sum(self._by_month.get(m, 0) for m in range(first, first + period.months))
                found.append((period, rules.period_status(period, n, self._plan.today, self._established_on), n))
            self._periods = found
        return self._periods

    def counts(self) -> tuple[int, int, int]:
        """(held, missed, due) periods. Without an establishment date inside the year this is
        set arithmetic on the months that had a meeting, not a walk through the periods."""
        if self._counts is None:
            if not self._by_month and self._established_on is None:
                self._counts = self._plan.empty_counts(self.months)
            elif self._established_on is None:
                held = {(month - 1) // self.months for month, n in self._by_month.items() if n}
                over, current = self._plan.standing(self.months)
                missed = over - sum(1 for index in held if index < over)
                self._counts = (len(held), missed, int(current is not None and current not in held))
            else:
                states = [state for _p, state, _n in self.periods]
                self._counts = (states.count(rules.HELD), states.count(rules.MISSED), states.count(rules.DUE))
        return self._counts

    def count(self, status: str) -> int:
        return sum(1 for _p, s, _n in self.periods if s == status)

    @property
    def held(self) -> int:
        return self.counts()[0]

    @property
    def missed(self) -> int:
        return self.counts()[1]

    @property
    def due(self) -> int:
        return self.counts()[2]


@dataclass(slots=True)
class OrgCompliance:
    org_id: int
    name: str
    path: str
    kind: str
    kinds: list[KindStatus] = field(default_factory=list)
    themed_present: int = 0
    themed_expected: int = 0
    target: int = rules.DEFAULT_THEMED_DAY_TARGET
    minutes_missing: int = 0

    @property
    def missed(self) -> int:
        return sum(k.missed for k in self.kinds)

    @property
    def held(self) -> int:
        return sum(k.held for k in self.kinds)

    @property
    def due(self) -> int:
        return sum(k.due for k in self.kinds)

    @property
    def themed_rate(self) -> Decimal | None:
        return rules.rate(self.themed_present, self.themed_expected)

    @property
    def below_target(self) -> bool:
        return rules.below_target(self.themed_present, self.themed_expected, self.target)

    @property
    def irregular(self) -> bool:
        return bool(self.missed or self.below_target or self.minutes_missing)


def year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return dt.datetime(year, 1, 1, tzinfo=tz), dt.datetime(year + 1, 1, 1, tzinfo=tz)


def _local_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def held_meetings(user, orgs_q: Q, year: int, now: dt.datetime):
    """Published meetings of the year that have started, in scope, under the given org filter."""
    start, end = year_bounds(year)
    return Meeting.objects.filter(
        scope.scope_for(user, "compliance.view").q("org__path") if user is not None else Q(),
        orgs_q,
        status=MeetingStatus.PUBLISHED,
        starts_at__gte=start,
        starts_at__lt=min(end, now),
    )


_ATTENDANCE = {"expected": Count("id"), "present": Count("id", filter=Q(status=AttendeeStatus.PRESENT))}


def _month_of_year(year: int) -> Case:
    tz = timezone.get_current_timezone()
    edges = [dt.datetime(year, m, 1, tzinfo=tz) for m in range(1, 13)] + [dt.datetime(year + 1, 1, 1, tzinfo=tz)]
    return Case(
        *[When(starts_at__gte=edges[i], starts_at__lt=edges[i + 1], then=Value(i + 1)) for i in range(12)],
        output_field=IntegerField(),
    )


def _themed_attendees(held):
    """Expected attendees of the held themed party days; ``status`` is kept up to date by the
    meetings app's check-in (present) and closing (absent)."""
    return Attendee.objects.filter(meeting__in=held.filter(kind=MeetingKind.THEMED_DAY).values("pk"))


def _orgs(user, under: PartyOrganisation | None):
    qs = PartyOrganisation.objects.filter(kind__in=[OrgKind.BRANCH, OrgKind.GROUP])
    if user is not None:
        qs = scope.restrict(user, "compliance.view", qs)
    if under is not None:
        qs = qs.filter(path__startswith=under.path)
    return qs


def compute(
    user, *, under: PartyOrganisation | None = None, year: int, today: dt.date | None = None
) -> list[OrgCompliance]:
    """The compliance of every branch and group in scope (under ``under``) for ``year``, as of
    ``today``: five queries whatever the number of organisations."""
    now = timezone.now()
    today = today or timezone.localdate()
    if today.year == year:
        now = min(now, timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=1), dt.time())))
    settings = Settings()
    orgs = list(
        _orgs(user, under).order_by("path").values("id", "name", "path", "kind", "has_committee", "established_on")
    )
    where = Q(org__path__startswith=under.path) if under is not None else Q()
    held = held_meetings(user, where, year, now)
    counts: dict[tuple[int, str], dict[int, int]] = defaultdict(dict)
    # Months as ranges of aware datetimes (Asia/Shanghai): plain SQL on every database, no
    # per-row time-zone function.
    for row in (
        held.annotate(month=_month_of_year(year)).values("org_id", "kind", "month").annotate(n=Count("id")).order_by()
    ):
        counts[(row["org_id"], row["kind"])][row["month"]] = row["n"]
    themed: dict[int, tuple[int, int]] = {
        row["meeting__org_id"]: (row["present"], row["expected"])
        for row in _themed_attendees(held).values("meeting__org_id").annotate(**_ATTENDANCE).order_by()
    }
    missing = _minutes_missing_counts(held, settings, orgs, today)
    plan = YearPlan(year, today)
    result = []
    for org in orgs:
        values = settings.at(org["path"])
        item = OrgCompliance(
            org_id=org["id"],
            name=org["name"],
            path=org["path"],
            kind=org["kind"],
            target=values["compliance.themed_day_target"],
            minutes_missing=missing.get(org["id"], 0),
        )
        item.themed_present, item.themed_expected = themed.get(org["id"], (0, 0))
        established = org["established_on"] if org["established_on"] and org["established_on"].year >= year else None
        for kind in required_kinds(org["kind"], org["has_committee"]):
            months = rules.period_length(values[f"compliance.months.{kind}"])
            if months:
                by_month = counts.get((org["id"], kind), {})
                item.kinds.append(KindStatus(kind, months, by_month, plan, established))
        result.append(item)
    return result


def _minutes_missing_counts(held, settings: Settings, orgs: list[dict], today: dt.date) -> dict[int, int]:
    """Held meetings without signed minutes more than N days later (N per region): one query with
    the largest cutoff, then each organisation's own N applied to the dates."""
    due_days = {org["id"]: settings.at(org["path"])["compliance.minutes_due_days"] for org in orgs}
    if not due_days:
        return {}
    latest = today - dt.timedelta(days=min(due_days.values()))
    unsigned = held.filter(starts_at__lt=timezone.make_aware(dt.datetime.combine(latest, dt.time()))).filter(
        Q(minutes__isnull=True) | Q(minutes__locked_at__isnull=True)
    )
    if len(set(due_days.values())) == 1:  # the usual case: one rule everywhere, counted in the database
        return dict(unsigned.values("org_id").annotate(n=Count("id")).order_by().values_list("org_id", "n"))
    rows = unsigned.values_list("org_id", "starts_at")
    found: dict[int, int] = defaultdict(int)
    for org_id, starts_at in rows:
        days = due_days.get(org_id)
        if days is not None and rules.minutes_overdue(_local_date(starts_at), today, days):
            found[org_id] += 1
    return dict(found)


def _attendance_by_meeting(meetings) -> dict[int, tuple[int, int]]:
    """meeting id → (attendees present, attendees expected), one grouped query."""
    return {
        row["meeting_id"]: (row["present"], row["expected"])
        for row in Attendee.objects.filter(meeting__in=meetings.values("pk"))
        .values("meeting_id")
        .annotate(**_ATTENDANCE)
        .order_by()
    }


@dataclass
class MeetingLine:
    id: int
    kind: str
    kind_label: str
    title: str
    starts_at: dt.datetime
    expected: int
    present: int
    minutes_id: int | None
    minutes_state: str  # "signed", "draft", "overdue" or "none"

    @property
    def rate(self) -> Decimal | None:
        return rules.rate(self.present, self.expected)


def meeting_lines(user, org: PartyOrganisation, year: int, today: dt.date | None = None) -> list[MeetingLine]:
    """The organisation's held meetings of the year with attendance and the state of their minutes
    (the record book, 台账): three queries."""
    today = today or timezone.localdate()
    due = Settings().at(org.path)["compliance.minutes_due_days"]
    held = held_meetings(user, Q(org=org), year, timezone.now())
    counts = _attendance_by_meeting(held)
    rows = held.values("id", "kind", "title", "starts_at", "minutes__id", "minutes__locked_at").order_by(
        "starts_at", "id"
    )
    lines = []
    for row in rows:
        if row["minutes__locked_at"] is not None:
            state = "signed"
        elif rules.minutes_overdue(_local_date(row["starts_at"]), today, due):
            state = "overdue"
        else:
            state = "draft" if row["minutes__id"] else "none"
        lines.append(
            MeetingLine(
                id=row["id"],
                kind=row["kind"],
                kind_label=str(MeetingKind(row["kind"]).label),
                title=row["title"],
                starts_at=row["starts_at"],
                expected=counts.get(row["id"], (0, 0))[1],
                present=counts.get(row["id"], (0, 0))[0],
                minutes_id=row["minutes__id"],
                minutes_state=state,
            )
        )
    return lines


@dataclass
class Alert:
    code: str  # "missed", "participation", "minutes"
    org_id: int
    org_name: str
    kind: str
    kind_label: str
    period: str
    meeting_id: int | None = None
    detail: str = ""
    day: dt.date | None = None


def alerts(user, *, under: PartyOrganisation | None = None, year: int, today: dt.date | None = None) -> list[Alert]:
    """Irregular organisational life: every missed required meeting, every themed party day whose
    participation is below target, every held meeting without signed minutes after the deadline."""
    from django.utils.translation import gettext as _

    today = today or timezone.localdate()
    found: list[Alert] = []
    rows = compute(user, under=under, year=year, today=today)
    by_id = {row.org_id: row for row in rows}
    for row in rows:
        for status in row.kinds:
            for period, state, _n in status.periods:
                if state == rules.MISSED:
                    found.append(
                        Alert("missed", row.org_id, row.name, status.kind, status.label, period.label, day=period.end)
                    )
    where = Q(org__path__startswith=under.path) if under is not None else Q()
    held = held_meetings(user, where, year, timezone.now())
    for item in (
        _themed_attendees(held)
        .values("meeting_id", "meeting__org_id", "meeting__title", "meeting__starts_at")
        .annotate(**_ATTENDANCE)
        .order_by("meeting__starts_at", "meeting_id")
    ):
        org = by_id.get(item["meeting__org_id"])
        if org is None or not rules.below_target(item["present"], item["expected"], org.target):
            continue
        day = _local_date(item["meeting__starts_at"])
        found.append(
            Alert(
                "participation",
                org.org_id,
                org.name,
                MeetingKind.THEMED_DAY,
                str(MeetingKind.THEMED_DAY.label),
                rules.period_containing(day, 1).label,
                meeting_id=item["meeting_id"],
                detail=_("%(present)d of %(expected)d present (%(rate)s%%), target %(target)d%%")
                % {
                    "present": item["present"],
                    "expected": item["expected"],
                    "rate": rules.rate(item["present"], item["expected"]),
                    "target": org.target,
                },
                day=day,
            )
        )
    settings = Settings()
    for meeting in (
        held.filter(Q(minutes__isnull=True) | Q(minutes__locked_at__isnull=True))
        .values("id", "org_id", "kind", "title", "starts_at", "minutes__id")
        .order_by("starts_at", "id")
    ):
        org = by_id.get(meeting["org_id"])
        day = _local_date(meeting["starts_at"])
        if org is None or not rules.minutes_overdue(day, today, settings.at(org.path)["compliance.minutes_due_days"]):
            continue
        found.append(
            Alert(
                "minutes",
                org.org_id,
                org.name,
                meeting["kind"],
                str(MeetingKind(meeting["kind"]).label),
                rules.period_containing(day, 1).label,
                meeting_id=meeting["id"],
                detail=meeting["title"]
                + " · "
                + (_("minutes not signed") if meeting["minutes__id"] else _("no minutes")),
                day=day,
            )
        )
    found.sort(key=lambda a: (a.day or dt.date.min, a.org_name, a.code), reverse=True)
    return found
