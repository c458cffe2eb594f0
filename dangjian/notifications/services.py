"""Every write to notifications: notify, deliver over external channels, mark read.

Other apps call :func:`notify`. In-app rows are written in the caller's transaction; external
messages are queued as Delivery rows in the same transaction and sent after it commits, so a
rolled-back change sends nothing, and a failing gateway never breaks the caller's request."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit
from dangjian.core.errors import DomainError, NotFoundError

from . import channels
from .choices import DeliveryStatus
from .models import Delivery, Notification

logger = logging.getLogger("dangjian.notifications")

SMS = "sms"
AUDIT_TARGETS_LIMIT = 50  # masked targets listed in one audit entry; the rest are counted


def _check(kind: str, title: str, body: str, url: str, dedupe_key: str | None) -> tuple[str, str, str, str, str]:
    kind, title, body, url = (kind or "").strip(), (title or "").strip(), (body or "").strip(), (url or "").strip()
    if not kind or len(kind) > 40:
        raise DomainError(_("A notification needs a kind of at most 40 characters."), field="kind")
    if not title:
        raise DomainError(_("A notification needs a title."), field="title")
    if len(title) > 200:
        raise DomainError(_("The title is longer than 200 characters."), field="title")
    if len(body) > 2000:
        raise DomainError(_("The text is longer than 2000 characters."), field="body")
    # Only links inside the platform: a notice must never send its reader elsewhere.
    if url and (not url.startswith("/") or url.startswith("//") or "\\" in url or len(url) > 300):
        raise DomainError(_("The link must be a path on this platform."), field="url")
    key = (dedupe_key or "").strip()
    if len(key) > 120:
        raise DomainError(_("The deduplication key is longer than 120 characters."), field="dedupe_key")
    return kind, title, body, url, key


def _split(recipients: Iterable) -> tuple[dict[int, object], dict[int, object]]:
    """Users by id (members with an account become their user), members without an account by id."""
    from dangjian.accounts.models import User
    from dangjian.members.models import Member

    users: dict[int, object] = {}
    offline: dict[int, object] = {}
    for recipient in recipients:
        if isinstance(recipient, Member):
            if recipient.user_id:
                users.setdefault(recipient.user_id, None)
            elif recipient.personal_data_destroyed_at is None:
                offline[recipient.pk] = recipient
        elif isinstance(recipient, User):
            if recipient.is_active:
                users[recipient.pk] = recipient
        else:
            raise DomainError(_("Notifications go to users or members."), field="recipients")
    return users, offline


def _insert(model, rows: list) -> list:
    """Insert ``rows``; a row colliding with one written meanwhile (same dedupe key) is skipped."""
    if not rows:
        return []
    try:
        with transaction.atomic():
            return model.objects.bulk_create(rows)
    except IntegrityError:
        created = []
        for row in rows:
            row.pk = None
            try:
                with transaction.atomic():
                    row.save(force_insert=True)
                created.append(row)
            except IntegrityError:
                continue
        return created


def sms_text(title: str, body: str) -> str:
    text = f"{title}：{body}" if body else title
    return text[:500]


@transaction.atomic
def notify(
    *,
    recipients,
    kind: str,
    title,
    body,
    url: str = "",
    org=None,
    actor=None,
    dedupe_key: str | None = None,
) -> int:
    """Notify ``recipients`` (users and/or members) and return how many were reached.

    A user, or a member with a login account, gets an in-app notification. A member without an
    account is reached only by SMS, at the mobile in their record (skipped when there is none or
    no SMS channel is configured). With ``dedupe_key``, a recipient who already got a notice with
    that key is skipped (and not counted)."""
    kind, title, body, url, key = _check(kind, str(title), str(body), url, dedupe_key)
    users, offline = _split(recipients)
    if key and users:
        for user_id in Notification.objects.filter(recipient_id__in=list(users), dedupe_key=key).values_list(
            "recipient_id", flat=True
        ):
            users.pop(user_id, None)
    now = timezone.now()
    created = _insert(
        Notification,
        [
            Notification(
                recipient_id=user_id,
                kind=kind,
                title=title,
                body=body,
                url=url,
                org=org,
                created_at=now,
                dedupe_key=key,
            )
            for user_id in sorted(users)
        ],
    )
    reachable = [m for m in offline.values() if m.mobile_enc] if channels.get(SMS) is not None else []
    if key and reachable:
        done = set(
            Delivery.objects.filter(member_id__in=[m.pk for m in reachable], channel=SMS, dedupe_key=key).values_list(
                "member_id", flat=True
            )
        )
        reachable = [m for m in reachable if m.pk not in done]
    text = sms_text(title, body)
    queued = _insert(
        Delivery,
        [
            Delivery(
                member=m,
                org_id=getattr(org, "pk", None) or m.org_id,
                kind=kind,
                channel=SMS,
                target_masked=m.mobile_masked,
                text=text,
                dedupe_key=key,
                created_at=now,
            )
            for m in sorted(reachable, key=lambda m: m.pk)
        ],
    )
    if not created and not queued:
        return 0
    audit.record(
        actor=actor,
        action="notification.send",
        org_path=getattr(org, "path", "") or "",
        object_type="notifications.notification",
        object_id=key[:64],
        object_repr=title[:200],
        changes={
            "kind": [None, kind],
            "in_app": [None, len(created)],
            "sms": [None, len(queued)],
            "sms_targets": [None, [d.target_masked for d in queued[:AUDIT_TARGETS_LIMIT]]],
        },
    )
    if queued:
        ids = [d.pk for d in queued]
        transaction.on_commit(lambda: deliveries_send(delivery_ids=ids))
    return len(created) + len(queued)


def _safe_error(exc: Exception, target: str, masked: str) -> str:
    """The gateway's error, with the plaintext target replaced by its masked form."""
    text = f"{type(exc).__name__}: {exc}"
    if target:
        text = text.replace(target, masked or "***")
    return text[:300]


