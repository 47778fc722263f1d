"""`headway demo`: build the Northwind Robotics demo organization on an empty database."""

from __future__ import annotations

import datetime as dt
from argparse import ArgumentParser, ArgumentTypeError
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from headway.demo.builder import (
    NAME,
    PASSWORD,
    SLUG,
    Account,
    demo_accounts,
    demo_build,
    demo_remove,
)
from headway.org.models import Organization

# The apps whose tables the demo writes to; a missing one means `migrate` has not run (fully).
DEMO_APPS = ("org", "goals", "indicators", "checkins", "audit", "auth")


def parse_day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ArgumentTypeError(f"{text!r} is not a date like 2026-11-15") from None


class Command(BaseCommand):
    help = (
        "Build Northwind Robotics, a demo company of about 160 people with a year of KPIs and "
        "two quarters of OKRs. Does nothing if it exists already, unless --reset."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--today",
            type=parse_day,
            default=None,
            help="Build the data as if today were this date (YYYY-MM-DD); default: today.",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete the demo organization (and its sign-ins) first, then build it again.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self._require_tables()
        today = options["today"] or timezone.localdate()
        if isinstance(today, str):  # call_command(today="2026-11-15") skips the parser
            today = parse_day(today)
        verbose = options["verbosity"] >= 1
        if options["reset"] and demo_remove() and verbose:
            self.stdout.write(f"Deleted the {NAME} organization.")
        existing = Organization.objects.filter(slug=SLUG).first()
        if existing is not None:
            self.stdout.write(f"{NAME} exists already; run `headway demo --reset` to rebuild it.")
            self._sign_ins(demo_accounts(existing))
            return
        if verbose:
            self.stdout.write(f"Building {NAME} as of {today.isoformat()} ...")
        summary = demo_build(today=today, report=self.stdout.write if verbose else _quiet)
        counts = summary.counts
        self.stdout.write(
            self.style.SUCCESS(
                f"Built {NAME} in {summary.seconds:.1f} s: {counts['people']} people in "
                f"{counts['units']} units, {counts['kras']} KRAs, {counts['kpis']} KPIs with "
                f"{counts['measurements']} measurements, {counts['objectives']} objectives with "
                f"{counts['key_results']} key results and {counts['check_ins']} check-ins."
            )
        )
        self._sign_ins(summary.accounts)

    def _require_tables(self) -> None:
        """Fail with the fix in the message rather than a database traceback halfway through."""
        wanted = {
            model._meta.db_table
            for label in DEMO_APPS
            for model in apps.get_app_config(label).get_models()
        }
        missing = wanted - set(connection.introspection.table_names())
        if missing:
            raise CommandError(
                f"The database is not migrated: {len(missing)} Headway tables are missing "
                f"(e.g. {sorted(missing)[0]}). Run `headway migrate` first, then `headway demo`."
            )

    def _sign_ins(self, accounts: list[Account]) -> None:
        site = settings.SITE_URL.rstrip("/")
        for account in accounts:
            admin = f", and the admin at {site}/admin/" if account.staff else ""
            self.stdout.write(
                f"Sign in at {site}/ as {account.email} / {PASSWORD}  ({account.label}{admin})"
            )


def _quiet(line: str) -> None:
    """Progress lines are dropped at --verbosity 0."""
