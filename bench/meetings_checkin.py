"""A themed party day where 10,000 members check in within a minute, against the real server.

Needs PostgreSQL: BENCH_DATABASE_URL naming a database whose name starts with "bench" (it is
wiped). Builds one branch with BENCH_CHECKIN_MEMBERS (10,000) members, each with a login account
and an API token, and publishes three meetings through the services (attendee rows stored). Starts
the real server with bench/settings_bench.py: granian (BENCH_SERVER, default; Rust HTTP in front of
the WSGI app, BENCH_WORKERS=2 processes for the 2 cores) or gunicorn (gthread workers). The closed
loops are driven by wrk (bench/checkin.lua: each member posts once, with the code the meeting's
screen shows at that second; BENCH_CONCURRENCY keep-alive connections); without wrk, and always
for the open-loop minute, by a small asyncio HTTP/1.1 driver (no third-party client):

1. bare: every member posts the current code of meeting B to the bare endpoint (same stack, same
   code lookup, one insert; mounted only by bench/settings_bench.py);
2. full: every member posts the current code of meeting A to POST /api/v1/meetings/checkin (the
   real check-in: code, window, attendee, geofence, unique insert, attendee update, audit entry);
   1 and 2 alternate in rounds of BENCH_CHECKIN_ROUND members (both meet the same machine load);
3. minute: the scenario itself, open loop: every member scans the code of a third meeting at an
   even pace over BENCH_CHECKIN_MINUTE_SECONDS (60), over up to BENCH_CHECKIN_PACED_CONNECTIONS (32)
   connections; latency counts from each member's scheduled moment (waiting included);
4. replay: BENCH_CHECKIN_REPLAYS members post again (must answer "already checked in").

Prints requests/s, p50/p95/p99 latency of each, the ratio full/bare (closed loop: the most each
sustains), the p99 of the minute (the latency target), and checks that meetings A and C have
exactly one check-in, one present attendee and one audit entry per member (none lost or doubled).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

MEMBERS = int(os.environ.get("BENCH_CHECKIN_MEMBERS", "10000"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "12"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
THREADS = int(os.environ.get("BENCH_THREADS", "1"))
# gunicorn (gthread workers) or granian (Rust HTTP, WSGI interface): both serve production.
SERVER = os.environ.get("BENCH_SERVER", "granian")
REPLAYS = int(os.environ.get("BENCH_CHECKIN_REPLAYS", "500"))
# The scenario itself: every member of a second branch scans within BENCH_CHECKIN_MINUTE_SECONDS.
PACED_SECONDS = float(os.environ.get("BENCH_CHECKIN_MINUTE_SECONDS", "60"))
PACED_CONNECTIONS = int(os.environ.get("BENCH_CHECKIN_PACED_CONNECTIONS", "32"))
ROUND = int(os.environ.get("BENCH_CHECKIN_ROUND", "1000"))
ROOT = Path(__file__).resolve().parents[1]
PATHS = (("bare", "/bench-bare/checkin"), ("full", "/api/v1/meetings/checkin"))
# The closed-loop rounds are driven by wrk (Debian package "wrk") when it is installed; the Python
# driver below is the fallback, and always drives the open-loop minute (wrk has no paced mode).
WRK = os.environ.get("BENCH_WRK", shutil.which("wrk") or "")


def _env() -> dict:
    if not os.environ.get("DANGJIAN_DATA_KEYS"):
        from dangjian.core import crypto

        os.environ["DANGJIAN_DATA_KEYS"] = json.dumps(crypto.generate_keyring().to_json())
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-" + os.urandom(16).hex())
    os.environ.setdefault("DANGJIAN_VAR_DIR", tempfile.mkdtemp(prefix="dangjian-bench-"))
    os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")
    os.environ.setdefault("DANGJIAN_LOG_LEVEL", "WARNING")
    return dict(os.environ)


def _setup() -> dict:
    """Members, accounts, tokens and the two published meetings. Returns tokens and codes' meetings."""
    import django

    django.setup()
    import datetime as dt

    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from dangjian.accounts.models import ApiToken, User
    from dangjian.accounts.services import _token_hash
    from dangjian.core import crypto
    from dangjian.core.validators import id_check_character
    from dangjian.meetings import services
    from dangjian.members.models import ID_CONTEXT, Member
    from dangjian.orgs import services as org_services

    if not connection.settings_dict["NAME"].startswith("bench"):
        raise SystemExit("BENCH_DATABASE_URL must name a database starting with 'bench' (it is wiped)")
    call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    root = org_services.org_create(
        actor=None, parent=None, name="基准党委", code="BENCH", kind="committee", category="comprehensive"
    )
    branch = org_services.org_create(
        actor=None, parent=root, name="基准党支部", code="BENCH-B", kind="branch", category="new_employment"
    )
    started = time.perf_counter()
    now = timezone.now()
    users = User.objects.bulk_create(
        [User(username=f"bench{i:05d}", password="!", home_org=branch) for i in range(MEMBERS)], batch_size=2000
    )
    tokens, rows, members = [], [], []
    for i, user in enumerate(users):
        birth = dt.date(1970 + i % 30, (i % 12) + 1, (i % 28) + 1)
        first17 = f"330106{birth:%Y%m%d}{i % 1000:03d}"
        number = first17 + id_check_character(first17)
        members.append(
            Member(
                name=f"党员{i:05d}",
                gender="male",
                birth_date=birth,
                id_number_enc=crypto.encrypt(f"{number}{i}", ID_CONTEXT),
                id_number_bidx=crypto.blind_index(f"{number}{i}", ID_CONTEXT),
                id_number_masked=number[:6] + "********" + number[-4:],
                political_status="full",
                join_date=dt.date(2015, 7, 1),
                full_member_date=dt.date(2016, 7, 1),
                org=branch,
                user=user,
            )
        )
        raw = f"dj_b{i:05d}x_{os.urandom(24).hex()}"
        tokens.append(raw)
        rows.append(
            ApiToken(
                user=user,
                name="bench",
                prefix=f"b{i:05d}x",
                token_hash=_token_hash(raw),
                scopes=["meetings:write"],
                expires_at=now + dt.timedelta(days=1),
                last_used_at=now,  # no "last used" write during the runs
            )
        )
    with transaction.atomic():
        Member.objects.bulk_create(members, batch_size=2000)
        ApiToken.objects.bulk_create(rows, batch_size=2000)
    meetings = {}
    for name in ("full", "bare", "minute"):
        meetings[name] = services.meeting_plan(
            actor=None,
            org=branch,
            kind="themed_day",
            title=f"基准主题党日 {name}",
            starts_at=now - dt.timedelta(minutes=1),
            ends_at=now + dt.timedelta(hours=3),
            place="基准会场",
            publish=True,
        ).pk
    print(f"  set up {MEMBERS} members, accounts, tokens and 2 meetings in {time.perf_counter() - started:.1f} s")
    connection.close()
    return {"tokens": tokens, "meetings": meetings}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_server(env: dict, port: int) -> subprocess.Popen:
    env = dict(env, DJANGO_SETTINGS_MODULE="bench.settings_bench", DATABASE_CONN_MAX_AGE="600", PYTHONPATH=str(ROOT))
    if SERVER == "granian":
        command = [
            sys.executable, "-m", "granian", "--interface", "wsgi", "dangjian.wsgi:application",
            "--host", "127.0.0.1", "--port", str(port), "--workers", str(WORKERS),
            "--blocking-threads", str(THREADS), "--backlog", "2048", "--log-level", "warning", "--no-access-log",
        ]  # fmt: skip
    else:
        command = [
            sys.executable, "-m", "gunicorn", "dangjian.wsgi:application",
            "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS), "--worker-class", "gthread",
            "--threads", str(THREADS), "--keep-alive", "30", "--log-level", "warning", "--backlog", "2048",
        ]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)  # noqa: S603 fixed arguments
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit("gunicorn did not start")


