import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from dangjian.core import audit_chain
from dangjian.core.errors import DomainError
from dangjian.core.models import AuditEntry
from dangjian.meetings import checkin, codes, services
from dangjian.meetings.codes import CheckInRefused
from dangjian.meetings.models import Attendee, CheckIn
from dangjian.members import codes as member_codes

from .conftest import plan

PLACE = {"latitude": Decimal("30.274100"), "longitude": Decimal("120.155100")}


def _refused(call) -> str:
    with pytest.raises(DomainError) as exc:
        call()
    return exc.value.code


def test_member_checks_in_with_the_current_code(life):
    meeting = plan(life)
    record, created = checkin.checkin_by_code(actor=life.zhao_user, token=codes.code_for(meeting))
    assert created is True
    assert (record.member_id, record.method, record.late, record.recorded_by_id) == (
        life.zhao.pk,
        "qr",
        False,
        life.zhao_user.pk,
    )
    assert Attendee.objects.get(meeting=meeting, member=life.zhao).status == "present"
    entry = AuditEntry.objects.get(action="meeting.checkin")
    assert entry.changes["member"] == [None, life.zhao.pk] and entry.org_path == life.org.path
    attendee = Attendee.objects.get(meeting=meeting, member=life.zhao)
    assert (entry.object_type, entry.object_id, entry.actor_id) == (
        "meetings.attendee",
        str(attendee.pk),
        life.zhao_user.pk,
    )
    assert audit_chain.verify_chain().ok  # the digest written with the check-in verifies


def test_double_submission_is_idempotent(life):
    meeting = plan(life)
    token = codes.code_for(meeting)
    first, created1 = checkin.checkin_by_code(actor=life.zhao_user, token=token)
    second, created2 = checkin.checkin_by_code(actor=life.zhao_user, token=token)
    assert (created1, created2, first.pk) == (True, False, second.pk)
    assert CheckIn.objects.count() == 1
    assert AuditEntry.objects.filter(action="meeting.checkin").count() == 1


def test_previous_window_accepted_older_and_future_refused(life):
    meeting = plan(life)
    now = timezone.now()
    window = codes.current_window(now.timestamp())
    assert checkin.checkin_by_code(actor=life.zhao_user, token=codes.code_for(meeting, window=window - 1), now=now)[1]
    assert (
        _refused(
            lambda: checkin.checkin_by_code(
                actor=life.qian_user, token=codes.code_for(meeting, window=window - 2), now=now
            )
        )
        == "expired"
    )
    assert (
        _refused(
            lambda: checkin.checkin_by_code(
                actor=life.qian_user, token=codes.code_for(meeting, window=window + 1), now=now
            )
        )
        == "expired"
    )
    # A code photographed now and replayed a minute later no longer works.
    token = codes.code_for(meeting, window=window)
    later = now + dt.timedelta(seconds=2 * codes.window_seconds())
    assert _refused(lambda: checkin.checkin_by_code(actor=life.qian_user, token=token, now=later)) == "expired"
    assert CheckIn.objects.count() == 1


def test_forged_and_other_meeting_codes_are_refused(life):
    meeting = plan(life)
    other = plan(life, kind="group")
    token = codes.code_for(meeting)
    meeting_part, window, mac = token.split(".")
    other_part = codes.code_for(other).split(".")[0]
    # The MAC of one meeting does not open another.
    assert (
        _refused(lambda: checkin.checkin_by_code(actor=life.zhao_user, token=f"{other_part}.{window}.{mac}"))
        == "forged"
    )
    assert (
        _refused(lambda: checkin.checkin_by_code(actor=life.zhao_user, token=f"{meeting_part}.{window}.{mac[:-2]}AA"))
        == "forged"
    )
    assert _refused(lambda: checkin.checkin_by_code(actor=life.zhao_user, token="garbage")) == "forged"
    assert _refused(lambda: checkin.checkin_by_code(actor=life.zhao_user, token="zzzzzz.1.abc")) == "forged"
    # branch_b's meeting code does not check a branch_a member in anywhere.
    b_meeting = services.meeting_plan(
        actor=life.sec_b,
        org=life.tree.branch_b,
        kind="group",
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        place="x",
        publish=True,
    )
    assert (
        _refused(lambda: checkin.checkin_by_code(actor=life.zhao_user, token=codes.code_for(b_meeting)))
        == "not_attendee"
    )
    assert CheckIn.objects.count() == 0


def test_non_attendee_is_refused(life):
    meeting = plan(life)
    assert (
        _refused(lambda: checkin.checkin_by_code(actor=life.zheng_user, token=codes.code_for(meeting)))
        == "not_attendee"
    )
    committee = plan(life, kind="committee")
    assert (
        _refused(lambda: checkin.checkin_by_code(actor=life.zhao_user, token=codes.code_for(committee)))
        == "not_attendee"
    )
    assert CheckIn.objects.count() == 0


