"""Excel import and export: template, per-row errors in Chinese, all-or-nothing, valid rows, bad files."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from conftest import make_user
from dangjian.core.errors import DomainError
from dangjian.core.models import AuditEntry
from dangjian.members import excel, imports
from dangjian.members.models import ImportJob, Member
from dangjian.members.tests.factories import id_number, member

HEADERS = [c.header for c in excel.COLUMNS]


@pytest.fixture
def secretary(tree):
    return make_user("secretary", tree.street_a)


def row(tree, name="张伟", number=None, **over):
    values = {
        "姓名": name,
        "身份证号": number or id_number(),
        "手机号": "13912345678",
        "民族": "汉族",
        "学历": "本科",
        "职业": "骑手",
        "就业形态": "外卖骑手",
        "工作区域": "东街道",
        "政治面貌": "正式党员",
        "入党日期": dt.date(2015, 7, 1),
        "转正日期": "2016-07-01",
        "所在党组织编码": tree.branch_a.code,
    }
    values.update(over)
    return [values.get(h) for h in HEADERS]


def book(rows, headers=HEADERS, sheet=excel.SHEET) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(headers)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def run(tree, secretary, rows, mode="all", **kw):
    job = excel.import_create(
        actor=secretary, org=tree.street_a, file_name="党员.xlsx", content=book(rows, **kw), mode=mode
    )
    return imports.import_run(job.pk)


def test_template_has_headers_instructions_and_values():
    wb = load_workbook(io.BytesIO(excel.template()))
    assert wb.sheetnames == ["党员信息", "填写说明", "可选值"]
    assert [c.value for c in wb["党员信息"][1]] == HEADERS
    values = [c.value for c in wb["可选值"][1]]
    assert values == ["政治面貌", "学历", "就业形态", "民族"]
    assert wb["可选值"]["A2"].value == "正式党员" and wb["可选值"]["C2"].value == "外卖骑手"


def test_import_all_rows(tree, secretary):
    job = run(tree, secretary, [row(tree, "张伟"), row(tree, "王芳", 转正日期=None, 政治面貌="预备党员")])
    assert job.state == "done" and job.imported == 2 and job.errors == []
    assert job.message == "全部 2 行已导入。"
    assert job.content is None
    wang = Member.objects.get(name="王芳")
    assert wang.political_status == "probationary" and wang.employment_form == "rider" and wang.education == "bachelor"
    batch = AuditEntry.objects.get(action="member.register_batch")
    ids = sorted(Member.objects.values_list("pk", flat=True))
    assert batch.changes == {"job": [None, job.pk], "rows": [None, "2-3"], "count": [None, 2], "members": [None, ids]}
    assert (batch.org_path, batch.object_repr, batch.actor_id) == (tree.street_a.path, "党员.xlsx", secretary.pk)
    assert not AuditEntry.objects.filter(action="member.register").exists()
    assert AuditEntry.objects.filter(action="member.import").count() == 1


def test_all_or_nothing_reports_every_bad_row_and_imports_nothing(tree, secretary):
    existing = member(tree.branch_b, "李四")
    dup = id_number()
    rows = [
        row(tree, "好人"),
        row(tree, "甲", number="123"),
        row(tree, "乙", 入党日期="去年"),
        row(tree, "丙", 所在党组织编码=tree.branch_b.code),
        row(tree, "丁", number=dup),
        row(tree, "戊", number=dup),
        row(tree, "己", 就业形态="宇航员"),
        row(tree, "庚", 姓名="=HYPERLINK(1)"),
    ]
    job = run(tree, secretary, rows)
    assert job.state == "failed" and job.imported == 0
    assert Member.objects.count() == 1 and Member.objects.get() == existing
    assert job.message == "6 行有错误，未导入任何数据。请改正后重新上传。"
    by_row = {e["row"]: (e["column"], e["message"]) for e in job.errors}
    assert by_row[3] == ("身份证号", "身份证号应为18位，当前输入为3位。")
    assert by_row[4] == ("入党日期", "请按 2015-07-01 的格式填写日期。")
    assert by_row[5][0] == "所在党组织编码" and tree.branch_b.code in by_row[5][1]
    assert by_row[7] == ("身份证号", "与第 6 行的身份证号相同。")
    assert by_row[8] == ("就业形态", "“宇航员”不是可选值之一。")
    assert by_row[9] == ("姓名", "不接受公式，请粘贴数值。")
    assert 2 not in by_row and 6 not in by_row


def test_valid_rows_mode_keeps_good_rows_and_database_duplicates_are_refused(tree, secretary):
    number = id_number()
    member(tree.branch_a, "老党员", id_number=number)
    job = run(tree, secretary, [row(tree, "新党员"), row(tree, "重复", number=number)], mode="valid")
    assert job.state == "done" and job.imported == 1
    assert job.message == "已导入 1 行；1 行有错误，未导入。"
    assert job.errors == [{"row": 3, "column": "身份证号", "message": "该身份证号的党员已在骑手党支部登记。"}]
    assert sorted(Member.objects.values_list("name", flat=True)) == ["新党员", "老党员"]


def test_full_width_digits_numbers_as_text_and_dates_as_text(tree, secretary):
    number = id_number()
    wide = number.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    job = run(tree, secretary, [row(tree, number=wide, 入党日期="2015/7/1", 手机号=13912345678)])
    assert job.imported == 1, job.errors
    assert Member.objects.get().join_date == dt.date(2015, 7, 1)
    rounded = run(tree, secretary, [row(tree, number=float(number[:17] + "1"))])
    assert rounded.errors[0]["column"] == "身份证号" and "文本" in rounded.errors[0]["message"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not a zip at all", "无法作为Excel工作簿（.xlsx）读取"),
        ("wrong sheet", "没有名为“党员信息”的工作表"),
        ("missing headers", "第一行缺少这些列：身份证号、所在党组织编码"),
        ("empty", "表头下面没有数据行"),
    ],
)
def test_bad_files_are_refused_before_any_row(tree, secretary, content, message):
    if content == "wrong sheet":
        content = book([], sheet="Sheet1")
    elif content == "missing headers":
        content = book([], headers=["姓名", "政治面貌", "入党日期"])
    elif content == "empty":
        content = book([])
    with pytest.raises(DomainError) as exc:
        excel.import_create(actor=secretary, org=tree.street_a, file_name="x.xlsx", content=content, mode="all")
    assert message in exc.value.message
    assert ImportJob.objects.count() == 0


def test_row_limit_from_policy(tree, secretary):
    from dangjian.core.models import PolicyValue

    PolicyValue.objects.create(key="members.import_max_rows", scope_path="", value=2)
    with pytest.raises(DomainError) as exc:
        run(tree, secretary, [row(tree, f"人{i}") for i in range(3)])
    assert exc.value.message == "文件超过 2 行；请拆分成每个不超过 2 行的文件。"


def test_import_pages_upload_progress_and_result(tree, secretary, login_as, django_assert_max_num_queries):
    client = login_as(secretary)
    assert client.get("/members/import/template.xlsx")["Content-Type"].startswith("application/vnd.openxml")
    upload = SimpleUploadedFile("党员.xlsx", book([row(tree, "张伟"), row(tree, "坏", number="1")]))
    response = client.post("/members/import/", {"org": tree.street_a.pk, "file": upload, "mode": "all"})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/members/import/{job.pk}/"
    with django_assert_max_num_queries(8):
        page = client.get(f"/members/import/{job.pk}/")
    html = page.content.decode()
    assert "1 行有错误，未导入任何数据" in html and "身份证号应为18位" in html
    bad = client.post(
        "/members/import/", {"org": tree.street_a.pk, "file": SimpleUploadedFile("x.xlsx", b"zzz"), "mode": "all"}
    )
    assert "无法作为Excel工作簿" in bad.content.decode()
    outsider = login_as(make_user("secretary", tree.street_b))
    assert outsider.get(f"/members/import/{job.pk}/").status_code == 404


def test_running_job_shows_progress_and_polls(tree, secretary, login_as):
    job = excel.import_create(
        actor=secretary, org=tree.street_a, file_name="a.xlsx", content=book([row(tree)]), mode="all"
    )
    client = login_as(secretary)
    html = client.get(f"/members/import/{job.pk}/").content.decode()
    assert "等待后台任务处理" in html and 'hx-trigger="every 2s"' in html
    ImportJob.objects.filter(pk=job.pk).update(state="running", runner=imports._runner_id(), started_at=timezone.now())
    html = client.get(f"/members/import/{job.pk}/").content.decode()
    assert "已检查 0 / 1 行" in html and 'hx-trigger="every 2s"' in html


def test_export_masked_and_full(tree, secretary, login_as, django_assert_max_num_queries):
    number = id_number()
    member(tree.branch_a, "张伟", id_number=number, mobile="13912345678")
    member(tree.branch_a, "=危险", mobile="13812345678")
    member(tree.branch_b, "李四")
    client = login_as(secretary)
    with django_assert_max_num_queries(10):
        response = client.get("/members/export.xlsx")
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(wb["党员信息"].iter_rows(values_only=True))
    assert rows[0][:12] == tuple(HEADERS)
    assert [r[0] for r in rows[1:]] == ["'=危险", "张伟"]
    zhang = rows[2]
    assert zhang[1] == number[:6] + "********" + number[-4:] and zhang[2] == "139****5678"
    assert zhang[11] == tree.branch_a.code and zhang[8] == "正式党员"
    full = load_workbook(io.BytesIO(b"".join(client.get("/members/export.xlsx?full=1").streaming_content)))
    assert list(full["党员信息"].iter_rows(values_only=True))[2][1] == number
    exports = list(AuditEntry.objects.filter(action="member.export").order_by("pk").values_list("changes", flat=True))
    assert exports == [
        {"rows": [None, 2], "full_numbers": [None, False]},
        {"rows": [None, 2], "full_numbers": [None, True]},
    ]
    viewer = login_as(make_user("committee_member", tree.street_a))
    assert viewer.get("/members/export.xlsx").status_code == 403


def test_exported_file_imports_back(tree, secretary, login_as):
    """An export with full numbers is a valid import file (here into an empty registry)."""
    number = id_number()
    member(tree.branch_a, "张伟", id_number=number, mobile="13912345678")
    content = b"".join(login_as(secretary).get("/members/export.xlsx?full=1").streaming_content)
    Member.objects.all().delete()
    job = excel.import_create(actor=secretary, org=tree.street_a, file_name="e.xlsx", content=content, mode="all")
    assert imports.import_run(job.pk).imported == 1
    assert Member.objects.get().id_number_masked == number[:6] + "********" + number[-4:]


def test_command_runs_waiting_jobs(tree, secretary):
    from django.core.management import call_command

    job = excel.import_create(
        actor=secretary, org=tree.street_a, file_name="a.xlsx", content=book([row(tree)]), mode="all"
    )
    out = io.StringIO()
    call_command("members_import_run", stdout=out)
    assert out.getvalue() == f"import {job.pk}: done, 1/1 rows imported\n"
    assert Member.objects.count() == 1


def test_bulk_audit_entries_verify_in_the_chain(tree, secretary, settings):
    from dangjian.core import audit_chain

    settings.AUDIT_SEAL_SETTLE_SECONDS = 0
    run(tree, secretary, [row(tree, "甲"), row(tree, "乙")])
    audit_chain.seal_all()
    result = audit_chain.verify_chain()
    assert result.ok and AuditEntry.objects.get(action="member.register_batch").changes["count"] == [None, 2]


def test_waiting_file_is_stored_encrypted(tree, secretary):
    number = id_number()
    job = excel.import_create(
        actor=secretary, org=tree.street_a, file_name="a.xlsx", content=book([row(tree, number=number)]), mode="all"
    )
    stored = bytes(ImportJob.objects.get(pk=job.pk).content)
    assert stored.startswith(b"sm:") or stored.startswith(b"intl:")
    assert b"PK" not in stored[:10] and number.encode() not in stored
    assert imports.import_run(job.pk).imported == 1


def test_file_without_dimension_is_counted_by_the_run(tree, secretary):
    """openpyxl's streaming writer (and some exporters) leave out the dimension record: the upload
    is accepted at once and the run counts the rows and enforces the limit."""
    from dangjian.core.models import PolicyValue

    def streamed(rows):
        wb = Workbook(write_only=True)
        ws = wb.create_sheet(excel.SHEET)
        ws.append(HEADERS)
        for r in rows:
            ws.append(r)
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()

    job = excel.import_create(
        actor=secretary, org=tree.street_a, file_name="s.xlsx", content=streamed([row(tree), row(tree)]), mode="all"
    )
    assert job.total_rows == 0
    done = imports.import_run(job.pk)
    assert (done.total_rows, done.imported) == (2, 2)
    PolicyValue.objects.create(key="members.import_max_rows", scope_path="", value=2)
    job = excel.import_create(
        actor=secretary,
        org=tree.street_a,
        file_name="s.xlsx",
        content=streamed([row(tree) for _ in range(3)]),
        mode="valid",
    )
    done = imports.import_run(job.pk)
    assert done.state == "failed" and done.imported == 0 and Member.objects.count() == 2
    assert done.errors == [{"row": 4, "column": "", "message": "文件超过 2 行；请拆分成每个不超过 2 行的文件。"}]
