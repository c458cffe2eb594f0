"""coverage_report: exact totals and rates overall, by category and by industry, within the scope."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone, translation

from conftest import make_user
from dangjian.core import scope
from dangjian.orgs import services
from dangjian.orgs.selectors import coverage_report, entity_list
from dangjian.orgs.tests.helpers import entity


def row(r):
    return (r.key, r.total, r.org_covered, r.work_covered, r.covered, r.org_rate, r.rate)


@pytest.fixture
def world(tree):
    today = timezone.localdate()
    e = SimpleNamespace(
        e1=entity(tree.branch_a, "E1平台", "platform_company", "internet"),
        e2=entity(tree.street_a, "E2数字", "digital_firm", "internet"),
        e3=entity(tree.street_a, "E3物流", "other_enterprise", "logistics"),
        e4=entity(tree.street_a, "E4协会", "association", "trade_association"),
        e5=entity(tree.street_a, "E5骑手", "worker_group", "food_delivery"),
        e6=entity(tree.street_a, "E6骑手", "worker_group", "food_delivery"),
        e7=entity(tree.street_b, "E7基金会", "foundation", "charity"),
        e8=entity(tree.street_b, "E8骑手", "worker_group", "food_delivery"),
    )

    def instructor(target, start, end=None):
        a = services.instructor_assign(
            actor=None, entity=target, instructor_name="指导员", assigned_by=tree.root, start_date=start
        )
        if end:
            services.instructor_end(actor=None, assignment=a, end_date=end)

    services.coverage_link(actor=None, org=tree.branch_a, entity=e.e1)
    services.coverage_link(actor=None, org=tree.branch_a, entity=e.e4)
    services.coverage_link(actor=None, org=tree.street_a, entity=e.e4)  # two links still count once
    services.coverage_link(actor=None, org=tree.branch_b, entity=e.e7)
    instructor(e.e2, today - dt.timedelta(days=30))
    instructor(e.e4, today - dt.timedelta(days=30))  # organisationally covered already: counted there
    instructor(e.e5, today - dt.timedelta(days=30), end=today - dt.timedelta(days=1))  # ended yesterday
    instructor(e.e6, today + dt.timedelta(days=1))  # starts tomorrow
    instructor(e.e8, today - dt.timedelta(days=30), end=today)  # ends today: still active today
    e.today = today
    return e


def test_whole_scope(tree, world):
    admin = make_user("org_admin", tree.root)
    with translation.override("en"):
        report = coverage_report(admin)
    assert row(report.total) == ("all", 8, 3, 2, 5, 37.5, 62.5)
    assert report.total.label == "All host entities"
    assert [row(r) for r in report.by_category] == [
        ("new_economic", 3, 1, 1, 2, 33.3, 66.7),
        ("new_social", 2, 2, 0, 2, 100.0, 100.0),
        ("new_employment", 3, 0, 1, 1, 0.0, 33.3),
    ]
    assert [r.label for r in report.by_category] == [
        "New economic organisations",
        "New social organisations",
        "New employment groups",
    ]
    assert [row(r) for r in report.by_industry] == [
        ("food_delivery", 3, 0, 1, 1, 0.0, 33.3),
        ("internet", 2, 1, 1, 2, 50.0, 100.0),
        ("charity", 1, 1, 0, 1, 100.0, 100.0),
        ("logistics", 1, 0, 0, 0, 0.0, 0.0),
        ("trade_association", 1, 1, 0, 1, 100.0, 100.0),
    ]
    assert report.by_industry[0].label == "Food delivery"


def test_narrower_scope_and_subtree(tree, world):
    admin_a = make_user("org_admin", tree.street_a)
    report = coverage_report(admin_a)
    assert row(report.total) == ("all", 6, 2, 1, 3, 33.3, 50.0)
    assert [row(r) for r in report.by_category] == [
        ("new_economic", 3, 1, 1, 2, 33.3, 66.7),
        ("new_social", 1, 1, 0, 1, 100.0, 100.0),
        ("new_employment", 2, 0, 0, 0, 0.0, 0.0),
    ]
    under = coverage_report(admin_a, tree.branch_a)
    assert row(under.total) == ("all", 1, 1, 0, 1, 100.0, 100.0)
    assert [row(r) for r in under.by_industry] == [("internet", 1, 1, 0, 1, 100.0, 100.0)]
    # A subtree outside the user's scope adds nothing: the scope still narrows first.
    assert coverage_report(admin_a, tree.street_b).total.total == 0


def test_secretary_reads_coverage_station_manager_does_not(tree, world):
    assert coverage_report(make_user("secretary", tree.street_b)).total.total == 2
    nothing = coverage_report(make_user("station_manager", tree.root))
    assert row(nothing.total) == ("all", 0, 0, 0, 0, 0.0, 0.0)
    assert [row(r) for r in nothing.by_category] == [
        ("new_economic", 0, 0, 0, 0, 0.0, 0.0),
        ("new_social", 0, 0, 0, 0, 0.0, 0.0),
        ("new_employment", 0, 0, 0, 0, 0.0, 0.0),
    ]
    assert nothing.by_industry == []


def test_report_on_another_day(tree, world):
    admin = make_user("org_admin", tree.root)
    tomorrow = coverage_report(admin, today=world.today + dt.timedelta(days=1))
    # e6's instructor has started; e8's has ended.
    assert row(tomorrow.total) == ("all", 8, 3, 2, 5, 37.5, 62.5)
    assert [r.key for r in tomorrow.by_category if r.work_covered] == ["new_economic", "new_employment"]
    long_ago = coverage_report(admin, today=world.today - dt.timedelta(days=60))
    assert row(long_ago.total) == ("all", 8, 3, 0, 3, 37.5, 37.5)


def test_report_is_one_query(tree, world, django_assert_num_queries):
    admin = make_user("org_admin", tree.root)
    scope.grants(admin)  # grants are read once per request; prime them
    with django_assert_num_queries(1):
        coverage_report(admin)


def test_entity_list_coverage_filters(tree, world):
    admin = make_user("org_admin", tree.root)

    def names(**kw):
        return [e.name for e in entity_list(admin, **kw)]

    assert names(covered="org") == ["E1平台", "E4协会", "E7基金会"]
    assert names(covered="work") == ["E2数字", "E8骑手"]
    assert names(covered="none") == ["E3物流", "E5骑手", "E6骑手"]
    assert names(category="new_social") == ["E4协会", "E7基金会"]
    assert names(kind="worker_group", under=tree.street_a) == ["E5骑手", "E6骑手"]
    assert names(industry="internet") == ["E1平台", "E2数字"]
    assert names(q="骑手") == ["E5骑手", "E6骑手", "E8骑手"]
    assert names(q=world.e3.uscc.lower()) == ["E3物流"]
    assert len(names()) == 8


def test_the_summary_is_shared_by_the_same_subtrees_only(tree, world, settings, login_as):
    from django.core.cache import cache

    from dangjian.orgs.selectors import coverage_summary

    settings.COVERAGE_SUMMARY_CACHE_SECONDS = 300
    cache.clear()
    admin, other_admin = make_user("org_admin", tree.root), make_user("org_admin", tree.root)
    street_b = make_user("secretary", tree.street_b)
    first, counted_at = coverage_summary(admin)
    assert row(first) == ("all", 8, 3, 2, 5, 37.5, 62.5) and counted_at is not None
    entity(tree.street_b, "E9新增", "worker_group", "food_delivery")
    # The same subtree within 5 minutes: the shared count, with the time it was taken.
    assert (row(coverage_summary(other_admin)[0]), coverage_summary(other_admin)[1]) == (row(first), counted_at)
    # Another subtree is counted on its own, and never shows what lies outside it.
    assert coverage_summary(street_b)[0].total == 3
    assert coverage_summary(admin, tree.street_b)[0].total == 3
    html = login_as(admin).get("/").content.decode()
    assert "62.5%" in html and f"统计于 {timezone.localtime(counted_at):%H:%M}，每 5 分钟更新。" in html
    cache.clear()
    assert coverage_summary(admin)[0].total == 9