class Driver:
    """Keep-alive HTTP/1.1 POSTs of small JSON bodies; records each request's latency and status."""

    def __init__(self, port: int):
        self.port = port
        self.slow: list[tuple[float, float]] = []  # (scheduled second, latency) of the last paced run

    async def _connection(self):
        return await asyncio.open_connection("127.0.0.1", self.port)

    async def _post(self, conn, path: str, token: str, body: bytes):
        reader, writer = conn
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n"
        ).encode()
        writer.write(head + body)
        await writer.drain()
        status_line = await reader.readline()
        length, close = 0, False
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "connection" and value.strip().lower() == "close":
                close = True
        payload = await reader.readexactly(length) if length else b""
        return int(status_line.split()[1]), payload, close

    async def run(self, path: str, tokens: list[str], body) -> tuple[float, list[float], list[tuple[int, bytes]]]:
        """POST ``body()`` (called per request: the code shown now) once for each token."""
        queue = list(reversed(tokens))
        latencies: list[float] = []
        answers: list[tuple[int, bytes]] = []

        async def worker():
            conn = await self._connection()
            while queue:
                token = queue.pop()
                started = time.perf_counter()
                status, payload, close = await self._post(conn, path, token, body())
                latencies.append(time.perf_counter() - started)
                answers.append((status, payload))
                if close:
                    conn[1].close()
                    conn = await self._connection()
            conn[1].close()

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        return time.perf_counter() - started, latencies, answers

    async def run_paced(self, path: str, tokens: list[str], body, rate: float, connections: int):
        """Open loop: member i scans at ``start + i / rate`` whatever the server's state (10,000 in
        a minute is 167 a second). Latency counts from that moment, so time spent waiting for a free
        connection is counted too (no coordinated omission)."""
        latencies: list[float] = []
        answers: list[tuple[int, bytes]] = []
        jobs: asyncio.Queue = asyncio.Queue()

        async def worker():
            conn = await self._connection()
            while True:
                job = await jobs.get()
                if job is None:
                    break
                due, token = job
                status, payload, close = await self._post(conn, path, token, body())
                latencies.append(time.perf_counter() - due)
                self.slow.append((due - started, latencies[-1]))
                answers.append((status, payload))
                if close:
                    conn[1].close()
                    conn = await self._connection()
            conn[1].close()

        workers = [asyncio.create_task(worker()) for _ in range(connections)]
        self.slow = []
        started = time.perf_counter()
        for i, token in enumerate(tokens):
            due = started + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            jobs.put_nowait((due, token))
        for _ in workers:
            jobs.put_nowait(None)
        await asyncio.gather(*workers)
        return time.perf_counter() - started, latencies, answers


