"""The pipeline over the API and on pages: counts, to-do, records, documents, export, notice."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook

from dangjian.core.models import AuditEntry
from dangjian.core.services import policy_set
from dangjian.development import selectors
from dangjian.development.models import StepDocument
from dangjian.development.rules import add_months
from dangjian.members.tests.factories import id_number

from .factories import applicant, record
from .walk import walk

TODAY = timezone.localdate
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = (  # a real 2 × 2 picture: a PNG or JPEG whose header cannot be read is refused
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x02\x00\x00\x00\x02\x08\x00\x00\x00"
    b"\x00W\xddR\xf8\x00\x00\x00\x0eIDATx\x9cc\xfc\xcf\xc0\xc4\xc0\x00\x00\x05\r\x01\x03\xb8"
    b"J\\o\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_api_register_record_and_detail(tree, people, login_as):
    client = login_as(people.sec)
    number = id_number(dt.date(1998, 4, 5))
    r = client.post(
        "/api/v1/development/people",
        data={"org_id": tree.branch_a.pk, "name": "陈晨", "id_number": number},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["stage"] == "applicant" and body["id_number_masked"] == number[:6] + "********" + number[-4:]
    assert number not in r.content.decode()
    again = client.post(
        "/api/v1/development/people",
        data={"org_id": tree.branch_a.pk, "name": "陈晨", "id_number": number},
        content_type="application/json",
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "duplicate_id_number"
    pid = body["id"]
    gated = client.post(
        f"/api/v1/development/people/{pid}/steps",
        data={"step": "talk", "on": str(TODAY())},
        content_type="application/json",
    )
    assert gated.status_code == 400 and gated.json()["error"]["code"] == "step_gated"
    unknown = client.post(
        f"/api/v1/development/people/{pid}/steps",
        data={"step": "nope", "on": str(TODAY())},
        content_type="application/json",
    )
    assert unknown.status_code == 422 and "step" in unknown.json()["error"]["fields"]
    ok = client.post(
        f"/api/v1/development/people/{pid}/steps",
        data={"step": "application", "on": str(TODAY() - dt.timedelta(days=40)), "notes": "手写申请书"},
        content_type="application/json",
    )
    assert ok.status_code == 201
    detail = ok.json()
    assert [r["step"] for r in detail["records"]] == ["application"] and detail["records"][0]["notes"] == "手写申请书"
    assert [s["code"] for s in detail["next_steps"]] == ["talk"]
    assert detail["due"] == [
        {
            "step": "talk",
            "step_name": "党组织派人谈话",
            "due": str(add_months(TODAY() - dt.timedelta(days=40), 1)),
            "overdue": True,
        }
    ]
    bad_people = client.post(
        f"/api/v1/development/people/{pid}/steps",
        data={"step": "talk", "on": str(TODAY()), "people_ids": [999999]},
        content_type="application/json",
    )
    assert bad_people.status_code == 422


def test_todo_and_counts(tree, people, login_as):
    overdue = applicant(tree.branch_a, "逾期甲")
    record(overdue, "application", TODAY() - dt.timedelta(days=40))
    soon = applicant(tree.branch_a, "将到乙")
    record(soon, "application", add_months(TODAY(), -1) + dt.timedelta(days=10))
    later = applicant(tree.branch_a, "未到丙")
    record(later, "application", TODAY() - dt.timedelta(days=1))
    outside = applicant(tree.branch_b, "外区丁")
    record(outside, "application", TODAY() - dt.timedelta(days=60))
    activist = applicant(tree.branch_a, "考察戊")
    walk(activist, people, add_months(TODAY(), -8), until="mentors")  # no assessment 7 months after activist
    items = selectors.todo(people.sec)
    assert [(i.applicant.name, i.step.code, i.overdue) for i in items] == [
        ("考察戊", "assessment", True),  # due a month ago: six months after becoming an activist
        ("逾期甲", "talk", True),
        ("将到乙", "talk", False),
    ]
    policy_set(actor=None, key="development.due_soon_days", org=tree.street_a, value=60)
    assert [i.applicant.name for i in selectors.todo(people.sec)] == ["考察戊", "逾期甲", "将到乙", "未到丙"]
    counts = login_as(people.sec).get("/api/v1/development/counts").json()
    assert counts == [
        {"stage": "applicant", "count": 3},
        {"stage": "activist", "count": 1},
        {"stage": "candidate", "count": 0},
        {"stage": "probationary", "count": 0},
        {"stage": "full", "count": 0},
    ]
    todo = login_as(people.sec_b).get("/api/v1/development/todo").json()
    assert [t["name"] for t in todo] == ["外区丁"] and todo[0]["overdue"] is True
    page = login_as(people.sec).get("/development/?stage=activist").content.decode()
    assert "考察戊" in page and "逾期甲" not in page and "外区丁" not in page
    todo_page = login_as(people.cm).get("/development/todo").content.decode()
    assert "逾期甲" in todo_page and "已逾期" in todo_page and "外区丁" not in todo_page


def test_approval_overdue_and_probation_ending_on_the_todo(tree, people):
    late = applicant(tree.branch_a, "待审批")
    start = add_months(TODAY(), -20)
    dates = walk(late, people, start, until="approval_talk")
    assert add_months(dates["admission_meeting"], 3) < TODAY()
    ending = applicant(tree.branch_a, "将转正")
    start2 = add_months(TODAY(), -28)
    walk(ending, people, start2, until="oath")
    steps = {(i.applicant.name, i.step.code): i for i in selectors.todo(people.sec)}
    assert steps[("待审批", "admission_approval")].overdue
    assert ("将转正", "full_application") in steps


def test_documents_are_sniffed_and_scoped(tree, people, login_as, settings):
    person = applicant(tree.branch_a)
    rec = record(person, "application", TODAY())
    client = login_as(people.sec)
    url = f"/api/v1/development/records/{rec.pk}/documents"
    r = client.post(url, data={"kind": "application", "file": SimpleUploadedFile("申请书.pdf", PDF, "application/pdf")})
    assert r.status_code == 201, r.content
    assert r.json()["content_type"] == "application/pdf" and r.json()["size"] == len(PDF)
    fake = client.post(
        url, data={"kind": "application", "file": SimpleUploadedFile("x.pdf", b"<script>", "application/pdf")}
    )
    assert fake.status_code == 400 and fake.json()["error"]["code"] == "file_type"
    png_named_pdf = client.post(
        url, data={"kind": "other", "file": SimpleUploadedFile("photo.pdf", PNG, "application/pdf")}
    )
    assert png_named_pdf.json()["content_type"] == "image/png"
    policy_set(actor=None, key="development.document_max_mb", org=tree.street_a, value=1)
    big = client.post(
        url,
        data={"kind": "other", "file": SimpleUploadedFile("big.pdf", PDF + b"0" * (1024 * 1024), "application/pdf")},
    )
    assert big.status_code == 400 and big.json()["error"]["code"] == "too_large"
    assert StepDocument.objects.count() == 2
    doc = StepDocument.objects.order_by("pk").first()
    download = client.get(f"/development/documents/{doc.pk}")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert "attachment" in download["Content-Disposition"]
    assert login_as(people.sec_b).get(f"/development/documents/{doc.pk}").status_code == 404
    assert (
        login_as(people.sec_b).post(url, data={"kind": "other", "file": SimpleUploadedFile("a.pdf", PDF)}).status_code
        == 404
    )
    page = client.post(
        f"/development/records/{rec.pk}/documents",
        data={"kind": "other", "file": SimpleUploadedFile("x.txt", b"hello")},
        follow=True,
    )
    assert "请上传PDF" in page.content.decode()
    assert AuditEntry.objects.filter(action="development.document").count() == 2


def test_excel_export(tree, people, login_as):
    a = applicant(tree.branch_a, "=cmd|calc")
    record(a, "application", TODAY() - dt.timedelta(days=40))
    applicant(tree.branch_b, "外区丁")
    response = login_as(people.sec).get("/development/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("姓名", "身份证号", "所在党组织", "阶段")
    assert len(rows) == 2
    name, masked, org, stage, last, last_on, status, next_step, due = rows[1]
    assert last_on.date() == TODAY() - dt.timedelta(days=40) and status == "发展中"
    assert name == "'=cmd|calc" and masked == a.id_number_masked and org == "骑手党支部" and stage == "入党申请人"
    assert (
        last == "递交入党申请书"
        and next_step == "党组织派人谈话"
        and due.date() == add_months(TODAY() - dt.timedelta(days=40), 1)
    )
    assert AuditEntry.objects.filter(action="development.export").count() == 1
    api = login_as(people.sec).get("/api/v1/development/export.xlsx?stage=activist")
    assert len(list(load_workbook(io.BytesIO(api.content)).active.iter_rows())) == 1


def test_public_notice_text(tree, people, login_as):
    person = applicant(tree.branch_a, "林芳", male=False)
    start = add_months(TODAY(), -20)
    walk(person, people, start, until="pre_review")
    client = login_as(people.sec)
    r = client.get(f"/api/v1/development/people/{person.pk}/notice?start=2026-11-23&end=2026-11-27&contact=0571-1234")
    text = r.json()["text"]
    assert text.startswith("关于拟接收林芳同志为预备党员的公示")
    assert "林芳，女，1995年3月出生" in text and "王导师、赵介绍" in text
    assert "2026年11月23日至2026年11月27日" in text and "0571-1234" in text and "中共骑手党支部" in text
    page = client.get(f"/development/{person.pk}/notice?start=2026-11-23&end=2026-11-27").content.decode()
    assert "关于拟接收林芳同志为预备党员的公示" in page
    bad = client.get(f"/api/v1/development/people/{person.pk}/notice?start=2026-11-27&end=2026-11-23")
    assert bad.status_code == 422


def test_pages_record_flow(tree, people, login_as):
    client = login_as(people.sec)
    number = id_number(dt.date(1999, 9, 9))
    r = client.post("/development/new", data={"org": tree.branch_a.pk, "name": "page甲", "id_number": number})
    assert r.status_code == 302
    pid = int(r["Location"].rstrip("/").split("/")[-1])
    detail = client.get(f"/development/{pid}/").content.decode()
    assert "递交入党申请书" in detail and number not in detail
    bad = client.post(
        f"/development/{pid}/record", data={"step": "application", "on": str(TODAY() + dt.timedelta(days=2))}
    )
    assert bad.status_code == 200 and "日期不能晚于今天" in bad.content.decode()
    ok = client.post(f"/development/{pid}/record", data={"step": "application", "on": str(TODAY())})
    assert ok.status_code == 302
    assert "党组织派人谈话" in client.get(f"/development/{pid}/").content.decode()
    cm = login_as(people.cm)
    assert cm.get(f"/development/{pid}/").status_code == 200
    assert cm.post(f"/development/{pid}/record", data={"step": "talk", "on": str(TODAY())}).status_code == 403
    assert login_as(people.sec_b).get(f"/development/{pid}/").status_code == 404


def test_query_budgets(tree, people, login_as, django_assert_max_num_queries):
    for i in range(4):
        person = applicant(tree.branch_a, f"人{i}")
        walk(person, people, add_months(TODAY(), -8 - i), until="mentors")
    client = login_as(people.sec)
    with django_assert_max_num_queries(12):
        assert client.get("/development/").status_code == 200
    with django_assert_max_num_queries(12):  # the same for 4 people or 4,000: no query per person
        assert len(client.get("/development/todo").context["items"]) == 4
    with django_assert_max_num_queries(8):
        assert client.get("/api/v1/development/people").json()["count"] == 4
    with django_assert_max_num_queries(12):
        assert len(client.get("/api/v1/development/todo").json()) == 4
    pid = selectors.applicant_list(people.sec).first().pk
    with django_assert_max_num_queries(16):
        assert client.get(f"/development/{pid}/").status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(f"/api/v1/development/people/{pid}").status_code == 200
    with django_assert_max_num_queries(14):  # includes the audit entry of the export
        assert client.get("/development/export.xlsx").status_code == 200
