"""The history of derived statuses: the rollup tells this module before it writes a new status,
and one StatusChange row is kept per change (what "changed status this week" reads)."""

from __future__ import annotations

from typing import Any

from headway.goals.models import KeyResult, Objective, StatusChange


def status_changed(row: KeyResult | Objective, new: dict[str, Any]) -> StatusChange | None:
    """Log the change from the row's stored status to `new["status"]`, if it is one."""
    if row.pk is None or row.status == new["status"]:
        return None
    subject = "key_result_id" if isinstance(row, KeyResult) else "objective_id"
    return StatusChange.objects.create(
        organization_id=row.organization_id,
        before=row.status,
        after=new["status"],
        progress=new.get("progress"),
        **{subject: row.pk},
    )
