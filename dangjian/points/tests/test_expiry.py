"""Expiry of volunteer points: oldest spent first, never below zero, once per cutoff, concurrency safe."""

import datetime as dt
import threading

import pytest
from django.core.management import call_command
from django.db import connection

from conftest import make_user
from dangjian.core.models import AuditEntry
from dangjian.notifications.models import Notification
from dangjian.points import services
from dangjian.points.models import PointAccount, PointEntry


def at(year, month=6, day=1):
    return dt.datetime(year, month, day, 4, tzinfo=dt.UTC)


@pytest.fixture
def worker(tree):
    return make_user(username="rider", home_org=tree.branch_a, display_name="王师傅")


def earn(worker, tree, points, when, source):
    return services.points_earn(user=worker, points=points, reason="服务", org=tree.branch_a, source=source, now=when)


def test_cutoff_is_the_end_of_the_following_year():
    assert services.expiry_cutoff(dt.date(2027, 1, 1), 1) == dt.datetime(2026, 1, 1, tzinfo=dt.UTC).astimezone(
        services.timezone.get_current_timezone()
    ).replace(hour=0)


def test_old_points_expire_after_spending_oldest_first(tree, worker):
    earn(worker, tree, 20, at(2024, 3), "a")
    earn(worker, tree, 10, at(2024, 9), "b")
    earn(worker, tree, 15, at(2025, 5), "c")
    admin = make_user("org_admin", tree.root)
    services.points_correct(actor=admin, user=worker, org=tree.branch_a, points=-8, reason="误记")
    # 2024's 30 points, 8 of them spent: 22 expire on 1 Jan 2026; 2025's 15 stay until 2027.
    assert services.points_expire(today=dt.date(2026, 1, 1)) == {"accounts": 1, "points": 22}
    account = PointAccount.objects.get(user=worker)
    assert account.balance == 15
    entry = PointEntry.objects.get(kind="expire")
    assert (entry.points, entry.balance_after, entry.source) == (-22, 15, f"expire:{account.pk}:2025")
    assert entry.reason == "2025年以前获得的积分已过期"
    assert services.points_expire(today=dt.date(2026, 6, 1)) == {"accounts": 0, "points": 0}
    assert AuditEntry.objects.filter(action="points.expire").count() == 1
    note = Notification.objects.get(recipient=worker, kind="points.expired")
    assert note.title == "22 个志愿服务积分已过期" and note.url == "/points/"
    # A year later 2025's points go too.
    assert services.points_expire(today=dt.date(2027, 1, 2)) == {"accounts": 1, "points": 15}
    assert PointAccount.objects.get(user=worker).balance == 0


def test_nothing_expires_when_the_old_points_were_spent(tree, worker):
    earn(worker, tree, 10, at(2024), "a")
    earn(worker, tree, 5, at(2025), "b")
    admin = make_user("org_admin", tree.root)
    services.points_correct(actor=admin, user=worker, org=tree.branch_a, points=-12, reason="兑换补记")
    assert services.points_expire(today=dt.date(2026, 1, 1)) == {"accounts": 0, "points": 0}
    assert PointAccount.objects.get(user=worker).balance == 3


def test_validity_is_a_setting(tree, worker, settings):
    earn(worker, tree, 10, at(2024), "a")
    settings.POINTS_VALIDITY_YEARS = 2
    assert services.points_expire(today=dt.date(2026, 1, 1)) == {"accounts": 0, "points": 0}
    assert services.points_expire(today=dt.date(2027, 1, 1)) == {"accounts": 1, "points": 10}


def test_command(tree, worker, capsys):
    earn(worker, tree, 7, at(2024), "a")
    call_command("points_expire", "--today", "2026-01-01")
    assert capsys.readouterr().out.strip() == "expired 7 points in 1 accounts"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_expiry_runs_expire_once(tree, worker):
    earn(worker, tree, 10, at(2024), "a")
    results, barrier = [], threading.Barrier(3)

    def run():
        from django.db import connection as thread_connection

        barrier.wait()
        try:
            results.append(services.points_expire(today=dt.date(2026, 1, 1))["points"])
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [0, 0, 10]
    assert PointAccount.objects.get(user=worker).balance == 0
    assert PointEntry.objects.filter(kind="expire").count() == 1
