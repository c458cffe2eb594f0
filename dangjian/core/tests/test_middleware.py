"""Security headers and the request id, on pages, the API, redirects and errors alike."""

from __future__ import annotations

import re

import pytest
from django.test import Client, RequestFactory

from conftest import login, make_user
from dangjian.core.middleware import client_address
from dangjian.core.models import AuditEntry

HEX32 = re.compile(r"^[0-9a-f]{32}$")
URLS = [
    "/healthz",  # 200 JSON
    "/",  # redirect to login
    "/accounts/login/",  # a page
    "/orgs/",  # login_required redirect
    "/api/v1/orgs",  # 401 JSON
    "/no-such-page",  # 404 page
]


@pytest.mark.parametrize("url", URLS)
def test_every_response_carries_the_security_headers(db, settings, url):
    response = Client().get(url)
    assert response["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Permissions-Policy"] == "camera=(self), geolocation=(self), microphone=()"
    assert response["Referrer-Policy"] == "same-origin"
    assert HEX32.match(response["X-Request-ID"])


def test_statuses_of_the_checked_urls(db):
    client = Client()
    assert [client.get(url).status_code for url in URLS] == [200, 302, 200, 302, 401, 404]


def test_logged_in_page_and_api_carry_headers(tree, settings):
    client = login(make_user("org_admin", tree.root))
    for url in ("/orgs/", f"/orgs/{tree.branch_a.pk}/", "/api/v1/orgs"):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("rid", ["abc", "req-2024.11_A", "A" * 64, "0"])
def test_well_formed_request_id_is_kept(db, rid):
    assert Client().get("/healthz", HTTP_X_REQUEST_ID=rid)["X-Request-ID"] == rid


@pytest.mark.parametrize("rid", ["", "has space", "A" * 65, "semi;colon", "引号", "a/b", "<script>"])
def test_malformed_request_id_is_replaced(db, rid):
    returned = Client().get("/healthz", HTTP_X_REQUEST_ID=rid)["X-Request-ID"]
    assert returned != rid
    assert HEX32.match(returned)


def test_each_request_gets_its_own_id(db):
    client = Client()
    ids = {client.get("/healthz")["X-Request-ID"] for _ in range(3)}
    assert len(ids) == 3


def test_request_id_and_address_reach_the_audit_entry(tree):
    client = login(make_user("org_admin", tree.root))
    response = client.patch(
        f"/api/v1/orgs/{tree.branch_a.pk}",
        data={"secretary_name": "张三"},
        content_type="application/json",
        HTTP_X_REQUEST_ID="trace-77",
        REMOTE_ADDR="10.1.2.3",
    )
    assert response.status_code == 200
    assert response["X-Request-ID"] == "trace-77"
    entry = AuditEntry.objects.get(action="org.update")
    assert (entry.request_id, entry.client_ip) == ("trace-77", "10.1.2.3")
    assert entry.changes == {"secretary_name": ["", "张三"]}


def test_client_address_trusts_forwarded_for_only_when_told(settings):
    # The client forged "198.51.100.1"; the outer proxy appended 203.0.113.9, the inner one 10.0.0.1.
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.9, 10.0.0.1"
    )
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_address(request) == "10.0.0.2"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_address(request) == "10.0.0.1"
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_address(request) == "203.0.113.9"
    settings.TRUSTED_PROXY_COUNT = 4  # fewer hops than proxies: the header did not come through them all
    assert client_address(request) == "10.0.0.2"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_address(RequestFactory().get("/", REMOTE_ADDR="10.0.0.3")) == "10.0.0.3"
