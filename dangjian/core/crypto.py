"""Hashing by the configured crypto suite: SM3 for "sm", SHA-256 for "intl".

Encryption of personal data at rest (SM4-GCM / AES-256-GCM) builds on the same suite setting.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings


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
