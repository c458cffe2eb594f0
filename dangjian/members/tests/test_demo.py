"""The demo seeder fills the member pages a newcomer opens: codes, flows, lost contact, leads."""

import datetime as dt

from dangjian.accounts.models import User
from dangjian.demo.seed import seed
from dangjian.members import flowing
from dangjian.members.demo import TEMP_BRANCH_PLACE
from dangjian.members.models import FlowRecord, LostContactCase, MemberCode, RegistrationLead


def test_demo_seeds_member_extras_once(db):
    counts = seed(dt.date(2026, 11, 23))
    assert {k: counts[k] for k in ("codes_created", "flows_created", "lost_contact_created")} == {
        "codes_created": 6,
        "flows_created": 4,
        "lost_contact_created": 3,
    }
    assert counts["registrations_created"] == 4
    assert MemberCode.objects.filter(revoked_at__isnull=True).count() == 6
    assert sorted(FlowRecord.objects.values_list("direction", flat=True)) == ["in", "out", "out", "out"]
    assert FlowRecord.objects.filter(destination=TEMP_BRANCH_PLACE).count() == 3
    secretary = User.objects.get(username="secretary")
    assert [s["destination"] for s in flowing.temp_branch_suggestions(secretary)] == [TEMP_BRANCH_PLACE]
    assert sorted(LostContactCase.objects.values_list("state", flat=True)) == ["closed", "searching", "searching"]
    leads = RegistrationLead.objects.order_by("pk")
    assert [lead.matched_member_id is not None for lead in leads] == [True, False, False, False]
    assert [lead.home_org_id is not None for lead in leads] == [True, False, True, False]
    again = seed(dt.date(2026, 11, 23))
    assert (again["codes_created"], again["flows_created"], again["registrations_created"]) == (0, 0, 0)
