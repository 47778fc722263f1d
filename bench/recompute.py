"""The full recompute: `recompute_organization` next to a hand-written SQL recompute of the same
numbers.

    .venv/bin/python -m bench.recompute --size S [--db sqlite|postgres] [--database-url URL]
        [--today YYYY-MM-DD] [--status-log pause|record]

On a database made by `bench.generate` (same --size/--db), three runs, each in a fresh process
and in a transaction rolled back at its end (the database stays as generated). Each run first
empties every stored derived value of the organization (key results: current, progress,
attainment, confidence, last check-in, status `no_data`; objectives: progress, status `no_data`),
so that every row must be computed and written again, then, timed:

1. the baseline, once to warm the caches (its figures are kept as the cold run);
2. the product: `headway.goals.rollup.recompute_organization(org, today=…)`;
3. the baseline again: the figure the ratio reads. Hand-written SQL, the same text on SQLite and
   PostgreSQL but for a few dialect words: each key result's latest check-in on or before
   min(today, its period's end) and the KPI value of the key results that follow one, then
   progress, attainment and pace status (DESIGN §3.1, §3.3) of every key result; each
   objective's depth in the alignment graph by one recursive query; then, depth by depth from
   the bottom, the key results fed by aligned objectives and the objectives (§3.2), each depth
   one UPDATE per table; finally one UPDATE … FROM per table.

After each run, still inside its transaction, the stored values are read back; the product's and
the baseline's are compared row by row (progress to 1e-6, status exactly). Prints the time, the
time inside SQL statements, the statements, the peak RSS of each run's process and other work on
the machine, the ratio product ÷ baseline (goal ≤ 2×) and the agreement; keeps it all in
bench/results/recompute-<SIZE>-<db>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import sys
import time
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.cpu import step_in_fresh_process
from bench.imports import SqlClock, copies_timed, rolled_back
from bench.target import (
    RESULTS_DIR,
    Target,
    add_target_arguments,
    machine,
    save_result,
    setup_django,
    target_from_arguments,
)

GOAL_RATIO = 2.0
TOLERANCE = 1e-6  # progress, attainment and current agree when this close
EXAMPLES = 5  # differences printed of each kind
MAX_DEPTH = 1000  # the alignment graph has no cycle; the recursive query stops here regardless
RUNS = (
    ("baseline_cold", "baseline", "hand-written SQL, first run (cold caches)"),
    ("product", "product", "recompute_organization (product)"),
    ("baseline", "baseline", "hand-written SQL (baseline)"),
)


def peak_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _organization(target: Target) -> Any:
    from headway.org.models import Organization

    org = Organization.objects.filter(slug=target.slug).first()
    if org is None:
        raise SystemExit(
            f"no organization {target.slug!r} in this database: run "
            f"`python -m bench.generate --size {target.size} --db {target.engine}` first"
        )
    return org


def invalidate(organization_id: int) -> None:
    """Empty every stored derived value, so that a recompute must compute and write every row.
    `no_data` (not an empty status) keeps the escalations quiet: a first standing is no turn."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE goals_keyresult SET current = NULL, progress = NULL, attainment = NULL, "
            "confidence = NULL, last_check_in_at = NULL, status = 'no_data' "
            "WHERE organization_id = %s",
            [organization_id],
        )
        cursor.execute(
            "UPDATE goals_objective SET progress = NULL, status = 'no_data' "
            "WHERE organization_id = %s",
            [organization_id],
        )


def capture(organization_id: int) -> dict[str, dict[str, list[Any]]]:
    """The stored derived values of every key result and objective, as text."""
    from django.db import connection

    def text(value: Any) -> str | None:
        return None if value is None else str(value)

    found: dict[str, dict[str, list[Any]]] = {"key_results": {}, "objectives": {}}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, progress, status, current, attainment, confidence, last_check_in_at "
            "FROM goals_keyresult WHERE organization_id = %s",
            [organization_id],
        )
        for pk, progress, status, current, attainment, confidence, last_at in cursor.fetchall():
            found["key_results"][str(pk)] = [
                text(progress),
                status,
                text(current),
                text(attainment),
                confidence,
                text(last_at),
            ]
        cursor.execute(
            "SELECT id, progress, status FROM goals_objective WHERE organization_id = %s",
            [organization_id],
        )
        for pk, progress, status in cursor.fetchall():
            found["objectives"][str(pk)] = [text(progress), status]
    return found


