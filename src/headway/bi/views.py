"""The BI feed as read-only SQL views, `bi_<table>`, kept in step with `headway.bi.feed`.

Why the views are (re)created after `migrate` and not by a migration: a view names the tables
it reads, and SQLite rebuilds a table to alter it (create a copy, drop the old one, rename the
copy) and refuses the rename while a view names the dropped table ("error in view bi_…: no such
table"); PostgreSQL refuses to change the type of, or drop, a column a view reads. A view created
by a migration would therefore block the later migrations of the apps it reads from — on a fresh
database too, where Django runs `bi.0001` before, say, a later `goals.0003`. So before `migrate`
runs anything the views are dropped, and once every migration has run they are created again from
the current definitions. `bi.0001_views` switches this on; unapplying it drops the views.

PostgreSQL: the views run with their owner's rights, so a role granted SELECT on them (`headway
bi_grant ROLE`) reads them without any right on the tables underneath (no private objectives, no
password hashes). Re-creating a view would drop its grants, so they are read first and given back.
The view and column descriptions are set as PostgreSQL comments, which Metabase and DBeaver show.
"""

from __future__ import annotations

from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.executor import MigrationExecutor

from headway.bi.feed import TABLES, VIEW_PREFIX, Table, create_view_sql, fingerprint

APP_LABEL = "bi"
Grants = dict[str, set[str]]  # view -> roles with SELECT on it

# Grants read before `migrate` dropped the views, given back once they are created again.
_grants_kept: dict[str, Grants] = {}


class BiViewsError(Exception):
    """The views cannot be granted or made; the message is meant for the person running it."""


def _quote(connection: BaseDatabaseWrapper, name: str) -> str:
    return connection.ops.quote_name(name)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _comment(table: Table) -> str:
    return f"{table.description}\nGrain: {table.grain}\n[headway-bi {fingerprint(table)}]"


def views_present(connection: BaseDatabaseWrapper) -> dict[str, str]:
    """The `bi_` views in the database: {name: what tells their definition} — the CREATE
    statement on SQLite, the comment (which ends with the definition's fingerprint) on
    PostgreSQL, an empty string elsewhere."""
    with connection.cursor() as cursor:
        names = [
            info.name
            for info in connection.introspection.get_table_list(cursor)
            if info.type == "v" and info.name.startswith(VIEW_PREFIX)
        ]
        if not names:
            return {}
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'view'")
        elif connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname, obj_description(c.oid, 'pg_class') FROM pg_class c "
                "WHERE c.relkind = 'v' AND pg_table_is_visible(c.oid)"
            )
        else:
            return dict.fromkeys(names, "")
        found = {name: definition or "" for name, definition in cursor.fetchall()}
    return {name: found.get(name, "") for name in names}


def view_is_current(connection: BaseDatabaseWrapper, table: Table, definition: str) -> bool:
    if connection.vendor == "sqlite":
        return definition == create_view_sql(table)
    return definition.endswith(f"[headway-bi {fingerprint(table)}]")


def views_grants(connection: BaseDatabaseWrapper) -> Grants:
    """PostgreSQL: the roles other than the owner that may SELECT each `bi_` view."""
    if connection.vendor != "postgresql":
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, r.rolname FROM pg_class c "
            "CROSS JOIN LATERAL aclexplode(c.relacl) AS acl "
            "JOIN pg_roles r ON r.oid = acl.grantee "
            "WHERE c.relkind = 'v' AND pg_table_is_visible(c.oid) "
            "AND acl.privilege_type = 'SELECT' AND acl.grantee <> c.relowner"
        )
        grants: Grants = {}
        for view, role in cursor.fetchall():
            if view.startswith(VIEW_PREFIX):
                grants.setdefault(view, set()).add(role)
    return grants


def views_drop(connection: BaseDatabaseWrapper, names: list[str] | None = None) -> list[str]:
    """Drop the feed's views (or the `bi_` views named). No CASCADE: a view someone built on top
    of a `bi_` view stops the drop with the database's own message rather than vanish."""
    if names is None:
        names = sorted({table.view for table in TABLES} | set(views_present(connection)))
    with connection.cursor() as cursor:
        for name in names:
            cursor.execute(f"DROP VIEW IF EXISTS {_quote(connection, name)}")
    return names


