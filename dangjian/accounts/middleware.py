"""Second-factor enforcement, the sliding idle timeout and per-user preferences (language, elder mode)."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.utils import translation
from django.utils.translation import gettext as _

from .roles import requires_second_factor

SESSION_2FA = "dangjian_2fa_verified"
ELDER_COOKIE = "dj_elder"


SESSION_SEEN = "_seen"


class SessionIdleMiddleware:
    """The idle timeout (SESSION_COOKIE_AGE) slides with use, but a session in use is written
    again at most once per SESSION_REFRESH_SECONDS instead of on every request: the expiry is then
    pushed to now + SESSION_COOKIE_AGE, so a user is logged out after between AGE - REFRESH and AGE
    seconds without a request. Requests without a session cookie never load or create one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and session.session_key and not session.modified:
            now = int(time.time())
            if now - session.get(SESSION_SEEN, 0) >= settings.SESSION_REFRESH_SECONDS:
                session[SESSION_SEEN] = now  # modified: SessionMiddleware saves it with a new expiry
        return response


class SecondFactorMiddleware:
    """A user who gained an administrator role after logging in without a second factor is sent
    back to the login page, where the second factor is asked for (or set up)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not request.session.get(SESSION_2FA) and requires_second_factor(user):
            logout(request)
            if request.path.startswith("/api/"):
                from django.http import JsonResponse

                return JsonResponse(
                    {
                        "error": {
                            "code": "second_factor_required",
                            "message": _("Log in again with your second factor."),
                            "fields": {},
                        }
                    },
                    status=401,
                )
            messages.warning(request, _("Your account now needs two-factor authentication. Please log in again."))
            return redirect("accounts:login")
        return self.get_response(request)


class UserPreferencesMiddleware:
    """Applies the logged-in user's language and elder mode; anonymous visitors use cookies."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            if user.language and user.language != translation.get_language():
                translation.activate(user.language)
                request.LANGUAGE_CODE = user.language
            request.elder_mode = user.elder_mode
        else:
            request.elder_mode = request.COOKIES.get(ELDER_COOKIE) == "1"
        return self.get_response(request)