# -- the product ----------------------------------------------------------------------------
def product(organization: Any, today: dt.date) -> dict[str, Any]:
    from headway.goals.rollup import recompute_organization

    changed = recompute_organization(organization, today=today)
    return {"changed": changed}


# -- the baseline: hand-written SQL ---------------------------------------------------------------
@dataclass(frozen=True)
class Dialect:
    """The few words SQLite and PostgreSQL spell differently. On SQLite, values are floats: the
    start, target, bounds and the value a key result reads are compared as whole millionths
    (their stored precision), so that a status on a threshold is decided exactly."""

    postgres: bool
    today_iso: str

    @property
    def today(self) -> str:
        return f"DATE '{self.today_iso}'" if self.postgres else f"'{self.today_iso}'"

    def days(self, later: str, earlier: str) -> str:
        if self.postgres:
            return f"({later} - {earlier})"
        return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"

    def least(self, a: str, b: str) -> str:
        return f"{'LEAST' if self.postgres else 'MIN'}({a}, {b})"

    def exact(self, value: str) -> str:
        return value if self.postgres else f"CAST(ROUND({value} * 1000000) AS INTEGER)"


def _pace(d: Dialect, end: str) -> str:
    """Columns of the expected pace (§3.3) on a period starting at `p.start`: the share of it
    elapsed is `en / ed`, kept as a fraction so that statuses compare exactly."""
    elapsed = f"{d.days(d.today, 'p.start')} + 1"
    length = f"{d.days(end, 'p.start')} + 1"
    return f"""
        p.start AS period_start,
        CASE WHEN p.id IS NULL THEN NULL WHEN {length} <= 0 THEN 1 WHEN {elapsed} <= 0 THEN 0
             WHEN {elapsed} >= {length} THEN 1 ELSE {elapsed} END AS en,
        CASE WHEN p.id IS NULL THEN NULL WHEN {length} <= 0 OR {elapsed} <= 0
             OR {elapsed} >= {length} THEN 1 ELSE {length} END AS ed,
        CASE WHEN {elapsed} >= 1 THEN 1 ELSE 0 END AS started,
        CASE WHEN o.state = 'closed' OR p.state = 'closed' OR {d.today} > p."end"
             THEN 1 ELSE 0 END AS closed"""


def _status(row: str) -> str:
    """§3.3 (and §3.5 once closed) from a row's progress `pn / pd` without a division: exact
    for key results; for objectives `pn` sums stored progress, exact numerics on PostgreSQL and
    floats on SQLite (a mean within 1e-15 of a threshold could tip there)."""
    gap = f"({row}.en * {row}.pd - {row}.pn * {row}.ed)"
    return f"""CASE
        WHEN {row}.period_start IS NULL THEN 'no_data'
        WHEN {row}.started = 0 THEN 'not_started'
        WHEN {row}.pn IS NULL OR {row}.has_data = 0 THEN 'no_data'
        WHEN {row}.closed = 1 THEN CASE WHEN 20 * {row}.pn >= 13 * {row}.pd THEN 'green'
                                        WHEN 20 * {row}.pn >= 7 * {row}.pd THEN 'yellow'
                                        ELSE 'red' END
        WHEN 10 * {gap} <= {row}.ed * {row}.pd THEN 'on_track'
        WHEN 4 * {gap} <= {row}.ed * {row}.pd THEN 'at_risk'
        ELSE 'off_track' END"""


