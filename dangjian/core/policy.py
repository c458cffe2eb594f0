"""Rule numbers that an administrator can change per region (DOMAIN: "every number is a default").

Apps register a :class:`PolicyDef` with its default; code reads values with :func:`values_for`
for an organisation path: the override on the longest matching path prefix wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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


def values_for(keys: list[str], path: str = "") -> dict[str, Any]:
    """Effective values of ``keys`` at organisation ``path``, in one query."""
    from .models import PolicyValue

    result = {key: _defs[key].default for key in keys}
    best: dict[str, int] = {}
    for row in PolicyValue.objects.filter(key__in=keys).only("key", "scope_path", "value"):
        if path.startswith(row.scope_path) and len(row.scope_path) >= best.get(row.key, -1):
            best[row.key] = len(row.scope_path)
            result[row.key] = row.value
    return result


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
