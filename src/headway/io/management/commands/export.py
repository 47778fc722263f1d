"""`headway export`: write one organization's goals as a goals file (headway.yaml)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from headway.goals.snapshot import organization_goals
from headway.io.goalsfile import dump
from headway.org.models import Organization


def organization_for(slug: str | None) -> Organization:
    """The organization a command names, or the only one there is; a clear error otherwise."""
    slugs = list(Organization.objects.order_by("slug").values_list("slug", flat=True))
    if slug is not None:
        found = Organization.objects.filter(slug=slug).first()
        if found is None:
            known = ", ".join(slugs) or "none yet"
            raise CommandError(f'no organization "{slug}"; known: {known}')
        return found
    if not slugs:
        raise CommandError("there is no organization yet; import a goals file first")
    if len(slugs) > 1:
        raise CommandError(
            f"{len(slugs)} organizations; choose one with --organization: {', '.join(slugs)}"
        )
    return Organization.objects.get(slug=slugs[0])


class Command(BaseCommand):
    help = "Write an organization's goals as a goals file that `headway import` reads back."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organization", metavar="SLUG", help="needed when there are several")
        parser.add_argument("--output", metavar="FILE", help="write here instead of stdout")
        parser.add_argument(
            "--today",
            type=dt.date.fromisoformat,
            metavar="YYYY-MM-DD",
            help="the date written as `today:` (default: today)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        organization = organization_for(options["organization"])
        text = dump(organization_goals(organization, today=options["today"]))
        output: str | None = options["output"]
        if output is None:
            self.stdout.write(text, ending="")
            return
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as error:
            raise CommandError(f"{output}: cannot write the file ({error.strerror})") from None
        if options["verbosity"] >= 1:
            self.stderr.write(f"wrote {organization.slug} to {output}")
