"""The BI feed as files: one CSV and/or Parquet file per table, with a data dictionary
(`schema.json`, `README.md`), read in one consistent snapshot and streamed, so a table of ten
million rows never sits in memory: rows come from a server-side cursor (PostgreSQL) or SQLite's
own stepping in chunks of `READ_CHUNK`, and go to Parquet in row groups of `ROW_GROUP` rows.

Each file is written aside and renamed into place once complete, so a BI tool refreshing from the
directory while an export runs reads the previous file or the new one, never half of one.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.parquet as pq
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

import headway
from headway.bi.feed import (
    TABLES,
    ColumnType,
    Table,
    dictionary,
    dictionary_markdown,
    ordered_sql,
    parameter_count,
)

# The backup's read transaction: every table as of one moment, writers never blocked.
from headway.io.backup import read_snapshot
from headway.org.models import Organization

FORMATS = ("csv", "parquet")
READ_CHUNK = 5000  # rows fetched per round trip
ROW_GROUP = 100_000  # rows per Parquet row group

Progress = Callable[[str, int], None]  # (table, rows) once a table's files are written


class BiExportError(Exception):
    """An export refused or failed; the message is meant for the person running it."""


@dataclass
class Exported:
    """What an export wrote: per table, its rows and files."""

    directory: Path
    organization: str | None
    formats: tuple[str, ...]
    include_private: bool
    rows: dict[str, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)


def arrow_type(kind: ColumnType) -> pa.DataType:
    if kind.name == "decimal":
        return pa.decimal128(kind.precision, kind.scale)
    return {
        "integer": pa.int64(),
        "text": pa.string(),
        "boolean": pa.bool_(),
        "date": pa.date32(),
        "timestamp": pa.timestamp("us", tz="UTC"),
    }[kind.name]


def arrow_schema(table: Table) -> pa.Schema:
    return pa.schema(
        [
            pa.field(
                column.name,
                arrow_type(column.type),
                metadata={"description": column.description},
            )
            for column in table.columns
        ],
        metadata={"table": table.name, "grain": table.grain, "description": table.description},
    )


def table_rows(
    connection: BaseDatabaseWrapper,
    table: Table,
    *,
    organization_id: int | None = None,
    include_private: bool = False,
) -> Iterator[list[tuple[Any, ...]]]:
    """The table's rows in key order, in chunks, each value in its canonical Python form."""
    sql = ordered_sql(
        table, organization=organization_id is not None, include_private=include_private
    )
    params = [organization_id] * parameter_count(table) if organization_id is not None else None
    # Only the columns whose driver values need converting (dates on SQLite, decimals, …).
    readers = [
        (index, read)
        for index, column in enumerate(table.columns)
        if (read := column.type.reader()) is not None
    ]
    # A server-side cursor on PostgreSQL, so rows arrive a chunk at a time.
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(READ_CHUNK):
            rows = []
            for row in chunk:
                values = list(row)
                for index, read in readers:
                    if values[index] is not None:
                        values[index] = read(values[index])
                rows.append(tuple(values))
            yield rows


def _organization(organization: Organization | str | None, using: str) -> Organization | None:
    if organization is None or isinstance(organization, Organization):
        return organization
    organizations = Organization.objects.using(using)
    found = organizations.filter(slug=organization).first()
    if found is None:
        known = ", ".join(organizations.order_by("slug").values_list("slug", flat=True))
        raise BiExportError(f'no organization "{organization}"; known: {known or "none yet"}')
    return found


