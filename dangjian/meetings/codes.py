"""The rotating check-in code shown at a meeting.

A code is ``<meeting id base36>.<window base36>.<MAC>``: the window is the number of whole
``meetings.code_window_seconds`` periods since the epoch, and the MAC an HMAC-SHA256 (truncated to
96 bits) over meeting and window under a key made of the site secret and the meeting's own
``checkin_key``. A code is accepted in its own window and the next one only, so a photo of the
screen sent to someone elsewhere stops working within one to two windows."""

from __future__ import annotations

import base64
import time

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from dangjian.core import policy
from dangjian.core.errors import DomainError

_SALT = "dangjian.meetings.checkin.v1"
MAC_BYTES = 12


class CheckInRefused(DomainError):
    """A check-in that cannot be accepted; ``code`` says why (expired, forged, outside_geofence …)."""

    status = 400
    default_code = "checkin_refused"


def window_seconds() -> int:
    return int(policy.value("meetings.code_window_seconds"))


def current_window(now: float | None = None, seconds: int | None = None) -> int:
    return int((time.time() if now is None else now) // (seconds or window_seconds()))


def _b36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if not number:
            return out


def _mac(meeting_id: int, checkin_key: str, window: int) -> str:
    secret = f"{settings.SECRET_KEY}:{checkin_key}"
    tag = salted_hmac(_SALT, f"{meeting_id}.{window}", secret=secret, algorithm="sha256").digest()[:MAC_BYTES]
    return base64.urlsafe_b64encode(tag).decode().rstrip("=")


def code_for(meeting, *, window: int | None = None) -> str:
    """The code of ``meeting`` for ``window`` (now by default)."""
    window = current_window() if window is None else window
    return f"{_b36(meeting.pk)}.{_b36(window)}.{_mac(meeting.pk, meeting.checkin_key, window)}"


def parse(token: str) -> tuple[int, int, str]:
    """(meeting id, window, MAC) of a well-formed code, else :class:`CheckInRefused`."""
    parts = (token or "").strip().split(".")
    if len(token or "") > 64 or len(parts) != 3 or not all(parts):
        raise CheckInRefused(_("This check-in code is not valid. Scan the code shown at the meeting."), code="forged")
    try:
        return int(parts[0], 36), int(parts[1], 36), parts[2]
    except ValueError:
        raise CheckInRefused(
            _("This check-in code is not valid. Scan the code shown at the meeting."), code="forged"
        ) from None


def verify(meeting, window: int, tag: str, *, now: float | None = None) -> None:
    """Refuse a forged code, or one older than the previous window (or from the future)."""
    if not constant_time_compare(_mac(meeting.pk, meeting.checkin_key, window), tag):
        raise CheckInRefused(_("This check-in code is not valid. Scan the code shown at the meeting."), code="forged")
    current = current_window(now)
    if window not in (current, current - 1):
        raise CheckInRefused(
            _("This check-in code has expired. Scan the code shown on the screen now."), code="expired"
        )
