"""Volunteer points: daily cap, idempotent awards, redemption never below zero (also concurrently),
corrections, leaderboards, scope."""

import datetime as dt
import threading

import pytest
from django.db import connection

from conftest import make_user
from dangjian.core.errors import ConflictError, DomainError, NotFoundError
from dangjian.core.models import AuditEntry, PolicyValue
from dangjian.points import selectors, services
from dangjian.points.models import PointAccount, PointEntry
from dangjian.stations import services as station_services

NOON = dt.datetime(2026, 11, 23, 4, tzinfo=dt.UTC)  # 12:00 in Shanghai


@pytest.fixture
def station(tree):
    return station_services.station_create(
        actor=None,
        org=tree.branch_a,
        name="驿站",
        kind="rider_station",
        address="路",
        latitude="30.2",
        longitude="120.1",
    )


@pytest.fixture
def worker(tree):
    return make_user(username="rider", home_org=tree.branch_a, display_name="王师傅")


def test_daily_cap_and_idempotent_sources(tree, worker):
    assert (
        services.points_earn(user=worker, points=20, reason="a", org=tree.branch_a, source="report:1", now=NOON).points
        == 20
    )
    assert (
        services.points_earn(user=worker, points=20, reason="b", org=tree.branch_a, source="report:2", now=NOON).points
        == 10
    )
    assert (
        services.points_earn(user=worker, points=5, reason="c", org=tree.branch_a, source="report:3", now=NOON) is None
    )
    assert (
        services.points_earn(
            user=worker, points=5, reason="a", org=tree.branch_a, source="report:1", now=NOON + dt.timedelta(days=1)
        )
        is None
    )
    tomorrow = services.points_earn(
        user=worker, points=5, reason="d", org=tree.branch_a, source="report:4", now=NOON + dt.timedelta(days=1)
    )
    assert tomorrow.balance_after == 35
    assert selectors.balance(worker) == 35
    PolicyValue.objects.create(key="points.daily_cap", scope_path=tree.branch_a.path, value=100)
    assert (
        services.points_earn(user=worker, points=50, reason="e", org=tree.branch_a, source="x", now=NOON).points == 50
    )


def test_redeem_by_code_never_below_zero(tree, worker, station):
    manager = make_user("station_manager", tree.branch_a)
    services.points_earn(user=worker, points=12, reason="a", org=tree.branch_a, source="s1", now=NOON)
    code = services.worker_code(worker)
    entry = services.points_redeem(actor=manager, station=station, code=code, points=10, reason="矿泉水一箱")
    assert (entry.points, entry.balance_after, entry.station, entry.actor) == (-10, 2, station, manager)
    with pytest.raises(ConflictError) as exc:
        services.points_redeem(actor=manager, station=station, code=code, points=3, reason="雨衣")
    assert exc.value.code == "insufficient_points"
    assert PointAccount.objects.get(user=worker).balance == 2
    with pytest.raises(DomainError) as exc:
        services.points_redeem(actor=manager, station=station, code=code + "x", points=1, reason="雨衣")
    assert exc.value.fields.keys() == {"code"}
    with pytest.raises(DomainError):
        services.points_redeem(actor=manager, station=station, code=code, points=0, reason="雨衣")
    assert AuditEntry.objects.filter(action="points.redeem").count() == 1


def test_redeem_scope(tree, worker, station):
    outsider = make_user("station_manager", tree.branch_b)
    with pytest.raises(NotFoundError):
        services.points_redeem(
            actor=outsider, station=station, code=services.worker_code(worker), points=1, reason="水"
        )


def test_expired_code(tree, worker, station, monkeypatch):
    code = services.worker_code(worker)
    monkeypatch.setattr(services, "CODE_MAX_AGE", -1)
    with pytest.raises(DomainError):
        services.user_from_code(code)