def _create(connection: BaseDatabaseWrapper, table: Table, roles: set[str]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(create_view_sql(table))
        if connection.vendor != "postgresql":
            return
        view = _quote(connection, table.view)
        cursor.execute(f"COMMENT ON VIEW {view} IS {_literal(_comment(table))}")
        for column in table.columns:
            cursor.execute(
                f"COMMENT ON COLUMN {view}.{_quote(connection, column.name)} "
                f"IS {_literal(column.description)}"
            )
        for role in sorted(roles):
            cursor.execute(f"GRANT SELECT ON {view} TO {_quote(connection, role)}")


def views_sync(connection: BaseDatabaseWrapper) -> list[str]:
    """Make the database's `bi_` views the feed's: create the missing ones, re-create those whose
    definition changed (keeping their grants), drop those the feed no longer has. Returns the
    views created or re-created."""
    present = views_present(connection)
    grants = views_grants(connection)
    for view, roles in _grants_kept.pop(connection.alias, {}).items():
        grants.setdefault(view, set()).update(roles)
    wanted = {table.view for table in TABLES}
    views_drop(connection, sorted(set(present) - wanted))
    made = []
    for table in TABLES:
        if table.view in present and view_is_current(connection, table, present[table.view]):
            continue
        if table.view in present:
            views_drop(connection, [table.view])
        _create(connection, table, grants.get(table.view, set()))
        made.append(table.view)
    return made


def views_grant(connection: BaseDatabaseWrapper, role: str, *, revoke: bool = False) -> list[str]:
    """PostgreSQL: let `role` SELECT every `bi_` view (or take that away). Returns the views."""
    if connection.vendor != "postgresql":
        raise BiViewsError(
            f"bi_grant works on PostgreSQL only; this database is {connection.vendor}, which has "
            "no roles: anyone who can open the database file can read every table in it. Give "
            "BI tools the exported files instead (headway bi_export DIR)."
        )
    present = views_present(connection)
    missing = [table.view for table in TABLES if table.view not in present]
    if missing:
        raise BiViewsError(
            f"the BI views are not in this database ({', '.join(missing)}); run `headway migrate`"
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone() is None:
            raise BiViewsError(
                f'role "{role}" does not exist; create it first, e.g. '
                f"CREATE ROLE {_quote(connection, role)} LOGIN PASSWORD '…';"
            )
        views = ", ".join(_quote(connection, table.view) for table in TABLES)
        if revoke:
            cursor.execute(f"REVOKE SELECT ON {views} FROM {_quote(connection, role)}")
        else:
            cursor.execute(f"GRANT SELECT ON {views} TO {_quote(connection, role)}")
    return [table.view for table in TABLES]


# -- around `migrate` -------------------------------------------------------------------------
def feed_switched_on(executor: MigrationExecutor) -> bool:
    return any(app == APP_LABEL for app, _name in executor.loader.applied_migrations or {})


def views_before_migrate(using: str, plan: Any = None, **kwargs: Any) -> None:
    """`pre_migrate`: when migrations are about to run, drop the views (keeping their grants in
    mind) so no migration of another app trips over them."""
    if not plan:
        return
    connection = connections[using]
    kept = _grants_kept.setdefault(using, {})
    for view, roles in views_grants(connection).items():
        kept.setdefault(view, set()).update(roles)
    views_drop(connection)


def views_after_migrate(using: str, verbosity: int = 1, stdout: Any = None, **kwargs: Any) -> None:
    """`post_migrate`: once every migration has run (and `bi.0001` is among them), bring the
    views up to date. After a partial migrate they stay dropped until the next full one."""
    connection = connections[using]
    executor = MigrationExecutor(connection)
    if not feed_switched_on(executor):
        return
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        if verbosity >= 1 and stdout is not None:
            stdout.write("  BI views: left out until every migration has run")
        return
    made = views_sync(connection)
    if made and verbosity >= 1 and stdout is not None:
        stdout.write(f"  BI views: {len(made)} created or updated ({VIEW_PREFIX}*)")
