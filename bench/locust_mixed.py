"""Locust users for ``bench/load_mixed.py`` (run by it; not on its own).

``MixedReader``: a logged-in secretary or administrator reading the main pages and the API, with the
session and the members of their scope prepared by load_mixed (``BENCH_LOAD_PLAN``, a JSON file).
``BareUser``: the same stack answering ``/__bench__/bare`` (``bench.urls``), for the ratio.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

from locust import HttpUser, constant, task

PLAN = (
    json.loads(Path(os.environ["BENCH_LOAD_PLAN"]).read_text(encoding="utf-8"))
    if "BENCH_LOAD_PLAN" in os.environ
    else {}
)
WAIT = float(os.environ.get("BENCH_LOAD_WAIT", "0"))


class MixedReader(HttpUser):
    wait_time = constant(WAIT)

    def on_start(self):
        # 4 in 5 users are street secretaries, the rest province administrators.
        pool = PLAN["province"] if random.random() < 0.2 else PLAN["streets"]
        self.who = random.choice(pool)
        self.client.cookies.set(PLAN["cookie"], self.who["session"])

    def _get(self, url: str, name: str):
        with self.client.get(url, name=name, catch_response=True, allow_redirects=False) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
            elif name.startswith("API") and not response.headers.get("Content-Type", "").startswith("application/json"):
                response.failure("not JSON")

    def _member(self) -> dict:
        return random.choice(self.who["members"])

    @task(2)
    def home(self):
        self._get("/", "page: home")

    @task(3)
    def member_list(self):
        self._get("/members/", "page: /members/ (page 1 + count)")

    @task(3)
    def member_lookup(self):
        self._get(f"/members/?q={self._member()['number']}", "page: /members/?q=<ID number>")

    @task(2)
    def member_detail(self):
        self._get(f"/members/{self._member()['id']}/", "page: /members/<id>/")

    @task(1)
    def org_tree(self):
        self._get("/orgs/", "page: /orgs/")

    @task(1)
    def org_detail(self):
        self._get(f"/orgs/{self.who['org']}/", "page: /orgs/<id>/")

    @task(2)
    def api_members(self):
        self._get("/api/v1/members?limit=50", "API: /members?limit=50")

    @task(2)
    def api_lookup(self):
        self._get(f"/api/v1/members?q={self._member()['number']}", "API: /members?q=<ID number>")

    @task(1)
    def api_member(self):
        self._get(f"/api/v1/members/{self._member()['id']}", "API: /members/<id>")

    @task(1)
    def api_me(self):
        self._get("/api/v1/accounts/me", "API: /accounts/me")

    @task(1)
    def api_org(self):
        self._get(f"/api/v1/orgs/{self.who['org']}", "API: /orgs/<id>")


class BareUser(HttpUser):
    wait_time = constant(WAIT)

    @task
    def bare(self):
        with self.client.get("/__bench__/bare", name="bare: /__bench__/bare", catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
