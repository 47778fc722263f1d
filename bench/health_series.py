"""The health check after check-ins, next to the full check it replaces.

    .venv/bin/python -m bench.health_series --size L [--db sqlite|postgres] [--database-url URL]
        [--batches 1,10,100,1000] [--measurements 100] [--remembered 10000]

On a database made by `bench.generate`, in one transaction rolled back at the end (the database
stays as generated):

1. the baseline: the full check the worker ran after every batch of changes before
   (`health_findings_refresh`: the whole organization read, every rule run, findings stored);
2. for each batch size, that many check-ins recorded through `checkin_record` on key results
   drawn at random, then the check the worker now runs after them (`health_series_refresh`):
   their staleness checked again, their findings replaced. Timed with its SQL statements;
3. the same after `--measurements` KPI measurements (`measurement_record`);
4. the same for `--remembered` key results remembered at once (the rows that many check-ins
   leave behind, written directly: recording them one by one would take minutes), the most a
   check of the series takes before the full check runs instead.

Prints each check's seconds, statements and the findings it changed, the baseline and the
ratio, the process's peak memory; keeps it all in bench/results/health-series-<SIZE>-<db>.json.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from decimal import Decimal
from typing import Any

from bench.cpu import others_during, process_ticks
from bench.target import (
    add_target_arguments,
    machine,
    save_result,
    setup_django,
    target_from_arguments,
)


class _Rollback(Exception):
    pass


def timed(call: Any) -> tuple[Any, float, int]:
    """What `call()` returned, its seconds and its SQL statements."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        began = time.perf_counter()
        returned = call()
        seconds = time.perf_counter() - began
    return returned, seconds, len(queries)


def measure(args: argparse.Namespace, database: str) -> dict[str, Any]:
    from django.db import transaction
    from django.utils import timezone

    from headway.checkins.services import checkin_record
    from headway.goals.models import KeyResult
    from headway.health.models import HealthFinding, HealthSeriesChange
    from headway.health.services import (
        health_findings_refresh,
        health_series_marked,
        health_series_refresh,
    )
    from headway.indicators.models import Indicator
    from headway.indicators.services import measurement_record
    from headway.org.models import Organization

    organization = Organization.objects.order_by("pk").first()
    if organization is None:
        raise SystemExit("no organization: generate the data first")
    rng = random.Random(args.seed)
    today = timezone.localdate()
    key_results = list(
        KeyResult.objects.filter(
            organization=organization,
            state=KeyResult.State.ACTIVE,
            progress_source=KeyResult.Source.CHECK_INS,
            objective__period__start__lte=today,
            objective__period__end__gte=today,
        )
        .exclude(kind=KeyResult.Kind.MILESTONES)
        .select_related("objective", "owner")
        .order_by("pk")
    )
    indicators = list(Indicator.objects.filter(organization=organization).order_by("pk"))
    print(
        f"  {len(key_results):,} key results of the running period, {len(indicators):,} KPIs",
        file=sys.stderr,
    )
    checks: list[dict[str, Any]] = []

    def series_check(label: str, changes: int) -> None:
        before = HealthFinding.objects.filter(organization=organization).count()
        health_series_marked(organization.pk)  # what the commit does
        state, seconds, statements = timed(lambda: health_series_refresh(organization=organization))
        if state is None or state.series_checked_at is None:
            raise SystemExit("the series check did not run: a full check ran instead")
        after = HealthFinding.objects.filter(organization=organization).count()
        checks.append(
            {
                "check": label,
                "changes": changes,
                "seconds": round(seconds, 4),
                "statements": statements,
                "findings_before": before,
                "findings_after": after,
                "healthy": state.healthy,
                "checked": state.checked,
            }
        )
        print(
            f"  {label}: {seconds * 1000:,.1f} ms, {statements} statements, "
            f"findings {before:,} → {after:,}",
            file=sys.stderr,
        )

    result: dict[str, Any] = {}
    ticks, began = process_ticks(), time.perf_counter()
    try:
        with transaction.atomic():
            print("  the full check (baseline) ...", file=sys.stderr)
            state, seconds, statements = timed(
                lambda: health_findings_refresh(organization=organization)
            )
            assert state is not None
            result["full"] = {
                "seconds": round(seconds, 2),
                "statements": statements,
                "findings": HealthFinding.objects.filter(organization=organization).count(),
                "checked": state.checked,
                "healthy": state.healthy,
            }
            print(f"  full check: {seconds:,.1f} s, {statements} statements", file=sys.stderr)
            for size in args.batches:
                for kr in rng.sample(key_results, size):
                    value = None if kr.kind == KeyResult.Kind.BOOLEAN else kr.target
                    checkin_record(
                        key_result=kr,
                        value=Decimal(1) if value is None else value,
                        author=kr.owner,
                        confidence=rng.randint(0, 10),
                    )
                series_check(f"{size:,} check-ins", size)
            if args.measurements and indicators:
                for indicator in rng.sample(indicators, args.measurements):
                    measurement_record(indicator=indicator, date=today, value=Decimal(1))
                series_check(f"{args.measurements:,} measurements", args.measurements)
            if args.remembered:
                chosen = rng.sample(key_results, args.remembered)
                HealthSeriesChange.objects.bulk_create(
                    HealthSeriesChange(organization=organization, key_result_id=kr.pk)
                    for kr in chosen
                )
                series_check(f"{args.remembered:,} key results remembered", args.remembered)
            raise _Rollback
    except _Rollback:
        pass
    result["checks"] = checks
    result["others"] = others_during(ticks, time.perf_counter() - began, database)
    result["peak_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    add_target_arguments(parser)
    parser.add_argument("--batches", default="1,10,100,1000")
    parser.add_argument("--measurements", type=int, default=100)
    parser.add_argument("--remembered", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args(argv)
    args.batches = [int(n) for n in args.batches.split(",") if n]
    target = target_from_arguments(args)
    setup_django(target)
    print(f"health check after check-ins on {target.label}", file=sys.stderr)
    database = target.database_name if target.engine == "postgres" else ""
    result = measure(args, database)
    full = result["full"]["seconds"]
    print(f"\n  baseline, the full check: {full:,.1f} s")
    for check in result["checks"]:
        ratio = check["seconds"] / full if full else 0
        print(
            f"  {check['check']:>34}: {check['seconds'] * 1000:9,.1f} ms, "
            f"{check['statements']:3} statements, {ratio:.2%} of the full check"
        )
    print(f"  peak memory {result['peak_mib']:,.0f} MiB; others {result['others']} cores")
    result.update({"size": args.size, "db": target.engine, "machine": machine()})
    path = save_result(f"health-series-{args.size}-{target.engine}", result)
    print(f"  results: {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
