"""Online payment gateways: the interface, the signed-callback check, and a local sandbox.

WeChat Pay, Alipay and UnionPay adapters need merchant contracts and their SDKs; a deployment adds
its adapter as a class with the same methods and names it in ``settings.DUES_GATEWAYS``
(``{"name": "dotted.path.Class"}``). The sandbox gateway stands in for them locally: its checkout
page (``dues:sandbox``) plays the payer, and it signs its callbacks exactly as a real gateway
would, so the callback path that production uses is the one that tests exercise.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangjian.core.errors import DomainError, NotFoundError

from . import rules


@dataclass(frozen=True)
class CallbackData:
    """What a verified callback says: the order, the amount the payer paid, and the outcome."""

    order_no: str
    amount: Decimal
    succeeded: bool
    txn_id: str


class Gateway(Protocol):
    name: str
    label: object

    def checkout_url(self, payment) -> str:
        """Where to send the payer for this pending payment."""

    def verify(self, body: bytes, signature: str) -> CallbackData:
        """Check the callback's signature and parse it, or raise DomainError(code="bad_signature")."""


class SandboxGateway:
    """A local gateway for development and tests: HMAC-SHA256 signatures under a key derived
    from SECRET_KEY (or ``settings.DUES_SANDBOX_SECRET``)."""

    name = "sandbox"
    label = gettext_lazy("Sandbox (test payments, no real money)")

    def _secret(self) -> bytes:
        configured = getattr(settings, "DUES_SANDBOX_SECRET", "")
        if configured:
            return configured.encode()
        return hmac.new(settings.SECRET_KEY.encode(), b"dangjian.dues.sandbox", hashlib.sha256).digest()

    def sign(self, body: bytes) -> str:
        return hmac.new(self._secret(), body, hashlib.sha256).hexdigest()

    def callback_body(self, order_no: str, amount: Decimal, *, succeeded: bool = True, txn_id: str = "") -> bytes:
        data = {
            "order_no": order_no,
            "amount": f"{amount:.2f}",
            "status": "success" if succeeded else "failed",
            "txn_id": txn_id or f"SBX{order_no}",
        }
        return json.dumps(data, sort_keys=True, separators=(",", ":")).encode()

    def checkout_url(self, payment) -> str:
        return reverse("dues:sandbox", args=[payment.idempotency_key])

    def verify(self, body: bytes, signature: str) -> CallbackData:
        expected = self.sign(body)
        if not signature or not hmac.compare_digest(expected, signature.strip().lower()):
            raise DomainError(_("The callback signature is not valid."), code="bad_signature")
        try:
            data = json.loads(body)
            return CallbackData(
                order_no=str(data["order_no"]),
                amount=rules.to_money(data["amount"]),
                succeeded=data["status"] == "success",
                txn_id=str(data["txn_id"])[:80],
            )
        except (ValueError, KeyError, TypeError):
            raise DomainError(_("The callback could not be read."), code="bad_callback") from None


DEFAULT_GATEWAYS = {"sandbox": "dangjian.dues.gateway.SandboxGateway"}


def gateways() -> dict[str, Gateway]:
    configured = getattr(settings, "DUES_GATEWAYS", DEFAULT_GATEWAYS)
    return {name: import_string(path)() for name, path in configured.items()}


def get(name: str) -> Gateway:
    found = gateways().get(name)
    if found is None:
        raise NotFoundError(_("Unknown payment gateway."))
    return found
