"""The check-in POST benchmark: a real server, a real load generator, the baseline beside it.

    .venv/bin/python -m bench.checkin --size S [--db sqlite|postgres] [--database-url URL]

On a database made by `bench.generate` (same --size/--db): gives personal API tokens to many
people (through `token_create`), prepares a pool of (token, key result owned by that person)
pairs, counts the queries one check-in POST runs, then starts gunicorn on `bench.wsgi` (the
product's application plus the bench-only `/bench/bare/`) with the workers of docs/deploy.md,
and drives it with locust in headless mode: 32 users without pause, first against
`GET /bench/bare/`, then `POST /api/v1/check-ins/` (every request a different key result), each
after a warm-up. Prints requests/s, p50/p95/p99 latency and errors of both, and the ratio
(goal: the check-in at least 40% of the bare endpoint's throughput, with 0 errors).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import random
import resource
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.cpu import cpu_ticks, process_ticks, split_cpu, wait_quiet
from bench.target import (
    BENCH_DIR,
    Target,
    add_target_arguments,
    machine,
    save_result,
    setup_django,
    target_from_arguments,
)

TOKEN_NAME = "bench load test"
REPO = BENCH_DIR.parent
VENV_BIN = Path(sys.executable).parent
GOAL_RATIO = 0.40


@dataclass
class Figures:
    """One measured run, as locust reports it (latencies in milliseconds)."""

    name: str
    requests: int
    failures: int
    seconds: float
    rps: float
    p50: float
    p95: float
    p99: float
    mean: float
    cpu_busy: float  # share of all cores busy during the run (whole machine)
    busy_before: float  # share of all cores busy just before it
    foreign: float  # cores used by other work during the run (noise in the figures)
    server_cpu_ms: float  # CPU of gunicorn and its database backends per request
    locust_cpu: float  # cores used by the load generator itself


# -- preparing tokens and the pool --------------------------------------------------------------
def prepare_pool(target: Target, people: int, seed: int) -> list[list[Any]]:
    """Tokens for `people` people and, for each, the key results they own in the running
    quarter: a shuffled list of [token, key result id, value, confidence]."""
    from django.db import transaction
    from django.utils import timezone

    from headway.api.models import ApiToken
    from headway.api.services import token_create
    from headway.goals.models import KeyResult
    from headway.org.models import Organization, Period, Person

    org = Organization.objects.filter(slug=target.slug).first()
    if org is None:
        raise SystemExit(
            f"no organization {target.slug!r} in this database: run "
            f"`python -m bench.generate --size {target.size} --db {target.engine}` first"
        )
    today = timezone.localdate()
    period = Period.objects.filter(organization=org, start__lte=today, end__gte=today).first()
    if period is None:
        raise SystemExit("no period contains today: generate the database again")
    rng = random.Random(seed)
    candidates = list(
        Person.objects.filter(
            organization=org, active=True, user__isnull=False, role__in=["member", "leader"]
        )
        .order_by("id")
        .values_list("id", flat=True)
    )
    chosen = sorted(rng.sample(candidates, min(people, len(candidates))))
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
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn on bench.wsgi, started and stopped by this process only."""

    def __init__(self, target: Target, workers: int, run_dir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = target.environ()
        env["ALLOWED_HOSTS"] = "127.0.0.1,localhost"
        (run_dir / "access.log").unlink(missing_ok=True)
        self.log = open(run_dir / "gunicorn.log", "w")  # noqa: SIM115 - closed in stop()
        command = [
            str(VENV_BIN / "gunicorn"), "bench.wsgi:application",
            "--workers", str(workers),
            "--bind", f"127.0.0.1:{self.port}",
            "--access-logfile", str(run_dir / "access.log"),
            "--backlog", "2048",
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(self.url + "/bench/bare/", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise SystemExit(f"gunicorn did not start; see {run_dir / 'gunicorn.log'}")
            time.sleep(0.3)
        # One request through Django in every worker, so imports are not timed.
        for _ in range(workers * 2):
            with contextlib.suppress(OSError):
                urllib.request.urlopen(self.url + "/api/v1/health/", timeout=10).close()

    def worker_pids(self) -> list[int]:
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                pids.append(int(stat.parent.name))
        return pids

    def worker_peak_mib(self) -> float:
        """The largest peak resident size (VmHWM) of any worker so far."""
        peak = 0
        for pid in self.worker_pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peak = max(peak, int(line.split()[1]))
            except OSError:
                continue
        return round(peak / 1024, 1)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


# -- the load generator -----------------------------------------------------------------------------
def locust(
    user_class: str,
    *,
    url: str,
    users: int,
    seconds: int,
    run_dir: Path,
    name: str,
    pool_file: Path | None = None,
    offset: int = 0,
    quiet_wait: float = 0.0,
    database: str = "",
    server_pid: int = 0,
) -> Figures:
    prefix = run_dir / name
    env = dict(os.environ)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    if pool_file is not None:
        env["BENCH_POOL"] = str(pool_file)
        env["BENCH_POOL_OFFSET"] = str(offset)
    command = [
        str(VENV_BIN / "locust"), "-f", str(BENCH_DIR / "locustfile.py"), "--headless",
        "--users", str(users), "--spawn-rate", str(users), "--run-time", f"{seconds}s",
        "--host", url, "--csv", str(prefix), "--only-summary", "--stop-timeout", "10",
        "--exit-code-on-error", "0", "--loglevel", "WARNING", user_class,
    ]  # fmt: skip
    idle_check = wait_quiet(quiet_wait)
    before_processes = process_ticks()
    before_cpu = cpu_ticks()
    before_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    with open(run_dir / f"{name}.log", "w") as log:
        done = subprocess.run(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    elapsed = time.perf_counter() - began
    after_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    after_cpu = cpu_ticks()
    server_cpu, other_cpu = split_cpu(
        before_processes, process_ticks(), database=database, server_pid=server_pid
    )
    if done.returncode != 0:
        raise SystemExit(f"locust failed ({done.returncode}); see {run_dir / name}.log")
    with open(f"{prefix}_stats.csv") as handle:
        total = next(row for row in csv.DictReader(handle) if row["Name"] == "Aggregated")
    requests = int(total["Request Count"])
    locust_cpu = (after_children.ru_utime + after_children.ru_stime) - (
        before_children.ru_utime + before_children.ru_stime
    )

    def number(key: str) -> float:
        value = total.get(key) or "0"
        return float(value) if value != "N/A" else 0.0

    return Figures(
        name=name,
        requests=requests,
        failures=int(total["Failure Count"]),
        seconds=round(elapsed, 1),
        rps=round(number("Requests/s"), 1),
        p50=number("50%"),
        p95=number("95%"),
        p99=number("99%"),
        mean=round(number("Average Response Time"), 1),
        cpu_busy=round((after_cpu[0] - before_cpu[0]) / max(1, after_cpu[1] - before_cpu[1]), 3),
        locust_cpu=round(locust_cpu / elapsed, 2),
        busy_before=idle_check,
        foreign=round(other_cpu / elapsed, 2),
        server_cpu_ms=round(1000 * server_cpu / max(1, requests), 2),
    )


# -- the run ------------------------------------------------------------------------------------------
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
        locust("BareUser", seconds=args.warmup, name="bare-warmup", **common)
        results["bare"] = locust(
            "BareUser",
            seconds=args.duration,
            name="bare",
            quiet_wait=args.quiet_wait,
            **common,
        )
        print(f"  bare: {results['bare'].rps:,.0f} req/s", file=sys.stderr)
        before = CheckIn.objects.count()
        connections.close_all()
        warm = locust(
            "CheckInUser",
            seconds=args.warmup,
            name="checkin-warmup",
            pool_file=pool_file,
            offset=0,
            **common,
        )
        results["checkin"] = locust(
            "CheckInUser",
            seconds=args.duration,
            name="checkin",
            pool_file=pool_file,
            offset=warm.requests + 2 * args.users,
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
    bare, checkin = results["bare"], results["checkin"]
    ratio = checkin.rps / bare.rps if bare.rps else 0.0
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
        ("POST /api/v1/check-ins/", checkin),
    ):
        print(
            f"  {label:<34} {fig.requests:>9,} {fig.rps:>8,.1f} {fig.p50:>7.0f} {fig.p95:>7.0f} "
            f"{fig.p99:>7.0f} {fig.failures:>7,} {fig.cpu_busy:>9.0%} {fig.foreign:>7.2f} "
            f"{fig.server_cpu_ms:>10.2f}"
        )
    for fig in (bare, checkin):
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
        f"  load generator used {bare.locust_cpu:.2f} / {checkin.locust_cpu:.2f} cores "
        f"(bare / check-in) of {os.cpu_count()}; largest worker peak RSS {worker_peak} MiB"
    )
    data = {
        "target": target.label,
        "seed": seed,
        "workers": args.workers,
        "users": args.users,
        "duration": args.duration,
        "warmup": args.warmup,
        "bare": asdict(bare),
        "checkin": asdict(checkin),
        "ratio": round(ratio, 6),
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
