"""The pipeline's rules as data: gating, time windows, durations, people, effects on the member."""

import datetime as dt

import pytest
from django.utils import timezone

from dangjian.core.errors import ConflictError, DomainError
from dangjian.core.models import AuditEntry
from dangjian.development import services
from dangjian.development.models import Applicant, PipelineTemplate, StepDefinition, StepRecord
from dangjian.development.rules import add_months
from dangjian.members.models import Member
from dangjian.members.tests.factories import id_number, member

from .factories import applicant, record, step
from .walk import schedule, walk

TODAY = timezone.localdate


def start_ago(years=3):
    return add_months(TODAY(), -12 * years)


def test_default_template_is_data(db):
    template = PipelineTemplate.objects.get(org__isnull=True)
    steps = list(template.steps.order_by("order"))
    assert len(steps) == 21 and steps[0].code == "application" and steps[-1].code == "full_approval"
    talk = template.steps.get(code="talk")
    assert talk.due_months == 1 and list(talk.depends_on.values_list("code", flat=True)) == ["application"]
    approval = template.steps.get(code="admission_approval")
    assert (approval.anchor.code, approval.due_months, approval.latest_months, approval.effect) == (
        "admission_meeting",
        3,
        6,
        "admit",
    )


def test_full_walk_makes_a_probationary_then_full_member(tree, people):
    person = applicant(tree.branch_a, actor=people.sec)
    assert person.id_number_masked.count("*") == 8 and person.stage == "applicant"
    dates = walk(person, people, start_ago(), until="admission_approval", actor=people.sec)
    person.refresh_from_db()
    assert person.stage == "probationary" and person.current_step.code == "admission_approval"
    created = Member.objects.get(pk=person.member_id)
    assert (created.name, created.political_status, created.join_date, created.org_id) == (
        "李明",
        "probationary",
        dates["admission_meeting"],
        tree.branch_a.pk,
    )
    assert created.id_number_masked == person.id_number_masked
    walk_rest = [
        item
        for item in schedule(start_ago())
        if item[0] in ("oath", "full_application", "full_meeting", "full_approval")
    ]
    for code, on, extra in walk_rest:
        record(person, code, on, actor=people.sec, **extra)
    person.refresh_from_db()
    created.refresh_from_db()
    assert person.status == "full" and person.stage == "full"
    assert created.political_status == "full"
    assert created.full_member_date == add_months(dates["admission_meeting"], 12)
    steps = AuditEntry.objects.filter(action="development.step", object_id=str(person.pk)).count()
    assert steps == 20
    assert AuditEntry.objects.filter(action="member.register").count() == 4  # 3 fixture members + admission


def test_gating_and_dates(tree, people):
    person = applicant(tree.branch_a)
    with pytest.raises(DomainError) as exc:
        record(person, "talk", TODAY())
    assert exc.value.code == "step_gated" and "递交入党申请书" in exc.value.message
    record(person, "application", TODAY() - dt.timedelta(days=5))
    with pytest.raises(DomainError) as exc:
        record(person, "talk", TODAY() - dt.timedelta(days=6))
    assert exc.value.code == "step_gated" and exc.value.fields == {"on": [exc.value.message]}
    with pytest.raises(DomainError):
        record(person, "talk", TODAY() + dt.timedelta(days=1))
    record(person, "talk", TODAY())
    with pytest.raises(ConflictError) as exc:
        record(person, "talk", TODAY())
    assert exc.value.code == "already_recorded"
    assert StepRecord.objects.filter(applicant=person).count() == 2


def test_candidate_only_after_a_year_as_activist(tree, people):
    person = applicant(tree.branch_a)
    start = start_ago(2)
    walk(person, people, start, until="assessment")
    activist = add_months(start, 1)
    with pytest.raises(DomainError) as exc:
        record(person, "candidate", add_months(activist, 12) - dt.timedelta(days=1))
    assert exc.value.code == "too_early"
    record(person, "candidate", add_months(activist, 12))
    person.refresh_from_db()
    assert person.stage == "candidate"


