"""Sending text messages. ``settings.DANGJIAN_SMS_BACKEND`` names a class with ``send(mobile, text)``;
the default writes the message to the log (no provider is configured on a fresh install)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils.module_loading import import_string

from dangjian.core.validators import mask_mobile

logger = logging.getLogger("dangjian.sms")

DEFAULT_BACKEND = "dangjian.demands.sms.LogBackend"


class LogBackend:
    """Writes the message to the ``dangjian.sms`` log instead of sending it, with the mobile number
    masked (138****5678) like every other log line: logs are not a place for personal data."""

    def send(self, mobile: str, text: str) -> None:
        logger.info("sms to %s: %s", mask_mobile(mobile), text)


class MemoryBackend:
    """Keeps sent messages in ``MemoryBackend.outbox`` (tests, demos)."""

    outbox: list[tuple[str, str]] = []

    def send(self, mobile: str, text: str) -> None:
        MemoryBackend.outbox.append((mobile, text))


def send(mobile: str, text: str) -> None:
    backend = import_string(getattr(settings, "DANGJIAN_SMS_BACKEND", "") or DEFAULT_BACKEND)
    backend().send(mobile, text)
