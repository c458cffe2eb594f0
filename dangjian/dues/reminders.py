"""Arrears reminders through the notification interface (DOMAIN §5).

Each month, a member with at least ``dues.reminder_months`` unpaid months (policy, per region) gets
one reminder (in-app, or SMS without an account); a member whose last ``dues.arrears_alert_months``
(6) months are all unpaid is also reported to the secretary of their branch. Both use a dedupe key
per member and calendar month, so running the job twice, or pressing the button after the nightly
job, never reminds anyone twice in a month."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import override

from dangjian.core import audit, policy, scope
from dangjian.members.models import Member
from dangjian.notifications.models import Delivery, Notification
from dangjian.notifications.services import notify
from dangjian.orgs.models import PartyOrganisation

from . import rules
from .models import DuesAssessment

KIND_REMIND = "dues.reminder"
KIND_ALERT = "dues.arrears_alert"
POLICY_KEYS = ["dues.reminder_months", "dues.arrears_alert_months"]


@dataclass
class Arrears:
    member_id: int
    months: int = 0
    outstanding_fen: int = 0
    oldest: dt.date | None = None
    streak: int = 0  # consecutive unpaid months ending at ``as_of``


def _arrears_of_org(org_id: int, as_of: dt.date) -> dict[int, Arrears]:
    rows = (
        DuesAssessment.objects.filter(org_id=org_id, month__lte=as_of, paid__lt=F("amount"))
        .order_by("member_id", "-month")
        .values_list("member_id", "month", "amount", "paid")
    )
    found: dict[int, Arrears] = {}
    for member_id, month, amount, paid in rows:
        item = found.setdefault(member_id, Arrears(member_id))
        item.months += 1
        item.outstanding_fen += rules.fen(amount - paid)
        item.oldest = month
        if month == rules.add_months(as_of, -item.streak):
            item.streak += 1
    return found


def _secretaries(org: PartyOrganisation) -> list:
    """The secretaries bound at the member's organisation, else at the nearest one above it."""
    from dangjian.accounts.models import RoleAssignment

    step = PartyOrganisation.steplen
    paths = [org.path[:end] for end in range(step, len(org.path) + 1, step)]
    assignments = (
        RoleAssignment.objects.filter(role="secretary", org__path__in=paths, user__is_active=True)
        .select_related("user", "org")
        .order_by("-org__depth", "user_id")
    )
    users, depth = [], None
    for assignment in assignments:
        if depth is not None and assignment.org.depth != depth:
            break
        depth = assignment.org.depth
        users.append(assignment.user)
    return users


