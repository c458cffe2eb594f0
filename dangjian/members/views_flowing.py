"""Pages for flowing members: the list (with overdue reports and temporary-branch suggestions),
registering an outflow or an inflow, and one record with its reports."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from dangjian.core import scope
from dangjian.core.errors import NotFoundError
from dangjian.core.forms import page_of, run_service

from . import flowing
from .forms import FlowInForm, FlowOutForm, FlowReportForm
from .views import _member


@login_required
def flow_list(request):
    scope.require_action(request.user, "member.view")
    return render(
        request,
        "members/flow_list.html",
        {
            "page": page_of(request, flowing.flow_list(request.user)),
            "overdue": list(flowing.overdue_reports(request.user)[:50]),
            "suggestions": flowing.temp_branch_suggestions(request.user),
            "can_inflow": scope.has_action(request.user, "member.create"),
        },
    )


@login_required
def flow_out(request, pk):
    member = _member(request, pk)
    scope.require(request.user, "member.change", member)
    current = flowing.active_flow(member)
    if current is not None:
        return redirect("members:flow_record", pk=current.pk)
    form = FlowOutForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        record = run_service(
            form, lambda: flowing.flow_register_out(actor=request.user, member=member, **form.cleaned_data)
        )
        if record is not None:
            messages.success(request, _("Registered; card number %(no)s.") % {"no": record.card_no})
            return redirect("members:flow_record", pk=record.pk)
    return render(
        request, "members/flow_form.html", {"form": form, "member": member, "title": _("Register an outflow")}
    )


@login_required
def flow_in(request):
    scope.require_action(request.user, "member.create")
    form = FlowInForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        record = run_service(form, lambda: flowing.flow_register_in(actor=request.user, **form.cleaned_data))
        if record is not None:
            messages.success(request, _("Registered; card number %(no)s.") % {"no": record.card_no})
            return redirect("members:flow_record", pk=record.pk)
    return render(request, "members/flow_form.html", {"form": form, "title": _("Register an inflow")})


@login_required
def flow_record(request, pk):
    record = flowing.flow_list(request.user, active_only=False).filter(pk=pk).first()
    if record is None:
        raise NotFoundError(_("Not found, or outside the organisations you manage."))
    form = FlowReportForm(request.POST if request.POST.get("op") == "report" else None)
    if request.method == "POST":
        if request.POST.get("op") == "end":
            done = run_service(form, lambda: flowing.flow_end(actor=request.user, record=record))
        elif form.is_valid():
            done = run_service(
                form, lambda: flowing.flow_report_record(actor=request.user, record=record, **form.cleaned_data)
            )
        else:
            done = None
        if done is not None:
            messages.success(request, _("Recorded."))
            return redirect("members:flow_record", pk=record.pk)
    return render(
        request,
        "members/flow_record.html",
        {
            "record": record,
            "member": record.member,
            "reports": list(record.reports.all()),
            "form": form,
            "can_see_member": scope.can(request.user, "member.view", record.member),
        },
    )
