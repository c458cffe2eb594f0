"""Registering, updating, status changes and reveals of members."""

import datetime as dt

import pytest
from django.utils import timezone

from conftest import make_user
from dangjian.core import crypto
from dangjian.core.errors import ConflictError, DomainError, NotFoundError, ScopeDenied
from dangjian.core.models import AuditEntry
from dangjian.members import services
from dangjian.members.models import ID_CONTEXT, Member
from dangjian.members.tests.factories import id_number, member


def test_register_derives_birth_and_gender_and_stores_only_ciphertext(tree):
    number = id_number(dt.date(1988, 2, 29), male=False)
    m = member(tree.branch_a, "王芳", id_number=number, mobile="139 1234 5678")
    m.refresh_from_db()
    assert m.birth_date == dt.date(1988, 2, 29) and m.gender == "female"
    assert number not in m.id_number_enc and m.id_number_enc.startswith("sm:e1:")
    assert crypto.decrypt(m.id_number_enc, ID_CONTEXT) == number
    assert m.id_number_masked == number[:6] + "********" + number[-4:]
    assert m.mobile_masked == "139****5678" and "13912345678" not in m.mobile_enc
    assert m.id_number_bidx == crypto.blind_index(number, ID_CONTEXT)


def test_register_is_audited_with_masked_values(tree):
    number = id_number()
    m = member(tree.branch_a, id_number=number, mobile="13912345678")
    entry = AuditEntry.objects.get(action="member.register", object_id=str(m.pk))
    assert entry.org_path == tree.branch_a.path
    text = str(entry.changes)
    assert number not in text and "13912345678" not in text
    assert entry.changes["id_number_masked"] == [None, m.id_number_masked]


@pytest.mark.parametrize(
    "number,field",
    [
        ("11010519491231002", "id_number"),
        ("110105194912310021", "id_number"),
        ("abc", "id_number"),
    ],
)
def test_bad_id_numbers_are_refused(tree, number, field):
    with pytest.raises(DomainError) as info:
        member(tree.branch_a, id_number=number)
    assert set(info.value.fields) == {field}
    assert Member.objects.count() == 0


def test_birth_date_and_gender_must_agree_with_the_id_number(tree):
    number = id_number(dt.date(1990, 1, 1), male=True)
    with pytest.raises(DomainError) as info:
        services.member_register(
            actor=None,
            org=tree.branch_a,
            name="甲",
            id_number=number,
            birth_date=dt.date(1991, 1, 1),
            political_status="probationary",
            join_date=dt.date(2020, 1, 1),
        )
    assert set(info.value.fields) == {"birth_date"}
    with pytest.raises(DomainError) as info:
        services.member_register(
            actor=None,
            org=tree.branch_a,
            name="甲",
            id_number=number,
            gender="female",
            political_status="probationary",
            join_date=dt.date(2020, 1, 1),
        )
    assert set(info.value.fields) == {"gender"}


def test_must_be_eighteen_when_joining(tree):
    with pytest.raises(DomainError) as info:
        member(
            tree.branch_a,
            birth=dt.date(2000, 6, 1),
            join_date=dt.date(2018, 5, 31),
            full_member_date=dt.date(2019, 6, 1),
        )
    assert set(info.value.fields) == {"join_date"}
    assert member(
        tree.branch_a, birth=dt.date(2000, 6, 1), join_date=dt.date(2018, 6, 1), full_member_date=dt.date(2019, 6, 1)
    ).pk


def test_bad_mobile_and_dates(tree):
    with pytest.raises(DomainError) as info:
        member(tree.branch_a, mobile="12345")
    assert set(info.value.fields) == {"mobile"}
    with pytest.raises(DomainError) as info:
        member(tree.branch_a, join_date=timezone.localdate() + dt.timedelta(days=1))
    assert set(info.value.fields) == {"join_date"}
    with pytest.raises(DomainError) as info:
        member(tree.branch_a, full_member_date=None)
    assert set(info.value.fields) == {"full_member_date"}
    with pytest.raises(DomainError) as info:
        member(tree.branch_a, ethnicity="火星族")
    assert set(info.value.fields) == {"ethnicity"}
    assert Member.objects.count() == 0


def test_members_do_not_belong_to_party_groups(tree):
    with pytest.raises(DomainError):
        member(tree.group_a)