@transaction.atomic
def delivery_send(*, delivery_id: int) -> Delivery | None:
    """Send one queued (or previously failed) delivery; the outcome is recorded, never raised.
    The row stays locked while the gateway is called, so two workers never send it twice."""
    delivery = (
        Delivery.objects.select_for_update(of=("self",))
        .select_related("member", "org")
        .filter(pk=delivery_id, status__in=[DeliveryStatus.QUEUED, DeliveryStatus.FAILED])
        .first()
    )
    if delivery is None:
        return None
    before = delivery.status
    delivery.attempts += 1
    target = ""
    channel = None
    try:
        channel = channels.get(delivery.channel)
        if channel is None:
            raise channels.ChannelError(f"channel {delivery.channel!r} is not configured")
        target = channel.address(delivery.member)
        if not target:
            raise channels.ChannelError("the recipient has no address on this channel")
        channel.send(target=target, text=delivery.text)
    except Exception as exc:  # a gateway's failure is data, not an error of the caller's request
        masked = channel.mask(target) if channel is not None and target else delivery.target_masked
        delivery.status, delivery.error = DeliveryStatus.FAILED, _safe_error(exc, target, masked)
        logger.warning("delivery %s over %s to %s failed: %s", delivery.pk, delivery.channel, masked, delivery.error)
    else:
        delivery.status, delivery.error, delivery.sent_at = DeliveryStatus.SENT, "", timezone.now()
    delivery.save(update_fields=["status", "error", "attempts", "sent_at"])
    audit.record(
        actor=None,
        action="notification.deliver",
        obj=delivery,
        org_path=getattr(delivery.org, "path", "") or "",
        changes={
            "channel": [None, delivery.channel],
            "target": [None, delivery.target_masked],
            "status": [before, delivery.status],
            "attempts": [delivery.attempts - 1, delivery.attempts],
        },
    )
    return delivery


def deliveries_send(*, delivery_ids: Iterable[int]) -> dict[str, int]:
    """Send each delivery in its own transaction (one failure does not undo the others)."""
    outcome = {DeliveryStatus.SENT.value: 0, DeliveryStatus.FAILED.value: 0}
    for delivery_id in delivery_ids:
        try:
            delivery = delivery_send(delivery_id=delivery_id)
        except Exception:  # even a broken channel class must not reach the request that notified
            logger.exception("delivery %s could not be processed", delivery_id)
            continue
        if delivery is not None:
            outcome[delivery.status] = outcome.get(delivery.status, 0) + 1
    return outcome


def deliveries_retry(*, max_attempts: int | None = None) -> dict[str, int]:
    """Send again the deliveries that failed fewer than ``max_attempts`` times (a periodic job)."""
    limit = max_attempts or getattr(settings, "NOTIFICATION_MAX_ATTEMPTS", 3)
    ids = list(
        Delivery.objects.filter(status=DeliveryStatus.FAILED, attempts__lt=limit)
        .order_by("id")
        .values_list("pk", flat=True)
    )
    return deliveries_send(delivery_ids=ids)


@transaction.atomic
def notification_mark_read(*, actor, notification: Notification) -> Notification:
    """Mark one of the actor's own notifications read (someone else's is not found)."""
    found = (
        Notification.objects.select_for_update()
        .filter(pk=notification.pk, recipient_id=getattr(actor, "pk", None))
        .first()
    )
    if found is None:
        raise NotFoundError(_("Notification not found."))
    if found.read_at is None:
        found.read_at = timezone.now()
        found.save(update_fields=["read_at"])
        audit.record(
            actor=actor,
            action="notification.read",
            obj=found,
            changes={"read_at": [None, found.read_at.isoformat()]},
        )
    return found


@transaction.atomic
def notification_mark_all_read(*, actor) -> int:
    """Mark every unread notification of the actor read; returns how many changed."""
    count = Notification.objects.filter(recipient_id=getattr(actor, "pk", None), read_at__isnull=True).update(
        read_at=timezone.now()
    )
    if count:
        audit.record(
            actor=actor,
            action="notification.read_all",
            object_type="notifications.notification",
            object_repr=_("All notifications"),
            changes={"count": [None, count]},
        )
    return count