def _remind_org(org: PartyOrganisation, *, as_of: dt.date, month: dt.date, actor) -> tuple[int, int]:
    limits = policy.values_for(POLICY_KEYS, org.path)
    arrears = {k: v for k, v in _arrears_of_org(org.pk, as_of).items() if v.months >= limits["dues.reminder_months"]}
    if not arrears:
        return 0, 0
    key_month = f"{month:%Y-%m}"
    remind_keys = {f"{KIND_REMIND}:{pk}:{key_month}": pk for pk in arrears}
    alert_keys = {f"{KIND_ALERT}:{pk}:{key_month}": pk for pk in arrears}
    # Members reminded (and alerted about) this month already are skipped in two queries, so the
    # job's second run in a month costs almost nothing; notify's dedupe key still guards races.
    sent = set(
        Notification.objects.filter(dedupe_key__in=list(remind_keys) + list(alert_keys)).values_list(
            "dedupe_key", flat=True
        )
    ) | set(Delivery.objects.filter(dedupe_key__in=list(remind_keys)).values_list("dedupe_key", flat=True))
    reminded_before = {remind_keys[k] for k in sent if k in remind_keys}
    alerted_before = {alert_keys[k] for k in sent if k in alert_keys}
    todo = [
        pk
        for pk, item in arrears.items()
        if pk not in reminded_before
        or (item.streak >= limits["dues.arrears_alert_months"] and pk not in alerted_before)
    ]
    members = Member.objects.filter(pk__in=todo).select_related("org").order_by("pk")
    reminded = alerted = 0
    secretaries = None
    my_dues = reverse("dues:me")
    with override("zh-hans"):  # messages are read on phones and by SMS, in the platform's language
        for member in members:
            item = arrears[member.pk]
            body = _(
                "You have %(n)d unpaid months of party dues, %(amount)s yuan in all (the oldest is %(oldest)s). "
                "Pay them under “My dues” or with your branch."
            ) % {"n": item.months, "amount": rules.yuan_text(item.outstanding_fen), "oldest": f"{item.oldest:%Y-%m}"}
            reminded += notify(
                recipients=[member],
                kind=KIND_REMIND,
                title=_("Party dues reminder"),
                body=body,
                url=my_dues,
                org=org,
                actor=actor,
                dedupe_key=f"{KIND_REMIND}:{member.pk}:{key_month}",
            )
            if item.streak >= limits["dues.arrears_alert_months"]:
                if secretaries is None:
                    secretaries = _secretaries(org)
                sent = notify(
                    recipients=secretaries,
                    kind=KIND_ALERT,
                    title=_("%(name)s has not paid dues for %(n)d consecutive months")
                    % {"name": member.name, "n": item.streak},
                    body=_(
                        "Up to %(month)s, %(name)s of %(org)s owes %(amount)s yuan for %(total)d months. Talk with "
                        "the member; six months unpaid without a reason may be treated as leaving the Party."
                    )
                    % {
                        "month": f"{as_of:%Y-%m}",
                        "name": member.name,
                        "org": org.name,
                        "amount": rules.yuan_text(item.outstanding_fen),
                        "total": item.months,
                    },
                    url=reverse("dues:member", args=[member.pk]),
                    org=org,
                    actor=actor,
                    dedupe_key=f"{KIND_ALERT}:{member.pk}:{key_month}",
                )
                alerted += 1 if sent else 0
    return reminded, alerted


def default_as_of(today: dt.date) -> dt.date:
    """Reminders concern months that are over: up to last month."""
    return rules.add_months(rules.month_start(today), -1)


def arrears_remind(*, actor, org: PartyOrganisation | None = None, today: dt.date | None = None) -> dict[str, int]:
    """Remind the members in arrears under ``org`` (everywhere for the system job, ``actor`` None)
    and alert secretaries; returns ``{"reminded", "alerted", "orgs"}``. Each organisation is its own
    transaction, audited with its counts."""
    from django.utils import timezone

    if actor is not None:
        if org is None:
            raise ValueError("a person reminds within an organisation")
        scope.require(actor, "dues.manage", org)
    today = today or timezone.localdate()
    month, as_of = rules.month_start(today), default_as_of(today)
    org_ids = DuesAssessment.objects.filter(month__lte=as_of, paid__lt=F("amount"))
    if org is not None:
        org_ids = org_ids.filter(org__path__startswith=org.path)
    org_ids = sorted(set(org_ids.values_list("org_id", flat=True).distinct()))
    totals = {"reminded": 0, "alerted": 0, "orgs": 0}
    for branch in PartyOrganisation.objects.filter(pk__in=org_ids).order_by("path"):
        with transaction.atomic():
            reminded, alerted = _remind_org(branch, as_of=as_of, month=month, actor=actor)
            if reminded or alerted:
                audit.record(
                    actor=actor,
                    action="dues.remind",
                    obj=branch,
                    org_path=branch.path,
                    changes={
                        "month": [None, f"{month:%Y-%m}"],
                        "reminded": [None, reminded],
                        "alerted": [None, alerted],
                    },
                )
        totals["reminded"] += reminded
        totals["alerted"] += alerted
        totals["orgs"] += 1 if (reminded or alerted) else 0
    return totals
