"""Demo volunteer activities (called by seed_demo): two coming up, one last week with the demo
member checked in, all through services."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from dangjian.accounts.models import User
from dangjian.points import services as points

from . import services
from .models import Activity

ACTIVITIES = [
    # title, org code, place, days from today, start hour, hours, category, points, places, description
    (
        "东湖路口文明劝导",
        "YX-DH",
        "东湖路与文一路口",
        1,
        7,
        2,
        "traffic_safety",
        5,
        20,
        "早高峰在东湖路口劝导骑手和行人不闯红灯、不逆行。",
    ),
    (
        "东湖小哥驿站周末值守",
        "YX-DH",
        "东湖小哥驿站",
        3,
        14,
        4,
        "station_duty",
        8,
        None,
        "在驿站为来歇脚的小哥烧水、充电，帮新来的小哥注册平台。",
    ),
    (
        "关爱独居老人送餐",
        "YX-KDWL-FX",
        "东湖街道幸福社区",
        -6,
        11,
        2,
        "care",
        10,
        10,
        "给社区独居老人送午餐，陪老人聊聊天，看看家里有没有安全隐患。",
    ),
]


def _at(today: dt.date, days: int, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=days), dt.time(hour)))


def seed_activities(orgs: dict, today: dt.date) -> int:
    created = 0
    member = User.objects.filter(username="member").first()
    secretary = User.objects.filter(username="secretary").first()
    for title, org_code, place, days, hour, hours, category, award, places, description in ACTIVITIES:
        if Activity.objects.filter(title=title).exists():
            continue
        starts_at = _at(today, days, hour)
        activity = services.activity_publish(
            actor=None,
            org=orgs[org_code],
            title=title,
            description=description,
            category=category,
            starts_at=starts_at,
            ends_at=starts_at + dt.timedelta(hours=hours),
            place=place,
            points=award,
            capacity=places,
            now=starts_at - dt.timedelta(days=2),
        )
        created += 1
        if member is None:
            continue
        if days > 0 and places:
            services.signup_create(actor=member, activity=activity, now=starts_at - dt.timedelta(days=1))
        if days < 0 and secretary is not None:
            services.signup_create(actor=member, activity=activity, now=starts_at - dt.timedelta(days=1))
            services.participation_record(
                actor=secretary,
                activity=activity,
                code=points.worker_code(member),
                now=starts_at + dt.timedelta(minutes=5),
            )
    return created
