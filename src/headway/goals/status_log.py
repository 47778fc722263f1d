"""The history of derived statuses: the rollup tells this module before it writes a new status,
and one StatusChange row is kept per change (what "changed status this week" reads).

`paused()` stops the log, and the escalations that follow a change, for work that rebuilds the
past rather than living through it (the demo loading two quarters of history at once)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.utils import timezone

from headway.bulk import rows_insert
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


class StatusLog:
    """The status changes of one rollup, collected while it scores and written in one
    statement at its end (a full recompute of fresh data changes every status). A change is
    one of a saved row's stored status, unless the log is paused."""

    FIELDS = (
        "created_at", "updated_at", "organization_id", "objective_id", "key_result_id",
        "before", "after", "progress",
    )  # fmt: skip

    def __init__(self) -> None:
        self.rows: list[tuple[Any, ...]] = []

    def changed(self, row: KeyResult | Objective, new: dict[str, Any]) -> None:
        """Note the change from the row's stored status to `new["status"]`, if it is one."""
        if row.pk is None or row.status == new["status"] or not recording():
            return
        objective, key_result = (None, row.pk) if isinstance(row, KeyResult) else (row.pk, None)
        self.rows.append(
            (row.organization_id, objective, key_result, row.status, new["status"],
             new.get("progress"))
        )  # fmt: skip

    def write(self) -> None:
        if not self.rows:
            return
        now = timezone.now()
        rows_insert(StatusChange, self.FIELDS, [(now, now, *row) for row in self.rows])
        self.rows = []
