"""`headway worker`: run queued background tasks and Headway's schedule of periodic jobs.

The queue is django-tasks' database backend, run by its own worker class (the one behind
`db_worker`: row locking, claiming, retries of locked SQLite databases). Between drains of the
queue this command queues the scheduled jobs whose slot has come (see `headway.notify.schedule`).
"""

from __future__ import annotations

import logging
import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, InvalidTaskBackendError, task_backends
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.management.commands import db_worker
from django_tasks_db.management.commands.db_worker import (
    Worker,
    valid_interval,
    validate_worker_id,
)

from headway.notify.schedule import jobs_enqueue_due, schedule_jobs


class Command(db_worker.Command):
    help = (
        "Run queued background tasks (emails, webhook deliveries) and the schedule of periodic "
        "jobs (check-in reminders, health snapshots). Several workers may share one database."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--once",
            action="store_true",
            help="Queue the scheduled jobs that are due now, run every queued task, then exit "
            "(for cron and tests).",
        )
        parser.add_argument(
            "--interval",
            default=1.0,
            type=valid_interval,
            help="Seconds to wait when there is nothing to do (default: %(default)s).",
        )
        parser.add_argument(
            "--queue-name",
            default="*",
            help="The queues to run, separated by commas; * for all (default: %(default)s).",
        )
        parser.add_argument(
            "--backend",
            default=DEFAULT_TASK_BACKEND_ALIAS,
            dest="backend_name",
            help="The task backend to run (default: %(default)s).",
        )
        parser.add_argument(
            "--worker-id",
            type=validate_worker_id,
            default=None,
            help="This worker's id, unique among the workers (default: a random one).",
        )
        parser.add_argument(
            "--no-schedule",
            action="store_false",
            dest="schedule",
            help="Only run queued tasks; leave the schedule to other workers.",
        )

    def say(self, verbosity: int, line: str) -> None:
        if verbosity:
            self.stdout.write(f"{timezone.now():%Y-%m-%d %H:%M:%S} {line}")

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = options["verbosity"]
        self.configure_logging(verbosity)
        if verbosity < 2:
            # The queue is drained between schedule checks: its "starting", "no more tasks" lines
            # would repeat every interval. Tasks starting and ending are still logged.
            logging.getLogger("django_tasks_db").setLevel(logging.WARNING)
        backend_name = options["backend_name"]
        try:
            backend = task_backends[backend_name]
        except InvalidTaskBackendError as error:
            raise CommandError(str(error)) from error
        jobs = schedule_jobs() if options["schedule"] else []
        worker_id = options["worker_id"] or get_random_string(32)
        drains = isinstance(backend, DatabaseBackend)
        worker = Worker(
            queue_names=options["queue_name"].split(","),
            interval=0,
            batch=True,  # run() returns when the queue is empty: then the schedule gets a turn
            backend_name=backend_name,
            startup_delay=False,
            max_tasks=None,
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        self.say(verbosity, f"Worker {worker_id} started.")
        for job in jobs:
            self.say(verbosity, f"Scheduled: {job.name} ({job.describe()}) runs {job.task}")
        if not drains:
            self.say(
                verbosity,
                f"The task backend {backend_name!r} runs each task as it is queued; this worker "
                "only keeps the schedule.",
            )
        once = options["once"]
        if not once:
            worker.configure_signals()
        seen: set[Any] = set()
        while True:
            for run in jobs_enqueue_due(
                jobs=jobs, now=timezone.now(), worker_id=worker_id, seen=seen
            ):
                slot = timezone.localtime(run.slot)
                self.say(verbosity, f"Queued {run.job} for its {slot:%Y-%m-%d %H:%M} slot.")
            if drains:
                worker.run()
            if once or not worker.running:
                break
            time.sleep(options["interval"])
        self.say(verbosity, f"Worker {worker_id} stopped.")