def _latest_check_ins(d: Dialect, org: int) -> str:
    """Per key result: the value of its latest check-in with one, and the confidence and time
    of its latest, on or before min(today, its period's end); one window over one sort."""
    as_of = d.least(f'COALESCE(p."end", {d.today})', d.today)
    return f"""
CREATE TEMPORARY TABLE rc_checkin AS
SELECT key_result_id,
       MAX(CASE WHEN value IS NOT NULL THEN value END) AS value,
       MAX(CASE WHEN latest = 1 THEN confidence END) AS confidence,
       MAX(CASE WHEN latest = 1 THEN created_at END) AS created_at
FROM (
    SELECT c.key_result_id, c.value, c.confidence, c.created_at,
           ROW_NUMBER() OVER w AS latest, COUNT(c.value) OVER w AS valued
    FROM checkins_checkin c
    JOIN goals_keyresult k ON k.id = c.key_result_id
    JOIN goals_objective o ON o.id = k.objective_id
    LEFT JOIN org_period p ON p.id = o.period_id
    WHERE c.organization_id = {org} AND c.date <= {as_of}
    WINDOW w AS (PARTITION BY c.key_result_id ORDER BY c.date DESC, c.id DESC)
) ranked
WHERE latest = 1 OR (valued = 1 AND value IS NOT NULL)
GROUP BY key_result_id"""


def _indicator_values(d: Dialect, org: int) -> str:
    """Per key result that follows a KPI: the KPI's measurements inside its period up to today
    (§3.6): their count, sum, least, greatest and the latest."""
    return f"""
CREATE TEMPORARY TABLE rc_indicator AS
SELECT s.key_result_id, s.aggregation, s.n, s.total, s.low, s.high, m.value AS last
FROM (
    SELECT k.id AS key_result_id, k.indicator_id, i.aggregation, COUNT(*) AS n,
           SUM(m.value) AS total, MIN(m.value) AS low, MAX(m.value) AS high,
           MAX(m.date) AS last_date
    FROM goals_keyresult k
    JOIN goals_objective o ON o.id = k.objective_id
    JOIN org_period p ON p.id = o.period_id
    JOIN indicators_indicator i ON i.id = k.indicator_id
    JOIN indicators_measurement m ON m.indicator_id = k.indicator_id
     AND m.organization_id = {org}
     AND m.date >= p.start AND m.date <= {d.least('p."end"', d.today)}
    WHERE k.organization_id = {org} AND k.progress_source = 'indicator'
    GROUP BY k.id, k.indicator_id, i.aggregation
) s
JOIN indicators_measurement m ON m.indicator_id = s.indicator_id AND m.date = s.last_date"""


