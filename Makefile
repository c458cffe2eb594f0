# dangjian: the entry points. `make run` and `make test` are all a newcomer needs.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 3
TASK_WORKERS ?= 1

.PHONY: run setup test lint format e2e bench demo assets messages openapi clean help restore-drill

help:
	@echo "make run    - set everything up and serve http://$(HOST):$(PORT) with demo data"
	@echo "make test   - set up and run every test (DATABASE_URL=postgres://... for PostgreSQL)"
	@echo "make lint   - ruff, migrations check, committed OpenAPI check"
	@echo "make e2e    - browser end-to-end tests only (Chromium at /usr/bin/chromium)"
	@echo "make bench  - benchmarks in bench/"
	@echo "make restore-drill - dump DATABASE_URL (PostgreSQL), restore into a fresh database, verify the copy"

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/pip install -q --disable-pip-version-check -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Vendor files are copied from node_modules into static/vendor, then collected for WhiteNoise.
# Stamp files make a second `make run` skip whatever has not changed.
STATIC_SOURCES := $(shell find dangjian -path '*/static/*' -type f -not -path 'dangjian/static/vendor/*' 2>/dev/null)
PO_FILES := $(wildcard dangjian/locale/*/LC_MESSAGES/django.po)
MO_FILES := $(PO_FILES:.po=.mo)

staticfiles/.collected: node_modules/.installed $(STATIC_SOURCES) | $(BIN)/.installed
	@mkdir -p dangjian/static/vendor/bootstrap dangjian/static/vendor/bootstrap-icons/fonts dangjian/static/vendor/htmx \
		dangjian/static/vendor/leaflet
	@cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/css/bootstrap.min.css.map \
		node_modules/bootstrap/dist/js/bootstrap.bundle.min.js node_modules/bootstrap/dist/js/bootstrap.bundle.min.js.map \
		dangjian/static/vendor/bootstrap/
	@cp node_modules/bootstrap-icons/font/bootstrap-icons.min.css dangjian/static/vendor/bootstrap-icons/
	@cp node_modules/bootstrap-icons/font/fonts/* dangjian/static/vendor/bootstrap-icons/fonts/
	@cp node_modules/htmx.org/dist/htmx.min.js dangjian/static/vendor/htmx/
	@cp node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.js.map node_modules/leaflet/dist/leaflet.css \
		dangjian/static/vendor/leaflet/
	@cp -r node_modules/leaflet/dist/images dangjian/static/vendor/leaflet/
	@$(MANAGE) collectstatic --noinput -v 0
	@touch $@

assets: staticfiles/.collected

$(MO_FILES): %.mo: %.po | $(BIN)/.installed
	@$(MANAGE) compile_catalogues

messages: $(MO_FILES)

setup: $(BIN)/.installed assets messages

run: setup
	@mkdir -p var
	@$(MANAGE) init_keys
	@$(MANAGE) migrate --noinput -v 0
	@$(MANAGE) seed_demo --if-empty
	@$(MANAGE) demo_logins --url http://$(HOST):$(PORT)
	@# The audit sealer and the background task workers run beside the server and stop with it.
	@$(MANAGE) audit_seal --follow > var/audit_seal.log 2>&1 & helpers=$$!; \
	for i in $$(seq 1 $(TASK_WORKERS)); do \
		$(MANAGE) run_worker --no-reload >> var/worker.log 2>&1 & helpers="$$helpers $$!"; \
	done; \
	trap 'kill $$helpers 2>/dev/null' EXIT INT TERM; \
	$(BIN)/gunicorn dangjian.wsgi:application --bind $(HOST):$(PORT) --workers $(WORKERS) \
		--access-logfile - --error-logfile - --log-level warning

test: setup
	$(BIN)/pytest $(PYTEST_ARGS)

e2e: setup
	$(BIN)/pytest -m e2e $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MANAGE) makemigrations --check --dry-run
	$(MANAGE) export_openapi --check

format: $(BIN)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

openapi: $(BIN)/.installed
	$(MANAGE) export_openapi

$(BIN)/.bench-installed: pyproject.toml | $(BIN)/.installed
	$(BIN)/pip install -q --disable-pip-version-check -e '.[dev,bench]'
	touch $@

bench: setup $(BIN)/.bench-installed
	$(BIN)/python -m bench

# Backup and restore drill (docs/operations.md): needs DATABASE_URL=postgres://...; writes nothing to it.
restore-drill: setup
	$(BIN)/python ops/restore_drill.py

demo: setup
	$(MANAGE) seed_demo

clean:
	rm -rf $(VENV) node_modules staticfiles dangjian/static/vendor
