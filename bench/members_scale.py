"""The member registry at province scale: 1,000,000 members, 50,000 organisations, 200,000 entities.

Generator (PostgreSQL; bulk paths only, nothing saved row by row):
- organisations: a 5-level tree, province committee → ~16 city committees → street committees →
  branches → groups, with treebeard materialized paths and exact ``numchild``; COPY.
- host entities owned by the street committees, mixed kinds and categories, valid and unique
  unified social credit codes (NULL for groups of workers); COPY FREEZE.
- members with checksum-valid ID numbers and mobiles, protected by the production functions
  (``crypto.encrypt``, ``crypto.blind_index``, ``mask_id_number``, ``mask_mobile``), streamed in
  chunks from worker processes into one COPY FREEZE; secondary indexes and foreign keys are dropped
  first and rebuilt afterwards, and the schema is compared with the migrated one at the end.

Each member is a pure function of its number ``i`` (the ID number through a bijection of ``i``,
so numbers are unique without remembering them; the rest from a per-chunk seeded generator), so
the benchmark can look any member up by its real ID number afterwards.

Measurements (p50 / p95 / p99 ms): exact lookup by ID number through ``members.selectors``, the
member list page of 50 with its count, and the same through the real pages (/members/ and
/api/v1/members) with django.test.Client.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_members python -m bench members_scale

Sizes: BENCH_MEMBERS (1,000,000), BENCH_ORGS (50,000), BENCH_HOST_ENTITIES (200,000; not
BENCH_ENTITIES, which orgs_tree reads as entities per branch). BENCH_WORKERS: processes generating
members (default: the number of CPUs); BENCH_REPEAT: samples per measurement (200); BENCH_EXPLAIN=1
prints EXPLAIN ANALYZE of the list page, its count and the lookup. On SQLite (no BENCH_DATABASE_URL)
only small sizes run, through bulk_create.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import math
import os
import random
import sys
import tempfile
import time
from array import array
from dataclasses import dataclass, field

ENV = {"members": "BENCH_MEMBERS", "orgs": "BENCH_ORGS", "entities": "BENCH_HOST_ENTITIES"}
SIZES = {
    "members": int(os.environ.get("BENCH_MEMBERS", "1000000")),
    "orgs": int(os.environ.get("BENCH_ORGS", "50000")),
    "entities": int(os.environ.get("BENCH_HOST_ENTITIES", "200000")),
}
REPEAT = int(os.environ.get("BENCH_REPEAT", "200"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "0")) or os.cpu_count() or 1
SEED = int(os.environ.get("BENCH_SEED", "20260101"))
EXPLAIN = os.environ.get("BENCH_EXPLAIN", "") == "1"
CHUNK = 10_000  # members per generated COPY chunk
SQLITE_LIMITS = {"members": 20_000, "orgs": 5_000, "entities": 20_000}
MEMBERS_PER_STREET = 20_000  # sets the number of street committees
CITY_COUNT = 16
LOOKUP_TARGET_MS, LIST_TARGET_MS = 20.0, 100.0
PASSWORD = "Bench-Pass-2026"  # noqa: S105 - throw-away accounts

CITIES = "杭州宁波温州嘉兴湖州绍兴金华衢州舟山台州丽水义乌慈溪乐清瑞安诸暨"
STREET_WORDS = "东湖西林南桥北苑云溪文澜江滨望江钱塘凤凰紫金翠苑古荡蒋村闻堰宁围新塘临平星桥乔司"
BRANCH_CATEGORIES = [("new_employment", 45), ("new_economic", 35), ("new_social", 20)]
SPECIAL_TYPES = [("standard", 70), ("joint", 10), ("industry", 6), ("platform", 6), ("regional", 6), ("cloud", 2)]
ENTITY_KINDS = [
    ("platform_company", 3, "new_economic", "网络科技有限公司", ["food_delivery", "logistics", "ride_hailing"]),
    ("digital_firm", 18, "new_economic", "数字科技有限公司", ["internet", "live_streaming", "retail"]),
    ("other_enterprise", 30, "new_economic", "有限公司", ["manufacturing", "retail", "business_services", "finance"]),
    ("association", 12, "new_social", "行业协会", ["trade_association"]),
    ("foundation", 3, "new_social", "公益基金会", ["charity"]),
    ("social_service", 12, "new_social", "社会工作服务中心", ["community_services", "health", "education"]),
    ("worker_group", 22, "new_employment", "新就业群体", ["food_delivery", "logistics", "ride_hailing"]),
]
USCC_HEAD = {"association": "51", "social_service": "52", "foundation": "53"}
FORMS_BY_CATEGORY = {
    "new_employment": [
        ("rider", 38),
        ("courier", 30),
        ("ride_hailing_driver", 14),
        ("truck_driver", 10),
        ("live_streamer", 4),
        ("platform_staff", 4),
    ],
    "new_economic": [("platform_staff", 70), ("other", 25), ("live_streamer", 5)],
    "new_social": [("association_staff", 85), ("other", 15)],
}
OCCUPATIONS = {
    "rider": "外卖骑手",
    "courier": "快递员",
    "ride_hailing_driver": "网约车司机",
    "truck_driver": "货车司机",
    "live_streamer": "网络主播",
    "platform_staff": "平台员工",
    "association_staff": "协会工作人员",
}
EMPLOYER_CATEGORIES = {  # branch category → entity categories its members work for
    "new_employment": ("new_employment", "new_economic"),
    "new_economic": ("new_economic",),
    "new_social": ("new_social",),
}
EDUCATION = [("junior_high", 18), ("senior_high", 25), ("vocational", 20), ("junior_college", 17), ("bachelor", 17)]
ETHNICITY = [("汉族", 92), ("回族", 2), ("壮族", 2), ("满族", 1), ("土家族", 2), ("苗族", 1)]
STATUS = [("normal", 945), ("stopped", 15), ("restored", 10), ("removed", 10), ("resigned", 10), ("deceased", 10)]
WORK_AREAS = ["东湖商圈", "西林片区", "南桥商圈", "数字经济产业园", "云溪大道沿线", "高铁新城", "老城区"]
# ID numbers: the 17 digits are region, birth date and a serial whose parity is the gender; member i
# gets slot (i * _ID_MULT + _ID_ADD) mod the number of slots, a bijection, so numbers never repeat.
MIN_AGE, MAX_AGE = 20, 62
_ID_MULT = 1_000_003  # prime; the slot count's prime factors are 2, 5 and 383


def _weighted(pairs):
    values, weights = zip(*pairs, strict=True)
    return list(values), list(weights)


# --- Shape of the synthetic province ---------------------------------------------------------------------


@dataclass
class Shape:
    members: int
    orgs: int
    entities: int
    today: dt.date
    now: str
    seed: int
    street_ids: list[int] = field(default_factory=list)
    street_paths: list[str] = field(default_factory=list)
    branch_ids: array = field(default_factory=lambda: array("q"))
    branch_street: array = field(default_factory=lambda: array("i"))
    branch_category: list[str] = field(default_factory=list)
    branch_cum: array = field(default_factory=lambda: array("q"))  # cumulative member counts
    branch_employers: list[tuple[int, ...]] = field(default_factory=list)
    org_mult: int = 1
    org_add: int = 0
    id_add: int = 0
    counts: dict = field(default_factory=dict)
    regions: list[str] = field(default_factory=list)
    check: object = None  # core.validators.id_check_character

    # ID numbers -------------------------------------------------------------------------------------

    @property
    def _days(self) -> int:
        return (MAX_AGE - MIN_AGE) * 365 - 10

    def id_number(self, i: int) -> tuple[str, dt.date, bool]:
        """Member ``i``'s ID number, birth date and gender (any i ≥ 0 gives a distinct valid number;
        i ≥ members gives numbers that are not registered)."""
        regions = self.regions
        slot = (i * _ID_MULT + self.id_add) % (len(regions) * 500 * self._days)
        slot, region = divmod(slot, len(regions))
        day, half = divmod(slot, 500)
        birth = self.today - dt.timedelta(days=MIN_AGE * 365 + 10 + day)
        male = (i * 2_654_435_761 >> 7) % 100 < 78  # riders, couriers and drivers are mostly men
        first17 = f"{regions[region]}{birth:%Y%m%d}{half * 2 + male:03d}"
        return first17 + self.check(first17), birth, male

    def branch_of(self, i: int) -> int:
        """Index of member ``i``'s branch: a permutation spreads each branch over the whole table
        (rows of one branch are not stored together, as after years of registrations)."""
        slot = (i * self.org_mult + self.org_add) % self.members
        return bisect.bisect_right(self.branch_cum, slot)


def _split(total: int, parts: int, rng: random.Random, low: float, high: float) -> list[int]:
    """``total`` split into ``parts`` random non-negative integers (weights uniform in [low, high])."""
    weights = [rng.uniform(low, high) for _ in range(parts)]
    scale, out, acc, previous = total / sum(weights), [], 0.0, 0
    for weight in weights:
        acc += weight * scale
        current = round(acc)
        out.append(current - previous)
        previous = current
    out[-1] += total - previous
    return out


def plan(members: int, orgs: int, entities: int, seed: int) -> Shape:
    from django.utils import timezone

    from dangjian.core.validators import id_check_character
    from dangjian.demo.people import REGIONS

    shape = Shape(members, orgs, entities, timezone.localdate(), timezone.now().isoformat(), seed)
    shape.regions, shape.check = list(REGIONS), id_check_character
    streets = max(2, round(members / MEMBERS_PER_STREET))
    cities = max(1, min(CITY_COUNT, streets))
    rest = orgs - 1 - cities - streets
    if rest < 2 * streets:
        raise SystemExit(f"BENCH_ORGS={orgs} is too small for {streets} street committees; raise it")
    branches = (rest + 1) // 2
    shape.counts = {"cities": cities, "streets": streets, "branches": branches, "groups": rest - branches}
    rng = random.Random(seed)
    shape.org_mult = _coprime(members, rng)
    shape.org_add = rng.randrange(members)
    shape.id_add = rng.randrange(1 << 30)
    return shape


def _coprime(n: int, rng: random.Random) -> int:
    candidate = rng.randrange(n // 3 + 1, max(n, 3)) | 1
    while math.gcd(candidate, n) != 1:
        candidate += 2
    return candidate


# --- Rows ------------------------------------------------------------------------------------------------

_ESCAPE = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _text(value) -> str:
    """One value in COPY text format."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(_ESCAPE)
    return str(value)


