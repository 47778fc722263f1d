"""`headway recompute`: rebuild every stored progress and status from the raw data."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from headway.goals.rollup import recompute_organization
from headway.org.models import Organization


class Command(BaseCommand):
    help = (
        "Recompute key results' and objectives' progress and status for one organization or "
        "all of them; reports how many rows changed (0 when the stored values were right)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organization", metavar="SLUG", help="default: every organization")
        parser.add_argument(
            "--today",
            type=dt.date.fromisoformat,
            metavar="YYYY-MM-DD",
            help="the date statuses are computed for (default: today)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        slug: str | None = options["organization"]
        organizations = Organization.objects.order_by("slug")
        if slug is not None:
            organizations = organizations.filter(slug=slug)
            if not organizations.exists():
                known = ", ".join(Organization.objects.values_list("slug", flat=True))
                raise CommandError(f'no organization "{slug}"; known: {known or "none yet"}')
        for organization in organizations:
            began = time.perf_counter()
            changed = recompute_organization(organization, today=options["today"])
            elapsed = time.perf_counter() - began
            self.stdout.write(
                f"{organization.slug}: {changed['key_results']} key results and "
                f"{changed['objectives']} objectives changed ({elapsed:.2f}s)"
            )
