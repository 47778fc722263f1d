"""Background work of the health checks, run by `headway worker`."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from headway.health.services import (
    health_findings_refresh,
    health_findings_refresh_due,
    health_series_refresh,
)
from headway.org.models import Organization


@task()
def health_findings_refresh_task(organization_id: int, requested: str | None = None) -> str:
    """Check one organization after a change (made at `requested`) and store its findings."""
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        return "gone"
    moment = dt.datetime.fromisoformat(requested) if requested else None
    state = health_findings_refresh(organization=organization, requested=moment)
    if state is None:
        return "skipped: another check is running or has answered"
    return f"checked in {state.seconds:.1f} s: {state.checked} objects, {state.healthy} healthy"


@task()
def health_series_refresh_task(organization_id: int) -> str:
    """Check again the staleness of the key results checked in and the KPIs measured since the
    organization's findings were stored (the full check, when one is due)."""
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        return "gone"
    state = health_series_refresh(organization=organization)
    if state is None:
        return "skipped: another check is running, or nothing waits"
    return f"checked: {state.checked} objects, {state.healthy} healthy"


@task()
def health_findings_refresh_due_task() -> str:
    """Hourly: refresh the organizations whose findings are out of date or never checked."""
    return f"refreshed: {health_findings_refresh_due()}"
