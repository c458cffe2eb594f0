"""Artifacts that must match the code: the committed OpenAPI document and the migrations."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from dangjian.core.management.commands.export_openapi import SCHEMA_PATH, current_schema_text


def test_committed_openapi_matches_code():
    committed = Path(SCHEMA_PATH).read_text()
    assert committed == current_schema_text(), "docs/api/openapi.json is stale: run `make openapi` and commit it"


def test_every_operation_is_tagged_by_app():
    import json

    schema = json.loads(current_schema_text())
    tags = {op["tags"][0] for path in schema["paths"].values() for op in path.values()}
    assert tags == {"orgs", "members", "dues", "accounts", "settings", "audit"}


@pytest.mark.django_db
def test_models_and_migrations_agree():
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exc:  # makemigrations --check exits 1 when a migration is missing
        pytest.fail(f"models changed without a migration:\n{out.getvalue()} (exit {exc.code})")
