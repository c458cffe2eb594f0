"""Every change to volunteer points: earn (capped per day), redeem at a station, correct."""

from __future__ import annotations

import datetime as dt

from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit, policy, scope
from dangjian.core.errors import ConflictError, DomainError
from dangjian.orgs.models import PartyOrganisation

from .models import EntryKind, PointAccount, PointEntry

CODE_SALT = "dangjian.points.code"
CODE_MAX_AGE = 600  # a worker's code shown on the phone is valid for 10 minutes


def _locked_account(user) -> PointAccount:
    PointAccount.objects.get_or_create(user=user)
    return PointAccount.objects.select_for_update().get(user=user)


def _entry(account: PointAccount, kind: str, points: int, reason: str, org, *, source=None, station=None, actor=None):
    account.balance += points
    if account.balance < 0:
        raise ConflictError(
            _("Not enough points: the balance is %(n)s.") % {"n": account.balance - points}, code="insufficient_points"
        )
    account.save(update_fields=["balance", "updated_at"])
    return PointEntry.objects.create(
        account=account,
        kind=kind,
        points=points,
        balance_after=account.balance,
        reason=reason[:200],
        source=source,
        org=org,
        station=station,
        actor=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
    )


def points_earn(*, user, points: int, reason: str, org: PartyOrganisation, source: str, now: dt.datetime | None = None):
    """Award points for a piece of service (done by the platform when the service is recorded).
    Capped by ``points.daily_cap`` per local day; the same ``source`` never earns twice. Returns the
    entry, or None when the cap or an earlier award left nothing to give."""
    if points <= 0:
        raise DomainError(_("Points must be a positive whole number."), field="points")
    now = now or timezone.now()
    with transaction.atomic():
        if PointEntry.objects.filter(source=source).exists():
            return None
        account = _locked_account(user)
        start = timezone.make_aware(dt.datetime.combine(timezone.localdate(now), dt.time.min))
        today = (
            account.entries.filter(
                kind=EntryKind.EARN, created_at__gte=start, created_at__lt=start + dt.timedelta(days=1)
            ).aggregate(total=Sum("points"))["total"]
            or 0
        )
        cap = policy.value("points.daily_cap", org.path)
        award = min(points, max(cap - today, 0))
        if award == 0:
            return None
        try:
            with transaction.atomic():
                entry = _entry(account, EntryKind.EARN, award, reason, org, source=source)
                entry.created_at = now
                entry.save(update_fields=["created_at"])
        except IntegrityError:
            return None  # the same source was awarded concurrently
        audit.record(
            actor=None,
            action="points.earn",
            obj=account,
            org_path=org.path,
            changes={"points": award, "asked": points, "source": source, "balance": account.balance},
        )
    return entry


def worker_code(user) -> str:
    """The short-lived code a worker shows (as a QR code) to redeem points at a station."""
    return signing.TimestampSigner(salt=CODE_SALT).sign(str(user.pk))


def user_from_code(code: str):
    from dangjian.accounts.models import User

    try:
        pk = signing.TimestampSigner(salt=CODE_SALT).unsign((code or "").strip(), max_age=CODE_MAX_AGE)
    except signing.BadSignature:
        raise DomainError(
            _("The worker's code is not valid or has expired. Ask them to refresh it."), field="code"
        ) from None
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None:
        raise DomainError(_("The worker's code is not valid or has expired. Ask them to refresh it."), field="code")
    return user


def points_redeem(*, actor, station, code: str, points: int, reason: str):
    """Redeem points at a station by the worker's code. Never below zero, even when two stations
    redeem at the same moment: the account row is locked."""
    scope.require(actor, "points.redeem", station)
    if not isinstance(points, int) or points <= 0:
        raise DomainError(_("Points must be a positive whole number."), field="points")
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise DomainError(_("Say what the points were exchanged for."), field="reason")
    user = user_from_code(code)
    with transaction.atomic():
        account = _locked_account(user)
        entry = _entry(account, EntryKind.REDEEM, -points, reason, station.org, station=station, actor=actor)
        audit.record(
            actor=actor,
            action="points.redeem",
            obj=account,
            org_path=station.org.path,
            changes={"points": -points, "station": station.pk, "balance": account.balance, "reason": reason[:100]},
        )
    return entry


