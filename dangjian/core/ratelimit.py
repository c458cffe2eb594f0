"""Rate limits for login and the public (anonymous) forms and API operations.

One fixed-window counter per (limit name, key) in Django's cache: Redis in production
(``REDIS_URL``), so that every app process shares the counts, and local memory in tests. The key is
the client address (see ``middleware.client_address`` for the trusted proxy count) or, for limits
on a target such as the mobile number a code is sent to, a keyed digest of that target: no mobile
number is written to the cache in clear.

Limits are ``"count/seconds"`` strings in ``settings.RATE_LIMITS`` (defaults there, overridable with
``DANGJIAN_RATE_LIMITS``). A refused request raises :class:`RateLimited`: pages answer HTTP 429 with
a Chinese message and ``Retry-After`` (``DomainErrorMiddleware``), the API its error shape with code
``too_many_requests`` and the same header (``core.api``).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from .errors import DomainError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int


def parse_rate(text: str) -> Rate:
    """``"10/60"``: at most 10 requests in each 60-second window."""
    count, _slash, seconds = text.partition("/")
    rate = Rate(int(count), int(seconds))
    if rate.count < 1 or rate.seconds < 1:
        raise ValueError(f"rate {text!r}: count and seconds must be positive")
    return rate


def rate_for(name: str) -> Rate:
    """The configured rate; an unknown name is a programming error (KeyError), never "unlimited"."""
    return parse_rate(settings.RATE_LIMITS[name])


class RateLimited(DomainError):
    """Too many requests from this address (or for this target) in the current window."""

    status = 429
    default_code = "too_many_requests"

    def __init__(self, retry_after: int):
        minutes = max(1, math.ceil(retry_after / 60))
        super().__init__(
            _("Too many requests. Please wait about %(minutes)d minute(s) and try again.") % {"minutes": minutes}
        )
        self.retry_after = retry_after


def _now() -> float:
    return time.time()


def _digest(value: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:32]


def hit(name: str, key: str) -> None:
    """Count one request under limit ``name`` for ``key``; raise RateLimited past the limit.

    If the cache cannot be reached the request is let through and the failure logged: a down
    Redis must not lock everybody out of logging in."""
    rate = rate_for(name)
    now = _now()
    window = int(now // rate.seconds)
    cache_key = f"rl:{name}:{_digest(key)}:{window}"
    try:
        cache.add(cache_key, 0, timeout=rate.seconds + 1)
        try:
            count = cache.incr(cache_key)
        except ValueError:  # expired between add and incr
            cache.add(cache_key, 1, timeout=rate.seconds + 1)
            count = 1
    except Exception:
        logger.warning("rate limit %s not checked: the cache is unavailable", name, exc_info=True)
        return
    if count > rate.count:
        retry_after = max(1, math.ceil((window + 1) * rate.seconds - now))
        logger.info("rate limit %s reached (%d in %d s)", name, rate.count, rate.seconds)
        raise RateLimited(retry_after)


def check(name: str, request, *, target: str | None = None) -> None:
    """Count this request from its client address; with ``target``, count it for that target
    (e.g. a mobile number) instead, whatever address it comes from."""
    from .middleware import client_address

    if target is not None:
        hit(name, "target:" + target.strip().lower())
    else:
        hit(name, "addr:" + (client_address(request) or "unknown"))


def limit(name: str, *, methods: tuple[str, ...] = ("POST",)) -> Callable:
    """View decorator: count ``methods`` requests per client address under limit ``name``."""

    def decorate(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method in methods:
                check(name, request)
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
