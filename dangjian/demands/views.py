"""Pages: public intake from a QR code, public tracking; staff list, detail, alerts, rules, resources."""

from __future__ import annotations

from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangjian.core import ratelimit, scope
from dangjian.core.errors import DomainError
from dangjian.core.forms import page_of, run_service
from dangjian.core.validators import normalise_mobile
from dangjian.orgs.models import PartyOrganisation

from . import selectors, services
from .choices import Category, DemandStatus, ResourceKind
from .forms import (
    AssignForm,
    AssistedDemandForm,
    AssistStartForm,
    DemandForm,
    MatchForm,
    RateForm,
    ReopenForm,
    ReplyForm,
    ResolveForm,
    ResourceForm,
    RuleForm,
    TrackForm,
)
from .models import AssistSession, Demand, DemandPhoto, Resource, TriageRule


def submit(request, org_id: int):
    """The page a worker reaches by scanning an organisation's or station's QR code."""
    org = PartyOrganisation.objects.filter(pk=org_id).first()
    if org is None:
        raise Http404
    logged_in = request.user.is_authenticated
    source = (request.GET.get("at") or "").strip()[:120]
    form = DemandForm(request.POST or None, request.FILES or None, logged_in=logged_in)
    if request.method == "POST" and "send" in request.POST:
        ratelimit.check("sms_code", request)
        ratelimit.check("sms_mobile", request, target=normalise_mobile(request.POST.get("mobile", "")))
        try:
            services.sms_code_send(mobile=request.POST.get("mobile", ""))
            messages.success(request, _("The code was sent by text message. Enter it below."))
        except DomainError as exc:
            messages.error(request, exc.message)
        form = DemandForm(request.POST, logged_in=logged_in)  # not validated: only the message shows
        return render(
            request, "demands/submit.html", {"form": form, "org": org, "source": source, "logged_in": logged_in}
        )
    if request.method == "POST":
        ratelimit.check("demand_submit", request)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        demand = run_service(
            form,
            lambda: services.demand_submit(
                actor=request.user if logged_in else None,
                intake_org=org,
                source=source,
                **{k: v for k, v in data.items() if k != "code"},
                code=data.get("code", ""),
            ),
        )
        if demand is not None:
            messages.success(
                request,
                _("Received. Your tracking code is %(code)s: keep it to follow the progress.")
                % {"code": demand.tracking_display},
            )
            return redirect("demands:track_code", code=demand.tracking_code)
    return render(request, "demands/submit.html", {"form": form, "org": org, "source": source, "logged_in": logged_in})


def track(request):
    form = TrackForm(request.GET or None)
    if form.is_valid():
        ratelimit.check("demand_track", request)
        demand = services.find_by_tracking_code(form.cleaned_data["code"])
        if demand is not None:
            return redirect("demands:track_code", code=demand.tracking_code)
        form.add_error("code", _("No demand has this tracking code. Check the code and try again."))
    return render(request, "demands/track_lookup.html", {"form": form})


@ratelimit.limit("demand_track", methods=("GET", "POST"))
def track_code(request, code: str):
    """Public progress: no personal data, only the public steps."""
    demand = services.find_by_tracking_code(code)
    if demand is None:
        raise Http404
    rate_form = RateForm(request.POST if request.POST.get("form") == "rate" else None)
    reopen_form = ReopenForm(request.POST if request.POST.get("form") == "reopen" else None)
    if request.method == "POST":
        if rate_form.is_bound and rate_form.is_valid():
            done = run_service(rate_form, lambda: services.demand_rate(demand=demand, **rate_form.cleaned_data))
            if done:
                messages.success(request, _("Thank you for your rating."))
                return redirect("demands:track_code", code=demand.tracking_code)
        if reopen_form.is_bound and reopen_form.is_valid():
            done = run_service(reopen_form, lambda: services.demand_reopen(demand=demand, **reopen_form.cleaned_data))
            if done:
                messages.success(request, _("Your demand was reopened and goes back to the person handling it."))
                return redirect("demands:track_code", code=demand.tracking_code)
    return render(
        request,
        "demands/track.html",
        {
            "demand": demand,
            "events": demand.events.filter(public=True).order_by("at", "id"),
            "rate_form": rate_form,
            "reopen_form": reopen_form,
            "can_respond": demand.status in (DemandStatus.ANSWERED, DemandStatus.CLOSED),
        },
    )


