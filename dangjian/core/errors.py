"""The one project error type. Services raise it; pages show the message, the API returns
``{"error": {"code", "message", "fields"}}`` with the status below."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A business rule refused the operation. ``message`` is already translated for the user."""

    status = 400
    default_code = "invalid"

    def __init__(
        self,
        message: Any,
        *,
        code: str | None = None,
        field: str | None = None,
        fields: dict[str, list[str]] | None = None,
    ):
        super().__init__(str(message))
        self.message = str(message)
        self.code = code or self.default_code
        self.fields: dict[str, list[str]] = dict(fields or {})
        if field:
            self.fields.setdefault(field, []).append(self.message)


class InvalidInput(DomainError):
    """The request's parameters are malformed: the API's 422, the same as a schema error."""

    status = 422
    default_code = "validation_error"


class NotFoundError(DomainError):
    """The object does not exist or is outside the caller's scope (deliberately the same answer)."""

    status = 404
    default_code = "not_found"


class ScopeDenied(DomainError):
    """The caller may see the object but may not do this to it."""

    status = 403
    default_code = "forbidden"


class ConflictError(DomainError):
    """The operation conflicts with the current state (a duplicate, a concurrent change)."""

    status = 409
    default_code = "conflict"
