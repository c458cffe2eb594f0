"""Issuing, the two-sided decision, refusals, expiry and reissue, receipts."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from dangjian.core import policy
from dangjian.core.errors import ConflictError, DomainError, NotFoundError
from dangjian.core.models import AuditEntry
from dangjian.core.services import policy_set
from dangjian.members import services as member_services
from dangjian.members.models import Member
from dangjian.transfers import services
from dangjian.transfers.models import Transfer

TODAY = timezone.localdate


def issue(w, target=None, **extra):
    data = {"actor": w.sec_a, "member": w.zhang, "dues_paid_until": w.dues}
    if target is not None:
        data["target_org"] = target
    data.update(extra)
    return services.transfer_issue(**data)


def test_issue_defaults_and_kinds(world):
    t = issue(world, world.branch_a2)
    assert t.kind == "within_committee" and t.status == "pending" and t.target_name == "外卖第二党支部"
    assert t.valid_until == TODAY() + dt.timedelta(days=10) and t.in_city
    assert t.source_org == world.tree.branch_a and t.dues_paid_until == dt.date(2026, 10, 1)
    Transfer.objects.filter(pk=t.pk).update(status="rejected")
    t2 = issue(world, world.tree.branch_b, in_city=False)
    assert t2.kind == "within_system" and t2.valid_until == TODAY() + dt.timedelta(days=30)
    Transfer.objects.filter(pk=t2.pk).update(status="rejected")
    assert issue(world, world.branch_far, in_city=False).kind == "nationwide"
    Transfer.objects.update(status="rejected")
    out = issue(
        world, None, target_name="某省某市某党支部", target_address="某市某路1号", dues_paid_until=dt.date(2026, 11, 17)
    )
    assert out.kind == "outward" and out.target_org is None and out.dues_paid_until == dt.date(2026, 11, 1)
    entry = AuditEntry.objects.filter(action="transfer.issue").order_by("pk").last()
    assert entry.org_path == world.tree.branch_a.path and entry.changes["kind"] == [None, "outward"]


def test_validity_is_capped_at_three_months_and_follows_policy(world):
    issued = TODAY() - dt.timedelta(days=1)
    latest = services.rules.add_months(issued, 3)
    with pytest.raises(DomainError) as exc:
        issue(world, world.tree.branch_b, issued_on=issued, valid_until=latest + dt.timedelta(days=1))
    assert exc.value.code == "validity_too_long" and "valid_until" in exc.value.fields
    with pytest.raises(DomainError):
        issue(world, world.tree.branch_b, valid_until=TODAY() - dt.timedelta(days=1))
    assert issue(world, world.tree.branch_b, issued_on=issued, valid_until=latest).valid_until == latest
    Transfer.objects.update(status="rejected")
    policy_set(actor=None, key="transfers.validity_days_in_city", org=world.tree.street_a, value=15)
    assert policy.value("transfers.validity_days_in_city", world.tree.branch_a.path) == 15
    assert issue(world, world.branch_a2).valid_until == TODAY() + dt.timedelta(days=15)


@pytest.mark.parametrize(
    ("setup", "kwargs", "code", "field"),
    [
        ("stopped", {"target": "b"}, "member_not_transferable", "member"),
        ("pending", {"target": "b"}, "transfer_pending", "member"),
        ("", {"target": None, "target_name": "外地支部"}, "target_address_required", "target_address"),
        ("", {"target": "own"}, "same_org", "target_org"),
        ("", {"target": "group"}, "invalid", "target_org"),
        ("", {"target": None}, "invalid", "target_name"),
    ],
)
def test_refusals(world, setup, kwargs, code, field):
    if setup == "stopped":
        member_services.member_change_status(actor=None, member=world.zhang, status="stopped", reason="失联")
    if setup == "pending":
        issue(world, world.branch_a2)
    target = {"b": world.tree.branch_b, "own": world.tree.branch_a, "group": world.tree.group_a, None: None}[
        kwargs.pop("target")
    ]
    before = (Transfer.objects.count(), AuditEntry.objects.count())
    with pytest.raises(DomainError) as exc:
        issue(world, target, **kwargs)
    assert exc.value.code == code and field in exc.value.fields
    assert (Transfer.objects.count(), AuditEntry.objects.count()) == before


def test_member_moves_only_on_acceptance(world):
    t = issue(world, world.tree.branch_b)
    assert Member.objects.get(pk=world.zhang.pk).org == world.tree.branch_a
    with pytest.raises(NotFoundError):  # the issuing side cannot accept for the receiver
        services.transfer_accept(actor=world.sec_a, transfer=t)
    services.transfer_accept(actor=world.sec_b, transfer=t)
    t.refresh_from_db()
    assert t.status == "accepted" and t.decided_by == world.sec_b and t.decided_on == TODAY()
    assert Member.objects.get(pk=world.zhang.pk).org == world.tree.branch_b
    moved = AuditEntry.objects.get(action="member.transfer")
    assert moved.changes["org_id"] == [world.tree.branch_a.pk, world.tree.branch_b.pk]
    assert AuditEntry.objects.filter(action="transfer.accept", org_path=world.tree.branch_b.path).count() == 1
    with pytest.raises(ConflictError) as exc:
        services.transfer_reject(actor=world.sec_b, transfer=t, reason="重复")
    assert exc.value.code == "transfer_decided"


def test_reject_needs_a_reason_and_keeps_the_member(world):
    t = issue(world, world.tree.branch_b)
    with pytest.raises(DomainError) as exc:
        services.transfer_reject(actor=world.sec_b, transfer=t, reason=" ")
    assert "reason" in exc.value.fields
    services.transfer_reject(actor=world.sec_b, transfer=t, reason="本支部不接收该地区人员")
    t.refresh_from_db()
    assert t.status == "rejected" and t.reason == "本支部不接收该地区人员"
    assert Member.objects.get(pk=world.zhang.pk).org == world.tree.branch_a
    assert issue(world, world.branch_a2).status == "pending"  # a new transfer may follow a rejection


def test_expired_is_flagged_refused_and_reissued(world):
    t = issue(world, world.tree.branch_b, issued_on=TODAY() - dt.timedelta(days=11))
    assert t.valid_until == TODAY() - dt.timedelta(days=1) and t.expired
    with pytest.raises(ConflictError) as exc:
        services.transfer_accept(actor=world.sec_b, transfer=t)
    assert exc.value.code == "transfer_expired"
    with pytest.raises(ConflictError):
        issue(world, world.branch_a2)  # still pending: reissue instead
    new = services.transfer_reissue(actor=world.sec_a, transfer=t)
    t.refresh_from_db()
    assert t.status == "superseded" and new.reissue_of == t and new.status == "pending"
    assert new.valid_until == TODAY() + dt.timedelta(days=10) and new.verify_code != t.verify_code
    services.transfer_accept(actor=world.sec_b, transfer=new)
    assert Member.objects.get(pk=world.zhang.pk).org == world.tree.branch_b


def test_reissue_refused_while_valid(world):
    t = issue(world, world.tree.branch_b)
    with pytest.raises(ConflictError) as exc:
        services.transfer_reissue(actor=world.sec_a, transfer=t)
    assert exc.value.code == "transfer_not_expired"


def test_outward_receipt(world):
    t = issue(world, None, target_name="某省某党支部", target_address="某市某路1号", in_city=False)
    with pytest.raises(DomainError):
        services.transfer_accept(actor=world.sec_a, transfer=t)
    with pytest.raises(DomainError):
        services.transfer_register_receipt(actor=world.sec_a, transfer=t, received_on=TODAY() + dt.timedelta(days=1))
    services.transfer_register_receipt(actor=world.sec_a, transfer=t, received_on=TODAY())
    t.refresh_from_db()
    assert t.status == "completed" and t.receipt_on == TODAY()
    with pytest.raises(ConflictError):
        services.transfer_register_receipt(actor=world.sec_a, transfer=t)


def test_receipt_only_for_outward(world):
    t = issue(world, world.tree.branch_b)
    with pytest.raises(DomainError) as exc:
        services.transfer_register_receipt(actor=world.sec_a, transfer=t)
    assert exc.value.code == "not_outward"


def test_committee_member_cannot_issue(world):
    with pytest.raises(DomainError) as exc:
        services.transfer_issue(
            actor=world.committee_a, member=world.zhang, target_org=world.tree.branch_b, dues_paid_until=world.dues
        )
    assert exc.value.status == 403


@pytest.mark.django_db(transaction=True)
def test_concurrent_accept_and_reject_one_wins(tree):
    """Two sides of the receiving organisation click at once: exactly one decision lands."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite serialises writers")
    from conftest import make_user
    from dangjian.members.tests.factories import member

    sec_a = make_user("secretary", tree.street_a)
    sec_b1 = make_user("secretary", tree.street_b)
    sec_b2 = make_user("secretary", tree.street_b)
    zhang = member(tree.branch_a, "张伟")
    t = services.transfer_issue(
        actor=sec_a, member=zhang, target_org=tree.branch_b, dues_paid_until=dt.date(2026, 10, 1)
    )
    barrier = threading.Barrier(2)
    results = []

    def run(call):
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            call()
            results.append("ok")
        except ConflictError as exc:
            results.append(exc.code)
        finally:
            thread_connection.close()

    threads = [
        threading.Thread(target=run, args=(lambda: services.transfer_accept(actor=sec_b1, transfer=t),)),
        threading.Thread(
            target=run, args=(lambda: services.transfer_reject(actor=sec_b2, transfer=t, reason="不接收"),)
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["ok", "transfer_decided"]
    t.refresh_from_db()
    moved = Member.objects.get(pk=zhang.pk).org_id == tree.branch_b.pk
    assert (t.status == "accepted") == moved
    assert AuditEntry.objects.filter(action__in=["transfer.accept", "transfer.reject"]).count() == 1


def test_accept_refused_when_membership_stopped_meanwhile(world):
    t = issue(world, world.tree.branch_b)
    member_services.member_change_status(actor=None, member=world.zhang, status="stopped", reason="失联")
    with pytest.raises(DomainError) as exc:
        services.transfer_accept(actor=world.sec_b, transfer=t)
    assert exc.value.code == "member_not_transferable"
    assert Member.objects.get(pk=world.zhang.pk).org == world.tree.branch_a
    assert Transfer.objects.get(pk=t.pk).status == "pending"


def test_lost_contact_member_cannot_be_transferred_until_found(world):
    from dangjian.members import lost_contact

    member = world.zhang
    lost_contact.lost_contact_flag(actor=None, member=member, basis="电话停机，走访未遇")
    with pytest.raises(ConflictError) as refused:
        issue(world, world.branch_a2)
    assert refused.value.code == "lost_contact"
    assert Transfer.objects.filter(member=member).count() == 0
    lost_contact.lost_contact_outcome(actor=None, member=member, outcome="found", note="已联系上")
    assert issue(world, world.branch_a2).status == "pending"
