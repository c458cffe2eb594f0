"""Reads of dues, narrowed through core.scope: ledgers, arrears, a member's account, reconciliation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import BooleanField, Case, Count, DecimalField, F, Min, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.db.models.query import ValuesIterable

from dangjian.core import policy, scope
from dangjian.orgs.models import PartyOrganisation

from . import rules
from .choices import PaymentStatus
from .models import DuesAllocation, DuesAssessment, DuesDeclaration, DuesLedger, DuesPayment, DuesRelief
from .sums import fen_sum, to_yuan

MONEY = DecimalField(max_digits=14, decimal_places=2)
ZERO = Value(Decimal("0.00"), output_field=MONEY)


def ledger_rows(user, *, month: dt.date, under: PartyOrganisation | None = None) -> QuerySet[DuesLedger]:
    """One row per organisation of the user's scope (under ``under``) for ``month``, in tree order."""
    # The copied path (kept current on moves by scope.carry_paths) scopes, narrows and orders
    # through the (month, org_path) index without joining the organisations.
    rows = scope.restrict(user, "dues.view", model=DuesLedger).filter(month=month)
    prefixes = [under.path] if under is not None else list(scope.scope_for(user, "dues.view").paths)
    if under is not None:
        rows = rows.filter(org_path__startswith=under.path)
    if len(prefixes) == 1:
        # The same subtree as a range: unlike LIKE under a non-C collation, a range is an index
        # condition on (month, org_path), so the page walks the index in order and stops at 50.
        rows = rows.filter(org_path__gte=prefixes[0], org_path__lte=_range_end(prefixes[0]))
    return rows.select_related("org").order_by("org_path")


def _range_end(prefix: str) -> str:
    """An upper bound for every path that starts with ``prefix`` (paths use 0-9 and A-Z)."""
    return prefix + "Z" * (255 - len(prefix))


def ledger_totals(rows: QuerySet[DuesLedger]) -> dict:
    totals = rows.order_by().aggregate(
        assessed=fen_sum("assessed"),
        paid=fen_sum("paid"),
        handed_over=fen_sum("handed_over"),
        members_total=Coalesce(Sum("members_total"), 0),
        members_paid=Coalesce(Sum("members_paid"), 0),
        orgs=Count("id"),
    )
    for key in ("assessed", "paid", "handed_over"):
        totals[key] = to_yuan(totals[key])
    totals["outstanding"] = totals["assessed"] - totals["paid"]
    totals["rate"] = (totals["paid"] * 100 / totals["assessed"]) if totals["assessed"] else None
    return totals


def arrears_list(
    user, *, as_of: dt.date, min_months: int = 1, under: PartyOrganisation | None = None, alert_only: bool = False
):
    """Members with unpaid months up to ``as_of``: how many, how much, since when, and whether the
    last N months (policy ``dues.arrears_alert_months``, 6) are all unpaid — the alert."""
    alert_months = policy.value("dues.arrears_alert_months", under.path if under else "")
    window = rules.add_months(as_of, -(alert_months - 1))
    rows = scope.restrict(user, "dues.view", model=DuesAssessment).filter(month__lte=as_of, paid__lt=F("amount"))
    if under is not None:
        rows = rows.filter(org__path__startswith=under.path)
    rows = (
        rows.order_by()
        .values("member_id", name=F("member__name"), org_name=F("org__name"))
        .annotate(
            months=Count("id"),
            outstanding_fen=fen_sum(F("amount") - F("paid")),
            oldest=Min("month"),
            recent=Count("id", filter=Q(month__gte=window)),
        )
        .annotate(
            alert=Case(
                When(recent__gte=alert_months, then=Value(True)), default=Value(False), output_field=BooleanField()
            )
        )
        .filter(months__gte=max(1, min_months))
    )
    if alert_only:
        rows = rows.filter(recent__gte=alert_months)
    rows = rows.order_by("-months", "name", "member_id")
    rows._iterable_class = _ArrearsRows
    return rows


class _ArrearsRows(ValuesIterable):
    """Rows as dicts with ``outstanding`` in yuan (summed exactly in fen)."""

    def __iter__(self):
        for row in super().__iter__():
            row["outstanding"] = to_yuan(row.pop("outstanding_fen"))
            yield row


