"""The scope matrix: every page and API operation × every role × inside / outside the user's subtree.

Every role is bound at ``street_a``. "in" objects sit under street_a, "out" objects under street_b.
Expected outcomes come from SPEC below (the specification, written out by hand), never from the
code's own registry; a separate test checks that the registry says the same.

Rules checked for each case:
- allowed (role holds the action and the object is in its subtree) → the operation's success status;
- outside the subtree → 404, so a denial never reveals that the object exists;
- inside but the role lacks the action → 403 or 404;
- anonymous → 401 (API) or a redirect to the login page (pages);
- a denied write changes nothing (the checked state and the audit trail stay the same).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from conftest import login, make_user
from dangjian.accounts import services as account_services
from dangjian.accounts.models import RoleAssignment, User
from dangjian.core import scope
from dangjian.core.models import AuditEntry, PolicyValue
from dangjian.members import services as member_services
from dangjian.members.models import Member
from dangjian.orgs import services as org_services
from dangjian.orgs.models import HostEntity, OrgEntityLink, PartyOrganisation

ROLES = [
    "org_admin",
    "secretary",
    "committee_member",
    "member",
    "station_manager",
    "system_admin",
    "security_admin",
    "audit_admin",
]

# The specification: which roles may perform which action (within their subtree).
SPEC: dict[str, set[str]] = {
    "org.view": {
        "org_admin",
        "secretary",
        "committee_member",
        "member",
        "station_manager",
        "system_admin",
        "security_admin",
    },
    "org.create": {"org_admin"},
    "org.change": {"org_admin", "secretary"},
    "org.move": {"org_admin"},
    "entity.view": {"org_admin", "secretary", "committee_member", "station_manager"},
    "entity.create": {"org_admin", "secretary"},
    "entity.change": {"org_admin", "secretary"},
    "coverage.view": {"org_admin", "secretary", "committee_member"},
    "coverage.change": {"org_admin"},
    "user.view": {"system_admin", "security_admin"},
    "user.manage": {"system_admin"},
    "role.view": {"security_admin"},
    "role.manage": {"security_admin"},
    "policy.view": {"system_admin", "security_admin", "org_admin"},
    "policy.change": {"system_admin"},
    "audit.view": {"audit_admin"},
    "member.view": {"org_admin", "secretary", "committee_member"},
    "member.create": {"org_admin", "secretary"},
    "member.change": {"org_admin", "secretary"},
    "member.status": {"org_admin", "secretary"},
    "member.reveal": {"org_admin", "secretary"},
    "member.import": {"org_admin", "secretary"},
    "member.export": {"org_admin", "secretary"},
    "member.code_scan": {"org_admin", "secretary", "committee_member", "station_manager"},
    "transfer.view": {"org_admin", "secretary", "committee_member"},
    "transfer.issue": {"org_admin", "secretary"},
    "transfer.accept": {"org_admin", "secretary"},
    "development.view": {"org_admin", "secretary", "committee_member"},
    "development.manage": {"org_admin", "secretary"},
    "demand.view": {"org_admin", "secretary", "committee_member", "station_manager"},
    "demand.handle": {"org_admin", "secretary", "station_manager"},
    "demand.triage": {"org_admin", "secretary"},
    "demand.rules": {"org_admin"},
    "resource.manage": {"org_admin", "secretary"},
    "station.view": {"org_admin", "secretary", "committee_member", "station_manager"},
    "station.create": {"org_admin", "secretary"},
    "station.change": {"org_admin", "secretary", "station_manager"},
    "report.view": {"org_admin", "secretary", "committee_member", "station_manager"},
    "report.handle": {"org_admin", "secretary"},
    "grid.manage": {"org_admin"},
    "points.redeem": {"org_admin", "secretary", "station_manager"},
    "points.correct": {"org_admin"},
    "council.view": {"org_admin", "secretary", "committee_member"},
    "council.manage": {"org_admin", "secretary"},
    "activity.manage": {"org_admin", "secretary", "station_manager"},
    "assist.act": {"secretary", "station_manager"},
    "dues.view": {"org_admin", "secretary", "committee_member"},
    "dues.manage": {"org_admin", "secretary"},
    "dues.reveal": {"org_admin", "secretary"},
    "dues.approve": {"org_admin"},
    "dues.configure": {"org_admin"},
    "dues.back_pay_exception": {"org_admin"},
    "meeting.view": {"org_admin", "secretary", "committee_member"},
    "meeting.manage": {"org_admin", "secretary"},
    "meeting.checkin": {"org_admin", "secretary", "committee_member"},
    "meeting.leave": {"org_admin", "secretary"},
    "minutes.view": {"org_admin", "secretary", "committee_member"},
    "minutes.write": {"secretary", "committee_member"},
    "compliance.view": {"org_admin", "secretary", "committee_member"},
}


def test_registry_matches_specification(db):
    registered = {name: set(action.roles) for name, action in scope.actions().items()}
    assert registered == SPEC


@dataclass
class World:
    orgs: Any
    entity_in: HostEntity
    entity_out: HostEntity
    user_in: User
    user_out: User
    assignment_in: RoleAssignment
    assignment_out: RoleAssignment
    dest_in: PartyOrganisation
    member_in: Member
    member_out: Member
    actors: dict[str, User] = field(default_factory=dict)
    extra: dict[str, dict[str, Any]] = field(default_factory=dict)  # objects of later apps, by kind
    demand_in: Any = None
    demand_out: Any = None
    station_in: Any = None
    station_out: Any = None
    report_in: Any = None
    report_out: Any = None
    topic_in: Any = None
    topic_out: Any = None

    def side(self, name: str, side: str):
        if name in self.extra:
            return self.extra[name][side]
        return {
            "org": {"in": self.orgs.branch_a, "out": self.orgs.branch_b},
            "street": {"in": self.orgs.street_a, "out": self.orgs.street_b},
            "dest": {"in": self.dest_in, "out": self.orgs.street_b},
            "entity": {"in": self.entity_in, "out": self.entity_out},
            "user": {"in": self.user_in, "out": self.user_out},
            "assignment": {"in": self.assignment_in, "out": self.assignment_out},
            "member": {"in": self.member_in, "out": self.member_out},
            "demand": {"in": self.demand_in, "out": self.demand_out},
            "station": {"in": self.station_in, "out": self.station_out},
            "report": {"in": self.report_in, "out": self.report_out},
            "topic": {"in": self.topic_in, "out": self.topic_out},
        }[name][side]


def _member(org, name, first17):
    from dangjian.core.validators import id_check_character

    number = first17[:17] + id_check_character(first17[:17])
    return member_services.member_register(
        actor=None,
        org=org,
        name=name,
        id_number=number,
        mobile="13800001111" if name == "张三" else "13800002222",
        political_status="full",
        join_date=dt.date(2015, 7, 1),
        full_member_date=dt.date(2016, 7, 1),
    )


def _consent_state(w):
    from dangjian.members.models import Consent

    return sorted(Consent.objects.values_list("member_id", "purpose", "withdrawn_at"))


def _flow_state(w):
    from dangjian.members.models import FlowRecord

    return sorted(FlowRecord.objects.values_list("member_id", "destination"))


def _lost_state(w):
    return list(Member.objects.order_by("pk").values_list("pk", "lost_contact_since"))


def _code_state(w):
    from dangjian.members.models import MemberCode

    return sorted(MemberCode.objects.values_list("member_id", "revoked_at"))


def _member_state(w):
    return list(Member.objects.order_by("pk").values_list("pk", "name", "status", "org_id", "mobile_masked"))


@pytest.fixture
def world(tree):
    def entity(owner, name):
        return org_services.entity_create(
            actor=None, owner_org=owner, name=name, kind="worker_group", industry="food_delivery"
        )

    user_in = make_user("member", tree.branch_a, username="target_in")
    user_out = make_user("member", tree.branch_b, username="target_out")
    w = World(
        orgs=tree,
        entity_in=entity(tree.street_a, "东街道骑手群体"),
        entity_out=entity(tree.street_b, "西街道骑手群体"),
        user_in=user_in,
        user_out=user_out,
        assignment_in=RoleAssignment.objects.get(user=user_in),
        assignment_out=RoleAssignment.objects.get(user=user_out),
        member_in=_member(tree.branch_a, "张三", "110105199001011237"),
        member_out=_member(tree.branch_b, "李四", "110105199202022341"),
        dest_in=org_services.org_create(
            actor=None,
            parent=tree.street_a,
            name="东街道第二党委",
            code="SA2",
            kind="committee",
            category="comprehensive",
        ),
    )
    for role in ROLES:
        w.actors[role] = make_user(role, tree.street_a, username=f"actor_{role}")
    from dangjian.transfers import services as transfer_services

    dues = dt.date(2026, 10, 1)
    w.extra["free_member"] = {  # members with no transfer pending, to issue one for
        "in": _member(tree.branch_a, "赵六", "110105199303031234"),
        "out": _member(tree.branch_b, "钱七", "110105199404041234"),
    }
    w.extra["transfer"] = {
        "in": transfer_services.transfer_issue(
            actor=None, member=w.member_in, target_org=w.dest_in, dues_paid_until=dues
        ),
        "out": transfer_services.transfer_issue(
            actor=None, member=w.member_out, target_org=tree.street_b, dues_paid_until=dues
        ),
    }
    from dangjian.development import services as development_services
    from dangjian.development.models import StepDefinition

    applied = dt.date.today() - dt.timedelta(days=40)
    w.extra["applicant"] = {}
    w.extra["importjob"] = {side: _stopped_import(org) for side, org in (("in", tree.street_a), ("out", tree.street_b))}
    for side, org, name, first17 in (
        ("in", tree.branch_a, "申请甲", "110105199606061234"),
        ("out", tree.branch_b, "申请乙", "110105199707071234"),
    ):
        from dangjian.core.validators import id_check_character

        person = development_services.applicant_register(
            actor=None, org=org, name=name, id_number=first17[:17] + id_check_character(first17[:17])
        )
        development_services.step_record(
            actor=None,
            applicant=person,
            step=StepDefinition.objects.get(template=person.template, code="application"),
            on=applied,
        )
        w.extra["applicant"][side] = person
    _services_world(w)
    _dues(w)
    _volunteering(w)
    _minutes_world(w)
    _meetings(w)
    return w


def _services_world(w: World) -> None:
    from dangjian.demands import services as demand_services
    from dangjian.stations import services as station_services

    def demand(org, text):
        return demand_services.demand_submit(
            actor=w.user_in, intake_org=org, category="wages", description=text, mobile="13900001111"
        )

    def station(org, name):
        return station_services.station_create(
            actor=None, org=org, name=name, kind="rider_station", address="某路", latitude="30.25", longitude="120.16"
        )

    w.demand_in, w.demand_out = demand(w.orgs.branch_a, "东街道工资拖欠"), demand(w.orgs.branch_b, "西街道工资拖欠")
    w.station_in, w.station_out = station(w.orgs.branch_a, "东街小哥驿站"), station(w.orgs.branch_b, "西街小哥驿站")
    from dangjian.reports import services as report_services

    w.report_in = report_services.report_submit(actor=w.user_in, category="other", latitude="30.25", longitude="120.16")
    w.report_out = report_services.report_submit(
        actor=w.user_out, category="other", latitude="30.35", longitude="120.16"
    )
    from dangjian.council import services as council_services

    w.topic_in = council_services.topic_raise(actor=w.user_in, title="东街充电难", description="夜里找不到充电的地方")
    w.topic_out = council_services.topic_raise(actor=w.user_out, title="西街充电难", description="夜里找不到充电的地方")


def _meetings(w):
    """Per side: a published meeting under way ("meeting") and one tomorrow ("future_meeting")."""
    from django.utils import timezone

    from dangjian.meetings import services as meeting_services

    now = timezone.now()
    w.extra["meeting"], w.extra["future_meeting"] = {}, {}
    for side, org, place in (("in", w.orgs.branch_a, "东街会场"), ("out", w.orgs.branch_b, "西街会场")):
        for kind, start in (("meeting", now - dt.timedelta(minutes=5)), ("future_meeting", now + dt.timedelta(days=1))):
            w.extra[kind][side] = meeting_services.meeting_plan(
                actor=None,
                org=org,
                kind="themed_day",
                title=f"{place}主题党日",
                starts_at=start,
                ends_at=start + dt.timedelta(hours=2),
                place=place,
                publish=True,
            )


def _meeting_state(w):
    from dangjian.meetings.models import CheckIn, Decision, Meeting

    return (
        list(Meeting.objects.order_by("pk").values_list("pk", "status", "title", "place")),
        sorted(CheckIn.objects.values_list("meeting_id", "member_id")),
        list(Decision.objects.values_list("pk", "meeting_id")),
    )


def _topic_state(w):
    from dangjian.council.models import Topic

    return list(Topic.objects.order_by("pk").values_list("pk", "status", "decision"))


def _report_state(w):
    from dangjian.reports.models import Report

    return list(Report.objects.order_by("pk").values_list("pk", "status", "resolution"))


def _demand_state(w):
    from dangjian.demands.models import Demand

    return list(Demand.objects.order_by("pk").values_list("pk", "org_id", "status", "first_response_at", "resource_id"))


def _station_state(w):
    from dangjian.stations.models import Station

    return list(Station.objects.order_by("pk").values_list("pk", "name", "phone", "org_id"))


def _dues(w):
    """Both members declared and assessed for this month (unpaid: both are in arrears)."""
    from dangjian.dues import rules, services

    this_month = services.current_month()
    for person in (w.member_in, w.member_out):
        services.declaration_record(
            actor=None, member=person, kind="salaried", base="4000.00", applies_from=rules.add_months(this_month, -1)
        )
    services.assessment_run(actor=None, month=this_month, org=None)


def _volunteering(w):
    """One activity on each side, starting in half an hour."""
    from django.utils import timezone

    from dangjian.volunteering import services

    start = timezone.now() + dt.timedelta(minutes=30)
    w.extra["activity"] = {}
    for side, org, title in (("in", w.orgs.branch_a, "东街路口劝导"), ("out", w.orgs.branch_b, "西街路口劝导")):
        w.extra["activity"][side] = services.activity_publish(
            actor=None,
            org=org,
            title=title,
            description="早高峰劝导骑手不闯红灯",
            category="traffic_safety",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=2),
            place="路口",
            points=5,
        )


def _activity_state(w):
    from dangjian.volunteering.models import Activity

    return list(Activity.objects.order_by("pk").values_list("pk", "status", "cancel_reason"))


def _dues_state(w):
    from dangjian.dues.models import DuesAssessment, DuesDeclaration, DuesPayment

    return (
        sorted(DuesAssessment.objects.values_list("member_id", "month", "amount", "paid")),
        sorted(DuesPayment.objects.values_list("member_id", "amount")),
        DuesDeclaration.objects.count(),
    )


def _notification_state(w):
    from dangjian.notifications.models import Delivery, Notification

    return Notification.objects.count(), Delivery.objects.count()


def _minutes_world(w: World) -> None:
    """A themed party day held in each branch last month, each with minutes started."""
    from dangjian.minutes import services as minutes_services
    from dangjian.minutes.tests.factories import at, meeting

    today = dt.date.today()
    month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=10)
    w.extra["held_meeting"] = {}
    w.extra["minutes"] = {}
    for side, org in (("in", w.orgs.branch_a), ("out", w.orgs.branch_b)):
        held = meeting(org, "themed_day", at(month.year, month.month, month.day), title=f"{org.name}主题党日")
        w.extra["held_meeting"][side] = held
        w.extra["minutes"][side] = minutes_services.minutes_start(actor=None, meeting=held)


def _minutes_state(w):
    from dangjian.minutes.models import Minutes, MinutesCorrection

    return (
        list(Minutes.objects.order_by("pk").values_list("pk", "resolutions", "attendance", "locked_at")),
        MinutesCorrection.objects.count(),
    )


def _next_month() -> str:
    from dangjian.dues import rules, services

    return f"{rules.add_months(services.current_month(), 1):%Y-%m}"


def _stopped_import(org):
    """An import its worker left interrupted (stopped after too many attempts): it may be retried."""
    from dangjian.members import excel
    from dangjian.members.models import ImportJob

    return ImportJob.objects.create(
        org=org, file_name="x.xlsx", content=excel._seal(excel.template()), mode="all", state="stopped", attempts=3
    )


def _import_state(w):
    from dangjian.members.models import ImportJob

    return list(ImportJob.objects.order_by("pk").values_list("state", "attempts"))


@dataclass
class Op:
    """One page or API operation. ``target`` names the object kind whose in/out side varies."""

    name: str
    method: str
    url: str  # formatted with {id}
    action: str
    target: str | None = None  # None: a list / form without an object
    view_action: str | None = None  # the action whose holders may see the object (403 vs 404)
    data: dict | None = None
    api: bool = False
    ok: tuple[int, ...] = (200,)
    state: Any = None  # callable(world) -> snapshot that a denied write must not change
    hides: str | None = None  # list ops: text of the out-object that must not appear

    def path(self, world: World, side: str) -> str:
        if self.target is None:
            return self.url
        return self.url.format(id=world.side(self.target, side).pk)

    def payload(self, world: World, side: str) -> dict:
        data = dict(self.data or {})
        for key, value in data.items():
            if isinstance(value, str) and value.startswith("@"):
                kind, which = value[1:].split(":")
                data[key] = world.side(kind, side if which == "side" else which).pk
        return data


def _org_state(w: World):
    return list(PartyOrganisation.objects.order_by("pk").values_list("pk", "name", "path"))


def _entity_state(w: World):
    return list(HostEntity.objects.order_by("pk").values_list("pk", "name", "owner_org_id"))


def _link_state(w: World):
    return sorted(OrgEntityLink.objects.values_list("org_id", "entity_id"))


def _role_state(w: World):
    return sorted(RoleAssignment.objects.values_list("user_id", "role", "org_id"))


def _user_state(w: World):
    return list(User.objects.order_by("pk").values_list("pk", "username", "display_name", "home_org_id", "is_active"))


def _policy_state(w: World):
    return sorted(PolicyValue.objects.values_list("key", "scope_path", "value"))


def _transfer_state(w: World):
    from dangjian.transfers.models import Transfer

    return list(Transfer.objects.order_by("pk").values_list("pk", "status", "member_id", "valid_until"))


TRANSFER_PAGE_OPS = [
    Op("transfer list", "get", "/transfers/", "transfer.view", hides="李四"),
    Op("transfer detail", "get", "/transfers/{id}/", "transfer.view", "transfer", "transfer.view"),
    Op("transfer letter", "get", "/transfers/{id}/letter.pdf", "transfer.view", "transfer", "transfer.view"),
    Op("transfer issue form", "get", "/transfers/new/{id}", "transfer.issue", "free_member", "member.view"),
    Op(
        "transfer issue",
        "post",
        "/transfers/new/{id}",
        "transfer.issue",
        "free_member",
        "member.view",
        data={"dues_paid_until": "2026-10", "target_name": "外省党支部", "target_address": "外省某路1号"},
        ok=(302,),
        state=_transfer_state,
    ),
    Op(
        "transfer accept",
        "post",
        "/transfers/{id}/accept",
        "transfer.accept",
        "transfer",
        "transfer.view",
        ok=(302,),
        state=_member_state,
    ),
    Op(
        "transfer reject",
        "post",
        "/transfers/{id}/reject",
        "transfer.accept",
        "transfer",
        "transfer.view",
        data={"reason": "人员不符"},
        ok=(302,),
        state=_transfer_state,
    ),
]

TRANSFER_API_OPS = [
    Op("api transfer list", "get", "/api/v1/transfers", "transfer.view", api=True, hides="李四"),
    Op("api transfer todo", "get", "/api/v1/transfers/todo", "transfer.view", api=True, hides="李四"),
    Op("api transfer get", "get", "/api/v1/transfers/{id}", "transfer.view", "transfer", "transfer.view", api=True),
    Op(
        "api transfer issue",
        "post",
        "/api/v1/transfers",
        "transfer.issue",
        "free_member",
        "member.view",
        api=True,
        ok=(201,),
        data={
            "member_id": "@free_member:side",
            "dues_paid_until": "2026-10",
            "target_name": "外省党支部",
            "target_address": "外省某路1号",
        },
        state=_transfer_state,
    ),
    Op(
        "api transfer accept",
        "post",
        "/api/v1/transfers/{id}/accept",
        "transfer.accept",
        "transfer",
        "transfer.view",
        api=True,
        state=_member_state,
    ),
    Op(
        "api transfer reject",
        "post",
        "/api/v1/transfers/{id}/reject",
        "transfer.accept",
        "transfer",
        "transfer.view",
        api=True,
        data={"reason": "人员不符"},
        state=_transfer_state,
    ),
]


def _development_state(w: World):
    from dangjian.development.models import Applicant, StepRecord

    return (
        list(Applicant.objects.order_by("pk").values_list("pk", "name", "stage", "org_id")),
        list(StepRecord.objects.order_by("pk").values_list("pk", "applicant_id", "step_id", "on")),
    )


DEVELOPMENT_PAGE_OPS = [
    Op("development list", "get", "/development/", "development.view", hides="申请乙"),
    Op("development todo", "get", "/development/todo", "development.view", hides="申请乙"),
    Op("development export", "get", "/development/export.xlsx", "development.view"),
    Op("development detail", "get", "/development/{id}/", "development.view", "applicant", "development.view"),
    Op("development notice", "get", "/development/{id}/notice", "development.view", "applicant", "development.view"),
    Op("development create form", "get", "/development/new", "development.manage"),
    Op(
        "development record step",
        "post",
        "/development/{id}/record",
        "development.manage",
        "applicant",
        "development.view",
        data={"step": "talk", "on": str(dt.date.today())},
        ok=(302,),
        state=_development_state,
    ),
]

DEVELOPMENT_API_OPS = [
    Op("api development people", "get", "/api/v1/development/people", "development.view", api=True, hides="申请乙"),
    Op("api development counts", "get", "/api/v1/development/counts", "development.view", api=True),
    Op("api development todo", "get", "/api/v1/development/todo", "development.view", api=True, hides="申请乙"),
    Op(
        "api development get",
        "get",
        "/api/v1/development/people/{id}",
        "development.view",
        "applicant",
        "development.view",
        api=True,
    ),
    Op(
        "api development notice",
        "get",
        "/api/v1/development/people/{id}/notice?start=2026-11-23&end=2026-11-27",
        "development.view",
        "applicant",
        "development.view",
        api=True,
    ),
    Op(
        "api development register",
        "post",
        "/api/v1/development/people",
        "development.manage",
        "org",
        "org.view",
        api=True,
        ok=(201,),
        data={"org_id": "@org:side", "name": "新申请人", "id_number": "110105199808081231"},
        state=_development_state,
    ),
    Op(
        "api development record step",
        "post",
        "/api/v1/development/people/{id}/steps",
        "development.manage",
        "applicant",
        "development.view",
        api=True,
        ok=(201,),
        data={"step": "talk", "on": str(dt.date.today())},
        state=_development_state,
    ),
]

PAGE_OPS = [
    Op("tree page", "get", "/orgs/", "org.view"),
    Op("org detail", "get", "/orgs/{id}/", "org.view", "org", "org.view"),
    Op("org children", "get", "/orgs/{id}/children", "org.view", "street", "org.view"),
    Op("org edit form", "get", "/orgs/{id}/edit", "org.change", "org", "org.view"),
    Op(
        "org edit",
        "post",
        "/orgs/{id}/edit",
        "org.change",
        "org",
        "org.view",
        data={
            "name": "改名党支部",
            "code": "@org:side",
            "kind": "branch",
            "special_type": "standard",
            "category": "new_employment",
            "member_count": 1,
            "full_member_count": 1,
        },
        ok=(302,),
        state=_org_state,
    ),
    Op("org create form", "get", "/orgs/new?parent={id}", "org.create", "street", "org.view"),
    Op(
        "org create",
        "post",
        "/orgs/new?parent={id}",
        "org.create",
        "street",
        "org.view",
        data={
            "name": "新党支部",
            "code": "NEW-1",
            "kind": "branch",
            "special_type": "standard",
            "category": "new_employment",
            "member_count": 0,
            "full_member_count": 0,
        },
        ok=(302,),
        state=_org_state,
    ),
    Op("org move form", "get", "/orgs/{id}/move", "org.move", "org", "org.view"),
    Op(
        "org move",
        "post",
        "/orgs/{id}/move",
        "org.move",
        "org",
        "org.view",
        data={"parent": "@dest:side"},
        ok=(302,),
        state=_org_state,
    ),
    Op("entity list", "get", "/orgs/entities/", "entity.view", hides="西街道骑手群体"),
    Op("entity detail", "get", "/orgs/entities/{id}/", "entity.view", "entity", "entity.view"),
    Op("entity edit form", "get", "/orgs/entities/{id}/edit", "entity.change", "entity", "entity.view"),
    Op(
        "entity edit",
        "post",
        "/orgs/entities/{id}/edit",
        "entity.change",
        "entity",
        "entity.view",
        data={
            "name": "改名群体",
            "kind": "worker_group",
            "industry": "food_delivery",
            "employee_count": 0,
            "member_count": 0,
            "owner_org": "@street:side",
        },
        ok=(302,),
        state=_entity_state,
    ),
    Op("entity create form", "get", "/orgs/entities/new", "entity.create"),
    Op(
        "entity link",
        "post",
        "/orgs/entities/{id}/link",
        "coverage.change",
        "entity",
        "entity.view",
        data={"org": "@org:side"},
        ok=(302,),
        state=_link_state,
    ),
    Op("coverage page", "get", "/orgs/coverage/", "coverage.view"),
    Op("user list", "get", "/accounts/users/", "user.view", hides="target_out"),
    Op("user edit form", "get", "/accounts/users/{id}/", "user.manage", "user", "user.view"),
    Op(
        "user edit",
        "post",
        "/accounts/users/{id}/",
        "user.manage",
        "user",
        "user.view",
        data={"form": "edit", "display_name": "改名", "mobile": "", "is_active": "on", "home_org": "@org:side"},
        ok=(302,),
        state=_user_state,
    ),
    Op("role list", "get", "/accounts/roles/", "role.view", hides="target_out"),
    Op(
        "role revoke",
        "post",
        "/accounts/roles/{id}/revoke",
        "role.manage",
        "assignment",
        "role.view",
        ok=(302,),
        state=_role_state,
    ),
    Op("audit trail", "get", "/audit/", "audit.view"),
    Op("member list", "get", "/members/", "member.view", hides="李四"),
    Op("member search by ID", "get", "/members/?q=110105199202022341", "member.view", hides="李四"),
    Op("member detail", "get", "/members/{id}/", "member.view", "member", "member.view"),
    Op("member edit form", "get", "/members/{id}/edit", "member.change", "member", "member.view"),
    Op(
        "member edit",
        "post",
        "/members/{id}/edit",
        "member.change",
        "member",
        "member.view",
        data={
            "name": "改名",
            "ethnicity": "汉族",
            "employment_form": "rider",
            "political_status": "full",
            "join_date": "2015-07-01",
            "full_member_date": "2016-07-01",
            "org": "@org:side",
        },
        ok=(302,),
        state=_member_state,
    ),
    Op(
        "member status",
        "post",
        "/members/{id}/status",
        "member.status",
        "member",
        "member.view",
        data={"status": "stopped", "reason": "失联超过六个月"},
        ok=(302,),
        state=_member_state,
    ),
    Op(
        "member reveal",
        "post",
        "/members/{id}/",
        "member.reveal",
        "member",
        "member.view",
        data={"field": "mobile", "reason": "联系本人"},
        state=_member_state,
    ),
    Op("member create form", "get", "/members/new", "member.create"),
    Op("member code page", "get", "/members/{id}/code", "member.change", "member", "member.view"),
    Op("member code scan form", "get", "/members/scan", "member.code_scan"),
    Op("member import form", "get", "/members/import/", "member.import"),
    Op("member import job", "get", "/members/import/{id}/", "member.import", "importjob", "member.import"),
    Op(
        "member import retry",
        "post",
        "/members/import/{id}/retry/",
        "member.import",
        "importjob",
        "member.import",
        ok=(302, 400),
        state=_import_state,
    ),
    Op("lost-contact list", "get", "/members/lost-contact/", "member.view", hides="李四"),
    Op("flowing list", "get", "/members/flowing/", "member.view"),
    Op("self-registrations", "get", "/members/registrations/", "member.view"),
    Op("registration code", "get", "/members/join-code", "member.create"),
    Op("flowing outflow form", "get", "/members/{id}/flow", "member.change", "member", "member.view"),
    Op("flowing inflow form", "get", "/members/flowing/in", "member.create"),
    Op("lost-contact case", "get", "/members/{id}/lost-contact", "member.view", "member", "member.view"),
    Op("member export", "get", "/members/export.xlsx", "member.export"),
    Op(
        "member consent add",
        "post",
        "/members/{id}/consents",
        "member.change",
        "member",
        "member.view",
        data={"purpose": "services", "scope_text": "纸质同意书"},
        ok=(302,),
        state=_consent_state,
    ),
    Op("settings", "get", "/settings/policies", "policy.view"),
    Op("demand list", "get", "/demands/", "demand.view", hides="西街道工资拖欠"),
    Op("demand alerts", "get", "/demands/alerts/", "demand.view"),
    Op("demand detail", "get", "/demands/{id}/", "demand.view", "demand", "demand.view"),
    Op(
        "demand reply",
        "post",
        "/demands/{id}/",
        "demand.handle",
        "demand",
        "demand.view",
        data={"form": "reply", "note": "收到，正在处理"},
        ok=(302,),
        state=_demand_state,
    ),
    Op(
        "demand assign",
        "post",
        "/demands/{id}/",
        "demand.triage",
        "demand",
        "demand.view",
        data={"form": "assign", "org": "@org:in"},
        ok=(302,),
        state=_demand_state,
    ),
    Op("triage rules", "get", "/demands/rules/", "demand.rules"),
    Op("resource create form", "get", "/demands/resources/new", "resource.manage"),
    Op("station manage list", "get", "/stations/manage/", "station.view", hides="西街小哥驿站"),
    Op("station create form", "get", "/stations/new", "station.create"),
    Op("station edit form", "get", "/stations/{id}/edit", "station.change", "station", "station.view"),
    Op("report list", "get", "/reports/", "report.view"),
    Op("report detail", "get", "/reports/{id}/", "report.view", "report", "report.view"),
    Op(
        "report close",
        "post",
        "/reports/{id}/",
        "report.handle",
        "report",
        "report.view",
        data={"form": "close", "resolution": "已处理"},
        ok=(302,),
        state=_report_state,
    ),
    Op("points redeem form", "get", "/points/redeem", "points.redeem"),
    Op("assisted use form", "get", "/demands/assist/", "assist.act"),
    Op("council topics", "get", "/council/manage/", "council.view", hides="西街充电难"),
    Op("council topic", "get", "/council/{id}/", "council.view", "topic", "council.view"),
    Op(
        "council decide",
        "post",
        "/council/{id}/",
        "council.manage",
        "topic",
        "council.view",
        data={"form": "decide", "decide-decision": "增设充电柜"},
        ok=(302,),
        state=_topic_state,
    ),
]

DUES_PAY = {"action": "pay", "amount": "40.00", "method": "cash", "receipt_no": "R1", "idempotency_key": "matrix-0001"}
PAGE_OPS += [
    Op("dues ledger", "get", "/dues/", "dues.view"),
    Op("dues ledger of a branch", "get", "/dues/?under={id}", "dues.view", "org", "dues.view"),
    Op("dues ledger export", "get", "/dues/export.xlsx", "dues.view"),
    Op("dues arrears", "get", "/dues/arrears", "dues.view", hides="李四"),
    Op("dues reliefs", "get", "/dues/reliefs", "dues.view"),
    Op("dues member account", "get", "/dues/members/{id}/", "dues.view", "member", "dues.view"),
    Op(
        "dues record payment",
        "post",
        "/dues/members/{id}/",
        "dues.manage",
        "member",
        "dues.view",
        data=DUES_PAY,
        ok=(302,),
        state=_dues_state,
    ),
    Op("dues handover form", "get", "/dues/handover/{id}", "dues.manage", "org", "dues.view"),
    Op("dues rate schedules", "get", "/dues/rates/", "dues.view"),
    Op("dues new rates form", "get", "/dues/rates/new", "dues.configure"),
    Op(
        "dues send reminders",
        "post",
        "/dues/arrears/remind?under={id}",
        "dues.manage",
        "org",
        "dues.view",
        ok=(302,),
        state=_notification_state,
    ),
    Op(
        "dues assess",
        "post",
        "/dues/assess",
        "dues.manage",
        "org",
        "dues.view",
        data={"under": "@org:side", "month": _next_month()},
        ok=(302,),
        state=_dues_state,
    ),
]

API_OPS = [
    Op("api org list", "get", "/api/v1/orgs", "org.view", api=True, hides="快递党支部"),
    Op("api org get", "get", "/api/v1/orgs/{id}", "org.view", "org", "org.view", api=True),
    Op("api org warnings", "get", "/api/v1/orgs/{id}/warnings", "org.view", "org", "org.view", api=True),
    Op(
        "api org create",
        "post",
        "/api/v1/orgs",
        "org.create",
        "street",
        "org.view",
        api=True,
        ok=(201,),
        data={
            "parent_id": "@street:side",
            "name": "新党支部",
            "code": "NEW-API",
            "kind": "branch",
            "category": "new_employment",
        },
        state=_org_state,
    ),
    Op(
        "api org update",
        "patch",
        "/api/v1/orgs/{id}",
        "org.change",
        "org",
        "org.view",
        api=True,
        data={"name": "改名党支部"},
        state=_org_state,
    ),
    Op(
        "api org move",
        "post",
        "/api/v1/orgs/{id}/move",
        "org.move",
        "org",
        "org.view",
        api=True,
        data={"parent_id": "@dest:side"},
        state=_org_state,
    ),
    Op("api entity list", "get", "/api/v1/orgs/entities", "entity.view", api=True, hides="西街道骑手群体"),
    Op("api entity get", "get", "/api/v1/orgs/entities/{id}", "entity.view", "entity", "entity.view", api=True),
    Op(
        "api entity create",
        "post",
        "/api/v1/orgs/entities",
        "entity.create",
        "street",
        "org.view",
        api=True,
        ok=(201,),
        data={"owner_org_id": "@street:side", "name": "新群体", "kind": "worker_group"},
        state=_entity_state,
    ),
    Op(
        "api entity update",
        "patch",
        "/api/v1/orgs/entities/{id}",
        "entity.change",
        "entity",
        "entity.view",
        api=True,
        data={"name": "改名群体"},
        state=_entity_state,
    ),
    Op(
        "api entity link",
        "post",
        "/api/v1/orgs/entities/{id}/links",
        "coverage.change",
        "entity",
        "entity.view",
        api=True,
        ok=(201,),
        data={"org_id": "@org:side"},
        state=_link_state,
    ),
    Op("api coverage", "get", "/api/v1/orgs/coverage", "coverage.view", api=True),
    Op("api user list", "get", "/api/v1/accounts/users", "user.view", api=True, hides="target_out"),
    Op("api user get", "get", "/api/v1/accounts/users/{id}", "user.view", "user", "user.view", api=True),
    Op(
        "api user update",
        "patch",
        "/api/v1/accounts/users/{id}",
        "user.manage",
        "user",
        "user.view",
        api=True,
        data={"display_name": "改名"},
        state=_user_state,
    ),
    Op(
        "api user create",
        "post",
        "/api/v1/accounts/users",
        "user.manage",
        "street",
        "org.view",
        api=True,
        ok=(201,),
        data={"username": "newbie", "password": "Another-Pass-99", "home_org_id": "@street:side"},
        state=_user_state,
    ),
    Op("api role list", "get", "/api/v1/accounts/role-assignments", "role.view", api=True, hides="target_out"),
    Op(
        "api role assign",
        "post",
        "/api/v1/accounts/role-assignments",
        "role.manage",
        "user",
        "user.view",
        api=True,
        ok=(201,),
        data={"user_id": "@user:side", "role": "secretary", "org_id": "@org:side"},
        state=_role_state,
    ),
    Op(
        "api role revoke",
        "delete",
        "/api/v1/accounts/role-assignments/{id}",
        "role.manage",
        "assignment",
        "role.view",
        api=True,
        ok=(204,),
        state=_role_state,
    ),
    Op("api policies", "get", "/api/v1/settings/policies?org_id={id}", "policy.view", "org", "policy.view", api=True),
    Op(
        "api policy set",
        "put",
        "/api/v1/settings/policies/orgs.branch_max_members",
        "policy.change",
        "street",
        "policy.view",
        api=True,
        data={"org_id": "@street:side", "value": 40},
        state=_policy_state,
    ),
    Op("api audit entries", "get", "/api/v1/audit/entries", "audit.view", api=True),
    Op("api member list", "get", "/api/v1/members", "member.view", api=True, hides="李四"),
    Op("api member get", "get", "/api/v1/members/{id}", "member.view", "member", "member.view", api=True),
    Op(
        "api member create",
        "post",
        "/api/v1/members",
        "member.create",
        "org",
        "org.view",
        api=True,
        ok=(201,),
        data={
            "org_id": "@org:side",
            "name": "王五",
            "id_number": "110105199505052345",
            "political_status": "probationary",
            "join_date": "2024-07-01",
        },
        state=_member_state,
    ),
    Op(
        "api member update",
        "patch",
        "/api/v1/members/{id}",
        "member.change",
        "member",
        "member.view",
        api=True,
        data={"work_area": "东湖商圈"},
        state=_member_state,
    ),
    Op(
        "api member status",
        "post",
        "/api/v1/members/{id}/status",
        "member.status",
        "member",
        "member.view",
        api=True,
        data={"status": "stopped", "reason": "失联"},
        state=_member_state,
    ),
    Op(
        "api member reveal",
        "post",
        "/api/v1/members/{id}/reveal",
        "member.reveal",
        "member",
        "member.view",
        api=True,
        data={"field": "id_number", "reason": "核对身份"},
        state=_member_state,
    ),
    Op(
        "api flowing outflow",
        "post",
        "/api/v1/members/{id}/flow",
        "member.change",
        "member",
        "member.view",
        api=True,
        ok=(201,),
        data={"destination": "杭州", "reason": "务工"},
        state=_flow_state,
    ),
    Op(
        "api lost-contact flag",
        "post",
        "/api/v1/members/{id}/lost-contact/flag",
        "member.status",
        "member",
        "member.view",
        api=True,
        ok=(201,),
        data={"basis": "电话停机"},
        state=_lost_state,
    ),
    Op(
        "api member code issue",
        "post",
        "/api/v1/members/{id}/code",
        "member.change",
        "member",
        "member.view",
        api=True,
        ok=(201,),
        state=_code_state,
    ),
    Op("api demand list", "get", "/api/v1/demands", "demand.view", api=True, hides="西街道工资拖欠"),
    Op("api demand alerts", "get", "/api/v1/demands/alerts", "demand.view", api=True),
    Op("api demand get", "get", "/api/v1/demands/{id}", "demand.view", "demand", "demand.view", api=True),
    Op(
        "api demand reply",
        "post",
        "/api/v1/demands/{id}/reply",
        "demand.handle",
        "demand",
        "demand.view",
        api=True,
        data={"note": "收到"},
        state=_demand_state,
    ),
    Op(
        "api demand resolve",
        "post",
        "/api/v1/demands/{id}/resolve",
        "demand.handle",
        "demand",
        "demand.view",
        api=True,
        data={"answer": "已经协调解决"},
        state=_demand_state,
    ),
    Op(
        "api demand assign",
        "post",
        "/api/v1/demands/{id}/assign",
        "demand.triage",
        "demand",
        "demand.view",
        api=True,
        data={"org_id": "@org:in"},
        state=_demand_state,
    ),
    Op("api triage rules", "get", "/api/v1/demands/rules", "demand.rules", api=True),
    Op("api report list", "get", "/api/v1/reports", "report.view", api=True),
    Op("api council topics", "get", "/api/v1/council/topics", "council.view", api=True, hides="西街充电难"),
    Op(
        "api council decide",
        "post",
        "/api/v1/council/topics/{id}/decide",
        "council.manage",
        "topic",
        "council.view",
        api=True,
        data={"text": "增设充电柜"},
        state=_topic_state,
    ),
    Op(
        "api station update",
        "patch",
        "/api/v1/stations/{id}",
        "station.change",
        "station",
        "station.view",
        api=True,
        data={"phone": "0571-1234"},
        state=_station_state,
    ),
    Op("api dues ledger", "get", "/api/v1/dues/ledger", "dues.view", api=True),
    Op("api dues arrears", "get", "/api/v1/dues/arrears", "dues.view", api=True, hides="李四"),
    Op("api dues account", "get", "/api/v1/dues/members/{id}", "dues.view", "member", "dues.view", api=True),
    Op(
        "api dues payment",
        "post",
        "/api/v1/dues/members/{id}/payments",
        "dues.manage",
        "member",
        "dues.view",
        data={k: v for k, v in DUES_PAY.items() if k != "action"},
        api=True,
        ok=(201,),
        state=_dues_state,
    ),
    Op(
        "api dues declaration",
        "post",
        "/api/v1/dues/members/{id}/declarations",
        "dues.manage",
        "member",
        "dues.view",
        data={"kind": "salaried", "base": "5200.00", "applies_from": f"{_next_month()}-01"},
        api=True,
        ok=(201,),
        state=_dues_state,
    ),
    Op(
        "api dues assessment run",
        "post",
        "/api/v1/dues/assessments",
        "dues.manage",
        "org",
        "dues.view",
        data={"org_id": "@org:side", "month": f"{_next_month()}-01"},
        api=True,
        state=_dues_state,
    ),
]


MINUTES_OPS = [
    Op("minutes page", "get", "/minutes/meetings/{id}/", "minutes.view", "held_meeting", "minutes.view"),
    Op("minutes pdf", "get", "/minutes/{id}/record.pdf", "minutes.view", "minutes", "minutes.view"),
    Op("minutes docx", "get", "/minutes/{id}/record.docx", "minutes.view", "minutes", "minutes.view"),
    Op(
        "minutes edit",
        "post",
        "/minutes/{id}/edit",
        "minutes.write",
        "minutes",
        "minutes.view",
        data={"resolutions": "通过"},
        ok=(302,),
        state=_minutes_state,
    ),
    Op(
        "minutes attendance",
        "post",
        "/minutes/{id}/attendance",
        "minutes.write",
        "minutes",
        "minutes.view",
        ok=(302,),
        state=_minutes_state,
    ),
    Op("compliance table", "get", "/compliance/", "compliance.view", hides="快递党支部"),
    Op("compliance table under", "get", "/compliance/?under={id}", "compliance.view", "street", "compliance.view"),
    Op("compliance record book", "get", "/compliance/orgs/{id}/", "compliance.view", "org", "compliance.view"),
    Op("compliance alerts", "get", "/compliance/alerts", "compliance.view", hides="快递党支部"),
    Op(
        "api minutes",
        "get",
        "/api/v1/minutes/meetings/{id}",
        "minutes.view",
        "held_meeting",
        "minutes.view",
        api=True,
    ),
    Op(
        "api minutes update",
        "patch",
        "/api/v1/minutes/{id}",
        "minutes.write",
        "minutes",
        "minutes.view",
        data={"resolutions": "通过"},
        api=True,
        state=_minutes_state,
    ),
    Op(
        "api minutes pdf",
        "get",
        "/api/v1/minutes/{id}/record.pdf",
        "minutes.view",
        "minutes",
        "minutes.view",
        api=True,
    ),
    Op("api compliance table", "get", "/api/v1/compliance/table", "compliance.view", api=True, hides="快递党支部"),
    Op(
        "api compliance book",
        "get",
        "/api/v1/compliance/orgs/{id}",
        "compliance.view",
        "org",
        "compliance.view",
        api=True,
    ),
    Op("api compliance alerts", "get", "/api/v1/compliance/alerts", "compliance.view", api=True, hides="快递党支部"),
]


MEETING_PAGE_OPS = [
    Op("meeting list", "get", "/meetings/?when=", "meeting.view", hides="西街会场"),
    Op("meeting detail", "get", "/meetings/{id}/", "meeting.view", "meeting", "meeting.view"),
    Op("meeting quorum panel", "get", "/meetings/{id}/quorum", "meeting.view", "meeting", "meeting.view"),
    Op("meeting code panel", "get", "/meetings/{id}/code", "meeting.checkin", "meeting", "meeting.view"),
    Op("meeting plan form", "get", "/meetings/new", "meeting.manage"),
    Op("meeting series form", "get", "/meetings/new-series", "meeting.manage"),
    Op("meeting edit form", "get", "/meetings/{id}/edit", "meeting.manage", "future_meeting", "meeting.view"),
    Op("meeting feeds", "get", "/meetings/feeds/", "meeting.view"),
    Op(
        "meeting cancel",
        "post",
        "/meetings/{id}/cancel",
        "meeting.manage",
        "future_meeting",
        "meeting.view",
        data={"reason": "改期"},
        ok=(302,),
        state=_meeting_state,
    ),
    Op(
        "meeting decision",
        "post",
        "/meetings/{id}/decisions",
        "meeting.manage",
        "meeting",
        "meeting.view",
        data={"text": "通过学习计划"},
        ok=(302,),
        state=_meeting_state,
    ),
]

MEETING_API_OPS = [
    Op("api meeting list", "get", "/api/v1/meetings", "meeting.view", api=True, hides="西街会场"),
    Op("api meeting get", "get", "/api/v1/meetings/{id}", "meeting.view", "meeting", "meeting.view", api=True),
    Op(
        "api meeting quorum", "get", "/api/v1/meetings/{id}/quorum", "meeting.view", "meeting", "meeting.view", api=True
    ),
    Op(
        "api meeting attendees",
        "get",
        "/api/v1/meetings/{id}/attendees",
        "meeting.view",
        "meeting",
        "meeting.view",
        api=True,
    ),
    Op(
        "api meeting plan",
        "post",
        "/api/v1/meetings",
        "meeting.manage",
        "org",
        "meeting.view",
        api=True,
        ok=(201,),
        data={
            "org_id": "@org:side",
            "kind": "group",
            "starts_at": "2031-03-15T14:00:00+08:00",
            "ends_at": "2031-03-15T16:00:00+08:00",
            "place": "会议室",
        },
        state=_meeting_state,
    ),
    Op(
        "api meeting cancel",
        "post",
        "/api/v1/meetings/{id}/cancel",
        "meeting.manage",
        "future_meeting",
        "meeting.view",
        api=True,
        data={"reason": "改期"},
        state=_meeting_state,
    ),
    Op(
        "api meeting decision",
        "post",
        "/api/v1/meetings/{id}/decisions",
        "meeting.manage",
        "meeting",
        "meeting.view",
        api=True,
        ok=(201,),
        data={"text": "通过学习计划"},
        state=_meeting_state,
    ),
]


def _request(client: Client, op: Op, world: World, side: str):
    path = op.path(world, side)
    data = op.payload(world, side)
    if op.api:
        if op.method == "get":
            return client.get(path)
        return getattr(client, op.method)(path, data=data, content_type="application/json")
    return getattr(client, op.method)(path, data=data)


def _can_view(role: str, op: Op) -> bool:
    return op.view_action is not None and role in SPEC[op.view_action]


def _check(op: Op, world: World, role: str | None, side: str) -> str | None:
    """Run one case inside a savepoint that is rolled back; returns a failure description or None."""
    client = Client() if role is None else login(world.actors[role])
    with transaction.atomic():
        before = op.state(world) if op.state else None
        audit_before = AuditEntry.objects.count()
        response = _request(client, op, world, side)
        status = response.status_code
        allowed = role is not None and role in SPEC[op.action] and (op.target is None or side == "in")
        problem = None
        if role is None:
            expected = (401,) if op.api else (302,)
            if status not in expected or (not op.api and "/accounts/login/" not in response["Location"]):
                problem = f"anonymous got {status}"
        elif allowed:
            if status not in op.ok:
                problem = f"expected {op.ok}, got {status}: {response.content[:300]!r}"
            elif op.hides and op.hides in response.content.decode():
                problem = f"list shows out-of-scope {op.hides!r}"
        elif op.target is not None and side == "out":
            if status != 404:
                problem = f"outside the subtree must be 404, got {status}"
        elif status not in (403, 404):
            problem = f"expected 403/404, got {status}"
        elif op.target is not None and not _can_view(role, op) and status != 404:
            problem = f"role cannot see the object: expected 404, got {status}"
        if not allowed and op.state is not None:
            if op.state(world) != before:
                problem = (problem or "") + " denied write changed data"
            if AuditEntry.objects.count() != audit_before:
                problem = (problem or "") + " denied write was audited as a change"
        transaction.set_rollback(True)
    return f"{op.name} / {role or 'anonymous'} / {side}: {problem}" if problem else None


VOLUNTEERING_OPS = [
    Op("activities managed", "get", "/volunteering/manage/", "activity.manage", hides="西街路口劝导"),
    Op("activity desk", "get", "/volunteering/manage/{id}/", "activity.manage", "activity"),
    Op(
        "activity cancel",
        "post",
        "/volunteering/manage/{id}/",
        "activity.manage",
        "activity",
        data={"form": "cancel", "cancel-reason": "暴雨预警"},
        ok=(302,),
        state=_activity_state,
    ),
    Op(
        "api activities managed",
        "get",
        "/api/v1/volunteering/managed",
        "activity.manage",
        api=True,
        hides="西街路口劝导",
    ),
    Op(
        "api activity cancel",
        "post",
        "/api/v1/volunteering/activities/{id}/cancel",
        "activity.manage",
        "activity",
        api=True,
        data={"reason": "暴雨预警"},
        state=_activity_state,
    ),
]


@pytest.mark.parametrize(
    "op",
    PAGE_OPS
    + API_OPS
    + TRANSFER_PAGE_OPS
    + TRANSFER_API_OPS
    + DEVELOPMENT_PAGE_OPS
    + DEVELOPMENT_API_OPS
    + VOLUNTEERING_OPS
    + MINUTES_OPS
    + MEETING_PAGE_OPS
    + MEETING_API_OPS,
    ids=lambda op: op.name,
)
def test_scope_matrix(world, op):
    failures = []
    sides = ("in", "out") if op.target else ("in",)
    for role in [None, *ROLES]:
        for side in sides:
            failure = _check(op, world, role, side)
            if failure:
                failures.append(failure)
    assert failures == []


def test_token_scopes_narrow_the_role(world):
    """A token without orgs:write cannot write even for an administrator who could."""
    admin = world.actors["org_admin"]
    _, raw = account_services.token_create(user=admin, name="read only", scopes=["orgs:read"])
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get(f"/api/v1/orgs/{world.orgs.branch_a.pk}").status_code == 200
    response = client.patch(
        f"/api/v1/orgs/{world.orgs.branch_a.pk}", data={"name": "x"}, content_type="application/json"
    )
    assert response.status_code == 404 or response.status_code == 403
    assert PartyOrganisation.objects.get(pk=world.orgs.branch_a.pk).name == "骑手党支部"
