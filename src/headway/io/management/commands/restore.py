"""`headway restore FILE`: load a backup archive into an empty database and verify every table."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from headway.io.backup import BackupError, backup_restore, hash_listing


class Command(BaseCommand):
    help = (
        "Restore a backup archive into an empty database: migrate to the archive's schema, load "
        "the rows, check each table's hash against the archive, then migrate to the latest "
        "schema. Exits non-zero if any table differs."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="FILE", help="the archive `headway backup` wrote")

    def handle(self, *args: Any, **options: Any) -> None:
        verbose = options["verbosity"] >= 1

        def progress(table: str, rows: int) -> None:
            if verbose:
                self.stderr.write(f"  {table}: {rows} rows")

        try:
            restored = backup_restore(options["file"], progress=progress)
        except BackupError as error:
            raise CommandError(str(error)) from None
        if verbose and restored.migrated_to_archive:
            self.stderr.write(
                "migrated to the archive's schema first: " + ", ".join(restored.migrated_to_archive)
            )
        if verbose and restored.migrated_forward:
            self.stderr.write(
                f"then applied {len(restored.migrated_forward)} later migrations: "
                + ", ".join(restored.migrated_forward)
            )
        different = set(restored.different)
        marks = {e.table: "DIFFERENT" if e.table in different else "OK" for e in restored.tables}
        loaded = [restored.loaded.get(entry.table, entry) for entry in restored.tables]
        rows = sum(entry.rows for entry in loaded)
        self.stdout.write(
            f"# {options['file']}: scope {restored.scope}, written {restored.created_at} "
            f"by Headway {restored.headway_version} on {restored.database_vendor}; {rows} rows"
        )
        self.stdout.write("\n".join(hash_listing(loaded, marks)))
        if different:
            raise CommandError(
                f"{len(different)} tables differ from the archive: {', '.join(sorted(different))}"
            )