def member_assessments(member, limit: int = 24) -> list[DuesAssessment]:
    return list(
        DuesAssessment.objects.filter(member=member).select_related("schedule", "relief").order_by("-month")[:limit]
    )


def member_payments(member, limit: int = 50) -> list[DuesPayment]:
    return list(DuesPayment.objects.filter(member=member).order_by("-created_at", "-id")[:limit])


def member_declarations(member) -> list[DuesDeclaration]:
    return list(DuesDeclaration.objects.filter(member=member).order_by("-applies_from", "-id"))


def member_reliefs(member) -> list[DuesRelief]:
    return list(DuesRelief.objects.filter(member=member).order_by("-created_at", "-id"))


def member_outstanding(member) -> Decimal:
    return to_yuan(DuesAssessment.objects.filter(member=member).aggregate(s=fen_sum(F("amount") - F("paid")))["s"])


def ledger_reconcile(org: PartyOrganisation, month: dt.date) -> dict:
    """Check one branch-month from its sources: the ledger row equals its assessments, what the
    assessments show as paid equals the allocations made to them, and every payment or refund
    received by the branch that month is allocated to the fen."""
    assessments = DuesAssessment.objects.filter(org=org, month=month)
    sums = assessments.aggregate(
        assessed=Coalesce(Sum("amount"), ZERO), paid=Coalesce(Sum("paid"), ZERO), n=Count("id")
    )
    allocated = DuesAllocation.objects.filter(assessment__in=assessments).aggregate(s=Coalesce(Sum("amount"), ZERO))[
        "s"
    ]
    ledger = DuesLedger.objects.filter(org=org, month=month).first()
    received = DuesPayment.objects.filter(
        org=org,
        status=PaymentStatus.PAID,
        paid_at__date__gte=month,
        paid_at__date__lte=rules.month_end(month),
    )
    received_sum = to_yuan(received.aggregate(s=fen_sum("amount"))["s"])
    received_allocated = to_yuan(
        DuesAllocation.objects.filter(payment__in=received).aggregate(s=fen_sum("amount"))["s"]
    )
    result = {
        "assessed": sums["assessed"],
        "paid": sums["paid"],
        "allocated": allocated,
        "ledger_assessed": ledger.assessed if ledger else Decimal("0.00"),
        "ledger_paid": ledger.paid if ledger else Decimal("0.00"),
        "received": received_sum,
        "received_allocated": received_allocated,
    }
    result["ok"] = (
        result["assessed"] == result["ledger_assessed"]
        and result["paid"] == result["allocated"] == result["ledger_paid"]
        and result["received"] == result["received_allocated"]
    )
    return result


def schedule_relevant(schedule_path: str, paths) -> bool:
    """Nationwide and ancestor regions apply to the user's subtrees; so do regions inside them."""
    return any(p.startswith(schedule_path) or schedule_path.startswith(p) for p in paths)


def schedule_list(user) -> list:
    """Every rate-schedule version that concerns the user's dues scope."""
    from .models import RateSchedule

    paths = scope.scope_for(user, "dues.view").paths
    return [
        s
        for s in RateSchedule.objects.order_by("scope_path", "-effective_from")
        if schedule_relevant(s.scope_path, paths)
    ]


def schedules_by_region(user, *, month: dt.date) -> list[dict]:
    """Per region (nationwide first, then by organisation path): the version in force in ``month``
    and the versions that start later, each with its bands parsed for display."""
    regions: dict[str, list] = {}
    for schedule in schedule_list(user):
        regions.setdefault(schedule.scope_path, []).append(schedule)
    orgs = {o.path: o for o in PartyOrganisation.objects.filter(path__in=[p for p in regions if p])}
    result = []
    for path in sorted(regions):
        versions = regions[path]  # newest first
        active = next((s for s in versions if s.effective_from <= month), None)
        upcoming = sorted((s for s in versions if s.effective_from > month), key=lambda s: s.effective_from)
        result.append(
            {
                "path": path,
                "org": orgs.get(path),
                "active": _display(active) if active else None,
                "upcoming": [_display(s) for s in upcoming],
                "older": sum(1 for s in versions if s.effective_from <= month) - (1 if active else 0),
            }
        )
    return result


def _display(schedule) -> dict:
    return {
        "schedule": schedule,
        "salaried": rules.parse_bands(schedule.salaried_bands),
        "retiree": rules.parse_bands(schedule.retiree_bands),
    }
