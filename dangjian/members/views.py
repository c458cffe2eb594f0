"""Pages: member list with filters and search, detail with audited reveal, create, edit, status."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangjian.core import scope
from dangjian.core.errors import NotFoundError
from dangjian.core.forms import page_of, run_service
from dangjian.orgs.choices import FieldCategory
from dangjian.orgs.models import PartyOrganisation

from . import privacy, selectors, services
from .choices import STATUS_TRANSITIONS, EmploymentForm, MembershipStatus, PoliticalStatus
from .forms import ConsentForm, MemberForm, RevealForm, StatusForm
from .models import Consent, Member

FILTERS = ("q", "status", "employment_form", "category", "flowing", "political_status", "under")


def _member(request, pk) -> Member:
    member = selectors.member_list(request.user).filter(pk=pk).first()
    if member is None:
        scope.get_in_scope(request.user, "member.view", Member, pk=pk)  # raises NotFoundError
    return member


@login_required
def member_list(request):
    scope.require_action(request.user, "member.view")
    params = {key: request.GET.get(key, "").strip() for key in FILTERS}
    under = None
    if params["under"].isdigit():
        under = scope.get_in_scope(request.user, "member.view", PartyOrganisation, pk=params["under"])
    members = selectors.member_list(
        request.user,
        q=params["q"],
        status=params["status"] if params["status"] in MembershipStatus.values else "",
        employment_form=params["employment_form"] if params["employment_form"] in EmploymentForm.values else "",
        category=params["category"] if params["category"] in FieldCategory.values else "",
        flowing=params["flowing"],
        political_status=params["political_status"] if params["political_status"] in PoliticalStatus.values else "",
        under=under,
    )
    return render(
        request,
        "members/list.html",
        {
            "page": page_of(request, members),
            "params": params,
            "under": under,
            "query": urlencode({k: v for k, v in params.items() if v}),
            "statuses": MembershipStatus,
            "forms": EmploymentForm,
            "political": PoliticalStatus,
            "categories": [c for c in FieldCategory if c != FieldCategory.COMPREHENSIVE],
            "can_create": scope.has_action(request.user, "member.create"),
            "can_import": scope.has_action(request.user, "member.import"),
            "can_export": scope.has_action(request.user, "member.export"),
        },
    )


@login_required
def member_detail(request, pk):
    member = _member(request, pk)
    revealed = None
    reveal_form = RevealForm(request.POST or None)
    if request.method == "POST":
        scope.require(request.user, "member.reveal", member)
    if request.method == "POST" and reveal_form.is_valid():
        value = run_service(
            reveal_form, lambda: services.member_reveal(actor=request.user, member=member, **reveal_form.cleaned_data)
        )
        if value is not None:
            revealed = {"field": reveal_form.cleaned_data["field"], "value": value}
    return render(
        request,
        "members/detail.html",
        {
            "member": member,
            "revealed": revealed,
            "reveal_form": reveal_form,
            "consents": list(member.consents.all()),
            "consent_form": ConsentForm(),
            "can_change": scope.can(request.user, "member.change", member),
            "can_status": scope.can(request.user, "member.status", member)
            and bool(STATUS_TRANSITIONS[MembershipStatus(member.status)]),
            "can_reveal": scope.can(request.user, "member.reveal", member),
        },
    )


@login_required
def member_create(request):
    scope.require_action(request.user, "member.create")
    initial = {"org": request.GET["org"]} if request.GET.get("org", "").isdigit() else {}
    form = MemberForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        member = run_service(form, lambda: services.member_register(actor=request.user, **data))
        if member is not None:
            messages.success(request, _("%(name)s was registered.") % {"name": member.name})
            return redirect("members:detail", pk=member.pk)
    return render(request, "members/form.html", {"form": form, "title": _("Register a party member")})


@login_required
def member_edit(request, pk):
    member = _member(request, pk)
    scope.require(request.user, "member.change", member)
    initial = {name: getattr(member, name) for name in MemberForm.base_fields if hasattr(member, name)}
    initial.update(org=member.org_id, employer=member.employer_id, id_number="", mobile="")
    form = MemberForm(request.POST or None, user=request.user, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        if not data.get("mobile"):
            data.pop("mobile", None)  # an empty box keeps the number on file
        updated = run_service(form, lambda: services.member_update(actor=request.user, member=member, **data))
        if updated is not None:
            messages.success(request, _("Changes saved."))
            return redirect("members:detail", pk=member.pk)
    return render(request, "members/form.html", {"form": form, "member": member, "title": _("Edit party member")})


@login_required
def member_status(request, pk):
    member = _member(request, pk)
    scope.require(request.user, "member.status", member)
    allowed = STATUS_TRANSITIONS[MembershipStatus(member.status)]
    form = StatusForm(request.POST or None)
    form.fields["status"].choices = [(s.value, s.label) for s in MembershipStatus if s in allowed]
    if request.method == "POST" and form.is_valid():
        done = run_service(
            form, lambda: services.member_change_status(actor=request.user, member=member, **form.cleaned_data)
        )
        if done is not None:
            messages.success(request, _("The status change was recorded."))
            return redirect("members:detail", pk=member.pk)
    return render(request, "members/status.html", {"form": form, "member": member})


@login_required
def my_record(request):
    """A member's own record and consents (members need no management role to see themselves)."""
    member = Member.objects.select_related("org", "employer").filter(user=request.user).first()
    form = ConsentForm(request.POST or None)
    if member is not None and request.method == "POST" and form.is_valid():
        done = run_service(
            form,
            lambda: privacy.consent_record(
                actor=request.user, member=member, channel=_("Given online by the member"), **form.cleaned_data
            ),
        )
        if done is not None:
            messages.success(request, _("Your consent was recorded. You can withdraw it at any time."))
            return redirect("members:me")
    return render(
        request,
        "members/me.html",
        {"member": member, "form": form, "consents": list(member.consents.all()) if member else []},
    )


@login_required
@require_POST
def consent_add(request, pk):
    member = _member(request, pk)
    scope.require(request.user, "member.change", member)
    form = ConsentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = run_service(
            form,
            lambda: privacy.consent_record(
                actor=request.user, member=member, channel=_("Recorded by the branch on paper"), **form.cleaned_data
            ),
        )
        if done is not None:
            messages.success(request, _("Consent recorded."))
            return redirect("members:detail", pk=member.pk)
    for errors in form.errors.values():
        messages.error(request, " ".join(errors))
    return redirect("members:detail", pk=member.pk)


@login_required
@require_POST
def consent_withdraw(request, pk):
    consent = Consent.objects.select_related("member__org").filter(pk=pk).first()
    own = consent is not None and consent.member.user_id == request.user.pk
    if consent is None or not (own or scope.can(request.user, "member.view", consent.member)):
        raise NotFoundError(_("Not found, or outside the organisations you manage."))
    privacy.consent_withdraw(actor=request.user, consent=consent)
    messages.success(request, _("The consent was withdrawn."))
    return redirect("members:me" if own else "members:detail", **({} if own else {"pk": consent.member_id}))
