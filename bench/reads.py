"""The read benchmarks: the pages people open most, on a real server, next to baselines.

    .venv/bin/python -m bench.reads --size S [--db sqlite|postgres] [--database-url URL]

On a database made by `bench.generate` (same --size/--db): signs many people in (a session each,
written as a sign-in writes it), prepares a pool of pages each of them may open, counts the SQL
statements of one of each page in this process, then starts gunicorn on `bench.wsgi` with the
workers of docs/deploy.md and drives it with locust in headless mode:

- throughput, 32 users without pause: `GET /bench/bare/` (the baseline), the objective page and
  the scorecards (the organization's, a unit's, a person's); goal ≥ 70% of the bare throughput;
- latency, one user without pause (what a person waits for, no queueing): the alignment map's
  first screen and one expansion (goal p95 < 100 ms on L), the KPI overview of a division (its
  first page, and filtered to the red KPIs, which reads every KPI of the division), and the two
  pages above;
- the bare SQL query of the KPI overview (latest value, this period's value, target and
  red/amber/green of every KPI of the division, one statement) timed in this process;
- the largest peak RSS of a web worker during all of it.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from dataclasses import asdict
from typing import Any

from bench.load import Figures, Server, locust, percentile
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

LOCUSTFILE = BENCH_DIR / "locust_reads.py"
GOAL_READ_RATIO = 0.70
GOAL_MAP_P95_MS = 100.0
# "me", the floor: the cheapest request a signed-in session makes (its session and person read,
# the person answered in JSON), next to which the pages' cost may be read.
THROUGHPUT = (("me", "MeUser"), ("objective", "ObjectiveUser"), ("scorecard", "ScorecardUser"))
LATENCY = (
    ("map", "MapUser"),
    ("map_expand", "MapExpandUser"),
    ("kpis", "KpiUser"),
    ("kpis_status", "KpiStatusUser"),
    ("objective", "ObjectiveUser"),
    ("scorecard", "ScorecardUser"),
    ("health", "HealthUser"),
    ("kra", "KraUser"),
    ("summary", "SummaryUser"),
)
LABELS = {
    "bare": "GET /bench/bare/ (baseline)",
    "me": "GET /api/v1/me/ (the floor)",
    "objective": "objective page",
    "scorecard": "scorecards (org, unit, person)",
    "map": "alignment map, first screen",
    "map_expand": "alignment map, one expansion",
    "kpis": "KPI overview of a division, page 1",
    "kpis_status": "KPI overview of a division, red only",
    "health": "health page (stored findings)",
    "kra": "KRA page of one's unit",
    "summary": "weekly summary of a unit head",
}


# -- sessions and the pool ----------------------------------------------------------------------
def session_for(user: Any) -> str:
    """A signed-in session, as `django.contrib.auth.login` writes it."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    assert session.session_key is not None
    return session.session_key


def division_of(unit: Any, by_id: dict[int, Any]) -> Any:
    """The unit right under the root on the way up to `unit` (the unit itself at the top)."""
    ids = [int(part) for part in unit.path.strip("/").split("/") if part]
    return by_id[ids[1]] if len(ids) > 1 else unit