def _body_factory(meeting_id: int):
    """The JSON body with the code the meeting's screen shows at this moment (as a phone scans it)."""
    from django.db import connection

    from dangjian.meetings import codes
    from dangjian.meetings.models import Meeting

    meeting = Meeting.objects.get(pk=meeting_id)
    seconds = codes.window_seconds()
    connection.close()
    cache: dict[int, bytes] = {}

    def body() -> bytes:
        window = codes.current_window(seconds=seconds)
        if window not in cache:
            cache[window] = json.dumps({"code": codes.code_for(meeting, window=window)}).encode()
        return cache[window]

    return body


def _run(driver: Driver, path: str, tokens: list[str], meeting_id: int):
    return asyncio.run(driver.run(path, tokens, _body_factory(meeting_id)))


class CodeBoard:
    """What the meetings' screens show: a file per meeting with its current code, rewritten every
    half second by a thread (wrk's script reads it once a second, as a phone scans the screen)."""

    def __init__(self, meetings: dict[str, int], directory: Path):
        self.files = {name: directory / f"code-{name}.txt" for name in meetings}
        self.bodies = {name: _body_factory(meeting_id) for name, meeting_id in meetings.items()}
        self._stop = threading.Event()
        self._write()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _write(self) -> None:
        for name, file in self.files.items():
            code = json.loads(self.bodies[name]())["code"]
            scratch = file.with_suffix(".new")
            scratch.write_text(code + "\n")
            scratch.replace(file)

    def _loop(self) -> None:
        while not self._stop.wait(0.5):
            self._write()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