def _key_results(d: Dialect, org: int) -> str:
    """Every key result scored from its check-ins or KPI (§3.1): progress `pn / pd` (clamped)
    and attainment `an / ad` as fractions of whole numbers; those fed by aligned objectives get
    theirs depth by depth later. The value read is `vraw / vd` (vd counts a KPI's mean)."""
    x = d.exact
    value = """CASE i.aggregation WHEN 'last' THEN i.last WHEN 'sum' THEN i.total
                   WHEN 'mean' THEN i.total WHEN 'min' THEN i.low ELSE i.high END"""
    follows = "k.progress_source = 'indicator' AND k.indicator_id IS NOT NULL AND p.id IS NOT NULL"
    linear = "direction IN ('increase', 'decrease')"
    ratio = f"{linear} AND s IS NOT NULL AND t IS NOT NULL AND t <> s AND vn IS NOT NULL"
    return f"""
CREATE TEMPORARY TABLE rc_kr AS
WITH base AS (
    SELECT k.id, k.objective_id, k.weight, k.state, k.progress_source AS source, k.direction,
           k.start, COALESCE(c.confidence, k.confidence_start) AS confidence,
           c.created_at AS last_at,
           {x("k.start")} AS s, {x("k.target")} AS t, {x("k.lower")} AS lo, {x("k.upper")} AS hi,
           CASE WHEN {follows} THEN {value} ELSE c.value END AS vraw,
           CASE WHEN {follows} THEN {x(value)} ELSE {x("c.value")} END AS vn,
           CASE WHEN {follows} AND i.aggregation = 'mean' THEN i.n ELSE 1 END AS vd,
           {_pace(d, 'COALESCE(k.due, p."end")')}
    FROM goals_keyresult k
    JOIN goals_objective o ON o.id = k.objective_id
    LEFT JOIN org_period p ON p.id = o.period_id
    LEFT JOIN rc_checkin c ON c.key_result_id = k.id
    LEFT JOIN rc_indicator i ON i.key_result_id = k.id
    WHERE k.organization_id = {org}
),
signed AS (
    SELECT base.*,
           CASE WHEN t > s THEN vn - s * vd ELSE s * vd - vn END AS num,
           CASE WHEN t > s THEN (t - s) * vd ELSE (s - t) * vd END AS den,
           CASE WHEN direction IN ('at_least', 'increase') THEN
                     CASE WHEN vn >= t * vd THEN 1 ELSE 0 END
                WHEN direction IN ('at_most', 'decrease') THEN
                     CASE WHEN vn <= t * vd THEN 1 ELSE 0 END
                ELSE CASE WHEN vn >= lo * vd AND vn <= hi * vd THEN 1 ELSE 0 END
           END AS met
    FROM base
),
scored AS (
    SELECT id, objective_id, weight, state, source, confidence, last_at,
           period_start, en, ed, started, closed,
           CASE WHEN source = 'children' THEN NULL
                WHEN vraw IS NULL THEN CASE WHEN {linear} THEN start END
                ELSE ROUND(vraw * 1.0 / vd, 6) END AS current,
           CASE WHEN source = 'children' THEN NULL
                WHEN {linear} THEN
                     CASE WHEN s IS NULL OR t IS NULL THEN NULL
                          WHEN t = s THEN CASE WHEN vn IS NULL THEN 0 ELSE met END
                          WHEN vn IS NULL OR num <= 0 THEN 0
                          WHEN num >= den THEN 1
                          ELSE num END
                WHEN vn IS NULL THEN 0
                ELSE met END AS pn,
           CASE WHEN source <> 'children' AND {ratio} AND num > 0 AND num < den THEN den
                ELSE 1 END AS pd,
           CASE WHEN source = 'children' THEN NULL
                WHEN {linear} THEN
                     CASE WHEN s IS NULL OR t IS NULL THEN NULL
                          WHEN t = s THEN CASE WHEN vn IS NULL THEN 0 ELSE met END
                          WHEN vn IS NULL THEN 0
                          ELSE num END
                WHEN vn IS NULL THEN 0
                ELSE met END AS an,
           CASE WHEN source <> 'children' AND {ratio} THEN den ELSE 1 END AS ad,
           CASE WHEN source <> 'children' AND NOT {linear} AND vn IS NULL THEN 0
                ELSE 1 END AS has_data
    FROM signed
)
SELECT scored.*, ROUND(pn * 1.0 / pd, 10) AS progress, ROUND(an * 1.0 / ad, 10) AS attainment
FROM scored"""


def _edges(org: int) -> str:
    """Alignments that carry progress up: to an objective that rolls up its children, or to a
    key result fed by them (whose objective then waits for the child)."""
    return f"""
CREATE TEMPORARY TABLE rc_edge AS
SELECT a.child_id AS child, a.parent_objective_id AS parent
FROM goals_alignment a JOIN goals_objective p ON p.id = a.parent_objective_id
WHERE a.organization_id = {org} AND p.rollup IN ('children', 'both')
UNION ALL
SELECT a.child_id, k.objective_id
FROM goals_alignment a JOIN goals_keyresult k ON k.id = a.parent_key_result_id
WHERE a.organization_id = {org} AND k.progress_source = 'children'"""


def _objectives(d: Dialect, org: int) -> str:
    """Every objective with its depth: 0 with nothing aligned below that it waits for, else one
    more than the deepest such child (one recursive query; UNION keeps each depth once)."""
    return f"""
CREATE TEMPORARY TABLE rc_obj AS
WITH RECURSIVE height(id, level) AS (
    SELECT id, 0 FROM goals_objective WHERE organization_id = {org}
    UNION
    SELECT e.parent, h.level + 1 FROM height h JOIN rc_edge e ON e.child = h.id
    WHERE h.level < {MAX_DEPTH}
)
SELECT o.id, o.rollup, o.state, levels.level, 1 AS has_data,
       CAST(NULL AS NUMERIC) AS pn, CAST(NULL AS NUMERIC) AS pd,
       CAST(NULL AS NUMERIC) AS progress,
       {_pace(d, 'p."end"')}
FROM goals_objective o
JOIN (SELECT id, MAX(level) AS level FROM height GROUP BY id) levels ON levels.id = o.id
LEFT JOIN org_period p ON p.id = o.period_id
WHERE o.organization_id = {org}"""


