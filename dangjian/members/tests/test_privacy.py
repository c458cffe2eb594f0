"""Consent records, the member's own page, and destruction after the retention period."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from conftest import make_user
from dangjian.core.errors import ConflictError, ScopeDenied
from dangjian.core.models import AuditEntry, PolicyValue
from dangjian.members import privacy, services
from dangjian.members.models import Consent, DestructionRecord, Member
from dangjian.members.tests.factories import id_number, member


@pytest.fixture
def linked(tree):
    user = make_user("member", tree.branch_a, username="rider01")
    m = member(tree.branch_a, "马小军", mobile="13912345678")
    services.member_link_account(actor=None, member=m, user=user)
    return user, m


def test_member_grants_and_withdraws_own_consent(linked, login_as):
    user, m = linked
    client = login_as(user)
    page = client.get("/members/me/").content.decode()
    assert "马小军" in page and m.id_number_masked in page and "13912345678" not in page
    client.post("/members/me/", {"purpose": "flowing_location", "scope_text": "工作区域和所在地"})
    consent = Consent.objects.get(member=m)
    assert consent.active and consent.channel
    again = client.post("/members/me/", {"purpose": "flowing_location", "scope_text": "再次"})
    assert again.status_code == 200 and Consent.objects.count() == 1
    client.post(f"/members/consents/{consent.pk}/withdraw")
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
    assert [e.action for e in AuditEntry.objects.filter(action__startswith="consent.").order_by("id")] == [
        "consent.grant",
        "consent.withdraw",
    ]
    # After withdrawal the purpose can be consented again: a new row, history kept.
    client.post("/members/me/", {"purpose": "flowing_location", "scope_text": "工作区域"})
    assert Consent.objects.filter(member=m).count() == 2


def test_others_cannot_withdraw_a_members_consent(linked, tree, login_as):
    _, m = linked
    consent = privacy.consent_record(actor=None, member=m, purpose="services", scope_text="联系我")
    stranger = make_user("member", tree.branch_b)
    assert login_as(stranger).post(f"/members/consents/{consent.pk}/withdraw").status_code == 404
    with pytest.raises(ScopeDenied):
        privacy.consent_withdraw(actor=stranger, consent=consent)
    consent.refresh_from_db()
    assert consent.active


def test_branch_records_a_paper_consent(linked, tree, login_as):
    _, m = linked
    secretary = make_user("secretary", tree.branch_a)
    response = login_as(secretary).post(
        f"/members/{m.pk}/consents", {"purpose": "membership", "scope_text": "纸质同意书第12号"}
    )
    assert response.status_code == 302
    assert Consent.objects.get(member=m).scope_text == "纸质同意书第12号"
    with pytest.raises(ConflictError):
        privacy.consent_record(actor=secretary, member=m, purpose="membership", scope_text="x")


def test_account_without_member_record_sees_what_to_do(tree, login_as):
    user = make_user("member", tree.branch_a)
    page = login_as(user).get("/members/me/")
    assert page.status_code == 200 and page.context["member"] is None


def test_retention_destroys_only_expired_and_records_it(tree):
    today = timezone.localdate()
    old = member(tree.branch_a, "甲", mobile="13911112222")
    recent = member(tree.branch_a, "乙")
    staying = member(tree.branch_a, "丙")
    Member.objects.filter(pk=old.pk).update(status="removed", status_changed_on=today - dt.timedelta(days=5 * 366))
    Member.objects.filter(pk=recent.pk).update(status="resigned", status_changed_on=today - dt.timedelta(days=300))
    call_command("destroy_expired_personal_data", "--dry-run", verbosity=0)
    assert DestructionRecord.objects.count() == 0
    call_command("destroy_expired_personal_data", verbosity=0)
    old.refresh_from_db()
    assert (old.id_number_enc, old.id_number_masked, old.mobile_enc, old.mobile_masked) == ("", "", "", "")
    assert old.id_number_bidx == f"destroyed:{old.pk}" and old.personal_data_destroyed_at is not None
    assert old.name == "甲"  # the record of membership stays, the identifiers go
    record = DestructionRecord.objects.get()
    assert record.member_id_ref == old.pk and record.fields == privacy.DESTROYED_FIELDS
    assert AuditEntry.objects.filter(action="member.personal_data_destroy", object_id=str(old.pk)).count() == 1
    recent.refresh_from_db()
    staying.refresh_from_db()
    assert recent.id_number_enc and staying.id_number_enc
    call_command("destroy_expired_personal_data", verbosity=0)
    assert DestructionRecord.objects.count() == 1


def test_retention_period_is_configurable_per_region(tree):
    today = timezone.localdate()
    m = member(tree.branch_a, "丁")
    Member.objects.filter(pk=m.pk).update(status="removed", status_changed_on=today - dt.timedelta(days=400))
    assert list(privacy.expired_members()) == []
    PolicyValue.objects.create(key="members.retention_years", scope_path=tree.street_a.path, value=1)
    assert [x.pk for x in privacy.expired_members()] == [m.pk]


def test_destroyed_member_frees_the_id_number(tree):
    number = id_number()
    m = member(tree.branch_a, id_number=number)
    Member.objects.filter(pk=m.pk).update(status="removed", status_changed_on=dt.date(2001, 1, 1))
    privacy.personal_data_destroy(member=m)
    assert services.find_by_id_number(number) is None
