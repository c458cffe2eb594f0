"""Pages that gather several apps: the home page and the visitor's preferences."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangjian.accounts.middleware import ELDER_COOKIE
from dangjian.accounts.services import preferences_set
from dangjian.core import scope
from dangjian.orgs.selectors import coverage_summary, scope_roots


def home(request):
    if not request.user.is_authenticated:
        return HttpResponseRedirect("/accounts/login/")
    context = {"roots": list(scope_roots(request.user)[:5]), "coverage": None}
    if scope.has_action(request.user, "coverage.view"):
        context["coverage"], context["coverage_at"] = coverage_summary(request.user)
    return render(request, "portal/home.html", context)


@require_POST
def preferences(request):
    """Language and elder mode: kept on the account when logged in, in cookies otherwise."""
    language = request.POST.get("language") or None
    if language is not None and language not in dict(settings.LANGUAGES):
        language = None
    elder = request.POST.get("elder_mode")
    elder_mode = None if elder is None else elder == "1"
    if request.user.is_authenticated:
        preferences_set(user=request.user, elder_mode=elder_mode, language=language)
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        target = "/"
    response = HttpResponseRedirect(target)
    cookie = {"samesite": "Lax", "secure": settings.SECURE_COOKIES, "httponly": True, "max_age": 365 * 86400}
    if language:
        translation.activate(language)
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, **cookie)
    if elder_mode is not None:
        response.set_cookie(ELDER_COOKIE, "1" if elder_mode else "0", **cookie)
        messages.success(request, _("Elder mode is on.") if elder_mode else _("Elder mode is off."))
    return response