def _fed_key_results(org: int, level: int) -> str:
    """Key results of objectives at this depth fed by aligned objectives: the weighted mean of
    their children's stored progress (cancelled children and children without one left out)."""
    return f"""
UPDATE rc_kr SET pn = s.wp, pd = s.w, progress = ROUND(s.wp * 1.0 / s.w, 10),
                 attainment = ROUND(s.wp * 1.0 / s.w, 10)
FROM (
    SELECT a.parent_key_result_id AS id, SUM(a.weight * c.progress) AS wp, SUM(a.weight) AS w
    FROM rc_kr k
    JOIN rc_obj o ON o.id = k.objective_id
    JOIN goals_alignment a ON a.parent_key_result_id = k.id
    JOIN rc_obj c ON c.id = a.child_id
    WHERE o.level = {level} AND k.source = 'children' AND a.organization_id = {org}
      AND c.state <> 'cancelled' AND c.progress IS NOT NULL
    GROUP BY a.parent_key_result_id
) s
WHERE rc_kr.id = s.id AND s.w > 0"""


def _objective_level(org: int, level: int) -> str:
    """Objectives at this depth (§3.2): the weighted mean of their key results' and (by rollup)
    their aligned children's stored progress, cancelled items left out."""
    return f"""
UPDATE rc_obj SET pn = s.wp, pd = s.w, progress = ROUND(s.wp * 1.0 / s.w, 10)
FROM (
    SELECT items.id, SUM(items.weight * items.progress) AS wp, SUM(items.weight) AS w
    FROM (
        SELECT o.id, k.weight, k.progress
        FROM rc_obj o JOIN rc_kr k ON k.objective_id = o.id
        WHERE o.level = {level} AND o.rollup IN ('key_results', 'both')
          AND k.state <> 'cancelled' AND k.progress IS NOT NULL
        UNION ALL
        SELECT o.id, a.weight, c.progress
        FROM rc_obj o
        JOIN goals_alignment a ON a.parent_objective_id = o.id
        JOIN rc_obj c ON c.id = a.child_id
        WHERE o.level = {level} AND o.rollup IN ('children', 'both')
          AND a.organization_id = {org}
          AND c.state <> 'cancelled' AND c.progress IS NOT NULL
    ) items
    GROUP BY items.id
) s
WHERE rc_obj.id = s.id AND s.w > 0"""


WRITE_KEY_RESULTS = """
UPDATE goals_keyresult SET current = r.current, progress = r.progress,
       attainment = r.attainment, confidence = r.confidence, last_check_in_at = r.last_at,
       status = {status}, updated_at = %s
FROM rc_kr r WHERE goals_keyresult.id = r.id"""

WRITE_OBJECTIVES = """
UPDATE goals_objective SET progress = r.progress, status = {status}, updated_at = %s
FROM rc_obj r WHERE goals_objective.id = r.id"""


