"""`headway import FILE`: load a goals file into the database, all or nothing."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from headway.io.goalsfile import GoalsFileError, load
from headway.io.importer import GoalsImportError, ImportResult, goals_import


class _DryRun(Exception):
    """Raised inside the transaction so a dry run leaves nothing behind."""

    def __init__(self, result: ImportResult) -> None:
        self.result = result


class Command(BaseCommand):
    help = (
        "Import a goals file (headway.yaml) into one organization, matching rows on their keys; "
        "importing the same file again changes nothing. Exit code 2: the file has problems."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the goals file; - reads standard input")
        parser.add_argument(
            "--organization",
            metavar="SLUG",
            help="the organization to import into (default: the file's slug or name)",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="validate against the database and report, then roll everything back",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        name: str = options["file"]
        text = self.read(name)
        try:
            goals = load(text, filename=name)
        except GoalsFileError as error:
            for problem in error.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"{name}: {len(error.problems)} problem(s); nothing was imported", returncode=2
            ) from None
        verbose = options["verbosity"] >= 1
        progress = (lambda line: self.stderr.write(f"  {line}")) if verbose else None
        try:
            with transaction.atomic():
                result = goals_import(
                    goals=goals, organization_slug=options["organization"], progress=progress
                )
                if options["dry_run"]:
                    raise _DryRun(result)
        except _DryRun as dry:
            result = dry.result
        except GoalsImportError as error:
            for refused in error.problems:
                self.stderr.write(str(refused))
            raise CommandError(
                f"{name}: {len(error.problems)} problem(s); nothing was imported", returncode=2
            ) from None
        self.report(result, dry_run=options["dry_run"])

    def read(self, name: str) -> str:
        if name == "-":
            return sys.stdin.read()
        try:
            return Path(name).read_text(encoding="utf-8")
        except OSError as error:
            raise CommandError(f"{name}: cannot read the file ({error.strerror})") from None

    def report(self, result: ImportResult, *, dry_run: bool) -> None:
        org = result.organization
        verb = "would import" if dry_run else "imported"
        created = " (new organization)" if result.organization_created else ""
        self.stdout.write(f"{verb} into {org.name} [{org.slug}]{created}")
        for line in result.summary():
            self.stdout.write(f"  {line}")
        if dry_run:
            self.stdout.write("dry run: nothing was saved")
        elif not result.changed:
            self.stdout.write("nothing changed: the database already holds this file")
