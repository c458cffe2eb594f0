"""Demo data for personal codes, flowing members, lost-contact cases and self-registrations, through
the services, in the branch the demo secretary manages (蜂行外卖平台党支部), so a newcomer's
``make run`` shows those pages populated. Reproducible, and skipped once present."""

from __future__ import annotations

import datetime as dt

from dangjian.core import crypto
from dangjian.core.validators import id_check_character

from . import codes, finding, flowing, lost_contact
from .models import ID_CONTEXT, FlowRecord, LostContactCase, Member, MemberCode, RegistrationLead

HOME = "YX-KDWL-FX"
TEMP_BRANCH_PLACE = "江苏省苏州市工业园区星湖街"


def demo_lead_numbers() -> list[str]:
    """The fictional ID numbers of the demo's unknown self-registrations (pocket members)."""
    numbers = []
    for first17 in ("33010219910304521", "32050619880917333", "41152619950211602"):
        numbers.append(first17 + id_check_character(first17))
    return numbers


def _members(orgs: dict) -> list[Member]:
    branch = orgs.get(HOME)
    if branch is None:
        return []
    return list(
        Member.objects.filter(org=branch, status="normal", user__isnull=True).select_related("org").order_by("pk")[:13]
    )


def seed_member_extras(orgs: dict, today: dt.date) -> dict:
    """Codes, flows, lost-contact cases and registrations; returns how many of each were made."""
    made = {"codes": 0, "flows": 0, "lost_contact": 0, "registrations": 0}
    people = _members(orgs)
    if len(people) < 13:
        return made
    if not MemberCode.objects.exists():  # the demo member's own account issues theirs on the page
        for member in people[:6]:
            codes.code_issue(actor=None, member=member)
            made["codes"] += 1
    if not FlowRecord.objects.exists():
        made["flows"] = _flows(orgs, people[6:10], today)
    if not LostContactCase.objects.exists():
        made["lost_contact"] = _lost(people[10:13], today)
    if not RegistrationLead.objects.exists():
        made["registrations"] = _leads(orgs)
    return made


def _flows(orgs: dict, people: list[Member], today: dt.date) -> int:
    """Three riders working in one place (a temporary branch is suggested), one of them long gone
    without reporting home (overdue), one who reported; and a courier of another branch working here."""
    made = 0
    for i, member in enumerate(people[:3]):
        record = flowing.flow_register_out(
            actor=None,
            member=member,
            destination=TEMP_BRANCH_PLACE,
            reason="随平台调配到苏州配送",
            left_on=today - dt.timedelta(days=[420, 200, 90][i]),
            expected_return=today + dt.timedelta(days=180),
        )
        if i == 1:
            flowing.flow_report_record(
                actor=None, record=record, content="参加苏州星湖街骑手驿站组织生活，党费按月在原支部缴纳。", on=today
            )
        made += 1
    visitor = Member.objects.filter(org=orgs.get("YX-DH-KD"), status="normal").order_by("pk").first()
    if visitor is not None:
        number = crypto.decrypt(visitor.id_number_enc, ID_CONTEXT)
        flowing.flow_register_in(
            actor=None,
            dest_org=orgs[HOME],
            id_number=number,
            destination="云溪区东湖商圈",
            reason="临时支援外卖配送高峰",
            left_on=today - dt.timedelta(days=30),
            pays_dues_at_destination=True,
        )
        made += 1
    return made


def _lost(people: list[Member], today: dt.date) -> int:
    """Two members being searched for (one with attempts), one found again."""
    for i, member in enumerate(people):
        flagged_on = today - dt.timedelta(days=[60, 40, 20][i])
        lost_contact.lost_contact_flag(actor=None, member=member, basis="电话停机，站点三个月未见本人", on=flagged_on)
    lost_contact.search_attempt_record(
        actor=None,
        member=people[0],
        method="phone",
        result="原手机号已停机",
        on=today - dt.timedelta(days=50),
    )
    lost_contact.search_attempt_record(
        actor=None,
        member=people[0],
        method="employer",
        result="平台称已离职，留有老家地址",
        on=today - dt.timedelta(days=30),
    )
    lost_contact.search_attempt_record(
        actor=None, member=people[2], method="visit", result="在新站点找到本人", on=today - dt.timedelta(days=5)
    )
    lost_contact.lost_contact_outcome(
        actor=None, member=people[2], outcome="found", note="已恢复联系，更新了手机号", on=today - dt.timedelta(days=5)
    )
    return len(people)


def _leads(orgs: dict) -> int:
    """A member registered in another branch, found by the ID blind index, and three pocket members
    to verify (one picked the home organisation from the tree)."""
    branch = orgs[HOME]
    known = Member.objects.filter(org=orgs.get("YX-DH-FX"), status="normal").order_by("-pk").first()
    if known is None:
        return 0
    finding.lead_submit(
        org=branch,
        name=known.name,
        id_number=crypto.decrypt(known.id_number_enc, ID_CONTEXT),
        mobile="13700001111",
        home_org=known.org_id,
        employer_text="蜂行外卖",
        work_area="东湖商圈",
        consent=True,
    )
    unknown = [
        ("陈思远", "13700002222", "浙江省杭州市上城区湖滨街道党工委", None),
        ("林晓燕", "13700003333", "", orgs.get("YX-DH-KD")),
        ("郭建伟", "13700004444", "河南省信阳市光山县某村党支部", None),
    ]
    for (name, mobile, home_text, home_org), number in zip(unknown, demo_lead_numbers(), strict=True):
        finding.lead_submit(
            org=branch,
            name=name,
            id_number=number,
            mobile=mobile,
            home_org_text=home_text,
            home_org=home_org.pk if home_org else None,
            employer_text="闪送同城",
            work_area="西林片区",
            consent=True,
        )
    return 1 + len(unknown)
