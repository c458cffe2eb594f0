"""Pages for lost contact: the list with counts per subtree, and one member's search."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from dangjian.core import scope
from dangjian.core.forms import page_of, run_service
from dangjian.orgs.models import PartyOrganisation

from . import lost_contact
from .forms import LostFlagForm, LostOutcomeForm, SearchAttemptForm
from .models import LostContactCase
from .views import _member


def _top(user) -> PartyOrganisation | None:
    """The organisation at the top of the user's member scope (the first, if several)."""
    paths = scope.scope_for(user, "member.view").paths
    return PartyOrganisation.objects.filter(path__in=paths).order_by("path").first() if paths else None


@login_required
def lost_list(request):
    scope.require_action(request.user, "member.view")
    under = None
    if request.GET.get("under", "").isdigit():
        under = scope.get_in_scope(request.user, "member.view", PartyOrganisation, pk=request.GET["under"])
    top = under or _top(request.user)
    members = lost_contact.lost_members(request.user, under=under)
    return render(
        request,
        "members/lost_list.html",
        {
            "under": under,
            "top": top,
            "counts": lost_contact.counts_by_child(request.user, top) if top else [],
            "page": page_of(request, members),
        },
    )


@login_required
def lost_case(request, pk):
    member = _member(request, pk)
    can_act = scope.can(request.user, "member.status", member)
    op = request.POST.get("op", "")
    if request.method == "POST":
        scope.require(request.user, "member.status", member)
    forms = {
        "flag": LostFlagForm(request.POST if op == "flag" else None, prefix="flag"),
        "attempt": SearchAttemptForm(request.POST if op == "attempt" else None, prefix="attempt"),
        "outcome": LostOutcomeForm(request.POST if op == "outcome" else None, prefix="outcome"),
    }
    calls = {
        "flag": lambda data: lost_contact.lost_contact_flag(actor=request.user, member=member, **data),
        "attempt": lambda data: lost_contact.search_attempt_record(actor=request.user, member=member, **data),
        "outcome": lambda data: lost_contact.lost_contact_outcome(actor=request.user, member=member, **data),
    }
    if op in forms and forms[op].is_valid():
        form = forms[op]
        if run_service(form, lambda: calls[op](form.cleaned_data)) is not None:
            messages.success(request, _("Recorded."))
            return redirect("members:lost_case", pk=member.pk)
    cases = list(LostContactCase.objects.filter(member=member).prefetch_related("attempts"))
    open_case = next((c for c in cases if c.state != LostContactCase.State.CLOSED), None)
    return render(
        request,
        "members/lost_case.html",
        {"member": member, "cases": cases, "open_case": open_case, "forms": forms, "can_act": can_act},
    )
