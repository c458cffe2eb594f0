"""Request id, client address and security headers."""

import re
import uuid

from django.conf import settings
from django.utils.translation import gettext_noop

from . import context

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def client_address(request) -> str:
    """REMOTE_ADDR, or with N trusted proxies the N-th X-Forwarded-For hop from the right.

    Each proxy appends the address it received the request from, so the hops left of the N-th are
    whatever the client wrote and are never used. A header with fewer hops than trusted proxies did
    not come through all of them: REMOTE_ADDR is used then."""
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies > 0:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR", "")


class RequestIdMiddleware:
    """Gives every request an id (kept from X-Request-ID when well-formed) for logs and audit."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        rid = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = rid
        token_id = context.request_id.set(rid)
        token_ip = context.client_ip.set(client_address(request))
        try:
            response = self.get_response(request)
        finally:
            context.request_id.reset(token_id)
            context.client_ip.reset(token_ip)
        response["X-Request-ID"] = rid
        return response


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy on every response (Django 5.2 has no CSP)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.setdefault("Permissions-Policy", "camera=(self), geolocation=(self), microphone=()")
        return response


class DomainErrorMiddleware:
    """Pages: a service's NotFoundError is a 404 page, ScopeDenied a 403 page, any other
    DomainError a 400 page carrying its message. (The API has its own handlers.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from . import views
        from .errors import DomainError, NotFoundError, ScopeDenied
        from .ratelimit import RateLimited

        if isinstance(exception, RateLimited):
            return views.too_many_requests(request, exception)
        if isinstance(exception, NotFoundError):
            return views.page_not_found(request, exception)
        if isinstance(exception, ScopeDenied):
            return views.permission_denied(request, exception)
        if isinstance(exception, DomainError):
            return views.domain_error(request, exception)
        return None


_API_ERROR_CODES = {
    400: ("bad_request", gettext_noop("The request could not be understood.")),
    401: ("unauthorized", gettext_noop("Authentication required.")),
    403: ("forbidden", gettext_noop("Not allowed.")),
    404: ("not_found", gettext_noop("Not found.")),
    405: ("method_not_allowed", gettext_noop("This method is not allowed here.")),
    413: ("too_large", gettext_noop("The request body is too large.")),
    429: ("too_many_requests", gettext_noop("Too many requests. Please wait a moment and try again.")),
    500: ("server_error", gettext_noop("Something went wrong; the error has been logged.")),
}


class ApiErrorShapeMiddleware:
    """Under /api/, an error answered before the API's own handlers (no route for the path, a path
    argument of the wrong type, a method the operation does not have, a server error page) gets the
    API's one error shape ``{"error": {"code", "message", "fields"}}`` instead of an HTML page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.path.startswith("/api/")
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            from django.http import JsonResponse
            from django.utils.translation import gettext

            code, message = _API_ERROR_CODES.get(response.status_code, ("error", "The request failed."))
            shaped = JsonResponse(
                {"error": {"code": code, "message": gettext(message), "fields": {}}}, status=response.status_code
            )
            if response.has_header("Allow"):
                shaped["Allow"] = response["Allow"]
            return shaped
        return response
