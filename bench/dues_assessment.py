"""Party dues at province scale: the monthly assessment of 1,000,000 members, and the ledger page
of a 50,000-organisation subtree.

The province (organisations, host entities, members) is built by ``bench.members_scale``'s own
builder. This benchmark then adds one encrypted income declaration per member (a mix of salaried,
self-employed, retired and fixed-amount members; bases from 800 to 30,000 yuan, with fen, and
the band edges 3000.00 / 3000.01 / 5000.00 / 10000.00 included) through the production
functions (``crypto.encrypt``, ``rules.mask_base``), COPYed in.

Measured:
- ``services.assessment_run`` for the whole province and one month (wall time; target < 60 s);
  checked exact to the fen against an independent Decimal computation from the plaintext bases
  (total, per kind, and every row of a 2,000-member sample);
- the ledger page ``/dues/?under=<province>`` and ``GET /api/v1/dues/ledger`` for the province
  admin (p50 / p95 / p99 ms; target p95 < 200 ms), through django.test.Client.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_dues python -m bench dues_assessment

Sizes as in members_scale (BENCH_MEMBERS, BENCH_ORGS, BENCH_HOST_ENTITIES); on SQLite only small
sizes run (BENCH_MEMBERS=5000 BENCH_ORGS=600 BENCH_HOST_ENTITIES=2000).
"""

from __future__ import annotations

import os
import random
import sys
import time
from decimal import ROUND_HALF_UP, Decimal

from bench import members_scale as province

LEDGER_TARGET_MS, ASSESS_TARGET_S = 200.0, 60.0
KINDS = [
    ("salaried", 55),
    ("self_employed", 30),
    ("retiree", 9),
    ("student", 2),
    ("unemployed", 2),
    ("subsistence", 1),
    ("farmer", 1),
]
EDGES = ["3000.00", "3000.01", "5000.00", "5000.01", "10000.00", "10000.01", "2999.00", "4321.50"]
SALARIED = [
    (Decimal("3000.00"), Decimal("0.5")),
    (Decimal("5000.00"), Decimal("1")),
    (Decimal("10000.00"), Decimal("1.5")),
]
RETIREE = [(Decimal("5000.00"), Decimal("0.5"))]


