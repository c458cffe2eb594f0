"""Test data for the orgs tests, built through the services (never through the ORM directly)."""

from __future__ import annotations

import itertools

from dangjian.core.validators import uscc_check_character
from dangjian.orgs import services

_serial = itertools.count(1)


def uscc(n: int | None = None) -> str:
    """A valid unified social credit code: 91 (enterprise), region 110101, then a serial."""
    first17 = f"91110101{(next(_serial) if n is None else n):09d}"
    return first17 + uscc_check_character(first17)


def entity(owner, name: str, kind: str = "platform_company", industry: str = "internet", **extra):
    if kind != "worker_group" and "uscc" not in extra:
        extra["uscc"] = uscc()
    return services.entity_create(actor=None, owner_org=owner, name=name, kind=kind, industry=industry, **extra)


def api_error(response) -> dict:
    """The error body, checked to have exactly the API's one error shape."""
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "fields"}, body
    return body["error"]
