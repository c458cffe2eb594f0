"""The rate-schedule page: versions per region, and a new version through a validated form."""

import pytest

from conftest import make_user
from dangjian.core.models import AuditEntry
from dangjian.dues.models import RateSchedule

from .factories import month


@pytest.fixture
def admin(tree):
    return make_user("org_admin", tree.street_a, username="admin_a")


def form_data(tree, **changes):
    data = {
        "region": str(tree.street_a.pk),
        "name": "东街道2027年标准",
        "effective_from": f"{month(1):%Y-%m}",
        "student_amount": "0.20",
        "unemployed_amount": "0.20",
        "subsistence_amount": "0.20",
        "farmer_min": "0.20",
        "farmer_max": "1.00",
    }
    salaried = [("0", "3000", "0.5"), ("3000", "5000", "1"), ("5000", "10000", "1.5"), ("10000", "", "2")]
    retiree = [("0", "5000", "0.5"), ("5000", "", "1")]
    for group, rows in (("salaried", salaried), ("retiree", retiree)):
        for i, (low, high, percent) in enumerate(rows):
            data.update({f"{group}_{i}_from": low, f"{group}_{i}_to": high, f"{group}_{i}_percent": percent})
    data.update(changes)
    return data


def test_page_shows_the_rules_in_force_and_upcoming(tree, admin, login_as):
    client = login_as(admin)
    page = client.get("/dues/rates/").content.decode()
    assert "全国" in page and "生效中" in page and "≤3000.00" in page and "&gt;10000.00" in page
    assert 'href="/dues/rates/new"' in page
    form = client.get("/dues/rates/new").content.decode()
    assert 'name="salaried_3_from" value="10000.00"' in form and 'name="salaried_3_percent" value="2"' in form
    response = client.post("/dues/rates/new", form_data(tree, salaried_0_percent="0.6"))
    assert response.status_code == 302 and response["Location"] == "/dues/rates/"
    created = RateSchedule.objects.get(scope_path=tree.street_a.path)
    assert created.salaried_bands == [["3000.00", "0.6"], ["5000.00", "1"], ["10000.00", "1.5"], [None, "2"]]
    assert created.effective_from == month(1)
    assert AuditEntry.objects.filter(action="dues.schedule_create", actor_id=admin.pk).count() == 1
    page = client.get("/dues/rates/").content.decode()
    assert "东街道党工委" in page and "即将生效" in page and "东街道2027年标准" in page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"salaried_1_from": "3500"},
            "salaried_1_from",
            "工薪收入第2档起点为3500，但上一档止于3000：两档之间的收入没有比例（存在空档）。",
        ),
        ({"salaried_1_from": "2500"}, "salaried_1_from", "工薪收入第2档起点为2500，低于上一档的止点3000：两档重叠。"),
        (
            {"salaried_1_to": "3000", "salaried_2_from": "3000"},
            "salaried_1_to",
            "工薪收入第2档：上限3000必须大于下限3000。",
        ),
        ({"retiree_0_from": "100"}, "retiree_0_from", "离退休第一档应从0开始。"),
        ({"retiree_1_to": "9000"}, "retiree_1_to", "离退休最后一档不设上限，请留空，以涵盖更高的收入。"),
        ({"salaried_1_to": ""}, "salaried_1_to", "工薪收入第2档：只有最后一档可以不设上限。"),
        ({"salaried_2_percent": ""}, "salaried_2_percent", "工薪收入第3档：请填写比例。"),
        ({"farmer_min": "2.00"}, "farmer_min", "农民每月最低金额不能高于最高金额。"),
        ({"effective_from": "2000-01"}, "effective_from", "新标准只能从本月或以后生效；以往月份沿用核定时的标准。"),
    ],
)
def test_bad_bands_give_chinese_messages_and_write_nothing(tree, admin, login_as, changes, field, message):
    response = login_as(admin).post("/dues/rates/new", form_data(tree, **changes))
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert not RateSchedule.objects.filter(scope_path=tree.street_a.path).exists()


def test_only_configuring_roles_add_versions(tree, login_as):
    secretary = make_user("secretary", tree.branch_a)
    client = login_as(secretary)
    page = client.get("/dues/rates/").content.decode()
    assert "全国" in page and 'href="/dues/rates/new"' not in page
    assert client.get("/dues/rates/new").status_code == 403
    other = make_user("org_admin", tree.street_b)
    response = login_as(other).post("/dues/rates/new", form_data(tree))
    assert response.status_code == 200 and "region" in response.context["form"].errors
    assert not RateSchedule.objects.exclude(scope_path="").exists()
