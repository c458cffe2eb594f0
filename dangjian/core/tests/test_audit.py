"""The audit trail: written inside the change's transaction, digested by the configured suite."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal

import pytest
from django.db import transaction

from conftest import make_user
from dangjian.core import audit, context, crypto
from dangjian.core.models import AuditEntry
from dangjian.orgs.models import PartyOrganisation

SM3_ABC = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"  # GB/T 32905 example 1
SHA256_ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def _expected_digest(hash_name: str, fields: list) -> str:
    canonical = json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.new(hash_name, canonical.encode()).hexdigest()


@pytest.mark.django_db(transaction=True)
def test_record_refuses_outside_a_transaction():
    assert not transaction.get_connection().in_atomic_block
    with pytest.raises(RuntimeError, match="inside the change's transaction"):
        audit.record(actor=None, action="test.outside", org_path="0001")
    assert not AuditEntry.objects.filter(action="test.outside").exists()
    with transaction.atomic():
        entry = audit.record(actor=None, action="test.inside", org_path="0001")
    assert AuditEntry.objects.get(action="test.inside").pk == entry.pk


@pytest.mark.parametrize("suite, hash_name, length", [("intl", "sha256", 64), ("sm", "sm3", 64)])
def test_digest_is_the_suite_hash_of_the_canonical_entry(tree, settings, suite, hash_name, length):
    settings.CRYPTO_SUITE = suite
    user = make_user("org_admin", tree.root, username="auditor_subject")
    token = context.request_id.set("req-42")
    try:
        entry = audit.record(
            actor=user,
            action="test.change",
            obj=tree.branch_a,
            org_path=tree.branch_a.path,
            changes={"name": ["旧", "新"]},
        )
    finally:
        context.request_id.reset(token)
    expected = _expected_digest(
        hash_name,
        [
            user.pk,
            "auditor_subject",
            "test.change",
            "orgs.partyorganisation",
            str(tree.branch_a.pk),
            "骑手党支部",
            tree.branch_a.path,
            {"name": ["旧", "新"]},
            "req-42",
            "",
        ],
    )
    assert entry.digest == expected
    assert len(entry.digest) == length
    assert AuditEntry.objects.get(pk=entry.pk).digest == expected
    assert entry.request_id == "req-42"
    assert (entry.object_type, entry.object_id, entry.object_repr) == (
        "orgs.partyorganisation",
        str(tree.branch_a.pk),
        "骑手党支部",
    )


def test_same_content_same_digest_and_suites_differ(db, settings):
    settings.CRYPTO_SUITE = "intl"
    a = audit.record(actor=None, action="test.same", object_type="x", object_id="1", org_path="0001")
    b = audit.record(actor=None, action="test.same", object_type="x", object_id="1", org_path="0001")
    c = audit.record(actor=None, action="test.same", object_type="x", object_id="2", org_path="0001")
    assert a.digest == b.digest != c.digest
    assert a.actor_label == "system" and a.actor_id is None
    settings.CRYPTO_SUITE = "sm"
    d = audit.record(actor=None, action="test.same", object_type="x", object_id="1", org_path="0001")
    assert d.digest != a.digest
    assert d.digest == _expected_digest("sm3", [None, "system", "test.same", "x", "1", "", "0001", {}, "-", ""])


def test_crypto_suite_switch(settings):
    settings.CRYPTO_SUITE = "intl"
    assert crypto.hash_name() == "sha256"
    assert crypto.digest(b"abc") == SHA256_ABC
    settings.CRYPTO_SUITE = "sm"
    assert crypto.hash_name() == "sm3"
    assert crypto.digest(b"abc") == SM3_ABC
    assert crypto.keyed_digest(b"k", b"abc") != crypto.digest(b"abc")
    assert len(crypto.keyed_digest(b"k", b"abc")) == 64
    assert crypto.constant_time_equal("abc", "abc") and not crypto.constant_time_equal("abc", "abd")


def test_changed_fields_lists_only_changes_and_masks_sensitive():
    before = {"name": "甲", "id_number": "110101199003071234", "phone": "13812345678", "count": 3, "same": 1}
    after = {"name": "乙", "id_number": "110101199003071235", "phone": "13812345678", "count": 4, "same": 1, "new": "x"}
    diff = audit.changed_fields(before, after, sensitive=frozenset({"id_number", "phone"}))
    assert diff == {
        "count": [3, 4],
        "id_number": ["***", "***"],
        "name": ["甲", "乙"],
        "new": [None, "x"],
    }
    assert list(diff) == ["count", "id_number", "name", "new"]  # sorted: a stable digest
    assert audit.changed_fields({"a": 1}, {"a": 1}) == {}
    assert audit.changed_fields({}, {"phone": "1"}, frozenset({"phone"})) == {"phone": ["***", "***"]}


def test_snapshot_makes_values_json_plain(tree):
    org = PartyOrganisation.objects.get(pk=tree.branch_a.pk)
    org.term_start = dt.date(2024, 2, 29)
    org.latitude = Decimal("26.074508")
    snap = audit.snapshot(org, ["name", "term_start", "latitude", "member_count", "has_committee", "address"])
    assert snap == {
        "name": "骑手党支部",
        "term_start": "2024-02-29",
        "latitude": "26.074508",
        "member_count": 10,
        "has_committee": False,
        "address": "",
    }
    json.dumps(snap)  # storable as is
    assert audit._plain(tree.root) == tree.root.pk
    assert audit._plain((1, dt.date(2020, 1, 1))) == [1, "2020-01-01"]
