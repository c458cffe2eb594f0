"""Demand services: SMS verification, triage rules, SLA in working days, answers, rating, reopening,
escalation, resources; every write audited; refusals write nothing."""

import datetime as dt

import pytest
from django.utils import timezone

from conftest import make_user
from dangjian.core import crypto
from dangjian.core.errors import ConflictError, DomainError, NotFoundError, ScopeDenied
from dangjian.core.models import AuditEntry, PolicyValue
from dangjian.demands import services
from dangjian.demands.choices import DemandStatus
from dangjian.demands.models import MOBILE_CONTEXT, CalendarDay, Demand, MobileVerification
from dangjian.demands.tests.factories import demand, last_code, send_code
from dangjian.demands.workdays import add_working_days

FRIDAY = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)


def test_working_days_skip_weekends_and_holidays_and_count_makeup_days(db):
    friday = dt.date(2026, 11, 20)
    assert add_working_days(friday, 1) == dt.date(2026, 11, 23)  # Monday
    assert add_working_days(friday, 2) == dt.date(2026, 11, 24)
    assert add_working_days(friday, 10) == dt.date(2026, 12, 4)
    services.calendar_day_set(actor=None, date=dt.date(2026, 11, 23), is_workday=False, name="假日")
    services.calendar_day_set(actor=None, date=dt.date(2026, 11, 22), is_workday=True, name="调休")
    assert add_working_days(friday, 1) == dt.date(2026, 11, 22)  # the Sunday is worked
    assert add_working_days(friday, 2) == dt.date(2026, 11, 24)  # the Monday is a holiday
    assert CalendarDay.objects.count() == 2


def test_submit_with_verified_mobile_gets_tracking_code_and_sla(tree, _sms_outbox):
    d = demand(tree.branch_a, now=FRIDAY, area="东街道", contact_name="王师傅")
    assert len(d.tracking_code) == 12 and set(d.tracking_code) <= set(services.TRACKING_ALPHABET)
    assert d.status == DemandStatus.NEW and d.org == tree.branch_a and d.submitter is None
    assert d.first_response_due == dt.date(2026, 11, 24) and d.resolution_due == dt.date(2026, 12, 4)
    assert d.mobile_masked == "139****5678" and "13912345678" not in d.mobile_enc
    assert crypto.decrypt(d.mobile_enc, MOBILE_CONTEXT) == "13912345678"
    assert _sms_outbox[0][0] == "13912345678"
    entry = AuditEntry.objects.get(action="demand.submit")
    assert entry.changes["channel"] == "sms_verified_mobile" and entry.changes["mobile_masked"] == "139****5678"
    assert "13912345678" not in str(entry.changes)
    assert list(d.events.values_list("kind", flat=True)) == ["submitted"]


def test_sla_follows_regional_policy(tree):
    PolicyValue.objects.create(key="demands.sla.wages.response_days", scope_path=tree.street_a.path, value=1)
    d = demand(tree.branch_a, now=FRIDAY)
    assert d.first_response_due == dt.date(2026, 11, 23)
    other = demand(tree.branch_b, now=FRIDAY, mobile="13912345679")
    assert other.first_response_due == dt.date(2026, 11, 24)


def test_code_is_single_use_and_wrong_tries_are_counted(tree):
    send_code("13912345678")
    code = last_code()
    args = {"actor": None, "intake_org": tree.branch_a, "category": "legal", "description": "需要法律援助咨询"}
    with pytest.raises(DomainError) as exc:
        services.demand_submit(mobile="13912345678", code="000000" if code != "000000" else "111111", **args)
    assert exc.value.code == "invalid_code" and exc.value.fields == {"code": ["验证码错误或已过期。"]}
    assert MobileVerification.objects.get().attempts == 1
    services.demand_submit(mobile="13912345678", code=code, **args)
    with pytest.raises(DomainError):
        services.demand_submit(mobile="13912345678", code=code, **args)
    assert Demand.objects.count() == 1


def test_five_wrong_tries_void_the_code(tree):
    send_code("13912345678")
    code = last_code()
    wrong = "123456" if code != "123456" else "654321"
    args = {"actor": None, "intake_org": tree.branch_a, "category": "legal", "description": "需要法律援助咨询"}
    for _ in range(5):
        with pytest.raises(DomainError):
            services.demand_submit(mobile="13912345678", code=wrong, **args)
    with pytest.raises(DomainError):
        services.demand_submit(mobile="13912345678", code=code, **args)
    assert Demand.objects.count() == 0


