"""One person, one code (一人一码 / 电子党员证): the one mechanism every later feature (check-in,
services, points) uses to identify a member from a QR.

The token is ``<key id>.<code id in base 36>.<MAC>``: a reference to a :class:`MemberCode` row and
a truncated HMAC over it under a key derived from the data keyring. No personal data is inside, a
forged token fails the MAC, and expiry and revocation are decided by the row.

Callers use::

    from dangjian.members import codes
    member = codes.resolve(token)          # Member, or raises CodeRefused with a clear message
    code = codes.resolve_code(token)       # the MemberCode row (member preloaded)

Other apps can add what a scanner may do next with :func:`register_scan_action`.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit, crypto, policy, scope
from dangjian.core.errors import ConflictError, DomainError

from .choices import ACTIVE_STATUSES
from .models import Member, MemberCode

MAC_BYTES = 16  # 128-bit tag: forging one is out of reach, and the QR stays small
_KEY_INFO = b"dangjian member code v1"


class CodeRefused(DomainError):
    """A scanned code that does not identify a member now: forged, expired, revoked, or the
    membership is no longer active. ``code`` says which."""

    status = 400
    default_code = "code_invalid"


def _key(key_id: str, info: bytes = _KEY_INFO) -> bytes:
    ring = crypto.keyring()
    try:
        base = ring.blind_keys[key_id]
    except KeyError:
        raise CodeRefused(_("This code is not valid. Ask the member to show a new code.")) from None
    # A separate key per purpose: a code MAC can never be confused with a blind index.
    return hmac.new(base, info, hashlib.sha256).digest()


def _mac(key_id: str, body: str, info: bytes = _KEY_INFO) -> str:
    tag = hmac.new(_key(key_id, info), body.encode(), crypto.hash_name()).digest()[:MAC_BYTES]
    return base64.urlsafe_b64encode(tag).decode().rstrip("=")


def _b36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if not number:
            return out


def token_for(code: MemberCode) -> str:
    """The signed token printed in the QR of ``code``."""
    key_id = crypto.keyring().blind_current
    body = f"{key_id}.{_b36(code.pk)}"
    return f"{body}.{_mac(key_id, body)}"


def _parse(token: str) -> int:
    token = (token or "").strip()
    forged = CodeRefused(_("This code is not valid. Ask the member to show a new code."), code="code_forged")
    parts = token.split(".")
    if len(token) > 80 or len(parts) != 3 or not all(parts):
        raise forged
    key_id, pk_text, tag = parts
    try:
        pk = int(pk_text, 36)
    except ValueError:
        raise forged from None
    try:
        expected = _mac(key_id, f"{key_id}.{pk_text}")
    except CodeRefused:
        raise forged from None
    if not crypto.constant_time_equal(expected, tag):
        raise forged
    return pk


def resolve_code(token: str, *, now: dt.datetime | None = None) -> MemberCode:
    """The valid code behind ``token``; raises :class:`CodeRefused` (code ``code_forged``,
    ``code_revoked``, ``code_expired`` or ``member_inactive``)."""
    pk = _parse(token)
    code = MemberCode.objects.select_related("member__org").filter(pk=pk).first()
    if code is None:
        raise CodeRefused(_("This code is not valid. Ask the member to show a new code."), code="code_forged")
    if code.revoked_at is not None:
        raise CodeRefused(
            _("This code was revoked on %(date)s. Ask the member to show their current code.")
            % {"date": timezone.localtime(code.revoked_at).date()},
            code="code_revoked",
        )
    if (now or timezone.now()) >= code.expires_at:
        raise CodeRefused(
            _("This code expired on %(date)s. The member can get a new one on their own page.")
            % {"date": timezone.localtime(code.expires_at).date()},
            code="code_expired",
        )
    if code.member.status not in ACTIVE_STATUSES:
        raise CodeRefused(
            _("This member's membership is “%(status)s”; the code is not accepted.")
            % {"status": code.member.get_status_display()},
            code="member_inactive",
        )
    return code


def resolve(token: str, *, now: dt.datetime | None = None) -> Member:
    """The member identified by ``token`` (raises :class:`CodeRefused`)."""
    return resolve_code(token, now=now).member


def current_code(member: Member) -> MemberCode | None:
    """The member's unrevoked, unexpired code, if any."""
    code = MemberCode.objects.filter(member=member, revoked_at__isnull=True).first()
    return code if code is not None and code.is_valid() else None


def _may_manage(actor, member: Member) -> bool:
    own = actor is not None and member.user_id is not None and member.user_id == actor.pk
    return actor is None or own or scope.can(actor, "member.change", member)


