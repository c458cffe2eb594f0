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
    assert (api["ok"], api["reason"], api["entry_id"], api["block_seq"]) == (False, "entry_changed", victim.pk, 1)
    page = client.get("/audit/?verify=1")  # the page speaks the user's language: Chinese by default
    assert not page.context["verify"].ok
    assert f"记录 {victim.pk} 在写入后被改动。" in page.content.decode()
    # Without ?verify=1 the page only shows the cheap status (no full walk on every visit).
    assert client.get("/audit/").context["verify"] is None


def test_date_filters(tree, auditor, login_as):
    client = login_as(auditor)
    page = client.get("/audit/?since=2000-01-01&until=2000-01-02")
    assert page.status_code == 200 and page.context["page"].paginator.count == 0
    page = client.get("/audit/?since=not-a-date")
    assert page.status_code == 200 and page.context["params"]["since"] == ""


def test_date_filters_include_whole_days_and_reach_the_export(tree, auditor, login_as):
    from django.utils import timezone

    org_services.org_update(actor=None, org=tree.branch_a, name="东街骑手党支部")
    today = timezone.localdate()
    client = login_as(auditor)
    same_day = f"since={today:%Y-%m-%d}&until={today:%Y-%m-%d}&action=org.update"
    assert client.get(f"/audit/?{same_day}").context["page"].paginator.count == 1
    assert (
        client.get(f"/audit/?until={today.replace(year=today.year - 1):%Y-%m-%d}").context["page"].paginator.count == 0
    )
    page = client.get(f"/audit/?{same_day}").content.decode()
    assert f"/audit/export.csv?action=org.update&amp;since={today:%Y-%m-%d}" in page
    rows = list(
        csv.reader(
            io.StringIO(
                b"".join(client.get(f"/audit/export.csv?{same_day}").streaming_content).decode().lstrip("\ufeff")
            )
        )
    )
    assert len(rows) == 2


def test_export_neutralises_spreadsheet_formulas(tree, auditor, login_as):
    """A failed login's typed name lands in the trail: it must not run as a formula in Excel."""
    from django.db import transaction

    from dangjian.core import audit

    with transaction.atomic():
        audit.record(
            actor=None,
            action="auth.login_failed",
            object_repr='=HYPERLINK("http://x","y")',
            org_path=tree.branch_a.path,
        )
    rows = list(
        csv.reader(
            io.StringIO(
                b"".join(login_as(auditor).get("/audit/export.csv?action=auth.").streaming_content)
                .decode()
                .lstrip("\ufeff")
            )
        )
    )
    assert rows[1][6] == '\'=HYPERLINK("http://x","y")'
    entry = AuditEntry.objects.get(action="auth.login_failed")
    assert entry.object_repr == '=HYPERLINK("http://x","y")'  # the stored entry is untouched


def test_no_interface_writes_to_the_trail(tree, auditor, login_as):
    client = login_as(auditor)
    before = list(AuditEntry.objects.order_by("id").values_list("id", "digest"))
    for method in ("post", "put", "patch", "delete"):
        assert getattr(client, method)("/api/v1/audit/entries").status_code == 405
        assert getattr(client, method)("/api/v1/audit/verify").status_code == 405
    assert list(AuditEntry.objects.order_by("id").values_list("id", "digest")) == before


def test_verify_api_reports_counts_and_head(tree, auditor, login_as, settings):
    settings.AUDIT_SEAL_SETTLE_SECONDS = 0
    total = AuditEntry.objects.count()
    audit_chain.seal_all()
    api = login_as(auditor).get("/api/v1/audit/verify").json()
    head = audit_chain.verify_chain().head_hash
    assert api == {
        "ok": True,
        "reason": "",
        "blocks": 1,
        "sealed_entries": total,
        "unsealed_entries": 0,
        "problem": "",
        "entry_id": None,
        "block_seq": None,
        "head_hash": head,
    }
