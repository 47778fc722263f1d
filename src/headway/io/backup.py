"""Backups: one organization (or the whole instance) as a consistent, versioned archive, and a
restore that gives back identical rows.

The archive is a zip: `manifest.json` and one JSON-lines file per table under `tables/`. A table
file is a header line (`{"columns": [...], "table": ...}`) and then one JSON array per row,
ordered by primary key, every value in a canonical form (decimals as text at the column's scale,
datetimes in UTC ISO 8601, JSON with sorted keys). A table's hash is the sha256 of that file, so
the same rows give the same hash on SQLite and PostgreSQL, and `sha256sum` on an extracted file
checks it by hand.

Tables are read and written through the models as the *applied migrations* define them (the
historical models Django's migrations use), not through the current code: an archive describes
the schema it was taken at, and a restore loads it into that same schema, then migrates forward.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from functools import reduce
from operator import or_
from pathlib import Path
from typing import IO, Any

from django.apps import apps as django_apps
from django.apps.registry import Apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.models import Q
from django.utils import timezone
from django.utils.duration import duration_string

import headway

FORMAT = "headway-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
TABLES_DIR = "tables/"
READ_CHUNK = 2000  # rows fetched per round trip while streaming a table out
WRITE_BATCH = 1000  # rows per INSERT batch while loading a table

Progress = Callable[[str, int], None]  # (table, rows) once a table is written or loaded
Node = tuple[str, str]  # (app label, migration name)


class BackupError(Exception):
    """A backup or restore refused or failed; the message is meant for the person running it."""


@dataclass(frozen=True)
class TableEntry:
    """One table of an archive: its columns (sorted), how many rows, and the sha256 of its file."""

    table: str
    model: str  # "app_label.modelname", the model as the recorded migrations define it
    columns: tuple[str, ...]
    rows: int
    sha256: str

    @property
    def file(self) -> str:
        return f"{TABLES_DIR}{self.table}.jsonl"


@dataclass
class Manifest:
    """What an archive holds: its format, where it came from, its schema and every table."""

    format_version: int
    headway_version: str
    created_at: str
    database_vendor: str
    organization: str | None  # the slug of the one organization backed up, or None for all
    migrations: dict[str, list[str]]  # app label -> applied migrations, as django_migrations says
    tables: list[TableEntry]

    @property
    def scope(self) -> str:
        return f"organization {self.organization}" if self.organization else "all"

    @property
    def hashes(self) -> dict[str, str]:
        return {entry.table: entry.sha256 for entry in self.tables}

    def to_json(self) -> str:
        data = asdict(self)
        data["tables"] = [{**asdict(entry), "file": entry.file} for entry in self.tables]
        return json.dumps(
            {"format": FORMAT, "scope": self.scope, **data}, indent=2, ensure_ascii=False
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> Manifest:
        try:
            data = json.loads(text)
        except ValueError:
            raise BackupError("not a Headway backup: manifest.json is not JSON") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise BackupError("not a Headway backup: manifest.json names no Headway format")
        version = data.get("format_version")
        if version != FORMAT_VERSION:
            raise BackupError(
                f"archive format version {version!r} is not supported; "
                f"this Headway ({headway.__version__}) reads version {FORMAT_VERSION}"
            )
        try:
            return cls(
                format_version=version,
                headway_version=str(data["headway_version"]),
                created_at=str(data["created_at"]),
                database_vendor=str(data["database_vendor"]),
                organization=data["organization"],
                migrations={app: list(names) for app, names in data["migrations"].items()},
                tables=[
                    TableEntry(
                        table=item["table"],
                        model=item["model"],
                        columns=tuple(item["columns"]),
                        rows=int(item["rows"]),
                        sha256=item["sha256"],
                    )
                    for item in data["tables"]
                ],
            )
        except (KeyError, TypeError, AttributeError, ValueError) as error:
            raise BackupError(f"manifest.json is incomplete or damaged ({error!r})") from None


@dataclass
class Restored(Manifest):
    """The archive's manifest, and what the restore found once the rows were loaded."""

    # Each table as loaded, hashed at the archive's schema (before any later migration ran).
    loaded: dict[str, TableEntry] = field(default_factory=dict)
    # Migrations run to bring the empty database to the archive's schema, then after loading.
    migrated_to_archive: list[str] = field(default_factory=list)
    migrated_forward: list[str] = field(default_factory=list)

    @property
    def different(self) -> list[str]:
        """The tables whose restored rows do not hash to what the archive recorded."""
        return [entry.table for entry in self.tables if self.loaded.get(entry.table) != entry]


