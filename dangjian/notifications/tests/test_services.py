"""notify(): in-app for accounts, SMS (after commit, masked everywhere) for members without one."""

import json

import pytest
from django.db import transaction

from conftest import make_user
from dangjian.core.models import AuditEntry
from dangjian.members import services as member_services
from dangjian.members.tests.factories import member
from dangjian.notifications import services
from dangjian.notifications.models import Delivery, Notification


@pytest.fixture
def people(tree):
    sec = make_user("secretary", tree.branch_a, username="sec")
    linked_user = make_user("member", tree.branch_a, username="zhang")
    zhang = member(tree.branch_a, "张伟", mobile="13800138000")
    member_services.member_link_account(actor=None, member=zhang, user=linked_user)
    li = member(tree.branch_a, "李娜", male=False, mobile="13912345678")
    wang = member(tree.branch_a, "王芳", male=False)  # no account, no mobile: unreachable
    return sec, linked_user, zhang, li, wang


def test_in_app_and_sms_after_commit(people, tree, outbox, django_capture_on_commit_callbacks):
    sec, linked_user, zhang, li, wang = people
    zhang.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        count = services.notify(
            recipients=[sec, zhang, linked_user, li, wang],
            kind="test",
            title="支部会议",
            body="周五下午三点",
            url="/dues/",
            org=tree.branch_a,
            actor=sec,
        )
    assert count == 3 and len(callbacks) == 1
    assert sorted(Notification.objects.values_list("recipient__username", flat=True)) == ["sec", "zhang"]
    delivery = Delivery.objects.get()
    assert (delivery.member_id, delivery.channel, delivery.target_masked, delivery.status, delivery.attempts) == (
        li.pk,
        "sms",
        "139****5678",
        "sent",
        1,
    )
    assert outbox == [("13912345678", "支部会议：周五下午三点")]
    entries = AuditEntry.objects.filter(action__startswith="notification.").order_by("id")
    assert [e.action for e in entries] == ["notification.send", "notification.deliver"]
    text = json.dumps([e.changes for e in entries], ensure_ascii=False)
    assert "13912345678" not in text and "139****5678" in text
    assert entries[0].changes["in_app"] == [None, 2] and entries[0].changes["sms"] == [None, 1]


def test_rolled_back_write_sends_nothing(people, outbox, django_capture_on_commit_callbacks):
    sec, _u, _z, li, _w = people
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        services.notify(recipients=[sec, li], kind="test", title="会议", body="")
        raise RuntimeError("the caller's write failed")
    assert outbox == [] and Notification.objects.count() == 0 and Delivery.objects.count() == 0


def test_dedupe_key_skips_repeats(people, outbox, django_capture_on_commit_callbacks):
    sec, _u, zhang, li, _w = people
    zhang.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        first = services.notify(recipients=[sec, zhang, li], kind="dues", title="催缴", body="", dedupe_key="k1")
        again = services.notify(recipients=[sec, zhang, li], kind="dues", title="催缴", body="", dedupe_key="k1")
        other = services.notify(recipients=[sec], kind="dues", title="催缴", body="", dedupe_key="k2")
    assert (first, again, other) == (3, 0, 1)
    assert Notification.objects.count() == 3 and Delivery.objects.count() == 1 and len(outbox) == 1


def test_gateway_failure_is_recorded_not_raised(people, settings, django_capture_on_commit_callbacks):
    _sec, _u, _z, li, _w = people
    settings.NOTIFICATION_CHANNELS = {"sms": "dangjian.notifications.channels.FailingSmsChannel"}
    with django_capture_on_commit_callbacks(execute=True):
        assert services.notify(recipients=[li], kind="test", title="会议", body="明天") == 1
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert delivery.error == "ChannelError: gateway refused 139****5678"
    settings.NOTIFICATION_CHANNELS = {"sms": "dangjian.notifications.channels.MemorySmsChannel"}
    assert services.deliveries_retry() == {"sent": 1, "failed": 0}
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.error) == ("sent", 2, "")
    assert services.deliveries_retry() == {"sent": 0, "failed": 0}


def test_no_sms_channel_configured_reaches_only_accounts(people, settings):
    sec, _u, _z, li, _w = people
    settings.NOTIFICATION_CHANNELS = {}
    settings.NOTIFICATION_CHANNELS = {"wechat": "dangjian.notifications.channels.MemorySmsChannel"}
    assert services.notify(recipients=[sec, li], kind="test", title="会议", body="") == 1
    assert Delivery.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [("url", "https://evil.example/"), ("url", "//evil.example/"), ("title", " "), ("kind", "")],
)
def test_bad_input_writes_nothing(people, field, value):
    from dangjian.core.errors import DomainError

    sec = people[0]
    data = {"kind": "test", "title": "会议", "body": "", "url": "/dues/"}
    data[field] = value
    with pytest.raises(DomainError) as exc:
        services.notify(recipients=[sec], **data)
    assert list(exc.value.fields) == [field]
    assert Notification.objects.count() == 0


def test_mark_read_only_own(people):
    from dangjian.core.errors import NotFoundError

    sec, linked_user, *_ = people
    services.notify(recipients=[sec, linked_user], kind="test", title="甲", body="")
    services.notify(recipients=[sec], kind="test", title="乙", body="")
    mine = Notification.objects.filter(recipient=sec).order_by("id")
    theirs = Notification.objects.get(recipient=linked_user)
    with pytest.raises(NotFoundError):
        services.notification_mark_read(actor=sec, notification=theirs)
    read = services.notification_mark_read(actor=sec, notification=mine[0])
    assert read.read_at is not None
    assert services.notification_mark_read(actor=sec, notification=mine[0]).read_at == read.read_at
    assert services.notification_mark_all_read(actor=sec) == 1
    assert services.notification_mark_all_read(actor=sec) == 0
    assert Notification.objects.filter(read_at__isnull=True).count() == 1
    reads = AuditEntry.objects.filter(action__startswith="notification.read").order_by("id")
    assert list(reads.values_list("action", flat=True)) == [
        "notification.read",
        "notification.read_all",
    ]


def test_logging_channel_never_logs_the_full_mobile(people, settings, caplog, django_capture_on_commit_callbacks):
    settings.NOTIFICATION_CHANNELS = {"sms": "dangjian.notifications.channels.LoggingSmsChannel"}
    li = people[3]
    with caplog.at_level("INFO", logger="dangjian.notifications"), django_capture_on_commit_callbacks(execute=True):
        services.notify(recipients=[li], kind="test", title="会议", body="明天")
    assert "139****5678" in caplog.text and "13912345678" not in caplog.text
