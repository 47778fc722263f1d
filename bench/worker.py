"""The background worker's memory and time: every job of the schedule run once on a generated
database, each in a fresh process as `headway worker` would run it, with its peak RSS.

    .venv/bin/python -m bench.worker --size L --db postgres [--jobs health-snapshot,…]
        [--memory-cap 12] [--timeout 1800] [--check-in-day]

`headway worker` runs its tasks in its own process, one after the other, so its peak memory is
that of its hungriest job. Each job runs here in a transaction rolled back at its end (the
database stays as generated), with mail sent nowhere, under a cap on its address space
(`--memory-cap`, GiB: a job that needs more fails with MemoryError and is reported so, rather
than taking a shared machine down) and a time limit. Printed: seconds, peak RSS, what the task
returned, and the cores other processes used meanwhile.

The check-in reminders and the weekly summary send nothing but on the organization's check-in
day, at its hour. With `--check-in-day` they run as the worker runs them then: with the clock at
an hour past the cadence's hour on the latest check-in weekday up to today (the generated
check-ins run up to today), so every leader's summary and every reminder due that day is made.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import importlib
import json
import os
import resource
import subprocess
import sys
import time
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


# The jobs that act only on the check-in day, and the service each task runs with the clock.
CHECK_IN_DAY_JOBS = {
    "checkin-reminders": "headway.notify.services.checkin_digests_send",
    "weekly-summary": "headway.notify.summary.weekly_summaries_send",
}


def check_in_day_moment() -> dt.datetime:
    """An hour past the cadence's hour on the first organization's latest check-in weekday up
    to today, on its clocks."""
    from headway.notify.selectors import cadence_book, organization_now
    from headway.notify.summary import summary_moment
    from headway.org.models import Organization

    organization = Organization.objects.order_by("pk").first()
    if organization is None:
        raise SystemExit("no organization: generate the data first")
    cadence = cadence_book(organization_id=organization.pk).organization
    today = organization_now(organization).date()
    day = today - dt.timedelta(days=(today.weekday() - cadence.weekday) % 7)
    return summary_moment(organization, cadence, day) + dt.timedelta(hours=1)


def step(args: argparse.Namespace) -> int:
    """In the child: run one job, print what it cost as JSON."""
    cap = int(args.memory_cap * 1024**3)
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.dummy.EmailBackend"
    target = target_from_arguments(args)
    setup_django(target)
    from django.db import transaction

    from headway.notify.schedule import schedule_jobs

    job = next(j for j in schedule_jobs() if j.name == args.job)
    call = job.load().call
    outcome: dict[str, Any] = {"job": job.name, "task": job.task}
    if args.check_in_day and job.name in CHECK_IN_DAY_JOBS:
        module, _, name = CHECK_IN_DAY_JOBS[job.name].rpartition(".")
        service, now = getattr(importlib.import_module(module), name), check_in_day_moment()
        outcome["now"] = now.isoformat()
        call = functools.partial(service, now=now)
    began = time.perf_counter()
    try:
        with transaction.atomic():
            outcome["returned"] = str(call())[:200]
            raise _Rollback
    except _Rollback:
        outcome["status"] = "done"
    except MemoryError:
        outcome["status"] = f"MemoryError: needed more than the cap of {args.memory_cap:g} GiB"
    outcome["seconds"] = round(time.perf_counter() - began, 1)
    outcome["peak_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    if outcome["peak_mib"] >= 0.97 * args.memory_cap * 1024 and outcome["status"] == "done":
        # A task may catch the MemoryError itself (the health snapshot logs it and goes on).
        outcome["status"] = (
            f"reached the memory cap of {args.memory_cap:g} GiB (the task caught the "
            "MemoryError: its result is incomplete)"
        )
    print(json.dumps(outcome))
    return 0


def run(args: argparse.Namespace) -> int:
    target = target_from_arguments(args)
    setup_django(target)
    from headway.notify.schedule import schedule_jobs

    names = [j.name for j in schedule_jobs()]
    wanted = args.jobs.split(",") if args.jobs else names
    database = target.database_name if target.engine == "postgres" else ""
    results = []
    print(f"worker jobs on {target.label}", file=sys.stderr)
    for name in wanted:
        command = [
            sys.executable, "-m", "bench.worker", "--job", name, "--size", args.size,
            "--db", args.db, "--memory-cap", str(args.memory_cap),
        ]  # fmt: skip
        if args.check_in_day:
            command.append("--check-in-day")
        if args.database_url:
            command += ["--database-url", args.database_url]
        before = process_ticks()
        began = time.perf_counter()
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=args.timeout)
            lines = done.stdout.strip().splitlines()
            if done.returncode != 0 or not lines:
                outcome = {"job": name, "status": f"failed: {done.stderr.strip()[-300:]}"}
            else:
                outcome = json.loads(lines[-1])
        except subprocess.TimeoutExpired:
            outcome = {"job": name, "status": f"stopped after the time limit ({args.timeout} s)"}
        elapsed = time.perf_counter() - began
        outcome["others"] = others_during(before, elapsed, database)
        results.append(outcome)
        print(f"  {name}: {outcome.get('status')}", file=sys.stderr)
    print(f"\nworker jobs on {target.label}, each in a fresh process, rolled back at its end")
    print(f"  {'job':<22} {'seconds':>8} {'peak RSS MiB':>12} {'others':>6}  outcome")
    for outcome in results:
        print(
            f"  {outcome['job']:<22} {outcome.get('seconds', 0):>8,.1f} "
            f"{outcome.get('peak_mib', 0):>12,.0f} {outcome['others']:>6.2f}  "
            f"{outcome.get('status')}: {outcome.get('returned', '')}"
        )
        if outcome["others"] > 0.1:
            print(f"  WARNING: {outcome['others']:.2f} cores of other work during {outcome['job']}")
    peak = max((o.get("peak_mib", 0) for o in results), default=0)
    print(f"  the worker's peak: {peak:,.0f} MiB (its hungriest job)")
    data = {"target": target.label, "jobs": results, "peak_mib": peak,
            "memory_cap_gib": args.memory_cap, "check_in_day": args.check_in_day,
            "machine": machine()}  # fmt: skip
    name = f"worker-{target.label}" + ("-check-in-day" if args.check_in_day else "")
    print(f"  results: {save_result(name, data)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.worker", description=__doc__.split("\n\n")[0]
    )
    add_target_arguments(parser)
    parser.add_argument("--jobs", default="", help="job names, comma-separated (default: all)")
    parser.add_argument("--memory-cap", type=float, default=12.0, help="GiB per job")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per job")
    parser.add_argument(
        "--check-in-day",
        action="store_true",
        help="run the check-in reminders and the weekly summary as on the check-in day",
    )
    parser.add_argument("--job", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    return step(args) if args.job else run(args)


if __name__ == "__main__":
    sys.exit(main())
