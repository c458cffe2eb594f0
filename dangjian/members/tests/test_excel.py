"""Excel import and export: template, per-row errors in Chinese, all-or-nothing, valid rows, bad files."""

import datetime as dt
import io
import re
import zipfile

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


def streamed(rows) -> bytes:
    """A file from openpyxl's streaming writer, which (like some exporters) leaves out the dimension record."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(excel.SHEET)
    ws.append(HEADERS)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_upload_counts_the_rows_and_the_run_keeps_the_limit(tree, secretary):
    """The upload counts the data rows (the file's dimension record plays no part) and refuses a file
    over the limit; the run enforces the limit again, as the policy may have changed meanwhile."""
    from dangjian.core.models import PolicyValue

    job = excel.import_create(
        actor=secretary, org=tree.street_a, file_name="s.xlsx", content=streamed([row(tree), row(tree)]), mode="all"
    )
    assert job.total_rows == 2
    done = imports.import_run(job.pk)
    assert (done.total_rows, done.imported) == (2, 2)
    waiting = excel.import_create(
        actor=secretary,
        org=tree.street_a,
        file_name="s.xlsx",
        content=streamed([row(tree) for _ in range(3)]),
        mode="valid",
    )
    assert waiting.total_rows == 3
    PolicyValue.objects.create(key="members.import_max_rows", scope_path="", value=2)
    with pytest.raises(DomainError) as exc:
        excel.import_create(
            actor=secretary, org=tree.street_a, file_name="s.xlsx", content=streamed([row(tree)] * 3), mode="valid"
        )
    assert (exc.value.code, exc.value.message) == ("too_many_rows", "文件超过 2 行；请拆分成每个不超过 2 行的文件。")
    done = imports.import_run(waiting.pk)
    assert done.state == "failed" and done.imported == 0 and Member.objects.count() == 2
    assert done.errors == [{"row": 4, "column": "", "message": "文件超过 2 行；请拆分成每个不超过 2 行的文件。"}]


# --- Reading with calamine: formulas, sheet order, row numbers, cell types -------------------------

FORMULA_REFUSED = "不接受公式，请粘贴数值。"
AS_NUMBER = "Excel把它存成了数字，可能已被四舍五入；请把该列设为文本格式后重新填写。"


def with_cached_results(content: bytes) -> bytes:
    """The workbook with a cached result saved for every formula, as Excel does (openpyxl saves none):
    calamine reads the result, so only the scan of the sheet's XML can tell a formula."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename.startswith("xl/worksheets/"):
                data = re.sub(rb"</f><v\s*/>|</f><v></v>", rb"</f><v>13912345678</v>", data)
            target.writestr(info, data)
    return out.getvalue()


def test_formula_cells_are_refused_on_their_row_and_column(tree, secretary):
    wb = Workbook()
    ws = wb.active
    ws.title = excel.SHEET
    ws.append(HEADERS)
    ws.append(row(tree, "甲"))
    ws.append(row(tree, "乙", 手机号="=13900000000+12345678"))
    ws.append(row(tree, "丙", 职业="骑手"))
    ws["F4"].value, ws["F4"].data_type = "=骑手", "s"  # text that reads like a formula, not a formula
    ws.append(row(tree, "丁"))
    out = io.BytesIO()
    wb.save(out)
    content = with_cached_results(out.getvalue())
    assert b'<c r="C3"><f>13900000000+12345678</f><v>13912345678</v></c>' in zipfile.ZipFile(io.BytesIO(content)).read(
        "xl/worksheets/sheet1.xml"
    )
    job = excel.import_create(actor=secretary, org=tree.street_a, file_name="f.xlsx", content=content, mode="valid")
    assert job.total_rows == 4
    job = imports.import_run(job.pk)
    assert job.state == "done" and job.imported == 2
    assert job.errors == [
        {"row": 3, "column": "手机号", "message": FORMULA_REFUSED},
        {"row": 4, "column": "职业", "message": FORMULA_REFUSED},
    ]
    assert sorted(Member.objects.values_list("name", flat=True)) == ["丁", "甲"]


def test_formula_in_the_data_sheet_that_is_not_the_workbook_first(tree, secretary):
    """The data sheet is found through the workbook's relationships (here it is sheet2.xml); a formula
    in another sheet is not the data sheet's."""
    wb = Workbook()
    notes = wb.active
    notes.title = "说明"
    notes["A1"] = "见下一张表"
    notes["C2"] = "=1+1"
    data = wb.create_sheet(excel.SHEET)
    data.append(HEADERS)
    data.append(row(tree, "甲"))
    data.append(row(tree, "乙", 所在党组织编码=f'="{tree.branch_a.code}"'))
    out = io.BytesIO()
    wb.save(out)
    content = with_cached_results(out.getvalue())
    archive = zipfile.ZipFile(io.BytesIO(content))
    assert excel._sheet_part(archive, excel.SHEET) == "xl/worksheets/sheet2.xml"
    assert excel._sheet_part(archive, "说明") == "xl/worksheets/sheet1.xml"
    assert excel._sheet_part(archive, "别的") is None
    job = run_content(tree, secretary, content, mode="valid")
    assert job.imported == 1
    assert job.errors == [{"row": 3, "column": "所在党组织编码", "message": FORMULA_REFUSED}]


def run_content(tree, secretary, content: bytes, mode="all"):
    job = excel.import_create(actor=secretary, org=tree.street_a, file_name="x.xlsx", content=content, mode=mode)
    return imports.import_run(job.pk)


def test_scan_finds_prefixed_shared_and_unreferenced_formulas_and_error_values(monkeypatch):
    """The scan reads the XML as any writer may put it: a namespace prefix, shared formulas, cells and
    rows without a reference, error values; a formula outside the cells (a data validation's list)
    is not a cell's. Chunks of 5 bytes: a pattern split between two chunks is still seen."""
    xml = (
        '<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
        ' xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"><x:sheetData>'
        '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>a</x:t></x:is></x:c></x:row>'
        '<x:row r="3"><x:c r="B3"><x:f t="shared" ref="B3:B4" si="0">A3*2</x:f><x:v>2</x:v></x:c>'
        '<x:c r="C3" t="e"><x:v>#N/A</x:v></x:c><x:c r="D3" t="e"><x:f>1/0</x:f><x:v>#DIV/0!</x:v></x:c></x:row>'
        '<x:row><x:c r="B4"><x:f t="shared" si="0"/><x:v>4</x:v></x:c><x:c><x:v>1</x:v></x:c>'
        "<x:c><x:f>1</x:f></x:c></x:row>"
        "</x:sheetData><x:extLst><x:ext><xm:f>Sheet2!$A$1:$A$3</xm:f></x:ext></x:extLst></x:worksheet>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("xl/worksheets/data.xml", xml)
        plain = xml.replace(":f", ":g").replace('t="e"', 't="n"')  # the same without formulas and errors
        archive.writestr("xl/worksheets/plain.xml", plain)
    monkeypatch.setattr(excel, "_CHUNK", 5)
    archive = zipfile.ZipFile(out)
    found = excel._prescan(archive, "xl/worksheets/data.xml")
    assert (found.formulas, found.errors, found.irregular) == (True, True, True)  # prefixed cells
    found = excel._prescan(archive, "xl/worksheets/plain.xml")
    assert (found.formulas, found.errors, found.irregular) == (False, False, True)
    assert excel._scan_marks(archive, "xl/worksheets/data.xml") == {
        3: {1: excel.FORMULA, 2: "#N/A", 3: excel.FORMULA},
        4: {1: excel.FORMULA, 3: excel.FORMULA},
    }


def test_blank_rows_keep_the_spreadsheet_row_numbers(tree, secretary):
    rows = [
        [],
        row(tree, "甲", number="1"),
        [],
        [None] * len(HEADERS),
        row(tree, "乙"),
        row(tree, "丙", 入党日期="去年"),
    ]
    content = book(rows)
    job = excel.import_create(actor=secretary, org=tree.street_a, file_name="b.xlsx", content=content, mode="valid")
    assert job.total_rows == 3
    job = imports.import_run(job.pk)
    assert (job.total_rows, job.imported) == (3, 1)
    assert job.errors == [
        {"row": 3, "column": "身份证号", "message": "身份证号应为18位，当前输入为1位。"},
        {"row": 7, "column": "入党日期", "message": "请按 2015-07-01 的格式填写日期。"},
    ]


def test_headers_must_be_in_the_first_row_but_may_start_in_any_column(tree, secretary):
    wb = Workbook()
    ws = wb.active
    ws.title = excel.SHEET
    ws.append([])
    ws.append(HEADERS)
    ws.append(row(tree))
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(DomainError) as exc:
        excel.import_create(actor=secretary, org=tree.street_a, file_name="x.xlsx", content=out.getvalue(), mode="all")
    assert exc.value.code == "missing_headers"
    assert (
        exc.value.message == "第一行缺少这些列：姓名、身份证号、政治面貌、入党日期、所在党组织编码。请使用模板的表头。"
    )
    shifted = book(
        [[None, None, *row(tree, "甲")], [None, None, *row(tree, "乙", 学历="博士后")]], headers=[None, None, *HEADERS]
    )
    job = run_content(tree, secretary, shifted, mode="valid")
    assert job.imported == 1 and job.errors == [{"row": 3, "column": "学历", "message": "“博士后”不是可选值之一。"}]
    assert Member.objects.get().name == "甲"


def test_cell_types_as_the_rules_read_them(tree, secretary):
    number = id_number()
    rows = [
        row(
            tree,
            "数字",
            number=number,
            手机号=13912345678,
            入党日期=dt.datetime(2015, 7, 1, 9, 30),
            转正日期="2016年7月1日",
        ),
        row(tree, "整数身份证", number=int(number[:17] + "0")),
        row(tree, "小数", 职业=12.5),
        row(tree, "是非", 职业=True),
        row(tree, "日期", 工作区域=dt.date(2020, 1, 1)),
        row(tree, "时间", 入党日期=dt.time(10, 30)),
        row(tree, "错误值", 学历="#N/A"),
        row(tree, 123, 民族=""),
    ]
    content = book(rows)
    book_, sheet = excel._open(content)
    raw = dict(excel._data_rows(sheet, excel._header_positions(sheet)))
    book_.close()
    assert raw[2]["mobile"] == 13912345678.0 and raw[2]["join_date"] == dt.datetime(2015, 7, 1, 9, 30)
    assert isinstance(raw[3]["id_number"], float)  # an 18-digit number: Excel keeps 15 digits
    assert raw[5]["occupation"] is True and raw[6]["work_area"] == dt.date(2020, 1, 1)
    assert raw[7]["join_date"] == dt.time(10, 30) and raw[8]["education"] == "#N/A"
    assert raw[9]["name"] == 123.0 and raw[9]["ethnicity"] is None
    job = run_content(tree, secretary, content, mode="valid")
    assert job.imported == 2
    assert job.errors == [
        {"row": 3, "column": "身份证号", "message": AS_NUMBER},
        {"row": 4, "column": "职业", "message": AS_NUMBER},
        {"row": 5, "column": "职业", "message": "此处请填写文字。"},
        {"row": 6, "column": "工作区域", "message": "此处请填写文字，不要填日期。"},
        {"row": 7, "column": "入党日期", "message": "请按 2015-07-01 的格式填写日期。"},
        {"row": 8, "column": "学历", "message": "“#N/A”不是可选值之一。"},
    ]
    first = Member.objects.get(name="数字")
    assert (first.join_date, first.full_member_date) == (dt.date(2015, 7, 1), dt.date(2016, 7, 1))
    assert Member.objects.get(name="123").ethnicity == "汉族"


def test_a_zip_that_is_not_a_workbook_is_refused(tree, secretary):
    """calamine would read an OpenDocument sheet too: the upload must be an .xlsx package."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    with pytest.raises(DomainError) as exc:
        excel.import_create(actor=secretary, org=tree.street_a, file_name="x.xlsx", content=out.getvalue(), mode="all")
    assert exc.value.code == "unreadable_file"
    assert ImportJob.objects.count() == 0


# --- The used area: calamine holds a sheet as a dense range, refused before it loads one too large ---

USED_AREA = "工作表的使用区域过大（{} 行 × {} 列）。请删除党员信息右侧和下方的所有内容，或拆分文件。"
TOO_MANY = "文件超过 {0} 行；请拆分成每个不超过 {0} 行的文件。"


def with_cells(tree, cells: dict, rows: int = 2) -> bytes:
    """Headers, ``rows`` members, and the given cells ({"XFD300": value}; None: a style and no value)."""
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = excel.SHEET
    ws.append(HEADERS)
    for i in range(rows):
        ws.append(row(tree, f"人{i}"))
    for ref, value in cells.items():
        if value is None:
            ws[ref].font = Font(bold=True)
        else:
            ws[ref] = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.fixture
def calamine_must_not_load(monkeypatch):
    """calamine in the test's place: a file the guard lets through reaches it and fails the test
    (without the guard, these files would have it allocate gigabytes)."""
    import python_calamine

    class Loaded(Exception):
        pass

    class NoCalamine:
        @staticmethod
        def from_object(_content):
            raise Loaded

    monkeypatch.setattr(python_calamine, "CalamineWorkbook", NoCalamine)
    return Loaded


def upload_refused(tree, secretary, content) -> tuple[str, str]:
    with pytest.raises(DomainError) as exc:
        excel.import_create(actor=secretary, org=tree.street_a, file_name="x.xlsx", content=content, mode="all")
    assert ImportJob.objects.count() == 0 and AuditEntry.objects.filter(action="member.import_upload").count() == 0
    return exc.value.code, exc.value.message


def test_a_value_far_to_the_right_is_refused_before_calamine_loads_the_sheet(tree, secretary, calamine_must_not_load):
    # The last, A1 to XFD1048576: 17 billion cells, half a terabyte for calamine.
    for cells, rows, columns in (
        ({"XFD300": "备注"}, 300, 16384),
        ({"ZZ10000": 1}, 10000, 702),
        ({"XFD1048576": "x"}, 1048576, 16384),
    ):
        assert upload_refused(tree, secretary, with_cells(tree, cells)) == (
            "used_area_too_large",
            USED_AREA.format(rows, columns),
        )


def test_values_far_below_are_refused_before_calamine_loads_the_sheet(tree, secretary, calamine_must_not_load):
    """A value far below the members: the rows holding values are within the limit, the area is not.
    More rows holding values than the limit, far down: the row limit's refusal, also before calamine."""
    from dangjian.core.models import PolicyValue

    assert upload_refused(tree, secretary, with_cells(tree, {"A1048576": "张三"})) == (
        "used_area_too_large",
        USED_AREA.format(1048576, 12),
    )
    PolicyValue.objects.create(key="members.import_max_rows", scope_path="", value=3)
    far_down = {f"{letter}{100_000 + i}": "x" for i in range(4) for letter in "ABL"}
    assert upload_refused(tree, secretary, with_cells(tree, far_down, rows=0)) == ("too_many_rows", TOO_MANY.format(3))


def test_rows_holding_values_decide_before_loading_the_count_after(tree, secretary):
    """Before loading, the rows holding any value are counted (a note below the members counts); within
    the limit, the file is loaded and its member rows are counted as before (the note's does not)."""
    from dangjian.core.models import PolicyValue

    content = with_cells(tree, {"M100005": "备注"}, rows=3)
    PolicyValue.objects.create(key="members.import_max_rows", scope_path="", value=3)
    assert upload_refused(tree, secretary, content) == ("too_many_rows", TOO_MANY.format(3))
    PolicyValue.objects.update(value=4)
    job = excel.import_create(actor=secretary, org=tree.street_a, file_name="x.xlsx", content=content, mode="all")
    assert job.total_rows == 3


def test_cells_with_a_style_and_no_value_do_not_count(tree, secretary, monkeypatch):
    """calamine leaves out cells without a value (a style, a number format), however far: so does the
    guard, from the bytes alone (the slower pass is not needed)."""

    def not_needed(*_args):
        raise AssertionError("the pass over the bytes should have been enough")

    monkeypatch.setattr(excel, "_used_area", not_needed)
    content = with_cells(tree, {"XFD1048576": None, "AB5": None, "ZZ99999": None})
    sheet_xml = zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml")
    assert re.search(rb'<c r="XFD1048576" s="\d+" t="n"></c>', sheet_xml)
    content = rewrite(  # and as Excel writes it
        content, "xl/worksheets/sheet1.xml", lambda xml: re.sub(rb'(<c r="AB5" s="\d+") t="n"></c>', rb"\1/>", xml)
    )
    assert re.search(rb'<c r="AB5" s="\d+"/>', zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml"))
    job = excel.import_create(actor=secretary, org=tree.street_a, file_name="s.xlsx", content=content, mode="all")
    assert job.total_rows == 2
    assert imports.import_run(job.pk).imported == 2


def test_the_budget_is_four_million_cells(tree, secretary, calamine_must_not_load):
    """Exactly 4,000,000 cells (100,000 rows × 40 columns) pass the guard, the next row or column does
    not. (The guard's decision only: calamine is not asked to load 128 MB here.)"""
    assert excel.MAX_USED_CELLS == 4_000_000
    for ref in ("AN100000", "AN99999", "L100001"):
        with pytest.raises(calamine_must_not_load):  # let through to calamine
            excel._open(with_cells(tree, {ref: "x"}), max_rows=100_000)
    for ref, rows, columns in (("AO100000", 100000, 41), ("AN100001", 100001, 40)):
        assert upload_refused(tree, secretary, with_cells(tree, {ref: "x"})) == (
            "used_area_too_large",
            USED_AREA.format(rows, columns),
        )


def test_a_region_allowed_more_rows_gets_room_for_them(tree, secretary, calamine_must_not_load):
    """The budget grows with the row limit (the template's 12 columns), up to the policy's 500,000."""
    assert excel._cell_budget(100_000) == 4_000_000
    assert excel._cell_budget(400_000) == excel._cell_budget(None) - 100_000 * 12 == 400_001 * 12
    content = with_cells(tree, {"L400001": "x"})
    with pytest.raises(calamine_must_not_load):
        excel._open(content, max_rows=400_000)
    with pytest.raises(DomainError) as exc:
        excel._open(content, max_rows=100_000)
    assert exc.value.code == "used_area_too_large"


def rewrite(content: bytes, part: str, change) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            target.writestr(info.filename, change(data) if info.filename == part else data)
    return out.getvalue()


def package(sheet_data: str) -> bytes:
    """A workbook written by hand: the data sheet's ``sheetData`` as given."""
    rels = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(
            "_rels/.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rels}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="{rels}">'
            f'<sheets><sheet name="{excel.SHEET}" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rels}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/worksheets/sheet1.xml",
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
            ' xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f"<sheetData>{sheet_data}</sheetData></worksheet>",
        )
    return out.getvalue()


V = "<v>1</v>"
AREAS = {  # sheetData: how calamine places values (a row's r, a cell's r, the cells and rows before)
    "cells without a reference follow the previous one": f'<row r="1"><c r="ZX1">{V}</c><c>{V}</c><c/><c>{V}</c></row>',
    "rows without a reference follow the previous one": (
        f'<row r="1"><c r="A1">{V}</c></row><row/><row><c>{V}</c></row>'
    ),
    "a cell's reference wins over its row's": (
        f'<row r="1"><c r="A1">{V}</c></row><row r="2"><c r="B500">{V}</c><c>{V}</c></row>'
    ),
    "an empty row moves on": f'<row r="1"><c r="A1">{V}</c></row><row r="10"/><row><c>{V}</c></row>',
    "a row reference with letters": f'<row r="1"><c r="A1">{V}</c></row><row r="AB7"><c>{V}</c></row>',
    "a cell outside the rows": f'<row r="1"><c r="A1">{V}</c></row><c>{V}</c>',
    "prefixed elements": f'<x:row r="3"><x:c r="A1">{V}</x:c><x:c r="AB300"><x:v>1</x:v></x:c></x:row>',
    "an empty string counts, a style does not": (
        f'<row r="1"><c r="A1">{V}</c><c r="XFD1" s="1"/><c r="XFC1" t="inlineStr"><is><t></t></is></c></row>'
    ),
    "a formula without its result does not count": f'<row r="1"><c r="A1">{V}</c><c r="XFD9"><f>1</f></c></row>',
    "lower case and odd spelling": f'<row r="1"><c r="A1">{V}</c><c r = \'zz2\' >{V}</c></row>',
}


@pytest.mark.parametrize("sheet_data", AREAS.values(), ids=AREAS.keys())
def test_the_used_area_is_the_range_calamine_reads(sheet_data, monkeypatch):
    """The slower pass (for cells the pass over the bytes cannot place) follows calamine's rules: same
    last row and column as calamine itself; the pass over the bytes never says less, in any chunks."""
    from python_calamine import CalamineWorkbook

    content = package(sheet_data)
    cells = CalamineWorkbook.from_object(io.BytesIO(content)).get_sheet_by_name(excel.SHEET)
    archive = zipfile.ZipFile(io.BytesIO(content))
    rows, columns, _filled = excel._used_area(archive, "xl/worksheets/sheet1.xml")
    assert (rows, columns) == (cells.end[0] + 1, cells.end[1] + 1)
    for chunk in (7, 1 << 20):
        monkeypatch.setattr(excel, "_CHUNK", chunk)
        found = excel._prescan(archive, "xl/worksheets/sheet1.xml")
        assert found.irregular or (found.rows >= rows and found.columns >= columns)


def test_cells_the_bytes_cannot_place_are_placed_by_calamine_rules_before_loading(
    tree, secretary, calamine_must_not_load
):
    """16,384 cells without a reference before a value, in row 300: column XFE, refused."""
    headers = "".join(f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{h}</t></is></c>' for i, h in enumerate(HEADERS))
    content = package(f'<row r="1">{headers}</row><row r="300">{"<c/>" * 16384}<c>{V}</c></row>')
    assert upload_refused(tree, secretary, content) == ("used_area_too_large", USED_AREA.format(300, 16385))


UNREADABLE = "unreadable_file"


def test_files_calamine_could_read_otherwise_than_the_scan_are_refused(tree, secretary, calamine_must_not_load):
    """The part scanned must be the part calamine reads: a repeated reference attribute (calamine takes
    the last), a reference beyond what Excel writes, members whose names differ only in case, a
    workbook elsewhere than xl/workbook.xml, a target with "./", members of another format (calamine
    tries OpenDocument when .xlsx fails), data before the zip (an .xls first) are refused as
    unreadable."""
    plain = package(f'<row r="1"><c r="A1">{V}</c></row>')
    far = package(f'<row r="1"><c r="A1">{V}</c><c r="XFD300">{V}</c></row>')
    sheet = "xl/worksheets/sheet1.xml"

    def add(content, name, data):
        out = io.BytesIO(content)
        with zipfile.ZipFile(out, "a") as archive:
            archive.writestr(name, data)
        return out.getvalue()

    far_sheet = zipfile.ZipFile(io.BytesIO(far)).read(sheet)
    cases = [
        package(f'<row r="1"><c r="A2" r="XFD300">{V}</c><c r="A1">{V}</c></row>'),
        package(f'<row r="1"><c r="A1">{V}</c><c r="AAAAAAA1">{V}</c></row>'),  # column 321,272,407 for calamine
        package(f'<row r="1"><c r="A1">{V}</c><c r="A4294967297">{V}</c></row>'),  # row 1 for calamine
        add(plain, "xl/worksheets/SHEET1.xml", far_sheet),
        rewrite(
            add(plain, "xl/worksheets/./sheet1.xml", far_sheet),
            "xl/_rels/workbook.xml.rels",
            lambda xml: xml.replace(b"worksheets/sheet1.xml", b"worksheets/./sheet1.xml"),
        ),
        rewrite(
            add(
                add(plain, "xl/book.xml", zipfile.ZipFile(io.BytesIO(plain)).read("xl/workbook.xml")),
                "xl/_rels/book.xml.rels",
                zipfile.ZipFile(io.BytesIO(plain)).read("xl/_rels/workbook.xml.rels"),
            ),
            "_rels/.rels",
            lambda xml: xml.replace(b"xl/workbook.xml", b"xl/book.xml"),
        ),
        add(add(plain, "mimetype", "application/vnd.oasis.opendocument.spreadsheet"), "content.xml", "<x/>"),
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + plain,
    ]
    for content in cases:
        assert upload_refused(tree, secretary, content)[0] == UNREADABLE
    with pytest.raises(calamine_must_not_load):  # the same files laid out plainly reach calamine
        excel._open(plain)
