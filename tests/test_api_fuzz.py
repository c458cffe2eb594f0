"""API fuzzing: Schemathesis generates requests for every operation of the committed OpenAPI
document and sends them to the application in-process with a real bearer token.

Checked for every response: no 5xx, the status code is one the document declares, the body matches
the declared schema, and the content type is the declared one. Each identity (an organisation
administrator, a secretary, the three separated administrators) runs every operation, so both the
allowed paths and the refusals are exercised.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from dangjian.accounts import services as account_services
from dangjian.accounts.choices import TokenScope

DOCUMENT = Path(__file__).resolve().parents[1] / "docs" / "api" / "openapi.json"
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance, content_type_conformance]
EXAMPLES = 8  # per operation and identity; the suite runs on SQLite and PostgreSQL in CI
# Who calls each tag's operations: the roles that may (allowed paths) and one that may not (refusals).
CALLERS = {
    "orgs": ["org_admin", "secretary", "audit_admin"],
    "members": ["org_admin", "secretary", "system_admin"],
    "accounts": ["system_admin", "security_admin", "secretary"],
    "settings": ["system_admin", "org_admin"],
    "audit": ["audit_admin", "org_admin"],
    "transfers": ["org_admin", "secretary", "audit_admin"],
    "development": ["org_admin", "secretary", "audit_admin"],
    "demands": ["org_admin", "secretary", "system_admin"],
    "stations": ["org_admin", "secretary", "audit_admin"],
    "reports": ["org_admin", "secretary", "audit_admin"],
    "points": ["org_admin", "secretary", "audit_admin"],
    "council": ["org_admin", "secretary", "audit_admin"],
    "dues": ["org_admin", "secretary", "audit_admin"],
    "volunteering": ["org_admin", "secretary", "audit_admin"],
    "minutes": ["org_admin", "secretary", "audit_admin"],
    "compliance": ["org_admin", "secretary", "audit_admin"],
    "notifications": ["secretary", "audit_admin"],
    "meetings": ["org_admin", "secretary", "audit_admin"],
}

schema = schemathesis.openapi.from_dict(json.loads(DOCUMENT.read_text(encoding="utf-8")))
schema.app = get_wsgi_application()  # requests go to the application in-process, not over the network


@pytest.fixture
def keep_connection():
    """The WSGI handler closes the database connection at the end of each request; Django's test
    client switches that off, and so must we, or PostgreSQL loses the test's transaction."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def demo_tokens(tree, keep_connection):
    """A small district (the shared ``tree`` with two members) and a token with every scope for an
    organisation administrator, a branch secretary and each of the three separated administrators."""
    from conftest import make_user
    from dangjian.members.tests.factories import member

    member(tree.branch_a, name="张伟")
    member(tree.branch_b, name="李娜", male=False)
    identities = {
        "org_admin": make_user("org_admin", tree.root),
        "secretary": make_user("secretary", tree.branch_a),
        "system_admin": make_user("system_admin", tree.root),
        "security_admin": make_user("security_admin", tree.root),
        "audit_admin": make_user("audit_admin", tree.root),
    }
    return {
        role: account_services.token_create(user=user, name="fuzz", scopes=list(TokenScope.values))[1]
        for role, user in identities.items()
    }


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_every_operation_keeps_its_contract(case, demo_tokens):
    tags = case.operation.tags or []
    callers = CALLERS.get(tags[0], list(demo_tokens)) if tags else list(demo_tokens)
    for role in callers:
        raw = demo_tokens[role]
        case.call_and_validate(headers={"Authorization": f"Bearer {raw}"}, checks=CHECKS)


def test_offset_beyond_the_database_integers_is_a_422_not_a_500(tree):
    """Found by the fuzzer: an offset above 2**63 crashed the query (SQLite OverflowError)."""
    from conftest import login, make_user

    client = login(make_user("org_admin", tree.root))
    response = client.get("/api/v1/orgs/entities", {"offset": 10373376636419225600})
    assert response.status_code == 422
    error = response.json()["error"]
    assert (error["code"], error["fields"]) == ("validation_error", {"offset": [error["message"]]}), error
    assert client.get("/api/v1/orgs/entities", {"offset": 100_000_000}).json()["items"] == []


def test_errors_before_the_api_handlers_keep_the_error_shape(tree):
    """Found by the fuzzer: a path argument of the wrong type (no route) and a method the operation
    does not have answered with an HTML page or plain text."""
    from conftest import login, make_user

    client = login(make_user("org_admin", tree.root))
    response = client.get("/api/v1/orgs/not-a-number")
    assert (response.status_code, response["Content-Type"]) == (404, "application/json")
    assert response.json()["error"]["code"] == "not_found"
    response = client.delete("/api/v1/audit/entries")
    assert (response.status_code, response.json()["error"]["code"]) == (405, "method_not_allowed")
    assert "GET" in response["Allow"]
