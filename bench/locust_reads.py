"""Load for `bench.reads`: run by locust in headless mode, one user class per measurement.

Every user class but BareUser reads its requests from the pool `bench.reads` prepared
(BENCH_POOL, a JSON object of lists of [session cookie, path]) under its own name, each request
the next entry (every user starts at a different place). No wait between requests: N users keep
N requests in flight (a closed loop).
"""

from __future__ import annotations

import itertools
import json
import os
import random
from collections.abc import Iterator

from locust import FastHttpUser, constant, task

_pool: dict[str, list[list[str]]] = {}
if os.environ.get("BENCH_POOL"):
    with open(os.environ["BENCH_POOL"]) as handle:
        _pool = json.load(handle)


def _entries(kind: str) -> Iterator[list[str]]:
    entries = list(_pool.get(kind, []))
    random.shuffle(entries)
    return itertools.cycle(entries)


class _PoolUser(FastHttpUser):
    abstract = True
    wait_time = constant(0)
    kind = ""
    label = ""

    def on_start(self) -> None:
        self.entries = _entries(self.kind)

    @task
    def read(self) -> None:
        cookie, path = next(self.entries)
        with self.client.get(
            path, name=self.label, headers={"Cookie": f"sessionid={cookie}"}, catch_response=True
        ) as response:
            # A session that did not hold would answer the sign-in page with a 200.
            if response.status_code != 200 or b'name="password"' in (response.content or b""):
                response.failure(f"{response.status_code} on {path}")


class BareUser(FastHttpUser):
    wait_time = constant(0)

    @task
    def bare(self) -> None:
        self.client.get("/bench/bare/", name="GET /bench/bare/")


class MeUser(_PoolUser):
    kind, label = "me", "GET /api/v1/me/"


class ObjectiveUser(_PoolUser):
    kind, label = "objective", "GET /objectives/<id>/"


class ScorecardUser(_PoolUser):
    kind, label = "scorecard", "GET /scorecard/…"


class MapUser(_PoolUser):
    kind, label = "map", "GET /map/"


class MapExpandUser(_PoolUser):
    kind, label = "map_expand", "GET /map/objective/<id>/"


class KpiUser(_PoolUser):
    kind, label = "kpis", "GET /kpis/?unit=<id>"


class KpiStatusUser(_PoolUser):
    kind, label = "kpis_status", "GET /kpis/?unit=<id>&status=red"


class HealthUser(_PoolUser):
    kind, label = "health", "GET /health/"


class KraUser(_PoolUser):
    kind, label = "kra", "GET /kras/<id>/"


class SummaryUser(_PoolUser):
    kind, label = "summary", "GET /summary/"
