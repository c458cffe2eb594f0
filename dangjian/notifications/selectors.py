"""Reads of notifications: a user only ever sees their own."""

from __future__ import annotations

from django.db.models import QuerySet

from dangjian.core.errors import NotFoundError

from .models import Notification


def inbox(user, *, unread: bool = False) -> QuerySet[Notification]:
    """The user's notifications, newest first."""
    rows = Notification.objects.filter(recipient_id=user.pk)
    if unread:
        rows = rows.filter(read_at__isnull=True)
    return rows.order_by("-created_at", "-id")


def notification_get(user, pk: int) -> Notification:
    found = Notification.objects.filter(recipient_id=user.pk, pk=pk).first()
    if found is None:
        from django.utils.translation import gettext as _

        raise NotFoundError(_("Notification not found."))
    return found


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()


def unread_count_expression():
    """The unread count as a subquery, annotated on the user when the session loads it (so the
    navbar badge costs no query of its own)."""
    from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
    from django.db.models.functions import Coalesce

    unread = (
        Notification.objects.filter(recipient_id=OuterRef("pk"), read_at__isnull=True)
        .order_by()
        .values("recipient_id")
        .annotate(n=Count("id"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(unread, output_field=IntegerField()), Value(0))


def badge_count(request) -> int:
    """Unread count for the navbar: from the user's row when the session loaded it with the
    annotation, else one query; once per request either way."""
    if not hasattr(request, "_notifications_unread"):
        user = getattr(request, "user", None)
        loaded = getattr(user, "notifications_unread_count", None)
        request._notifications_unread = loaded if loaded is not None else unread_count(user)
    return request._notifications_unread
