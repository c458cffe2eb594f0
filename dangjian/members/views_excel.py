"""Pages for Excel: the import template, uploads with progress and per-row errors, exports."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangjian.core import scope
from dangjian.core.errors import NotFoundError
from dangjian.core.forms import run_service
from dangjian.orgs.models import PartyOrganisation

from . import excel, imports
from .forms import ImportForm
from .models import ImportJob

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def import_template(request):
    scope.require_action(request.user, "member.import")
    response = HttpResponse(excel.template(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="member-import-template.xlsx"'
    return response


@login_required
def import_upload(request):
    scope.require_action(request.user, "member.import")
    form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = run_service(
            form,
            lambda: excel.import_create(
                actor=request.user,
                org=form.cleaned_data["org"],
                file_name=upload.name,
                content=upload.read(),
                mode=form.cleaned_data["mode"],
            ),
        )
        if job is not None:
            imports.import_start(job)
            return redirect("members:import_job", pk=job.pk)
    jobs = scope.restrict(request.user, "member.import", model=ImportJob).select_related("org").defer("content")[:10]
    return render(request, "members/import.html", {"form": form, "jobs": jobs})


@login_required
def import_job(request, pk):
    job = scope.restrict(request.user, "member.import", model=ImportJob).defer("content").filter(pk=pk).first()
    if job is None:
        raise NotFoundError(_("Not found, or outside the organisations you manage."))
    if job.state in imports.ACTIVE and imports.import_recover(job_ids=[job.pk]):  # its worker died
        job.refresh_from_db()
    running = job.state in imports.ACTIVE
    done = imports.progress(job)
    context = {
        "job": job,
        "running": running,
        "done": done,
        "percent": int(done * 100 / job.total_rows) if job.total_rows else 100,
    }
    template = "members/_import_progress.html" if request.headers.get("HX-Request") else "members/import_job.html"
    return render(request, template, context)


@login_required
@require_POST
def import_retry(request, pk):
    job = scope.get_in_scope(request.user, "member.import", ImportJob, pk=pk)
    imports.import_retry(actor=request.user, job=job)
    messages.success(request, _("The import was queued again."))
    return redirect("members:import_job", pk=pk)


@login_required
def export(request):
    scope.require_action(request.user, "member.export")
    under = None
    if request.GET.get("under", "").isdigit():
        under = scope.get_in_scope(request.user, "member.view", PartyOrganisation, pk=request.GET["under"])
    full = request.GET.get("full") == "1"
    if full and not scope.has_action(request.user, "member.reveal"):
        messages.error(request, _("You may not export full numbers."))
        return redirect("members:list")
    out, _count = excel.export_members(actor=request.user, under=under, full=full)
    name = f"members-{timezone.localdate():%Y%m%d}.xlsx"
    return FileResponse(out, as_attachment=True, filename=name, content_type=XLSX)
