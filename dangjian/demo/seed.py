"""Loading the demo district through the services, idempotently (existing rows are kept)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from dangjian.accounts import services as account_services
from dangjian.accounts.models import RoleAssignment, User
from dangjian.orgs import services as org_services
from dangjian.orgs.models import HostEntity, PartyOrganisation
from dangjian.orgs.selectors import _add_months

from . import data
from .codes import make_uscc

# Centre of the fictional district; locations scatter within a few kilometres.
CENTRE = (Decimal("30.274100"), Decimal("120.155100"))


def demo_totp_secret(username: str) -> str:
    """The fixed TOTP secret of a demo administrator (demo data only, printed by demo_logins)."""
    return base64.b32encode(hashlib.sha256(f"dangjian-demo:{username}".encode()).digest()[:20]).decode()


def _location(rng: random.Random) -> tuple[Decimal, Decimal]:
    lat = CENTRE[0] + Decimal(rng.randint(-30000, 30000)) / Decimal(1_000_000)
    lng = CENTRE[1] + Decimal(rng.randint(-40000, 40000)) / Decimal(1_000_000)
    return lat.quantize(Decimal("0.000001")), lng.quantize(Decimal("0.000001"))


def _create_tree(node, parent, today: dt.date, rng: random.Random, counts: dict) -> None:
    code, name, kind, special, category, members, full, committee, term_months, children = node
    org = PartyOrganisation.objects.filter(code=code).first()
    if org is None:
        term_years = 5 if kind == "committee" else 3
        term_start = None
        if term_months is not None:
            term_end = _add_months(today, term_months)
            term_start = org_services.add_years(term_end, -term_years)
        lat, lng = _location(rng)
        org = org_services.org_create(
            actor=None,
            parent=parent,
            name=name,
            code=code,
            kind=kind,
            special_type=special,
            category=category,
            established_on=term_start - dt.timedelta(days=rng.randint(30, 900)) if term_start else None,
            term_start=term_start,
            term_years=term_years if term_start else None,
            secretary_name=_SECRETARIES[counts["orgs"] % len(_SECRETARIES)] if kind != "group" else "",
            has_committee=committee,
            member_count=members,
            full_member_count=full,
            address=f"浙江省云溪区{name[:6]}路{rng.randint(1, 299)}号",
            latitude=lat,
            longitude=lng,
        )
        counts["orgs_created"] += 1
    counts["orgs"] += 1
    for child in children:
        _create_tree(child, org, today, rng, counts)


_SECRETARIES = [
    "张伟",
    "王芳",
    "李娜",
    "刘洋",
    "陈静",
    "杨帆",
    "赵磊",
    "黄丽",
    "周杰",
    "吴敏",
    "徐强",
    "孙悦",
    "胡斌",
    "朱琳",
    "高翔",
    "林涛",
    "何静",
    "郭峰",
    "马琳",
    "罗勇",
]


@transaction.atomic
def seed(today: dt.date | None = None) -> dict:
    today = today or timezone.localdate()
    rng = random.Random(20261123)
    counts = {"orgs": 0, "orgs_created": 0, "entities_created": 0, "accounts_created": 0, "members_created": 0}
    _create_tree(data.ROOT, None, today, rng, counts)
    orgs = {o.code: o for o in PartyOrganisation.objects.filter(code__startswith="YX-")}

    entities: dict[str, HostEntity] = {}
    for key, name, kind, industry, owner, served, employees, members, instructor, parent in data.ENTITIES:
        uscc = make_uscc(rng, data.KIND_UCC_PREFIX[kind]) if kind in data.KIND_UCC_PREFIX else None
        lat, lng = _location(rng)
        entity = HostEntity.objects.filter(name=name).first()
        if entity is None:
            entity = org_services.entity_create(
                actor=None,
                owner_org=orgs[owner],
                name=name,
                kind=kind,
                uscc=uscc,
                industry=industry,
                address=f"浙江省云溪区{orgs[owner].name[6:8]}大道{rng.randint(1, 500)}号",
                latitude=lat,
                longitude=lng,
                employee_count=employees,
                member_count=members,
                parent_entity_id=entities[parent].pk if parent else None,
            )
            counts["entities_created"] += 1
            for code in served:
                org_services.coverage_link(actor=None, org=orgs[code], entity=entity)
            if instructor:
                org_services.instructor_assign(
                    actor=None,
                    entity=entity,
                    instructor_name=instructor,
                    assigned_by=orgs[owner],
                    start_date=today - dt.timedelta(days=200),
                )
        entities[key] = entity

    for username, display_name, role, org_code, mobile in data.ACCOUNTS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = account_services.user_create(
                actor=None,
                username=username,
                password=data.DEMO_PASSWORD,
                home_org=orgs[org_code],
                display_name=display_name,
                mobile=mobile,
            )
            counts["accounts_created"] += 1
        if not RoleAssignment.objects.filter(user=user, role=role, org=orgs[org_code]).exists():
            account_services.role_assign(actor=None, user=user, role=role, org=orgs[org_code], note="demo")
        if role in {"org_admin", "system_admin", "security_admin", "audit_admin"} and not user.has_totp:
            account_services.totp_secret_store(user, demo_totp_secret(username))
            user.totp_confirmed_at = timezone.now()
            user.save(update_fields=["totp_secret", "totp_confirmed_at"])
    counts["members_created"] = _seed_members(orgs, entities, today)
    _link_demo_member(orgs)
    from dangjian.development.demo import seed_pipeline
    from dangjian.transfers.demo import seed_transfers

    counts["applicants_created"] = seed_pipeline(orgs["YX-KDWL-FX"], today)
    counts["transfers_created"] = seed_transfers(orgs, today)
    from dangjian.stations.demo import seed_services

    counts["stations_created"] = seed_services(orgs)
    from dangjian.volunteering.demo import seed_activities

    counts["activities_created"] = seed_activities(orgs, today)
    from dangjian.meetings.demo import seed_meetings

    counts["meetings_created"] = seed_meetings(orgs, today)
    from dangjian.minutes.demo import seed_minutes

    counts["minutes_created"] = seed_minutes(orgs)
    from dangjian.members.demo import seed_member_extras

    counts.update({f"{k}_created": v for k, v in seed_member_extras(orgs, today).items()})
    return counts


def _link_demo_member(orgs: dict) -> None:
    """The demo "member" account belongs to a member record of the platform branch, with consents."""
    from dangjian.members import privacy
    from dangjian.members import services as member_services
    from dangjian.members.models import Member

    user = User.objects.filter(username="member").first()
    if user is None or Member.objects.filter(user=user).exists():
        return
    member = member_services.member_register(
        actor=None,
        org=orgs["YX-KDWL-FX"],
        name="马小军",
        id_number="330106199203152516",
        mobile="13900000005",
        employment_form="rider",
        occupation="外卖骑手",
        work_area="东湖商圈",
        political_status="full",
        join_date=dt.date(2016, 6, 20),
        full_member_date=dt.date(2017, 6, 25),
    )
    member_services.member_link_account(actor=None, member=member, user=user)
    privacy.consent_record(
        actor=user,
        member=member,
        purpose="membership",
        channel="demo",
        scope_text="身份证号、手机号和党员身份，加密保存、脱敏显示",
    )


# Employment forms by the kind of organisation a member belongs to (weights).
_FORMS_BY_CATEGORY = {
    "new_employment": [
        ("rider", 45),
        ("courier", 30),
        ("ride_hailing_driver", 10),
        ("truck_driver", 8),
        ("live_streamer", 4),
        ("platform_staff", 3),
    ],
    "new_economic": [("platform_staff", 70), ("other", 25), ("live_streamer", 5)],
    "new_social": [("association_staff", 85), ("other", 15)],
    "comprehensive": [("other", 100)],
}
_EMPLOYERS_BY_FORM = {
    "rider": "fx",
    "courier": "km-kd",
    "ride_hailing_driver": "yc-sj",
    "truck_driver": "hy-sj",
    "live_streamer": "zb-zb",
}
DEMO_MEMBERS = 800


def demo_people():
    """The demo members' people, reproducible (the plaintext check in tests uses the same list)."""
    from .people import make_person

    rng = random.Random(8_000_001)
    used: set[str] = set()
    return [make_person(rng, used) for _ in range(DEMO_MEMBERS)]


