"""The API's one error shape: ``{"error": {"code", "message", "fields"}}``, and shared schemas."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from .errors import DomainError, InvalidInput


class ErrorBody(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] = {}


class ErrorOut(Schema):
    error: ErrorBody


ERROR_RESPONSES = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
# Operations under a rate limit (core.ratelimit) may also answer 429, with Retry-After.
LIMITED_RESPONSES = {**ERROR_RESPONSES, 429: ErrorOut}


def error_response(
    api: NinjaAPI, request, status: int, code: str, message: str, fields: dict[str, list[str]] | None = None
):
    return api.create_response(
        request, {"error": {"code": code, "message": message, "fields": fields or {}}}, status=status
    )


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def domain_error(request, exc: DomainError):
        response = error_response(api, request, exc.status, exc.code, exc.message, exc.fields)
        if retry_after := getattr(exc, "retry_after", None):  # a rate limit (core.ratelimit)
            response["Retry-After"] = str(retry_after)
        return response

    @api.exception_handler(NinjaValidationError)
    def validation_error(request, exc: NinjaValidationError):
        fields: dict[str, list[str]] = {}
        for item in exc.errors:
            loc = [str(part) for part in item.get("loc", ()) if part not in ("body", "payload", "query", "path")]
            fields.setdefault(".".join(loc) or "__all__", []).append(str(item.get("msg", "")))
        return error_response(api, request, 422, "validation_error", _("Some fields are missing or not valid."), fields)

    @api.exception_handler(DjangoValidationError)
    def django_validation_error(request, exc: DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        return error_response(api, request, 422, "validation_error", " ".join(exc.messages), fields)

    @api.exception_handler(AuthenticationError)
    def authentication_error(request, exc):
        return error_response(api, request, 401, "unauthenticated", _("Log in, or send a valid API token."))

    @api.exception_handler(PermissionDenied)
    def permission_denied(request, exc):
        return error_response(api, request, 403, "forbidden", _("You do not have permission to do this here."))

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return error_response(api, request, 404, "not_found", _("Not found, or outside the organisations you manage."))

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        code = {
            400: "bad_request",
            401: "unauthenticated",
            403: "forbidden",  # e.g. a session write without its CSRF token
            404: "not_found",
            405: "method_not_allowed",
            429: "too_many_requests",
        }.get(exc.status_code, "error")
        return error_response(api, request, exc.status_code, code, str(exc))


MAX_OFFSET = 100_000_000


class PageParams(Schema):
    limit: int = 50
    offset: int = 0


def paginate(queryset, params: PageParams, max_limit: int = 200) -> tuple[list, int]:
    """Slice ``queryset``; returns (items, total count). Bad limits are a 422, not a silent clamp."""
    if not 1 <= params.limit <= max_limit:
        raise InvalidInput(_("limit must be between 1 and %(n)d.") % {"n": max_limit}, field="limit")
    if params.offset < 0:
        raise InvalidInput(_("offset cannot be negative."), field="offset")
    if params.offset > MAX_OFFSET:  # beyond any real list; the database's integers end not far above
        raise InvalidInput(_("offset must be at most %(n)d.") % {"n": MAX_OFFSET}, field="offset")
    return list(queryset[params.offset : params.offset + params.limit]), queryset.count()
