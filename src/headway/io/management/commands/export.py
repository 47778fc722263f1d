"""`headway export`: write one organization's goals as a goals file (headway.yaml), or one
kind of rows as a spreadsheet (--sheet KIND)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from headway.goals.snapshot import organization_goals
from headway.io.goalsfile import dump
from headway.io.sheet_import import sheet_export
from headway.io.sheets import FORMATS, KINDS, write_csv, write_xlsx
from headway.org.models import Organization


def organization_for(slug: str | None) -> Organization:
    """The organization a command names, or the only one there is; a clear error otherwise."""
    slugs = list(Organization.objects.order_by("slug").values_list("slug", flat=True))
    if slug is not None:
        found = Organization.objects.filter(slug=slug).first()
        if found is None:
            known = ", ".join(slugs) or "none yet"
            raise CommandError(f'no organization "{slug}"; known: {known}')
        return found
    if not slugs:
        raise CommandError("there is no organization yet; import a goals file first")
    if len(slugs) > 1:
        raise CommandError(
            f"{len(slugs)} organizations; choose one with --organization: {', '.join(slugs)}"
        )
    return Organization.objects.get(slug=slugs[0])


class Command(BaseCommand):
    help = (
        "Write an organization's goals as a goals file, or one kind of rows as a spreadsheet "
        "(--sheet), that `headway import` reads back."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organization", metavar="SLUG", help="needed when there are several")
        parser.add_argument("--output", metavar="FILE", help="write here instead of stdout")
        parser.add_argument(
            "--today",
            type=dt.date.fromisoformat,
            metavar="YYYY-MM-DD",
            help="the date written as `today:` (default: today)",
        )
        parser.add_argument(
            "--sheet",
            choices=list(KINDS),
            metavar="KIND",
            help=f"write this kind of rows as a spreadsheet instead: {', '.join(KINDS)}",
        )
        parser.add_argument(
            "--format",
            choices=FORMATS,
            help="the spreadsheet's format (default: from --output's suffix, else csv)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        organization = organization_for(options["organization"])
        if options["sheet"]:
            self.export_sheet(organization, options)
            return
        if options["format"]:
            raise CommandError("--format is for spreadsheets: give --sheet KIND too")
        text = dump(organization_goals(organization, today=options["today"]))
        output: str | None = options["output"]
        if output is None:
            self.stdout.write(text, ending="")
            return
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as error:
            raise CommandError(f"{output}: cannot write the file ({error.strerror})") from None
        if options["verbosity"] >= 1:
            self.stderr.write(f"wrote {organization.slug} to {output}")

    def export_sheet(self, organization: Organization, options: dict[str, Any]) -> None:
        kind = KINDS[options["sheet"]]
        output: str | None = options["output"]
        fmt = options["format"]
        if fmt is None:
            fmt = "xlsx" if output and output.lower().endswith(".xlsx") else "csv"
        rows = sheet_export(organization=organization, kind=kind.name, person=None)
        if fmt == "xlsx":
            if output is None:
                raise CommandError("an .xlsx export needs --output FILE")
            body = write_xlsx(kind.names, rows, sheet_name=kind.name)
        else:
            body = write_csv(kind.names, rows)
        if output is None:
            self.stdout.write(body.decode("utf-8-sig"), ending="")
            return
        try:
            Path(output).write_bytes(body)
        except OSError as error:
            raise CommandError(f"{output}: cannot write the file ({error.strerror})") from None
        if options["verbosity"] >= 1:
            self.stderr.write(
                f"wrote {len(rows)} {kind.title} row(s) of {organization.slug} to {output}"
            )