def _columns(model, supplied: list[str]) -> tuple[list[str], list]:
    """The model's columns: ``supplied`` (attnames) first, then every other concrete field with its
    default, so a field added by a later migration still gets a value (or the run stops, naming it)."""
    names = [f.attname for f in model._meta.concrete_fields]
    missing = [n for n in supplied if n not in names]
    if missing:
        raise SystemExit(f"{model.__name__} has no field(s) {missing}: update bench/members_scale.py")
    tail_names, tail_values = [], []
    for f in model._meta.concrete_fields:
        if f.attname in supplied:
            continue
        if f.has_default():
            value = f.get_default()
        elif f.null:
            value = None
        else:
            raise SystemExit(f"{model.__name__}.{f.name} has no default: the generator must supply it")
        tail_names.append(f.attname)
        tail_values.append(value)
    return supplied + tail_names, tail_values


ORG_FIELDS = [
    "id",
    "path",
    "depth",
    "numchild",
    "name",
    "code",
    "kind",
    "special_type",
    "category",
    "established_on",
    "term_start",
    "term_years",
    "term_end",
    "secretary_name",
    "has_committee",
    "created_at",
    "updated_at",
]
ENTITY_FIELDS = [
    "id",
    "name",
    "kind",
    "category",
    "uscc",
    "industry",
    "address",
    "employee_count",
    "member_count",
    "owner_org_id",
    "created_at",
    "updated_at",
]
MEMBER_FIELDS = [
    "id",
    "name",
    "gender",
    "ethnicity",
    "birth_date",
    "id_number_enc",
    "id_number_bidx",
    "id_number_masked",
    "mobile_enc",
    "mobile_bidx",
    "mobile_masked",
    "education",
    "occupation",
    "employment_form",
    "employer_id",
    "work_area",
    "political_status",
    "status",
    "status_changed_on",
    "join_date",
    "full_member_date",
    "org_id",
    "is_flowing",
    "created_at",
    "updated_at",
]