def points_correct(*, actor, user, org: PartyOrganisation, points: int, reason: str):
    """Put a mistake right with a signed correction entry (the earlier entry stays as it was)."""
    scope.require(actor, "points.correct", org)
    if not isinstance(points, int) or points == 0:
        raise DomainError(_("A correction must add or remove at least one point."), field="points")
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise DomainError(_("Give the reason for the correction."), field="reason")
    with transaction.atomic():
        account = _locked_account(user)
        entry = _entry(account, EntryKind.CORRECT, points, reason, org, actor=actor)
        audit.record(
            actor=actor,
            action="points.correct",
            obj=account,
            org_path=org.path,
            changes={"points": points, "balance": account.balance, "reason": reason[:100]},
        )
    return entry


def expiry_cutoff(today: dt.date, validity_years: int) -> dt.datetime:
    """Points earned before this moment have expired: points earned in year Y stay valid until the
    end of year Y + ``validity_years`` (1: the end of the following year)."""
    return timezone.make_aware(dt.datetime(today.year - validity_years, 1, 1))


def _expire_account(account_id: int, cutoff: dt.datetime) -> PointEntry | None:
    """Expire what is left of one account's points earned before ``cutoff``. Spending uses the
    oldest points first, so what is left of them is the old credits minus everything ever spent,
    corrected down or expired, and never more than the balance."""
    from django.db.models import Q

    source = f"expire:{account_id}:{cutoff:%Y}"
    with transaction.atomic():
        account = PointAccount.objects.select_for_update().select_related("user").get(pk=account_id)
        if PointEntry.objects.filter(source=source).exists():
            return None  # this year's expiry already ran for the account
        sums = account.entries.aggregate(
            old_credits=Sum("points", filter=Q(points__gt=0, created_at__lt=cutoff)),
            debits=Sum("points", filter=Q(points__lt=0)),
        )
        left = (sums["old_credits"] or 0) + (sums["debits"] or 0)
        amount = min(left, account.balance)
        if amount <= 0:
            return None
        last = account.entries.order_by("-created_at", "-id").only("org_id").first()
        entry = _entry(
            account,
            EntryKind.EXPIRE,
            -amount,
            _("Points earned before %(year)s expired") % {"year": f"{cutoff:%Y}"},
            last.org,
            source=source,
        )
        audit.record(
            actor=None,
            action="points.expire",
            obj=account,
            org_path=last.org.path,
            changes={"points": -amount, "before": f"{cutoff:%Y-%m-%d}", "balance": account.balance},
        )
        from dangjian.notifications.services import notify

        notify(
            recipients=[account.user],
            kind="points.expired",
            title=_("%(n)d volunteer points expired") % {"n": amount},
            body=_("Points earned before %(year)s are no longer valid. Your balance is now %(balance)d.")
            % {"year": f"{cutoff:%Y}", "balance": account.balance},
            url=reverse("points:mine"),
            org=last.org,
            dedupe_key=source,
        )
    return entry


def points_expire(*, today: dt.date | None = None, validity_years: int | None = None) -> dict[str, int]:
    """Expire the volunteer points past their validity (settings.POINTS_VALIDITY_YEARS, 1: points
    earned in a year stay valid until the end of the next). Safe to run again (an account expires
    at most once per cutoff, keyed by ``source``) and alongside redemptions (the account row is
    locked). Each account is its own transaction. Returns ``{"accounts", "points"}``."""
    from django.conf import settings

    today = today or timezone.localdate()
    years = validity_years if validity_years is not None else getattr(settings, "POINTS_VALIDITY_YEARS", 1)
    if years < 0:
        raise DomainError(_("The validity cannot be negative."), field="validity_years")
    cutoff = expiry_cutoff(today, years)
    candidates = (
        PointEntry.objects.filter(points__gt=0, created_at__lt=cutoff)
        .order_by("account_id")
        .values_list("account_id", flat=True)
        .distinct()
    )
    totals = {"accounts": 0, "points": 0}
    for account_id in list(candidates):
        try:
            entry = _expire_account(account_id, cutoff)
        except IntegrityError:
            continue  # a concurrent run wrote this account's expiry first
        if entry is not None:
            totals["accounts"] += 1
            totals["points"] -= entry.points
    return totals