# -- which tables -----------------------------------------------------------------------------
def _headway_labels() -> set[str]:
    return {
        config.label
        for config in django_apps.get_app_configs()
        if config.name.startswith("headway.")
    }


def _user_label() -> str:
    return settings.AUTH_USER_MODEL.lower()


def _relations(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if f.is_relation and f.related_model is not None]


def _backup_models(state_apps: Apps) -> list[type[models.Model]]:
    """Every table of the Headway apps, and the sign-in accounts people use, in an order where a
    row's foreign keys point to tables loaded before it (cycles are left to deferred checks)."""
    labels = _headway_labels()
    chosen = [
        model
        for model in state_apps.get_models(include_auto_created=True)
        if model._meta.app_label in labels and model._meta.managed and not model._meta.proxy
    ]
    if not any(model._meta.label_lower == "org.organization" for model in chosen):
        raise BackupError("the database has no Headway tables yet; run `headway migrate` first")
    chosen.insert(0, state_apps.get_model(settings.AUTH_USER_MODEL))  # org depends on it
    known = {model._meta.label_lower for model in chosen}
    for model in chosen:
        for relation in _relations(model):
            target = relation.related_model._meta.label_lower  # type: ignore[union-attr]
            if target not in known:
                raise BackupError(
                    f"{model._meta.db_table}.{relation.column} points to {target}, "
                    "which a backup does not hold"
                )
    return _dependency_order(chosen)


def _dependency_order(chosen: list[type[models.Model]]) -> list[type[models.Model]]:
    by_label = {model._meta.label_lower: model for model in chosen}
    needs = {
        label: {f.related_model._meta.label_lower for f in _relations(model)} - {label}  # type: ignore[union-attr]
        for label, model in by_label.items()
    }
    done: list[str] = []
    remaining = list(by_label)

    def in_cycle(start: str) -> bool:
        seen, stack = set(), [start]
        while stack:
            for label in needs[stack.pop()] - set(done):
                if label == start:
                    return True
                if label not in seen:
                    seen.add(label)
                    stack.append(label)
        return False

    while remaining:
        ready = [label for label in remaining if needs[label] <= set(done)]
        # A cycle (a unit's head is a person, a person's unit is a unit): foreign keys are
        # checked at commit, so take the first table of the cycle and carry on.
        for label in ready or [next(label for label in remaining if in_cycle(label))]:
            done.append(label)
            remaining.remove(label)
    return [by_label[label] for label in done]


def _scope(
    model: type[models.Model], organization_id: int, chosen: Iterable[type[models.Model]]
) -> Q:
    """The rows of one table that belong to the organization."""
    label = model._meta.label_lower
    names = {f.name for f in model._meta.concrete_fields}
    if label == "org.organization":
        return Q(pk=organization_id)
    if getattr(model, "backup_scope", None) == "installation":
        return Q(pk__in=[])  # the installation's own bookkeeping: only in a full backup
    if "organization" in names:
        return Q(organization_id=organization_id)
    if label == _user_label():
        # The accounts of the organization's people (and of anything else that names a user).
        linked = [
            Q(pk__in=other._base_manager.filter(organization_id=organization_id).values(f.attname))
            for other in chosen
            if "organization" in {g.name for g in other._meta.concrete_fields}
            for f in _relations(other)
            if f.related_model._meta.label_lower == label  # type: ignore[union-attr]
        ]
        return reduce(or_, linked, Q(pk__in=[]))
    for relation in _relations(model):
        if model._meta.auto_created and "organization" in {
            f.name
            for f in relation.related_model._meta.concrete_fields  # type: ignore[union-attr]
        }:
            return Q(**{f"{relation.name}__organization_id": organization_id})
    raise BackupError(
        f"cannot tell which organization the rows of {model._meta.db_table} belong to"
    )


