"""No plaintext ID number or mobile number of any demo member is stored anywhere in the database.

The demo district is loaded into a real database file (SQLite) or a real PostgreSQL database by a
separate process, then the raw bytes (the SQLite file with its WAL, or a pg_dump) are searched.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from conftest import TEST_KEYRING
from dangjian.demo.seed import DEMO_MEMBERS, demo_people

ROOT = Path(__file__).resolve().parents[1]


def _run(args: list[str], env: dict) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"


def _env(tmp_path: Path, database_url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(
        DATABASE_URL=database_url,
        DANGJIAN_VAR_DIR=str(tmp_path),
        DANGJIAN_DATA_KEYS=json.dumps(TEST_KEYRING.to_json()),
        DANGJIAN_LOG_LEVEL="WARNING",
    )
    return env


def _needles() -> list[bytes]:
    people = demo_people()
    assert len(people) == DEMO_MEMBERS
    from dangjian.development.demo import demo_applicant_numbers
    from dangjian.members.demo import demo_lead_numbers

    values = [p.id_number for p in people] + [p.mobile for p in people] + demo_applicant_numbers()
    values += demo_lead_numbers()
    return [v.encode() for v in values]


def _assert_absent(blob: bytes, where: str) -> None:
    found = [n.decode() for n in _needles() if n in blob]
    assert found == [], f"{len(found)} plaintext identifiers found in {where}, e.g. {found[:3]}"


@pytest.mark.slow_subprocess
def test_no_plaintext_in_the_sqlite_file(tmp_path):
    db = tmp_path / "plain.sqlite3"
    env = _env(tmp_path, f"sqlite:///{db}")
    _run(["migrate", "--noinput", "-v", "0"], env)
    _run(["seed_demo"], env)
    blob = b"".join(p.read_bytes() for p in tmp_path.glob("plain.sqlite3*"))
    assert len(blob) > 100_000
    # The check must be able to fail: the masked forms of the same people are present.
    people = demo_people()
    assert f"{people[0].mobile[:3]}****{people[0].mobile[-4:]}".encode() in blob
    _assert_absent(blob, "the SQLite database file")


@pytest.mark.slow_subprocess
def test_no_plaintext_in_a_postgresql_dump(tmp_path):
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        pytest.skip("runs when the suite runs on PostgreSQL (DATABASE_URL=postgres://...)")
    if shutil.which("pg_dump") is None:
        pytest.fail("pg_dump is needed for this check (Debian package postgresql-client)")
    name = f"plaintext_{uuid.uuid4().hex[:8]}"
    base = url.rsplit("/", 1)[0]
    admin = subprocess.run(
        ["psql", f"{base}/postgres", "-c", f"CREATE DATABASE {name}"], capture_output=True, text=True
    )
    assert admin.returncode == 0, admin.stderr
    try:
        env = _env(tmp_path, f"{base}/{name}")
        _run(["migrate", "--noinput", "-v", "0"], env)
        _run(["seed_demo"], env)
        dump = subprocess.run(["pg_dump", f"{base}/{name}"], capture_output=True, timeout=300)
        assert dump.returncode == 0, dump.stderr
        assert b"members_member" in dump.stdout
        _assert_absent(dump.stdout, "a pg_dump of the database")
    finally:
        subprocess.run(["psql", f"{base}/postgres", "-c", f"DROP DATABASE IF EXISTS {name}"], capture_output=True)
