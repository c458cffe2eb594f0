from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    """The five stages of developing a member (DOMAIN §3.1), in order."""

    APPLICANT = "applicant", _("Applicant")
    ACTIVIST = "activist", _("Activist")
    CANDIDATE = "candidate", _("Candidate for development")
    PROBATIONARY = "probationary", _("Probationary member")
    FULL = "full", _("Full member")


STAGE_ORDER = {stage: index for index, stage in enumerate(Stage.values)}


class Effect(models.TextChoices):
    """What recording a step does beyond the pipeline itself."""

    NONE = "", _("Nothing else")
    ADMIT = "admit", _("Registers the person as a probationary member")
    FULL = "full", _("Decides on full membership (on time, extended or cancelled)")


class Outcome(models.TextChoices):
    ON_TIME = "on_time", _("Full member on time")
    EXTENDED = "extended", _("Probation extended")
    CANCELLED = "cancelled", _("Probationary qualification cancelled")


class ApplicantStatus(models.TextChoices):
    ACTIVE = "active", _("In the pipeline")
    FULL = "full", _("Became a full member")
    CANCELLED = "cancelled", _("Qualification cancelled")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class DocumentKind(models.TextChoices):
    APPLICATION = "application", _("Written application")
    TALK = "talk", _("Record of the talk")
    ASSESSMENT = "assessment", _("Assessment")
    REVIEW = "review", _("Political review")
    TRAINING = "training", _("Training certificate")
    NOTICE = "notice", _("Public notice")
    MINUTES = "minutes", _("Meeting minutes")
    APPROVAL = "approval", _("Approval")
    VOLUNTEER_FORM = "volunteer_form", _("Application form for admission (入党志愿书)")
    OTHER = "other", _("Other")
