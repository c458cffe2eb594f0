"""Arrears reminders: once per member per month, SMS without an account, the secretary alerted at six."""

import pytest
from django.core.management import call_command

from conftest import make_user
from dangjian.core.models import AuditEntry
from dangjian.dues import reminders, services
from dangjian.members import services as member_services
from dangjian.members.tests.factories import member as make_member
from dangjian.notifications.channels import MemorySmsChannel
from dangjian.notifications.models import Delivery, Notification

from .factories import declared_member, key, month


@pytest.fixture(autouse=True)
def outbox(settings):
    settings.NOTIFICATION_CHANNELS = {"sms": "dangjian.notifications.channels.MemorySmsChannel"}
    MemorySmsChannel.outbox.clear()
    yield MemorySmsChannel.outbox
    MemorySmsChannel.outbox.clear()


@pytest.fixture
def arrears(tree):
    secretary = make_user("secretary", tree.branch_a, username="sec_a")
    far_secretary = make_user("secretary", tree.street_a, username="sec_street")
    account = make_user("member", tree.branch_a, username="late_user")
    late = declared_member(tree.branch_a, "4000.00", name="欠缴", applies_from=month(-6))
    member_services.member_link_account(actor=None, member=late, user=account)
    once = make_member(tree.branch_a, "欠一月", mobile="13912345678")
    services.declaration_record(actor=None, member=once, kind="salaried", base="4000.00", applies_from=month(-6))
    prompt = declared_member(tree.branch_a, "4000.00", name="按时", applies_from=month(-6))
    for offset in range(-6, 1):
        services.assessment_run(actor=None, month=month(offset), org=tree.branch_a)
    for person, amount in ((once, "200.00"), (prompt, "240.00")):
        services.payment_record(
            actor=secretary, member=person, amount=amount, method="cash", receipt_no="R1", idempotency_key=key()
        )
    return secretary, far_secretary, account


def test_remind_and_alert_once_a_month(tree, arrears, outbox, django_capture_on_commit_callbacks):
    secretary, far_secretary, account = arrears
    with django_capture_on_commit_callbacks(execute=True):
        totals = reminders.arrears_remind(actor=None)
    assert totals == {"reminded": 2, "alerted": 1, "orgs": 1}
    mine = Notification.objects.get(recipient=account)
    assert (mine.kind, mine.title, mine.url) == ("dues.reminder", "党费缴纳提醒", "/dues/me/")
    assert mine.body == (
        f"您有 6 个月党费未交，共 240.00 元（最早为 {month(-6):%Y-%m}）。请在“我的党费”中缴纳，或向支部缴纳。"
    )
    alert = Notification.objects.get(recipient=secretary)
    assert alert.title == "欠缴已连续 6 个月未交党费" and alert.kind == "dues.arrears_alert"
    assert not Notification.objects.filter(recipient=far_secretary).exists()
    assert outbox == [
        (
            "13912345678",
            f"党费缴纳提醒：您有 1 个月党费未交，共 40.00 元（最早为 {month(-1):%Y-%m}）。"
            "请在“我的党费”中缴纳，或向支部缴纳。",
        )
    ]
    assert Delivery.objects.get().target_masked == "139****5678"
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.arrears_remind(actor=None) == {"reminded": 0, "alerted": 0, "orgs": 0}
    assert Notification.objects.count() == 2 and len(outbox) == 1
    entry = AuditEntry.objects.get(action="dues.remind")
    assert entry.changes["reminded"] == [None, 2] and entry.changes["alerted"] == [None, 1]


def test_next_month_reminds_again(tree, arrears):
    reminders.arrears_remind(actor=None)
    reminders.arrears_remind(actor=None, today=month(1).replace(day=3))
    assert Notification.objects.filter(recipient=arrears[2], kind="dues.reminder").count() == 2


def test_reminder_threshold_is_a_regional_policy(tree, arrears):
    from dangjian.core.services import policy_set

    policy_set(actor=None, key="dues.reminder_months", org=tree.branch_a, value=2)
    assert reminders.arrears_remind(actor=None) == {"reminded": 1, "alerted": 1, "orgs": 1}
    assert Delivery.objects.count() == 0


def test_secretary_falls_back_to_the_nearest_organisation_above(tree, arrears):
    secretary, far_secretary, _account = arrears
    from dangjian.accounts.models import RoleAssignment

    RoleAssignment.objects.filter(user=secretary).delete()
    reminders.arrears_remind(actor=None)
    assert Notification.objects.get(recipient=far_secretary).kind == "dues.arrears_alert"


def test_button_on_the_arrears_page(tree, arrears, login_as):
    secretary = arrears[0]
    client = login_as(secretary)
    page = client.get("/dues/arrears").content.decode()
    assert "立即发送提醒" in page
    response = client.post("/dues/arrears/remind", follow=True)
    text = response.content.decode()
    assert "已向 2 名党员发送提醒" in text and "1 名" in text
    again = client.post("/dues/arrears/remind", follow=True).content.decode()
    assert "本月已提醒过" in again
    assert AuditEntry.objects.filter(action="dues.remind", actor_id=secretary.pk).count() == 1
    committee = make_user("committee_member", tree.branch_a)
    assert login_as(committee).post("/dues/arrears/remind").status_code in (403, 404)
    other = make_user("secretary", tree.branch_b)
    assert login_as(other).post(f"/dues/arrears/remind?under={tree.branch_a.pk}").status_code == 404


def test_command(tree, arrears, capsys):
    call_command("dues_remind", "--org", "BA")
    assert "reminded 2 members, alerted secretaries about 1 members in 1 organisations" in capsys.readouterr().out
