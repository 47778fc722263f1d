"""Set-based writes for the bulk paths (imports of many rows): ids taken from the table's own
sequence, rows copied in without building an ORM insert per row (COPY on PostgreSQL, one
prepared INSERT run over every row on SQLite), and the audit rows those writes owe.

The ORM's `bulk_create` spends most of its time preparing each value of each row (and, on
PostgreSQL, dumping whole columns as arrays for UNNEST): about 25 µs a row and field, ten times
the database's own work. Callers pass plain values here, ready for the database.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Iterable, Iterator, Sequence
from typing import Any, TypeVar

from django.db import connection, models
from django.utils import timezone

from headway.audit.models import AuditEvent
from headway.audit.services import changes_between, snapshot
from headway.org.models import Person

T = TypeVar("T")


def ids_reserve(model: type[models.Model], count: int) -> list[int]:
    """`count` new primary keys of `model`, never handed out again. The caller must be inside
    a transaction that writes (on SQLite, that transaction holds the only write lock)."""
    if count <= 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [row[0] for row in cursor.fetchall()]
        # SQLite, AUTOINCREMENT: past the highest id ever given; inserting explicit ids moves
        # the sequence on, so the ids taken here are never given again.
        cursor.execute(
            f"SELECT MAX(n) FROM (SELECT MAX(id) AS n FROM {connection.ops.quote_name(table)} "
            "UNION ALL SELECT seq FROM sqlite_sequence WHERE name = %s)",
            [table],
        )
        first = (cursor.fetchone()[0] or 0) + 1
        return list(range(first, first + count))


IN_BATCH = 10_000  # values per IN (…): SQLite takes at most 32,766 parameters in a statement
UPDATE_BATCH = 1_000  # rows up to which rows_update sends arrays rather than COPY


def batches(items: Sequence[T], size: int = IN_BATCH) -> Iterator[Sequence[T]]:
    """`items` in slices of at most `size`: one IN (…) or one statement each."""
    for begin in range(0, len(items), size):
        yield items[begin : begin + size]


def _plain_for_sqlite(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def rows_insert(
    model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Insert `rows` (values in the order of `fields`, attnames, ready for the database: dates,
    aware datetimes, Decimals, ids, JSON as text) into `model`'s table; how many."""
    meta = model._meta
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    column_of = {f.attname: f.column for f in meta.concrete_fields}
    columns = ", ".join(quote(column_of[name]) for name in fields)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        marks = ", ".join(["%s"] * len(fields))
        batch: list[list[Any]] = []
        for row in rows:
            batch.append([_plain_for_sqlite(value) for value in row])
            if len(batch) == 5_000:
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", batch)
            count += len(batch)
    return count


def _prepared(row: Any, columns: Sequence[Any]) -> list[Any]:
    """A model instance's values of `columns`, ready for the database: as they are for
    PostgreSQL's driver; dates and datetimes as text for SQLite, as Django stores them."""
    if connection.vendor == "postgresql":
        return [getattr(row, f.attname) for f in columns]
    return [_plain_for_sqlite(getattr(row, f.attname)) for f in columns]


def rows_update(model: type[models.Model], rows: Sequence[Any], fields: Collection[str]) -> int:
    """Store `fields` (and `updated_at`) of model instances `rows` in a few statements: on SQLite one prepared
    UPDATE run over every row; on PostgreSQL one UPDATE … FROM unnest(an array per column) for
    a few rows, or, for many, COPY into a temporary table and one UPDATE … FROM it. (Django's
    bulk_update writes a CASE per row and field: it was half of a full recompute.)"""
    if not rows or not fields:
        return 0
    now = timezone.now()
    for row in rows:
        row.updated_at = now
    columns: list[Any] = [model._meta.get_field(name) for name in [*sorted(fields), "updated_at"]]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = [quote(f.column) for f in columns]
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            assignments = ", ".join(f"{name} = %s" for name in names)
            cursor.executemany(
                f"UPDATE {table} SET {assignments} WHERE id = %s",
                [[*_prepared(row, columns), row.pk] for row in rows],
            )
            return len(rows)
        assignments = ", ".join(f"{name} = v.{name}" for name in names)
        if len(rows) <= UPDATE_BATCH:
            by_column = zip(*(_prepared(row, columns) for row in rows), strict=True)
            arrays = ", ".join(f"%s::{f.cast_db_type(connection)}[]" for f in columns)
            cursor.execute(
                f"UPDATE {table} SET {assignments} "
                f"FROM unnest(%s::bigint[], {arrays}) AS v(id, {', '.join(names)}) "
                f"WHERE {table}.id = v.id",
                [[row.pk for row in rows], *(list(column) for column in by_column)],
            )
            return len(rows)
        scratch = quote(f"derived_{model._meta.db_table}")
        typed = ", ".join(
            f"{name} {f.cast_db_type(connection)}" for name, f in zip(names, columns, strict=True)
        )
        cursor.execute(f"CREATE TEMPORARY TABLE {scratch} (id bigint, {typed})")
        with cursor.copy(f"COPY {scratch} FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row.pk, *_prepared(row, columns)])
        cursor.execute(
            f"UPDATE {table} SET {assignments} FROM {scratch} AS v WHERE {table}.id = v.id"
        )
        cursor.execute(f"DROP TABLE {scratch}")
    return len(rows)


AUDIT_FIELDS = (
    "organization_id", "at", "actor_id", "actor_label", "action", "object_type", "object_id",
    "object_repr", "changes",
)  # fmt: skip


def audit_row(
    instance: models.Model,
    *,
    action: str,
    actor: Person | None,
    before: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> tuple[Any, ...] | None:
    """The audit row `audit_record` would write for `instance` (saved or about to be, its pk
    set), as values in the order of AUDIT_FIELDS; None for an update that changed nothing."""
    changes = changes_between(before, snapshot(instance))
    if action == AuditEvent.Action.UPDATE and not changes:
        return None
    return (
        instance.organization_id,  # type: ignore[attr-defined]
        at or timezone.now(),
        actor.pk if actor else None,
        str(actor) if actor else "system",
        action,
        instance._meta.model_name or "",
        instance.pk,
        str(instance)[:300],
        json.dumps(changes),  # as JSONField stores it
    )
