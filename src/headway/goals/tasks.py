"""Background work of goals, run by `headway worker`."""

from __future__ import annotations

import logging

from django_tasks import task

from headway.goals.rollup import recompute_organization
from headway.org.models import Organization

logger = logging.getLogger(__name__)


@task()
def derived_values_refresh() -> str:
    """Daily: every organization's progress and statuses recomputed for the new day. A status
    depends on the date (the expected pace moves every day), so a key result nobody touched can
    turn off track overnight; the rollup logs and escalates that like any other change."""
    changed = {"key_results": 0, "objectives": 0}
    for organization in Organization.objects.order_by("pk"):
        counts = recompute_organization(organization)
        for name in changed:
            changed[name] += counts.get(name, 0)
    logger.info(
        "Refreshed derived values: %s key results and %s objectives changed",
        changed["key_results"],
        changed["objectives"],
    )
    return f"changed: {changed['key_results']} key results, {changed['objectives']} objectives"
