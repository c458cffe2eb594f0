from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportCategory(models.TextChoices):
    STREET_LIGHT = "street_light", _("Broken street light")
    ROAD_HAZARD = "road_hazard", _("Road hazard")
    BLOCKED_LANE = "blocked_lane", _("Blocked lane")
    UNSAFE_BUILDING = "unsafe_building", _("Unsafe building")
    OTHER = "other", _("Other")


class ReportStatus(models.TextChoices):
    OPEN = "open", _("Reported")
    IN_PROGRESS = "in_progress", _("Being handled")
    CLOSED = "closed", _("Closed")


class PhotoStage(models.TextChoices):
    BEFORE = "before", _("Before")
    AFTER = "after", _("After")
