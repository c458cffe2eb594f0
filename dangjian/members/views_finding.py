"""Two-way finding: an organisation's registration QR, the anonymous registration it opens, and
the secretary's list of registrations to confirm."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangjian.core import ratelimit, scope
from dangjian.core.errors import NotFoundError
from dangjian.core.forms import page_of, run_service

from . import codes, finding
from .forms import JoinCodeForm, JoinForm, LeadDecisionForm
from .models import RegistrationLead


@ratelimit.limit("join")
def join(request, token: str):
    """Public: no login. The worker registers; the page says what happens next."""
    try:
        org = codes.resolve_org(token)
    except codes.CodeRefused as exc:
        return render(request, "members/join.html", {"refusal": exc}, status=400)
    form = JoinForm(request.POST or None, search_url=reverse("members:join_orgs", args=[token]))
    if request.method == "POST" and form.is_valid():
        lead = run_service(form, lambda: finding.lead_submit(org=org, **form.cleaned_data))
        if lead is not None:
            return render(request, "members/join.html", {"org": org, "done": True})
    return render(request, "members/join.html", {"org": org, "form": form, "consent": finding.consent_text()})


def join_orgs(request, token: str):
    """Public: the registration form's organisation picker (names only, a few at most)."""
    try:
        codes.resolve_org(token)
    except codes.CodeRefused as exc:
        raise NotFoundError(exc.message) from None
    query = request.GET.get("q", "").strip()
    matches = finding.org_search(query)
    return render(request, "members/_join_orgs.html", {"matches": matches, "short": len(query) < 2})


@login_required
def join_code(request):
    scope.require_action(request.user, "member.create")
    form = JoinCodeForm(request.GET or None, user=request.user)
    org = form.cleaned_data["org"] if form.is_valid() else None
    qr = ""
    if org is not None:
        url = request.build_absolute_uri(reverse("members:join", args=[codes.org_token(org)]))
        qr = mark_safe(segno.make(url, error="m").svg_inline(scale=5))  # noqa: S308 segno's own SVG
    return render(request, "members/join_code.html", {"form": form, "org": org, "qr": qr})


@login_required
def lead_list(request):
    scope.require_action(request.user, "member.view")
    state = request.GET.get("state", RegistrationLead.State.NEW)
    if state not in RegistrationLead.State.values:
        state = RegistrationLead.State.NEW
    return render(
        request,
        "members/leads.html",
        {
            "page": page_of(request, finding.lead_list(request.user, state=state)),
            "state": state,
            "states": RegistrationLead.State,
            "form": LeadDecisionForm(),
        },
    )


@login_required
@require_POST
def lead_decide(request, pk):
    lead = finding.lead_list(request.user, state="").filter(pk=pk).first()
    if lead is None:
        raise NotFoundError(_("Not found, or outside the organisations you manage."))
    form = LeadDecisionForm(request.POST)
    if form.is_valid():
        done = run_service(form, lambda: finding.lead_decide(actor=request.user, lead=lead, **form.cleaned_data))
        if done is not None:
            messages.success(request, _("Recorded."))
            return redirect("members:leads")
    for errors in form.errors.values():
        messages.error(request, " ".join(errors))
    return redirect("members:leads")
