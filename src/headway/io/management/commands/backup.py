"""`headway backup FILE`: write one organization (or everything) to a versioned archive."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from headway.io.backup import BackupError, backup_write, hash_listing


class Command(BaseCommand):
    help = (
        "Write a consistent, versioned backup archive (zip) of one organization or of every "
        "organization, while the app keeps running. Prints each table's rows and hash."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="FILE", help="the archive to write, e.g. backup.zip")
        parser.add_argument(
            "--organization", metavar="SLUG", help="back up only this organization (default: all)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        verbose = options["verbosity"] >= 1

        def progress(table: str, rows: int) -> None:
            if verbose:
                self.stderr.write(f"  {table}: {rows} rows")

        try:
            manifest = backup_write(
                options["file"], organization=options["organization"], progress=progress
            )
        except BackupError as error:
            raise CommandError(str(error)) from None
        except OSError as error:
            raise CommandError(f"{options['file']}: cannot write ({error.strerror})") from None
        rows = sum(entry.rows for entry in manifest.tables)
        self.stdout.write(f"# {options['file']}: scope {manifest.scope}, {rows} rows")
        self.stdout.write("\n".join(hash_listing(manifest.tables)))
