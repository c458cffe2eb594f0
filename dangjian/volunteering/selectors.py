"""Reads of volunteer activities. Activities themselves are public notices (no personal data);
the roster of volunteers is read only through the organiser's scope."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from dangjian.core import scope

from .models import Activity, ActivityStatus, Participation, SignUp


def _with_counts(activities: QuerySet) -> QuerySet:
    return activities.select_related("org").annotate(
        signed_up=Count("signups", filter=Q(signups__withdrawn_at__isnull=True), distinct=True),
        checked_in=Count("participations", distinct=True),
    )


def upcoming(now=None) -> QuerySet:
    """Open activities that have not ended, soonest first (the public list)."""
    now = now or timezone.now()
    return _with_counts(Activity.objects.filter(status=ActivityStatus.PUBLISHED, ends_at__gt=now)).order_by(
        "starts_at", "id"
    )


def public_detail(pk: int) -> Activity | None:
    return _with_counts(Activity.objects.filter(pk=pk)).first()


def managed(user) -> QuerySet:
    """Activities the user organises (their subtree), latest first."""
    return _with_counts(scope.restrict(user, "activity.manage", model=Activity)).order_by("-starts_at", "-id")


def roster(activity: Activity) -> dict:
    """Who signed up and who was checked in (for the organiser, already scope-checked)."""
    signups = list(SignUp.objects.filter(activity=activity, withdrawn_at__isnull=True).select_related("user"))
    participations = list(Participation.objects.filter(activity=activity).select_related("user", "recorded_by"))
    present = {p.user_id for p in participations}
    return {
        "participations": participations,
        "not_yet": [s for s in signups if s.user_id not in present],
        "signed_up": len(signups),
    }


def my_signup(user, activity: Activity) -> SignUp | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return SignUp.objects.filter(activity=activity, user=user, withdrawn_at__isnull=True).first()


def my_activities(user) -> dict:
    return {
        "signups": list(
            SignUp.objects.filter(user=user, withdrawn_at__isnull=True)
            .select_related("activity__org")
            .order_by("-activity__starts_at")[:50]
        ),
        "participations": list(
            Participation.objects.filter(user=user).select_related("activity__org").order_by("-checked_in_at")[:50]
        ),
    }