def expected_amount(kind: str, base: Decimal | None) -> Decimal:
    """The 2008 rules written out plainly in Decimal: the independent check of the batch run."""
    if kind in ("student", "unemployed", "subsistence", "farmer"):
        return Decimal("0.20")
    bands, top = (RETIREE, Decimal("1")) if kind == "retiree" else (SALARIED, Decimal("2"))
    rate = next((r for upper, r in bands if base <= upper), top)
    return (base * rate / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _base(rng: random.Random, i: int) -> Decimal:
    if i % 97 == 0:
        return Decimal(EDGES[(i // 97) % len(EDGES)])
    return Decimal(rng.randrange(80_000, 3_000_000)) / 100


def build_declarations(month) -> dict:
    """One declaration per member (in force since six months before ``month``); returns the
    plaintext facts the check needs: totals per kind and a sample of members."""
    from django.db import connection

    from dangjian.core import crypto
    from dangjian.dues import rules
    from dangjian.dues.models import BASE_CONTEXT, DuesDeclaration
    from dangjian.members.models import Member

    rng = random.Random(province.SEED + 77)
    weights = [w for _, w in KINDS]
    names = [k for k, _ in KINDS]
    applies = rules.add_months(month, -6).isoformat()
    active = set(
        Member.objects.filter(status__in=["normal", "restored"])
        .values_list("id", flat=True)
        .iterator(chunk_size=50_000)
    )
    expected: dict[str, Decimal] = {}
    counts: dict[str, int] = {}
    sample: dict[int, Decimal] = {}
    table = DuesDeclaration._meta.db_table
    columns = (
        "member_id, kind, base_enc, base_masked, quarter_income_declared, fixed_amount, applies_from, note, created_at"
    )
    now = "2026-01-01T00:00:00+00:00"
    ids = list(Member.objects.order_by("id").values_list("id", flat=True).iterator(chunk_size=50_000))

    def chunks():
        buffer = []
        for i, member_id in enumerate(ids):
            kind = rng.choices(names, weights)[0]
            if kind in ("salaried", "self_employed", "retiree"):
                base = _base(rng, i)
                enc, masked = crypto.encrypt(f"{base:.2f}", BASE_CONTEXT), rules.mask_base(base)
            else:
                base, enc, masked = None, "", ""
            if member_id in active:
                amount = expected_amount(kind, base)
                expected[kind] = expected.get(kind, Decimal(0)) + amount
                counts[kind] = counts.get(kind, 0) + 1
                if i % 500 == 0:
                    sample[member_id] = amount
            buffer.append(f"{member_id}\t{kind}\t{enc}\t{masked}\tf\t\\N\t{applies}\t\t{now}\n")
            if len(buffer) >= 20_000:
                yield "".join(buffer)
                buffer = []
        if buffer:
            yield "".join(buffer)

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.connection.cursor() as pg, pg.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for chunk in chunks():
                    copy.write(chunk)
            cursor.execute(f"ANALYZE {table}")
        else:
            rows = []
            for chunk in chunks():
                for line in chunk.splitlines():
                    member_id, kind, enc, masked, *_ = line.split("\t")
                    rows.append(
                        DuesDeclaration(
                            member_id=int(member_id), kind=kind, base_enc=enc, base_masked=masked, applies_from=applies
                        )
                    )
            DuesDeclaration.objects.bulk_create(rows, batch_size=2000)
    return {"expected": expected, "counts": counts, "sample": sample}


def _quantile(samples, q):
    return province._quantile(samples, q)


def main() -> bool:
    on_postgresql = "postgres" in os.environ.get("BENCH_DATABASE_URL", "")
    too_big = [
        f"{province.ENV[k]}={province.SIZES[k]:,} (max {v:,})"
        for k, v in province.SQLITE_LIMITS.items()
        if province.SIZES[k] > v
    ]
    if not on_postgresql and too_big:
        print(
            "\n== dues_assessment: skipped — needs PostgreSQL at province scale: set "
            "BENCH_DATABASE_URL=postgres://…/bench_dues (a database whose name starts with 'bench'; it is wiped), "
            f"or small sizes: {', '.join(too_big)}; try BENCH_MEMBERS=5000 BENCH_ORGS=600 BENCH_HOST_ENTITIES=2000.",
            file=sys.stderr,
        )
        return False
    vendor = province._setup_django()
    from django.db import connection, transaction
    from django.db.models import Count
    from django.test import Client

    from dangjian.accounts import services as account_services
    from dangjian.accounts.middleware import SESSION_2FA
    from dangjian.core import scope
    from dangjian.dues import services
    from dangjian.dues.models import DuesAssessment, DuesLedger
    from dangjian.dues.sums import fen_sum, to_yuan
    from dangjian.orgs.models import PartyOrganisation

    shape = province.plan(province.SIZES["members"], province.SIZES["orgs"], province.SIZES["entities"], province.SEED)
    print(
        f"\n== dues_assessment on {vendor}: {shape.members:,} members, {shape.orgs:,} organisations; "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start"
    )
    print("build (members_scale's builder):")
    (province.build_postgresql if vendor == "postgresql" else province.build_sqlite)(shape)
    from importlib import import_module

    from django.apps import apps

    # The 2008 rules come from a data migration; on SQLite the setup flushes them away.
    import_module("dangjian.dues.migrations.0002_national_rules_2008").load(apps, None)
    month = services.current_month()
    started = time.perf_counter()
    facts = build_declarations(month)
    print(f"  {'declarations (1 per member, encrypted, COPY)':<58}{time.perf_counter() - started:>8.1f} s")

    load = os.getloadavg()[0]
    started = time.perf_counter()
    timings: dict = {}
    count = services.assessment_run(actor=None, month=month, org=None, timings=timings)
    elapsed = time.perf_counter() - started
    verdict = "ok" if elapsed < ASSESS_TARGET_S else "MISSED"
    print(
        f"\nassessment of {month:%Y-%m}: {count:,} members assessed in {elapsed:.1f} s "
        f"({count / elapsed:,.0f}/s; load average {load:.2f} before, {os.getloadavg()[0]:.2f} after) "
        f"{verdict} (< {ASSESS_TARGET_S:.0f} s)\n  of which: COPY of the rows {timings['write']:.1f} s, ledger rebuild "
        f"{timings['ledger']:.1f} s, commit {elapsed - timings['total']:.1f} s; "
        "the rest reading, decrypting and applying the rules"
    )

    by_kind = {
        kind: (to_yuan(total), n)
        for kind, total, n in DuesAssessment.objects.filter(month=month)
        .order_by()
        .values("kind")
        .annotate(t=fen_sum("amount"), n=Count("id"))
        .values_list("kind", "t", "n")
    }
    exact = all(
        by_kind.get(kind, (Decimal(0), 0)) == (facts["expected"][kind], facts["counts"][kind])
        for kind in facts["counts"]
    )
    got = dict(
        DuesAssessment.objects.filter(month=month, member_id__in=list(facts["sample"])).values_list(
            "member_id", "amount"
        )
    )
    sample_ok = got == facts["sample"]
    total = sum(t for t, _ in by_kind.values())
    ledger_total = to_yuan(DuesLedger.objects.filter(month=month).aggregate(s=fen_sum("assessed"))["s"])
    print(
        f"exactness: total {total} yuan; per kind totals and counts {'equal' if exact else 'DIFFER'} to the "
        f"independent Decimal computation; {len(got):,}-member sample {'equal' if sample_ok else 'DIFFERS'}; "
        f"ledger total {'equal' if ledger_total == total else 'DIFFERS'}"
    )
    if not (exact and sample_ok and ledger_total == total):
        for kind in facts["counts"]:
            print(f"  {kind}: got {by_kind.get(kind)} expected {(facts['expected'][kind], facts['counts'][kind])}")
        return True

    root = PartyOrganisation.objects.get(depth=1)
    with transaction.atomic():
        admin = account_services.user_create(
            actor=None, username="bench_dues_admin", password=province.PASSWORD, home_org=root
        )
        account_services.role_assign(actor=None, user=admin, role="org_admin", org=root)
    client = Client(HTTP_HOST="localhost")
    client.force_login(admin, backend="dangjian.accounts.backends.UsernameOrMobileBackend")
    session = client.session
    session[SESSION_2FA] = True
    session.save()
    subtree = PartyOrganisation.objects.filter(path__startswith=root.path).count()
    rows = DuesLedger.objects.filter(month=month).count()
    repeat = province.REPEAT
    print(
        f"\nledger of the province subtree ({subtree:,} organisations, {rows:,} ledger rows), {repeat} requests each:"
    )
    print(f"{'operation':<58}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for label, url in (
        ("ledger page /dues/?under=<province>", f"/dues/?under={root.pk}&month={month:%Y-%m}"),
        ("ledger page, page 40", f"/dues/?under={root.pk}&month={month:%Y-%m}&page=40"),
        ("GET /api/v1/dues/ledger?under_id=<province>", f"/api/v1/dues/ledger?under_id={root.pk}&month={month:%Y-%m}"),
    ):
        samples = []
        for _ in range(repeat):
            scope.forget(admin)
            started = time.perf_counter()
            response = client.get(url)
            samples.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{url}: {response.status_code}")
        p95 = _quantile(samples, 0.95)
        print(
            f"{label:<58}{_quantile(samples, 0.5):>9.1f}{p95:>9.1f}{_quantile(samples, 0.99):>9.1f}  "
            f"{'ok' if p95 < LEDGER_TARGET_MS else 'MISSED'} (p95 < {LEDGER_TARGET_MS:.0f})"
        )
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    connection.close()
    return True


if __name__ == "__main__":
    main()
