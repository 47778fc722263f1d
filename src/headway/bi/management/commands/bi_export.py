"""`headway bi_export DIR`: the BI feed's tables as CSV and/or Parquet files, with a data
dictionary, for Power BI, Tableau, Excel or Metabase."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from headway.bi.export import FORMATS, BiExportError, bi_export


class Command(BaseCommand):
    help = (
        "Write the BI feed (dimension and fact tables) to DIR as CSV and/or Parquet files, with "
        "schema.json and README.md describing every column. Private objectives are left out "
        "unless --include-private. Prints each table's rows."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", metavar="DIR", help="where to write the files")
        parser.add_argument(
            "--organization", metavar="SLUG", help="only this organization (default: all)"
        )
        parser.add_argument(
            "--format",
            choices=[*FORMATS, "both"],
            default="both",
            help="which files to write (default: both)",
        )
        parser.add_argument(
            "--include-private",
            action="store_true",
            help="also export private objectives, their key results and check-ins "
            "(a BI tool shows every row to everyone who opens the report)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        verbose = options["verbosity"] >= 1
        formats = FORMATS if options["format"] == "both" else (options["format"],)

        def progress(table: str, rows: int) -> None:
            if verbose:
                self.stderr.write(f"  {table:<22} {rows:>9} rows")

        try:
            exported = bi_export(
                options["directory"],
                organization=options["organization"],
                formats=formats,
                include_private=options["include_private"],
                progress=progress,
            )
        except BiExportError as error:
            raise CommandError(str(error)) from None
        except OSError as error:
            raise CommandError(f"{options['directory']}: cannot write ({error})") from None
        scope = f"organization {exported.organization}" if exported.organization else "all"
        private = ", private objectives included" if exported.include_private else ""
        self.stdout.write(
            f"# {exported.directory}: scope {scope}{private}, "
            f"{sum(exported.rows.values())} rows in {len(exported.rows)} tables, "
            f"{len(exported.files)} files"
        )
