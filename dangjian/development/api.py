"""The development pipeline over the JSON API (tag ``development``). ID numbers are masked."""

from __future__ import annotations

import datetime as dt

from django.http import FileResponse, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from dangjian.core import scope
from dangjian.core.api import ERROR_RESPONSES, PageParams, paginate
from dangjian.core.errors import InvalidInput, NotFoundError
from dangjian.members.models import Member
from dangjian.orgs.models import PartyOrganisation

from . import exports, selectors, services
from .choices import ApplicantStatus, DocumentKind, Outcome, Stage
from .models import StepDocument, StepRecord

router = Router()


class ApplicantOut(Schema):
    id: int
    name: str
    gender: str
    birth_date: dt.date
    id_number_masked: str
    org_id: int
    org_name: str
    stage: Stage
    status: ApplicantStatus
    current_step: str | None
    current_step_on: dt.date | None
    member_id: int | None


class ApplicantPage(Schema):
    items: list[ApplicantOut]
    count: int


class DocumentOut(Schema):
    id: int
    kind: DocumentKind
    original_name: str
    content_type: str
    size: int
    sha256: str


class RecordOut(Schema):
    id: int
    step: str
    step_name: str
    on: dt.date
    end_on: dt.date | None
    hours: int | None
    people: list[str]
    notes: str
    outcome: str
    extension_months: int | None
    documents: list[DocumentOut]


class StepOut(Schema):
    code: str
    name: str
    stage: Stage


class DueOut(Schema):
    step: str
    step_name: str
    due: dt.date
    overdue: bool


class ApplicantDetail(ApplicantOut):
    records: list[RecordOut]
    next_steps: list[StepOut]
    due: list[DueOut]


class PipelineTodoOut(Schema):
    applicant_id: int
    name: str
    org_name: str
    step: str
    step_name: str
    due: dt.date
    overdue: bool


class StageCount(Schema):
    stage: Stage
    count: int


class RegisterIn(Schema):
    org_id: int
    name: str
    id_number: str


class RecordIn(Schema):
    step: str = Field(description="The step's code in the person's template, e.g. talk")
    on: dt.date
    end_on: dt.date | None = None
    hours: int | None = Field(None, ge=0, le=1000)
    people_ids: list[int] = []
    notes: str = ""
    outcome: Outcome | None = None
    extension_months: int | None = None


class PipelineFilters(Schema):
    q: str = ""
    stage: Stage | None = None
    status: ApplicantStatus | None = None
    under_id: int | None = None


class NoticeOut(Schema):
    text: str


def applicant_out(person) -> dict:
    return {
        "id": person.pk,
        "name": person.name,
        "gender": person.gender,
        "birth_date": person.birth_date,
        "id_number_masked": person.id_number_masked,
        "org_id": person.org_id,
        "org_name": person.org.name,
        "stage": person.stage,
        "status": person.status,
        "current_step": person.current_step.code if person.current_step else None,
        "current_step_on": person.current_step_on,
        "member_id": person.member_id,
    }


def detail_out(person, line) -> dict:
    from django.utils import timezone

    records = [r for rows in line.records.values() for r in rows]
    records.sort(key=lambda r: (r.on, r.pk))
    return {
        **applicant_out(person),
        "records": [
            {
                "id": r.pk,
                "step": r.step.code,
                "step_name": r.step.name,
                "on": r.on,
                "end_on": r.end_on,
                "hours": r.hours,
                "people": [p.name for p in r.people.all()],
                "notes": r.notes,
                "outcome": r.outcome,
                "extension_months": r.extension_months,
                "documents": [
                    {k: getattr(d, k) for k in ("id", "kind", "original_name", "content_type", "size", "sha256")}
                    for d in r.documents.all()
                ],
            }
            for r in records
        ],
        "next_steps": [{"code": s.code, "name": s.name, "stage": s.stage} for s in line.next_steps()],
        "due": [
            {"step": d.step.code, "step_name": d.step.name, "due": d.due, "overdue": d.overdue}
            for d in line.due(timezone.localdate(), 36500)
        ],
    }


def under_org(user, under_id: int | None) -> PartyOrganisation | None:
    return scope.get_in_scope(user, "development.view", PartyOrganisation, pk=under_id) if under_id else None