def org_rows(shape: Shape):
    """Yield organisation rows (ORG_FIELDS order) and fill in the shape's streets and branches."""
    from bench.orgs_tree import _path
    from dangjian.demo.people import SURNAMES

    rng = random.Random(shape.seed + 1)
    c = shape.counts
    today, now = shape.today, shape.now
    next_id = iter(range(1, shape.orgs + 1))
    cat_values, cat_weights = _weighted(BRANCH_CATEGORIES)
    special_values, special_weights = _weighted(SPECIAL_TYPES)

    def row(steps, numchild, name, kind, category, special="standard"):
        oid = next(next_id)
        established = today - dt.timedelta(days=rng.randint(200, 9000))
        years = 5 if kind == "committee" else rng.choice((3, 5))
        start = max(established, today - dt.timedelta(days=rng.randint(0, years * 365 - 1)))
        elected = kind != "group"
        return oid, (
            oid,
            _path(*steps),
            len(steps),
            numchild,
            name,
            f"SC{oid:07d}",
            kind,
            special,
            category,
            established,
            start if elected else None,
            years if elected else None,
            start + dt.timedelta(days=365 * years) if elected else None,
            rng.choice(SURNAMES) + rng.choice("伟强磊军芳娜敏静杰涛明超") if elected else "",
            kind == "committee" or (kind == "branch" and rng.random() < 0.3),
            now,
            now,
        )

    streets_per_city = _split(c["streets"], c["cities"], rng, 0.7, 1.3)
    branches_per_street = _split(c["branches"], c["streets"], rng, 0.5, 1.5)
    groups_per_branch = _split(c["groups"], c["branches"], rng, 0.0, 2.0)
    members_per_branch = _split(shape.members, c["branches"], rng, 0.3, 1.7)
    _, province = row((1,), c["cities"], "省委两新工委", "committee", "comprehensive")
    yield province
    street_no = branch_no = 0
    for ci in range(c["cities"]):
        city_name = CITIES[(ci * 2) % len(CITIES) : (ci * 2) % len(CITIES) + 2]
        _, city = row((1, ci + 1), streets_per_city[ci], f"{city_name}市委两新工委", "committee", "comprehensive")
        yield city
        for si in range(streets_per_city[ci]):
            nb = branches_per_street[street_no]
            word = STREET_WORDS[(street_no * 2) % len(STREET_WORDS) : (street_no * 2) % len(STREET_WORDS) + 2]
            steps = (1, ci + 1, si + 1)
            sid, street = row(steps, nb, f"{city_name}{word}街道党工委", "committee", "comprehensive")
            shape.street_ids.append(sid)
            shape.street_paths.append(street[1])
            yield street
            for bi in range(nb):
                category = rng.choices(cat_values, cat_weights)[0]
                special = rng.choices(special_values, special_weights)[0]
                ng = groups_per_branch[branch_no]
                bid, branch = row(
                    (*steps, bi + 1), ng, f"{word}{_BRANCH_WORD[category]}第{bi + 1}党支部", "branch", category, special
                )
                shape.branch_ids.append(bid)
                shape.branch_street.append(street_no)
                shape.branch_category.append(category)
                previous = shape.branch_cum[-1] if shape.branch_cum else 0
                shape.branch_cum.append(previous + members_per_branch[branch_no])
                yield branch
                for gi in range(ng):
                    name = f"{word}第{bi + 1}支部第{gi + 1}党小组"
                    yield row((*steps, bi + 1, gi + 1), 0, name, "group", category)[1]
                branch_no += 1
            street_no += 1


