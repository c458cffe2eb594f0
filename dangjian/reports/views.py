"""Pages: a worker's report and own reports; the handlers' list and detail; grid enrolment."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangjian.core import ratelimit, scope
from dangjian.core.errors import DomainError
from dangjian.core.forms import page_of, run_service

from . import services
from .choices import ReportStatus
from .forms import CloseForm, ReportForm
from .models import Grid, GridMember, Report, ReportPhoto


@login_required
@ratelimit.limit("report")
def report_new(request):
    form = ReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        report = run_service(form, lambda: services.report_submit(actor=request.user, **form.cleaned_data))
        if report is not None:
            if report.duplicate_of_id:
                messages.success(request, _("Thank you. Someone reported this already; we linked your report to it."))
            else:
                messages.success(request, _("Thank you. Your report went to %(org)s.") % {"org": report.org.name})
            return redirect("reports:mine")
    return render(request, "reports/new.html", {"form": form})


@login_required
def my_reports(request):
    reports = Report.objects.filter(reporter=request.user).select_related("org").prefetch_related("photos")
    return render(request, "reports/mine.html", {"page": page_of(request, reports)})


@login_required
def report_list(request):
    scope.require_action(request.user, "report.view")
    status = request.GET.get("status", "")
    reports = scope.restrict(request.user, "report.view", model=Report).select_related("org", "grid", "reporter")
    if status in ReportStatus.values:
        reports = reports.filter(status=status)
    return render(
        request, "reports/list.html", {"page": page_of(request, reports), "status": status, "statuses": ReportStatus}
    )


@login_required
def report_detail(request, pk):
    report = scope.get_in_scope(request.user, "report.view", Report, pk=pk)
    form = CloseForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        scope.require(request.user, "report.handle", report)
        if request.POST.get("form") == "start":
            try:
                services.report_start(actor=request.user, report=report)
                messages.success(request, _("Saved."))
            except DomainError as exc:
                messages.error(request, exc.message)
            return redirect("reports:detail", pk=report.pk)
        if form.is_valid() and run_service(
            form, lambda: services.report_close(actor=request.user, report=report, **form.cleaned_data)
        ):
            messages.success(request, _("The report was closed and the reporter told."))
            return redirect("reports:detail", pk=report.pk)
    return render(
        request,
        "reports/detail.html",
        {
            "report": report,
            "photos": list(report.photos.all()),
            "duplicates": list(report.duplicates.all()),
            "form": form,
            "can_handle": scope.can(request.user, "report.handle", report),
        },
    )


@login_required
def photo(request, pk):
    item = ReportPhoto.objects.select_related("report").filter(pk=pk).first()
    if item is None or not (
        item.report.reporter_id == request.user.pk or scope.can(request.user, "report.view", item.report)
    ):
        raise Http404
    return FileResponse(item.image.open("rb"), content_type="image/jpeg")


@login_required
def grids(request):
    mine = set(GridMember.objects.filter(user=request.user).values_list("grid_id", flat=True))
    return render(
        request,
        "reports/grids.html",
        {"grids": Grid.objects.select_related("org").order_by("name", "id"), "mine": mine},
    )


@login_required
@require_POST
def grid_enrol(request, pk):
    grid = Grid.objects.select_related("org").filter(pk=pk).first()
    if grid is None:
        raise Http404
    try:
        services.grid_member_enrol(actor=request.user, grid=grid)
        messages.success(request, _("You are now a rider grid member of %(grid)s.") % {"grid": grid.name})
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("reports:grids")
