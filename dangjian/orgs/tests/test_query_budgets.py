"""Query budgets: every list page and list endpoint runs the same number of queries for 5 rows as for 30.

The budgets are exact, so an added query (or an N+1 that only shows with more rows) fails here.
"""

from __future__ import annotations

import pytest

from conftest import login, make_user
from dangjian.orgs import services
from dangjian.orgs.tests.helpers import entity

SIZES = [5, 30]


@pytest.fixture(params=SIZES, ids=lambda n: f"{n}rows")
def world(request, tree):
    """``n`` branches under street_a, each owning an entity that it serves (as does street_a), with an
    instructor; and one platform served by all ``n`` branches."""
    n = request.param
    platform = entity(tree.street_a, "大平台")
    for i in range(n):
        org = services.org_create(
            actor=None,
            parent=tree.street_a,
            name=f"预算支部{i}",
            code=f"Q{i}",
            kind="branch",
            category="new_employment",
            member_count=3,
            full_member_count=3,
            special_type="joint" if i % 2 else "standard",
        )
        e = entity(org, f"预算单位{i}", industry="internet" if i % 2 else "logistics")
        services.coverage_link(actor=None, org=org, entity=e)
        services.coverage_link(actor=None, org=tree.street_a, entity=e)
        services.coverage_link(actor=None, org=org, entity=platform)
        services.instructor_assign(actor=None, entity=e, instructor_name=f"指导员{i}", assigned_by=tree.root)
        services.instructor_assign(
            actor=None, entity=platform, instructor_name=f"平台指导员{i}", assigned_by=tree.street_a
        )
    tree.platform = platform
    tree.n = n
    return tree


# (url, exact number of queries, rows the response must show)
def cases(w):
    n = w.n
    return [
        ("/orgs/", 7, None),
        ("/orgs/?q=预算", 10, None),
        (f"/orgs/{w.street_a.pk}/children", 8, None),
        (f"/orgs/{w.street_a.pk}/", 12, None),
        (f"/orgs/entities/{w.platform.pk}/", 9, None),
        ("/orgs/entities/", 8, None),
        ("/orgs/entities/?covered=org&industry=internet", 8, None),
        ("/orgs/coverage/", 8, None),
        (f"/orgs/coverage/?under={w.street_a.pk}", 9, None),
        ("/orgs/pick?q=预算", 7, None),
        ("/api/v1/orgs", 9, n + 6),
        (f"/api/v1/orgs?under_id={w.street_a.pk}", 10, n + 3),
        ("/api/v1/orgs/entities", 8, n + 1),
        ("/api/v1/orgs/entities?covered=work", 8, 0),
        ("/api/v1/orgs/coverage", 7, None),
    ]


@pytest.mark.parametrize("index", range(15))
def test_budget_is_constant(world, index, django_assert_num_queries):
    url, budget, rows = cases(world)[index]
    client = login(make_user("org_admin", world.root))
    with django_assert_num_queries(budget):
        response = client.get(url)
    assert response.status_code == 200, url
    if rows is not None:
        assert response.json()["count"] == rows
        assert len(response.json()["items"]) == rows


def test_rows_really_grew(world):
    """Guard against a fixture that silently builds nothing: the pages above list what was built."""
    client = login(make_user("org_admin", world.root))
    assert client.get("/orgs/entities/").context["page"].paginator.count == world.n + 1
    assert len(client.get(f"/orgs/{world.street_a.pk}/children").context["nodes"]) == world.n + 1
    assert len(client.get(f"/orgs/entities/{world.platform.pk}/").context["links"]) == world.n
    assert len(client.get(f"/orgs/entities/{world.platform.pk}/").context["instructors"]) == world.n
    assert client.get("/orgs/coverage/").context["report"].total.total == world.n + 1