_BRANCH_WORD = {"new_employment": "快递外卖", "new_economic": "数字企业", "new_social": "社会组织"}


def entity_rows(shape: Shape):
    """Yield host-entity rows (ENTITY_FIELDS order), spread over the street committees, and give
    every branch one to three employers among its street's entities of matching categories."""
    from dangjian.core.validators import uscc_check_character

    rng = random.Random(shape.seed + 2)
    kinds = [k[0] for k in ENTITY_KINDS]
    weights = [k[1] for k in ENTITY_KINDS]
    info = {k[0]: k for k in ENTITY_KINDS}
    per_street = _split(shape.entities, len(shape.street_ids), rng, 0.8, 1.2)
    pools: list[dict[str, list[int]]] = []
    eid = 0
    for street_no, owner in enumerate(shape.street_ids):
        pool: dict[str, list[int]] = {"new_economic": [], "new_social": [], "new_employment": []}
        region = f"33{street_no // 100 % 100:02d}{street_no % 100:02d}"
        for _ in range(per_street[street_no]):
            eid += 1
            kind = rng.choices(kinds, weights)[0]
            _, _, category, suffix, industries = info[kind]
            pool[category].append(eid)
            uscc = None
            if kind != "worker_group":
                body = f"{eid:08d}"
                total = sum(int(d) * w for d, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
                check = "0123456789X0"[11 - total % 11]  # GB 11714 check of the organisation code
                first17 = USCC_HEAD.get(kind, "91") + region + body + check
                uscc = first17 + uscc_check_character(first17)
            employees = rng.randint(3, 300) if kind != "platform_company" else rng.randint(500, 20000)
            yield (
                eid,
                f"{rng.choice(STREET_WORDS)}{rng.choice(STREET_WORDS)}{suffix}{eid}",
                kind,
                category,
                uscc,
                rng.choice(industries),
                "",
                employees,
                0,
                owner,
                shape.now,
                shape.now,
            )
        pools.append(pool)
    for b, street_no in enumerate(shape.branch_street):
        pool = [e for cat in EMPLOYER_CATEGORIES[shape.branch_category[b]] for e in pools[street_no][cat]]
        shape.branch_employers.append(tuple(rng.sample(pool, min(len(pool), rng.randint(1, 3)))) if pool else ())


def member_rows(shape: Shape, lo: int, hi: int):
    """Members ``lo`` ≤ i < ``hi`` (MEMBER_FIELDS order; id = i + 1), protected with the production
    crypto exactly as ``members.services`` does it."""
    from dangjian.core import crypto
    from dangjian.core.validators import mask_id_number, mask_mobile
    from dangjian.demo.people import GIVEN_FEMALE, GIVEN_MALE, MOBILE_PREFIXES, SURNAMES
    from dangjian.members.models import ID_CONTEXT, MOBILE_CONTEXT

    rng = random.Random(shape.seed * 1_000_003 + lo)
    today = shape.today
    forms = {cat: _weighted(pairs) for cat, pairs in FORMS_BY_CATEGORY.items()}
    education, ethnicity, status = _weighted(EDUCATION), _weighted(ETHNICITY), _weighted(STATUS)
    encrypt, blind_index, now = crypto.encrypt, crypto.blind_index, shape.now
    for i in range(lo, hi):
        number, birth, male = shape.id_number(i)
        b = shape.branch_of(i)
        category = shape.branch_category[b]
        form = rng.choices(*forms[category])[0]
        employers = shape.branch_employers[b]
        employer = rng.choice(employers) if employers and rng.random() < 0.9 else None
        earliest = birth + dt.timedelta(days=18 * 365 + 5)
        join = earliest + dt.timedelta(days=rng.randint(0, max((today - earliest).days - 30, 1)))
        probationary = (today - join).days < 365 or rng.random() < 0.03
        full_date = None if probationary else join + dt.timedelta(days=365 + rng.randint(0, 20))
        if full_date and full_date > today:
            probationary, full_date = True, None
        state = rng.choices(*status)[0]
        changed = None if state == "normal" else join + dt.timedelta(days=rng.randint(0, (today - join).days))
        if rng.random() < 0.93:
            mobile = rng.choice(MOBILE_PREFIXES) + f"{rng.randint(0, 99_999_999):08d}"
            mobile_enc = encrypt(mobile, MOBILE_CONTEXT)
            mobile_bidx, mobile_masked = blind_index(mobile, MOBILE_CONTEXT), mask_mobile(mobile)
        else:
            mobile_enc = mobile_bidx = mobile_masked = ""
        yield (
            i + 1,
            rng.choice(SURNAMES) + rng.choice(GIVEN_MALE if male else GIVEN_FEMALE),
            "male" if male else "female",
            rng.choices(*ethnicity)[0],
            birth,
            encrypt(number, ID_CONTEXT),
            blind_index(number, ID_CONTEXT),
            mask_id_number(number),
            mobile_enc,
            mobile_bidx,
            mobile_masked,
            rng.choices(*education)[0],
            OCCUPATIONS.get(form, ""),
            form,
            employer,
            rng.choice(WORK_AREAS) if category == "new_employment" else "",
            "probationary" if probationary else "full",
            state,
            changed,
            join,
            full_date,
            shape.branch_ids[b],
            form in ("rider", "courier", "truck_driver") and rng.random() < 0.12,
            now,
            now,
        )


_SHAPE: Shape | None = None  # for forked workers
_TAIL = ""


def _member_chunk(bounds: tuple[int, int]) -> bytes:
    """Worker: one chunk of members as COPY text."""
    lo, hi = bounds
    lines = ["\t".join(map(_text, row)) + _TAIL for row in member_rows(_SHAPE, lo, hi)]
    return ("\n".join(lines) + "\n").encode()


# --- Loading (PostgreSQL) --------------------------------------------------------------------------------


def _copy(table: str, columns: list[str], chunks, freeze: bool = False) -> None:
    """COPY text chunks (str or bytes) into ``table``."""
    from django.db import connection

    options = " WITH (FREEZE)" if freeze else ""
    with connection.cursor() as cursor:
        raw = cursor.connection  # the psycopg 3 connection
        with raw.cursor() as pg, pg.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN{options}") as copy:
            for chunk in chunks:
                copy.write(chunk)


def _rows_as_text(rows, tail_values, size: int = 5000):
    tail = "".join("\t" + _text(v) for v in tail_values)
    batch = []
    for row in rows:
        batch.append("\t".join(map(_text, row)) + tail)
        if len(batch) >= size:
            yield "\n".join(batch) + "\n"
            batch = []
    if batch:
        yield "\n".join(batch) + "\n"


def _schema_of(table: str) -> list[tuple[str, str]]:
    """Every constraint and index on ``table`` as (name, definition): compared before and after."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
            "UNION ALL SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s ORDER BY 1, 2",
            [table, table],
        )
        return cursor.fetchall()


def _defer_indexes(table: str) -> tuple[list[str], list[str]]:
    """Drop the secondary indexes, unique and foreign-key constraints of ``table`` (the primary key
    and check constraints stay); return the statements that recreate them: (indexes, foreign keys)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype IN ('u', 'f') ORDER BY contype DESC, conname",
            [table],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint k "
            "WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid) "
            "ORDER BY 1",
            [table],
        )
        indexes = cursor.fetchall()
        for name, _, _ in constraints:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    unique = [f'ALTER TABLE {table} ADD CONSTRAINT "{n}" {d}' for n, d, t in constraints if t == "u"]
    foreign = [f'ALTER TABLE {table} ADD CONSTRAINT "{n}" {d}' for n, d, t in constraints if t == "f"]
    return unique + [d for _, d in indexes], foreign


