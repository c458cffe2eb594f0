"""Encryption at rest, blind indexes and key rotation, in both suites."""

import base64
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from conftest import make_user
from dangjian.accounts import services as account_services
from dangjian.accounts.models import User
from dangjian.core import crypto, keys

CONTEXT = "tests.secret"


@pytest.fixture(params=["sm", "intl"])
def suite(request, settings):
    settings.CRYPTO_SUITE = request.param
    return request.param


def test_round_trip_and_format(suite):
    token = crypto.encrypt("110105199001011234", CONTEXT)
    assert token.startswith(f"{suite}:e1:")
    assert "110105199001011234" not in token
    assert crypto.decrypt(token, CONTEXT) == "110105199001011234"


def test_same_plaintext_encrypts_differently(suite):
    assert crypto.encrypt("13812345678", CONTEXT) != crypto.encrypt("13812345678", CONTEXT)


def test_context_is_authenticated(suite):
    token = crypto.encrypt("13812345678", "members.member.mobile")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token, "members.member.id_number")


def test_tampered_ciphertext_is_refused(suite):
    token = crypto.encrypt("13812345678", CONTEXT)
    prefix, payload = token.rsplit(":", 1)
    raw = bytearray(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    raw[-1] ^= 1
    forged = f"{prefix}:{base64.urlsafe_b64encode(bytes(raw)).decode().rstrip('=')}"
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(forged, CONTEXT)
    for junk in ("", "sm:e1", "xx:e1:AAAA", "sm:e9:" + payload):
        with pytest.raises(crypto.DecryptionError):
            crypto.decrypt(junk, CONTEXT)


def test_old_suite_still_decrypts_after_switch(settings):
    settings.CRYPTO_SUITE = "sm"
    token = crypto.encrypt("secret", CONTEXT)
    settings.CRYPTO_SUITE = "intl"
    assert crypto.decrypt(token, CONTEXT) == "secret"
    assert not crypto.is_current(token)


def test_blind_index_is_keyed_deterministic_and_suite_tagged(suite):
    first = crypto.blind_index("110105199001011234", CONTEXT)
    assert first == crypto.blind_index("110105199001011234", CONTEXT)
    assert first.startswith(f"{suite}.b1:") and len(first.split(":")[1]) == 64
    assert first != crypto.blind_index("110105199001011235", CONTEXT)
    assert first != crypto.blind_index("110105199001011234", "other.context")
    assert crypto.blind_indexes("110105199001011234", CONTEXT)[0] == first
    assert len(crypto.blind_indexes("110105199001011234", CONTEXT)) == 2  # one key × two suites


def test_known_answer_sm3_blind_index(settings):
    settings.CRYPTO_SUITE = "sm"
    import hmac

    expected = hmac.new(b"b" * 32, b"tests.secret\x00ABC", "sm3").hexdigest()
    assert crypto.blind_index("ABC", CONTEXT) == f"sm.b1:{expected}"


def test_missing_key_file_has_a_clear_message(tmp_path, monkeypatch):
    crypto.use_keyring(None)
    monkeypatch.delenv("DANGJIAN_DATA_KEYS", raising=False)
    monkeypatch.setenv("DANGJIAN_KEY_FILE", str(tmp_path / "absent.json"))
    with pytest.raises(crypto.KeyError_) as info:
        crypto.encrypt("x", CONTEXT)
    assert "init_keys" in str(info.value)


def test_keys_from_environment(monkeypatch):
    crypto.use_keyring(None)
    ring = crypto.generate_keyring()
    monkeypatch.setenv("DANGJIAN_DATA_KEYS", json.dumps(ring.to_json()))
    token = crypto.encrypt("x", CONTEXT)
    assert crypto.decrypt(token, CONTEXT) == "x"
    monkeypatch.setenv("DANGJIAN_DATA_KEYS", "{not json")
    crypto.use_keyring(None)
    with pytest.raises(crypto.KeyError_):
        crypto.encrypt("x", CONTEXT)


@pytest.mark.parametrize(
    "bad",
    [
        {
            "encryption": {"current": "e2", "keys": {"e1": base64.b64encode(b"k" * 32).decode()}},
            "blind_index": {"current": "b1", "keys": {"b1": base64.b64encode(b"b" * 32).decode()}},
        },
        {
            "encryption": {"current": "e1", "keys": {"e1": base64.b64encode(b"short").decode()}},
            "blind_index": {"current": "b1", "keys": {"b1": base64.b64encode(b"b" * 32).decode()}},
        },
        {"encryption": {}},
    ],
)
def test_malformed_key_material_is_refused(bad):
    with pytest.raises(crypto.KeyError_):
        crypto.Keyring.from_json(bad)


def test_init_keys_creates_a_private_file_once(tmp_path, monkeypatch):
    crypto.use_keyring(None)
    monkeypatch.delenv("DANGJIAN_DATA_KEYS", raising=False)
    path = tmp_path / "keys.json"
    monkeypatch.setenv("DANGJIAN_KEY_FILE", str(path))
    call_command("init_keys", verbosity=0)
    content = path.read_text()
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    call_command("init_keys", verbosity=0)
    assert path.read_text() == content  # never overwritten


def _admin_with_totp(tree, name):
    user = make_user("org_admin", tree.root, username=name)
    account_services.totp_begin(user=user)
    return User.objects.get(pk=user.pk)


def test_totp_secrets_are_encrypted_at_rest(tree):
    user = _admin_with_totp(tree, "boss")
    secret = account_services.totp_secret_of(user)
    assert len(secret) == 32 and secret not in user.totp_secret
    assert user.totp_secret.startswith("sm:e1:")


def test_rotation_reencrypts_resumably_and_retires(tree, tmp_path, monkeypatch, settings):
    users = [_admin_with_totp(tree, f"boss{i}") for i in range(5)]
    secrets_before = [account_services.totp_secret_of(u) for u in users]
    # Move to a key file so that rotate_keys can write the new key.
    crypto.use_keyring(None)
    monkeypatch.delenv("DANGJIAN_DATA_KEYS", raising=False)
    path = tmp_path / "keys.json"
    monkeypatch.setenv("DANGJIAN_KEY_FILE", str(path))
    from conftest import TEST_KEYRING

    crypto.write_key_file(crypto.Keyring.from_json(TEST_KEYRING.to_json()), path)
    from dangjian.members.services import find_by_id_number
    from dangjian.members.tests.factories import id_number, member

    number = id_number()
    person = member(tree.branch_a, id_number=number, mobile="13912345678")
    from dangjian.dues.services import current_month, declaration_record

    declaration = declaration_record(
        actor=None, member=person, kind="salaried", base="4500.00", applies_from=current_month()
    )
    assert set(keys.count_stale().values()) == {0}
    ring = keys.add_key(crypto.Keyring.from_json(crypto.keyring().to_json()), blind_index=True)
    crypto.write_key_file(ring, path)
    assert keys.count_stale() == {
        "accounts.User.totp_secret": 5,
        "development.Applicant.id_number_enc": 0,
        "members.Member.id_number_enc": 1,
        "members.Member.mobile_enc": 1,
        "members.RegistrationLead.id_number_enc": 0,
        "members.RegistrationLead.mobile_enc": 0,
        "demands.Demand.mobile_enc": 0,
        "demands.AssistSession.mobile_enc": 0,
        "dues.DuesDeclaration.base_enc": 1,
    }
    # Exact search keeps working while the index still uses the old blind key.
    assert find_by_id_number(number) == person
    # Readers keep working mid-rotation: old rows decrypt with the old key.
    assert account_services.totp_secret_of(User.objects.get(pk=users[0].pk)) == secrets_before[0]
    # An interrupted run (batch of 2, then stop) resumes where it stopped.
    with pytest.raises(CommandError):
        call_command("rotate_keys", "--retire", verbosity=0)
    keys_before = {u.pk: User.objects.get(pk=u.pk).totp_secret for u in users}
    call_command("rotate_keys", "--batch-size", "2", verbosity=0)
    assert set(keys.count_stale().values()) == {0}
    assert find_by_id_number(number) == person
    assert person.__class__.objects.get(pk=person.pk).id_number_bidx.startswith(f"{settings.CRYPTO_SUITE}.b2:")
    for user, secret in zip(users, secrets_before, strict=True):
        stored = User.objects.get(pk=user.pk).totp_secret
        assert stored.startswith(f"{settings.CRYPTO_SUITE}:e2:") and stored != keys_before[user.pk]
        assert account_services.totp_secret_of(User.objects.get(pk=user.pk)) == secret
    declaration.refresh_from_db()
    assert declaration.base_enc.startswith(f"{settings.CRYPTO_SUITE}:e2:")
    call_command("rotate_keys", "--retire", verbosity=0)
    assert list(json.loads(path.read_text())["encryption"]["keys"]) == ["e2"]
    assert list(json.loads(path.read_text())["blind_index"]["keys"]) == ["b2"]
    assert find_by_id_number(number) == person


def test_reencrypt_skips_rows_already_current(tree):
    _admin_with_totp(tree, "boss")
    assert keys.reencrypt_all() == 0
