"""Web security checks across the apps: stored XSS, SQL metacharacters in search and filters, CSRF
on every page URL, open redirects, and the login rate limit.

The CSRF and XSS checks walk the URL configuration and the rendered pages, so a page added later is
covered without editing this file."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from conftest import PASSWORD, login, make_user
from dangjian.members.tests.factories import member
from dangjian.orgs import services as org_services

PAYLOAD = '<script>alert("xss")</script><img src=x onerror=alert(1)>'
ESCAPED = "&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;"
SQL_PROBES = ["' OR '1'='1", "'; DROP TABLE members_member; --", '" OR ""="', "%' --", "\\", "％", "1) OR (1=1"]


def _page_paths() -> list[str]:
    """Every page URL (not the API), with each path argument replaced by 1."""
    paths: list[str] = []

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            route = str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                if route.startswith("api/"):
                    continue
                walk(pattern.url_patterns, prefix + route)
            elif isinstance(pattern, URLPattern):
                paths.append("/" + re.sub(r"<(?:\w+:)?\w+>", "1", prefix + route))

    walk(get_resolver().url_patterns, "")
    return sorted(set(paths))


# --- CSRF ----------------------------------------------------------------------------------------------


def test_every_page_url_refuses_a_post_without_csrf_token(tree):
    """The CSRF middleware answers before any view: no page is exempt, whatever it does with POST."""
    admin = make_user("org_admin", tree.root)
    client = login(admin)
    client.handler.enforce_csrf_checks = True
    paths = _page_paths()
    assert "/orgs/new" in paths and "/members/1/status" in paths and "/accounts/login/" in paths
    answers = {path: client.post(path, {"name": "x"}).status_code for path in paths}
    assert {path: code for path, code in answers.items() if code != 403} == {}


def test_api_with_a_session_needs_the_csrf_token(tree):
    admin = make_user("org_admin", tree.root)
    client = login(admin)
    client.handler.enforce_csrf_checks = True
    body = {"parent_id": tree.street_a.pk, "name": "新支部", "code": "CSRF-1", "kind": "branch"}
    response = client.post("/api/v1/orgs", body, content_type="application/json")
    assert response.status_code in (401, 403)
    from dangjian.orgs.models import PartyOrganisation

    assert not PartyOrganisation.objects.filter(code="CSRF-1").exists()


def test_login_form_without_token_is_refused(db):
    client = Client(enforce_csrf_checks=True)
    assert client.post("/accounts/login/", {"identifier": "x", "password": "y"}).status_code == 403


# --- Stored XSS ----------------------------------------------------------------------------------------


@pytest.fixture
def hostile(tree):
    """Free text typed by users, everywhere it can be typed, holding markup."""
    org_services.org_update(actor=None, org=tree.branch_a, name="骑手党支部" + PAYLOAD, secretary_name=PAYLOAD[:30])
    entity = org_services.entity_create(
        actor=None,
        owner_org=tree.street_a,
        name="蜂行科技" + PAYLOAD,
        kind="worker_group",
        address=PAYLOAD,
    )
    person = member(tree.branch_a, name="张" + PAYLOAD[:20], occupation=PAYLOAD[:50], work_area=PAYLOAD[:50])
    return entity, person


def test_user_text_is_escaped_on_every_page_that_shows_it(tree, hostile):
    entity, person = hostile
    admin = make_user("org_admin", tree.root)
    auditor = make_user("audit_admin", tree.root)
    pages = [
        (admin, "/orgs/"),
        (admin, f"/orgs/{tree.branch_a.pk}/"),
        (admin, f"/orgs/{tree.street_a.pk}/children"),
        (admin, "/orgs/pick?q=骑手"),
        (admin, "/orgs/entities/"),
        (admin, f"/orgs/entities/{entity.pk}/"),
        (admin, "/orgs/coverage/"),
        (admin, "/members/"),
        (admin, f"/members/{person.pk}/"),
        (admin, f"/members/{person.pk}/edit"),
        (auditor, "/audit/"),
    ]
    for user, url in pages:
        response = login(user).get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert "<script>alert" not in body and "<img src=x" not in body, url
        # The tree opens at the top levels (the branch comes with /children); coverage shows rates.
        if url not in ("/orgs/", "/orgs/coverage/"):
            assert "&lt;script&gt;" in body or "&lt;img" in body, f"{url} does not show the text at all"


def test_api_returns_text_as_data_not_markup(tree, hostile):
    _, person = hostile
    response = login(make_user("org_admin", tree.root)).get(f"/api/v1/members/{person.pk}")
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["occupation"] == PAYLOAD[:50]


# --- SQL metacharacters ---------------------------------------------------------------------------------


@pytest.mark.parametrize("probe", SQL_PROBES)
def test_search_and_filters_treat_metacharacters_as_text(tree, probe):
    member(tree.branch_a, name="张伟")
    admin = make_user("org_admin", tree.root)
    auditor = make_user("audit_admin", tree.root)
    client = login(admin)
    for url in ("/members/", "/orgs/entities/", "/orgs/pick", "/orgs/"):
        assert client.get(url, {"q": probe}).status_code == 200, url
    assert client.get("/members/", {"q": probe, "status": probe, "employment_form": probe}).status_code == 200
    api = client.get("/api/v1/members", {"q": probe})
    assert (api.status_code, api.json()["count"]) == (200, 0)
    assert client.get("/api/v1/members", {"status": probe}).status_code == 422
    assert client.get("/api/v1/orgs", {"q": probe}).status_code == 200
    audit = login(auditor)
    assert audit.get("/audit/", {"actor": probe, "action": probe, "object_id": probe}).status_code == 200
    assert audit.get("/api/v1/audit/entries", {"actor": probe, "action": probe}).json()["count"] == 0
    from dangjian.members.models import Member

    assert Member.objects.filter(name="张伟").count() == 1  # the table is still there


# --- Open redirects -------------------------------------------------------------------------------------

FOREIGN = ["https://evil.example/", "//evil.example/", "/\\evil.example", "https:evil.example", "javascript:alert(1)"]


@pytest.mark.parametrize("target", FOREIGN)
def test_login_never_redirects_off_site(tree, target):
    user = make_user("committee_member", tree.street_a, username="redirect_me")
    client = Client()
    response = client.post(
        f"/accounts/login/?next={target}", {"identifier": user.username, "password": PASSWORD, "next": target}
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/") and not response["Location"].startswith(("//", "/\\"))
    assert "evil.example" not in response["Location"] and "javascript" not in response["Location"]


@pytest.mark.parametrize("target", FOREIGN)
def test_preferences_never_redirect_off_site(db, target):
    response = Client().post("/preferences", {"elder_mode": "1", "next": target})
    assert (response.status_code, response["Location"]) == (302, "/")


def test_login_follows_a_local_next(tree):
    user = make_user("committee_member", tree.street_a, username="local_next")
    response = Client().post("/accounts/login/", {"identifier": user.username, "password": PASSWORD, "next": "/orgs/"})
    assert (response.status_code, response["Location"]) == (302, "/orgs/")


# --- Rate limit on login ---------------------------------------------------------------------------------


def test_login_is_locked_after_repeated_failures_even_with_the_right_password(tree, settings):
    user = make_user("committee_member", tree.street_a, username="guessed")
    client = Client()
    for _ in range(settings.LOGIN_LOCKOUT_FAILURES):
        response = client.post("/accounts/login/", {"identifier": "guessed", "password": "wrong-password-1"})
        assert response.status_code == 200
    response = client.post("/accounts/login/", {"identifier": "guessed", "password": PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert (
        "_auth_user_id"
        not in Client()
        .post("/accounts/login/", {"identifier": user.username, "password": PASSWORD})
        .wsgi_request.session
    )


# --- Rate limits on login and the public forms and API ----------------------------------------------------

# (limit, method, path, data, kind): one request as the public (or, for reports, a logged-in rider) makes.
# Every request counts, valid or not: a flood of bad posts is still a flood. (In the API, a body that
# does not match the schema is refused by the framework before the operation runs and writes nothing.)
LIMITED = [
    ("login", "post", "/accounts/login/", {"identifier": "nobody", "password": "x"}, "page"),
    ("join", "post", "/members/join/{join_token}", {"name": "张三"}, "page"),
    ("demand_submit", "post", "/demands/new/{org}/", {"category": "other"}, "page"),
    ("sms_code", "post", "/demands/new/{org}/", {"send": "1", "mobile": "{mobile}"}, "page"),
    ("demand_track", "get", "/demands/track/?code=ABCD1234", None, "page"),
    ("demand_track", "get", "/demands/t/ABCD1234/", None, "page"),
    ("transfer_verify", "get", "/transfers/verify?code=NOPE", None, "page"),
    ("report", "post", "/reports/new", {"category": "road_hazard"}, "page"),
    ("sms_code", "post", "/api/v1/demands/sms-code", {"mobile": "{mobile}"}, "api"),
    (
        "demand_submit",
        "post",
        "/api/v1/demands/submit",
        {"org_id": "{org}", "category": "other", "description": "路灯坏了", "mobile": "13800000009", "code": "000000"},
        "api",
    ),
    ("demand_track", "get", "/api/v1/demands/track/ABCD1234", None, "api"),
    ("demand_track", "post", "/api/v1/demands/track/ABCD1234/rate", {"rating": 5}, "api"),
    ("demand_track", "post", "/api/v1/demands/track/ABCD1234/reopen", {"reason": "还没解决"}, "api"),
    ("transfer_verify", "get", "/api/v1/transfers/verify/NOPE", None, "api"),
    ("report", "post", "/api/v1/reports", {"category": "road_hazard", "latitude": "1", "longitude": "1"}, "api"),
]
_mobiles = iter(f"139{n:08d}" for n in range(10**6))


def _limited_request(client, tree, method, path, data, kind):
    from dangjian.members import codes

    fill = {"join_token": codes.org_token(tree.branch_a), "org": tree.branch_a.pk}
    path = path.format(**fill)
    if data is None:
        return getattr(client, method)(path)
    body = {k: (str(next(_mobiles)) if v == "{mobile}" else v) for k, v in data.items()}
    body = {k: (fill["org"] if v == "{org}" else v) for k, v in body.items()}
    if kind == "api" and "/reports" not in path:
        return client.post(path, body, content_type="application/json")
    return client.post(path, body)


@pytest.mark.parametrize(("name", "method", "path", "data", "kind"), LIMITED, ids=[f"{x[0]}:{x[2]}" for x in LIMITED])
def test_rate_limit_refuses_the_request_past_the_limit_per_address(
    tree, settings, monkeypatch, name, method, path, data, kind
):
    from dangjian.core import ratelimit

    settings.RATE_LIMITS = {**settings.RATE_LIMITS, name: "3/60"}
    now = [1_200_020.0]  # 20 s into a 60-second window
    monkeypatch.setattr(ratelimit, "_now", lambda: now[0])

    def client_from(address):
        client = Client(REMOTE_ADDR=address)
        if name == "report":
            client.force_login(
                make_user(home_org=tree.group_a), backend="dangjian.accounts.backends.UsernameOrMobileBackend"
            )
        return client

    first = client_from("198.51.100.7")
    for _ in range(3):
        assert _limited_request(first, tree, method, path, data, kind).status_code != 429
    refused = _limited_request(first, tree, method, path, data, kind)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "40"
    if kind == "api":
        assert refused.json() == {
            "error": {"code": "too_many_requests", "message": "请求过于频繁，请约 1 分钟后再试。", "fields": {}}
        }
    else:
        assert "请求过于频繁，请约 1 分钟后再试。" in refused.content.decode()
    # Another address is counted on its own.
    assert _limited_request(client_from("198.51.100.8"), tree, method, path, data, kind).status_code != 429
    # The next window starts afresh.
    now[0] += 40
    assert _limited_request(first, tree, method, path, data, kind).status_code != 429


def test_login_limit_keeps_the_lockout_and_counts_every_post(tree, settings, monkeypatch):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": "2/300"}
    make_user(username="right", home_org=tree.group_a)
    client = Client(REMOTE_ADDR="198.51.100.20")
    assert client.post("/accounts/login/", {"identifier": "right", "password": PASSWORD}).status_code == 302
    client.logout()
    assert client.post("/accounts/login/", {"identifier": "right", "password": "bad"}).status_code == 200
    refused = client.post("/accounts/login/", {"identifier": "right", "password": PASSWORD})
    assert refused.status_code == 429 and "_auth_user_id" not in client.session
    assert client.get("/accounts/login/").status_code == 200  # reading the form is not counted


def test_sms_codes_are_limited_per_mobile_whatever_the_address(tree, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "sms_mobile": "1/600", "sms_code": "100/600"}
    from dangjian.demands.models import MobileVerification

    body = {"mobile": "13800000001"}
    first = Client(REMOTE_ADDR="198.51.100.30").post("/api/v1/demands/sms-code", body, content_type="application/json")
    assert first.status_code == 204
    # The same number written another way, from another address: the same target.
    again = Client(REMOTE_ADDR="198.51.100.31").post(
        "/api/v1/demands/sms-code", {"mobile": "138 0000 0001"}, content_type="application/json"
    )
    assert again.status_code == 429 and again.json()["error"]["code"] == "too_many_requests"
    assert MobileVerification.objects.count() == 1
    other = Client(REMOTE_ADDR="198.51.100.31").post(
        "/api/v1/demands/sms-code", {"mobile": "13800000002"}, content_type="application/json"
    )
    assert other.status_code == 204


def test_rate_limits_use_the_trusted_proxy_hop(tree, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": "1/300"}
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.1"
    body = {"identifier": "nobody", "password": "x"}

    def post(forwarded):
        return Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=forwarded).post("/accounts/login/", body)

    assert post("203.0.113.1").status_code == 200
    assert post("203.0.113.2").status_code == 200  # two clients behind the same proxy
    # A forged left-hand hop does not give the same client a fresh count.
    assert post("192.0.2.99, 203.0.113.1").status_code == 429


# --- File uploads: type sniffing, size, decompression bombs, for every upload field ---------------------

_HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
DISGUISED = {
    "html": _HTML,
    "svg": b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>',
    "php": b"<?php system($_GET['cmd']); ?>",
    # The first bytes of a JPEG, then markup: passes a naive magic-number check.
    "jpeg_head_then_html": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + _HTML,
}


def _png(width: int, height: int) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("1", (width, height)).save(out, format="PNG", optimize=True)
    return out.getvalue()


def _bomb() -> bytes:
    """10 000 × 10 000 pixels (100 M, 300 MB decoded) in about 15 KB."""
    return _png(10_000, 10_000)


def _upload(name: str, content: bytes, content_type: str = "image/jpeg"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type)


@pytest.fixture
def upload_targets(tree):
    """One call per upload field, each through the service its page and API operation use; each
    returns the number of stored files of its kind so a test can check that nothing was kept."""
    import datetime as dt

    from dangjian.demands import services as demand_services
    from dangjian.demands.models import DemandPhoto
    from dangjian.development.models import StepDocument
    from dangjian.development.services import document_attach
    from dangjian.development.tests.factories import applicant, record
    from dangjian.reports import services as report_services
    from dangjian.reports.models import ReportPhoto
    from dangjian.stations import services as station_services
    from dangjian.stations.models import StationPhoto

    worker = make_user(home_org=tree.group_a, username="uploader")
    station = station_services.station_create(
        actor=None,
        org=tree.branch_a,
        name="上传驿站",
        latitude="30.2510",
        longitude="120.1600",
        kind="rider_station",
        address="某路1号",
        amenities=["water"],
    )
    report = report_services.report_submit(actor=worker, category="road_hazard", latitude="30.25", longitude="120.15")
    step = record(applicant(tree.branch_a), "application", dt.date.today())
    return {
        "station_photo": (
            lambda f: station_services.station_photo_add(actor=None, station=station, photo=f),
            StationPhoto,
        ),
        "demand_photo": (
            lambda f: demand_services.demand_submit(
                actor=worker, intake_org=tree.branch_a, category="other", description="路灯坏了很久了", photo=f
            ),
            DemandPhoto,
        ),
        "report_photo": (
            lambda f: report_services.report_submit(
                actor=worker, category="road_hazard", latitude="30.2501", longitude="120.1501", photo=f
            ),
            ReportPhoto,
        ),
        "report_close_photo": (
            lambda f: report_services.report_close(actor=None, report=report, resolution="已修好", photo=f),
            ReportPhoto,
        ),
        "development_document": (
            lambda f: document_attach(actor=None, record=step, kind="other", upload=f),
            StepDocument,
        ),
    }


UPLOAD_FIELDS = ["station_photo", "demand_photo", "report_photo", "report_close_photo", "development_document"]


@pytest.mark.parametrize("field", UPLOAD_FIELDS)
@pytest.mark.parametrize("disguise", list(DISGUISED))
def test_uploads_named_jpg_are_sniffed_from_their_content(upload_targets, field, disguise):
    from dangjian.core.errors import DomainError

    call, model = upload_targets[field]
    with pytest.raises(DomainError) as exc:
        call(_upload("photo.jpg", DISGUISED[disguise]))
    assert exc.value.code in {"invalid_photo", "file_type"}
    assert model.objects.count() == 0


@pytest.mark.parametrize("field", UPLOAD_FIELDS)
def test_uploads_over_the_size_limit_are_refused(upload_targets, field):
    from dangjian.core.errors import DomainError

    call, model = upload_targets[field]
    limit = 10 if field == "development_document" else 8  # MB: the policy default, images.MAX_BYTES
    big = b"\xff\xd8\xff\xe0" + b"\x00" * (limit * 1024 * 1024)
    with pytest.raises(DomainError) as exc:
        call(_upload("big.jpg", big))
    assert exc.value.code in {"invalid_photo", "too_large"} and f"{limit}" in exc.value.message
    assert model.objects.count() == 0


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")  # Pillow's own alarm, then our refusal
@pytest.mark.parametrize("field", UPLOAD_FIELDS)
def test_decompression_bombs_are_refused_from_the_header(upload_targets, field):
    from dangjian.core.errors import DomainError

    call, model = upload_targets[field]
    bomb = _bomb()
    assert len(bomb) < 64 * 1024
    with pytest.raises(DomainError) as exc:
        call(_upload("bomb.png", bomb, "image/png"))
    assert "像素" in exc.value.message
    assert model.objects.count() == 0
    # A normal picture of the same kind goes through: the refusals above are not a blanket "no".
    call(_upload("fine.png", _png(64, 48), "image/png"))
    assert model.objects.count() == 1


@pytest.mark.parametrize("disguise", list(DISGUISED))
def test_member_import_sniffs_the_workbook(tree, disguise):
    from dangjian.core.errors import DomainError
    from dangjian.members import excel
    from dangjian.members.models import ImportJob

    with pytest.raises(DomainError) as exc:
        excel.import_create(
            actor=None, org=tree.branch_a, file_name="党员.xlsx", content=DISGUISED[disguise], mode="all"
        )
    assert exc.value.code == "unreadable_file" and exc.value.fields.keys() == {"file"}
    assert ImportJob.objects.count() == 0


def test_member_import_refuses_a_zip_bomb_before_unpacking(tree, monkeypatch):
    import io
    import zipfile

    from dangjian.core.errors import DomainError
    from dangjian.members import excel
    from dangjian.members.models import ImportJob

    assert excel.MAX_UNPACKED_BYTES == 256 * 1024 * 1024
    template = excel.template()
    monkeypatch.setattr(excel, "MAX_UNPACKED_BYTES", 4 * 1024 * 1024)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/sharedStrings.xml", b"<sst>" + b"0" * (5 * 1024 * 1024) + b"</sst>")
    assert len(out.getvalue()) < 32 * 1024
    with pytest.raises(DomainError) as exc:
        excel.import_create(actor=None, org=tree.branch_a, file_name="炸弹.xlsx", content=out.getvalue(), mode="all")
    assert exc.value.code == "too_large" and "4 MB" in exc.value.message
    assert ImportJob.objects.count() == 0
    assert excel._unpacked_size(template) < 4 * 1024 * 1024  # the real template is far below any limit


def test_member_import_form_refuses_files_over_50_mb(tree):
    from dangjian.members.forms import ImportForm

    admin = make_user("org_admin", tree.root)
    big = _upload("党员.xlsx", b"PK\x03\x04", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    big.size = 50 * 1024 * 1024 + 1
    form = ImportForm({"org": tree.branch_a.pk, "mode": "all"}, {"file": big}, user=admin)
    assert not form.is_valid()
    assert form.errors["file"] == ["文件超过50 MB，请拆分成较小的文件。"]


def test_every_upload_field_is_covered_by_the_checks_above():
    """A new FileField in a form or UploadedFile in an API operation must be added to the tests
    above (and checked by images.clean_photo, documents.sniff or the workbook reader)."""
    import inspect

    from django import forms as django_forms
    from ninja.files import UploadedFile

    from dangjian.api import api

    form_fields = set()
    for module_name in ("demands", "development", "members", "reports", "stations", "council", "points", "dues"):
        try:
            module = __import__(f"dangjian.{module_name}.forms", fromlist=["*"])
        except ImportError:
            continue
        for form_name, form_class in inspect.getmembers(module, inspect.isclass):
            if issubclass(form_class, django_forms.BaseForm) and form_class.__module__ == module.__name__:
                for field_name, field in form_class.base_fields.items():
                    if isinstance(field, django_forms.FileField):
                        form_fields.add(f"{module_name}.{form_name}.{field_name}")
    api_fields = set()
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                for name, parameter in inspect.signature(operation.view_func).parameters.items():
                    if "UploadedFile" in str(parameter.annotation) or parameter.annotation is UploadedFile:
                        api_fields.add(f"{operation.view_func.__module__}.{operation.view_func.__name__}.{name}")
    assert form_fields == {
        "demands.DemandForm.photo",
        "development.DocumentForm.file",
        "members.ImportForm.file",
        "reports.ReportForm.photo",
        "reports.CloseForm.photo",
        "stations.PhotoForm.photo",
    }
    assert api_fields == {
        "dangjian.development.api.upload.file",
        "dangjian.reports.api.submit.photo",
        "dangjian.reports.api.close.photo",
        "dangjian.stations.api.add_photo.photo",
    }


def test_the_bench_endpoint_exists_only_under_the_bench_settings(db):
    from django.urls import Resolver404, resolve

    with pytest.raises(Resolver404):
        resolve("/__bench__/bare")
    assert resolve("/__bench__/bare", urlconf="bench.urls").url_name == "bench_bare"
    assert Client().get("/__bench__/bare").status_code == 404
