"""`headway bi_grant ROLE`: let a PostgreSQL role read the BI views (and nothing else)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections

from headway.bi.views import BiViewsError, views_grant


class Command(BaseCommand):
    help = (
        "PostgreSQL only: GRANT SELECT on every bi_ view to ROLE (create the role first: "
        "CREATE ROLE headway_bi LOGIN PASSWORD '…'). The views show no private objectives and "
        "the role needs no right on the tables underneath. --revoke takes the grant back."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("role", metavar="ROLE", help="an existing PostgreSQL role")
        parser.add_argument("--revoke", action="store_true", help="revoke instead of grant")
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help="the database alias (default: default)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        connection = connections[options["database"]]
        try:
            views = views_grant(connection, options["role"], revoke=options["revoke"])
        except BiViewsError as error:
            raise CommandError(str(error)) from None
        done = "revoked from" if options["revoke"] else "granted to"
        self.stdout.write(f"SELECT on {len(views)} views {done} {options['role']}:")
        self.stdout.write("\n".join(f"  {view}" for view in views))
