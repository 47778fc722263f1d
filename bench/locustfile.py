"""Load for `bench.checkin`: run by locust in headless mode, one user class per measurement.

BareUser hits the bench-only baseline; MeUser asks `GET /api/v1/me/` with the pool's tokens (the
cheapest authenticated request of the API: a token looked up, a person answered); CheckInUser
posts check-ins, each request with the next (token, key result) pair of the pool that
`bench.checkin` prepared (BENCH_POOL, a JSON file), starting at BENCH_POOL_OFFSET so that the
warm-up and the measured run use different key results. No wait between requests: 32 users keep
32 requests in flight (a closed loop).
"""

from __future__ import annotations

import itertools
import json
import os

from locust import FastHttpUser, constant, task

_pool: list[list] = []
if os.environ.get("BENCH_POOL"):
    with open(os.environ["BENCH_POOL"]) as handle:
        _pool = json.load(handle)
_offset = int(os.environ.get("BENCH_POOL_OFFSET", "0"))
_entries = itertools.cycle(_pool[_offset:] + _pool[:_offset]) if _pool else iter(())


class BareUser(FastHttpUser):
    wait_time = constant(0)

    @task
    def bare(self) -> None:
        self.client.get("/bench/bare/", name="GET /bench/bare/")


class MeUser(FastHttpUser):
    wait_time = constant(0)

    @task
    def me(self) -> None:
        token = next(_entries)[0]
        self.client.get(
            "/api/v1/me/", headers={"Authorization": f"Bearer {token}"}, name="GET /api/v1/me/"
        )


class CheckInUser(FastHttpUser):
    wait_time = constant(0)

    @task
    def check_in(self) -> None:
        token, key_result, value, confidence = next(_entries)
        self.client.post(
            "/api/v1/check-ins/",
            json={"key_result": key_result, "value": value, "confidence": confidence},
            headers={"Authorization": f"Bearer {token}"},
            name="POST /api/v1/check-ins/",
        )
