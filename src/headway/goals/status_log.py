"""The history of derived statuses: the rollup tells this module before it writes a new status,
and one StatusChange row is kept per change (what "changed status this week" reads).

`paused()` stops the log, and the escalations that follow a change, for work that rebuilds the
past rather than living through it (the demo loading two quarters of history at once)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from headway.goals.models import KeyResult, Objective, StatusChange

_paused: ContextVar[bool] = ContextVar("status_log_paused", default=False)


@contextmanager
def paused() -> Iterator[None]:
    token = _paused.set(True)
    try:
        yield
    finally:
        _paused.reset(token)


def recording() -> bool:
    return not _paused.get()


def status_changed(row: KeyResult | Objective, new: dict[str, Any]) -> StatusChange | None:
    """Log the change from the row's stored status to `new["status"]`, if it is one."""
    if row.pk is None or row.status == new["status"] or not recording():
        return None
    subject = "key_result_id" if isinstance(row, KeyResult) else "objective_id"
    return StatusChange.objects.create(
        organization_id=row.organization_id,
        before=row.status,
        after=new["status"],
        progress=new.get("progress"),
        **{subject: row.pk},
    )
