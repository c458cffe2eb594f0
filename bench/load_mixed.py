"""Load scenario: mixed reads of the main pages and API by logged-in users, through granian (or
gunicorn: BENCH_LOAD_SERVER) on PostgreSQL, measured with locust in headless mode; then the same
run against a bare endpoint of the same stack (``/__bench__/bare``, mounted only by ``bench.settings``) for the ratio.

Data: the synthetic province of ``bench/members_scale.py`` (1,000,000 members, 50,000 organisations,
200,000 host entities by default; ``BENCH_LOAD_MEMBERS``, ``BENCH_LOAD_ORGS``, ``BENCH_LOAD_ENTITIES``
for a smaller one), built in ~1–2 minutes with COPY. Users: 10 street secretaries (a street of
~20,000 members each) and a province administrator, logged in once (sessions prepared here, the
second factor satisfied) so that the run measures reading, not argon2.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_load .venv/bin/python -m bench load_mixed

First short runs (BENCH_LOAD_STEP_SECONDS, 30 s) at each of BENCH_LOAD_STEPS (2,3,4,6,8) concurrent
users find the highest throughput the machine sustains with zero errors and p99 under 300 ms; the
5-minute runs (mixed, then bare) use that many users. More users than that only queue: throughput
stays, latency grows (Little's law).

Settings: BENCH_LOAD_SECONDS (300) per run, BENCH_LOAD_USERS (8) concurrent users when
BENCH_LOAD_STEPS is empty, BENCH_LOAD_WAIT
(0 s between a user's requests: each user sends the next request as soon as the last one is answered,
so the run finds the throughput the machine sustains), BENCH_LOAD_WORKERS (2 granian workers, or 3
gunicorn sync workers),
BENCH_LOAD_PORT (8765), BENCH_LOAD_REUSE=1 to skip the build and reuse the last one's database and
plan (kept in BENCH_LOAD_STATE, default var/bench-load/). Needs locust: ``pip install -e '.[bench]'``
(``make bench`` does it).
"""

from __future__ import annotations

import csv
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "300"))
USERS = int(os.environ.get("BENCH_LOAD_USERS", "8"))
# granian (Rust HTTP in front of the WSGI app; 2 processes for the 2 cores) or gunicorn (3 sync workers).
SERVER = os.environ.get("BENCH_LOAD_SERVER", "granian")
WORKERS = int(os.environ.get("BENCH_LOAD_WORKERS", "2" if SERVER == "granian" else "3"))
PORT = int(os.environ.get("BENCH_LOAD_PORT", "8765"))
WARMUP_SECONDS = 15
REUSE = os.environ.get("BENCH_LOAD_REUSE", "") == "1"
STATE = Path(os.environ.get("BENCH_LOAD_STATE", ROOT / "var" / "bench-load"))
SIZES = {
    "members": int(os.environ.get("BENCH_LOAD_MEMBERS", "1000000")),
    "orgs": int(os.environ.get("BENCH_LOAD_ORGS", "50000")),
    "entities": int(os.environ.get("BENCH_LOAD_ENTITIES", "200000")),
}
P99_TARGET_MS = 300
STEPS = [int(n) for n in os.environ.get("BENCH_LOAD_STEPS", "2,3,4,6,8").split(",") if n.strip()]
STEP_SECONDS = int(os.environ.get("BENCH_LOAD_STEP_SECONDS", "30"))
STREETS, SAMPLE = 10, 100


def _tool(name: str) -> str | None:
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} ({os.cpu_count()} CPUs)"


def _session_for(user) -> str:
    """A logged-in session with the second factor satisfied: the run measures reading, not argon2."""
    from django.contrib.sessions.backends.db import SessionStore

    from dangjian.accounts.middleware import SESSION_2FA

    store = SessionStore()
    store["_auth_user_id"] = str(user.pk)
    store["_auth_user_backend"] = "dangjian.accounts.backends.UsernameOrMobileBackend"
    store["_auth_user_hash"] = user.get_session_auth_hash()
    store[SESSION_2FA] = True
    store.create()
    return store.session_key


