"""Dues test data, made through the services."""

from __future__ import annotations

import itertools

from dangjian.dues import rules, services
from dangjian.dues.services import current_month
from dangjian.members.tests.factories import member as make_member

_keys = itertools.count(1)


def key(prefix: str = "k") -> str:
    return f"{prefix}-test-{next(_keys):06d}"


def month(offset: int = 0):
    return rules.add_months(current_month(), offset)


def declared_member(org, base="4000.00", *, kind="salaried", applies_from=None, name="张伟", **extra):
    """A member (joined long ago) with a declaration from ``applies_from`` (six months back)."""
    person = make_member(org, name)
    services.declaration_record(
        actor=None,
        member=person,
        kind=kind,
        base=base if kind in ("salaried", "retiree", "self_employed") else None,
        applies_from=applies_from or month(-6),
        **extra,
    )
    return person