def test_geofence(life):
    meeting = plan(life, geofence_m=200, **PLACE)
    token = codes.code_for(meeting)
    assert _refused(lambda: checkin.checkin_by_code(actor=life.zhao_user, token=token)) == "location_needed"
    with pytest.raises(DomainError) as exc:
        checkin.checkin_by_code(actor=life.zhao_user, token=token, latitude="30.284100", longitude="120.155100")
    assert exc.value.code == "outside_geofence"
    assert "1112" in exc.value.message and "200" in exc.value.message
    assert CheckIn.objects.count() == 0
    record, _ = checkin.checkin_by_code(actor=life.zhao_user, token=token, latitude="30.275000", longitude="120.155100")
    assert record.distance_m == 100
    assert (record.latitude, record.longitude) == (Decimal("30.275000"), Decimal("120.155100"))


def test_window_of_the_meeting_and_late_marking(life):
    future = plan(life, starts=2)
    assert _refused(lambda: checkin.checkin_by_code(actor=life.zhao_user, token=codes.code_for(future))) == "not_open"
    over = plan(life, starts=-5, hours=2)
    assert _refused(lambda: checkin.checkin_by_code(actor=life.zhao_user, token=codes.code_for(over))) == "closed"
    started = plan(life, starts=-0.5)
    record, _ = checkin.checkin_by_code(actor=life.zhao_user, token=codes.code_for(started))
    assert record.late is True
    cancelled = plan(life, starts=0.2)
    services.meeting_cancel(actor=life.sec, meeting=cancelled, reason="改期")
    assert (
        _refused(lambda: checkin.checkin_by_code(actor=life.qian_user, token=codes.code_for(cancelled))) == "cancelled"
    )


def test_secretary_scans_member_code_or_ticks_by_hand(life):
    meeting = plan(life)
    member_code = member_codes.code_issue(actor=life.sec, member=life.zhou)
    record, created = checkin.checkin_by_member_code(
        actor=life.sec, meeting=meeting, token=member_codes.token_for(member_code)
    )
    assert (created, record.member_id, record.method, record.recorded_by_id) == (
        True,
        life.zhou.pk,
        "member_code",
        life.sec.pk,
    )
    ticked, _ = checkin.checkin_manual(actor=life.cm, meeting=meeting, member=life.sun)
    assert (ticked.method, ticked.recorded_by_id) == ("manual", life.cm.pk)
    # A member code of a non-attendee, and a tick by another branch's secretary, are refused.
    outsider = member_codes.code_issue(actor=life.sec_b, member=life.zheng)
    assert (
        _refused(
            lambda: checkin.checkin_by_member_code(
                actor=life.sec, meeting=meeting, token=member_codes.token_for(outsider)
            )
        )
        == "not_attendee"
    )
    with pytest.raises(DomainError) as exc:
        checkin.checkin_manual(actor=life.sec_b, meeting=meeting, member=life.qian)
    assert exc.value.status == 404
    assert CheckIn.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_parallel_checkins_of_the_same_member_record_one(tree):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL; SQLite serialises them")
    from .conftest import life as life_fixture

    world = life_fixture.__wrapped__(tree)
    meeting = plan(world)
    token = codes.code_for(meeting)
    threads_n = 8
    barrier = threading.Barrier(threads_n)
    results, errors = [], []

    def run():
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            results.append(checkin.checkin_by_code(actor=world.zhao_user, token=token))
        except Exception as exc:
            errors.append(exc)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=run) for _ in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(created for _, created in results) == [False] * (threads_n - 1) + [True]
    assert len({record.pk for record, _ in results}) == 1
    assert CheckIn.objects.filter(meeting=meeting).count() == 1
    assert AuditEntry.objects.filter(action="meeting.checkin").count() == 1
    assert Attendee.objects.get(meeting=meeting, member=world.zhao).status == "present"
    assert audit_chain.verify_chain().ok


def test_attendee_lookup_returns_what_the_orm_would(life, django_assert_num_queries):
    from dangjian.meetings.checkin import _attendee
    from dangjian.meetings.models import Attendee

    meeting = plan(life)
    with django_assert_num_queries(1):
        by_user = _attendee(meeting, user=life.zhao_user)
        assert by_user.member.name == "赵一"  # the member comes with it
    slow = Attendee.objects.select_related("member").get(meeting=meeting, member__user=life.zhao_user)
    for field in Attendee._meta.concrete_fields:
        assert getattr(by_user, field.attname) == getattr(slow, field.attname), field.name
    for field in type(slow.member)._meta.concrete_fields:
        assert getattr(by_user.member, field.attname) == getattr(slow.member, field.attname), field.name
    assert _attendee(meeting, pk=life.zhao.pk).pk == slow.pk
    assert _attendee(meeting, pk=life.wu.pk).member.name == "吴五"  # flowing in: expected here too
    with pytest.raises(CheckInRefused) as refused:
        _attendee(meeting, user=life.zheng_user)  # branch_b's member: not on the list
    assert refused.value.code == "not_attendee"