def _write_plan(plan: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # holds the throw-away bench keys
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(plan, handle)


def refresh_sessions(plan: dict, path: Path) -> None:
    """New sessions for a reused build: the old ones expire with the idle timeout (30 minutes)."""
    os.environ.update(plan["env"])  # the build's database, data keys and var directory
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")
    os.environ.setdefault("DANGJIAN_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.db import connections

    from dangjian.accounts.models import User

    for entry in [*plan["province"], *plan["streets"]]:
        entry["session"] = _session_for(User.objects.get(username=entry["user"]))
    _write_plan(plan, path)
    connections.close_all()


def build(state: Path) -> dict:
    """Build the province in the bench database and prepare users, sessions and their members."""
    os.environ["BENCH_MEMBERS"], os.environ["BENCH_ORGS"] = str(SIZES["members"]), str(SIZES["orgs"])
    os.environ["BENCH_HOST_ENTITIES"] = str(SIZES["entities"])
    from bench import members_scale

    members_scale._setup_django()
    shape = members_scale.plan(SIZES["members"], SIZES["orgs"], SIZES["entities"], members_scale.SEED)
    started = time.perf_counter()
    members_scale.build_postgresql(shape)
    print(f"built {shape.members:,} members, {shape.orgs:,} organisations in {time.perf_counter() - started:.1f} s")

    from django.conf import settings

    from dangjian.accounts import services as account_services
    from dangjian.members.models import Member
    from dangjian.orgs.models import PartyOrganisation

    rng = random.Random(members_scale.SEED + 7)

    def members(ids) -> list[dict]:
        return [{"id": i, "number": shape.id_number(i - 1)[0]} for i in ids]

    root = PartyOrganisation.objects.get(depth=1)
    password = members_scale.PASSWORD
    admin = account_services.user_create(actor=None, username="load_province", password=password, home_org=root)
    account_services.role_assign(actor=None, user=admin, role="org_admin", org=root)
    province = [
        {
            "user": admin.username,
            "org": root.pk,
            "session": _session_for(admin),
            "members": members(rng.randrange(shape.members) + 1 for _ in range(SAMPLE)),
        }
    ]
    streets = []
    for n, street_id in enumerate(shape.street_ids[:: max(1, len(shape.street_ids) // STREETS)][:STREETS]):
        street = PartyOrganisation.objects.get(pk=street_id)
        user = account_services.user_create(actor=None, username=f"load_street_{n}", password=password, home_org=street)
        account_services.role_assign(actor=None, user=user, role="secretary", org=street)
        ids = Member.objects.filter(org__path__startswith=street.path).order_by("?").values_list("id", flat=True)
        streets.append(
            {"user": user.username, "org": street.pk, "session": _session_for(user), "members": members(ids[:SAMPLE])}
        )
    plan = {
        "cookie": settings.SESSION_COOKIE_NAME,
        "province": province,
        "streets": streets,
        "sizes": {"members": shape.members, "orgs": shape.orgs, "entities": shape.entities},
        "env": {k: os.environ[k] for k in ("DATABASE_URL", "DANGJIAN_VAR_DIR", "DANGJIAN_DATA_KEYS")},
    }
    _write_plan(plan, state / "plan.json")
    from django.db import connections

    connections.close_all()
    return plan


def _wait_until_up(url: str, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"{SERVER} exited with {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own local server
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"the server did not answer {url} within {seconds} s")


def _locust(user_class: str, seconds: int, prefix: Path, env: dict, users: int = USERS) -> dict:
    command = [
        _tool("locust"),
        "-f",
        str(ROOT / "bench" / "locust_mixed.py"),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(users),
        "--run-time",
        f"{seconds}s",
        "--host",
        f"http://127.0.0.1:{PORT}",
        "--csv",
        str(prefix),
        "--only-summary",
        "--stop-timeout",
        "10",
        "--loglevel",
        "WARNING",
        user_class,
    ]
    before = _load()
    subprocess.run(command, env=env, cwd=ROOT, check=False, stdout=subprocess.DEVNULL)  # noqa: S603
    after = _load()
    with open(f"{prefix}_stats.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    failures = []
    if Path(f"{prefix}_failures.csv").exists():
        with open(f"{prefix}_failures.csv", encoding="utf-8") as handle:
            failures = list(csv.DictReader(handle))
    return {"rows": rows, "failures": failures, "before": before, "after": after, "users": users}


def _steps(out: Path, env: dict) -> int:
    """Short runs at each of BENCH_LOAD_STEPS concurrent users; returns the number of users giving
    the highest throughput with zero errors and p99 under the target (the most the 2 cores sustain
    within it), or the smallest step when none meets it. Empty BENCH_LOAD_STEPS: BENCH_LOAD_USERS."""
    if not STEPS:
        return USERS
    print(f"\nsteps: {STEP_SECONDS} s each at {', '.join(map(str, STEPS))} users")
    best, best_rps = STEPS[0], -1.0
    for users in STEPS:
        result = _locust("MixedReader", STEP_SECONDS, out / f"step{users}", env, users)
        total = next(row for row in result["rows"] if row["Name"] == "Aggregated")
        rps, p99, errors = float(total["Requests/s"]), float(total["99%"]), int(total["Failure Count"])
        within = errors == 0 and p99 < P99_TARGET_MS
        print(f"  {users:>3} users: {rps:7.1f} req/s, p50 {total['50%']} ms, p99 {p99:.0f} ms, errors {errors}")
        if within and rps > best_rps:
            best, best_rps = users, rps
    print(f"  -> {best} users for the {SECONDS} s runs")
    return best


def _report(title: str, result: dict, seconds: int) -> dict:
    print(f"\n{title}: {result['users']} users, {seconds} s; before: {result['before']}; after: {result['after']}")
    print(f"  {'request':<40}{'n':>8}{'fail':>6}{'req/s':>8}{'p50':>7}{'p95':>7}{'p99':>7}{'max':>8}  (ms)")
    total = {}
    for row in result["rows"]:
        line = (
            f"  {row['Name'][:40]:<40}{int(row['Request Count']):>8}{int(row['Failure Count']):>6}"
            f"{float(row['Requests/s']):>8.1f}{row['50%']:>7}{row['95%']:>7}{row['99%']:>7}"
            f"{float(row['Max Response Time']):>8.0f}"
        )
        print(line)
        if row["Name"] == "Aggregated":
            total = row
    for failure in result["failures"][:10]:
        print(f"  failure: {failure['Occurrences']} × {failure['Method']} {failure['Name']}: {failure['Error']}")
    return total


def main() -> bool:
    url = os.environ.get("BENCH_DATABASE_URL", "")
    if "postgres" not in url:
        print(
            "\n== load_mixed: skipped — needs PostgreSQL: set BENCH_DATABASE_URL=postgres://…/bench_load (a database "
            "whose name starts with 'bench'; it is wiped).",
            file=sys.stderr,
        )
        return False
    if not _tool("locust") or not _tool(SERVER):
        print("\n== load_mixed: skipped — locust is not installed: pip install -e '.[bench]'", file=sys.stderr)
        return False
    print(f"\n== load_mixed: {SERVER} ({WORKERS} workers) on PostgreSQL, locust headless; {_load()}")
    plan_path = STATE / "plan.json"
    if REUSE and plan_path.exists():
        plan = json.loads(plan_path.read_text(encoding="utf-8"))
        refresh_sessions(plan, plan_path)
        print(f"reusing the build in {plan_path} (new sessions)")
    else:
        plan = build(STATE)
    sizes = plan["sizes"]
    print(f"data: {sizes['members']:,} members, {sizes['orgs']:,} organisations, {sizes['entities']:,} host entities")
    env = {
        **os.environ,
        **plan["env"],
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DANGJIAN_SECURE_COOKIES": "0",  # plain http on 127.0.0.1: the client must send the session cookie
        "DANGJIAN_LOG_LEVEL": "WARNING",
        "BENCH_LOAD_PLAN": str(plan_path),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("REDIS_URL", None)
    if SERVER == "granian":
        command = [
            sys.executable, "-m", "granian", "--interface", "wsgi", "dangjian.wsgi:application",
            "--host", "127.0.0.1", "--port", str(PORT), "--workers", str(WORKERS),
            "--blocking-threads", "1", "--log-level", "warning", "--no-access-log",
        ]  # fmt: skip
    else:
        command = [
            _tool("gunicorn"), "dangjian.wsgi:application", "--bind", f"127.0.0.1:{PORT}",
            "--workers", str(WORKERS), "--log-level", "warning",
        ]  # fmt: skip
    server = subprocess.Popen(command, env=env, cwd=ROOT)  # noqa: S603
    out = Path(tempfile.mkdtemp(prefix="dangjian-load-"))
    try:
        _wait_until_up(f"http://127.0.0.1:{PORT}/healthz", server)
        _locust("MixedReader", WARMUP_SECONDS, out / "warmup", env)  # every worker imports and connects
        users = _steps(out, env)
        mixed = _report("mixed reads", _locust("MixedReader", SECONDS, out / "mixed", env, users), SECONDS)
        bare = _report("bare endpoint", _locust("BareUser", SECONDS, out / "bare", env, users), SECONDS)
    finally:
        server.terminate()
        server.wait(timeout=30)
    rps_mixed, rps_bare = float(mixed["Requests/s"]), float(bare["Requests/s"])
    errors = int(mixed["Failure Count"]) + int(bare["Failure Count"])
    p99 = float(mixed["99%"])
    print(
        f"\nratio: the app's mixed reads reach {rps_mixed / rps_bare:.0%} of the bare stack's throughput "
        f"({rps_mixed:.1f} vs {rps_bare:.1f} req/s); p50 {mixed['50%']} vs {bare['50%']} ms"
    )
    print(
        f"target (zero errors, p99 < {P99_TARGET_MS} ms): errors {errors}, p99 {p99:.0f} ms -> "
        f"{'met' if errors == 0 and p99 < P99_TARGET_MS else 'MISSED'}"
    )
    print(f"CSV files: {out}")
    return True


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
