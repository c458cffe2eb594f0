"""The monthly assessment, in batches, and the ledger rebuilt from its sources.

One run reads, per member, the declaration in force for the month (one anti-join query streamed
in chunks), decrypts the base, applies the schedule in force for the member's organisation and any
approved relief, and writes the rows in chunks: COPY on PostgreSQL, ``bulk_create`` on SQLite.
Members already assessed for the month are skipped, so a run can be repeated or resumed.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import time

from django.conf import settings
from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone

from dangjian.core import crypto
from dangjian.members.choices import ACTIVE_STATUSES
from dangjian.orgs.models import PartyOrganisation

from . import rules
from .choices import BASED_KINDS, ReliefStatus
from .models import BASE_CONTEXT, DuesAssessment, DuesDeclaration, DuesHandover, DuesLedger, DuesRelief, RateSchedule
from .sums import fen_sum, to_yuan

CHUNK = 20_000
COLUMNS = [
    "member_id",
    "org_id",
    "month",
    "kind",
    "declaration_id",
    "schedule_id",
    "relief_id",
    "base_masked",
    "band",
    "rate",
    "amount",
    "paid",
    "created_at",
]


def compiled_schedules() -> list[rules.CompiledSchedule]:
    return [rules.CompiledSchedule.of(s) for s in RateSchedule.objects.all()]


def _reliefs(month: dt.date, member_ids=None) -> dict[int, DuesRelief]:
    reliefs = DuesRelief.objects.filter(status=ReliefStatus.APPROVED, from_month__lte=month, to_month__gte=month)
    if member_ids is not None:
        reliefs = reliefs.filter(member_id__in=member_ids)
    found: dict[int, DuesRelief] = {}
    for relief in reliefs.order_by("created_at", "id"):
        found[relief.member_id] = relief  # the latest decision wins
    return found


def _declarations(month: dt.date, *, path: str = "", member_ids=None):
    """(member, org, org path, declaration fields) for members due for ``month`` and not yet assessed."""
    later = DuesDeclaration.objects.filter(member=OuterRef("member"), applies_from__lte=month).filter(
        Q(applies_from__gt=OuterRef("applies_from")) | Q(applies_from=OuterRef("applies_from"), id__gt=OuterRef("id"))
    )
    done = DuesAssessment.objects.filter(member=OuterRef("member"), month=month)
    rows = (
        DuesDeclaration.objects.filter(
            applies_from__lte=month,
            member__status__in=[str(s) for s in ACTIVE_STATUSES],
            # Probationary members pay from the branch meeting that admitted them (the join date).
            member__join_date__lte=rules.month_end(month),
        )
        .exclude(Exists(later))
        .exclude(Exists(done))
    )
    if path:
        rows = rows.filter(member__org__path__startswith=path)
    if member_ids is not None:
        rows = rows.filter(member_id__in=member_ids)
    return rows.order_by().values_list(
        "member_id", "member__org_id", "member__org__path", "id", "kind", "base_enc", "base_masked", "fixed_amount"
    )


def _base_fen(text: str) -> int:
    """The stored base ("4500.00", as declaration_record writes it) in fen, without Decimal."""
    if len(text) > 3 and text[-3] == "." and text[:-3].isdigit() and text[-2:].isdigit():
        return int(text[:-3]) * 100 + int(text[-2:])
    return rules.fen(rules.to_money(text))


class _Computer:
    """The rules, schedules and reliefs of one run, applied to raw declaration rows."""

    def __init__(self, month: dt.date, member_ids=None):
        self.month = month
        self.schedules = compiled_schedules()
        self.reliefs = _reliefs(month, member_ids)
        self.by_path: dict[str, rules.CompiledSchedule | None] = {}
        self.rates: dict = {}
        self.now = timezone.now()

    def rows(self, raw):
        """Yield the computed rows (tuples in COLUMNS order; amounts in fen)."""
        month, by_path, rates, reliefs, decrypt = self.month, self.by_path, self.rates, self.reliefs, crypto.decrypt
        for member_id, org_id, org_path, decl_id, kind, base_enc, base_masked, fixed in raw:
            schedule = by_path.get(org_path, False)
            if schedule is False:
                schedule = by_path[org_path] = rules.choose_schedule(self.schedules, org_path, month)
            if schedule is None:
                continue  # no rules in force here: nothing can be assessed
            base_fen = _base_fen(decrypt(base_enc, BASE_CONTEXT)) if kind in BASED_KINDS else None
            fixed_fen = rules.fen(fixed) if fixed is not None else None
            result = rules.compute(schedule, kind, base_fen, fixed_fen)
            rate = rates.get(result.units, False)
            if rate is False:
                rate = rates[result.units] = (
                    None if result.units is None else rules.Decimal(result.units) / rules.RATE_SCALE
                )
            amount, relief_id = result.amount_fen, None
            relief = reliefs.get(member_id)
            if relief is not None:
                amount, relief_id = min(amount, rules.fen(relief.amount)), relief.pk
            yield (
                member_id,
                org_id,
                month,
                kind,
                decl_id,
                schedule.id,
                relief_id,
                base_masked,
                result.band,
                rate,
                amount,
                0,
                self.now,
            )


def assessment_rows(month: dt.date, *, path: str = "", member_ids=None):
    """Yield the computed rows (tuples in COLUMNS order; amounts in fen) for members due for ``month``."""
    raw = _declarations(month, path=path, member_ids=member_ids).iterator(chunk_size=CHUNK)
    yield from _Computer(month, member_ids).rows(raw)


# The parallel run: the main process reads the declarations and writes the rows; forked workers
# only decrypt and apply the rules (no database access, so they never touch the inherited
# connection). The computer is set before the fork, so workers inherit it.
_COMPUTER: _Computer | None = None


def _chunk_text(raw_chunk: list[tuple]) -> tuple[str, set[int], int]:
    rows = list(_COMPUTER.rows(raw_chunk))
    return _copy_text(rows), {row[1] for row in rows}, len(rows)


def _raw_chunks(month: dt.date, path: str):
    chunk: list[tuple] = []
    for row in _declarations(month, path=path).iterator(chunk_size=CHUNK):
        chunk.append(row)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _workers() -> int:
    return int(getattr(settings, "DUES_ASSESS_WORKERS", 0) or os.cpu_count() or 1)


def _assess_parallel(month: dt.date, path: str, timings: dict) -> int | None:
    """COPY-based run with worker processes; None when the run is too small to be worth it."""
    global _COMPUTER
    chunks = _raw_chunks(month, path)
    first = next(chunks, None)
    if first is None or len(first) < CHUNK or _workers() < 2:
        _COMPUTER = _Computer(month)
        text, _orgs, count = _chunk_text(first or [])
        _COMPUTER = None
        if count:
            started = time.perf_counter()
            _copy(text)
            timings["write"] += time.perf_counter() - started
        return count
    import multiprocessing
    from collections import deque

    _COMPUTER = _Computer(month)
    written = 0
    try:
        with multiprocessing.get_context("fork").Pool(_workers()) as pool:
            pending: deque = deque([pool.apply_async(_chunk_text, (first,))])

            def drain(limit: int) -> None:
                nonlocal written
                while len(pending) > limit:
                    text, _orgs, count = pending.popleft().get()
                    started = time.perf_counter()
                    _copy(text)
                    timings["write"] += time.perf_counter() - started
                    written += count

            for chunk in chunks:
                pending.append(pool.apply_async(_chunk_text, (chunk,)))
                drain(2 * _workers())
            drain(0)
    finally:
        _COMPUTER = None
    return written


NULL = "\\N"


def _copy_text(rows) -> str:
    out = io.StringIO()
    for row in rows:
        (member_id, org_id, month, kind, decl_id, schedule_id, relief_id, masked, band, rate, amount, _paid, now) = row
        out.write(
            f"{member_id}\t{org_id}\t{month.isoformat()}\t{kind}\t{decl_id or NULL}\t{schedule_id}\t"
            f"{relief_id or NULL}\t{masked}\t{band}\t{NULL if rate is None else rate}\t"
            f"{rules.yuan_text(amount)}\t0.00\t{now.isoformat()}\n"
        )
    return out.getvalue()


def _copy(text: str) -> None:
    table = DuesAssessment._meta.db_table
    with (
        connection.cursor() as cursor,
        cursor.connection.cursor() as pg,
        pg.copy(f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN") as copy,
    ):
        copy.write(text)


def _write(batch: list[tuple]) -> None:
    if connection.vendor == "postgresql":
        _copy(_copy_text(batch))
        return
    DuesAssessment.objects.bulk_create(
        [
            DuesAssessment(
                **dict(zip(COLUMNS[:10], row[:10], strict=True)), amount=rules.yuan(row[10]), created_at=row[12]
            )
            for row in batch
        ],
        batch_size=1000,
    )


def assess(month: dt.date, *, path: str = "", member_ids=None, timings: dict | None = None) -> int:
    """Assess every due, unassessed member under ``path`` (or only ``member_ids``) for ``month``;
    rebuild the touched ledger rows. The caller holds the transaction. Returns the rows written.
    ``timings`` (optional) receives the seconds spent writing rows and rebuilding the ledger."""
    timings = {} if timings is None else timings
    timings.update(write=0.0, ledger=0.0)
    written = 0
    batch: list[tuple] = []
    orgs: set[int] = set()

    if connection.vendor == "postgresql" and member_ids is None:
        written = _assess_parallel(month, path, timings)
        if written:
            started = time.perf_counter()
            ledger_refresh(month, path=path)
            if written >= CHUNK:
                # Fresh statistics after a bulk write, so the ledger pages get their index plans at once.
                with connection.cursor() as cursor:
                    cursor.execute(f"ANALYZE {DuesLedger._meta.db_table}")
            timings["ledger"] = time.perf_counter() - started
        return written

    def flush() -> None:
        started = time.perf_counter()
        _write(batch)
        timings["write"] += time.perf_counter() - started

    for row in assessment_rows(month, path=path, member_ids=member_ids):
        batch.append(row)
        orgs.add(row[1])
        if len(batch) >= CHUNK:
            flush()
            written += len(batch)
            batch = []
    if batch:
        flush()
        written += len(batch)
    if written:
        started = time.perf_counter()
        ledger_refresh(month, org_ids=None if member_ids is None else orgs, path=path)
        timings["ledger"] = time.perf_counter() - started
    return written


def ledger_refresh(month: dt.date, *, org_ids=None, path: str = "") -> None:
    """Rebuild the ledger rows of ``month`` (for ``org_ids``, or every organisation under ``path``)
    from the assessments and handovers themselves."""
    assessments = DuesAssessment.objects.filter(month=month)
    handovers = DuesHandover.objects.filter(month=month)
    if org_ids is not None:
        assessments, handovers = assessments.filter(org_id__in=org_ids), handovers.filter(org_id__in=org_ids)
    elif path:
        assessments = assessments.filter(org__path__startswith=path)
        handovers = handovers.filter(org__path__startswith=path)
    totals = {
        org_id: (assessed, paid, total, full)
        for org_id, assessed, paid, total, full in assessments.order_by()
        .values("org_id")
        .annotate(
            a=fen_sum("amount"),
            p=fen_sum("paid"),
            n=Count("id"),
            f=Count("id", filter=Q(paid__gte=F("amount"))),
        )
        .values_list("org_id", "a", "p", "n", "f")
    }
    handed = dict(handovers.order_by().values("org_id").annotate(s=fen_sum("amount")).values_list("org_id", "s"))
    now = timezone.now()
    org_ids_all = set(totals) | set(handed) | set(org_ids or ())
    paths = dict(PartyOrganisation.objects.filter(pk__in=org_ids_all).values_list("pk", "path"))
    rows = [
        DuesLedger(
            org_id=org_id,
            org_path=paths.get(org_id, ""),
            month=month,
            assessed=to_yuan(totals.get(org_id, (0, 0, 0, 0))[0]),
            paid=to_yuan(totals.get(org_id, (0, 0, 0, 0))[1]),
            members_total=totals.get(org_id, (0, 0, 0, 0))[2],
            members_paid=totals.get(org_id, (0, 0, 0, 0))[3],
            handed_over=to_yuan(handed.get(org_id, 0)),
            updated_at=now,
        )
        for org_id in org_ids_all
    ]
    DuesLedger.objects.bulk_create(
        rows,
        batch_size=5000,
        update_conflicts=True,
        unique_fields=["org", "month"],
        update_fields=["org_path", "assessed", "paid", "handed_over", "members_total", "members_paid", "updated_at"],
    )