def test_code_rate_limits(db):
    now = timezone.now()
    services.sms_code_send(mobile="13912345678", now=now)
    with pytest.raises(ConflictError) as exc:
        services.sms_code_send(mobile="13912345678", now=now + dt.timedelta(seconds=30))
    assert exc.value.code == "code_sent_recently"
    for minutes in range(1, 5):
        services.sms_code_send(mobile="13912345678", now=now + dt.timedelta(minutes=minutes))
    with pytest.raises(ConflictError) as exc:
        services.sms_code_send(mobile="13912345678", now=now + dt.timedelta(minutes=10))
    assert exc.value.code == "too_many_codes"
    services.sms_code_send(mobile="13912345678", now=now + dt.timedelta(days=1, minutes=5))
    with pytest.raises(DomainError) as exc:
        services.sms_code_send(mobile="12345")
    assert exc.value.fields.keys() == {"mobile"}


def test_logged_in_worker_needs_no_code(tree):
    worker = make_user(username="rider1", home_org=tree.branch_a)
    d = services.demand_submit(
        actor=worker, intake_org=tree.branch_a, category="rest", description="附近没有歇脚的地方"
    )
    assert d.submitter == worker and d.mobile_masked == ""
    assert AuditEntry.objects.get(action="demand.submit").changes["channel"] == "account"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"category": "bogus"}, "category"),
        ({"description": "短"}, "description"),
        ({"latitude": "10.0", "longitude": "120.0"}, "latitude"),
        ({"latitude": "30.0"}, "latitude"),
        ({"mobile": "1234"}, "mobile"),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(tree, kwargs, field):
    args = {
        "actor": None,
        "intake_org": tree.branch_a,
        "category": "wages",
        "description": "工资被拖欠",
        "mobile": "13912345678",
    }
    args.update(kwargs)
    audit_before = AuditEntry.objects.count()
    with pytest.raises(DomainError) as exc:
        services.demand_submit(**args)
    assert field in exc.value.fields
    assert Demand.objects.count() == 0 and AuditEntry.objects.count() == audit_before


def test_outside_the_configured_district(tree, settings):
    settings.DANGJIAN_SERVICE_AREA = (30.0, 120.0, 30.5, 120.5)
    with pytest.raises(DomainError) as exc:
        demand(tree.branch_a, latitude="31.2", longitude="121.4")
    assert exc.value.code == "outside_service_area"
    d = demand(tree.branch_a, latitude="30.25", longitude="120.16", mobile="13912345670")
    assert str(d.latitude) == "30.250000"


def test_triage_rules_most_specific_wins(tree):
    admin = make_user("org_admin", tree.root)
    services.triage_rule_create(actor=admin, org=tree.root, assignee=tree.street_a)
    services.triage_rule_create(
        actor=admin, org=tree.street_a, category="wages", assignee=tree.branch_a, department="人社局"
    )
    services.triage_rule_create(actor=admin, org=tree.street_a, category="wages", area="东门", assignee=tree.group_a)
    assert demand(tree.branch_a, area="东门路口").org == tree.group_a
    d = demand(tree.branch_a, area="西门", mobile="13912345671")
    assert (d.org, d.department, d.status) == (tree.branch_a, "人社局", DemandStatus.ASSIGNED)
    assert demand(tree.branch_a, category="housing", mobile="13912345672").org == tree.street_a
    with pytest.raises(ConflictError):
        services.triage_rule_create(actor=admin, org=tree.root, assignee=tree.street_b)


def test_rule_outside_scope_is_refused(tree):
    admin = make_user("org_admin", tree.street_a)
    with pytest.raises(NotFoundError):
        services.triage_rule_create(actor=admin, org=tree.street_b, assignee=tree.branch_b)
    with pytest.raises(ScopeDenied):
        services.triage_rule_create(actor=admin, org=tree.street_a, assignee=tree.branch_b)


def test_handling_cycle_reply_answer_rate_reopen(tree):
    secretary = make_user("secretary", tree.street_a)
    d = demand(tree.branch_a, now=FRIDAY)
    d = services.demand_assign(actor=secretary, demand=d, org=tree.group_a, department="司法所")
    assert (d.org, d.status) == (tree.group_a, DemandStatus.ASSIGNED)
    d = services.demand_reply(actor=secretary, demand=d, note="已联系站点，正在核实")
    assert d.status == DemandStatus.IN_PROGRESS and d.first_response_at is not None
    d = services.demand_resolve(actor=secretary, demand=d, answer="已协调平台补发工资")
    assert d.status == DemandStatus.ANSWERED
    with pytest.raises(DomainError):
        services.demand_rate(demand=d, rating=6)
    d = services.demand_reopen(demand=d, reason="只补发了一半工资")
    assert (d.status, d.reopen_count, d.resolved_at) == (DemandStatus.IN_PROGRESS, 1, None)
    d = services.demand_resolve(actor=secretary, demand=d, answer="剩余工资已全部补发")
    d = services.demand_rate(demand=d, rating=5, comment="谢谢")
    assert (d.status, d.rating) == (DemandStatus.CLOSED, 5)
    with pytest.raises(ConflictError):
        services.demand_rate(demand=d, rating=4)
    assert list(d.events.values_list("kind", flat=True)) == [
        "submitted",
        "assigned",
        "reply",
        "resolved",
        "reopened",
        "resolved",
        "rated",
    ]
    actions = list(
        AuditEntry.objects.filter(action__startswith="demand.").order_by("id").values_list("action", flat=True)
    )
    assert actions == [
        "demand.submit",
        "demand.assign",
        "demand.reply",
        "demand.resolve",
        "demand.reopen",
        "demand.resolve",
        "demand.rate",
    ]


