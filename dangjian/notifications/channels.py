"""External channels: how a notice leaves the platform (SMS, WeChat, ...).

``settings.NOTIFICATION_CHANNELS`` maps a channel name to a class path, e.g.::

    NOTIFICATION_CHANNELS = {
        "sms": "dangjian.notifications.channels.LoggingSmsChannel",
        "wechat": "myorg.gateways.WechatTemplateChannel",
    }

A channel knows how to address a member (``address``), how to show that address masked
(``mask``), and how to ``send`` a text. ``send`` raises :class:`ChannelError` (or anything) on
failure; the caller records the failure on the Delivery row. Deployments plug in their gateways
by subclassing :class:`Channel`; the defaults here only log (masked) or keep an outbox in memory.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils.module_loading import import_string

from dangjian.core import crypto
from dangjian.core.validators import mask_mobile

logger = logging.getLogger("dangjian.notifications")

DEFAULT_CHANNELS = {"sms": "dangjian.notifications.channels.LoggingSmsChannel"}


class ChannelError(Exception):
    """The gateway refused or could not be reached."""


class Channel:
    """Base class of an external channel."""

    name = ""

    def address(self, member) -> str:
        """The plaintext target for ``member``, or "" when the channel cannot reach them."""
        raise NotImplementedError

    def mask(self, target: str) -> str:
        """The target as it may be stored and logged."""
        return target[:2] + "***" if target else ""

    def send(self, *, target: str, text: str) -> None:
        raise NotImplementedError


class SmsChannel(Channel):
    """Text messages to the member's mobile, decrypted from the member record at send time."""

    name = "sms"

    def address(self, member) -> str:
        from dangjian.members.models import MOBILE_CONTEXT

        if member is None or not member.mobile_enc:
            return ""
        return crypto.decrypt(member.mobile_enc, MOBILE_CONTEXT)

    def mask(self, target: str) -> str:
        return mask_mobile(target)


class LoggingSmsChannel(SmsChannel):
    """The default: writes the masked mobile and the text to the ``dangjian.notifications`` log."""

    def send(self, *, target: str, text: str) -> None:
        logger.info("sms to %s: %s", self.mask(target), text)


class MemorySmsChannel(SmsChannel):
    """Keeps sent messages in ``MemorySmsChannel.outbox`` as (mobile, text) (tests and demos)."""

    outbox: list[tuple[str, str]] = []

    def send(self, *, target: str, text: str) -> None:
        MemorySmsChannel.outbox.append((target, text))


class FailingSmsChannel(SmsChannel):
    """Always fails (tests of failure recording; a stand-in for an unreachable gateway)."""

    def send(self, *, target: str, text: str) -> None:
        raise ChannelError(f"gateway refused {target}")


def configured() -> dict[str, str]:
    return dict(getattr(settings, "NOTIFICATION_CHANNELS", None) or DEFAULT_CHANNELS)


def get(name: str) -> Channel | None:
    """The configured channel called ``name``, or None when the deployment has not configured it."""
    path = configured().get(name)
    if not path:
        return None
    return import_string(path)()