@contextmanager
def _replacing(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; once the block succeeds, it replaces `path`."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        yield partial
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


class _CsvSink:
    def __init__(self, stream: IO[str], table: Table) -> None:
        self.writer = csv.writer(stream, lineterminator="\n")  # None is written as ""
        self.writers = [
            (index, write)
            for index, column in enumerate(table.columns)
            if (write := column.type.writer()) is not None
        ]
        self.writer.writerow(table.column_names)

    def write(self, rows: Sequence[tuple[Any, ...]]) -> None:
        if not self.writers:
            self.writer.writerows(rows)
            return
        lines = []
        for row in rows:
            values = list(row)
            for index, write in self.writers:
                if values[index] is not None:
                    values[index] = write(values[index])
            lines.append(values)
        self.writer.writerows(lines)

    def close(self) -> None:
        pass


class _ParquetSink:
    def __init__(self, path: Path, table: Table) -> None:
        self.schema = arrow_schema(table)
        self.writer = pq.ParquetWriter(path, self.schema, compression="snappy")
        self.batches: list[pa.RecordBatch] = []
        self.buffered = 0

    def write(self, rows: Sequence[tuple[Any, ...]]) -> None:
        columns = list(zip(*rows, strict=True)) if rows else []
        arrays = [
            pa.array(values, type=f.type) for values, f in zip(columns, self.schema, strict=True)
        ]
        self.batches.append(pa.RecordBatch.from_arrays(arrays, schema=self.schema))
        self.buffered += len(rows)
        if self.buffered >= ROW_GROUP:
            self.flush()

    def flush(self) -> None:
        if self.batches:
            self.writer.write_table(
                pa.Table.from_batches(self.batches, schema=self.schema), row_group_size=ROW_GROUP
            )
        self.batches, self.buffered = [], 0

    def close(self) -> None:
        self.flush()
        self.writer.close()


def _export_table(
    connection: BaseDatabaseWrapper,
    table: Table,
    directory: Path,
    formats: tuple[str, ...],
    organization_id: int | None,
    include_private: bool,
) -> int:
    rows = 0
    with ExitStack() as stack:
        sinks: list[_CsvSink | _ParquetSink] = []
        if "csv" in formats:
            partial = stack.enter_context(_replacing(directory / f"{table.name}.csv"))
            stream = stack.enter_context(partial.open("w", encoding="utf-8", newline=""))
            sinks.append(_CsvSink(stream, table))
        if "parquet" in formats:
            partial = stack.enter_context(_replacing(directory / f"{table.name}.parquet"))
            sinks.append(_ParquetSink(partial, table))
        for chunk in table_rows(
            connection, table, organization_id=organization_id, include_private=include_private
        ):
            for sink in sinks:
                sink.write(chunk)
            rows += len(chunk)
        for sink in sinks:
            sink.close()  # inside the stack: the files are complete before they are renamed
    return rows


def _readme(exported: Exported, generated_at: str) -> str:
    scope = f"organization `{exported.organization}`" if exported.organization else "all"
    privacy = (
        "**Includes private objectives** (exported with --include-private): share with care."
        if exported.include_private
        else "Private objectives and everything under them are left out."
    )
    counts = "\n".join(f"| `{name}` | {rows} |" for name, rows in exported.rows.items())
    return (
        f"# Headway BI feed\n\n"
        f"Exported {generated_at} by Headway {headway.__version__}; scope: {scope}; "
        f"formats: {', '.join(exported.formats)}. {privacy}\n\n"
        f"The same tables are in the database as read-only views named `bi_<table>`. "
        f"`schema.json` holds this dictionary as data.\n\n"
        f"| table | rows |\n|---|---|\n{counts}\n\n"
        f"## Conventions\n\n"
        + "".join(f"- **{name}**: {text}\n" for name, text in dictionary()["conventions"].items())
        + f"\n## Tables\n\n{dictionary_markdown()}"
    )


def bi_export(
    directory: str | os.PathLike[str],
    *,
    organization: Organization | str | None = None,
    formats: Sequence[str] = FORMATS,
    include_private: bool = False,
    progress: Progress | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> Exported:
    """Write every table of the feed to `directory` (created if need be), as of one moment.

    `organization` (an Organization or its slug) limits the files to one tenant; without it every
    organization is in them, told apart by `organization_id`. Private objectives are left out
    unless `include_private`."""
    chosen = tuple(dict.fromkeys(formats))
    unknown = set(chosen) - set(FORMATS)
    if unknown or not chosen:
        raise BiExportError(f"formats are {', '.join(FORMATS)}; got {', '.join(chosen) or 'none'}")
    target = Path(directory)
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BiExportError(f"{target}: cannot create the directory ({error.strerror})") from None
    tenant = _organization(organization, using)
    exported = Exported(
        directory=target,
        organization=tenant.slug if tenant else None,
        formats=chosen,
        include_private=include_private,
    )
    connection = connections[using]
    generated_at = timezone.now().astimezone(dt.UTC).isoformat(timespec="seconds")
    with read_snapshot(connection):
        for table in TABLES:
            rows = _export_table(
                connection,
                table,
                target,
                chosen,
                tenant.pk if tenant else None,
                include_private,
            )
            exported.rows[table.name] = rows
            exported.files += [f"{table.name}.{extension}" for extension in chosen]
            if progress:
                progress(table.name, rows)
    schema = dictionary(include_private=include_private)
    schema.update(
        generated_at=generated_at,
        headway_version=headway.__version__,
        organization=exported.organization,
        formats=list(chosen),
    )
    for entry in schema["tables"]:
        entry["rows"] = exported.rows[entry["name"]]
        entry["files"] = [f"{entry['name']}.{extension}" for extension in chosen]
    with _replacing(target / "schema.json") as partial:
        partial.write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n", "utf-8")
    with _replacing(target / "README.md") as partial:
        partial.write_text(_readme(exported, generated_at), "utf-8")
    exported.files += ["schema.json", "README.md"]
    return exported
