"""The compliance table of a large subtree: thousands of branches, a year of meetings.

Builds (bulk) the tree of bench/orgs_tree.py (province → streets → branches → groups), then for
every branch a year of meetings up to October: ten monthly themed party days with expected
attendees and check-ins, three quarterly general meetings, two lectures (one quarter missed), and
signed minutes for most meetings. Measures, for the province administrator (the whole subtree)
and a street secretary, the compliance computation behind the table page and the alerts list.
Target: the whole subtree well under a second. Figures: p50 / p95 in ms, and the query count.
"""

from __future__ import annotations

import datetime as dt
import os
import time

from bench import orgs_tree

ATTENDEES = int(os.environ.get("BENCH_ATTENDEES", "6"))
YEAR = 2026
TODAY = dt.date(YEAR, 11, 20)


def _members(branches: list[tuple[int, str]]) -> dict[int, list[int]]:
    from dangjian.members.models import Member

    rows = []
    for org_id, _path in branches:
        for i in range(ATTENDEES):
            rows.append(
                Member(
                    name=f"党员{org_id}-{i}",
                    gender="male",
                    birth_date=dt.date(1990, 1, 1),
                    id_number_enc="x",
                    id_number_bidx=f"b{org_id}-{i}",
                    id_number_masked="1101**********1234",
                    political_status="full",
                    join_date=dt.date(2015, 7, 1),
                    full_member_date=dt.date(2016, 7, 1),
                    org_id=org_id,
                )
            )
    Member.objects.bulk_create(rows, batch_size=5000)
    found: dict[int, list[int]] = {}
    for pk, org_id in Member.objects.values_list("pk", "org_id"):
        found.setdefault(org_id, []).append(pk)
    return found


def build_meetings() -> dict:
    from django.db import connection, transaction
    from django.utils import timezone

    from dangjian.meetings.models import Attendee, CheckIn, Meeting
    from dangjian.minutes.models import Minutes
    from dangjian.orgs.models import PartyOrganisation

    tz = timezone.get_current_timezone()
    started = time.perf_counter()
    with transaction.atomic():
        branches = list(PartyOrganisation.objects.filter(kind="branch").values_list("id", "path"))
        members = _members(branches)
        meetings = []
        for index, (org_id, _path) in enumerate(branches):
            plan = [("themed_day", m, 15) for m in range(1, 11)]
            plan += [("branch_general", m, 20) for m in (2, 5, 8)]
            plan += [("lecture", m, 25) for m in (3, 6 if index % 4 else 9)]
            for kind, month, day in plan:
                start = dt.datetime(YEAR, month, day, 14, 30, tzinfo=tz)
                meetings.append(
                    Meeting(
                        org_id=org_id,
                        kind=kind,
                        title=f"{kind}-{month}",
                        status="published",
                        starts_at=start,
                        ends_at=start + dt.timedelta(hours=2),
                        checkin_key="bench",
                    )
                )
        Meeting.objects.bulk_create(meetings, batch_size=5000)
        themed = list(Meeting.objects.filter(kind="themed_day").values_list("pk", "org_id", "starts_at"))
        attendees, checkins = [], []
        for n, (meeting_id, org_id, start) in enumerate(themed):
            for i, member_id in enumerate(members[org_id]):
                attendees.append(Attendee(meeting_id=meeting_id, member_id=member_id, has_vote=True))
                if (i + n) % 7:  # about 6 in 7 check in: some themed days fall below 85%
                    checkins.append(CheckIn(meeting_id=meeting_id, member_id=member_id, method="qr", at=start))
        Attendee.objects.bulk_create(attendees, batch_size=5000)
        CheckIn.objects.bulk_create(checkins, batch_size=5000)
        now = timezone.now()
        minutes = [
            Minutes(
                meeting_id=pk,
                host_signed_at=now,
                recorder_signed_at=now,
                locked_at=now,
                host_signed_by_id=_bench_user().pk,
                recorder_signed_by_id=_bench_user().pk,
            )
            for pk in Meeting.objects.order_by("pk").values_list("pk", flat=True)
            if pk % 9
        ]
        Minutes.objects.bulk_create(minutes, batch_size=5000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {
        "branches": len(branches),
        "meetings": len(meetings),
        "attendees": len(attendees),
        "checkins": len(checkins),
        "minutes": len(minutes),
        "build_s": round(time.perf_counter() - started, 1),
    }


_USER = None


def _bench_user():
    global _USER
    if _USER is None:
        from dangjian.accounts import services as account_services
        from dangjian.orgs.models import PartyOrganisation

        root = PartyOrganisation.objects.get(depth=1)
        _USER = account_services.user_create(
            actor=None, username="bench_signer", password="Bench-Pass-2026", home_org=root
        )
    return _USER


def measure() -> list[tuple[str, float, float, int]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dangjian.accounts import services as account_services
    from dangjian.compliance import selectors
    from dangjian.core import scope
    from dangjian.orgs.models import PartyOrganisation

    root = PartyOrganisation.objects.get(depth=1)
    street = PartyOrganisation.objects.filter(depth=2).order_by("path")[orgs_tree.SIZES["streets"] // 2]
    top = account_services.user_create(actor=None, username="bench_top", password="Bench-Pass-2026", home_org=root)
    account_services.role_assign(actor=None, user=top, role="org_admin", org=root)
    local = account_services.user_create(
        actor=None, username="bench_street", password="Bench-Pass-2026", home_org=street
    )
    account_services.role_assign(actor=None, user=local, role="secretary", org=street)
    rows = []
    for label, user in (("province admin (whole subtree)", top), ("street secretary", local)):

        def table(u=user):
            scope.forget(u)
            return selectors.compute(u, year=YEAR, today=TODAY)

        def alerts(u=user):
            scope.forget(u)
            return selectors.alerts(u, year=YEAR, today=TODAY)

        for name, fn in (("compliance table", table), ("alerts", alerts)):
            with CaptureQueriesContext(connection) as queries:
                result = fn()
            rows.append((f"{label}: {name} ({len(result)} rows)", *orgs_tree._timeit(fn), len(queries)))
    return rows


def main() -> bool:
    orgs_tree.REPEAT = int(os.environ.get("BENCH_REPEAT", "10"))
    orgs_tree.SIZES["entities_per_branch"] = 0
    orgs_tree._setup_django()
    from django.db import connection

    built = orgs_tree.build()
    built.update(build_meetings())
    print(f"compliance_table on {connection.vendor}: {built}")
    print(f"{'measurement':<62} {'p50 ms':>9} {'p95 ms':>9} {'queries':>8}")
    for label, p50, p95, queries in measure():
        print(f"{label:<62} {p50:>9} {p95:>9} {queries:>8}")
    return True


if __name__ == "__main__":
    main()
