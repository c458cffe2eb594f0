"""Assisted use (代办): consent required, time-boxed, only the helper, audited on behalf."""

import datetime as dt

import pytest
from django.utils import timezone

from conftest import make_user
from dangjian.core.errors import ConflictError, DomainError, NotFoundError
from dangjian.core.models import AuditEntry
from dangjian.demands import services
from dangjian.demands.models import AssistSession, Demand
from dangjian.stations import services as station_services


@pytest.fixture
def station(tree):
    return station_services.station_create(
        actor=None,
        org=tree.branch_a,
        name="东门驿站",
        kind="rider_station",
        address="路",
        latitude="30.2",
        longitude="120.1",
    )


@pytest.fixture
def manager(tree):
    return make_user("station_manager", tree.branch_a)


def _start(manager, station, **extra):
    data = {"worker_name": "老张", "mobile": "13912340000", "consent": True, "consent_note": "本人在驿站当面同意"}
    data.update(extra)
    return services.assist_start(actor=manager, station=station, **data)


def test_assisted_submission_is_audited_on_behalf(tree, station, manager):
    session = _start(manager, station)
    assert session.mobile_masked == "139****0000" and "13912340000" not in session.mobile_enc
    demand = services.demand_submit(
        actor=manager, intake_org=station.org, assist=session, category="wages", description="老板拖欠三个月工资"
    )
    assert (demand.contact_name, demand.mobile_masked, demand.source, demand.submitter) == (
        "老张",
        "139****0000",
        "东门驿站",
        None,
    )
    assert demand.events.get().note == "在东门驿站经您同意代为提交。"
    on_behalf = AuditEntry.objects.get(action="demand.submit_on_behalf")
    assert on_behalf.actor_id == manager.pk and on_behalf.changes["on_behalf_of"] == "139****0000"
    assert AuditEntry.objects.get(action="demand.submit").changes["channel"] == "assisted"
    assert AuditEntry.objects.get(action="assist.start").changes["consent"] == "本人在驿站当面同意"


def test_consent_and_time_box(tree, station, manager):
    with pytest.raises(DomainError) as exc:
        _start(manager, station, consent=False)
    assert exc.value.fields.keys() == {"consent"}
    session = _start(manager, station)
    later = timezone.now() + dt.timedelta(minutes=31)
    with pytest.raises(ConflictError) as exc:
        services.demand_submit(
            actor=manager,
            intake_org=station.org,
            assist=session,
            category="wages",
            description="老板拖欠工资",
            now=later,
        )
    assert exc.value.code == "assist_ended"
    other = make_user("station_manager", tree.branch_a)
    with pytest.raises(ConflictError):
        services.demand_submit(
            actor=other, intake_org=station.org, assist=session, category="wages", description="老板拖欠工资"
        )
    services.assist_end(actor=manager, session=session)
    with pytest.raises(ConflictError):
        services.demand_submit(
            actor=manager, intake_org=station.org, assist=session, category="wages", description="老板拖欠工资"
        )
    assert Demand.objects.count() == 0


def test_scope(tree, station):
    with pytest.raises(NotFoundError):
        _start(make_user("station_manager", tree.branch_b), station)
    with pytest.raises(NotFoundError):
        _start(make_user("committee_member", tree.branch_a), station)
    assert AssistSession.objects.count() == 0


def test_pages(tree, station, manager, login_as, django_assert_max_num_queries):
    client = login_as(manager)
    assert client.get("/demands/assist/").status_code == 200
    r = client.post(
        "/demands/assist/",
        {
            "station": station.pk,
            "worker_name": "老张",
            "mobile": "13912340000",
            "consent_note": "当面同意",
            "consent": "on",
        },
    )
    session = AssistSession.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/demands/assist/{session.pk}/"
    r = client.post(r["Location"], {"form": "demand", "category": "legal", "description": "需要法律援助咨询"})
    assert r.status_code == 302 and Demand.objects.get().mobile_masked == "139****0000"
    with django_assert_max_num_queries(10):
        html = client.get(f"/demands/assist/{session.pk}/").content.decode()
    assert Demand.objects.get().tracking_display in html
    assert (
        login_as(make_user("station_manager", tree.branch_a)).get(f"/demands/assist/{session.pk}/").status_code == 404
    )
    client.post(f"/demands/assist/{session.pk}/", {"form": "end"})
    assert AssistSession.objects.get().ended_at is not None
    assert login_as(make_user("committee_member", tree.street_a)).get("/demands/assist/").status_code == 403
