"""The deliberation council (小哥议事会): topics raised by workers, discussed at a council meeting,
decided, followed up, and published."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TopicStatus(models.TextChoices):
    RAISED = "raised", _("Raised")
    SCHEDULED = "scheduled", _("On the agenda")
    DECIDED = "decided", _("Decided")
    DECLINED = "declined", _("Not taken up")


class Topic(models.Model):
    """A topic for the council of ``org``. Decided and declined topics are public, with the decision
    (or the reason) and the follow-up; the raiser's name is never shown publicly."""

    title = models.CharField(_("topic"), max_length=120)
    description = models.TextField(_("details"), max_length=2000)
    org = models.ForeignKey(
        "orgs.PartyOrganisation", verbose_name=_("council of"), on_delete=models.PROTECT, related_name="topics"
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("raised by"), on_delete=models.PROTECT, related_name="council_topics"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=TopicStatus.choices, default=TopicStatus.RAISED, db_index=True
    )
    meeting = models.ForeignKey(
        "meetings.Meeting",
        verbose_name=_("council meeting"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="council_topics",
        help_text=_("The planned meeting that takes up this topic; its date and place are copied."),
    )
    meeting_on = models.DateField(_("meeting date"), null=True, blank=True)
    meeting_place = models.CharField(_("meeting place"), max_length=120, blank=True, default="")
    decision = models.TextField(_("decision"), blank=True, default="")
    follow_up = models.TextField(_("follow-up"), blank=True, default="")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("raised at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("council topic")
        verbose_name_plural = _("council topics")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title