def test_reopen_limit(tree):
    secretary = make_user("secretary", tree.street_a)
    d = demand(tree.branch_a)
    for _ in range(2):
        d = services.demand_resolve(actor=secretary, demand=d, answer="已经处理完毕")
        d = services.demand_reopen(demand=d, reason="问题没有解决")
    d = services.demand_resolve(actor=secretary, demand=d, answer="已经处理完毕")
    with pytest.raises(ConflictError) as exc:
        services.demand_reopen(demand=d, reason="问题没有解决")
    assert exc.value.code == "too_many_reopens"


def test_scope_of_handling(tree):
    committee = make_user("committee_member", tree.street_a)
    outsider = make_user("secretary", tree.street_b)
    d = demand(tree.branch_a)
    with pytest.raises(ScopeDenied):
        services.demand_reply(actor=committee, demand=d, note="看看")
    with pytest.raises(NotFoundError):
        services.demand_reply(actor=outsider, demand=d, note="看看")
    secretary = make_user("secretary", tree.street_a)
    with pytest.raises(ScopeDenied):
        services.demand_assign(actor=secretary, demand=d, org=tree.branch_b)
    assert Demand.objects.get().org == tree.branch_a
    assert not AuditEntry.objects.filter(action__startswith="demand.").exclude(action="demand.submit").exists()


def test_escalation_of_overdue_demands(tree):
    secretary = make_user("secretary", tree.street_a)
    late = demand(tree.branch_a, now=FRIDAY)
    answered = demand(tree.branch_a, now=FRIDAY, mobile="13912345671")
    services.demand_resolve(actor=secretary, demand=answered, answer="已经处理完毕")
    replied = demand(tree.branch_a, now=FRIDAY, mobile="13912345672")
    services.demand_reply(actor=secretary, demand=replied, note="正在处理")
    # Tuesday 24th is the first-response day: not overdue yet.
    assert services.demands_escalate_overdue(now=dt.datetime(2026, 11, 24, 9, tzinfo=dt.UTC)) == 0
    assert services.demands_escalate_overdue(now=dt.datetime(2026, 11, 25, 9, tzinfo=dt.UTC)) == 1
    late.refresh_from_db()
    assert late.escalated_to == tree.street_a and late.escalated_at is not None
    # Once escalated, not again; the replied one only when its resolution clock runs out (4 Dec).
    assert services.demands_escalate_overdue(now=dt.datetime(2026, 12, 4, 9, tzinfo=dt.UTC)) == 0
    assert services.demands_escalate_overdue(now=dt.datetime(2026, 12, 5, 9, tzinfo=dt.UTC)) == 1
    assert AuditEntry.objects.filter(action="demand.escalate", actor_label="system").count() == 2


def test_resources_and_matching(tree):
    secretary = make_user("secretary", tree.street_a)
    clinic = services.resource_create(
        actor=secretary, org=tree.street_a, title="法律门诊", category="legal", provider="区司法局", area="东街道"
    )
    d = demand(tree.branch_a, category="legal", description="被扣押金，需要法律咨询")
    d = services.demand_match(actor=secretary, demand=d, resource=clinic)
    assert d.resource == clinic
    services.resource_update(actor=secretary, resource=clinic, active=False)
    with pytest.raises(DomainError):
        services.demand_match(actor=secretary, demand=d, resource=clinic)
    with pytest.raises(DomainError) as exc:
        services.resource_create(
            actor=secretary,
            org=tree.street_a,
            title="体检",
            category="health",
            provider="医院",
            starts_on=dt.date(2026, 5, 2),
            ends_on=dt.date(2026, 5, 1),
        )
    assert exc.value.fields.keys() == {"ends_on"}
    with pytest.raises(NotFoundError):
        services.resource_create(actor=secretary, org=tree.street_b, title="体检", category="health", provider="医院")
