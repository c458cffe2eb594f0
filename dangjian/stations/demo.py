"""Demo stations, resources, triage rules and a grid for the demo district (called by seed_demo)."""

from __future__ import annotations

import datetime as dt

from dangjian.accounts.models import User
from dangjian.demands import services as demand_services
from dangjian.demands.models import Resource, TriageRule
from dangjian.reports import services as report_services
from dangjian.reports.models import Grid

from . import services
from .models import Station

STATIONS = [
    # name, kind, org code, lat, lng, opens, closes, days, amenities
    (
        "东湖小哥驿站",
        "rider_station",
        "YX-DH",
        "30.2760",
        "120.1560",
        None,
        None,
        "1234567",
        ["water", "charging", "microwave", "rest", "toilet", "first_aid", "umbrella"],
    ),
    (
        "东湖党群服务站",
        "service_station",
        "YX-DH",
        "30.2712",
        "120.1502",
        "08:30",
        "17:30",
        "12345",
        ["water", "rest", "toilet", "advice"],
    ),
    (
        "西林暖新驿站",
        "warm_station",
        "YX-XL-XG",
        "30.2655",
        "120.1411",
        "07:00",
        "23:00",
        "1234567",
        ["water", "charging", "microwave", "rest", "storage"],
    ),
    (
        "西林小哥食堂",
        "canteen",
        "YX-XL-XG",
        "30.2690",
        "120.1455",
        "10:30",
        "21:00",
        "1234567",
        ["canteen", "water", "charging"],
    ),
    (
        "南桥夜班驿站",
        "rider_station",
        "YX-NQ",
        "30.2551",
        "120.1702",
        "20:00",
        "06:00",
        "1234567",
        ["water", "charging", "rest", "first_aid"],
    ),
]

RESOURCES = [
    ("resource", "骑手法律门诊（每周三下午）", "legal", "区司法局", "东湖", "东湖党群服务站", "YX-DH"),
    ("resource", "新就业群体免费体检", "health", "区卫健局", "", "各社区卫生服务中心", "YX-LXGW"),
    ("project", "电动车维修技能培训", "skills", "区人社局", "西林", "西林暖新驿站", "YX-XL"),
    ("resource", "小哥食堂工作餐8折", "other", "西林小哥食堂", "西林", "西林小哥食堂", "YX-XL-XG"),
    ("resource", "工伤保险参保咨询", "insurance", "区社保中心", "", "12333", "YX-LXGW"),
]


def _time(value):
    return dt.time.fromisoformat(value) if value else None


def seed_services(orgs: dict) -> int:
    """Idempotent: does nothing for rows that exist already (matched by name)."""
    created = 0
    manager = User.objects.filter(username="station").first()
    for name, kind, code, lat, lng, opens, closes, days, amenities in STATIONS:
        if Station.objects.filter(name=name).exists() or code not in orgs:
            continue
        services.station_create(
            actor=None,
            org=orgs[code],
            name=name,
            kind=kind,
            address=f"浙江省云溪区{name[:2]}大道{len(name) * 17}号",
            latitude=lat,
            longitude=lng,
            opens_at=_time(opens),
            closes_at=_time(closes),
            open_days=days,
            amenities=amenities,
            phone="0571-8800" + str(1000 + created),
            manager=manager if manager and code == "YX-DH" else None,
        )
        created += 1
    for kind, title, category, provider, area, contact, code in RESOURCES:
        if not Resource.objects.filter(title=title).exists() and code in orgs:
            demand_services.resource_create(
                actor=None,
                org=orgs[code],
                kind=kind,
                title=title,
                category=category,
                provider=provider,
                area=area,
                contact=contact,
            )
    root = orgs.get("YX-LXGW")
    if root is not None and not TriageRule.objects.exists():
        demand_services.triage_rule_create(actor=None, org=root, category="legal", assignee=root, department="区司法局")
        if "YX-DH" in orgs:
            demand_services.triage_rule_create(actor=None, org=orgs["YX-DH"], assignee=orgs["YX-DH"])
    if "YX-DH" in orgs and not Grid.objects.exists():
        report_services.grid_create(
            actor=None,
            org=orgs["YX-DH"],
            name="东湖第一网格",
            polygon=[[30.268, 120.145], [30.268, 120.165], [30.285, 120.165], [30.285, 120.145]],
        )
    return created