def _wrk(port: int, path: str, tokens: list[str], code_file: Path, directory: Path):
    """One closed-loop round with wrk (C, one thread, CONCURRENCY connections): each token posts
    once. Returns (seconds, requests, errors, percentiles in 0.1 % steps, in seconds)."""
    token_file = directory / "tokens.txt"
    token_file.write_text("\n".join(tokens) + "\n")
    done_file = directory / "done.txt"
    done_file.unlink(missing_ok=True)
    env = dict(
        os.environ,
        WRK_TOKENS=str(token_file),
        WRK_CODE=str(code_file),
        WRK_THREADS="1",
        WRK_PATH=path,
        WRK_DONE=str(done_file),
    )
    command = [
        WRK, "-t1", f"-c{min(CONCURRENCY, len(tokens))}", "-d300s", "--timeout", "10s",
        "-s", str(ROOT / "bench" / "checkin.lua"), f"http://127.0.0.1:{port}",
    ]  # fmt: skip
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # noqa: S603
    while not done_file.exists() and process.poll() is None:
        time.sleep(0.002)
    seconds = time.perf_counter() - started
    process.send_signal(signal.SIGINT)  # wrk prints its summary and runs done() on SIGINT
    stdout, stderr = process.communicate(timeout=60)
    line = next(x for x in stdout.splitlines() if x.startswith("{"))
    data = json.loads(line)
    if data["answered"] != len(tokens):
        print(f"    wrk: {data['answered']} of {len(tokens)} answered; {stdout[:600]} {stderr[:600]}")
    errors = data["status_errors"] + data["socket_errors"]
    return seconds, data["requests"], errors, [p / 1e6 for p in data["percentiles"]]


def _run_paced(driver: Driver, path: str, tokens: list[str], meeting_id: int, rate: float):
    return asyncio.run(driver.run_paced(path, tokens, _body_factory(meeting_id), rate, PACED_CONNECTIONS))


def _closed_loop_python(driver: Driver, world: dict) -> tuple[dict, dict]:
    warm = world["tokens"][:200]
    _run(driver, "/bench-bare/checkin", warm, world["meetings"]["bare"])
    _run(driver, "/api/v1/meetings/checkin", warm, world["meetings"]["full"])
    rest = world["tokens"][200:]
    # Alternate rounds of the two endpoints so that both meet the same background load on a
    # shared machine; each endpoint still gets every member once.
    totals = {"bare": [0.0, [], []], "full": [0.0, [], []]}
    for start in range(0, len(rest), ROUND):
        chunk = rest[start : start + ROUND]
        for name, path in PATHS:
            seconds, latencies, answers = _run(driver, path, chunk, world["meetings"][name])
            totals[name][0] += seconds
            totals[name][1] += latencies
            totals[name][2] += answers
    return _summary("bare", *totals["bare"]), _summary("full", *totals["full"])


def _closed_loop_wrk(port: int, world: dict) -> tuple[dict, dict]:
    """The same alternating rounds, driven by wrk; percentiles merged over the rounds."""
    directory = Path(tempfile.mkdtemp(prefix="dangjian-wrk-"))
    board = CodeBoard({name: world["meetings"][name] for name, _path in PATHS}, directory)
    try:
        warm = world["tokens"][:200]
        for name, path in PATHS:
            _wrk(port, path, warm, board.files[name], directory)
        rest = world["tokens"][200:]
        rounds: dict[str, list] = {"bare": [], "full": []}
        for start in range(0, len(rest), ROUND):
            chunk = rest[start : start + ROUND]
            for name, path in PATHS:
                rounds[name].append(_wrk(port, path, chunk, board.files[name], directory))
    finally:
        board.close()
        shutil.rmtree(directory, ignore_errors=True)
    return _summary_wrk("bare", rounds["bare"]), _summary_wrk("full", rounds["full"])


def _summary_wrk(name: str, rounds: list) -> dict:
    seconds = sum(r[0] for r in rounds)
    requests = sum(r[1] for r in rounds)
    # Each round's 1,000 percentile points stand for its requests in equal shares.
    points = sorted((value, r[1] / len(r[3])) for r in rounds for value in r[3])
    total = sum(weight for _value, weight in points)

    def at(fraction: float) -> float:
        seen = 0.0
        for value, weight in points:
            seen += weight
            if seen >= fraction * total - 1e-9:
                return value
        return points[-1][0]

    result = {
        "name": name,
        "requests": requests,
        "seconds": round(seconds, 2),
        "rps": round(requests / seconds, 1),
        "p50_ms": round(1000 * at(0.50), 1),
        "p95_ms": round(1000 * at(0.95), 1),
        "p99_ms": round(1000 * at(0.99), 1),
        "errors": sum(r[2] for r in rounds),
    }
    print(
        f"  {name:<6} {requests} requests in {result['seconds']} s (wrk): {result['rps']} req/s, "
        f"p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, p99 {result['p99_ms']} ms, errors {result['errors']}"
    )
    return result


