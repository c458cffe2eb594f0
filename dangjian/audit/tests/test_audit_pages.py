"""The audit administrator's pages: filters, chain status and verification, CSV export."""

import csv
import io

import pytest
from django.db import connection

from conftest import make_user
from dangjian.core import audit_chain
from dangjian.core.models import AuditEntry
from dangjian.orgs import services as org_services


@pytest.fixture
def auditor(tree):
    return make_user("audit_admin", tree.street_a)


def test_export_is_scoped_and_audited(tree, auditor, login_as):
    org_services.org_update(actor=None, org=tree.branch_a, name="东街骑手党支部")
    org_services.org_update(actor=None, org=tree.branch_b, name="西街快递党支部")
    response = login_as(auditor).get("/audit/export.csv?action=org.update")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:4] == ["id", "time", "actor", "action"]
    assert [r[6] for r in rows[1:]] == ["东街骑手党支部"]
    export = AuditEntry.objects.get(action="audit.export")
    assert export.actor_id == auditor.pk and export.changes["filters"][1]["action"] == "org.update"


def test_export_and_verify_denied_to_others(tree, login_as):
    secretary = make_user("secretary", tree.street_a)
    client = login_as(secretary)
    assert client.get("/audit/export.csv").status_code == 403
    assert client.get("/api/v1/audit/verify").status_code == 403
    from django.test import Client

    assert Client().get("/api/v1/audit/verify").status_code == 401
    assert AuditEntry.objects.filter(action="audit.export").count() == 0


def test_chain_status_and_verification_on_the_page(tree, auditor, login_as, settings):
    settings.AUDIT_SEAL_SETTLE_SECONDS = 0
    audit_chain.seal_all()
    client = login_as(auditor)
    page = client.get("/audit/?verify=1")
    assert page.context["verify"].ok and page.context["chain"]["blocks"] == 1
    api = client.get("/api/v1/audit/verify").json()
    assert api["ok"] is True and api["blocks"] == 1
    victim = AuditEntry.objects.filter(block_seq=1).first()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET actor_label = %s WHERE id = %s", ["someone", victim.pk])
    api = client.get("/api/v1/audit/verify").json()
    assert api["ok"] is False and api["entry_id"] == victim.pk
    assert (
        "tampered" in client.get("/audit/?verify=1").content.decode()
        or not client.get("/audit/?verify=1").context["verify"].ok
    )


def test_date_filters(tree, auditor, login_as):
    client = login_as(auditor)
    page = client.get("/audit/?since=2000-01-01&until=2000-01-02")
    assert page.status_code == 200 and page.context["page"].paginator.count == 0
    page = client.get("/audit/?since=not-a-date")
    assert page.status_code == 200 and page.context["params"]["since"] == ""
