"""Every write to volunteer activities: publish and cancel (organisers), sign up and withdraw
(workers), check a volunteer in by their code (organisers), which earns the activity's points."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit, policy, scope
from dangjian.core.errors import ConflictError, DomainError
from dangjian.members import codes as member_codes
from dangjian.orgs.models import PartyOrganisation
from dangjian.points import services as points

from .models import Activity, ActivityCategory, ActivityStatus, CheckInMethod, Participation, SignUp

MAX_CAPACITY = 10_000
MAX_LENGTH = dt.timedelta(days=3)
# Check-in opens an hour before the start and stays open two hours after the end, so volunteers who
# arrive early or are scanned while packing up still count.
CHECK_IN_OPENS = dt.timedelta(hours=1)
CHECK_IN_CLOSES = dt.timedelta(hours=2)


def _text(value: str, field: str, minimum: int, maximum: int) -> str:
    value = (value or "").strip()
    if len(value) < minimum:
        raise DomainError(_("Write at least %(n)s characters.") % {"n": minimum}, field=field)
    if len(value) > maximum:
        raise DomainError(_("At most %(n)s characters.") % {"n": maximum}, field=field)
    return value


def _logged_in(actor) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise DomainError(_("Log in to take part in volunteer activities."), code="login_required")


def activity_publish(
    *,
    actor,
    org: PartyOrganisation,
    title: str,
    description: str,
    category: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    place: str,
    points: int,
    capacity: int | None = None,
    now: dt.datetime | None = None,
) -> Activity:
    """Publish a volunteer activity of ``org``. The points may not exceed what a worker can earn in a
    day, so a volunteer never finds the promised points cut by the cap for this activity alone."""
    scope.require(actor, "activity.manage", org)
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}

    def check(field: str, call):
        try:
            return call()
        except DomainError as exc:
            errors.setdefault(field, []).append(exc.message)
            return None

    title = check("title", lambda: _text(title, "title", 4, 80))
    description = check("description", lambda: _text(description, "description", 10, 2000))
    place = check("place", lambda: _text(place, "place", 2, 120))
    if category not in ActivityCategory.values:
        errors.setdefault("category", []).append(_("Choose a category from the list."))
    if starts_at < now - dt.timedelta(minutes=5):
        errors.setdefault("starts_at", []).append(_("The start time has already passed."))
    if ends_at <= starts_at:
        errors.setdefault("ends_at", []).append(_("The end must be after the start."))
    elif ends_at - starts_at > MAX_LENGTH:
        errors.setdefault("ends_at", []).append(_("An activity lasts at most 3 days; publish longer ones day by day."))
    cap = policy.value("points.daily_cap", org.path)
    if not isinstance(points, int) or points < 1 or points > min(cap, 100):
        errors.setdefault("points", []).append(
            _("Give between 1 and %(max)s points (a worker earns at most %(cap)s points a day).")
            % {"max": min(cap, 100), "cap": cap}
        )
    if capacity is not None and not (1 <= capacity <= MAX_CAPACITY):
        errors.setdefault("capacity", []).append(
            _("Places must be between 1 and %(n)s, or left empty for no limit.") % {"n": MAX_CAPACITY}
        )
    if errors:
        first = next(iter(errors.values()))[0]
        raise DomainError(first, fields=errors)
    activity = Activity(
        org=org,
        title=title,
        description=description,
        category=category,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        points=points,
        capacity=capacity,
        created_by=actor,
        created_at=now,
    )
    with transaction.atomic():
        activity.save()
        audit.record(
            actor=actor,
            action="activity.publish",
            obj=activity,
            org_path=org.path,
            changes={"title": activity.title, "starts_at": starts_at.isoformat(), "points": points},
        )
    return activity


def _locked(activity: Activity) -> Activity:
    return Activity.objects.select_for_update(of=("self",)).select_related("org").get(pk=activity.pk)


def activity_cancel(*, actor, activity: Activity, reason: str, now: dt.datetime | None = None) -> Activity:
    """Call an activity off before anyone has been checked in (afterwards its points stand)."""
    scope.require(actor, "activity.manage", activity)
    reason = _text(reason, "reason", 2, 200)
    now = now or timezone.now()
    with transaction.atomic():
        activity = _locked(activity)
        if activity.status == ActivityStatus.CANCELLED:
            raise ConflictError(_("This activity has already been cancelled."), code="activity_cancelled")
        if activity.ends_at <= now:
            raise ConflictError(_("This activity is over and can no longer be cancelled."), code="activity_over")
        if activity.participations.exists():
            raise ConflictError(
                _("Volunteers have already been checked in; the activity can no longer be cancelled."),
                code="activity_has_participants",
            )
        activity.status, activity.cancel_reason = ActivityStatus.CANCELLED, reason
        activity.save(update_fields=["status", "cancel_reason"])
        audit.record(
            actor=actor, action="activity.cancel", obj=activity, org_path=activity.org.path, changes={"reason": reason}
        )
    return activity


def _open_for_signup(activity: Activity, now: dt.datetime) -> None:
    if activity.status == ActivityStatus.CANCELLED:
        raise ConflictError(_("This activity has been cancelled."), code="activity_cancelled")
    if activity.ends_at <= now:
        raise ConflictError(_("This activity is over."), code="activity_over")


def signup_create(*, actor, activity: Activity, now: dt.datetime | None = None) -> SignUp:
    """Sign the worker up. Places are counted with the activity row locked, so the last place is
    never given twice."""
    _logged_in(actor)
    now = now or timezone.now()
    with transaction.atomic():
        activity = _locked(activity)
        _open_for_signup(activity, now)
        signup = SignUp.objects.filter(activity=activity, user=actor).first()
        if signup is not None and signup.withdrawn_at is None:
            raise ConflictError(_("You have already signed up for this activity."), code="already_signed_up")
        if activity.capacity is not None:
            taken = SignUp.objects.filter(activity=activity, withdrawn_at__isnull=True).count()
            if taken >= activity.capacity:
                raise ConflictError(_("All places are taken."), code="activity_full")
        if signup is None:
            signup = SignUp.objects.create(activity=activity, user=actor, created_at=now)
        else:
            signup.withdrawn_at, signup.created_at = None, now
            signup.save(update_fields=["withdrawn_at", "created_at"])
        audit.record(actor=actor, action="activity.signup", obj=activity, org_path=activity.org.path)
    return signup


def signup_withdraw(*, actor, activity: Activity, now: dt.datetime | None = None) -> SignUp:
    """Withdraw before the activity starts, freeing the place for someone else."""
    _logged_in(actor)
    now = now or timezone.now()
    with transaction.atomic():
        activity = _locked(activity)
        signup = SignUp.objects.filter(activity=activity, user=actor, withdrawn_at__isnull=True).first()
        if signup is None:
            raise ConflictError(_("You have not signed up for this activity."), code="not_signed_up")
        if activity.starts_at <= now:
            raise ConflictError(
                _("The activity has started; tell the organiser if you cannot come."), code="activity_started"
            )
        signup.withdrawn_at = now
        signup.save(update_fields=["withdrawn_at"])
        audit.record(actor=actor, action="activity.withdraw", obj=activity, org_path=activity.org.path)
    return signup


def _token(code: str) -> str:
    """The code as scanned: the bare token, or the scan address printed in a personal-code QR."""
    code = (code or "").strip()
    if "/" in code:
        segments = [part for part in urlsplit(code).path.split("/") if part]
        code = segments[-1] if segments else ""
    return code


def _volunteer(code: str):
    """The worker account behind a scanned code, and how it was identified."""
    token = _token(code)
    if not token:
        raise DomainError(_("Scan the volunteer's code, or type it in."), field="code")
    if token.count(".") == 2:
        try:
            member = member_codes.resolve(token)
        except DomainError as exc:
            raise DomainError(exc.message, code=exc.code, field="code") from None
        if member.user_id is None:
            raise DomainError(
                _("%(name)s has no account yet, so points cannot be recorded. Ask them to log in once first.")
                % {"name": member.name},
                code="member_without_account",
                field="code",
            )
        return member.user, CheckInMethod.MEMBER_CODE
    return points.user_from_code(token), CheckInMethod.WORKER_CODE


def participation_record(*, actor, activity: Activity, code: str, now: dt.datetime | None = None) -> Participation:
    """Check a volunteer in by the code on their phone (their points code or personal code). A
    second scan of the same volunteer is refused; the points are earned once, within the daily cap."""
    scope.require(actor, "activity.manage", activity)
    now = now or timezone.now()
    user, method = _volunteer(code)
    with transaction.atomic():
        activity = _locked(activity)
        if activity.status == ActivityStatus.CANCELLED:
            raise ConflictError(_("This activity has been cancelled."), code="activity_cancelled")
        if now < activity.starts_at - CHECK_IN_OPENS:
            raise ConflictError(_("Check-in opens an hour before the start."), code="check_in_not_open")
        if now > activity.ends_at + CHECK_IN_CLOSES:
            raise ConflictError(_("Check-in closed two hours after the end."), code="check_in_closed")
        try:
            with transaction.atomic():
                participation = Participation.objects.create(
                    activity=activity, user=user, method=method, recorded_by=actor, checked_in_at=now
                )
        except IntegrityError:
            raise ConflictError(
                _("%(name)s is already checked in.") % {"name": str(user)},
                code="already_checked_in",
                field="code",
            ) from None
        entry = points.points_earn(
            user=user,
            points=activity.points,
            reason=_("Volunteer activity: %(t)s") % {"t": activity.title[:60]},
            org=activity.org,
            source=f"activity:{activity.pk}:{user.pk}",
            now=now,
        )
        participation.points_awarded = entry.points if entry is not None else 0
        participation.save(update_fields=["points_awarded"])
        audit.record(
            actor=actor,
            action="activity.check_in",
            obj=activity,
            org_path=activity.org.path,
            changes={"volunteer": user.pk, "method": method, "points": participation.points_awarded},
        )
    return participation
