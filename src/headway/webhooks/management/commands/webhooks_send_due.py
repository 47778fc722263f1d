"""`headway webhooks_send_due`: queue every webhook delivery whose next attempt is due.

The database worker schedules retries by itself; this is for installs that run tasks at once
(HEADWAY_TASKS=immediate, which cannot wait), from cron, and to recover after a queue outage.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from headway.webhooks.services import deliveries_send_due


class Command(BaseCommand):
    help = "Queue (or, with HEADWAY_TASKS=immediate, send) every webhook delivery that is due."

    def handle(self, *args: Any, **options: Any) -> None:
        count = deliveries_send_due()
        if options["verbosity"]:
            self.stdout.write(f"Queued {count} webhook deliver{'y' if count == 1 else 'ies'}.")