def people_for(user, ids: list[int]) -> list[Member]:
    found = list(scope.restrict(user, "member.view", model=Member).filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise InvalidInput(_("Choose people from the members you can see."), field="people_ids")
    return found


def step_of(person, code: str):
    from .models import StepDefinition

    step = StepDefinition.objects.filter(template_id=person.template_id, code=code).first()
    if step is None:
        raise InvalidInput(_("No step has this code in the person's template."), field="step")
    return step


@router.get("/people", response={200: ApplicantPage, **ERROR_RESPONSES}, summary="List people in the pipeline")
def list_people(request, filters: Query[PipelineFilters], page: Query[PageParams]):
    scope.require_action(request.user, "development.view")
    people = selectors.applicant_list(
        request.user,
        q=filters.q,
        stage=filters.stage or "",
        status=filters.status or "",
        under=under_org(request.user, filters.under_id),
    )
    items, count = paginate(people, page)
    return {"items": [applicant_out(p) for p in items], "count": count}


@router.get("/counts", response={200: list[StageCount], **ERROR_RESPONSES}, summary="Active people per stage")
def counts(request, under_id: int | None = None):
    scope.require_action(request.user, "development.view")
    return [
        {"stage": c["stage"], "count": c["count"]}
        for c in selectors.stage_counts(request.user, under_org(request.user, under_id))
    ]


@router.get("/todo", response={200: list[PipelineTodoOut], **ERROR_RESPONSES}, summary="Overdue and due-soon steps")
def todo(request, under_id: int | None = None):
    scope.require_action(request.user, "development.view")
    return [
        {
            "applicant_id": item.applicant.pk,
            "name": item.applicant.name,
            "org_name": item.applicant.org.name,
            "step": item.step.code,
            "step_name": item.step.name,
            "due": item.due,
            "overdue": item.overdue,
        }
        for item in selectors.todo(request.user, under_org(request.user, under_id))
    ]


@router.get("/export.xlsx", response={200: None, **ERROR_RESPONSES}, summary="Excel list of the pipeline")
def export(request, filters: Query[PipelineFilters]):
    scope.require_action(request.user, "development.view")
    people = selectors.applicant_list(
        request.user,
        q=filters.q,
        stage=filters.stage or "",
        status=filters.status or "",
        under=under_org(request.user, filters.under_id),
    )
    data = exports.pipeline_workbook(actor=request.user, people=people, filters=filters.model_dump())
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="development.xlsx"'
    return response


@router.get("/people/{int:person_id}", response={200: ApplicantDetail, **ERROR_RESPONSES}, summary="A person's steps")
def get_person(request, person_id: int):
    person = selectors.applicant_get(request.user, person_id)
    return detail_out(person, selectors.timeline(person))


@router.post("/people", response={201: ApplicantOut, **ERROR_RESPONSES}, summary="Start the pipeline for a person")
def register(request, payload: RegisterIn):
    org = scope.get_in_scope(request.user, "org.view", PartyOrganisation, pk=payload.org_id)
    person = services.applicant_register(actor=request.user, org=org, name=payload.name, id_number=payload.id_number)
    return Status(201, applicant_out(selectors.applicant_get(request.user, person.pk)))


@router.post(
    "/people/{int:person_id}/steps", response={201: ApplicantDetail, **ERROR_RESPONSES}, summary="Record a step"
)
def record_step(request, person_id: int, payload: RecordIn):
    person = selectors.applicant_get(request.user, person_id)
    services.step_record(
        actor=request.user,
        applicant=person,
        step=step_of(person, payload.step),
        on=payload.on,
        end_on=payload.end_on,
        hours=payload.hours,
        people=people_for(request.user, payload.people_ids),
        notes=payload.notes,
        outcome=payload.outcome or "",
        extension_months=payload.extension_months,
    )
    person = selectors.applicant_get(request.user, person_id)
    return Status(201, detail_out(person, selectors.timeline(person)))


@router.get(
    "/people/{int:person_id}/notice", response={200: NoticeOut, **ERROR_RESPONSES}, summary="Public-notice text"
)
def notice(request, person_id: int, start: dt.date, end: dt.date, contact: str = ""):
    person = selectors.applicant_get(request.user, person_id)
    if end < start:
        raise InvalidInput(_("The last day cannot be before the first."), field="end")
    return {"text": exports.public_notice(person, selectors.timeline(person), start=start, end=end, contact=contact)}


def record_in_scope(user, record_id: int) -> StepRecord:
    record = StepRecord.objects.select_related("applicant__org").filter(pk=record_id).first()
    if record is None or not scope.can(user, "development.view", record.applicant):
        raise NotFoundError(_("Not found, or outside the organisations you manage."))
    return record


def document_in_scope(user, document_id: int) -> StepDocument:
    document = StepDocument.objects.select_related("record__applicant__org").filter(pk=document_id).first()
    if document is None or not scope.can(user, "development.view", document.record.applicant):
        raise NotFoundError(_("Not found, or outside the organisations you manage."))
    return document


@router.post(
    "/records/{int:record_id}/documents",
    response={201: DocumentOut, **ERROR_RESPONSES},
    summary="Attach a document (PDF, JPEG, PNG or .docx; type read from the content)",
)
def upload(request, record_id: int, kind: Form[DocumentKind], file: File[UploadedFile]):
    record = record_in_scope(request.user, record_id)
    document = services.document_attach(actor=request.user, record=record, kind=kind, upload=file)
    return Status(
        201, {k: getattr(document, k) for k in ("id", "kind", "original_name", "content_type", "size", "sha256")}
    )


@router.get("/documents/{int:document_id}", response={200: None, **ERROR_RESPONSES}, summary="Download a document")
def download(request, document_id: int):
    document = document_in_scope(request.user, document_id)
    return FileResponse(
        document.file.open("rb"),
        content_type=document.content_type,
        as_attachment=True,
        filename=document.original_name,
    )