# -- the canonical form of a row --------------------------------------------------------------
def _fields(model: type[models.Model]) -> list[models.Field]:
    """The stored columns, sorted by name: the same whatever order migrations added them in."""
    return sorted(model._meta.concrete_fields, key=lambda f: f.column)


def _value_field(f: models.Field) -> models.Field:
    if isinstance(f, models.ForeignKey):
        return f.target_field
    return f


# Values that are the same Python object on every database and go to the driver as they are.
_PLAIN = frozenset(
    [
        "AutoField",
        "BigAutoField",
        "SmallAutoField",
        "IntegerField",
        "BigIntegerField",
        "SmallIntegerField",
        "PositiveIntegerField",
        "PositiveBigIntegerField",
        "PositiveSmallIntegerField",
        "CharField",
        "TextField",
        "SlugField",
        "EmailField",
        "BooleanField",
    ]
)
Convert = Callable[[Any], Any] | None  # None: the value is kept as it is


def _encoder(f: models.Field) -> Convert:
    """How a column's value becomes JSON, the same on every database for the same stored value."""
    target = _value_field(f)
    kind = target.get_internal_type()
    if kind in _PLAIN:
        return None
    if kind == "JSONField":
        # Text, so JSON `null` stays apart from SQL NULL; keys sorted, as PostgreSQL reorders them.
        return lambda value: json.dumps(
            value, sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
    if kind == "DecimalField":
        places = Decimal(1).scaleb(-target.decimal_places)  # type: ignore[attr-defined]
        return lambda value: format(Decimal(value).quantize(places), "f")
    if kind == "DateTimeField":
        return lambda value: (
            value.astimezone(dt.UTC) if timezone.is_aware(value) else value
        ).isoformat()
    if kind in ("DateField", "TimeField"):
        return lambda value: value.isoformat()
    if kind == "DurationField":
        return duration_string
    if kind == "UUIDField":
        return str
    if kind == "BinaryField":
        return lambda value: base64.b64encode(bytes(value)).decode("ascii")
    return None


def _decoder(f: models.Field, connection: BaseDatabaseWrapper) -> Convert:
    """The inverse of `_encoder`: a JSON value ready for the database's driver."""
    target = _value_field(f)
    kind = target.get_internal_type()
    ops = connection.ops
    if kind in _PLAIN:
        return None
    if kind == "JSONField":
        encoder = target.encoder  # type: ignore[attr-defined]
        return lambda value: ops.adapt_json_value(json.loads(value), encoder)
    if kind == "DecimalField":
        digits, places = target.max_digits, target.decimal_places  # type: ignore[attr-defined]
        return lambda value: ops.adapt_decimalfield_value(Decimal(value), digits, places)
    if kind == "DateTimeField":
        return lambda value: ops.adapt_datetimefield_value(dt.datetime.fromisoformat(value))
    if kind == "DateField":
        return lambda value: ops.adapt_datefield_value(dt.date.fromisoformat(value))
    if kind == "BinaryField":
        return lambda value: f.get_db_prep_save(base64.b64decode(value), connection)
    return lambda value: f.get_db_prep_save(target.to_python(value), connection)


def _convert(converters: list[Convert], values: Iterable[Any]) -> list[Any]:
    return [
        value if convert is None or value is None else convert(value)
        for convert, value in zip(converters, values, strict=True)
    ]


def _line(data: Any) -> bytes:
    return (json.dumps(data, separators=(",", ":"), ensure_ascii=False) + "\n").encode()


def _header(table: str, columns: Iterable[str]) -> bytes:
    return _line({"columns": list(columns), "table": table})


def _digest(
    model: type[models.Model], where: Q | None, sink: IO[bytes] | None = None
) -> TableEntry:
    """Stream a table in primary-key order, hashing (and writing) its canonical lines."""
    fields = _fields(model)
    columns = tuple(f.column for f in fields)
    table = model._meta.db_table
    digest = hashlib.sha256()
    rows = 0
    queryset = model._base_manager.all() if where is None else model._base_manager.filter(where)
    values = queryset.order_by("pk").values_list(*(f.attname for f in fields))

    def emit(line: bytes) -> None:
        digest.update(line)
        if sink is not None:
            sink.write(line)

    encoders = [_encoder(f) for f in fields]
    emit(_header(table, columns))
    for row in values.iterator(chunk_size=READ_CHUNK):
        emit(_line(_convert(encoders, row)))
        rows += 1
    return TableEntry(table, model._meta.label_lower, columns, rows, digest.hexdigest())


# -- migrations -------------------------------------------------------------------------------
def _applied(loader: MigrationLoader) -> set[Node]:
    return {node for node in loader.applied_migrations or {} if node in loader.graph.nodes}


def _state_apps(loader: MigrationLoader, nodes: Iterable[Node]) -> Apps:
    return loader.project_state(sorted(nodes), at_end=True).apps


def _archive_targets(manifest: Manifest, loader: MigrationLoader) -> dict[str, Node]:
    """For each app whose tables the archive holds, the migration its rows were written at."""
    replaced_by = {
        old: key
        for key, migration in loader.replacements.items()
        if key in loader.graph.nodes
        for old in migration.replaces
    }
    targets: dict[str, Node] = {}
    for app in dict.fromkeys(entry.model.split(".")[0] for entry in manifest.tables):
        recorded = {(app, name) for name in manifest.migrations.get(app, [])}
        if not recorded:
            raise BackupError(f"manifest.json records no migration of {app!r}")
        nodes: set[Node] = set()
        for node in recorded:
            if node in loader.graph.nodes:
                nodes.add(node)
            elif (
                node in replaced_by
                and set(loader.replacements[replaced_by[node]].replaces) <= recorded
            ):
                nodes.add(replaced_by[node])
            else:
                raise BackupError(
                    f"the archive was written at a schema this Headway does not know "
                    f"(migration {node[0]}.{node[1]}); restore it with Headway "
                    f"{manifest.headway_version} or newer"
                )
        targets[app] = max(nodes, key=lambda node: len(loader.graph.forwards_plan(node)))
    return targets


def _refuse_in_transaction(connection: BaseDatabaseWrapper) -> None:
    if connection.in_atomic_block:
        raise BackupError(
            "this restore has to run migrations, which cannot run inside a transaction"
        )


def _migrate_to(connection: BaseDatabaseWrapper, targets: dict[str, Node]) -> list[str]:
    """Bring each app to the archive's migration, forwards on a fresh database or backwards on an
    empty one that is newer. Returns the apps moved, as `app.migration`."""
    moved = []
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    for app, node in targets.items():
        wanted = {n for n in loader.graph.forwards_plan(node) if n[0] == app}
        have = {n for n in _applied(loader) if n[0] == app}
        if wanted != have:
            _refuse_in_transaction(connection)
            call_command(
                "migrate", app, node[1], database=connection.alias, interactive=False, verbosity=0
            )
            moved.append(f"{app}.{node[1]}")
            loader = MigrationLoader(connection, ignore_no_migrations=True)
    return moved


def _migrate_forward(connection: BaseDatabaseWrapper) -> list[str]:
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        _refuse_in_transaction(connection)
        call_command("migrate", database=connection.alias, interactive=False, verbosity=0)
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


# -- backup -----------------------------------------------------------------------------------
@contextmanager
def read_snapshot(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """One read transaction, so every table is read as of the same moment while the app writes.

    PostgreSQL: REPEATABLE READ, READ ONLY — every query sees the snapshot of the first one.
    SQLite (WAL): a deferred BEGIN — the first read fixes the snapshot; writers go on committing
    and the reader does not see them. (Headway's IMMEDIATE mode would lock writers out, so the
    backup asks for DEFERRED just for its own transaction.) Inside a caller's transaction, that
    transaction is the snapshot.
    """
    if connection.in_atomic_block:
        yield
        return
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        mode = getattr(connection, "transaction_mode", None)
        connection.transaction_mode = "DEFERRED"  # type: ignore[attr-defined]
        try:
            with transaction.atomic(using=connection.alias):
                connection.transaction_mode = mode  # type: ignore[attr-defined]
                yield
        finally:
            connection.transaction_mode = mode  # type: ignore[attr-defined]
        return
    with transaction.atomic(using=connection.alias):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def _organization_slug(organization: models.Model | str | None) -> str | None:
    if organization is None or isinstance(organization, str):
        return organization
    return str(organization.slug)  # type: ignore[attr-defined]


def _organization_id(state_apps: Apps, slug: str) -> int:
    organizations = state_apps.get_model("org", "Organization")._base_manager
    found = organizations.filter(slug=slug).values_list("pk", flat=True).first()
    if found is None:
        known = ", ".join(organizations.order_by("slug").values_list("slug", flat=True))
        raise BackupError(f'no organization "{slug}"; known: {known or "none yet"}')
    return int(found)


def _entries(
    state_apps: Apps,
    slug: str | None,
    write: Callable[[str], IO[bytes]] | None = None,
    progress: Progress | None = None,
) -> list[TableEntry]:
    chosen = _backup_models(state_apps)
    organization_id = _organization_id(state_apps, slug) if slug else None
    entries = []
    for model in chosen:
        where = None if organization_id is None else _scope(model, organization_id, chosen)
        if write is None:
            entry = _digest(model, where)
        else:
            with write(f"{TABLES_DIR}{model._meta.db_table}.jsonl") as sink:
                entry = _digest(model, where, sink)
        entries.append(entry)
        if progress:
            progress(entry.table, entry.rows)
    return entries


def table_entries(
    *, organization: models.Model | str | None = None, using: str = DEFAULT_DB_ALIAS
) -> list[TableEntry]:
    """Every backed-up table of the database as it is now: rows and canonical hash."""
    connection = connections[using]
    with read_snapshot(connection):
        loader = MigrationLoader(connection, ignore_no_migrations=True)
        return _entries(_state_apps(loader, _applied(loader)), _organization_slug(organization))


def table_hashes(
    *, organization: models.Model | str | None = None, using: str = DEFAULT_DB_ALIAS
) -> dict[str, str]:
    """{table: sha256} of the rows a backup of this scope would hold, computed canonically."""
    return {e.table: e.sha256 for e in table_entries(organization=organization, using=using)}


def backup_write(
    path: str | os.PathLike[str],
    *,
    organization: models.Model | str | None = None,
    progress: Progress | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> Manifest:
    """Write one organization (or everything) to a zip archive, read in one snapshot.

    The archive appears at `path` only once complete (written aside, then renamed)."""
    target = Path(path)
    partial = target.with_name(f".{target.name}.partial")
    connection = connections[using]
    slug = _organization_slug(organization)
    try:
        with (
            zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive,
            read_snapshot(connection),
        ):
            loader = MigrationLoader(connection, ignore_no_migrations=True)
            applied = _applied(loader)

            def write(name: str) -> IO[bytes]:
                return archive.open(name, "w", force_zip64=True)

            tables = _entries(_state_apps(loader, applied), slug, write, progress)
            migrations: dict[str, list[str]] = {}
            for app, name in sorted(applied):
                migrations.setdefault(app, []).append(name)
            manifest = Manifest(
                format_version=FORMAT_VERSION,
                headway_version=headway.__version__,
                created_at=timezone.now().astimezone(dt.UTC).isoformat(),
                database_vendor=connection.vendor,
                organization=slug,
                migrations=migrations,
                tables=tables,
            )
            archive.writestr(MANIFEST, manifest.to_json())
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return manifest


# -- reading an archive -----------------------------------------------------------------------
@contextmanager
def _open_archive(path: str | os.PathLike[str]) -> Iterator[tuple[zipfile.ZipFile, Manifest]]:
    try:
        with zipfile.ZipFile(path) as archive:
            try:
                text = archive.read(MANIFEST)
            except KeyError:
                raise BackupError(f"{path}: not a Headway backup (no {MANIFEST})") from None
            yield archive, Manifest.from_json(text)
    except zipfile.BadZipFile:
        raise BackupError(f"{path}: not a Headway backup (not a zip archive)") from None
    except FileNotFoundError:
        raise BackupError(f"{path}: no such file") from None


def archive_manifest(path: str | os.PathLike[str]) -> Manifest:
    with _open_archive(path) as (_archive, manifest):
        return manifest


def archive_hashes(path: str | os.PathLike[str]) -> dict[str, str]:
    """{table: sha256} recomputed from the archive's own table files (not the manifest)."""
    hashes = {}
    with _open_archive(path) as (archive, manifest):
        for entry in manifest.tables:
            digest = hashlib.sha256()
            with archive.open(entry.file) as stream:
                for line in stream:
                    digest.update(line)
            hashes[entry.table] = digest.hexdigest()
    return hashes


def archive_rows(path: str | os.PathLike[str], table: str) -> Iterator[dict[str, Any]]:
    """The rows of one table of an archive, as {column: canonical value}."""
    with (
        _open_archive(path) as (archive, _manifest),
        archive.open(f"{TABLES_DIR}{table}.jsonl") as stream,
    ):
        columns = json.loads(stream.readline())["columns"]
        for line in stream:
            yield dict(zip(columns, json.loads(line), strict=True))


# -- restore ----------------------------------------------------------------------------------
def _rows_present(connection: BaseDatabaseWrapper, tables: Iterable[str]) -> dict[str, int]:
    existing = set(connection.introspection.table_names())
    found = {}
    with connection.cursor() as cursor:
        for table in sorted(set(tables) & existing):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            count = cursor.fetchone()[0]
            if count:
                found[table] = count
    return found


def _refuse_non_empty(connection: BaseDatabaseWrapper, manifest: Manifest) -> None:
    tables = {entry.table for entry in manifest.tables}
    tables |= {
        model._meta.db_table
        for model in django_apps.get_models()
        if model._meta.app_label in _headway_labels()
    }
    tables.add(django_apps.get_model(settings.AUTH_USER_MODEL)._meta.db_table)
    found = _rows_present(connection, tables)
    if found:
        listed = ", ".join(f"{table} ({count} rows)" for table, count in found.items())
        raise BackupError(
            f"restore needs an empty database, and these tables hold rows: {listed}. "
            "Restore into a new data directory (HEADWAY_DATA_DIR) or a new database (DATABASE_URL)."
        )


def _load_table(
    connection: BaseDatabaseWrapper,
    archive: zipfile.ZipFile,
    entry: TableEntry,
    model: type[models.Model],
) -> None:
    """Insert a table's rows as they are (primary keys kept), checking the file against the
    manifest as it goes. Raw INSERTs: no save(), no signals, no auto_now, no audit rows."""
    by_column = {f.column: f for f in model._meta.concrete_fields}
    with archive.open(entry.file) as stream:
        digest = hashlib.sha256()
        first = stream.readline()
        digest.update(first)
        header = json.loads(first)
        columns = tuple(header["columns"])
        if header.get("table") != entry.table or columns != entry.columns:
            raise BackupError(f"{entry.file}: its header does not match manifest.json")
        if set(columns) != set(by_column):
            raise BackupError(
                f"{entry.table}: the archive's columns ({', '.join(columns)}) are not the table's "
                f"columns at the recorded migrations ({', '.join(sorted(by_column))})"
            )
        decoders = [_decoder(by_column[column], connection) for column in columns]
        quote = connection.ops.quote_name
        sql = "INSERT INTO {} ({}) VALUES ({})".format(
            quote(entry.table),
            ", ".join(quote(column) for column in columns),
            ", ".join(["%s"] * len(columns)),
        )
        rows = 0
        batch: list[list[Any]] = []
        with connection.cursor() as cursor:
            for line in stream:
                digest.update(line)
                batch.append(_convert(decoders, json.loads(line)))
                rows += 1
                if len(batch) >= WRITE_BATCH:
                    cursor.executemany(sql, batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
    if rows != entry.rows or digest.hexdigest() != entry.sha256:
        raise BackupError(f"{entry.file} is damaged: it does not match what manifest.json records")


def backup_restore(
    path: str | os.PathLike[str],
    *,
    progress: Progress | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> Restored:
    """Restore an archive into an empty database and check every table against the manifest.

    The database is first migrated to the archive's schema (forwards when fresh, backwards when
    empty but newer), the rows loaded and hashed there, then migrations run to the latest."""
    connection = connections[using]
    with _open_archive(path) as (archive, manifest):
        targets = _archive_targets(manifest, MigrationLoader(connection, ignore_no_migrations=True))
        _refuse_non_empty(connection, manifest)
        migrated_to_archive = _migrate_to(connection, targets)
        _refuse_non_empty(connection, manifest)  # a data migration may have seeded rows
        state_apps = _state_apps(
            MigrationLoader(connection, ignore_no_migrations=True), targets.values()
        )
        by_table = {
            model._meta.db_table: model
            for model in state_apps.get_models(include_auto_created=True)
        }
        unknown = [entry.table for entry in manifest.tables if entry.table not in by_table]
        if unknown:
            raise BackupError(f"tables unknown at the archive's schema: {', '.join(unknown)}")
        chosen = [by_table[entry.table] for entry in manifest.tables]
        with transaction.atomic(using=using):
            for entry, model in zip(manifest.tables, chosen, strict=True):
                _load_table(connection, archive, entry, model)
                if progress:
                    progress(entry.table, entry.rows)
            try:
                connection.check_constraints(table_names=[e.table for e in manifest.tables])
            except IntegrityError as error:
                raise BackupError(f"the restored rows break a foreign key: {error}") from None
            with connection.cursor() as cursor:
                for statement in connection.ops.sequence_reset_sql(no_style(), chosen):
                    cursor.execute(statement)
            loaded = {model._meta.db_table: _digest(model, None) for model in chosen}
    migrated_forward = _migrate_forward(connection)
    return Restored(
        **{name: getattr(manifest, name) for name in Manifest.__dataclass_fields__},
        loaded=loaded,
        migrated_to_archive=migrated_to_archive,
        migrated_forward=migrated_forward,
    )


def hash_listing(entries: Iterable[TableEntry], marks: dict[str, str] | None = None) -> list[str]:
    """`table  rows  sha256[:16]` lines (and a mark such as OK), for people to compare."""
    entries = list(entries)
    width = max((len(entry.table) for entry in entries), default=5)
    lines = []
    for entry in entries:
        line = f"{entry.table:<{width}}  {entry.rows:>9}  {entry.sha256[:16]}"
        if marks is not None:
            line += f"  {marks.get(entry.table, '')}"
        lines.append(line.rstrip())
    return lines
