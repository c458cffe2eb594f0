"""Calendar feed pages: the public (token) .ics, and issuing/revoking tokens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangjian.core import scope
from dangjian.core.errors import DomainError
from dangjian.orgs.models import PartyOrganisation

from . import feeds
from .forms import OrgPickForm


def feed_ics(request, token):
    """Public by design (calendar apps cannot log in): the token is the secret; revocable."""
    feed = feeds.feed_for_token(token)
    body = feeds.render(feed, base_url=request.build_absolute_uri("/").rstrip("/"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response


def _feed_url(request, token: str) -> str:
    return request.build_absolute_uri(reverse("meetings:feed", args=[token]))


@login_required
def org_feeds(request):
    """An organisation's feed (for its office calendar): issue a new address or revoke it."""
    scope.require_action(request.user, "meeting.view")
    form = OrgPickForm(request.POST or request.GET or None, user=request.user)
    form.fields["org"].queryset = scope.restrict(request.user, "meeting.view", model=PartyOrganisation)
    org = form.cleaned_data["org"] if form.is_valid() else None
    new_url = ""
    if org is not None and request.method == "POST":
        try:
            if request.POST.get("op") == "revoke":
                feeds.feed_revoke(actor=request.user, org=org)
                messages.success(request, _("The calendar address was revoked."))
            else:
                _feed, token = feeds.feed_issue(actor=request.user, org=org)
                new_url = _feed_url(request, token)
        except DomainError as exc:
            messages.error(request, exc.message)
    live = feeds.live_feed(org=org) if org is not None else None
    return render(request, "meetings/feeds.html", {"form": form, "org": org, "live": live, "new_url": new_url})


@login_required
@require_POST
def my_feed(request):
    try:
        if request.POST.get("op") == "revoke":
            feeds.feed_revoke(actor=request.user)
            messages.success(request, _("The calendar address was revoked."))
        else:
            _feed, token = feeds.feed_issue(actor=request.user)
            request.session["meetings_feed_url"] = _feed_url(request, token)
            messages.success(request, _("A new calendar address was made; any earlier one stops working."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("meetings:me")
