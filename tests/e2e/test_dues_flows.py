"""Party dues as a branch secretary and a member meet them, on a phone and a desktop: the ledger,
arrears and reminders, recording a payment, and the member paying online through the sandbox."""

import pytest

from dangjian.accounts.models import User
from dangjian.dues import rules, services
from dangjian.dues.models import DuesPayment
from dangjian.members.models import Member
from dangjian.notifications.models import Notification

VIEWPORTS = ["phone", "desktop"]
BRANCH = "YX-KDWL-FX"


@pytest.fixture
def dues(demo):
    """Four members of the secretary's branch, 马小军 (the demo member account) among them, declared
    at 4000 yuan and assessed for the last seven months and this one, nothing paid yet."""
    from importlib import import_module

    from django.apps import apps

    from dangjian.dues.models import RateSchedule

    if not RateSchedule.objects.filter(scope_path="").exists():  # a flush between browser tests removes them
        import_module("dangjian.dues.migrations.0002_national_rules_2008").load(apps, None)
    this_month = services.current_month()
    branch_members = list(Member.objects.filter(org__code=BRANCH).exclude(user__isnull=False).order_by("pk")[:3])
    own = Member.objects.get(user__username="member")
    for person in [own, *branch_members]:
        services.declaration_record(
            actor=None, member=person, kind="salaried", base="4000.00", applies_from=rules.add_months(this_month, -7)
        )
    for offset in range(-7, 1):
        services.assessment_run(actor=None, month=rules.add_months(this_month, offset), org=own.org)
    return own, branch_members


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_secretary_reminds_and_records_a_payment(dues, session_for, viewport):
    own, others = dues
    s = session_for(viewport, "secretary-dues")
    s.login("secretary")
    s.goto("/dues/")
    s.shot("ledger")
    s.goto("/dues/arrears")
    assert own.name in s.page.content() and "连续6个月未交" in s.page.content()
    s.shot("arrears")
    s.page.click("button:has-text('立即发送提醒')")
    s.page.wait_for_load_state()
    assert "已向 4 名党员发送提醒" in s.page.content()
    s.shot("reminded")
    s.page.click("button:has-text('立即发送提醒')")
    s.page.wait_for_load_state()
    assert "本月已提醒过" in s.page.content()
    assert Notification.objects.filter(recipient__username="member", kind="dues.reminder").count() == 1
    s.goto("/notifications/")
    assert f"{own.name}已连续 7 个月未交党费" in s.page.content()
    s.shot("inbox")
    person = others[0]
    s.goto(f"/dues/members/{person.pk}/")
    pay_form = s.page.locator("form:has(input[name=action][value=pay])")
    pay_form.locator("input[name=amount]").fill("400.00")
    pay_form.locator("input[name=receipt_no]").fill("SJ-0001")
    pay_form.locator("button[type=submit]").click()
    s.page.wait_for_load_state()
    assert "补交期限" in s.page.content()  # month -7 is beyond the six-month window
    s.shot("payment-beyond-window")
    pay_form = s.page.locator("form:has(input[name=action][value=pay])")
    pay_form.locator("input[name=amount]").fill("280.00")
    pay_form.locator("input[name=receipt_no]").fill("SJ-0001")
    pay_form.locator("button[type=submit]").click()
    s.page.wait_for_load_state()
    payment = DuesPayment.objects.get(member=person)
    assert payment.amount == 280 and payment.receipt_no == "SJ-0001"
    s.shot("payment-recorded")
    s.goto("/dues/rates/")
    s.shot("rates")


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_member_sees_the_reminder_and_pays_online(dues, session_for, viewport):
    from dangjian.dues import reminders

    own, _others = dues
    # the demo member already has meeting notices; the reminder adds exactly one unread notice
    earlier = Notification.objects.filter(recipient__username="member", read_at__isnull=True).count()
    reminders.arrears_remind(actor=None)
    s = session_for(viewport, "member-dues")
    s.login("member")
    bell = s.page.locator("a.nav-bell")
    assert bell.get_attribute("aria-label") == f"通知，{earlier + 1} 条未读"
    s.shot("home-badge")
    s.goto("/notifications/")
    assert "党费缴纳提醒" in s.page.content()
    s.shot("inbox")
    s.page.click("li:has-text('党费缴纳提醒') button:has-text('查看')")
    s.page.wait_for_load_state()
    assert s.page.url.endswith("/dues/me/")
    assert Notification.objects.get(recipient__username="member", kind=reminders.KIND_REMIND).read_at is not None
    s.check_page("my-dues")
    s.shot("my-dues")
    s.page.click("button:has-text('在线缴纳')")
    s.page.wait_for_load_state()
    assert "/dues/sandbox/" in s.page.url and "¥280.00" in s.page.content()
    s.shot("sandbox")
    s.page.click("button[name=pay][value='1']")
    s.page.wait_for_load_state()
    assert s.page.url.endswith("/dues/me/")
    order = DuesPayment.objects.get(member=own)
    assert (order.status, order.amount) == ("paid", 280)
    s.shot("paid")
    assert User.objects.get(username="member").notifications.filter(read_at__isnull=True).count() == earlier


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_org_admin_adds_a_rate_version_and_sees_gap_errors(demo, session_for, viewport):
    from importlib import import_module

    from django.apps import apps

    from dangjian.dues.models import RateSchedule

    if not RateSchedule.objects.filter(scope_path="").exists():
        import_module("dangjian.dues.migrations.0002_national_rules_2008").load(apps, None)
    s = session_for(viewport, "orgadmin-rates")
    s.login("orgadmin")
    s.goto("/dues/rates/")
    s.page.click("a:has-text('新增版本')")
    s.page.wait_for_load_state()
    s.check_page("rate-form")
    s.page.fill("#id_name", "本区2027年党费标准")
    s.page.fill("#id_salaried_1_from", "3500")
    s.page.click("button:has-text('保存新版本')")
    s.page.wait_for_load_state()
    assert "存在空档" in s.page.content() and not RateSchedule.objects.exclude(scope_path="").exists()
    s.shot("rate-form-gap")
    s.page.fill("#id_salaried_1_from", "3000")
    s.page.fill("#id_salaried_0_percent", "0.6")
    s.page.click("button:has-text('保存新版本')")
    s.page.wait_for_load_state()
    assert s.page.url.endswith("/dues/rates/") and "即将生效" in s.page.content()
    assert RateSchedule.objects.exclude(scope_path="").get().salaried_bands[0] == ["3000.00", "0.6"]
    s.shot("rates-upcoming")