def baseline(organization: Any, today: dt.date) -> dict[str, Any]:
    """The hand-written SQL recompute; seconds per step."""
    from django.db import connection
    from django.utils import timezone

    d = Dialect(postgres=connection.vendor == "postgresql", today_iso=today.isoformat())
    org = int(organization.pk)
    steps: dict[str, float] = {}
    with connection.cursor() as cursor:

        def run(label: str, *statements: str, params: list[Any] | None = None) -> None:
            began = time.perf_counter()
            for sql in statements:
                cursor.execute(sql, params)
            steps[label] = steps.get(label, 0.0) + time.perf_counter() - began

        analyze = d.postgres  # temporary tables get no statistics unless asked
        run("latest check-ins", _latest_check_ins(d, org))
        run("KPI values", _indicator_values(d, org))
        run("key results", _key_results(d, org), "CREATE INDEX rc_kr_id ON rc_kr (id)")
        run("key results", "CREATE INDEX rc_kr_objective ON rc_kr (objective_id)")
        run("depths", _edges(org), "CREATE INDEX rc_edge_child ON rc_edge (child)")
        run("depths", _objectives(d, org), "CREATE INDEX rc_obj_id ON rc_obj (id)")
        run("depths", "CREATE INDEX rc_obj_level ON rc_obj (level)")
        if analyze:
            run("key results", "ANALYZE rc_kr")
            run("depths", "ANALYZE rc_edge", "ANALYZE rc_obj")
        cursor.execute("SELECT MAX(level) FROM rc_obj")
        deepest = cursor.fetchone()[0]
        for level in range(0 if deepest is None else deepest + 1):
            run("rollup, depth by depth", _fed_key_results(org, level))
            run("rollup, depth by depth", _objective_level(org, level))
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        run("write", WRITE_KEY_RESULTS.format(status=_status("r")), params=[now])
        run("write", WRITE_OBJECTIVES.format(status=_status("r")), params=[now])
        run("write", *(f"DROP TABLE {t}" for t in ("rc_checkin", "rc_indicator", "rc_kr")))
        run("write", "DROP TABLE rc_edge", "DROP TABLE rc_obj")
    return {
        "levels": 0 if deepest is None else deepest + 1,
        "steps": {label: round(seconds, 3) for label, seconds in steps.items()},
    }


# -- one run, in a fresh process ------------------------------------------------------------------
def step(args: argparse.Namespace) -> int:
    """One run in this process: invalidate, recompute (timed), read the values back, roll back.
    Prints its figures as JSON on the last line; the values go to `--values`."""
    target = target_from_arguments(args)
    setup_django(target)
    from django.db import connection

    from headway.goals import status_log

    org = _organization(target)
    today = dt.date.fromisoformat(args.today)
    connection.ensure_connection()
    start_mib = peak_mib()
    clock = SqlClock()
    with rolled_back():
        invalidate(org.pk)
        pause = status_log.paused() if args.status_log == "pause" else nullcontext()
        with pause, connection.execute_wrapper(clock), copies_timed(clock):
            began = time.perf_counter()
            figures = (product if args.step == "product" else baseline)(org, today)
            seconds = time.perf_counter() - began
        figures.update(
            seconds=round(seconds, 3),
            sql=round(clock.seconds, 3),
            statements=clock.statements,
            peak_mib=peak_mib(),  # before the values are read back
            start_mib=start_mib,
        )
        Path(args.values).write_text(json.dumps(capture(org.pk)))
    print(json.dumps(figures))
    return 0


def run_step(args: argparse.Namespace, target: Target, which: str, values: Path) -> dict[str, Any]:
    command = [
        sys.executable, "-m", "bench.recompute", "--step", which, "--today", args.today,
        "--status-log", args.status_log, "--values", str(values),
        "--size", args.size, "--db", args.db,
    ]  # fmt: skip
    if args.database_url:
        command += ["--database-url", args.database_url]
    database = target.database_name if target.engine == "postgres" else ""
    return step_in_fresh_process(command, database=database, what=f"the {which} run")


def vacuum(target: Target) -> None:
    """PostgreSQL: clear the row versions the previous run's rolled-back UPDATEs left behind
    and rebuild the two tables' indexes, which each run grew by an entry per row and index, so
    that every run, and whatever benchmark follows, starts from the tables as generated."""
    if target.engine != "postgres":
        return
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM goals_keyresult, goals_objective")
        cursor.execute("REINDEX TABLE goals_keyresult")
        cursor.execute("REINDEX TABLE goals_objective")


