"""Personal API tokens: shown once, stored hashed, scoped, expiring, revocable."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from conftest import make_user
from dangjian.accounts import services
from dangjian.accounts.models import ApiToken
from dangjian.core.errors import DomainError


@pytest.fixture
def secretary(tree):
    return make_user("secretary", tree.branch_a)


def api(raw):
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_token_is_stored_hashed(secretary):
    token, raw = services.token_create(user=secretary, name="script", scopes=["orgs:read"])
    assert raw.startswith(f"dj_{token.prefix}_")
    stored = ApiToken.objects.get(pk=token.pk)
    assert raw not in stored.token_hash and len(stored.token_hash) == 64
    assert stored.scopes == ["orgs:read"]


def test_token_authenticates_and_reads(secretary, tree):
    _, raw = services.token_create(user=secretary, name="script", scopes=["orgs:read"])
    response = api(raw).get("/api/v1/orgs")
    assert response.status_code == 200
    assert [o["code"] for o in response.json()["items"]] == ["BA", "GA"]


def test_wrong_secret_same_prefix_refused(secretary):
    _, raw = services.token_create(user=secretary, name="script", scopes=["orgs:read"])
    forged = raw[:-4] + ("aaaa" if not raw.endswith("aaaa") else "bbbb")
    response = api(forged).get("/api/v1/orgs")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_expired_and_revoked_tokens_refused(secretary):
    token, raw = services.token_create(user=secretary, name="script", scopes=["orgs:read"])
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert api(raw).get("/api/v1/orgs").status_code == 401
    token2, raw2 = services.token_create(user=secretary, name="other", scopes=["orgs:read"])
    services.token_revoke(actor=secretary, token=token2)
    assert api(raw2).get("/api/v1/orgs").status_code == 401


def test_token_of_inactive_user_refused(secretary):
    _, raw = services.token_create(user=secretary, name="script", scopes=["orgs:read"])
    secretary.is_active = False
    secretary.save()
    assert api(raw).get("/api/v1/orgs").status_code == 401


def test_scope_without_write_cannot_change(secretary, tree):
    _, raw = services.token_create(user=secretary, name="script", scopes=["orgs:read"])
    response = api(raw).patch(f"/api/v1/orgs/{tree.branch_a.pk}", data={"name": "改"}, content_type="application/json")
    assert response.status_code == 403
    _, raw_w = services.token_create(user=secretary, name="writer", scopes=["orgs:read", "orgs:write"])
    response = api(raw_w).patch(
        f"/api/v1/orgs/{tree.branch_a.pk}", data={"name": "改"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["name"] == "改"


def test_token_writes_need_no_csrf_but_session_writes_do(secretary, tree):
    client = Client(enforce_csrf_checks=True)
    client.force_login(secretary, backend="dangjian.accounts.backends.UsernameOrMobileBackend")
    response = client.patch(f"/api/v1/orgs/{tree.branch_a.pk}", data={"name": "x"}, content_type="application/json")
    assert response.status_code in (401, 403)
    tree.branch_a.refresh_from_db()
    assert tree.branch_a.name == "骑手党支部"


@pytest.mark.parametrize(
    "kwargs,field",
    [
        ({"name": "", "scopes": ["orgs:read"]}, "name"),
        ({"name": "x", "scopes": []}, "scopes"),
        ({"name": "x", "scopes": ["root:all"]}, "scopes"),
        ({"name": "x", "scopes": ["orgs:read"], "days": 0}, "days"),
        ({"name": "x", "scopes": ["orgs:read"], "days": 366}, "days"),
    ],
)
def test_bad_token_requests(secretary, kwargs, field):
    with pytest.raises(DomainError) as info:
        services.token_create(user=secretary, **kwargs)
    assert field in info.value.fields
    assert ApiToken.objects.count() == 0


def test_token_api_create_list_revoke(secretary, login_as):
    client = login_as(secretary)
    created = client.post(
        "/api/v1/accounts/tokens",
        data={"name": "ci", "scopes": ["orgs:read"], "days": 30},
        content_type="application/json",
    )
    assert created.status_code == 201
    body = created.json()
    assert body["token"].startswith("dj_") and body["scopes"] == ["orgs:read"]
    listed = client.get("/api/v1/accounts/tokens").json()
    assert [t["name"] for t in listed] == ["ci"] and "token" not in listed[0]
    assert client.delete(f"/api/v1/accounts/tokens/{body['id']}").status_code == 204
    assert api(body["token"]).get("/api/v1/orgs").status_code == 401


def test_cannot_revoke_someone_elses_token(secretary, tree, login_as):
    other = make_user("secretary", tree.branch_b)
    token, _ = services.token_create(user=other, name="theirs", scopes=["orgs:read"])
    assert login_as(secretary).delete(f"/api/v1/accounts/tokens/{token.pk}").status_code == 404
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


def test_a_token_cannot_mint_a_wider_token(secretary):
    _, raw = services.token_create(user=secretary, name="narrow", scopes=["orgs:read"], days=30)
    response = api(raw).post(
        "/api/v1/accounts/tokens", data={"name": "wide", "scopes": ["orgs:write"]}, content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["error"]["fields"] == {"scopes": [response.json()["error"]["message"]]}
    longer = api(raw).post(
        "/api/v1/accounts/tokens",
        data={"name": "long", "scopes": ["orgs:read"], "days": 90},
        content_type="application/json",
    )
    assert longer.status_code == 403
    same = api(raw).post(
        "/api/v1/accounts/tokens",
        data={"name": "same", "scopes": ["orgs:read"], "days": 7},
        content_type="application/json",
    )
    assert same.status_code == 201
    assert sorted(ApiToken.objects.values_list("name", flat=True)) == ["narrow", "same"]