def _run(statements: list[str]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _reset_sequences(*models) -> None:
    from django.core.management.color import no_style
    from django.db import connection

    _run(connection.ops.sequence_reset_sql(no_style(), list(models)))


def build_postgresql(shape: Shape) -> list[tuple[str, float]]:
    from django.db import connection, transaction

    from dangjian.members.models import Member
    from dangjian.orgs.models import HostEntity, PartyOrganisation

    global _SHAPE, _TAIL
    phases: list[tuple[str, float]] = []
    started = time.perf_counter()
    mark = started

    def phase(label: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        phases.append((label, now - mark))
        print(f"  {label:<58}{now - mark:>8.1f} s", flush=True)
        mark = now

    org_table, entity_table, member_table = (m._meta.db_table for m in (PartyOrganisation, HostEntity, Member))
    before = {t: _schema_of(t) for t in (entity_table, member_table)}
    _run(["SET maintenance_work_mem = '1GB'", "SET synchronous_commit = off"])

    columns, tail = _columns(PartyOrganisation, ORG_FIELDS)
    _copy(org_table, columns, _rows_as_text(org_rows(shape), tail))
    _reset_sequences(PartyOrganisation)
    phase(f"organisations ({shape.orgs:,}, COPY)")

    indexes, foreign = _defer_indexes(entity_table)
    columns, tail = _columns(HostEntity, ENTITY_FIELDS)
    with transaction.atomic():
        _run([f"TRUNCATE {entity_table} CASCADE"])  # empty: lets COPY FREEZE mark the pages all-visible
        _copy(entity_table, columns, _rows_as_text(entity_rows(shape), tail), freeze=True)
    _run(indexes + foreign)
    _reset_sequences(HostEntity)
    phase(f"host entities ({shape.entities:,}, COPY FREEZE, indexes rebuilt)")

    indexes, foreign = _defer_indexes(member_table)
    columns, tail_values = _columns(Member, MEMBER_FIELDS)
    _SHAPE, _TAIL = shape, "".join("\t" + _text(v) for v in tail_values)
    bounds = [(lo, min(lo + CHUNK, shape.members)) for lo in range(0, shape.members, CHUNK)]
    if WORKERS > 1:
        import multiprocessing

        connection.close()  # forked workers must not share the database socket
        pool = multiprocessing.get_context("fork").Pool(WORKERS)
        chunks = pool.imap(_member_chunk, bounds)
    else:
        pool, chunks = None, map(_member_chunk, bounds)
    try:
        _run(["SET maintenance_work_mem = '1GB'", "SET synchronous_commit = off"])
        with transaction.atomic():
            _run([f"TRUNCATE {member_table} CASCADE"])
            _copy(member_table, columns, chunks, freeze=True)
    finally:
        if pool is not None:
            pool.close()
            pool.join()
    phase(f"members ({shape.members:,}, encrypt + COPY FREEZE, {WORKERS} process(es))")

    _run(indexes)
    phase(f"member indexes and unique constraints ({len(indexes)} rebuilt)")
    _run(foreign)
    _reset_sequences(Member)
    phase(f"member foreign keys ({len(foreign)} added back, validated)")
    for table, defs in before.items():
        if _schema_of(table) != defs:
            raise SystemExit(f"{table}: indexes or constraints differ from the migrated schema after the rebuild")

    # Table names come from the models' Meta, not from input.
    _run(
        [
            f"UPDATE {org_table} o SET member_count = c.n, full_member_count = c.f "  # noqa: S608
            "FROM (SELECT org_id, count(*) AS n, "
            "count(*) FILTER (WHERE political_status = 'full') AS f "
            f"FROM {member_table} WHERE status NOT IN ('removed', 'resigned', 'deceased') GROUP BY org_id) c "
            "WHERE o.id = c.org_id",
            f"UPDATE {entity_table} e SET member_count = c.n, "  # noqa: S608
            "employee_count = GREATEST(e.employee_count, c.n) "
            f"FROM (SELECT employer_id, count(*) AS n FROM {member_table} WHERE employer_id IS NOT NULL "
            "GROUP BY employer_id) c WHERE e.id = c.employer_id",
        ]
    )
    phase("member counts of branches and entities")
    _run(["VACUUM (ANALYZE)"])
    phase("VACUUM ANALYZE")
    phases.append(("total", time.perf_counter() - started))
    return phases


# --- Loading (SQLite, small sizes) -----------------------------------------------------------------------


def build_sqlite(shape: Shape) -> list[tuple[str, float]]:
    from django.db import transaction

    from dangjian.members.models import Member
    from dangjian.orgs.models import HostEntity, PartyOrganisation

    started = time.perf_counter()
    with transaction.atomic():
        for model, fields, rows in (
            (PartyOrganisation, ORG_FIELDS, org_rows(shape)),
            (HostEntity, ENTITY_FIELDS, entity_rows(shape)),
            (Member, MEMBER_FIELDS, member_rows(shape, 0, shape.members)),
        ):
            batch = []
            for row in rows:
                batch.append(model(**dict(zip(fields, row, strict=True))))
                if len(batch) >= 2000:
                    model.objects.bulk_create(batch)
                    batch = []
            model.objects.bulk_create(batch)
    total = time.perf_counter() - started
    print(f"  {'everything (bulk_create)':<58}{total:>8.1f} s")
    return [("total", total)]


# --- Measurements ----------------------------------------------------------------------------------------


def _quantile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


class Results:
    def __init__(self):
        self.rows: list[tuple[str, int, float, float, float, str]] = []

    def time(self, label: str, fn, inputs: list, target: float | None = None, warm: int = 5) -> None:
        for value in inputs[:warm]:
            fn(value)
        samples = []
        for value in inputs:
            started = time.perf_counter()
            fn(value)
            samples.append((time.perf_counter() - started) * 1000)
        p95 = _quantile(samples, 0.95)
        verdict = "" if target is None else ("ok" if p95 < target else "MISSED") + f" (<{target:g})"
        row = (label, len(samples), _quantile(samples, 0.5), p95, _quantile(samples, 0.99), verdict)
        self.rows.append(row)
        print(f"{label:<66}{row[1]:>5}{row[2]:>9.2f}{row[3]:>9.2f}{row[4]:>9.2f}  {verdict}", flush=True)


def measure(shape: Shape) -> Results:
    from django.db import connection
    from django.test import Client

    from dangjian.accounts import services as account_services
    from dangjian.accounts.middleware import SESSION_2FA
    from dangjian.core import scope
    from dangjian.members import selectors
    from dangjian.members.models import Member
    from dangjian.orgs.models import PartyOrganisation

    rng = random.Random(shape.seed + 3)
    root = PartyOrganisation.objects.get(depth=1)
    admin = account_services.user_create(actor=None, username="bench_province", password=PASSWORD, home_org=root)
    account_services.role_assign(actor=None, user=admin, role="org_admin", org=root)
    picked = shape.street_ids[:: max(1, len(shape.street_ids) // 10)][:10]
    secretaries = []
    for n, street_id in enumerate(picked):
        street = PartyOrganisation.objects.get(pk=street_id)
        user = account_services.user_create(
            actor=None, username=f"bench_street_{n}", password=PASSWORD, home_org=street
        )
        account_services.role_assign(actor=None, user=user, role="secretary", org=street)
        sample = list(
            Member.objects.filter(org__path__startswith=street.path)
            .order_by("?")
            .values_list("id", flat=True)[: REPEAT // len(picked) + 10]
        )
        size = Member.objects.filter(org__path__startswith=street.path).count()
        secretaries.append((user, street, sample, size))
    sizes = sorted(s[3] for s in secretaries)
    print(
        f"\nstreet secretaries: {len(secretaries)} streets of {sizes[0]:,}–{sizes[-1]:,} members "
        f"(median {sizes[len(sizes) // 2]:,}); province admin over {shape.members:,}"
    )

    def fresh(user):
        scope.forget(user)  # each request computes its grants again
        return user

    def number_of(member_id: int) -> str:
        return shape.id_number(member_id - 1)[0]

    results = Results()
    print(f"\n{'operation':<66}{'n':>5}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    # (a) exact lookup by ID number through the selector
    in_street = [(u, mid) for u, _, sample, _ in secretaries for mid in sample]
    rng.shuffle(in_street)
    in_street = (in_street * (REPEAT // max(len(in_street), 1) + 1))[:REPEAT]

    def lookup(args, expect=True):
        user, member_id = args
        found = selectors.member_list(fresh(user), q=number_of(member_id)).first()
        if expect and (found is None or found.pk != member_id):
            raise SystemExit(f"lookup of member {member_id} by ID number failed")
        if not expect and found is not None:
            raise SystemExit(f"member {member_id} was visible outside the scope")

    results.time("lookup by ID number: street secretary, own member", lookup, in_street, LOOKUP_TARGET_MS)
    anywhere = [(admin, rng.randrange(shape.members) + 1) for _ in range(REPEAT)]
    results.time("lookup by ID number: province admin, any member", lookup, anywhere, LOOKUP_TARGET_MS)
    street_of = {u.pk: s.path for u, s, _, _ in secretaries}
    outside = []
    for _ in range(REPEAT * 1000):
        if len(outside) >= REPEAT:
            break
        user = secretaries[len(outside) % len(secretaries)][0]
        mid = rng.randrange(shape.members) + 1
        b = shape.branch_of(mid - 1)
        if not shape.street_paths[shape.branch_street[b]].startswith(street_of[user.pk]):
            outside.append((user, mid))
    results.time(
        "lookup by ID number: street secretary, member elsewhere (none)",
        lambda a: lookup(a, expect=False),
        outside,
        LOOKUP_TARGET_MS,
    )
    unknown = [(secretaries[k % len(secretaries)][0], shape.members + k + 1) for k in range(REPEAT)]
    results.time(
        "lookup by ID number: unregistered number (none)", lambda a: lookup(a, expect=False), unknown, LOOKUP_TARGET_MS
    )

    # (b) the list page of 50 and its count
    rotation = [secretaries[k % len(secretaries)][0] for k in range(REPEAT)]

    def page(user):
        members = selectors.member_list(fresh(user))
        rows = list(members[:50])
        return rows, members.count()

    results.time("list page of 50 + count: street secretary", page, rotation, LIST_TARGET_MS)
    results.time("  of which the 50 rows", lambda u: list(selectors.member_list(fresh(u))[:50]), rotation)
    results.time("  of which the count", lambda u: selectors.member_list(fresh(u)).count(), rotation)
    results.time("list page of 50 + count: province admin", page, [admin] * REPEAT)
    # Beyond the targets: filtered pages and name search, for the record.
    from dangjian.demo.people import SURNAMES
    from dangjian.members.choices import EmploymentForm

    forms = [(rotation[k], EmploymentForm.values[k % len(EmploymentForm.values)]) for k in range(REPEAT)]

    def filtered(args):
        user, form = args
        members = selectors.member_list(fresh(user), employment_form=form)
        return list(members[:50]), members.count()

    results.time("  filtered by employment form (50 + count): street secretary", filtered, forms)
    names = [(rotation[k], SURNAMES[rng.randrange(len(SURNAMES))]) for k in range(REPEAT)]

    def by_name(args):
        user, name = args
        members = selectors.member_list(fresh(user), q=name)
        return list(members[:50]), members.count()

    results.time("  search by surname (50 + count): street secretary", by_name, names)

    # (c) the real pages, through the whole middleware stack
    clients = {}
    for user in [admin] + [s[0] for s in secretaries]:
        client = Client(HTTP_HOST="localhost")
        client.force_login(user, backend="dangjian.accounts.backends.UsernameOrMobileBackend")
        session = client.session
        session[SESSION_2FA] = True
        session.save()
        clients[user.pk] = client

    def get(args):
        user, url = args
        response = clients[user.pk].get(url, secure=True)
        if response.status_code != 200:
            raise SystemExit(f"GET {url} answered {response.status_code}")
        return response

    def http_lookup(path):
        def run(args):
            user, member_id = args
            body = get((user, f"{path}?q={number_of(member_id)}")).content.decode()
            if path.startswith("/api/") and json.loads(body)["count"] != 1:
                raise SystemExit(f"GET {path}?q=… did not find member {member_id}")

        return run

    results.time("GET /members/?q=<ID number>: street secretary", http_lookup("/members/"), in_street, LOOKUP_TARGET_MS)
    results.time(
        "GET /api/v1/members?q=<ID number>: street secretary",
        http_lookup("/api/v1/members"),
        in_street,
        LOOKUP_TARGET_MS,
    )
    results.time(
        "GET /api/v1/members?q=<ID number>: province admin", http_lookup("/api/v1/members"), anywhere, LOOKUP_TARGET_MS
    )
    results.time(
        "GET /members/ (page 1 of 25 + count): street secretary",
        get,
        [(u, "/members/") for u in rotation],
        LIST_TARGET_MS,
    )
    results.time(
        "GET /api/v1/members (50 + count): street secretary",
        get,
        [(u, "/api/v1/members") for u in rotation],
        LIST_TARGET_MS,
    )
    deep = [secretaries[k % len(secretaries)] for k in range(REPEAT)]
    deep = [(s[0], f"/members/?page={rng.randint(1, max(1, s[3] // 25))}") for s in deep]
    results.time("GET /members/?page=<random> (deep pages): street secretary", get, deep)
    results.time("GET /members/ (page 1 of 25 + count): province admin", get, [(admin, "/members/")] * REPEAT)
    results.time("GET /api/v1/members (50 + count): province admin", get, [(admin, "/api/v1/members")] * REPEAT)

    if EXPLAIN and connection.vendor == "postgresql":
        explain(connection, secretaries[0][0], secretaries[0][1].name, admin, fresh, number_of(in_street[0][1]))
    return results


def explain(connection, user, street_name: str, admin, fresh, number: str) -> None:
    """EXPLAIN ANALYZE of the exact SQL the selectors send (captured, then explained)."""
    from django.test.utils import CaptureQueriesContext

    from dangjian.members import selectors

    cases = [
        (f"list page rows, street secretary of {street_name}", lambda: list(selectors.member_list(fresh(user))[:50])),
        (f"list page count, street secretary of {street_name}", lambda: selectors.member_list(fresh(user)).count()),
        ("lookup by ID number, street secretary", lambda: selectors.member_list(fresh(user), q=number).first()),
        ("list page rows, province admin", lambda: list(selectors.member_list(fresh(admin))[:50])),
        ("list page count, province admin", lambda: selectors.member_list(fresh(admin)).count()),
    ]
    for label, run in cases:
        with CaptureQueriesContext(connection) as captured:
            run()
        sql = captured.captured_queries[-1]["sql"]
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            print(f"\nEXPLAIN ANALYZE — {label}:\n{sql}")
            print("\n".join(r[0] for r in cursor.fetchall()))


# --- Entry point -----------------------------------------------------------------------------------------


def _setup_django() -> str:
    """Set Django up against the throw-away database (migrated from scratch); returns the vendor."""
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

    if connection.vendor == "postgresql":
        # The schema is dropped and rebuilt: refuse anything but a database meant for benchmarks.
        if not connection.settings_dict["NAME"].startswith("bench"):
            raise SystemExit("BENCH_DATABASE_URL must name a database starting with 'bench' (it is wiped)")
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        call_command("migrate", verbosity=0)
    else:
        call_command("migrate", verbosity=0)
        call_command("flush", interactive=False, verbosity=0)  # after orgs_tree in the same run
    return connection.vendor


def main() -> bool:
    on_postgresql = "postgres" in os.environ.get("BENCH_DATABASE_URL", "")
    too_big = [f"{ENV[k]}={SIZES[k]:,} (max {v:,})" for k, v in SQLITE_LIMITS.items() if SIZES[k] > v]
    if not on_postgresql and too_big:
        print(
            "\n== members_scale: skipped — the province-scale build needs PostgreSQL (COPY): set "
            "BENCH_DATABASE_URL=postgres://…/bench_members (a database whose name starts with 'bench'; it is "
            f"wiped). On SQLite only small sizes run: {', '.join(too_big)}; try BENCH_MEMBERS=5000 "
            "BENCH_ORGS=600 BENCH_HOST_ENTITIES=2000.",
            file=sys.stderr,
        )
        return False
    vendor = _setup_django()
    from django.db import connection

    shape = plan(SIZES["members"], SIZES["orgs"], SIZES["entities"], SEED)
    c = shape.counts
    print(
        f"\n== members_scale on {vendor}: {shape.members:,} members, {shape.orgs:,} organisations "
        f"(1 province, {c['cities']} cities, {c['streets']} streets, {c['branches']:,} branches, "
        f"{c['groups']:,} groups), {shape.entities:,} host entities"
    )
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            print(f"PostgreSQL {cursor.fetchone()[0]}; {os.cpu_count()} CPUs; {WORKERS} generating process(es)")
    print("build:")
    phases = build_postgresql(shape) if vendor == "postgresql" else build_sqlite(shape)
    total = dict(phases)["total"]
    print(f"  {'total':<58}{total:>8.1f} s  {'ok (< 600 s)' if total < 600 else 'MISSED (>= 600 s)'}")
    measure(shape)
    sys.stdout.flush()
    return True
