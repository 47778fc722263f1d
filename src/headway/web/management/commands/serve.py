"""`headway serve`: run Headway on http://127.0.0.1:8000 (for production, see docs/deploy.md)."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

IMMEDIATE = "django_tasks.backends.immediate.ImmediateBackend"


class Command(BaseCommand):
    help = "Serve Headway on ADDRPORT (default 127.0.0.1:8000) with its static files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--reload", action="store_true", help="Restart when code changes.")
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="Do not start the background worker (reminders, webhooks) next to the server.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise CommandError("The database is not up to date: run `headway migrate` first.")
        addrport = options["addrport"]
        host = addrport.rsplit(":", 1)[0] if ":" in addrport else "127.0.0.1"
        port = addrport.rsplit(":", 1)[-1]
        worker = None
        if not options["no_worker"] and settings.TASKS["default"]["BACKEND"] != IMMEDIATE:
            # The worker runs queued tasks and the schedule (reminders, digests, snapshots).
            worker = subprocess.Popen([sys.executable, "-m", "headway", "worker"])
            self.stdout.write(f"The background worker is running (process {worker.pid}).")
        self.stdout.write(f"Headway is running at http://{host}:{port}/  (Ctrl+C stops it)")
        try:
            call_command("runserver", addrport, use_reloader=options["reload"], skip_checks=False)
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=10)