@transaction.atomic
def code_issue(*, actor, member: Member) -> MemberCode:
    """Issue a new code for ``member`` (the member themself, or whoever may change the record),
    revoking the previous one. Valid for ``members.code_valid_days`` days."""
    if not _may_manage(actor, member):
        scope.require(actor, "member.change", member)
    member = Member.objects.select_for_update().select_related("org").get(pk=member.pk)
    if member.status not in ACTIVE_STATUSES:
        raise ConflictError(_("A code is issued only to members whose membership is active."), code="member_inactive")
    now = timezone.now()
    replaced = MemberCode.objects.filter(member=member, revoked_at__isnull=True).update(
        revoked_at=now, revoked_reason=_("Replaced by a new code")
    )
    days = policy.value("members.code_valid_days", member.org.path)
    code = MemberCode.objects.create(
        member=member,
        issued_at=now,
        expires_at=now + dt.timedelta(days=days),
        issued_by=actor if getattr(actor, "pk", None) else None,
    )
    audit.record(
        actor=actor,
        action="member.code_issue",
        obj=member,
        org_path=member.org.path,
        changes={"code": [None, code.pk], "expires_at": [None, str(code.expires_at)], "replaced": [None, replaced]},
    )
    return code


@transaction.atomic
def code_revoke(*, actor, member: Member, reason: str) -> int:
    """Revoke the member's code (a lost phone, a leaked print). Returns how many were revoked."""
    if not _may_manage(actor, member):
        scope.require(actor, "member.change", member)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for revoking the code."), field="reason")
    revoked = MemberCode.objects.filter(member=member, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_reason=reason[:200]
    )
    if not revoked:
        raise ConflictError(_("This member has no code to revoke."), code="no_code")
    audit.record(
        actor=actor,
        action="member.code_revoke",
        obj=member,
        org_path=member.org.path,
        changes={"reason": [None, reason[:200]]},
    )
    return revoked


# --- Scanning ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScanAction:
    """Something a scanner may do next with the scanned member: shown when ``allowed`` says so."""

    label: object
    url: Callable[[Member], str]
    allowed: Callable[[object, Member], bool]
    order: int = 100


_scan_actions: list[ScanAction] = []


def register_scan_action(label, url: Callable[[Member], str], allowed: Callable[[object, Member], bool], order=100):
    """Let an app offer a next step on the scan page (check in to a meeting, record a service …)."""
    _scan_actions.append(ScanAction(label, url, allowed, order))
    _scan_actions.sort(key=lambda a: a.order)


def scan_actions(user, member: Member) -> list[dict]:
    return [{"label": a.label, "url": a.url(member)} for a in _scan_actions if a.allowed(user, member)]


def code_scan(*, actor, token: str) -> MemberCode:
    """Resolve a code scanned by an authorised user and log the access (membership is sensitive
    personal data, so every identification is audited, refused ones too)."""
    scope.require_action(actor, "member.code_scan")
    try:
        code = resolve_code(token)
    except CodeRefused as exc:
        with transaction.atomic():  # the refusal is recorded even though the scan fails
            audit.record(
                actor=actor,
                action="member.code_scan_refused",
                object_type="members.membercode",
                object_repr=exc.code,
                changes={"reason": [None, exc.code]},
            )
        raise
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="member.code_scan",
            obj=code.member,
            org_path=code.member.org.path,
            changes={"code": [None, code.pk]},
        )
    return code


# --- Organisations' registration codes (双向寻找) ---------------------------------------------------

_ORG_INFO = b"dangjian organisation registration code v1"


def org_token(org) -> str:
    """The signed token of ``org``'s registration QR (printed at a branch or a station): workers
    who scan it register as party members working in the area. It names only the organisation."""
    key_id = crypto.keyring().blind_current
    body = f"{key_id}.{_b36(org.pk)}"
    return f"{body}.{_mac(key_id, body, _ORG_INFO)}"


def resolve_org(token: str):
    """The organisation behind a registration token (raises :class:`CodeRefused`)."""
    from dangjian.orgs.models import PartyOrganisation

    refused = CodeRefused(_("This registration code is not valid."), code="code_forged")
    parts = (token or "").strip().split(".")
    if len(token or "") > 80 or len(parts) != 3 or not all(parts):
        raise refused
    key_id, pk_text, tag = parts
    try:
        pk = int(pk_text, 36)
        expected = _mac(key_id, f"{key_id}.{pk_text}", _ORG_INFO)
    except (ValueError, CodeRefused):
        raise refused from None
    if not crypto.constant_time_equal(expected, tag):
        raise refused
    org = PartyOrganisation.objects.filter(pk=pk).first()
    if org is None:
        raise refused
    return org