FILTERS = ("status", "category", "area", "q", "overdue")


@login_required
def demand_list(request):
    scope.require_action(request.user, "demand.view")
    params = {key: request.GET.get(key, "").strip() for key in FILTERS}
    demands = selectors.demand_list(
        request.user,
        status=params["status"] if params["status"] in DemandStatus.values else "",
        category=params["category"] if params["category"] in Category.values else "",
        area=params["area"],
        q=params["q"],
        overdue=params["overdue"] == "1",
    )
    return render(
        request,
        "demands/list.html",
        {
            "page": page_of(request, demands),
            "params": params,
            "query": urlencode({k: v for k, v in params.items() if v}),
            "statuses": DemandStatus,
            "categories": Category,
            "alert_count": selectors.alerts(request.user).count(),
        },
    )


def _demand(request, pk) -> Demand:
    demand = selectors.demand_list(request.user).filter(pk=pk).first()
    if demand is None:
        scope.get_in_scope(request.user, "demand.view", Demand, pk=pk)  # raises NotFoundError
    return demand


@login_required
def demand_detail(request, pk):
    demand = _demand(request, pk)
    user = request.user
    suggestions = selectors.resource_list(category=demand.category)
    forms = {
        "assign": AssignForm(user=user),
        "reply": ReplyForm(),
        "resolve": ResolveForm(),
        "match": MatchForm(resources=suggestions, initial={"resource": demand.resource_id}),
    }
    if request.method == "POST":
        which = request.POST.get("form", "")
        if which not in forms:
            raise Http404
        action = "demand.triage" if which == "assign" else "demand.handle"
        scope.require(user, action, demand)
        form = (
            AssignForm(request.POST, user=user)
            if which == "assign"
            else MatchForm(request.POST, resources=suggestions)
            if which == "match"
            else {"reply": ReplyForm, "resolve": ResolveForm}[which](request.POST)
        )
        forms[which] = form
        if form.is_valid():
            call = {
                "assign": services.demand_assign,
                "reply": services.demand_reply,
                "resolve": services.demand_resolve,
                "match": services.demand_match,
            }[which]
            if run_service(form, lambda: call(actor=user, demand=demand, **form.cleaned_data)) is not None:
                messages.success(request, _("Saved."))
                return redirect("demands:detail", pk=demand.pk)
    return render(
        request,
        "demands/detail.html",
        {
            "demand": demand,
            "events": demand.events.select_related("actor").order_by("at", "id"),
            "photos": list(demand.photos.all()),
            "forms": forms,
            "can_triage": scope.can(user, "demand.triage", demand),
            "can_handle": scope.can(user, "demand.handle", demand),
            "open": demand.status not in (DemandStatus.ANSWERED, DemandStatus.CLOSED),
        },
    )


@login_required
def alert_list(request):
    scope.require_action(request.user, "demand.view")
    return render(request, "demands/alerts.html", {"page": page_of(request, selectors.alerts(request.user))})


@login_required
def rule_list(request):
    scope.require_action(request.user, "demand.rules")
    form = RuleForm(request.POST or None, user=request.user)
    if (
        request.method == "POST"
        and form.is_valid()
        and run_service(form, lambda: services.triage_rule_create(actor=request.user, **form.cleaned_data))
    ):
        messages.success(request, _("Saved."))
        return redirect("demands:rules")
    rules = scope.restrict(request.user, "demand.rules", model=TriageRule).select_related("org", "assignee")
    return render(request, "demands/rules.html", {"rules": rules, "form": form})


@login_required
@require_POST
def rule_delete(request, pk):
    rule = scope.get_in_scope(request.user, "demand.rules", TriageRule, pk=pk)
    services.triage_rule_delete(actor=request.user, rule=rule)
    messages.success(request, _("The rule was removed."))
    return redirect("demands:rules")


RESOURCE_FILTERS = ("kind", "category", "area")