def test_people_rules(tree, people):
    person = applicant(tree.branch_a)
    walk(person, people, start_ago(2), until="activist")
    on = add_months(start_ago(2), 1)
    with pytest.raises(DomainError) as exc:
        record(person, "mentors", on, people=[])
    assert "people" in exc.value.fields
    third = member(tree.branch_a, "孙第三")
    with pytest.raises(DomainError):
        record(person, "mentors", on, people=[people.mentor, people.sponsor, third])
    with pytest.raises(DomainError) as exc:
        record(person, "mentors", on, people=[people.probationary])
    assert "钱预备" in exc.value.message
    record(person, "mentors", on, people=[people.mentor, people.sponsor])


def test_training_and_notice_durations(tree, people):
    person = applicant(tree.branch_a)
    start = start_ago(2)
    walk(person, people, start, until="review")
    t = add_months(start, 14)
    with pytest.raises(DomainError) as exc:
        record(person, "training", t, end_on=t + dt.timedelta(days=1), hours=16)
    assert exc.value.code == "too_short"
    record(person, "training", t, end_on=t + dt.timedelta(days=1), hours=24)  # 2 days but 24 class hours
    record(person, "branch_review", add_months(start, 15))
    record(person, "pre_review", add_months(start, 15))
    monday = add_months(start, 15)
    while monday.weekday() != 0:
        monday += dt.timedelta(days=1)
    with pytest.raises(DomainError) as exc:
        record(person, "notice", monday, end_on=monday + dt.timedelta(days=3))  # Mon–Thu: 4 working days
    assert exc.value.code == "too_short"
    with pytest.raises(DomainError) as exc:
        record(person, "notice", monday)
    assert "end_on" in exc.value.fields
    record(person, "notice", monday, end_on=monday + dt.timedelta(days=4))


def test_approval_window_and_stale_review(tree, people):
    person = applicant(tree.branch_a)
    start = start_ago(3)
    dates = walk(person, people, start, until="approval_talk")
    with pytest.raises(DomainError) as exc:
        record(person, "admission_approval", add_months(dates["admission_meeting"], 6) + dt.timedelta(days=1))
    assert exc.value.code == "too_late"
    assert Member.objects.filter(name="李明").count() == 0
    # A political review older than a year cannot support the admission meeting.
    other = applicant(tree.branch_a, "周强")
    walk(other, people, start, until="volunteer_form")
    with pytest.raises(DomainError) as exc:
        record(other, "admission_meeting", add_months(start, 13) + dt.timedelta(days=2 + 366))
    assert exc.value.code == "step_stale"


def test_minimum_age(tree):
    young = services.applicant_register(
        actor=None,
        org=tree.branch_a,
        name="小王",
        id_number=id_number(add_months(TODAY(), -12 * 18) + dt.timedelta(days=3)),
    )
    with pytest.raises(DomainError) as exc:
        record(young, "application", TODAY())
    assert "18" in exc.value.message
    assert not StepRecord.objects.filter(applicant=young).exists()


def test_extension_once_then_full(tree, people):
    person = applicant(tree.branch_a)
    start = start_ago(4)
    dates = walk(person, people, start, until="full_meeting")
    decided = add_months(dates["admission_meeting"], 12) + dt.timedelta(days=2)
    with pytest.raises(DomainError) as exc:
        record(person, "full_approval", decided, outcome="extended", extension_months=5)
    assert "extension_months" in exc.value.fields
    record(person, "full_approval", decided, outcome="extended", extension_months=6)
    person.refresh_from_db()
    assert person.extension_months == 6 and person.status == "active"
    end = add_months(dates["admission_meeting"], 18)
    with pytest.raises(DomainError) as exc:
        record(person, "full_approval", end - dt.timedelta(days=1), outcome="on_time")
    assert exc.value.code == "too_early"
    with pytest.raises(ConflictError) as exc:
        record(person, "full_approval", end, outcome="extended", extension_months=6)
    assert exc.value.code == "extended_once"
    record(person, "full_approval", end, outcome="on_time")
    person.refresh_from_db()
    assert person.status == "full" and person.member.full_member_date == end


