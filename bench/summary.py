"""The weekly summary of a unit head at every depth of the tree, next to the bare SQL that
reads the same scope's running objectives and key results.

    .venv/bin/python -m bench.summary --size L [--db sqlite|postgres] [--database-url URL]
        [--runs 3] [--depths 1,2,...] [--timeout 900]

On a database made by `bench.generate` with its health findings stored (`bench.reads` stores
them; so does the worker), for each depth of the unit tree the first unit head at that depth
(by id), in a process of its own: the current week's summary made `--runs` + 1 times, each
timed in process (what a request spends on a small scope, and the worker on a large one), and
once more with the time inside SQL statements and their number recorded; then `/summary/`
opened `--runs` times through Django's test client (sign-in, the page, the template: what the
head waits, the summary read at once or shown as prepared). The baseline, in the same process:
a hand-written query reading the running objectives owned in the head's units with their key
results. Prints, for each depth, the scope's size, the summary's median, its SQL, the
baseline's median and the ratio, the page's median and the process's peak memory; keeps it
all in bench/results/summary-<SIZE>-<db>.json. A depth that runs past `--timeout` is recorded
as such.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from typing import Any

from bench.cpu import step_in_fresh_process
from bench.target import (
    add_target_arguments,
    machine,
    save_result,
    setup_django,
    target_from_arguments,
)

BARE_SQL = """
SELECT o.id, o.title, o.progress, o.status, kr.id, kr.title, kr.progress, kr.status
FROM goals_objective o
JOIN org_period p ON p.id = o.period_id
JOIN org_person ow ON ow.id = o.owner_id
LEFT JOIN org_unit u ON u.id = ow.unit_id
LEFT JOIN goals_keyresult kr ON kr.objective_id = o.id AND kr.state = 'active'
WHERE o.organization_id = %s AND o.state = 'active' AND p.start <= %s AND p."end" >= %s
  AND (u.path LIKE %s OR ow.id = %s)
"""


def heads_by_depth() -> dict[int, int]:
    """The first unit head (by unit id) at each depth of the tree."""
    from headway.org.models import Unit

    first: dict[int, int] = {}
    for path, head in (
        Unit.objects.filter(head__isnull=False).order_by("pk").values_list("path", "head_id")
    ):
        first.setdefault(path.strip("/").count("/") + 1, head)
    return dict(sorted(first.items()))


def step(head_id: int, runs: int) -> dict[str, Any]:
    """Make the head's summary `runs` + 1 times (what a request or the worker spends), then open
    the page `runs` times (what the head waits: read at once, or prepared), and read the same
    scope bare."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from headway.notify.prepared import prepared_by_worker, summary_body, summary_store
    from headway.notify.selectors import organization_now
    from headway.notify.summary import summary_for_page
    from headway.org.models import Person

    setup_test_environment()
    head = Person.objects.select_related("unit", "organization", "user").get(pk=head_id)
    made: list[float] = []
    summary: Any = None
    for _ in range(runs + 1):
        began = time.perf_counter()
        summary = summary_for_page(person=head, week=None)
        summary_body(summary)
        made.append((time.perf_counter() - began) * 1000)
    # Once more with the statements recorded, apart: recording them (the SQL of lists of
    # thousands of ids written out) costs time of its own.
    with CaptureQueriesContext(connection) as captured:
        summary_body(summary_for_page(person=head, week=None))
    sql_ms = sum(float(q["time"]) for q in captured.captured_queries) * 1000
    statements = len(captured.captured_queries)
    summary_store(summary)  # as the worker does for a large scope
    client = Client()
    client.force_login(head.user)
    served: list[float] = []
    for _ in range(runs):
        began = time.perf_counter()
        response = client.get("/summary/")
        served.append((time.perf_counter() - began) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"/summary/ answered {response.status_code} for person {head_id}")
    today = organization_now(head.organization).date()
    unit_path = head.unit.path if head.unit else "/none/"
    bare: list[float] = []
    rows = 0
    for _ in range(runs):
        with connection.cursor() as cursor:
            began = time.perf_counter()
            cursor.execute(BARE_SQL, [head.organization_id, today, today, f"{unit_path}%", head.pk])
            rows = len(cursor.fetchall())
            bare.append((time.perf_counter() - began) * 1000)
    made_ms = statistics.median(made[1:])
    bare_ms = statistics.median(bare)
    return {
        "head": head_id,
        "unit": head.unit.name if head.unit else "",
        "people": len(summary.scope.people),
        "objectives": len(summary.objectives),
        "key_results": summary.key_result_count,
        "findings": summary.findings_total,
        "first_ms": round(made[0], 1),
        "summary_ms": round(made_ms, 1),
        "summary_runs_ms": [round(t, 1) for t in made[1:]],
        "sql_ms": round(sql_ms, 1),
        "statements": statements,
        "prepared": prepared_by_worker(summary.scope, current=True),
        "page_ms": round(statistics.median(served), 1),
        "bare_ms": round(bare_ms, 1),
        "bare_rows": rows,
        "ratio": round(made_ms / bare_ms, 2) if bare_ms else None,
        "peak_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def run(args: argparse.Namespace) -> int:
    target = target_from_arguments(args)
    setup_django(target)
    heads = heads_by_depth()
    depths = [int(d) for d in args.depths.split(",")] if args.depths else list(heads)
    print(f"weekly summary pages on {target.label}: heads at depths {depths}", file=sys.stderr)
    results: dict[int, dict[str, Any]] = {}
    for depth in depths:
        if depth not in heads:
            continue
        command = [sys.executable, "-m", "bench.summary", "--step", str(heads[depth]),
                   "--runs", str(args.runs), "--size", args.size, "--db", args.db]  # fmt: skip
        if args.database_url:
            command += ["--database-url", args.database_url]
        database = target.database_name if target.engine == "postgres" else ""
        try:
            figures = step_in_fresh_process(
                command, database=database, what=f"depth {depth}", timeout=args.timeout
            )
        except subprocess.TimeoutExpired:
            results[depth] = {"head": heads[depth], "timeout_s": args.timeout}
            print(f"  depth {depth}: past {args.timeout} s, stopped", file=sys.stderr)
            continue
        results[depth] = figures
        served = "prepared by the worker" if figures["prepared"] else "read at once"
        print(
            f"  depth {depth} ({figures['unit']}, {figures['people']:,} people, "
            f"{figures['objectives']:,} objectives, {figures['key_results']:,} key results): "
            f"summary {figures['summary_ms']:,.0f} ms (first {figures['first_ms']:,.0f}), SQL "
            f"{figures['sql_ms']:,.0f} ms in {figures['statements']} statements; bare read "
            f"{figures['bare_ms']:,.1f} ms, ×{figures['ratio']}; page {figures['page_ms']:,.0f} "
            f"ms ({served}); {figures['peak_mib']:,.0f} MiB; others {figures['others']}",
            file=sys.stderr,
        )
    data = {"target": target.label, "runs": args.runs, "depths": results, "machine": machine()}
    print(f"  results: {save_result(f'summary-{target.label}', data)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.summary", description=__doc__.split("\n\n")[0]
    )
    add_target_arguments(parser)
    parser.add_argument("--runs", type=int, default=3, help="timed requests per head")
    parser.add_argument("--depths", default="", help="comma-separated depths (default: all)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per depth at most")
    parser.add_argument("--step", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.step:
        target = target_from_arguments(args)
        setup_django(target)
        print(json.dumps(step(args.step, args.runs)))
        return 0
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
