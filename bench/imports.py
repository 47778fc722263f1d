"""The import benchmarks: a large spreadsheet through the product's importer, next to a raw
batched insert of the same rows.

    .venv/bin/python -m bench.imports --size S [--db sqlite|postgres] [--database-url URL]
        [--measurements 1000000] [--key-results 100000] [--only measurements|key_results]

On a database made by `bench.generate`, writes two files (kept in bench/.data/<SIZE>-<db>/
imports/): a .csv of measurements (`--measurements` rows, every KPI of the organization on the
days after today) and an .xlsx of new key results (`--key-results` rows, three to an existing
objective of the running quarter). For each, in a fresh process:

1. the baseline: the file's rows parsed with the csv module / openpyxl, then inserted into the
   same table by multi-row INSERT statements, 1,000 rows each, in one transaction: the database's part
   of a bulk load, and nothing else (no checks, no audit rows, no derived values);
2. the import: `read_sheet` then `sheet_import` as `headway import FILE` runs them (all or
   nothing, every row checked, audit rows, derived values refreshed), with the sheet limits
   raised to hold the file.

Both run in a transaction that is rolled back at the end, so the database is left as it was and
the runs can be repeated: the commit is left out of both. Printed for each: the time end to end,
the time inside SQL statements (the database part), the statements run and the peak RSS of the
process; then the ratios of the import's database part and end-to-end time to the baseline's
insert (goal ≤ 3×).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
import resource
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.cpu import step_in_fresh_process
from bench.target import (
    RESULTS_DIR,
    Target,
    add_target_arguments,
    machine,
    save_result,
    setup_django,
    target_from_arguments,
)

GOAL_RATIO = 3.0
ROWS_PER_STATEMENT = 1_000
KINDS = ("measurements", "key_results")


class _Rollback(Exception):
    """Leave the database as it was."""


class SqlClock:
    """Time spent inside SQL statements, and how many ran (a connection execute wrapper)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.statements = 0

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - began
            self.statements += 1


