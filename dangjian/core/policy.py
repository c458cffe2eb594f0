"""Rule numbers that an administrator can change per region (DOMAIN: "every number is a default").

Apps register a :class:`PolicyDef` with its default; code reads values with :func:`values_for`
for an organisation path: the override on the longest matching path prefix wins.

The overrides of a set of keys are kept in the process for ``POLICY_CACHE_SECONDS`` (30): hot
paths (every check-in reads the code window) need no query, and a change made in one app process
reaches the others within that time (at once in the process that made it, see :func:`forget`).
Reads inside a transaction never fill the cache, so a change that is rolled back cannot stay in it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext_lazy as _

from .errors import DomainError


@dataclass(frozen=True)
class PolicyDef:
    key: str
    default: Any
    label: Any
    minimum: int | None = None
    maximum: int | None = None


_defs: dict[str, PolicyDef] = {}


def register(
    key: str, default: Any, label: Any, *, minimum: int | None = None, maximum: int | None = None
) -> PolicyDef:
    definition = PolicyDef(key, default, label, minimum, maximum)
    _defs[key] = definition
    return definition


def definitions() -> dict[str, PolicyDef]:
    return dict(sorted(_defs.items()))


_overrides: dict[tuple[str, ...], tuple[float, list[tuple[str, str, Any]]]] = {}


def forget() -> None:
    """Drop the cached overrides (a policy was set, cleared or moved with its organisation)."""
    _overrides.clear()


def _rows(keys: list[str]) -> list[tuple[str, str, Any]]:
    from .models import PolicyValue

    ttl = getattr(settings, "POLICY_CACHE_SECONDS", 30)
    cache_key = tuple(sorted(keys))
    now = time.monotonic()
    if ttl > 0:
        found = _overrides.get(cache_key)
        if found is not None and found[0] > now:
            return found[1]
    rows = list(PolicyValue.objects.filter(key__in=keys).values_list("key", "scope_path", "value"))
    if ttl > 0 and not connection.in_atomic_block:
        _overrides[cache_key] = (now + ttl, rows)
    return rows


def values_for(keys: list[str], path: str = "") -> dict[str, Any]:
    """Effective values of ``keys`` at organisation ``path`` (one query, or none when cached)."""
    result = {key: _defs[key].default for key in keys}
    best: dict[str, int] = {}
    for key, scope_path, value in _rows(keys):
        if path.startswith(scope_path) and len(scope_path) >= best.get(key, -1):
            best[key] = len(scope_path)
            result[key] = value
    return result


def changed() -> None:
    """Call after writing policy values: forget now and again when the transaction commits."""
    forget()
    transaction.on_commit(forget)


def value(key: str, path: str = "") -> Any:
    return values_for([key], path)[key]


def clean_value(key: str, raw: Any) -> int:
    """Validate an administrator's input for ``key`` (all current policies are whole numbers)."""
    definition = _defs.get(key)
    if definition is None:
        raise DomainError(_("Unknown setting."), field="key")
    try:
        if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
            raise ValueError(raw)  # int() would turn True into 1 and 2.7 into 2 silently
        number = int(raw)
    except (TypeError, ValueError):
        raise DomainError(_("Enter a whole number."), field="value") from None
    if definition.minimum is not None and number < definition.minimum:
        raise DomainError(_("The value must be at least %(n)d.") % {"n": definition.minimum}, field="value")
    if definition.maximum is not None and number > definition.maximum:
        raise DomainError(_("The value must be at most %(n)d.") % {"n": definition.maximum}, field="value")
    return number