def _summary(name: str, seconds: float, latencies: list[float], answers) -> dict:
    ordered = sorted(latencies)
    bad = [a for a in answers if a[0] != 200]
    result = {
        "name": name,
        "requests": len(latencies),
        "seconds": round(seconds, 2),
        "rps": round(len(latencies) / seconds, 1),
        "p50_ms": round(1000 * statistics.median(ordered), 1),
        "p95_ms": round(1000 * ordered[int(0.95 * (len(ordered) - 1))], 1),
        "p99_ms": round(1000 * ordered[int(0.99 * (len(ordered) - 1))], 1),
        "errors": len(bad),
    }
    print(
        f"  {name:<6} {result['requests']} requests in {result['seconds']} s: {result['rps']} req/s, "
        f"p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, p99 {result['p99_ms']} ms, errors {len(bad)}"
    )
    if bad:
        print(f"    first error: {bad[0][0]} {bad[0][1][:200]!r}")
    return result


def _verify(meeting_id: int, expected: int) -> dict:
    from django.db import connection

    from dangjian.core.models import AuditEntry
    from dangjian.meetings.models import Attendee, CheckIn

    rows = CheckIn.objects.filter(meeting_id=meeting_id)
    facts = {
        "checkins": rows.count(),
        "distinct_members": rows.values("member_id").distinct().count(),
        "present": Attendee.objects.filter(meeting_id=meeting_id, status="present").count(),
        "audit_entries": AuditEntry.objects.filter(
            action="meeting.checkin", changes__meeting=[None, meeting_id]
        ).count(),
    }
    connection.close()
    facts["ok"] = all(value == expected for value in facts.values())
    return facts


def main() -> bool:
    if not os.environ.get("BENCH_DATABASE_URL", "").startswith("postgres"):
        print("meetings_checkin: skipped (needs BENCH_DATABASE_URL=postgres://.../bench_...; see docs/performance.md)")
        return False
    print(
        f"meetings_checkin: {MEMBERS} members, {SERVER} {WORKERS} workers x {THREADS} threads, "
        f"{CONCURRENCY} connections"
    )
    env = _env()
    world = _setup()
    port = _free_port()
    server = _start_server(env, port)
    try:
        driver = Driver(port)
        if WRK:
            bare, full = _closed_loop_wrk(port, world)
        else:
            bare, full = _closed_loop_python(driver, world)
        # The scenario as it happens: all members scan the code of a third meeting within a minute.
        rate = MEMBERS / PACED_SECONDS
        print(f"  minute: {MEMBERS} members scanning within {PACED_SECONDS:g} s ({rate:.0f}/s, open loop)")
        minute = _summary(
            "minute",
            *_run_paced(driver, "/api/v1/meetings/checkin", world["tokens"], world["meetings"]["minute"], rate),
        )
        # Where the slowest hundredth fell in the minute (bursts mean stalls, not a steady overload).
        cut = sorted(latency for _at, latency in driver.slow)[int(0.99 * (len(driver.slow) - 1))]
        late = sorted({round(at) for at, latency in driver.slow if latency >= cut})
        print(f"    slowest 1% (>= {cut * 1000:.0f} ms) were due at seconds {late}")
        replay_tokens = world["tokens"][:REPLAYS]
        seconds, latencies, answers = _run(driver, "/api/v1/meetings/checkin", replay_tokens, world["meetings"]["full"])
        _summary("replay", seconds, latencies, answers)
        again = sum(1 for status, body in answers if status == 200 and json.loads(body)["created"] is False)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    facts = _verify(world["meetings"]["full"], MEMBERS)
    minute_facts = _verify(world["meetings"]["minute"], MEMBERS)
    ratio = full["rps"] / bare["rps"]
    print(
        f"  ratio full/bare {ratio:.2f} (target >= 0.8); p99 of the minute {minute['p99_ms']} ms (target < 150); "
        f"closed-loop full p99 {full['p99_ms']} ms"
    )
    print(f"  meeting A: {facts}; replays answered 'already checked in': {again}/{len(replay_tokens)}")
    print(f"  the minute's meeting: {minute_facts}")
    met = (
        ratio >= 0.8
        and minute["p99_ms"] < 150
        and facts["ok"]
        and minute_facts["ok"]
        and again == len(replay_tokens)
        and not (full["errors"] or minute["errors"])
    )
    print(f"  {'targets met' if met else 'TARGETS NOT MET'}")
    return None


if __name__ == "__main__":
    main()
