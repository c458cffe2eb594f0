"""Minutes in the demo district: the held themed party days of the demo branch get their records
written (from the template, attendance from the check-ins) but left for host and recorder to sign,
so the compliance pages show what an office sees: drafts waiting for signatures, and alerts once
a week has passed."""

from __future__ import annotations

from django.utils import timezone

from dangjian.meetings.choices import MeetingStatus
from dangjian.meetings.models import Meeting

from . import services
from .models import Minutes

TEXT = {
    "activities": "集中学习党的创新理论；交纳本月党费；在驿站开展义务维修电动车志愿服务。",
    "dues": "应交党费党员全部按时交纳。",
    "discussion": "党员结合送餐路上的见闻交流安全行车和服务群众的体会。",
}


def seed_minutes(orgs: dict) -> int:
    from dangjian.meetings.demo import BRANCH

    org = orgs.get(BRANCH)
    if org is None:
        return 0
    held = Meeting.objects.filter(
        org=org, status=MeetingStatus.PUBLISHED, kind="themed_day", ends_at__lt=timezone.now()
    ).exclude(pk__in=Minutes.objects.values("meeting_id"))
    created = 0
    for meeting in held.order_by("starts_at"):
        minutes = services.minutes_start(actor=None, meeting=meeting)
        services.minutes_update(
            actor=None,
            minutes=minutes,
            sections_text={key: text for key, text in TEXT.items() if key in {s["key"] for s in minutes.sections}},
            resolutions="下月主题党日开展交通安全培训。",
        )
        created += 1
    return created
