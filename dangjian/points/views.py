"""Pages: a worker's points and code, redemption at a station, leaderboards."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from dangjian.core import scope
from dangjian.core.forms import run_service
from dangjian.orgs.models import PartyOrganisation

from . import selectors, services
from .forms import RedeemForm


@login_required
def my_points(request):
    code = services.worker_code(request.user)
    qr = mark_safe(segno.make(code, error="m").svg_inline(scale=5))  # noqa: S308 - segno's own SVG of our signed code
    return render(
        request,
        "points/mine.html",
        {
            "balance": selectors.balance(request.user),
            "entries": selectors.my_entries(request.user),
            "code": code,
            "qr": qr,
        },
    )


@login_required
def redeem(request):
    scope.require_action(request.user, "points.redeem")
    form = RedeemForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        entry = run_service(form, lambda: services.points_redeem(actor=request.user, **form.cleaned_data))
        if entry is not None:
            messages.success(
                request,
                _("Redeemed %(n)s points. Balance left: %(b)s.") % {"n": -entry.points, "b": entry.balance_after},
            )
            return redirect("points:redeem")
    return render(request, "points/redeem.html", {"form": form})


@login_required
def leaderboard(request, org_id: int):
    org = scope.get_in_scope(request.user, "org.view", PartyOrganisation, pk=org_id)
    return render(request, "points/leaderboard.html", {"org": org, "rows": selectors.leaderboard(org)})


@login_required
def my_leaderboard(request):
    org = request.user.home_org
    if org is None:
        return redirect("points:mine")
    return redirect("points:leaderboard", org_id=org.pk)
