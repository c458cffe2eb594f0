"""Arrears reminders through the notification interface: how long the monthly `dues_remind` run
takes, and that a second run in the same month is a cheap no-op.

Builds BENCH_REMIND_BRANCHES (20) branches of BENCH_REMIND_MEMBERS (100) members each in a
throw-away database (SQLite in a temp dir, or BENCH_DATABASE_URL for PostgreSQL, a database whose
name starts with "bench": it is wiped), half of them with a login account, the others with a
mobile (SMS through the logging channel), declared and assessed for the last seven months, nothing
paid: every member is reminded and every branch secretary alerted. Prints members/s.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
import time

BRANCHES = int(os.environ.get("BENCH_REMIND_BRANCHES", "20"))
PER_BRANCH = int(os.environ.get("BENCH_REMIND_MEMBERS", "100"))


def _setup_django() -> None:
    if not os.environ.get("DANGJIAN_DATA_KEYS"):
        from dangjian.core import crypto

        os.environ["DANGJIAN_DATA_KEYS"] = json.dumps(crypto.generate_keyring().to_json())
    from django.apps import apps

    if not apps.ready:
        tmp = tempfile.mkdtemp(prefix="dangjian-bench-")
        os.environ["DANGJIAN_VAR_DIR"] = tmp
        os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3")
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")
        os.environ.setdefault("DANGJIAN_LOG_LEVEL", "WARNING")
        import django

        django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "postgresql" and not connection.settings_dict["NAME"].startswith("bench"):
        raise SystemExit("BENCH_DATABASE_URL must name a database starting with 'bench' (it is wiped)")
    call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)


def build() -> None:
    from importlib import import_module

    from django.apps import apps
    from django.db import transaction

    from dangjian.accounts import services as account_services
    from dangjian.accounts.models import User
    from dangjian.core.validators import id_check_character
    from dangjian.dues import rules, services
    from dangjian.dues.models import RateSchedule
    from dangjian.members import services as member_services
    from dangjian.members.models import Member
    from dangjian.orgs import services as org_services

    if not RateSchedule.objects.filter(scope_path="").exists():
        import_module("dangjian.dues.migrations.0002_national_rules_2008").load(apps, None)
    this_month = services.current_month()
    serial = 0
    with transaction.atomic():
        root = org_services.org_create(
            actor=None, parent=None, name="基准工委", code="BENCH", kind="committee", category="comprehensive"
        )
        for b in range(BRANCHES):
            branch = org_services.org_create(
                actor=None,
                parent=root,
                name=f"基准支部{b}",
                code=f"BENCH-{b}",
                kind="branch",
                category="new_employment",
            )
            secretary = account_services.user_create(
                actor=None, username=f"bench_sec_{b}", password="Bench@2026-x", home_org=branch
            )
            account_services.role_assign(actor=None, user=secretary, role="secretary", org=branch)
            rows = []
            for i in range(PER_BRANCH):
                serial += 1
                first17 = f"330106199001{(serial % 28) + 1:02d}{serial % 1000:03d}"
                rows.append(
                    {
                        "org": branch,
                        "id_number": first17 + id_check_character(first17),
                        "name": f"党员{serial}",
                        "mobile": "" if i % 2 == 0 else f"139{serial:08d}",
                        "political_status": "full",
                        "join_date": dt.date(2015, 7, 1),
                        "full_member_date": dt.date(2016, 7, 1),
                    }
                )
            members = [m for m in member_services.member_register_many(actor=None, rows=rows) if isinstance(m, Member)]
            users = User.objects.bulk_create([User(username=f"bench_m_{m.pk}", home_org=branch) for m in members[::2]])
            for member, user in zip(members[::2], users, strict=True):
                Member.objects.filter(pk=member.pk).update(user=user)
            for member in members:
                services.declaration_record(
                    actor=None,
                    member=member,
                    kind="salaried",
                    base="4000.00",
                    applies_from=rules.add_months(this_month, -7),
                )
    for offset in range(-7, 1):
        services.assessment_run(actor=None, month=rules.add_months(this_month, offset), org=root)


def main() -> bool:
    _setup_django()
    from django.db import connection
    from django.urls import reverse

    from dangjian.dues import reminders
    from dangjian.notifications.models import Delivery, Notification

    reverse("dues:me")  # import the URL configuration (and the API's schemas) before timing
    started = time.perf_counter()
    build()
    built = time.perf_counter() - started
    members = BRANCHES * PER_BRANCH
    started = time.perf_counter()
    first = reminders.arrears_remind(actor=None)
    first_s = time.perf_counter() - started
    started = time.perf_counter()
    second = reminders.arrears_remind(actor=None)
    second_s = time.perf_counter() - started
    print(f"dues_reminders on {connection.vendor}: {members} members in {BRANCHES} branches (setup {built:.1f} s)")
    print(
        f"  first run: reminded {first['reminded']}, alerted {first['alerted']} in {first_s:.2f} s "
        f"({members / first_s:,.0f} members/s); in-app {Notification.objects.count()}, sms {Delivery.objects.count()}"
    )
    print(f"  second run (same month): reminded {second['reminded']} in {second_s:.2f} s")
    return True


if __name__ == "__main__":
    main()