def test_cancelled_qualification(tree, people):
    person = applicant(tree.branch_a)
    dates = walk(person, people, start_ago(3), until="full_meeting")
    record(
        person, "full_approval", add_months(dates["admission_meeting"], 12) + dt.timedelta(days=3), outcome="cancelled"
    )
    person.refresh_from_db()
    assert person.status == "cancelled" and person.member.status == "removed"
    with pytest.raises(ConflictError):
        record(person, "full_approval", TODAY(), outcome="on_time")


def test_register_refusals(tree, people):
    number = id_number(dt.date(1996, 1, 2))
    services.applicant_register(actor=None, org=tree.branch_a, name="甲", id_number=number)
    with pytest.raises(ConflictError) as exc:
        services.applicant_register(actor=None, org=tree.branch_b, name="甲", id_number=number.lower())
    assert exc.value.code == "duplicate_id_number"
    with pytest.raises(ConflictError) as exc:
        services.applicant_register(actor=None, org=tree.branch_a, name="乙", id_number=_member_number(tree))
    assert exc.value.code == "already_member"
    with pytest.raises(DomainError) as exc:
        services.applicant_register(actor=None, org=tree.group_a, name="丙", id_number=id_number())
    assert "org" in exc.value.fields
    with pytest.raises(DomainError) as exc:
        services.applicant_register(actor=None, org=tree.branch_a, name="丁", id_number="123")
    assert exc.value.code == "invalid_id_number"
    with pytest.raises(DomainError) as exc:
        services.applicant_register(actor=people.sec_b, org=tree.branch_a, name="戊", id_number=id_number())
    assert exc.value.status == 404
    with pytest.raises(DomainError) as exc:
        services.applicant_register(actor=people.cm, org=tree.branch_a, name="戊", id_number=id_number())
    assert exc.value.status == 403  # a committee member sees the pipeline but may not record in it


def _member_number(tree):
    number = id_number(dt.date(1980, 2, 2))
    member(tree.branch_a, "已入党", id_number=number)
    return number


def test_regional_template_applies_below_its_region(tree):
    regional = PipelineTemplate.objects.create(name="东街道流程", org=tree.street_a)
    StepDefinition.objects.create(template=regional, code="application", name="递交申请", stage="applicant", order=1)
    assert services.template_for(tree.branch_a) == regional
    assert services.template_for(tree.branch_b).org is None
    person = applicant(tree.branch_a)
    assert person.template == regional and step(person, "application").name == "递交申请"


def test_applicant_id_number_is_encrypted(tree):
    number = id_number(dt.date(1997, 7, 7))
    person = services.applicant_register(actor=None, org=tree.branch_a, name="甲", id_number=number)
    row = Applicant.objects.filter(pk=person.pk).values("id_number_enc", "id_number_bidx").get()
    assert number not in row["id_number_enc"] and number not in row["id_number_bidx"]
    from dangjian.core import crypto

    assert crypto.decrypt(row["id_number_enc"], "development.applicant.id_number") == number


def test_demo_pipeline(tree, people):
    from dangjian.development import selectors
    from dangjian.development.demo import seed_pipeline

    assert seed_pipeline(tree.branch_a, TODAY()) == 5
    assert seed_pipeline(tree.branch_a, TODAY()) == 0  # idempotent
    stages = dict(Applicant.objects.values_list("name", "stage"))
    assert stages == {
        "周晓东": "applicant",
        "吴佳怡": "applicant",
        "郑浩然": "activist",
        "王丽娜": "candidate",
        "陈思远": "candidate",
    }
    due = {(i.applicant.name, i.step.code, i.overdue) for i in selectors.todo(people.sec)}
    assert {
        ("周晓东", "talk", True),
        ("吴佳怡", "talk", False),
        ("郑浩然", "assessment", True),
        ("陈思远", "admission_approval", True),
    } <= due
