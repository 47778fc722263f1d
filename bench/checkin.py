"""The check-in POST benchmark: a real server, a real load generator, the baseline beside it.

    .venv/bin/python -m bench.checkin --size S [--db sqlite|postgres] [--database-url URL]

On a database made by `bench.generate` (same --size/--db): gives personal API tokens to many
people (through `token_create`), prepares a pool of (token, key result owned by that person)
pairs, counts the queries one check-in POST runs, then starts gunicorn on `bench.wsgi` (the
product's application plus the bench-only `/bench/bare/`) with the workers of docs/deploy.md,
and drives it with locust in headless mode: 32 users without pause, first against
`GET /bench/bare/`, then `GET /api/v1/me/` (the floor of every authenticated request: a token
looked up, a person answered), then `POST /api/v1/check-ins/` (every request a different key
result), each after a warm-up. Prints requests/s, p50/p95/p99 latency and errors of each, and the
ratios (goal: the check-in at least 40% of the bare endpoint's throughput, with 0 errors).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections import Counter
from dataclasses import asdict
from typing import Any

from bench.load import Figures, Server, locust
from bench.target import (
    BENCH_DIR,
    Target,
    add_target_arguments,
    machine,
    people_sample,
    save_result,
    setup_django,
    target_from_arguments,
)

TOKEN_NAME = "bench load test"
GOAL_RATIO = 0.40
LOCUSTFILE = BENCH_DIR / "locustfile.py"


# -- preparing tokens and the pool --------------------------------------------------------------
def prepare_pool(target: Target, people: int, seed: int) -> list[list[Any]]:
    """Tokens for `people` people and, for each, the key results they own in the running
    quarter: a shuffled list of [token, key result id, value, confidence]."""
    from django.db import transaction

    from headway.api.models import ApiToken
    from headway.api.services import token_create
    from headway.goals.models import KeyResult
    from headway.org.models import Person

    sample = people_sample(target, people, seed)
    org, period, chosen, rng = sample.organization, sample.period, sample.people, sample.rng
    by_id = Person.objects.in_bulk(chosen)
    began = time.perf_counter()
    with transaction.atomic():
        ApiToken.objects.filter(organization=org, name=TOKEN_NAME).delete()
        tokens = {pk: token_create(person=by_id[pk], name=TOKEN_NAME)[1] for pk in chosen}
    print(f"  {len(tokens):,} tokens in {time.perf_counter() - began:.1f} s", file=sys.stderr)
    pool = []
    rows = KeyResult.objects.filter(
        organization=org,
        owner_id__in=chosen,
        objective__period=period,
        objective__scope_person_id__in=chosen,
        progress_source=KeyResult.Source.CHECK_INS,
        state=KeyResult.State.ACTIVE,
    ).values_list("id", "owner_id", "direction", "start", "target")
    for pk, owner, direction, start, target_value in rows:
        if direction in ("increase", "decrease") and start is not None:
            value = float(start) + float(target_value - start) * rng.uniform(0.6, 1.05)
        else:
            value = float(target_value or 0) * rng.uniform(0.9, 1.1)
        pool.append([tokens[owner], pk, f"{value:.2f}", rng.randint(3, 9)])
    rng.shuffle(pool)
    return pool


def count_queries(entries: list[list[Any]]) -> dict[str, Any]:
    """Check-in POSTs through Django's test client, in this process: their SQL statements (the
    number varies with how many ancestors' values change). The largest is described."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    samples = []
    for token, key_result, value, confidence in entries:
        body = {"key_result": key_result, "value": value, "confidence": confidence}
        with CaptureQueriesContext(connection) as captured:
            response = client.post(
                "/api/v1/check-ins/",
                data=json.dumps(body),
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {token}",
                HTTP_HOST="127.0.0.1",
            )
        if response.status_code != 201:
            raise SystemExit(
                f"a check-in POST answered {response.status_code}: {response.content!r}"
            )
        samples.append([q["sql"] for q in captured.captured_queries])
    largest = max(samples, key=len)
    kinds: Counter[str] = Counter()
    tables: Counter[str] = Counter()
    for query in largest:
        sql = query.lstrip()
        verb = sql.split(None, 1)[0].upper()
        kinds[verb] += 1
        marker = {"SELECT": " FROM ", "UPDATE": "UPDATE ", "INSERT": " INTO "}.get(verb)
        if marker and marker in sql:
            tables[sql.split(marker, 1)[1].split()[0].strip('"')] += 1
    counts = sorted(len(sample) for sample in samples)
    return {
        "samples": len(samples),
        "min": counts[0],
        "median": counts[len(counts) // 2],
        "max": counts[-1],
        "by_kind": dict(kinds.most_common()),
        "by_table": dict(tables.most_common()),
    }


# -- the server -----------------------------------------------------------------------------------
def run(args: argparse.Namespace) -> int:
    target = target_from_arguments(args)
    setup_django(target)
    from django.conf import settings

    from headway.checkins.models import CheckIn

    run_dir = target.data_dir / "checkin-run"
    run_dir.mkdir(parents=True, exist_ok=True)
    print(f"check-in benchmark on {target.label}", file=sys.stderr)
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    pool = prepare_pool(target, args.people, seed)
    probes = [pool.pop() for _ in range(10)]  # used once each, for the query count
    queries = count_queries(probes)
    print(
        f"  pool: {len(pool):,} key results of {args.people:,} people; "
        f"a POST runs {queries['min']}–{queries['max']} SQL statements",
        file=sys.stderr,
    )
    pool_file = run_dir / "pool.json"
    pool_file.write_text(json.dumps(pool))
    from django.db import connections

    connections.close_all()  # the server gets the database to itself

    server = Server(target, args.workers, run_dir)
    results: dict[str, Figures] = {}
    try:
        common = {
            "url": server.url,
            "users": args.users,
            "run_dir": run_dir,
            "database": target.database_name if target.engine == "postgres" else "",
            "server_pid": server.process.pid,
        }
        print(f"  server {server.url}: gunicorn, {args.workers} workers", file=sys.stderr)
        locust(LOCUSTFILE, "BareUser", seconds=args.warmup, name="bare-warmup", **common)
        results["bare"] = locust(
            LOCUSTFILE,
            "BareUser",
            seconds=args.duration,
            name="bare",
            quiet_wait=args.quiet_wait,
            **common,
        )
        print(f"  bare: {results['bare'].rps:,.0f} req/s", file=sys.stderr)
        # The floor of any authenticated request: the token looked up, a person answered.
        me_pool = {"BENCH_POOL": str(pool_file), "BENCH_POOL_OFFSET": "0"}
        locust(
            LOCUSTFILE, "MeUser", seconds=args.warmup, name="me-warmup", env_extra=me_pool, **common
        )
        results["me"] = locust(
            LOCUSTFILE,
            "MeUser",
            seconds=args.duration,
            name="me",
            env_extra=me_pool,
            quiet_wait=args.quiet_wait,
            **common,
        )
        print(f"  me: {results['me'].rps:,.0f} req/s", file=sys.stderr)
        before = CheckIn.objects.count()
        connections.close_all()
        warm = locust(
            LOCUSTFILE,
            "CheckInUser",
            seconds=args.warmup,
            name="checkin-warmup",
            env_extra={"BENCH_POOL": str(pool_file), "BENCH_POOL_OFFSET": "0"},
            **common,
        )
        offset = warm.requests + 2 * args.users
        results["checkin"] = locust(
            LOCUSTFILE,
            "CheckInUser",
            seconds=args.duration,
            name="checkin",
            env_extra={"BENCH_POOL": str(pool_file), "BENCH_POOL_OFFSET": str(offset)},
            quiet_wait=args.quiet_wait,
            **common,
        )
        print(f"  check-in: {results['checkin'].rps:,.0f} req/s", file=sys.stderr)
        worker_peak = server.worker_peak_mib()
    finally:
        server.stop()
    created = CheckIn.objects.count() - before
    posted = warm.requests + results["checkin"].requests
    failed = warm.failures + results["checkin"].failures
    reused = posted > len(pool)
    bare, me, checkin = results["bare"], results["me"], results["checkin"]
    ratio = checkin.rps / bare.rps if bare.rps else 0.0
    floor = me.rps / bare.rps if bare.rps else 0.0
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    header = (
        f"check-in POST on {target.label} ({engine}): gunicorn {args.workers} workers, locust "
        f"{args.users} users, {args.duration} s per endpoint after a {args.warmup} s warm-up"
    )
    print("\n" + header)
    print(
        f"  {'endpoint':<34} {'requests':>9} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'p99 ms':>7} {'errors':>7} {'CPU busy':>9} {'others':>7} {'CPU ms/req':>10}"
    )
    for label, fig in (
        ("GET /bench/bare/ (baseline)", bare),
        ("GET /api/v1/me/ (the floor)", me),
        ("POST /api/v1/check-ins/", checkin),
    ):
        print(
            f"  {label:<34} {fig.requests:>9,} {fig.rps:>8,.1f} {fig.p50:>7.0f} {fig.p95:>7.0f} "
            f"{fig.p99:>7.0f} {fig.failures:>7,} {fig.cpu_busy:>9.0%} {fig.foreign:>7.2f} "
            f"{fig.server_cpu_ms:>10.2f}"
        )
    for fig in (bare, me, checkin):
        if fig.busy_before > 0.15 or fig.foreign > 0.1:
            print(
                f"  WARNING: other work on the machine during the {fig.name} run (busy "
                f"{fig.busy_before:.0%} just before it, {fig.foreign:.2f} cores used by other "
                f"processes during it): its figures are disturbed; run again when it is quiet"
            )
    verdict = "met" if ratio >= GOAL_RATIO and checkin.failures == 0 else "NOT met"
    print(
        f"  ratio check-in/bare throughput: {ratio:.1%} (goal ≥ {GOAL_RATIO:.0%}, 0 errors: "
        f"{verdict})"
    )
    print(
        f"  the floor, the cheapest authenticated request (GET /api/v1/me/: its token looked up, "
        f"a person answered): {floor:.1%} of the bare endpoint's throughput; the check-in "
        f"{checkin.rps / me.rps if me.rps else 0.0:.1%} of the floor's"
    )
    print(
        f"  SQL statements per check-in POST ({queries['samples']} sampled): min {queries['min']}, "
        f"median {queries['median']}, max {queries['max']}; the largest: {queries['by_kind']}; "
        f"by table: {queries['by_table']}"
    )
    print(
        f"  check-ins written during warm-up + run: {created:,} rows for {posted - failed:,} "
        f"successful POSTs; pool {len(pool):,} key results"
        + (" (exhausted: some key results got two check-ins)" if reused else "")
    )
    print(
        f"  load generator used {bare.locust_cpu:.2f} / {me.locust_cpu:.2f} / "
        f"{checkin.locust_cpu:.2f} cores (bare / me / check-in) of {os.cpu_count()}; "
        f"largest worker peak RSS {worker_peak} MiB"
    )
    data = {
        "target": target.label,
        "seed": seed,
        "workers": args.workers,
        "users": args.users,
        "duration": args.duration,
        "warmup": args.warmup,
        "bare": asdict(bare),
        "me": asdict(me),
        "checkin": asdict(checkin),
        "ratio": round(ratio, 6),
        "floor_ratio": round(floor, 6),
        "goal": GOAL_RATIO,
        "queries_per_checkin": queries,
        "checkins_created": created,
        "pool": len(pool),
        "pool_reused": reused,
        "worker_peak_mib": worker_peak,
        "machine": machine(),
    }
    print(f"  results: {save_result(f'checkin-{target.label}', data)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.checkin", description=__doc__.split("\n\n")[0]
    )
    add_target_arguments(parser)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (deploy.md: 3)")
    parser.add_argument("--users", type=int, default=32, help="concurrent locust users")
    parser.add_argument("--duration", type=int, default=30, help="seconds per measured run")
    parser.add_argument("--warmup", type=int, default=5, help="seconds of warm-up before each")
    parser.add_argument(
        "--people", type=int, default=1000, help="people given a token (12 key results each)"
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=None,
        help="for the pool's people, order and values; default: a new one each run (a re-run "
        "with the same seed would post the same values again, which changes fewer ancestors)",
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=600,
        help="seconds to wait at most for an idle machine before each measured run",
    )
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
