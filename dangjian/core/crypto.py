"""Crypto by the configured suite: "sm" = SM4-GCM + SM3, "intl" = AES-256-GCM + SHA-256.

- :func:`digest` / :func:`keyed_digest` hash with the suite (audit digests, token hashes).
- :func:`encrypt` / :func:`decrypt` protect personal data at rest with an authenticated cipher; the
  ciphertext names its suite and key id (``sm:e2:<base64>``), and the column's *context* is bound
  in as associated data, so a ciphertext copied into another column does not decrypt.
- :func:`blind_index` is a keyed HMAC of a normalised value, so exact-match search works without
  storing the value; it is prefixed with its key id, and :func:`blind_indexes` gives the value's
  index under every known key so lookups keep working while keys rotate.

Keys never live in the database: they come from ``DANGJIAN_DATA_KEYS`` (JSON) or the key file
``DANGJIAN_KEY_FILE`` (default ``var/keys.json``), created by ``manage.py init_keys``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def hash_name() -> str:
    return "sm3" if settings.CRYPTO_SUITE == "sm" else "sha256"


def digest(data: bytes) -> str:
    """Hex digest of ``data`` with the suite's hash function."""
    return hashlib.new(hash_name(), data).hexdigest()


def keyed_digest(key: bytes, data: bytes) -> str:
    """HMAC of ``data`` under ``key`` with the suite's hash function."""
    return hmac.new(key, data, hash_name()).hexdigest()


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


# --- Keys ----------------------------------------------------------------------------------------------


class KeyError_(ImproperlyConfigured):
    """No usable key material (missing file, malformed JSON, unknown key id)."""