# -- agreement ------------------------------------------------------------------------------------
def _close(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(float(a) - float(b)) <= TOLERANCE


def _gap(a: str | None, b: str | None) -> float:
    return abs(float(a) - float(b)) if a is not None and b is not None else 0.0


def compare(product_values: dict[str, Any], baseline_values: dict[str, Any]) -> dict[str, Any]:
    """Row by row: progress (to 1e-6) and status; for key results also current, attainment (to
    1e-6), confidence and last check-in time. A few differing rows of each kind as examples."""
    result: dict[str, Any] = {}
    for table in ("key_results", "objectives"):
        ours, theirs = product_values[table], baseline_values[table]
        counts: dict[str, Any] = {"rows": len(ours), "missing": 0, "progress": 0, "status": 0}
        counts["other"] = 0
        largest = 0.0
        examples: dict[str, list[dict[str, Any]]] = {"progress": [], "status": [], "other": []}
        for pk, mine in ours.items():
            other = theirs.get(pk)
            if other is None:
                counts["missing"] += 1
                continue
            largest = max(largest, _gap(mine[0], other[0]))
            checks = {"progress": _close(mine[0], other[0]), "status": mine[1] == other[1]}
            if table == "key_results":
                checks["other"] = (
                    _close(mine[2], other[2])
                    and _close(mine[3], other[3])
                    and mine[4] == other[4]
                    and mine[5] == other[5]
                )
            for name, agrees in checks.items():
                if agrees:
                    counts[name] += 1
                elif len(examples[name]) < EXAMPLES:
                    examples[name].append({"id": int(pk), "product": mine, "baseline": other})
        if table == "objectives":
            del counts["other"], examples["other"]
        counts["largest_progress_gap"] = largest
        result[table] = {"counts": counts, "examples": examples}
    return result


# -- the run --------------------------------------------------------------------------------------
def _generated_today(target: Target) -> str | None:
    path = RESULTS_DIR / f"generate-{target.label}.json"
    if not path.exists():
        return None
    return json.loads(path.read_text()).get("today")


def coverage(organization_id: int) -> dict[str, int]:
    """Rows, and key results of a kind the baseline does not score (boolean or milestones:
    the generator makes none)."""
    from django.db.models import Q

    from headway.checkins.models import CheckIn
    from headway.goals.models import KeyResult, Objective

    krs = KeyResult.objects.filter(organization_id=organization_id)
    uncovered = Q(kind__in=[KeyResult.Kind.BOOLEAN, KeyResult.Kind.MILESTONES])
    uncovered |= Q(progress_source=KeyResult.Source.MILESTONES)
    return {
        "key_results": krs.count(),
        "objectives": Objective.objects.filter(organization_id=organization_id).count(),
        "check_ins": CheckIn.objects.filter(organization_id=organization_id).count(),
        "not_covered_by_baseline": krs.filter(uncovered).count(),
    }


def run(args: argparse.Namespace) -> int:
    target = target_from_arguments(args)
    setup_django(target)
    from django.db import connections
    from django.utils import timezone

    org = _organization(target)
    args.today = args.today or _generated_today(target) or timezone.localdate().isoformat()
    rows = coverage(org.pk)
    print(
        f"full recompute on {target.label}, today {args.today}: {rows['key_results']:,} key "
        f"results, {rows['objectives']:,} objectives, {rows['check_ins']:,} check-ins",
        file=sys.stderr,
    )
    if rows["not_covered_by_baseline"]:
        print(
            f"  note: {rows['not_covered_by_baseline']:,} key results are boolean or follow "
            "milestones, which the baseline does not score: they will differ",
            file=sys.stderr,
        )
    values_dir = target.data_dir / "recompute"
    values_dir.mkdir(parents=True, exist_ok=True)
    figures: dict[str, dict[str, Any]] = {}
    for name, which, label in RUNS:
        vacuum(target)
        connections.close_all()
        print(f"  {label} …", file=sys.stderr, flush=True)
        figures[name] = run_step(args, target, which, values_dir / f"{name}.json")
        print(f"    {figures[name]['seconds']:,.1f} s", file=sys.stderr)
    vacuum(target)
    agreement = compare(
        json.loads((values_dir / "product.json").read_text()),
        json.loads((values_dir / "baseline.json").read_text()),
    )
    base, prod = figures["baseline"], figures["product"]
    ratio = prod["seconds"] / base["seconds"] if base["seconds"] else 0.0
    data = {
        "target": target.label,
        "today": args.today,
        "status_log": args.status_log,
        "rows": rows,
        "product": prod,
        "baseline": base,
        "baseline_cold": figures["baseline_cold"],
        "ratio": round(ratio, 3),
        "goal": GOAL_RATIO,
        "agreement": agreement,
        "machine": machine(),
    }
    report(target, data)
    print(f"  results: {save_result(f'recompute-{target.label}', data)}")
    return 0


def report(target: Target, data: dict[str, Any]) -> None:
    rows = data["rows"]
    print(
        f"\nfull recompute on {target.label}, today {data['today']}: {rows['key_results']:,} key "
        f"results and {rows['objectives']:,} objectives, every derived value emptied first; each "
        f"run in a fresh process, in a transaction rolled back at its end (status log "
        f"{'paused' if data['status_log'] == 'pause' else 'recorded'})"
    )
    print(
        f"  {'run':<42} {'seconds':>8} {'SQL s':>7} {'statements':>10} {'peak RSS MiB':>12} "
        f"{'others':>6}"
    )
    for key, _, label in (RUNS[1], RUNS[2], RUNS[0]):
        fig = data[key]
        print(
            f"  {label:<42} {fig['seconds']:>8,.2f} {fig['sql']:>7,.2f} {fig['statements']:>10,} "
            f"{fig['peak_mib']:>12,.0f} {fig['others']:>6.2f}"
        )
    base = data["baseline"]
    steps = ", ".join(f"{label} {seconds:,.2f}" for label, seconds in base["steps"].items())
    print(f"    baseline steps (s): {steps}; {base['levels']} depths")
    print(f"    product rows written: {data['product']['changed']}")
    if target.engine == "sqlite":
        print(
            "    (on SQLite the SQL time counts running each statement, not stepping through the "
            "rows a SELECT returns: the product's reads are partly counted as Python)"
        )
    verdict = "met" if data["ratio"] <= GOAL_RATIO else "NOT met"
    print(
        f"  ratio product ÷ baseline: ×{data['ratio']:,.2f} (goal ≤ {GOAL_RATIO:.0f}×: {verdict})"
    )
    for key in ("product", "baseline", "baseline_cold"):
        if data[key]["others"] > 0.1:
            print(
                f"  WARNING: other processes used {data[key]['others']:.2f} cores during the {key} "
                "run: its figures are disturbed; run again when it is quiet"
            )
    print("  agreement, baseline against product:")
    for table, found in data["agreement"].items():
        counts = found["counts"]
        parts = [
            f"progress {counts['progress']:,}",
            f"status {counts['status']:,}",
        ]
        if "other" in counts:
            parts.append(f"current, attainment, confidence, last check-in {counts['other']:,}")
        missing = f", {counts['missing']:,} missing" if counts["missing"] else ""
        print(
            f"    {table.replace('_', ' ')}: of {counts['rows']:,} agree on "
            + ", ".join(parts)
            + f"{missing}; largest progress difference {counts['largest_progress_gap']:.1e}"
        )
        for kind, examples in found["examples"].items():
            for example in examples:
                print(
                    f"      differs on {kind}: id {example['id']}: product {example['product']}, "
                    f"baseline {example['baseline']}"
                )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.recompute", description=__doc__.split("\n\n")[0]
    )
    add_target_arguments(parser)
    parser.add_argument(
        "--today",
        default=None,
        help="the day values are computed for (YYYY-MM-DD); default: the generator's",
    )
    parser.add_argument(
        "--status-log",
        choices=("pause", "record"),
        default="pause",
        help="the product's status log during its run: paused (default; emptying the values "
        "made every status change, which the baseline does not log) or recorded",
    )
    parser.add_argument("--step", choices=("product", "baseline"), help=argparse.SUPPRESS)
    parser.add_argument("--values", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    return step(args) if args.step else run(args)


if __name__ == "__main__":
    sys.exit(main())
