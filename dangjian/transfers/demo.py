"""Transfers in the demo district, through services: one waiting for the receiver, one expired."""

from __future__ import annotations

import datetime as dt

from dangjian.members.models import Member

from . import services
from .models import Transfer


def seed_transfers(orgs: dict, today: dt.date) -> int:
    """The demo member's letter to another branch (pending) and an expired outward letter."""
    if Transfer.objects.exists():
        return 0
    made = 0
    own = Member.objects.filter(user__username="member").select_related("org").first()
    target = orgs.get("YX-DH-FX")
    if own is not None and target is not None and own.org_id != target.pk:
        services.transfer_issue(
            actor=None,
            member=own,
            target_org=target,
            dues_paid_until=today.replace(day=1),
            note="演示数据：工作调动到东湖站点",
        )
        made += 1
    other = Member.objects.filter(org=orgs.get("YX-DH-KD"), status="normal", user__isnull=True).order_by("pk").first()
    if other is not None:
        services.transfer_issue(
            actor=None,
            member=other,
            target_name="江苏省南京市鼓楼区快递行业党委",
            target_address="江苏省南京市鼓楼区中山路1号",
            in_city=False,
            dues_paid_until=today.replace(day=1),
            issued_on=today - dt.timedelta(days=45),
        )
        made += 1
    return made
