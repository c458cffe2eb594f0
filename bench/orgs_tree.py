"""The organisation tree at district-to-province scale: subtree reads through the permission scope.

Builds (bulk, not row by row) a tree of committees → street committees → branches → groups, and
host entities with coverage links, in a throw-away database (SQLite in a temp dir by default, or
BENCH_DATABASE_URL for PostgreSQL). Then measures, for a street-level user and a top-level user:
- the scoped organisation list page query (first 50 of a subtree),
- the scoped entity list (50) with coverage flags,
- the coverage report over the whole scope (one grouped query),
- a permission check for one object.
Figures: p50 / p95 in milliseconds over repeated runs.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time

SIZES = {
    "streets": int(os.environ.get("BENCH_STREETS", "40")),
    "branches_per_street": int(os.environ.get("BENCH_BRANCHES", "120")),
    "groups_per_branch": int(os.environ.get("BENCH_GROUPS", "2")),
    "entities_per_branch": int(os.environ.get("BENCH_ENTITIES", "4")),
}
REPEAT = int(os.environ.get("BENCH_REPEAT", "60"))


def _setup_django() -> None:
    tmp = tempfile.mkdtemp(prefix="dangjian-bench-")
    os.environ["DANGJIAN_VAR_DIR"] = tmp
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")
    os.environ.setdefault("DANGJIAN_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    if "postgres" in os.environ["DATABASE_URL"]:
        from django.db import connection

        # The schema is dropped and rebuilt: refuse anything but a database meant for benchmarks.
        if not connection.settings_dict["NAME"].startswith("bench"):
            raise SystemExit("BENCH_DATABASE_URL must name a database starting with 'bench' (it is wiped)")

        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    call_command("migrate", verbosity=0)


def _path(*steps: int) -> str:
    from dangjian.orgs.models import PartyOrganisation

    alphabet = PartyOrganisation.alphabet
    width = PartyOrganisation.steplen
    out = ""
    for step in steps:
        digits = ""
        for _ in range(width):
            step, rem = divmod(step, len(alphabet))
            digits = alphabet[rem] + digits
        out += digits
    return out


def build() -> dict:
    from django.db import transaction

    from dangjian.orgs.models import HostEntity, OrgEntityLink, PartyOrganisation

    orgs: list[PartyOrganisation] = []
    n = 0

    def org(path, kind, name, numchild, category="comprehensive", members=0, full=0):
        nonlocal n
        n += 1
        orgs.append(
            PartyOrganisation(
                path=path,
                depth=len(path) // 4,
                numchild=numchild,
                name=name,
                code=f"B{n:07d}",
                kind=kind,
                category=category,
                member_count=members,
                full_member_count=full,
            )
        )

    s = SIZES
    org(_path(1), "committee", "省两新工委", s["streets"])
    for a in range(1, s["streets"] + 1):
        org(_path(1, a), "committee", f"街道党工委{a}", s["branches_per_street"])
        for b in range(1, s["branches_per_street"] + 1):
            org(_path(1, a, b), "branch", f"党支部{a}-{b}", s["groups_per_branch"], "new_employment", 12, 10)
            for g in range(1, s["groups_per_branch"] + 1):
                org(_path(1, a, b, g), "group", f"党小组{a}-{b}-{g}", 0, "new_employment", 6, 5)
    started = time.perf_counter()
    with transaction.atomic():
        PartyOrganisation.objects.bulk_create(orgs, batch_size=5000)
        branches = list(PartyOrganisation.objects.filter(kind="branch").values_list("id", "path"))
        streets = dict(PartyOrganisation.objects.filter(depth=2).values_list("path", "id"))
        entities = []
        kinds = ["worker_group", "digital_firm", "association", "other_enterprise"]
        industries = ["food_delivery", "internet", "trade_association", "logistics"]
        for idx, (_, path) in enumerate(branches):
            for e in range(s["entities_per_branch"]):
                kind = kinds[(idx + e) % 4]
                entities.append(
                    HostEntity(
                        name=f"单位{idx}-{e}",
                        kind=kind,
                        category={
                            "worker_group": "new_employment",
                            "digital_firm": "new_economic",
                            "association": "new_social",
                            "other_enterprise": "new_economic",
                        }[kind],
                        industry=industries[(idx + e) % 4],
                        owner_org_id=streets[path[:8]],
                    )
                )
        HostEntity.objects.bulk_create(entities, batch_size=5000)
        entity_ids = list(HostEntity.objects.order_by("id").values_list("id", flat=True))
        links = [
            OrgEntityLink(org_id=branches[i // s["entities_per_branch"]][0], entity_id=eid)
            for i, eid in enumerate(entity_ids)
            if i % 3 != 0
        ]
        OrgEntityLink.objects.bulk_create(links, batch_size=5000)
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {
        "orgs": len(orgs),
        "entities": len(entity_ids),
        "links": len(links),
        "build_s": round(time.perf_counter() - started, 1),
    }


def _timeit(fn) -> tuple[float, float]:
    fn()  # warm
    samples = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return round(statistics.median(samples), 2), round(samples[int(len(samples) * 0.95) - 1], 2)


def measure() -> list[tuple[str, float, float]]:
    from dangjian.accounts import services as account_services
    from dangjian.core import scope
    from dangjian.orgs import selectors
    from dangjian.orgs.models import PartyOrganisation

    root = PartyOrganisation.objects.get(depth=1)
    street = PartyOrganisation.objects.filter(depth=2).order_by("path")[SIZES["streets"] // 2]
    far_group = PartyOrganisation.objects.filter(depth=4).order_by("-path").first()
    top = account_services.user_create(actor=None, username="bench_top", password="Bench-Pass-2026", home_org=root)
    account_services.role_assign(actor=None, user=top, role="org_admin", org=root)
    local = account_services.user_create(
        actor=None, username="bench_street", password="Bench-Pass-2026", home_org=street
    )
    account_services.role_assign(actor=None, user=local, role="secretary", org=street)

    def fresh(user):
        scope.forget(user)
        return user

    rows = []
    for label, user in (("street secretary", local), ("province admin", top)):
        rows.append((f"{label}: org list page (50)", *_timeit(lambda u=user: list(selectors.org_list(fresh(u))[:50]))))
        rows.append(
            (
                f"{label}: org search '党支部1' (50)",
                *_timeit(lambda u=user: list(selectors.org_list(fresh(u), q="党支部1")[:50])),
            )
        )
        rows.append(
            (
                f"{label}: entity list page (50, coverage flags)",
                *_timeit(lambda u=user: list(selectors.entity_list(fresh(u))[:50])),
            )
        )
        rows.append((f"{label}: coverage report", *_timeit(lambda u=user: selectors.coverage_report(fresh(u)))))
        rows.append(
            (
                f"{label}: permission check on a far object",
                *_timeit(lambda u=user: scope.can(fresh(u), "org.view", far_group)),
            )
        )
    return rows


def main() -> None:
    _setup_django()
    from django.db import connection

    built = build()
    print(
        f"\n== orgs_tree on {connection.vendor}: {built['orgs']:,} organisations, {built['entities']:,} host "
        f"entities, {built['links']:,} coverage links (built in {built['build_s']} s)"
    )
    print(f"{'operation':<62}{'p50 ms':>10}{'p95 ms':>10}")
    for name, p50, p95 in measure():
        print(f"{name:<62}{p50:>10}{p95:>10}")
    sys.stdout.flush()