def resource_list(request):
    """The resource and project lists: public, browsable by kind, category and area."""
    params = {key: request.GET.get(key, "").strip() for key in RESOURCE_FILTERS}
    resources = selectors.resource_list(
        kind=params["kind"] if params["kind"] in ResourceKind.values else "",
        category=params["category"] if params["category"] in Category.values else "",
        area=params["area"],
    )
    return render(
        request,
        "demands/resources.html",
        {
            "page": page_of(request, resources),
            "params": params,
            "query": urlencode({k: v for k, v in params.items() if v}),
            "kinds": ResourceKind,
            "categories": Category,
            "can_manage": request.user.is_authenticated and scope.has_action(request.user, "resource.manage"),
        },
    )


@login_required
def resource_create(request):
    scope.require_action(request.user, "resource.manage")
    form = ResourceForm(request.POST or None, user=request.user)
    if (
        request.method == "POST"
        and form.is_valid()
        and run_service(form, lambda: services.resource_create(actor=request.user, **form.cleaned_data))
    ):
        messages.success(request, _("Saved."))
        return redirect("demands:resources")
    return render(request, "demands/resource_form.html", {"form": form})


@login_required
@require_POST
def resource_toggle(request, pk):
    resource = scope.get_in_scope(request.user, "resource.manage", Resource, pk=pk)
    services.resource_update(actor=request.user, resource=resource, active=not resource.active)
    messages.success(request, _("Saved."))
    return redirect("demands:resources")


@login_required
def intake_qr(request, org_id: int):
    """An SVG QR code of the intake page, to print and put up at an organisation or station."""
    org = scope.get_in_scope(request.user, "demand.view", PartyOrganisation, pk=org_id)
    url = request.build_absolute_uri(reverse("demands:submit", args=[org.pk]))
    at = (request.GET.get("at") or "").strip()[:120]
    if at:
        url += "?" + urlencode({"at": at})
    qr = segno.make(url, error="m")
    response = HttpResponse(qr.svg_inline(scale=6), content_type="image/svg+xml")
    response["Content-Disposition"] = f'inline; filename="demand-qr-{org.pk}.svg"'
    return response


@login_required
def photo(request, pk):
    """A demand's photo, for those who may view the demand."""
    item = DemandPhoto.objects.select_related("demand__org").filter(pk=pk).first()
    if item is None or not scope.can(request.user, "demand.view", item.demand):
        raise Http404
    return FileResponse(item.image.open("rb"), content_type="image/jpeg")


@login_required
def assist_start(request):
    """代办: start a time-boxed session for a worker who cannot use a phone."""
    scope.require_action(request.user, "assist.act")
    form = AssistStartForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        session = run_service(form, lambda: services.assist_start(actor=request.user, **form.cleaned_data))
        if session is not None:
            return redirect("demands:assist", pk=session.pk)
    sessions = AssistSession.objects.filter(helper=request.user).select_related("station")[:10]
    return render(request, "demands/assist_start.html", {"form": form, "sessions": sessions, "now": timezone.now()})


@login_required
def assist(request, pk):
    session = AssistSession.objects.select_related("station__org").filter(pk=pk, helper=request.user).first()
    if session is None:
        raise Http404
    now = timezone.now()
    form = AssistedDemandForm(request.POST or None)
    if request.method == "POST" and request.POST.get("form") == "end":
        services.assist_end(actor=request.user, session=session)
        messages.success(request, _("The assisted session has ended."))
        return redirect("demands:assist_start")
    if request.method == "POST" and form.is_valid():
        demand = run_service(
            form,
            lambda: services.demand_submit(
                actor=request.user, intake_org=session.station.org, assist=session, **form.cleaned_data
            ),
        )
        if demand is not None:
            messages.success(
                request,
                _("Submitted for %(name)s. Tracking code %(code)s (also give it to the worker on paper).")
                % {"name": session.worker_name, "code": demand.tracking_display},
            )
            return redirect("demands:assist", pk=session.pk)
    demands = Demand.objects.filter(mobile_bidx=session.mobile_bidx, created_at__gte=session.started_at).order_by(
        "-created_at"
    )
    return render(
        request,
        "demands/assist.html",
        {"session": session, "form": form, "active": session.is_active(now), "demands": demands},
    )