def test_correction_and_leaderboard(tree, worker, station):
    admin = make_user("org_admin", tree.root)
    other = make_user(username="rider2", home_org=tree.branch_b)
    services.points_earn(user=worker, points=8, reason="a", org=tree.branch_a, source="s1", now=NOON)
    services.points_earn(user=other, points=9, reason="a", org=tree.branch_b, source="s2", now=NOON)
    services.points_correct(actor=admin, user=worker, org=tree.branch_a, points=3, reason="漏记一次")
    with pytest.raises(ConflictError):
        services.points_correct(actor=admin, user=worker, org=tree.branch_a, points=-20, reason="多记")
    assert selectors.leaderboard(tree.street_a) == [{"user_id": worker.pk, "name": "王师傅", "points": 11}]
    assert [r["points"] for r in selectors.leaderboard(tree.root)] == [11, 9]
    assert list(PointEntry.objects.filter(account__user=worker).order_by("id").values_list("kind", "points")) == [
        ("earn", 8),
        ("correct", 3),
    ]


def test_pages(tree, worker, station, login_as, django_assert_max_num_queries):
    services.points_earn(user=worker, points=8, reason="随手拍处理完毕", org=tree.branch_a, source="s1", now=NOON)
    client = login_as(worker)
    with django_assert_max_num_queries(8):
        html = client.get("/points/").content.decode()
    assert "随手拍处理完毕" in html and "<svg" in html
    manager = make_user("station_manager", tree.branch_a)
    m = login_as(manager)
    assert m.get("/points/redeem").status_code == 200
    r = m.post(
        "/points/redeem", {"station": station.pk, "code": services.worker_code(worker), "points": 5, "reason": "充电宝"}
    )
    assert r.status_code == 302 and selectors.balance(worker) == 3
    r = m.post(
        "/points/redeem", {"station": station.pk, "code": services.worker_code(worker), "points": 5, "reason": "充电宝"}
    )
    assert r.status_code == 200 and "积分不足" in r.content.decode()
    assert client.get("/points/redeem").status_code == 403
    with django_assert_max_num_queries(8):
        assert "王师傅" in m.get(f"/points/leaderboard/{tree.branch_a.pk}/").content.decode()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_redemptions_never_go_negative(tree, worker, station):
    manager = make_user("station_manager", tree.branch_a)
    services.points_earn(user=worker, points=10, reason="a", org=tree.branch_a, source="s1", now=NOON)
    code = services.worker_code(worker)
    results, barrier = [], threading.Barrier(4)

    def redeem():
        from django.db import connection as thread_connection

        barrier.wait()
        try:
            services.points_redeem(actor=manager, station=station, code=code, points=4, reason="并发兑换")
            results.append("ok")
        except ConflictError:
            results.append("refused")
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=redeem) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["ok", "ok", "refused", "refused"]
    assert PointAccount.objects.get(user=worker).balance == 2
    assert list(PointEntry.objects.filter(kind="redeem").values_list("balance_after", flat=True).order_by("id")) == [
        6,
        2,
    ]


def test_api(tree, worker, station, login_as, django_assert_max_num_queries):
    services.points_earn(user=worker, points=9, reason="a", org=tree.branch_a, source="s1", now=NOON)
    me = login_as(worker)
    with django_assert_max_num_queries(8):
        body = me.get("/api/v1/points/me").json()
    assert body["balance"] == 9 and [e["points"] for e in body["entries"]] == [9]
    manager = login_as(make_user("station_manager", tree.branch_a))
    r = manager.post(
        "/api/v1/points/redeem",
        {"station_id": station.pk, "code": body["code"], "points": 4, "reason": "雨衣"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["balance_after"] == 5
    r = manager.post(
        "/api/v1/points/redeem",
        {"station_id": station.pk, "code": body["code"], "points": 6, "reason": "雨衣"},
        content_type="application/json",
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "insufficient_points"
    assert (
        me.post(
            "/api/v1/points/redeem",
            {"station_id": station.pk, "code": body["code"], "points": 1, "reason": "雨衣"},
            content_type="application/json",
        ).status_code
        == 404
    )
    assert manager.get(f"/api/v1/points/leaderboard/{tree.branch_a.pk}").json() == [
        {"user_id": worker.pk, "name": "王师傅", "points": 9}
    ]
