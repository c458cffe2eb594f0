"""Health check and error pages (no app imports: core stays below every app)."""

from __future__ import annotations

from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def _error(request, status: int, title: str, message: str):
    return render(request, "core/error.html", {"title": title, "message": message}, status=status)


def bad_request(request, exception=None):
    return _error(request, 400, _("Bad request"), _("The request could not be understood. Go back and try again."))


def permission_denied(request, exception=None):
    return _error(
        request,
        403,
        _("No permission"),
        _("Your roles do not allow this here. Ask your organisation's administrator if you need it."),
    )


def page_not_found(request, exception=None):
    return _error(
        request, 404, _("Not found"), _("This page does not exist, or it belongs to organisations you do not manage.")
    )


def server_error(request):
    return _error(
        request,
        500,
        _("Something went wrong"),
        _("The error has been logged. Try again in a moment; if it persists, tell your administrator."),
    )


def domain_error(request, exception):
    return _error(request, 400, _("This cannot be done"), exception.message)


def too_many_requests(request, exception):
    """A rate limit refused the request: 429 with Retry-After (core.ratelimit)."""
    response = _error(request, 429, _("Too many requests"), exception.message)
    response["Retry-After"] = str(exception.retry_after)
    return response