def prepare_pool(target: Target, people: int, seed: int) -> tuple[dict[str, list[list[str]]], dict]:
    """Sessions for `people` people and, for each, the pages of every kind they may open."""
    from django.db.models import Exists, OuterRef, Q

    from headway import access
    from headway.goals.models import Alignment, Objective, ResultArea
    from headway.org.models import Person, Unit

    sample = people_sample(target, people, seed)
    heads = list(
        Unit.objects.filter(organization=sample.organization, head__isnull=False)
        .order_by("pk")
        .values_list("head_id", flat=True)
    )
    chosen_heads = sample.rng.sample(heads, min(len(heads), max(1, people // 10)))
    org, period, today, chosen, rng = (
        sample.organization,
        sample.period,
        sample.today,
        sample.people,
        sample.rng,
    )
    persons = Person.objects.filter(pk__in=[*chosen, *chosen_heads]).select_related(
        "user", "unit", "organization"
    )
    units = {u.pk: u for u in Unit.objects.filter(organization=org)}
    kras: dict[int, int] = {}
    for unit_id, area_id in (
        ResultArea.objects.filter(organization=org, scope_unit__isnull=False)
        .order_by("-pk")
        .values_list("scope_unit_id", "pk")
    ):
        kras[unit_id] = area_id
    began = time.perf_counter()
    has_children = Exists(Alignment.objects.filter(parent_objective=OuterRef("pk"))) | Exists(
        Alignment.objects.filter(parent_key_result__objective=OuterRef("pk"))
    )
    top = list(
        Objective.objects.filter(
            organization=org, period=period, scope_unit__isnull=True, scope_person__isnull=True
        ).values_list("pk", flat=True)
    )
    pool: dict[str, list[list[str]]] = {name: [] for name in LABELS if name != "bare"}
    sampled = set(chosen)
    scopes: set[int] = set()
    for person in persons:
        cookie = session_for(person.user)
        unit = person.unit or units[min(units)]
        if unit.head_id == person.pk:
            pool["summary"].append([cookie, "/summary/"])
        if person.pk not in sampled:
            continue  # a unit head drawn for the weekly summary only
        chain = [int(part) for part in unit.path.strip("/").split("/") if part]
        objectives = [
            o
            for o in Objective.objects.filter(
                Q(scope_person=person) | Q(scope_unit_id__in=chain[-2:]),
                organization=org,
                period=period,
            ).select_related("scope_unit", "scope_person__unit", "owner")
            if access.objective_visible(person, o)
        ]
        for objective in objectives:
            pool["objective"].append([cookie, f"/objectives/{objective.pk}/"])
        pool["scorecard"] += [
            [cookie, "/scorecard/"],
            [cookie, f"/scorecard/unit/{unit.pk}/"],
            [cookie, f"/scorecard/person/{person.pk}/"],
        ]
        pool["map"].append([cookie, "/map/"])
        pool["me"].append([cookie, "/api/v1/me/"])
        expandable = list(
            Objective.objects.filter(organization=org, period=period, scope_unit_id__in=chain)
            .filter(has_children)
            .values_list("pk", flat=True)
        )
        for pk in [rng.choice(top), *rng.sample(expandable, min(2, len(expandable)))]:
            pool["map_expand"].append([cookie, f"/map/objective/{pk}/"])
        pool["health"].append([cookie, "/health/"])
        area = kras.get(unit.pk)
        if area is not None:
            pool["kra"].append([cookie, f"/kras/{area}/"])
        division = division_of(unit, units)
        if division.parent_id is None:
            continue  # people of the root unit: their "division" is the whole organization
        scopes.add(division.pk)
        pool["kpis"].append([cookie, f"/kpis/?unit={division.pk}"])
        pool["kpis_status"].append([cookie, f"/kpis/?unit={division.pk}&status=red"])
    print(
        f"  {len(chosen):,} people signed in, pool prepared in {time.perf_counter() - began:.1f} s",
        file=sys.stderr,
    )
    context = {"organization": org.pk, "period": period.pk, "scopes": sorted(scopes)}
    context["period_start"], context["period_end"] = period.start, min(period.end, today)
    return pool, context


def store_health_findings() -> dict[str, Any]:
    """What the worker does after changes: check the organization and store the findings the
    health pages read. Timed, as it is the price of pages that no longer run the checks."""
    from headway.health.models import HealthFinding
    from headway.health.services import health_findings_refresh
    from headway.org.models import Organization

    organization = Organization.objects.order_by("pk").first()
    assert organization is not None
    print("  checking the organization's health (the worker's job) ...", file=sys.stderr)
    began = time.perf_counter()
    state = health_findings_refresh(organization=organization)
    seconds = time.perf_counter() - began
    if state is None:
        raise SystemExit("a health check of the organization is marked running: try again later")
    findings = HealthFinding.objects.filter(organization=organization).count()
    print(f"  stored {findings:,} findings in {seconds:.1f} s", file=sys.stderr)
    return {"seconds": round(seconds, 2), "findings": findings, "checked": state.checked}


def count_queries(pool: dict[str, list[list[str]]]) -> dict[str, dict[str, Any]]:
    """SQL statements of three requests of each kind, sent in this process (warm session)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    counts: dict[str, dict[str, Any]] = {}
    for kind, entries in pool.items():
        numbers, sql, total = [], 0.0, 0.0
        for cookie, path in entries[:3]:
            client = Client(HTTP_HOST="127.0.0.1")
            client.cookies["sessionid"] = cookie
            began = time.perf_counter()
            with CaptureQueriesContext(connection) as captured:
                response = client.get(path)
            total += time.perf_counter() - began
            if response.status_code != 200:
                raise SystemExit(f"{path} answered {response.status_code}")
            numbers.append(len(captured.captured_queries))
            sql += sum(float(q["time"]) for q in captured.captured_queries)
        # The share of a request's time spent waiting for SQL (in this process, unloaded).
        counts[kind] = {
            "min": min(numbers),
            "max": max(numbers),
            "sql_share": round(sql / total, 2),
        }
    return counts


# -- the bare SQL of the KPI overview -----------------------------------------------------------
def _window(column: str) -> str:
    return (
        "FROM indicators_measurement m WHERE m.organization_id = i.organization_id "
        f"AND m.indicator_id = i.id AND m.date >= %s AND m.date <= %s{column}"
    )


BARE_KPIS = """
SELECT * FROM (
  SELECT k.*,
    CASE
      WHEN k.target IS NULL AND k.lower IS NULL THEN 'no_target'
      WHEN k.value IS NULL THEN 'no_data'
      WHEN k.direction = 'up' THEN CASE WHEN k.value >= k.target THEN 'green'
        WHEN k.value < COALESCE(k.red_below, k.target * 0.9) THEN 'red' ELSE 'amber' END
      WHEN k.direction = 'down' THEN CASE WHEN k.value <= k.target THEN 'green'
        WHEN k.value > COALESCE(k.red_above, k.target * 1.1) THEN 'red' ELSE 'amber' END
      WHEN k.value BETWEEN k.lower AND k.upper THEN 'green'
      WHEN k.value BETWEEN k.lower - COALESCE(k.tolerance, (k.upper - k.lower) * 0.1)
        AND k.upper + COALESCE(k.tolerance, (k.upper - k.lower) * 0.1) THEN 'amber'
      ELSE 'red'
    END AS rag
  FROM (
    SELECT i.id, i.name, i.direction, i.red_below, i.red_above, i.tolerance,
      t.value AS target, t.lower, t.upper,
      (SELECT m.value FROM indicators_measurement m WHERE m.organization_id = i.organization_id
        AND m.indicator_id = i.id ORDER BY m.date DESC LIMIT 1) AS latest_value,
      (SELECT m.date FROM indicators_measurement m WHERE m.organization_id = i.organization_id
        AND m.indicator_id = i.id ORDER BY m.date DESC LIMIT 1) AS latest_date,
      CASE i.aggregation
        WHEN 'sum' THEN (SELECT SUM(m.value) {window})
        WHEN 'mean' THEN (SELECT AVG(m.value) {window})
        WHEN 'min' THEN (SELECT MIN(m.value) {window})
        WHEN 'max' THEN (SELECT MAX(m.value) {window})
        ELSE (SELECT m.value {window_last})
      END AS value
    FROM (
      SELECT i.* FROM indicators_indicator i
      WHERE i.organization_id = %s AND (
        i.scope_unit_id IN (SELECT u.id FROM org_unit u WHERE u.organization_id = %s
          AND u.path LIKE %s)
        OR i.scope_person_id IN (SELECT p.id FROM org_person p JOIN org_unit u
          ON u.id = p.unit_id WHERE p.organization_id = %s AND u.path LIKE %s))
      ORDER BY i.name, i.id {first_page}
    ) i
    LEFT JOIN indicators_target t ON t.organization_id = i.organization_id
      AND t.indicator_id = i.id AND t.period_id = %s
  ) k
) r {status} ORDER BY r.name, r.id LIMIT 50
"""


def bare_kpi_sql(*, status: bool) -> str:
    """Page 1: the first 50 KPIs of the division by name, then their values; red only: every
    KPI of the division valued, the red ones kept, the first 50 of them."""
    return BARE_KPIS.format(
        window=_window(""),
        window_last=_window(" ORDER BY m.date DESC LIMIT 1"),
        first_page="" if status else "LIMIT 50",
        status="WHERE r.rag = 'red'" if status else "",
    )


def time_bare_sql(context: dict[str, Any], seconds: float) -> dict[str, dict[str, float]]:
    """The bare statement of each KPI overview, repeated over the pool's divisions for
    `seconds` each (after one unmeasured run per division), in this process."""
    from django.db import connection

    from headway.org.models import Unit

    paths = {u.pk: u.path for u in Unit.objects.filter(pk__in=context["scopes"])}
    results = {}
    for kind, status in (("kpis", False), ("kpis_status", True)):
        sql = bare_kpi_sql(status=status)
        times: list[float] = []
        rows = 0
        org = context["organization"]
        window = [context["period_start"], context["period_end"]] * 5
        deadline = None
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # The floor: PostgreSQL's JIT compiles this statement (its estimated cost is
                # high) and spends more time compiling than running it; the baseline does not.
                cursor.execute("SET jit = off")
            while deadline is None or time.perf_counter() < deadline:
                for path in paths.values():
                    params = [*window, org, org, f"{path}%", org, f"{path}%", context["period"]]
                    began = time.perf_counter()
                    cursor.execute(sql, params)
                    rows += len(cursor.fetchall())
                    if deadline is not None:
                        times.append(1000 * (time.perf_counter() - began))
                if deadline is None:
                    deadline = time.perf_counter() + seconds
        results[kind] = {
            "runs": len(times),
            "p50": round(percentile(times, 0.50), 2),
            "p95": round(percentile(times, 0.95), 2),
            "p99": round(percentile(times, 0.99), 2),
        }
    return results


def scope_sizes(context: dict[str, Any]) -> dict[str, int]:
    """How many KPIs the divisions hold, and how many measurements those KPIs have."""
    from django.db.models import Q

    from headway.indicators.models import Indicator, Measurement
    from headway.org.models import Unit

    sizes = []
    for unit in Unit.objects.filter(pk__in=context["scopes"]):
        kpis = Indicator.objects.filter(organization_id=context["organization"]).filter(
            Q(scope_unit__path__startswith=unit.path)
            | Q(scope_person__unit__path__startswith=unit.path)
        )
        sizes.append((kpis.count(), kpis.values("pk")))
    largest = max(sizes, key=lambda pair: pair[0])
    return {
        "divisions": len(sizes),
        "kpis_smallest": min(n for n, _ in sizes),
        "kpis_largest": largest[0],
        "measurements_of_largest": Measurement.objects.filter(
            organization_id=context["organization"], indicator__in=largest[1]
        ).count(),
        "measurements_total": Measurement.objects.filter(
            organization_id=context["organization"]
        ).count(),
    }


# -- the run ------------------------------------------------------------------------------------
def run(args: argparse.Namespace) -> int:
    target = target_from_arguments(args)
    setup_django(target)
    run_dir = target.data_dir / "reads-run"
    run_dir.mkdir(parents=True, exist_ok=True)
    print(f"read benchmark on {target.label}", file=sys.stderr)
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    health = store_health_findings()
    pool, context = prepare_pool(target, args.people, seed)
    for kind in args.skip:
        pool.pop(kind, None)
    queries = count_queries(pool)
    sizes = scope_sizes(context)
    print(f"  SQL statements per page: {queries}", file=sys.stderr)
    bare_sql = time_bare_sql(context, args.sql_seconds)
    print(f"  bare KPI SQL: {bare_sql}", file=sys.stderr)
    pool_file = run_dir / "pool.json"
    pool_file.write_text(json.dumps(pool))
    from django.db import connections

    connections.close_all()  # the server gets the database to itself

    server = Server(target, args.workers, run_dir)
    throughput: dict[str, Figures] = {}
    latency: dict[str, Figures] = {}
    common: dict[str, Any] = {
        "url": server.url,
        "run_dir": run_dir,
        "database": target.database_name if target.engine == "postgres" else "",
        "server_pid": server.process.pid,
        "env_extra": {"BENCH_POOL": str(pool_file)},
    }
    try:
        print(f"  server {server.url}: gunicorn, {args.workers} workers", file=sys.stderr)
        locust(LOCUSTFILE, "BareUser", users=args.users, seconds=args.warmup,
               name="bare-warmup", **common)  # fmt: skip
        throughput["bare"] = locust(
            LOCUSTFILE, "BareUser", users=args.users, seconds=args.duration, name="bare",
            quiet_wait=args.quiet_wait, **common,
        )  # fmt: skip
        print(f"  bare: {throughput['bare'].rps:,.0f} req/s", file=sys.stderr)
        for kind, user in THROUGHPUT:
            locust(LOCUSTFILE, user, users=args.users, seconds=args.warmup,
                   name=f"{kind}-warmup", **common)  # fmt: skip
            throughput[kind] = locust(
                LOCUSTFILE, user, users=args.users, seconds=args.duration, name=kind,
                quiet_wait=args.quiet_wait, **common,
            )  # fmt: skip
            print(f"  {kind}: {throughput[kind].rps:,.1f} req/s", file=sys.stderr)
        for kind, user in LATENCY:
            if not pool.get(kind):
                print(f"  {kind}: no page of this kind in the sample, skipped", file=sys.stderr)
                continue
            locust(LOCUSTFILE, user, users=1, seconds=args.warmup, name=f"{kind}-1-warmup",
                   **common)  # fmt: skip
            latency[kind] = locust(
                LOCUSTFILE, user, users=1, seconds=args.latency_duration, name=f"{kind}-1",
                quiet_wait=args.quiet_wait, **common,
            )  # fmt: skip
            print(f"  {kind}, one user: p95 {latency[kind].p95:,.0f} ms", file=sys.stderr)
        worker_peak = server.worker_peak_mib()
    finally:
        server.stop()
    report(target, args, throughput, latency, bare_sql, queries, sizes, worker_peak)
    data = {
        "target": target.label,
        "seed": seed,
        "workers": args.workers,
        "users": args.users,
        "duration": args.duration,
        "latency_duration": args.latency_duration,
        "people": args.people,
        "throughput": {k: asdict(v) for k, v in throughput.items()},
        "latency": {k: asdict(v) for k, v in latency.items()},
        "ratios": {
            k: round(v.rps / throughput["bare"].rps, 6)
            for k, v in throughput.items()
            if k != "bare" and throughput["bare"].rps
        },
        "bare_sql_ms": bare_sql,
        "queries": queries,
        "kpi_scopes": sizes,
        "health_check": health,
        "worker_peak_mib": worker_peak,
        "goals": {"read_ratio": GOAL_READ_RATIO, "map_p95_ms": GOAL_MAP_P95_MS},
        "machine": machine(),
    }
    print(f"  results: {save_result(f'reads-{target.label}', data)}")
    return 0


def report(
    target: Target,
    args: argparse.Namespace,
    throughput: dict[str, Figures],
    latency: dict[str, Figures],
    bare_sql: dict[str, dict[str, float]],
    queries: dict[str, dict[str, Any]],
    sizes: dict[str, int],
    worker_peak: float,
) -> None:
    bare = throughput["bare"]
    print(
        f"\nread pages on {target.label}: gunicorn {args.workers} workers; throughput with "
        f"{args.users} locust users for {args.duration} s, latency with one user for "
        f"{args.latency_duration} s"
    )
    header = (
        f"  {'page':<40} {'users':>5} {'requests':>9} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'p99 ms':>7} {'errors':>6} {'CPU ms/req':>10} {'others':>6}  {'SQL':>5}  vs baseline"
    )
    print(header)
    rows = [*throughput.items(), *latency.items()]
    for kind, fig in rows:
        share = fig.rps / bare.rps if bare.rps else 0.0
        if kind == "bare":
            versus = "baseline"
        elif kind == "me":
            versus = f"{share:.1%} of bare req/s (the floor)"
        elif fig.users > 1:
            met = "met" if share >= GOAL_READ_RATIO and fig.failures == 0 else "NOT met"
            versus = f"{share:.1%} of bare req/s (goal ≥ {GOAL_READ_RATIO:.0%}: {met})"
        elif kind.startswith("map"):
            met = "met" if fig.p95 < GOAL_MAP_P95_MS else "NOT met"
            versus = f"p95 goal < {GOAL_MAP_P95_MS:.0f} ms: {met}"
        elif kind in bare_sql:
            sql = bare_sql[kind]["p95"]
            versus = f"bare SQL p95 {sql:,.1f} ms: ×{fig.p95 / sql:,.1f}" if sql else ""
        else:
            versus = ""
        sql_count = queries.get(kind, {})
        statements = f"{sql_count['min']}–{sql_count['max']}" if sql_count else ""
        print(
            f"  {LABELS[kind]:<40} {fig.users:>5} {fig.requests:>9,} {fig.rps:>8,.1f} "
            f"{fig.p50:>7,.0f} {fig.p95:>7,.0f} {fig.p99:>7,.0f} {fig.failures:>6,} "
            f"{fig.server_cpu_ms:>10.1f} {fig.foreign:>6.2f}  {statements:>5}  {versus}"
        )
    for _, fig in rows:
        if fig.disturbed:
            print(
                f"  WARNING: other work on the machine during the {fig.name} run (busy "
                f"{fig.busy_before:.0%} just before it, {fig.foreign:.2f} cores used by other "
                "processes during it): its figures are disturbed; run again when it is quiet"
            )
    print(
        f"  KPI overview scopes: {sizes['divisions']} divisions of {sizes['kpis_smallest']:,}–"
        f"{sizes['kpis_largest']:,} KPIs (the largest with {sizes['measurements_of_largest']:,} "
        f"measurements; {sizes['measurements_total']:,} in the organization)"
    )
    for kind, sql in bare_sql.items():
        print(
            f"  bare SQL of the {LABELS[kind]}: p50 {sql['p50']:,.1f} ms, p95 {sql['p95']:,.1f} "
            f"ms, p99 {sql['p99']:,.1f} ms ({sql['runs']:,} runs)"
        )
    print(f"  largest web worker peak RSS: {worker_peak:,.0f} MiB")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.reads", description=__doc__.split("\n\n")[0]
    )
    add_target_arguments(parser)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (deploy.md: 3)")
    parser.add_argument("--users", type=int, default=32, help="locust users, throughput runs")
    parser.add_argument("--duration", type=int, default=30, help="seconds per throughput run")
    parser.add_argument(
        "--latency-duration", type=int, default=20, help="seconds per one-user latency run"
    )
    parser.add_argument("--warmup", type=int, default=5, help="seconds of warm-up before each")
    parser.add_argument("--sql-seconds", type=float, default=10, help="seconds of bare SQL runs")
    parser.add_argument("--people", type=int, default=200, help="people signed in for the pool")
    parser.add_argument("--seed", type=int, default=None, help="for the people and pages chosen")
    parser.add_argument(
        "--skip", action="append", default=[], choices=sorted(set(LABELS) - {"bare"}),
        help="leave out the pages of this kind (repeatable)",
    )  # fmt: skip
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=600,
        help="seconds to wait at most for an idle machine before each measured run",
    )
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
