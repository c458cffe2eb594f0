"""org_warnings: the sizing and term rules of DOMAIN §2 with the numbers of the org's region."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import translation

from dangjian.core.models import PolicyValue
from dangjian.orgs import services
from dangjian.orgs.selectors import org_warnings
from dangjian.orgs.tests.helpers import entity

TODAY = dt.date(2025, 6, 15)
# A term that ends far after TODAY, so the term rules stay quiet unless a test is about them.
QUIET_TERM = {"term_start": dt.date(2025, 1, 1), "term_years": 5}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


_codes = itertools.count(1)


def make(parent, kind="branch", members=0, full=0, **extra):
    data = {**QUIET_TERM, **extra}
    return services.org_create(
        actor=None,
        parent=parent,
        name="测试组织",
        code=f"W{next(_codes)}",
        kind=kind,
        category="new_employment",
        member_count=members,
        full_member_count=full,
        **data,
    )


def warn(org, **kwargs):
    return [(w.level, w.code, w.message) for w in org_warnings(org, today=TODAY, **kwargs)]


def codes(org, **kwargs):
    return [w.code for w in org_warnings(org, today=TODAY, **kwargs)]


def test_quiet_branch_has_no_warning(tree):
    assert warn(make(tree.street_a, members=50, full=6)) == []


def test_branch_too_large_suggests_a_general_branch(tree):
    assert warn(make(tree.street_a, members=51, full=6)) == [
        ("warning", "branch_too_large", "51 members: a branch holds at most 50; consider a general branch.")
    ]


def test_branch_too_large_suggests_a_committee_from_100(tree):
    assert warn(make(tree.street_a, members=100, full=6)) == [
        (
            "warning",
            "branch_too_large",
            "100 members: a branch holds at most 50; with 100 or more members a party committee should be set up.",
        )
    ]


def test_general_branch_of_100_needs_a_committee(tree):
    assert warn(make(tree.street_a, "general_branch", members=99, full=50)) == []
    assert warn(make(tree.street_a, "general_branch", members=100, full=50)) == [
        ("warning", "committee_needed", "100 members: with 100 or more members a party committee should be set up.")
    ]


@pytest.mark.parametrize(
    "special_type, warned",
    [
        ("standard", True),
        ("industry", True),
        ("platform", True),
        ("regional", True),
        ("joint", False),
        ("cloud", False),
        ("temporary", False),
    ],
)
def test_too_few_full_members(tree, special_type, warned):
    org = make(tree.street_a, members=4, full=2, special_type=special_type)
    expected = [
        (
            "warning",
            "too_few_full_members",
            "Only 2 full members: an own branch needs at least 3; otherwise join a joint branch.",
        )
    ]
    assert warn(org) == (expected if warned else [])
    assert warn(make(tree.street_a, members=4, full=3, special_type=special_type)) == []


def test_branch_committee_needed_from_7_full_members(tree):
    assert warn(make(tree.street_a, members=9, full=6)) == []
    assert warn(make(tree.street_a, members=9, full=7, has_committee=True)) == []
    assert warn(make(tree.street_a, members=9, full=7)) == [
        (
            "warning",
            "branch_committee_needed",
            "7 full members: a branch with 7 or more full members elects a branch committee of 3 to 5 members.",
        )
    ]


def test_joint_branch_too_wide(tree):
    joint = make(tree.street_a, members=6, full=3, special_type="joint")
    assert codes(joint, served_entities=5) == []
    assert warn(joint, served_entities=6) == [
        ("warning", "joint_branch_too_wide", "Serves 6 host entities: a joint branch should serve at most 5.")
    ]
    # Without a count handed in, the links are counted.
    for i in range(6):
        services.coverage_link(actor=None, org=joint, entity=entity(tree.street_a, f"小微企业{i}"))
    assert codes(joint) == ["joint_branch_too_wide"]
    standard = make(tree.street_a, members=6, full=3)
    assert codes(standard, served_entities=9) == []


def test_rules_only_apply_to_their_kinds(tree):
    committee = make(tree.street_a, "committee", members=300, full=1)
    assert codes(committee) == []
    group = make(tree.branch_a, "group", members=80, full=1, term_start=None, term_years=None)
    assert codes(group) == []  # a group has no term of its own either


@pytest.mark.parametrize(
    "start, years, expected",
    [
        (
            dt.date(2022, 6, 14),
            3,
            [
                (
                    "danger",
                    "term_overdue",
                    "The term ended on 2025-06-14: the election of the next committee is overdue.",
                )
            ],
        ),
        (
            dt.date(2022, 6, 15),
            3,
            [("warning", "term_expiring", "The term ends on 2025-06-15, within 6 months: prepare the election.")],
        ),
        (
            dt.date(2020, 12, 15),
            5,
            [("warning", "term_expiring", "The term ends on 2025-12-15, within 6 months: prepare the election.")],
        ),
        (dt.date(2020, 12, 16), 5, []),
    ],
)
def test_term_rules(tree, start, years, expected):
    assert warn(make(tree.street_a, members=5, full=4, term_start=start, term_years=years)) == expected


def test_term_warning_window_at_the_end_of_a_month(tree):
    org = make(tree.street_a, members=5, full=4, term_start=dt.date(2023, 2, 28), term_years=3)
    assert org.term_end == dt.date(2026, 2, 28)
    assert [w.code for w in org_warnings(org, today=dt.date(2025, 8, 31))] == ["term_expiring"]
    assert [w.code for w in org_warnings(org, today=dt.date(2025, 8, 27))] == []


def test_term_unknown(tree):
    assert warn(make(tree.street_a, members=5, full=4, term_start=None, term_years=None)) == [
        ("warning", "term_unknown", "The current term is not recorded.")
    ]


def test_the_tree_fixture_branch(tree):
    assert codes(tree.branch_a) == ["branch_committee_needed", "term_unknown"]
    assert codes(tree.branch_b) == ["term_unknown"]


def test_many_rules_at_once_keep_their_order(tree):
    org = make(tree.street_a, members=120, full=2, term_start=dt.date(2020, 1, 1), term_years=3)
    assert codes(org) == ["branch_too_large", "too_few_full_members", "term_overdue"]


def test_an_override_on_an_ancestor_changes_the_thresholds(tree):
    in_region = make(tree.street_a, members=40, full=6)
    elsewhere = make(tree.street_b, members=40, full=6)
    PolicyValue.objects.create(key="orgs.branch_max_members", scope_path=tree.root.path, value=45)
    PolicyValue.objects.create(key="orgs.branch_max_members", scope_path=tree.street_a.path, value=30)
    PolicyValue.objects.create(key="orgs.branch_committee_full_members", scope_path=tree.street_a.path, value=5)
    PolicyValue.objects.create(key="orgs.min_full_members_own_branch", scope_path=tree.street_b.path, value=8)
    assert warn(in_region) == [
        ("warning", "branch_too_large", "40 members: a branch holds at most 30; consider a general branch."),
        (
            "warning",
            "branch_committee_needed",
            "6 full members: a branch with 5 or more full members elects a branch committee of 3 to 5 members.",
        ),
    ]
    assert warn(elsewhere) == [
        (
            "warning",
            "too_few_full_members",
            "Only 6 full members: an own branch needs at least 8; otherwise join a joint branch.",
        ),
    ]


def test_an_override_of_the_term_window_and_the_committee_size(tree):
    org = make(tree.street_a, members=5, full=4, term_start=dt.date(2022, 10, 1), term_years=3)  # ends 2025-10-01
    general = make(tree.street_a, "general_branch", members=60, full=40)
    assert codes(org) == ["term_expiring"]
    PolicyValue.objects.create(key="orgs.term_warning_months", scope_path=tree.street_a.path, value=3)
    PolicyValue.objects.create(key="orgs.committee_min_members", scope_path=tree.root.path, value=60)
    assert codes(org) == []
    assert warn(general) == [
        ("warning", "committee_needed", "60 members: with 60 or more members a party committee should be set up.")
    ]
