"""Every write to the pipeline: registering a person, recording a step (with its effects on the
member registry), attaching documents."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from dangjian.core import audit, crypto, images, policy, scope
from dangjian.core.errors import ConflictError, DomainError
from dangjian.core.validators import mask_id_number, normalise_id_number, parse_id_number
from dangjian.members import services as member_services
from dangjian.members.models import ID_CONTEXT as MEMBER_ID_CONTEXT
from dangjian.members.models import Member
from dangjian.orgs.choices import OrgKind
from dangjian.orgs.models import PartyOrganisation

from . import documents, engine
from .choices import STAGE_ORDER, ApplicantStatus, DocumentKind, Effect, Outcome, Stage
from .models import ID_CONTEXT, Applicant, PipelineTemplate, StepDefinition, StepDocument, StepRecord


def template_for(org: PartyOrganisation) -> PipelineTemplate:
    """The template of the nearest organisation at or above ``org``, else the platform default."""
    step = PartyOrganisation.steplen
    paths = [org.path[:end] for end in range(step, len(org.path) + 1, step)]
    regional = (
        PipelineTemplate.objects.filter(org__path__in=paths).select_related("org").order_by("-org__depth").first()
    )
    default = regional or PipelineTemplate.objects.filter(org__isnull=True).order_by("pk").first()
    if default is None:
        raise DomainError(_("No pipeline template is configured."), code="no_template")
    return default


def timeline(applicant: Applicant) -> engine.Timeline:
    steps = engine.load_steps([applicant.template_id]).get(applicant.template_id, [])
    return engine.Timeline(applicant, steps, list(applicant.records.all()))


@transaction.atomic
def applicant_register(*, actor, org: PartyOrganisation, name: str, id_number: str) -> Applicant:
    """Start the pipeline for a person (not a member yet) in ``org``."""
    scope.require(actor, "development.manage", org)
    if org.kind not in (OrgKind.BRANCH, OrgKind.GENERAL_BRANCH, OrgKind.COMMITTEE):
        raise DomainError(_("People are developed by a branch (or a general branch or committee)."), field="org")
    name = (name or "").strip()
    if not name or len(name) > 50:
        raise DomainError(_("Enter the person's name (at most 50 characters)."), field="name")
    number = normalise_id_number(id_number)
    try:
        facts = parse_id_number(number)
    except ValidationError as exc:
        raise DomainError(exc.messages[0], code="invalid_id_number", field="id_number") from None
    if Member.objects.filter(id_number_bidx__in=crypto.blind_indexes(number, MEMBER_ID_CONTEXT)).exists():
        raise ConflictError(_("This person is already a party member."), code="already_member", field="id_number")
    indexes = crypto.blind_indexes(number, ID_CONTEXT)
    if Applicant.objects.filter(id_number_bidx__in=indexes).exists():
        raise ConflictError(
            _("This person is already in the development pipeline."), code="duplicate_id_number", field="id_number"
        )
    applicant = Applicant(
        name=name,
        gender=facts.gender,
        birth_date=facts.birth_date,
        id_number_enc=crypto.encrypt(number, ID_CONTEXT),
        id_number_bidx=crypto.blind_index(number, ID_CONTEXT),
        id_number_masked=mask_id_number(number),
        org=org,
        template=template_for(org),
    )
    try:
        with transaction.atomic():
            applicant.save()
    except IntegrityError:
        raise ConflictError(
            _("This person is already in the development pipeline."), code="duplicate_id_number", field="id_number"
        ) from None
    audit.record(
        actor=actor,
        action="development.register",
        obj=applicant,
        org_path=org.path,
        changes={"name": [None, name], "id_number": [None, applicant.id_number_masked], "org_id": [None, org.pk]},
    )
    scope.ensure_in_scope(actor, "development.view", applicant)
    return applicant


def _admit(actor, applicant: Applicant, line: engine.Timeline, step: StepDefinition) -> None:
    joined = line.anchor_date(step)
    member = member_services.member_register(
        actor=actor,
        org=applicant.org,
        id_number=crypto.decrypt(applicant.id_number_enc, ID_CONTEXT),
        name=applicant.name,
        political_status="probationary",
        join_date=joined,
    )
    applicant.member = member


def _decide_full(actor, applicant: Applicant, line: engine.Timeline, record: StepRecord) -> None:
    if applicant.member is None:
        raise DomainError(_("The person was never admitted as a probationary member."), code="not_admitted")
    if record.outcome == Outcome.ON_TIME:
        member_services.member_update(
            actor=actor, member=applicant.member, political_status="full", full_member_date=line.probation_end()
        )
        applicant.stage, applicant.status = Stage.FULL, ApplicantStatus.FULL
    elif record.outcome == Outcome.EXTENDED:
        applicant.extension_months = record.extension_months
    else:
        member_services.member_change_status(
            actor=actor,
            member=applicant.member,
            status="removed",
            on=record.on,
            reason=_("Probationary qualification cancelled"),
        )
        applicant.status = ApplicantStatus.CANCELLED


@transaction.atomic
def step_record(
    *,
    actor,
    applicant: Applicant,
    step: StepDefinition,
    on: dt.date,
    end_on: dt.date | None = None,
    hours: int | None = None,
    people: list[Member] | tuple = (),
    notes: str = "",
    outcome: str = "",
    extension_months: int | None = None,
) -> StepRecord:
    """Record that ``step`` happened for ``applicant``; refused when a rule of the template is broken."""
    scope.require(actor, "development.manage", applicant)
    applicant = Applicant.objects.select_for_update(of=("self",)).select_related("org", "member").get(pk=applicant.pk)
    if step.template_id != applicant.template_id:
        raise DomainError(_("This step belongs to another template."), field="step")
    line = timeline(applicant)
    step = line.by_id[step.pk]
    people = list(people)
    line.check(
        step,
        on=on,
        end_on=end_on,
        hours=hours,
        people=people,
        outcome=outcome if step.effect == Effect.FULL else "",
        extension_months=extension_months,
        birth=applicant.birth_date,
    )
    record = StepRecord.objects.create(
        applicant=applicant,
        step=step,
        on=on,
        end_on=end_on,
        hours=hours,
        notes=(notes or "").strip(),
        outcome=outcome if step.effect == Effect.FULL else "",
        extension_months=extension_months if outcome == Outcome.EXTENDED else None,
        recorded_by=actor,
    )
    record.people.set(people)
    line.records.setdefault(step.pk, []).append(record)
    if step.effect == Effect.ADMIT:
        _admit(actor, applicant, line, step)
    if step.effect == Effect.FULL:
        _decide_full(actor, applicant, line, record)
    elif STAGE_ORDER[step.stage] > STAGE_ORDER[applicant.stage]:
        applicant.stage = step.stage
    applicant.current_step, applicant.current_step_on = step, on
    applicant.save()
    audit.record(
        actor=actor,
        action="development.step",
        obj=applicant,
        org_path=applicant.org.path,
        changes={
            "step": [None, step.code],
            "on": [None, str(on)],
            "end_on": [None, str(end_on) if end_on else None],
            "hours": [None, hours],
            "people": [None, [p.pk for p in people]],
            "outcome": [None, record.outcome or None],
            "stage": [None, applicant.stage],
        },
    )
    return record


@transaction.atomic
def document_attach(*, actor, record: StepRecord, kind: str, upload) -> StepDocument:
    """Attach a document to a step record. Its type is read from its content; size is limited."""
    applicant = record.applicant
    scope.require(actor, "development.manage", applicant)
    if kind not in DocumentKind.values:
        raise DomainError(_("Choose the document type."), field="kind")
    limit_mb = policy.value("development.document_max_mb", applicant.org.path)
    if upload.size > limit_mb * 1024 * 1024:
        raise DomainError(_("A document may be at most %(n)d MB.") % {"n": limit_mb}, code="too_large", field="file")
    data = upload.read()
    content_type = documents.sniff(data[:16], data)
    if content_type is None:
        raise DomainError(
            _("Upload a PDF, a JPEG or PNG picture, or a Word (.docx) document."), code="file_type", field="file"
        )
    if content_type in (documents.PNG, documents.JPEG) and documents.picture_too_large(data, images.MAX_PIXELS):
        raise DomainError(
            _("The picture cannot be read or has too many pixels. Scan it again at a normal resolution."),
            code="file_type",
            field="file",
        )
    digest = hashlib.sha256(data).hexdigest()
    document = StepDocument(
        record=record,
        kind=kind,
        original_name=(upload.name or "document")[-200:],
        content_type=content_type,
        size=len(data),
        sha256=digest,
        uploaded_by=actor,
    )
    document.file.save(document.extension, ContentFile(data), save=False)
    document.save()
    audit.record(
        actor=actor,
        action="development.document",
        obj=applicant,
        org_path=applicant.org.path,
        changes={
            "record": [None, record.pk],
            "kind": [None, kind],
            "file": [None, document.original_name],
            "sha256": [None, digest],
        },
    )
    return document
