from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    WAGES = "wages", _("Wages")
    INSURANCE = "insurance", _("Insurance and social security")
    REST = "rest", _("Rest places")
    TRAFFIC = "traffic", _("Traffic and safety")
    LEGAL = "legal", _("Legal aid")
    CHILDREN = "children", _("Children and education")
    HOUSING = "housing", _("Housing")
    HEALTH = "health", _("Health")
    SKILLS = "skills", _("Skills")
    OTHER = "other", _("Other")


class DemandStatus(models.TextChoices):
    NEW = "new", _("Waiting for triage")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("Being handled")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (DemandStatus.NEW, DemandStatus.ASSIGNED, DemandStatus.IN_PROGRESS)


class EventKind(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ASSIGNED = "assigned", _("Assigned")
    REPLY = "reply", _("Reply")
    RESOLVED = "resolved", _("Answer")
    RATED = "rated", _("Rated")
    REOPENED = "reopened", _("Reopened")
    ESCALATED = "escalated", _("Escalated")
    MATCHED = "matched", _("Matched to a resource")


class ResourceKind(models.TextChoices):
    RESOURCE = "resource", _("Resource")
    PROJECT = "project", _("Project")