def test_duplicate_id_number_names_the_org_only_when_visible(tree):
    number = id_number()
    member(tree.branch_b, id_number=number)
    secretary_a = make_user("secretary", tree.street_a)
    with pytest.raises(ConflictError) as info:
        member(tree.branch_a, id_number=number, actor=secretary_a)
    assert tree.branch_b.name not in info.value.message and info.value.code == "duplicate_id_number"
    secretary_root = make_user("secretary", tree.root)
    with pytest.raises(ConflictError) as info:
        member(tree.branch_a, id_number=number.lower(), actor=secretary_root)
    assert tree.branch_b.name in info.value.message
    assert Member.objects.count() == 1


def test_party_age_counts_from_full_membership(tree):
    m = member(tree.branch_a, join_date=dt.date(2010, 3, 1), full_member_date=dt.date(2011, 3, 15))
    assert m.party_age(dt.date(2021, 3, 14)) == 9
    assert m.party_age(dt.date(2021, 3, 15)) == 10
    probationary = member(
        tree.branch_a, political_status="probationary", full_member_date=None, join_date=dt.date(2025, 1, 1)
    )
    assert probationary.party_age() is None and probationary.full_member_date is None


def test_update_changes_mobile_and_moves_within_scope(tree):
    secretary = make_user("secretary", tree.street_a)
    m = member(tree.branch_a, mobile="13912345678")
    services.member_update(actor=secretary, member=m, mobile="13698765432", work_area="东湖商圈")
    m.refresh_from_db()
    assert m.mobile_masked == "136****5432" and m.work_area == "东湖商圈"
    with pytest.raises(NotFoundError):
        services.member_update(actor=secretary, member=m, org=tree.branch_b)
    m.refresh_from_db()
    assert m.org_id == tree.branch_a.pk


def test_status_transitions(tree):
    secretary = make_user("secretary", tree.branch_a)
    m = member(tree.branch_a)
    with pytest.raises(DomainError) as info:
        services.member_change_status(actor=secretary, member=m, status="restored", reason="x")
    assert info.value.code == "status_transition"
    with pytest.raises(DomainError):
        services.member_change_status(actor=secretary, member=m, status="stopped", reason=" ")
    services.member_change_status(
        actor=secretary, member=m, status="stopped", reason="失联满六个月，支部大会决定", on=dt.date(2026, 1, 5)
    )
    m.refresh_from_db()
    assert (m.status, m.status_changed_on) == ("stopped", dt.date(2026, 1, 5))
    services.member_change_status(actor=secretary, member=m, status="restored", reason="两年内恢复联系")
    services.member_change_status(actor=secretary, member=m, status="deceased", reason="病故")
    with pytest.raises(DomainError):
        services.member_change_status(actor=secretary, member=m, status="normal", reason="x")
    assert [e.changes["status"] for e in AuditEntry.objects.filter(action="member.status").order_by("id")] == [
        ["normal", "stopped"],
        ["stopped", "restored"],
        ["restored", "deceased"],
    ]


def test_reveal_needs_permission_and_a_reason_and_is_audited(tree):
    number = id_number()
    m = member(tree.branch_a, id_number=number, mobile="13912345678")
    secretary = make_user("secretary", tree.branch_a)
    committee = make_user("committee_member", tree.branch_a)
    with pytest.raises(ScopeDenied):
        services.member_reveal(actor=committee, member=m, field="id_number", reason="核对")
    with pytest.raises(DomainError):
        services.member_reveal(actor=secretary, member=m, field="id_number", reason=" ")
    with pytest.raises(DomainError):
        services.member_reveal(actor=secretary, member=m, field="name", reason="核对")
    assert AuditEntry.objects.filter(action="member.reveal").count() == 0
    assert services.member_reveal(actor=secretary, member=m, field="id_number", reason="核对身份") == number
    assert services.member_reveal(actor=secretary, member=m, field="mobile", reason="联系本人") == "13912345678"
    reveals = AuditEntry.objects.filter(action="member.reveal").order_by("id")
    assert [(e.actor_id, e.changes["field"][1], e.changes["reason"][1]) for e in reveals] == [
        (secretary.pk, "id_number", "核对身份"),
        (secretary.pk, "mobile", "联系本人"),
    ]


def test_find_by_id_number_uses_the_blind_index(tree):
    number = id_number()
    m = member(tree.branch_a, id_number=number)
    assert services.find_by_id_number(" " + number.lower()) == m
    assert services.find_by_id_number(id_number()) is None
