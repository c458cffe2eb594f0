"""Pages: the pipeline with counts per stage, the to-do list, a person's steps, recording a step,
documents, the Excel export and the public-notice text."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangjian.core import scope
from dangjian.core.forms import page_of, run_service
from dangjian.orgs.models import PartyOrganisation

from . import api, exports, selectors, services
from .choices import ApplicantStatus, Stage
from .forms import DocumentForm, NoticeForm, RecordForm, RegisterForm

FILTERS = ("q", "stage", "status", "under")


def _params(request):
    params = {key: request.GET.get(key, "").strip() for key in FILTERS}
    under = None
    if params["under"].isdigit():
        under = scope.get_in_scope(request.user, "development.view", PartyOrganisation, pk=params["under"])
    return params, under


@login_required
def applicant_list(request):
    scope.require_action(request.user, "development.view")
    params, under = _params(request)
    people = selectors.applicant_list(
        request.user, q=params["q"], stage=params["stage"], status=params["status"], under=under
    )
    return render(
        request,
        "development/list.html",
        {
            "page": page_of(request, people),
            "params": params,
            "under": under,
            "counts": selectors.stage_counts(request.user, under),
            "query": urlencode({k: v for k, v in params.items() if v}),
            "stages": Stage,
            "statuses": ApplicantStatus,
            "can_manage": scope.has_action(request.user, "development.manage"),
        },
    )


@login_required
def todo(request):
    scope.require_action(request.user, "development.view")
    _unused, under = _params(request)
    return render(request, "development/todo.html", {"items": selectors.todo(request.user, under), "under": under})


@login_required
def applicant_create(request):
    scope.require_action(request.user, "development.manage")
    form = RegisterForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        person = run_service(form, lambda: services.applicant_register(actor=request.user, **form.cleaned_data))
        if person is not None:
            messages.success(request, _("%(name)s entered the development pipeline.") % {"name": person.name})
            return redirect("development:detail", pk=person.pk)
    return render(request, "development/form.html", {"form": form, "title": _("Start the pipeline for a person")})


def _detail_context(request, person, record_form=None):
    line = selectors.timeline(person)
    can_manage = scope.can(request.user, "development.manage", person)
    records = sorted((r for rows in line.records.values() for r in rows), key=lambda r: (r.on, r.pk))
    from django.utils import timezone

    return {
        "person": person,
        "records": records,
        "due": line.due(timezone.localdate(), 36500),
        "can_manage": can_manage,
        "record_form": record_form
        or (RecordForm(user=request.user, applicant=person, steps=line.next_steps()) if can_manage else None),
        "document_form": DocumentForm() if can_manage else None,
        "notice_form": NoticeForm(),
    }


@login_required
def applicant_detail(request, pk):
    person = selectors.applicant_get(request.user, pk)
    return render(request, "development/detail.html", _detail_context(request, person))


@login_required
@require_POST
def step_record(request, pk):
    person = selectors.applicant_get(request.user, pk)
    scope.require(request.user, "development.manage", person)
    line = selectors.timeline(person)
    form = RecordForm(request.POST, user=request.user, applicant=person, steps=line.next_steps())
    if form.is_valid():
        data = dict(form.cleaned_data)
        step = api.step_of(person, data.pop("step"))
        data["people"] = list(data["people"])
        done = run_service(form, lambda: services.step_record(actor=request.user, applicant=person, step=step, **data))
        if done is not None:
            messages.success(request, _("“%(step)s” was recorded.") % {"step": step.name})
            return redirect("development:detail", pk=person.pk)
    return render(request, "development/detail.html", _detail_context(request, person, form), status=200)


@login_required
@require_POST
def document_upload(request, pk):
    record = api.record_in_scope(request.user, pk)
    scope.require(request.user, "development.manage", record.applicant)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        done = run_service(
            form,
            lambda: services.document_attach(
                actor=request.user, record=record, kind=form.cleaned_data["kind"], upload=form.cleaned_data["file"]
            ),
        )
        if done is not None:
            messages.success(request, _("The document was attached."))
            return redirect("development:detail", pk=record.applicant_id)
    for errors in form.errors.values():
        messages.error(request, " ".join(errors))
    return redirect("development:detail", pk=record.applicant_id)


@login_required
def document_download(request, pk):
    document = api.document_in_scope(request.user, pk)
    return FileResponse(
        document.file.open("rb"),
        content_type=document.content_type,
        as_attachment=True,
        filename=document.original_name,
    )


@login_required
def export(request):
    scope.require_action(request.user, "development.view")
    params, under = _params(request)
    people = selectors.applicant_list(
        request.user, q=params["q"], stage=params["stage"], status=params["status"], under=under
    )
    data = exports.pipeline_workbook(actor=request.user, people=people, filters=params)
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="development.xlsx"'
    return response


@login_required
def notice(request, pk):
    person = selectors.applicant_get(request.user, pk)
    form = NoticeForm(request.GET or None)
    text = None
    if form.is_valid():
        data = form.cleaned_data
        if data["end"] < data["start"]:
            form.add_error("end", _("The last day cannot be before the first."))
        else:
            text = exports.public_notice(person, selectors.timeline(person), **data)
    return render(request, "development/notice.html", {"person": person, "form": form, "text": text})
