"""`headway import FILE`: load a goals file, or one spreadsheet (.xlsx/.csv), into the database,
all or nothing."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from headway.io.goalsfile import GoalsFileError, load
from headway.io.importer import GoalsImportError, ImportResult, goals_import
from headway.io.management.commands.export import organization_for
from headway.io.sheet_import import SheetImportResult, sheet_import
from headway.io.sheets import KINDS, SheetReadError, limits, read_sheet, too_big_message

SHEET_SUFFIXES = (".xlsx", ".csv")


class _DryRun(Exception):
    """Raised inside the transaction so a dry run leaves nothing behind."""

    def __init__(self, result: ImportResult) -> None:
        self.result = result


class Command(BaseCommand):
    help = (
        "Import a goals file (headway.yaml), or a spreadsheet (.xlsx/.csv) of one kind of rows, "
        "into one organization, matching rows on their keys; importing the same file again "
        "changes nothing. Exit code 2: the file has problems, and nothing was imported."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file", help="a goals file (- reads standard input), or an .xlsx or .csv spreadsheet"
        )
        parser.add_argument(
            "--organization",
            metavar="SLUG",
            help="the organization to import into (goals file default: the file's slug or "
            "name; spreadsheet default: the only organization there is)",
        )
        parser.add_argument(
            "--kind",
            choices=list(KINDS),
            help="what a spreadsheet holds (default: the .xlsx sheet or the file named like "
            "one of the kinds)",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="validate against the database and report, then roll everything back",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        name: str = options["file"]
        if name.lower().endswith(SHEET_SUFFIXES):
            self.import_sheet(name, options)
            return
        if options["kind"]:
            raise CommandError("--kind is for spreadsheets (.xlsx or .csv files)")
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

    # -- spreadsheets ----------------------------------------------------------------------------
    def import_sheet(self, name: str, options: dict[str, Any]) -> None:
        path = Path(name)
        try:
            size = path.stat().st_size
            if size > limits().max_bytes:
                raise CommandError(f"{name}: {too_big_message(size)}", returncode=2)
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"{name}: cannot read the file ({error.strerror})") from None
        try:
            sheet = read_sheet(data, filename=name, kind=options["kind"])
        except SheetReadError as error:
            raise CommandError(f"{name}: {error}", returncode=2) from None
        kind = options["kind"] or (sheet.kind.name if sheet.kind else None)
        if kind is None:
            raise CommandError(
                f"{name}: say which kind of rows the file holds with --kind ({', '.join(KINDS)})"
            )
        organization = organization_for(options["organization"])
        result = sheet_import(
            organization=organization,
            kind=kind,
            rows=sheet.table,
            actor=None,
            dry_run=options["dry_run"],
            label=f"import {path.name}"[:300],
        )
        for warning in result.warnings:
            self.stderr.write(f"{name}: {warning}")
        if result.errors:
            for bad in result.errors:
                where = f"{name}:{bad.line}" if bad.line else name
                column = f" {bad.column}:" if bad.column else ""
                self.stderr.write(f"{where}:{column} {bad.message}")
            raise CommandError(
                f"{name}: {result.bad_lines} bad row(s); nothing was imported", returncode=2
            )
        self.report_sheet(result, organization.name, organization.slug, options)

    def report_sheet(
        self, result: SheetImportResult, org_name: str, slug: str, options: dict[str, Any]
    ) -> None:
        dry_run = options["dry_run"]
        verb = "would import" if dry_run else "imported"
        self.stdout.write(f"{verb} {result.kind.title} into {org_name} [{slug}]")
        for row in result.plan:
            if row.action == "unchanged" and options["verbosity"] < 2:
                continue
            changes = f" ({', '.join(row.changes)})" if row.changes else ""
            self.stdout.write(f"  line {row.line}: {row.action} {row.what}{changes}")
        counts = result.counts
        self.stdout.write(
            f"  {counts['create']} created, {counts['update']} updated, "
            f"{counts['unchanged']} unchanged"
        )
        if dry_run:
            self.stdout.write("dry run: nothing was saved")
        elif not result.changed:
            self.stdout.write("nothing changed: the database already holds this file")
