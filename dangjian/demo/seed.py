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
    counts = {"orgs": 0, "orgs_created": 0, "entities_created": 0, "accounts_created": 0}
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
    return counts
