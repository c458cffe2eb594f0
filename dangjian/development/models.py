"""The development pipeline (发展党员): templates of steps with their time rules (data, per region),
the people moving through it, and what was recorded for each step."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import ApplicantStatus, DocumentKind, Effect, Outcome, Stage

ID_CONTEXT = "development.applicant.id_number"


class PipelineTemplate(models.Model):
    """The steps and rules used in a region. The template of the nearest organisation at or above
    an applicant's organisation applies; the platform default has no organisation."""

    name = models.CharField(_("name"), max_length=100)
    org = models.OneToOneField(
        "orgs.PartyOrganisation",
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pipeline_template",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("pipeline template")
        verbose_name_plural = _("pipeline templates")
        constraints = [
            models.UniqueConstraint(
                fields=["name"], condition=models.Q(org__isnull=True), name="pipeline_one_platform_default_name"
            )
        ]

    def __str__(self) -> str:
        return self.name


class StepDefinition(models.Model):
    """One step and its rules. Durations count from ``anchor`` (default: the last dependency)."""

    template = models.ForeignKey(
        PipelineTemplate, verbose_name=_("template"), on_delete=models.CASCADE, related_name="steps"
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices)
    order = models.PositiveSmallIntegerField(_("order"))
    depends_on = models.ManyToManyField(
        "self", verbose_name=_("depends on"), symmetrical=False, blank=True, related_name="dependents"
    )
    anchor = models.ForeignKey(
        "self",
        verbose_name=_("durations count from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    earliest_months = models.PositiveSmallIntegerField(_("not before (months after the anchor)"), null=True, blank=True)
    due_months = models.PositiveSmallIntegerField(_("due within (months after the anchor)"), null=True, blank=True)
    latest_months = models.PositiveSmallIntegerField(
        _("at the latest (months after the anchor)"), null=True, blank=True
    )
    repeat_months = models.PositiveSmallIntegerField(_("repeated every (months)"), null=True, blank=True)
    valid_months = models.PositiveSmallIntegerField(
        _("valid for (months) when later steps rely on it"), null=True, blank=True
    )
    min_working_days = models.PositiveSmallIntegerField(_("lasts at least (working days)"), null=True, blank=True)
    min_days = models.PositiveSmallIntegerField(_("lasts at least (days)"), null=True, blank=True)
    min_hours = models.PositiveSmallIntegerField(_("or at least (class hours)"), null=True, blank=True)
    people_min = models.PositiveSmallIntegerField(_("people at least"), default=0)
    people_max = models.PositiveSmallIntegerField(_("people at most"), default=0)
    people_label = models.CharField(_("people are"), max_length=40, blank=True)
    min_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    effect = models.CharField(_("effect"), max_length=10, choices=Effect.choices, blank=True, default="")

    class Meta:
        verbose_name = _("step")
        verbose_name_plural = _("steps")
        ordering = ["template", "order"]
        constraints = [
            models.UniqueConstraint(fields=["template", "code"], name="step_code_unique_in_template"),
            models.UniqueConstraint(fields=["template", "order"], name="step_order_unique_in_template"),
            models.CheckConstraint(
                condition=models.Q(people_max__gte=models.F("people_min")), name="step_people_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Applicant(models.Model):
    """A person in the pipeline. Not a member until admitted: the ID number is protected exactly
    like a member's (ciphertext, keyed blind index, masked form)."""

    name = models.CharField(_("name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=10)
    birth_date = models.DateField(_("birth date"))
    id_number_enc = models.TextField(_("ID card number (encrypted)"))
    id_number_bidx = models.CharField(_("ID card number index"), max_length=100, unique=True)
    id_number_masked = models.CharField(_("ID card number"), max_length=18)
    org = models.ForeignKey(
        "orgs.PartyOrganisation", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="applicants"
    )
    template = models.ForeignKey(
        PipelineTemplate, verbose_name=_("template"), on_delete=models.PROTECT, related_name="+"
    )
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices, default=Stage.APPLICANT, db_index=True)
    current_step = models.ForeignKey(
        StepDefinition, verbose_name=_("last step"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    current_step_on = models.DateField(_("last step on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ApplicantStatus.choices, default=ApplicantStatus.ACTIVE, db_index=True
    )
    extension_months = models.PositiveSmallIntegerField(_("probation extended by (months)"), default=0)
    member = models.OneToOneField(
        "members.Member",
        verbose_name=_("member record"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="development",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("person in the pipeline")
        verbose_name_plural = _("people in the pipeline")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["org", "stage"], name="applicant_org_stage_idx")]

    def __str__(self) -> str:
        return self.name


class StepRecord(models.Model):
    """What happened at one step for one person: dates, people, notes, outcome, documents."""

    applicant = models.ForeignKey(Applicant, verbose_name=_("person"), on_delete=models.CASCADE, related_name="records")
    step = models.ForeignKey(StepDefinition, verbose_name=_("step"), on_delete=models.PROTECT, related_name="records")
    on = models.DateField(_("date"))
    end_on = models.DateField(_("until"), null=True, blank=True)
    hours = models.PositiveSmallIntegerField(_("class hours"), null=True, blank=True)
    people = models.ManyToManyField("members.Member", verbose_name=_("people"), blank=True, related_name="+")
    notes = models.TextField(_("notes"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    extension_months = models.PositiveSmallIntegerField(_("extension (months)"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("step record")
        verbose_name_plural = _("step records")
        ordering = ["on", "id"]
        indexes = [models.Index(fields=["applicant", "step"], name="record_applicant_step_idx")]

    def __str__(self) -> str:
        return f"{self.applicant} · {self.step} · {self.on}"


def _document_path(instance, filename: str) -> str:
    return f"development/{instance.record.applicant_id}/{instance.sha256[:16]}{instance.extension}"


class StepDocument(models.Model):
    """A document attached to a step record, type-tagged; its type was checked from its content."""

    record = models.ForeignKey(
        StepRecord, verbose_name=_("step record"), on_delete=models.CASCADE, related_name="documents"
    )
    kind = models.CharField(_("document type"), max_length=20, choices=DocumentKind.choices)
    file = models.FileField(_("file"), upload_to=_document_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=80)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def extension(self) -> str:
        return {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}.get(self.content_type, ".docx")
