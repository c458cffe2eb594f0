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
    assert tags == {
        "orgs",
        "members",
        "dues",
        "accounts",
        "settings",
        "audit",
        "demands",
        "stations",
        "reports",
        "points",
        "council",
        "transfers",
        "development",
        "volunteering",
        "notifications",
        "meetings",
        "minutes",
        "compliance",
    }


@pytest.mark.django_db
def test_models_and_migrations_agree():
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exc:  # makemigrations --check exits 1 when a migration is missing
        pytest.fail(f"models changed without a migration:\n{out.getvalue()} (exit {exc.code})")


def test_api_schema_names_are_unique():
    """OpenAPI components are keyed by class name: two schemas called ``MeOut`` in two apps would
    silently share one component, and the document would describe one operation with the other's shape."""
    from ninja import Schema

    import dangjian.api  # noqa: F401 - imports every router and so every schema

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    names: dict[str, set[str]] = {}
    for cls in subclasses(Schema):
        if cls.__module__.startswith("dangjian."):
            names.setdefault(cls.__name__, set()).add(cls.__module__)
    assert {name: mods for name, mods in names.items() if len(mods) > 1} == {}