@contextmanager
def copies_timed(clock: SqlClock) -> Iterator[None]:
    """Count COPY streams (psycopg's `Cursor.copy`, which execute wrappers do not see) in the
    clock: from the statement to the end of the stream, the rows' encoding included."""
    try:
        import psycopg
    except ImportError:
        yield
        return
    original = psycopg.Cursor.copy

    @contextmanager
    def timed(self: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:
        began = time.perf_counter()
        try:
            with original(self, *args, **kwargs) as copy:
                yield copy
        finally:
            clock.seconds += time.perf_counter() - began
            clock.statements += 1

    psycopg.Cursor.copy = timed  # type: ignore[method-assign]
    try:
        yield
    finally:
        psycopg.Cursor.copy = original  # type: ignore[method-assign]


@contextmanager
def rolled_back() -> Iterator[None]:
    from django.db import transaction

    try:
        with transaction.atomic():
            yield
            raise _Rollback
    except _Rollback:
        pass


def peak_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


# -- the files ----------------------------------------------------------------------------------
def files_dir(target: Target) -> Path:
    path = target.data_dir / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_measurements(target: Target, rows: int, seed: int) -> Path:
    """Every KPI of the organization, one value a day from tomorrow on, until `rows` rows."""
    from django.utils import timezone

    from headway.indicators.models import Indicator

    path = files_dir(target) / f"measurements-{rows}.csv"
    if path.exists():
        return path
    keys = list(
        Indicator.objects.filter(organization__slug=target.slug)
        .order_by("id")
        .values_list("key", flat=True)
    )
    rng = random.Random(seed)
    first = timezone.localdate() + dt.timedelta(days=1)
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["kpi", "date", "value"])
        for n in range(rows):
            day = first + dt.timedelta(days=n // len(keys))
            writer.writerow([keys[n % len(keys)], day.isoformat(), f"{rng.uniform(10, 1000):.2f}"])
    return path


def write_key_results(target: Target, rows: int, seed: int) -> Path:
    """New key results spread over the running quarter's personal objectives, three to each
    (more to each on an organization with fewer objectives than rows ÷ 3), until `rows`."""
    from django.utils import timezone

    from headway.goals.models import Objective
    from headway.io.sheets import write_xlsx

    path = files_dir(target) / f"key_results-{rows}.xlsx"
    if path.exists():
        return path
    today = timezone.localdate()
    objectives = list(
        Objective.objects.filter(
            organization__slug=target.slug,
            period__start__lte=today,
            period__end__gte=today,
            scope_person__isnull=False,
        )
        .order_by("id")
        .values_list("key", flat=True)
    )
    each = max(3, -(-rows // len(objectives)))
    objectives = objectives[: -(-rows // each)]
    rng = random.Random(seed)

    def lines() -> Iterator[list[Any]]:
        for n in range(rows):
            start = rng.randint(0, 50)
            yield [
                f"bench-kr-{n}", objectives[n // each], f"Raise metric {n} from {start} to 100",
                "", "number", "", start, 100, 1, rng.randint(3, 9), "check_ins",
            ]  # fmt: skip

    columns = ["key", "objective", "title", "owner", "kind", "direction", "start", "target",
               "weight", "confidence", "source"]  # fmt: skip
    path.write_bytes(write_xlsx(columns, lines(), sheet_name="key_results"))
    return path


def insert_batches(table: str, columns: str, rows: list[Any]) -> None:
    """A raw batched insert: one multi-row INSERT … VALUES statement per 1,000 rows, parameters
    bound by the driver, no ORM, no RETURNING."""
    from django.db import connection

    width = len(rows[0]) if rows else 0
    cell = "(" + ", ".join(["%s"] * width) + ")"
    with connection.cursor() as cursor:
        for begin in range(0, len(rows), ROWS_PER_STATEMENT):
            batch = rows[begin : begin + ROWS_PER_STATEMENT]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([cell] * len(batch))}",
                [value for row in batch for value in row],
            )


def copy_seconds(table: str, columns: str, rows: list[Any]) -> float | None:
    """PostgreSQL only: the same rows through COPY, in a transaction rolled back; seconds."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with rolled_back(), connection.cursor() as cursor:
        began = time.perf_counter()
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return time.perf_counter() - began


# -- one step, in a process of its own ----------------------------------------------------------
def _organization(target: Target) -> Any:
    from headway.org.models import Organization

    return Organization.objects.get(slug=target.slug)


def baseline_measurements(target: Target, path: Path) -> dict[str, Any]:
    from django.db import connection
    from django.utils import timezone

    from headway.indicators.models import Indicator

    org = _organization(target)
    began = time.perf_counter()
    ids = dict(Indicator.objects.filter(organization=org).values_list("key", "pk"))
    with open(path, newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        parsed = [(ids[k], dt.date.fromisoformat(d), Decimal(v)) for k, d, v in reader]
    parse = time.perf_counter() - began
    now = timezone.now()
    columns = (
        "created_at, updated_at, organization_id, indicator_id, date, value, note, source, "
        "recorded_by_id"
    )
    clock = SqlClock()
    with rolled_back(), connection.execute_wrapper(clock):
        began = time.perf_counter()
        values = [(now, now, org.pk, *row, "", "import", None) for row in parsed]
        insert_batches("indicators_measurement", columns, values)
        insert = time.perf_counter() - began
    copy = copy_seconds("indicators_measurement", columns, values)
    return {"rows": len(parsed), "parse": parse, "insert": insert, "sql": clock.seconds,
            "statements": clock.statements, "copy": copy}  # fmt: skip


def baseline_key_results(target: Target, path: Path) -> dict[str, Any]:
    import openpyxl
    from django.db import connection
    from django.utils import timezone

    from headway.goals.models import KeyResult, Objective

    org = _organization(target)
    began = time.perf_counter()
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    rows = list(workbook["key_results"].iter_rows(min_row=2, values_only=True))
    workbook.close()
    objectives = dict(Objective.objects.filter(organization=org).values_list("key", "pk"))
    owners = dict(Objective.objects.filter(organization=org).values_list("pk", "owner_id"))
    parse = time.perf_counter() - began
    now = timezone.now()
    fields = [f for f in KeyResult._meta.concrete_fields if not f.primary_key]
    prototype = KeyResult(organization_id=org.pk, created_at=now, updated_at=now)
    template = {
        f.attname: f.get_db_prep_save(getattr(prototype, f.attname), connection) for f in fields
    }
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    values = []
    for position, row in enumerate(rows):
        key, objective, title, _, kind, _, start, target_value, weight, confidence, source = row
        objective_id = objectives[objective]
        line = dict(template)
        line.update(
            objective_id=objective_id, key=key, title=title, owner_id=owners[objective_id],
            kind=kind, start=Decimal(start), target=Decimal(target_value), weight=Decimal(weight),
            confidence_start=confidence, progress_source=source, position=position + 3,
        )  # fmt: skip
        values.append([line[f.attname] for f in fields])
    clock = SqlClock()
    with rolled_back(), connection.execute_wrapper(clock):
        began = time.perf_counter()
        insert_batches("goals_keyresult", columns, values)
        insert = time.perf_counter() - began
    copy = copy_seconds("goals_keyresult", columns, values)
    return {"rows": len(values), "parse": parse, "insert": insert, "sql": clock.seconds,
            "statements": clock.statements, "copy": copy}  # fmt: skip


def import_file(target: Target, path: Path, kind: str) -> dict[str, Any]:
    from django.conf import settings
    from django.db import connection

    from headway.io.sheet_import import sheet_import
    from headway.io.sheets import read_sheet

    settings.HEADWAY_SHEET_MAX_ROWS = 5_000_000
    settings.HEADWAY_SHEET_MAX_BYTES = 1 << 30
    settings.HEADWAY_SHEET_MAX_UNZIPPED_BYTES = 1 << 31
    org = _organization(target)
    began = time.perf_counter()
    sheet = read_sheet(path.read_bytes(), filename=path.name, kind=kind)
    read = time.perf_counter() - began
    clock = SqlClock()
    with rolled_back(), connection.execute_wrapper(clock), copies_timed(clock):
        began = time.perf_counter()
        result = sheet_import(
            organization=org, kind=kind, rows=sheet.table, actor=None, dry_run=False,
            label=f"import {path.name}",
        )  # fmt: skip
        imported = time.perf_counter() - began
    if result.errors:
        raise SystemExit(f"the import refused the file: {[str(e) for e in result.errors[:5]]}")
    return {"rows": len(sheet.table.rows), "read": read, "import": imported,
            "sql": clock.seconds, "statements": clock.statements, "counts": result.counts}  # fmt: skip


def step(args: argparse.Namespace) -> int:
    target = target_from_arguments(args)
    setup_django(target)
    path = Path(args.file)
    began = time.perf_counter()
    if args.step == "baseline":
        figures = (baseline_measurements if args.kind == "measurements" else baseline_key_results)(
            target, path
        )
    else:
        figures = import_file(target, path, args.kind)
    figures["total"] = time.perf_counter() - began
    figures["peak_mib"] = peak_mib()
    print(json.dumps(figures, default=str))
    return 0


# -- the run ------------------------------------------------------------------------------------
def run_step(args: argparse.Namespace, kind: str, which: str, path: Path) -> dict[str, Any]:
    command = [
        sys.executable, "-m", "bench.imports", "--step", which, "--kind", kind,
        "--file", str(path), "--size", args.size, "--db", args.db,
    ]  # fmt: skip
    if args.database_url:
        command += ["--database-url", args.database_url]
    target = target_from_arguments(args)
    database = target.database_name if target.engine == "postgres" else ""
    return step_in_fresh_process(command, database=database, what=f"{which} of {kind}")


def run(args: argparse.Namespace) -> int:
    target = target_from_arguments(args)
    setup_django(target)
    print(f"import benchmark on {target.label}", file=sys.stderr)
    files = {}
    if args.only in (None, "measurements"):
        files["measurements"] = write_measurements(target, args.measurements, args.seed)
    if args.only in (None, "key_results"):
        files["key_results"] = write_key_results(target, args.key_results, args.seed)
    from django.db import connections

    connections.close_all()
    # Kept after each kind, with the other kind's figures of an earlier run (--only).
    previous = RESULTS_DIR / f"imports-{target.label}.json"
    results: dict[str, Any] = (
        json.loads(previous.read_text()).get("results", {}) if previous.exists() else {}
    )
    for kind, path in files.items():
        size = path.stat().st_size
        print(f"  {kind}: {path.name} ({size / 1024 / 1024:,.1f} MiB)", file=sys.stderr)
        baseline = run_step(args, kind, "baseline", path)
        print(f"    baseline: insert {baseline['insert']:,.1f} s", file=sys.stderr)
        imported = run_step(args, kind, "import", path)
        print(f"    import: {imported['read'] + imported['import']:,.1f} s", file=sys.stderr)
        results[kind] = {"file": path.name, "bytes": size, "baseline": baseline,
                         "import": imported}  # fmt: skip
        data = {"target": target.label, "results": results, "goal": GOAL_RATIO,
                "machine": machine()}  # fmt: skip
        saved = save_result(f"imports-{target.label}", data)
    report(target, results)
    print(f"  results: {saved}")
    return 0


def report(target: Target, results: dict[str, Any]) -> None:
    print(f"\nimports on {target.label} (each run in a transaction rolled back at its end)")
    print(
        f"  {'file':<34} {'rows':>10} {'end to end s':>12} {'read s':>7} {'SQL s':>7} "
        f"{'statements':>10} {'peak MiB':>8} {'others':>6}"
    )
    for kind, data in results.items():
        base, imp = data["baseline"], data["import"]
        print(
            f"  {'raw insert of ' + kind + ' (baseline)':<34} {base['rows']:>10,} "
            f"{base['parse'] + base['insert']:>12,.1f} {base['parse']:>7,.1f} {base['sql']:>7,.1f} "
            f"{base['statements']:>10,} {base['peak_mib']:>8,.0f} {base['others']:>6.2f}"
        )
        print(
            f"  {data['file']:<34} {imp['rows']:>10,} {imp['read'] + imp['import']:>12,.1f} "
            f"{imp['read']:>7,.1f} {imp['sql']:>7,.1f} {imp['statements']:>10,} "
            f"{imp['peak_mib']:>8,.0f} {imp['others']:>6.2f}"
        )
        if base.get("copy"):
            print(f"    (the same rows through COPY, for reference: {base['copy']:,.1f} s)")
        db = imp["sql"] / base["insert"] if base["insert"] else 0.0
        whole = (imp["read"] + imp["import"]) / (base["parse"] + base["insert"])
        verdict = "met" if db <= GOAL_RATIO else "NOT met"
        print(
            f"    database part ÷ raw insert: ×{db:,.1f} (goal ≤ {GOAL_RATIO:.0f}×: {verdict}); "
            f"end to end ÷ raw parse + insert: ×{whole:,.1f}; counts {imp['counts']}"
        )
        for label, fig in (("baseline", base), ("import", imp)):
            if fig["others"] > 0.1:
                print(
                    f"  WARNING: other processes used {fig['others']:.2f} cores during the {kind} "
                    f"{label}: its figures are disturbed; run again when it is quiet"
                )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.imports", description=__doc__.split("\n\n")[0]
    )
    add_target_arguments(parser)
    parser.add_argument("--measurements", type=int, default=1_000_000)
    parser.add_argument("--key-results", type=int, default=100_000)
    parser.add_argument("--only", choices=KINDS, default=None)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--step", choices=("baseline", "import"), help=argparse.SUPPRESS)
    parser.add_argument("--kind", choices=KINDS, help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    return step(args) if args.step else run(args)


if __name__ == "__main__":
    sys.exit(main())
