"""Write the API's OpenAPI document to docs/api/openapi.json, or --check that it is current."""

import json
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation

SCHEMA_PATH = Path(settings.BASE_DIR) / "docs" / "api" / "openapi.json"


def current_schema_text() -> str:
    from dangjian.api import api

    with translation.override("en"):
        schema = api.get_openapi_schema(path_prefix="/api/v1/")
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


class Command(BaseCommand):
    help = "Export the OpenAPI schema (the committed API contract)."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="exit 1 if the committed schema differs")

    def handle(self, *args, check=False, **options):
        text = current_schema_text()
        if check:
            committed = SCHEMA_PATH.read_text() if SCHEMA_PATH.exists() else ""
            if committed != text:
                self.stderr.write("docs/api/openapi.json is out of date: run `make openapi` and commit it")
                sys.exit(1)
            self.stdout.write("OpenAPI schema is current")
            return
        SCHEMA_PATH.parent.mkdir(parents=True, exist_ok=True)
        SCHEMA_PATH.write_text(text)
        self.stdout.write(f"wrote {SCHEMA_PATH.relative_to(settings.BASE_DIR)}")
