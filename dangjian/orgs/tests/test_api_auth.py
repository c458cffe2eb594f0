"""API authentication and the one error shape: 401, token scopes, CSRF, and a 404 that reveals nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from conftest import login, make_user
from dangjian.accounts.middleware import SESSION_2FA
from dangjian.accounts.services import token_create
from dangjian.core.models import AuditEntry
from dangjian.orgs.models import HostEntity, PartyOrganisation
from dangjian.orgs.tests.helpers import api_error, entity

NEW_ORG = {"name": "令牌支部", "code": "TOK-1", "kind": "branch", "category": "new_employment"}


def bearer(user, scopes):
    _, raw = token_create(user=user, name="test", scopes=scopes)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


@pytest.mark.parametrize(
    "method, url",
    [
        ("get", "/api/v1/orgs"),
        ("get", "/api/v1/orgs/{id}"),
        ("post", "/api/v1/orgs"),
        ("patch", "/api/v1/orgs/{id}"),
        ("get", "/api/v1/orgs/entities"),
        ("get", "/api/v1/orgs/coverage"),
    ],
)
def test_anonymous_is_401(tree, method, url):
    response = getattr(Client(), method)(url.format(id=tree.branch_a.pk), data={}, content_type="application/json")
    assert response.status_code == 401
    assert api_error(response)["code"] == "unauthenticated"
    assert api_error(response)["fields"] == {}


@pytest.mark.parametrize("header", ["Bearer dj_abc_def", "Bearer nonsense", "Bearer ", "Basic dXNlcjpwYXNz"])
def test_bad_token_is_401(tree, header):
    response = Client(HTTP_AUTHORIZATION=header).get("/api/v1/orgs")
    assert (response.status_code, api_error(response)["code"]) == (401, "unauthenticated")


def test_read_token_reads_but_cannot_write(tree):
    admin = make_user("org_admin", tree.root)
    client = bearer(admin, ["orgs:read"])
    assert client.get("/api/v1/orgs").json()["count"] == 6
    assert client.get(f"/api/v1/orgs/{tree.branch_a.pk}").status_code == 200
    audit_before = AuditEntry.objects.count()
    created = client.post(
        "/api/v1/orgs", data={**NEW_ORG, "parent_id": tree.street_a.pk}, content_type="application/json"
    )
    assert (created.status_code, api_error(created)["code"]) == (403, "forbidden")
    patched = client.patch(f"/api/v1/orgs/{tree.branch_a.pk}", data={"name": "x"}, content_type="application/json")
    assert patched.status_code == 403
    entity_post = client.post(
        "/api/v1/orgs/entities",
        data={"owner_org_id": tree.street_a.pk, "name": "x", "kind": "worker_group"},
        content_type="application/json",
    )
    assert entity_post.status_code == 403
    assert PartyOrganisation.objects.count() == 6
    assert PartyOrganisation.objects.get(pk=tree.branch_a.pk).name == "骑手党支部"
    assert not HostEntity.objects.exists()
    assert AuditEntry.objects.count() == audit_before


def test_write_token_creates(tree):
    admin = make_user("org_admin", tree.root)
    client = bearer(admin, ["orgs:read", "orgs:write"])
    response = client.post(
        "/api/v1/orgs", data={**NEW_ORG, "parent_id": tree.street_a.pk}, content_type="application/json"
    )
    assert response.status_code == 201
    assert response.json()["code"] == "TOK-1"
    assert AuditEntry.objects.get(action="org.create", object_id=str(response.json()["id"])).actor_id == admin.pk


def test_token_without_orgs_scopes_sees_nothing(tree):
    admin = make_user("org_admin", tree.root)
    client = bearer(admin, ["accounts:read"])
    assert client.get("/api/v1/orgs").status_code == 403
    assert client.get(f"/api/v1/orgs/{tree.branch_a.pk}").status_code == 404


def test_token_never_widens_the_role(tree):
    secretary = make_user("secretary", tree.branch_b)
    client = bearer(secretary, ["orgs:read", "orgs:write"])
    assert client.get("/api/v1/orgs").json()["count"] == 1
    assert client.get(f"/api/v1/orgs/{tree.branch_a.pk}").status_code == 404
    response = client.post(
        "/api/v1/orgs", data={**NEW_ORG, "parent_id": tree.branch_b.pk}, content_type="application/json"
    )
    assert response.status_code == 403  # secretaries do not create organisations


def test_session_write_needs_csrf(tree):
    admin = make_user("org_admin", tree.root)
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin, backend="dangjian.accounts.backends.UsernameOrMobileBackend")
    session = client.session
    session[SESSION_2FA] = True
    session.save()
    assert client.get("/api/v1/orgs").status_code == 200
    response = client.patch(f"/api/v1/orgs/{tree.branch_a.pk}", data={"name": "x"}, content_type="application/json")
    assert (response.status_code, api_error(response)["code"]) == (403, "forbidden")
    assert PartyOrganisation.objects.get(pk=tree.branch_a.pk).name == "骑手党支部"


def test_not_found_reveals_nothing(tree):
    """An existing organisation outside the scope answers exactly like one that does not exist."""
    client = login(make_user("org_admin", tree.street_a))
    e = entity(tree.street_b, "别处公司")
    pairs = [
        ("get", f"/api/v1/orgs/{tree.branch_b.pk}", "/api/v1/orgs/999999"),
        ("get", f"/api/v1/orgs/{tree.branch_b.pk}/warnings", "/api/v1/orgs/999999/warnings"),
        ("patch", f"/api/v1/orgs/{tree.branch_b.pk}", "/api/v1/orgs/999999"),
        ("post", f"/api/v1/orgs/{tree.branch_b.pk}/move", "/api/v1/orgs/999999/move"),
        ("get", f"/api/v1/orgs/entities/{e.pk}", "/api/v1/orgs/entities/999999"),
        ("patch", f"/api/v1/orgs/entities/{e.pk}", "/api/v1/orgs/entities/999999"),
    ]
    for method, existing, missing in pairs:
        data = {"name": "x", "parent_id": tree.street_a.pk}
        a = getattr(client, method)(existing, data=data, content_type="application/json")
        b = getattr(client, method)(missing, data=data, content_type="application/json")
        assert (a.status_code, b.status_code) == (404, 404), existing
        assert a.json() == b.json()
        assert api_error(a)["code"] == "not_found"


def test_unparseable_body_keeps_the_error_shape(tree):
    client = login(make_user("org_admin", tree.root))
    response = client.post("/api/v1/orgs", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert api_error(response)["code"] == "bad_request"