def _seed_members(orgs: dict, entities: dict, today: dt.date) -> int:
    from dangjian.members import services as member_services
    from dangjian.members.models import Member

    if Member.objects.filter(org__code__startswith="YX-").exists():
        return 0
    rng = random.Random(8_000_002)
    branches = [o for o in orgs.values() if o.kind in ("branch", "general_branch")]
    # Weight branches by their declared size so that big platform branches get most members.
    weights = [max(o.member_count, 3) for o in branches]
    created = 0
    for person in demo_people():
        org = rng.choices(branches, weights)[0]
        forms, form_weights = zip(*_FORMS_BY_CATEGORY[org.category], strict=True)
        form = rng.choices(forms, form_weights)[0]
        employer = entities.get(_EMPLOYERS_BY_FORM.get(form, ""))
        earliest_join = dt.date(person.birth.year + 18, person.birth.month, min(person.birth.day, 28))
        span = max((today - earliest_join).days - 30, 1)
        join = earliest_join + dt.timedelta(days=rng.randint(0, span))
        probationary = (today - join).days < 365 or rng.random() < 0.06
        if probationary:
            join = max(join, today - dt.timedelta(days=rng.randint(30, 360)))
        full_date = None if probationary else join + dt.timedelta(days=365 + rng.randint(0, 20))
        if full_date and full_date > today:
            probationary, full_date = True, None
        member_services.member_register(
            actor=None,
            org=org,
            name=person.name,
            id_number=person.id_number,
            mobile=person.mobile,
            ethnicity=rng.choices(["汉族", "回族", "壮族", "满族", "土家族", "苗族"], [92, 2, 2, 1, 2, 1])[0],
            education=rng.choices(
                ["junior_high", "senior_high", "vocational", "junior_college", "bachelor", "master"],
                [18, 25, 20, 17, 17, 3],
            )[0],
            occupation={
                "rider": "外卖骑手",
                "courier": "快递员",
                "ride_hailing_driver": "网约车司机",
                "truck_driver": "货车司机",
                "live_streamer": "网络主播",
            }.get(form, ""),
            employment_form=form,
            employer_id=employer.pk if employer else None,
            work_area=org.name[:4]
            if org.category != "new_employment"
            else rng.choice(["东湖商圈", "西林片区", "南桥商圈", "数字经济产业园", "云溪大道沿线"]),
            political_status="probationary" if probationary else "full",
            join_date=join,
            full_member_date=full_date,
            is_flowing=form in ("rider", "courier", "truck_driver") and rng.random() < 0.12,
        )
        created += 1
    return created
