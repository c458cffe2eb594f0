"""The rate-limit counter itself: exact counts, windows, keys, configuration, a cache outage."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import RequestFactory

from dangjian.core import ratelimit


@pytest.fixture
def clock(monkeypatch):
    now = [5_000_000.0]
    monkeypatch.setattr(ratelimit, "_now", lambda: now[0])
    return now


def test_parse_rate():
    assert ratelimit.parse_rate("10/60") == ratelimit.Rate(10, 60)
    for bad in ("0/60", "5/0", "x/60", "5"):
        with pytest.raises(ValueError):
            ratelimit.parse_rate(bad)


def test_the_n_plus_first_request_is_refused_until_the_window_ends(settings, clock):
    settings.RATE_LIMITS = {"login": "5/100"}
    clock[0] = 5_000_030.0  # 30 s into a 100-second window
    for _ in range(5):
        ratelimit.hit("login", "addr:1.2.3.4")
    with pytest.raises(ratelimit.RateLimited) as exc:
        ratelimit.hit("login", "addr:1.2.3.4")
    assert (exc.value.status, exc.value.code, exc.value.retry_after) == (429, "too_many_requests", 70)
    assert exc.value.message == "请求过于频繁，请约 2 分钟后再试。"
    ratelimit.hit("login", "addr:1.2.3.5")  # another key
    clock[0] = 5_000_099.0
    with pytest.raises(ratelimit.RateLimited) as exc:
        ratelimit.hit("login", "addr:1.2.3.4")
    assert exc.value.retry_after == 1
    clock[0] = 5_000_100.0  # the next window
    for _ in range(5):
        ratelimit.hit("login", "addr:1.2.3.4")
    with pytest.raises(ratelimit.RateLimited):
        ratelimit.hit("login", "addr:1.2.3.4")


def test_limits_are_separate_per_name(settings, clock):
    settings.RATE_LIMITS = {"join": "1/60", "report": "1/60"}
    ratelimit.hit("join", "addr:1.2.3.4")
    ratelimit.hit("report", "addr:1.2.3.4")
    with pytest.raises(ratelimit.RateLimited):
        ratelimit.hit("join", "addr:1.2.3.4")


def test_unknown_limit_is_an_error_not_unlimited(settings):
    settings.RATE_LIMITS = {}
    with pytest.raises(KeyError):
        ratelimit.hit("login", "addr:1.2.3.4")


def test_targets_are_stored_as_digests(settings, clock):
    settings.RATE_LIMITS = {"sms_mobile": "1/60"}
    request = RequestFactory().post("/", REMOTE_ADDR="1.2.3.4")
    ratelimit.check("sms_mobile", request, target="13800000001")
    keys = list(cache._cache.keys())
    assert len(keys) == 1 and "13800000001" not in keys[0]
    with pytest.raises(ratelimit.RateLimited):
        ratelimit.check("sms_mobile", RequestFactory().post("/", REMOTE_ADDR="5.6.7.8"), target=" 13800000001 ")


def test_a_cache_outage_lets_requests_through(settings, clock, monkeypatch, caplog):
    settings.RATE_LIMITS = {"login": "1/60"}

    def down(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(type(cache._connections[cache._alias]), "add", down)
    caplog.set_level("WARNING", logger="dangjian.core.ratelimit")
    for _ in range(3):
        ratelimit.hit("login", "addr:1.2.3.4")
    assert "cache is unavailable" in caplog.text


def test_settings_read_overrides_from_the_environment(monkeypatch):
    import importlib

    from dangjian import settings as project_settings

    monkeypatch.setenv("DANGJIAN_RATE_LIMITS", "login=7/70, join=2/20")
    try:
        reloaded = importlib.reload(project_settings)
        assert (reloaded.RATE_LIMITS["login"], reloaded.RATE_LIMITS["join"]) == ("7/70", "2/20")
        assert reloaded.RATE_LIMITS["report"] == "20/3600"
        monkeypatch.setenv("DANGJIAN_RATE_LIMITS", "nosuch=1/1")
        with pytest.raises(RuntimeError, match="unknown limit 'nosuch'"):
            importlib.reload(project_settings)
    finally:
        monkeypatch.delenv("DANGJIAN_RATE_LIMITS")
        importlib.reload(project_settings)