@dataclass
class Keyring:
    """Encryption keys and blind-index keys, each a set of versions with one current."""

    encryption_current: str
    encryption_keys: dict[str, bytes]
    blind_current: str
    blind_keys: dict[str, bytes]
    source: str = ""
    _sm4_keys: dict[str, bytes] = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, data: dict, source: str = "") -> Keyring:
        try:
            enc, blind = data["encryption"], data["blind_index"]
            ring = cls(
                encryption_current=enc["current"],
                encryption_keys={k: base64.b64decode(v) for k, v in enc["keys"].items()},
                blind_current=blind["current"],
                blind_keys={k: base64.b64decode(v) for k, v in blind["keys"].items()},
                source=source,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise KeyError_(f"malformed key material in {source or 'DANGJIAN_DATA_KEYS'}: {exc}") from None
        for name, keys, current in (
            ("encryption", ring.encryption_keys, ring.encryption_current),
            ("blind_index", ring.blind_keys, ring.blind_current),
        ):
            if current not in keys:
                raise KeyError_(f"{name}: current key {current!r} is not among the keys")
            if any(len(k) != 32 for k in keys.values()):
                raise KeyError_(f"{name}: every key must be 32 bytes (base64 of 32 random bytes)")
            if any(":" in k_id or not k_id for k_id in keys):
                raise KeyError_(f"{name}: key ids must be non-empty and contain no ':'")
        return ring

    def to_json(self) -> dict:
        return {
            "encryption": {
                "current": self.encryption_current,
                "keys": {k: base64.b64encode(v).decode() for k, v in self.encryption_keys.items()},
            },
            "blind_index": {
                "current": self.blind_current,
                "keys": {k: base64.b64encode(v).decode() for k, v in self.blind_keys.items()},
            },
        }

    def sm4_key(self, key_id: str) -> bytes:
        """SM4 takes 128-bit keys: derived from the 256-bit key with HKDF-SM3."""
        if key_id not in self._sm4_keys:
            self._sm4_keys[key_id] = HKDF(
                algorithm=hashes.SM3(), length=16, salt=None, info=b"dangjian sm4-gcm"
            ).derive(self.encryption_keys[key_id])
        return self._sm4_keys[key_id]


def new_key_id(existing: dict[str, bytes], prefix: str) -> str:
    numbers = [int(k[len(prefix) :]) for k in existing if k.startswith(prefix) and k[len(prefix) :].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1}"


def generate_keyring() -> Keyring:
    return Keyring("e1", {"e1": secrets.token_bytes(32)}, "b1", {"b1": secrets.token_bytes(32)})


def key_file_path() -> Path:
    return Path(os.environ.get("DANGJIAN_KEY_FILE") or Path(settings.VAR_DIR) / "keys.json")


def write_key_file(ring: Keyring, path: Path | None = None) -> Path:
    """Write atomically with mode 0600 (a reader never sees a half-written file)."""
    path = path or key_file_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(ring.to_json(), handle, indent=2)
    os.replace(tmp, path)
    return path


_lock = threading.Lock()
_cached: tuple[Keyring, float | None] | None = None  # (keyring, key file mtime or None for env/override)
_override: Keyring | None = None


def keyring() -> Keyring:
    """The keyring in force. A key file changed on disk (a rotation) is picked up on the next call."""
    global _cached
    if _override is not None:
        return _override
    raw = os.environ.get("DANGJIAN_DATA_KEYS")
    if raw:
        if _cached is None or _cached[1] is not None:
            try:
                _cached = (Keyring.from_json(json.loads(raw), "DANGJIAN_DATA_KEYS"), None)
            except json.JSONDecodeError as exc:
                raise KeyError_(f"DANGJIAN_DATA_KEYS is not valid JSON: {exc}") from None
        return _cached[0]
    path = key_file_path()
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        raise KeyError_(
            f"no data keys: {path} does not exist. Run `python manage.py init_keys` "
            "(make run does this) or set DANGJIAN_DATA_KEYS."
        ) from None
    with _lock:
        if _cached is None or _cached[1] != mtime:
            try:
                data = json.loads(path.read_text())
            except json.JSONDecodeError as exc:
                raise KeyError_(f"{path} is not valid JSON: {exc}") from None
            _cached = (Keyring.from_json(data, str(path)), mtime)
        return _cached[0]


def use_keyring(ring: Keyring | None) -> None:
    """Pin a keyring in this process (tests), or unpin with None."""
    global _override, _cached
    _override = ring
    _cached = None


# --- Encryption -----------------------------------------------------------------------------------------


def _aead_encrypt(suite: str, ring: Keyring, key_id: str, nonce: bytes, data: bytes, aad: bytes) -> bytes:
    if suite == "intl":
        return AESGCM(ring.encryption_keys[key_id]).encrypt(nonce, data, aad)
    encryptor = Cipher(algorithms.SM4(ring.sm4_key(key_id)), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(aad)
    body = encryptor.update(data) + encryptor.finalize()
    return body + encryptor.tag


def _aead_decrypt(suite: str, ring: Keyring, key_id: str, nonce: bytes, data: bytes, aad: bytes) -> bytes:
    if suite == "intl":
        return AESGCM(ring.encryption_keys[key_id]).decrypt(nonce, data, aad)
    body, tag = data[:-16], data[-16:]
    decryptor = Cipher(algorithms.SM4(ring.sm4_key(key_id)), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(aad)
    return decryptor.update(body) + decryptor.finalize()


class DecryptionError(ValueError):
    """The ciphertext is malformed, was tampered with, or its key is unknown."""


def encrypt(plaintext: str, context: str) -> str:
    """Encrypt with the current key and suite; ``context`` (e.g. "members.member.id_number")
    is authenticated with the ciphertext."""
    ring = keyring()
    suite, key_id = settings.CRYPTO_SUITE, ring.encryption_current
    nonce = secrets.token_bytes(12)
    body = _aead_encrypt(suite, ring, key_id, nonce, plaintext.encode(), context.encode())
    return f"{suite}:{key_id}:{base64.urlsafe_b64encode(nonce + body).decode().rstrip('=')}"


def decrypt(token: str, context: str) -> str:
    try:
        suite, key_id, payload = token.split(":", 2)
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    except ValueError:
        raise DecryptionError("malformed ciphertext") from None
    if suite not in ("sm", "intl") or len(raw) < 12 + 16:
        raise DecryptionError("malformed ciphertext")
    ring = keyring()
    if key_id not in ring.encryption_keys:
        raise DecryptionError(f"unknown encryption key {key_id!r}")
    try:
        return _aead_decrypt(suite, ring, key_id, raw[:12], raw[12:], context.encode()).decode()
    except InvalidTag:
        raise DecryptionError("ciphertext failed authentication (tampered, or another column's value)") from None


def is_current(token: str) -> bool:
    """Whether ``token`` is already under the current suite and encryption key."""
    return token.startswith(f"{settings.CRYPTO_SUITE}:{keyring().encryption_current}:")


def blind_index(value: str, context: str, key_id: str | None = None, suite: str | None = None) -> str:
    """``<suite>.<key id>:<hex HMAC>`` of an already normalised value (current key and suite)."""
    ring = keyring()
    key_id = key_id or ring.blind_current
    suite = suite or settings.CRYPTO_SUITE
    algorithm = "sm3" if suite == "sm" else "sha256"
    mac = hmac.new(ring.blind_keys[key_id], f"{context}\x00{value}".encode(), algorithm).hexdigest()
    return f"{suite}.{key_id}:{mac}"


def blind_indexes(value: str, context: str) -> list[str]:
    """The value's index under every blind key and both suites (current first), so exact lookups
    keep finding rows while a key or suite rotation is under way."""
    ring = keyring()
    ids = [ring.blind_current, *sorted(k for k in ring.blind_keys if k != ring.blind_current)]
    suites = [settings.CRYPTO_SUITE, *(s for s in ("sm", "intl") if s != settings.CRYPTO_SUITE)]
    return [blind_index(value, context, key_id, suite) for key_id in ids for suite in suites]


def blind_index_is_current(index: str) -> bool:
    return index.startswith(f"{settings.CRYPTO_SUITE}.{keyring().blind_current}:")


# --- Encrypted columns and rotation ----------------------------------------------------------------------


@dataclass(frozen=True)
class EncryptedColumn:
    """A model column holding :func:`encrypt` output, with its optional blind-index column.
    ``normalise`` turns the plaintext into the form that is indexed (e.g. upper-case ID numbers)."""

    model: type
    cipher_field: str
    context: str
    index_field: str | None = None
    normalise: object = None


_columns: list[EncryptedColumn] = []


def register_encrypted_column(
    model, cipher_field: str, context: str, index_field: str | None = None, normalise=None
) -> EncryptedColumn:
    column = EncryptedColumn(model, cipher_field, context, index_field, normalise)
    _columns.append(column)
    return column


def encrypted_columns() -> list[EncryptedColumn]:
    return list(_columns)
