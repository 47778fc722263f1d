"""Many measurements at once: what `measurement_record` does for one value, set-based.

An import of a million values cannot afford the one-row service (a savepoint, a lookup, an
audit row and a refresh of the KPI's followers for every value: milliseconds a row). Here the
rows are checked first, the stored values for their dates read in one pass, new values inserted
and replaced ones updated in batches with their audit rows, and then every key result that
follows an affected KPI is refreshed once, its objectives and their ancestors once each.

The result is the one the service would leave row by row: the same measurements, audit rows
and webhook events, and derived values refreshed after the last value instead of after each.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from headway.audit.models import AuditEvent
from headway.audit.services import snapshot
from headway.bulk import AUDIT_FIELDS, audit_row, batches, ids_reserve, rows_insert
from headway.goals.models import KeyResult
from headway.goals.rollup import rollup_key_results
from headway.health.services import health_series_changed
from headway.indicators.models import Indicator, Measurement
from headway.org.models import Organization, Person
from headway.webhooks import events as webhook_events
from headway.webhooks.services import webhooks_cached

MEASUREMENT_FIELDS = (
    "id", "created_at", "updated_at", "organization_id", "indicator_id", "date", "value", "note",
    "source", "recorded_by_id",
)  # fmt: skip


@dataclass(frozen=True)
class MeasurementRow:
    """One value to record: a KPI of the organization, a date, the value and its note (None:
    keep the note stored for that date, if any)."""

    indicator: Indicator
    date: dt.date
    value: Decimal
    note: str | None = None


@dataclass(frozen=True)
class Outcome:
    """What recording a row does: create, update (with the fields that change) or nothing."""

    action: str  # "create", "update" or "unchanged"
    changed: tuple[str, ...] = ()


@dataclass(frozen=True)
class BulkResult:
    outcomes: list[Outcome]
    followers_refreshed: int

    def count(self, action: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.action == action)


def _validate(organization: Organization, rows: Sequence[MeasurementRow]) -> None:
    """What the service checks of one row, for all of them: a value, a KPI of this
    organization, one value per KPI and date. The first problem is raised."""
    seen: set[tuple[int, dt.date]] = set()
    for row in rows:
        if row.value is None:
            raise ValidationError({"value": "Give a value."})
        if row.indicator.organization_id != organization.pk:
            raise ValidationError({"indicator": "That KPI is not in this organization."})
        key = (row.indicator.pk, row.date)
        if key in seen:
            raise ValidationError({"date": f"{row.indicator.key} on {row.date} is given twice."})
        seen.add(key)


def _stored(
    organization: Organization, rows: Sequence[MeasurementRow], *, lock: bool
) -> dict[tuple[int, dt.date], Measurement]:
    """The measurements already recorded for the rows' KPIs and dates (locked for the change
    when `lock`): one query per thousand KPIs, over the range of their rows' dates."""
    dates: dict[int, tuple[dt.date, dt.date]] = {}
    for row in rows:
        low, high = dates.get(row.indicator.pk, (row.date, row.date))
        dates[row.indicator.pk] = (min(low, row.date), max(high, row.date))
    wanted = {(row.indicator.pk, row.date) for row in rows}
    found: dict[tuple[int, dt.date], Measurement] = {}
    for chunk in batches(sorted(dates), 1_000):  # narrow date ranges per query
        measurements = Measurement.objects.filter(
            organization_id=organization.pk,
            indicator_id__in=chunk,
            date__gte=min(dates[pk][0] for pk in chunk),
            date__lte=max(dates[pk][1] for pk in chunk),
        ).order_by()
        for measurement in measurements.select_for_update() if lock else measurements:
            key = (measurement.indicator_id, measurement.date)
            if key in wanted:
                found[key] = measurement
    return found


def _outcome(row: MeasurementRow, existing: Measurement | None) -> Outcome:
    if existing is None:
        return Outcome("create")
    changed = []
    if existing.value != row.value:
        changed.append("value")
    if row.note is not None and existing.note != row.note:
        changed.append("note")
    return Outcome("update", tuple(changed)) if changed else Outcome("unchanged")


def measurements_compare(
    *, organization: Organization, rows: Sequence[MeasurementRow]
) -> list[Outcome]:
    """What `measurements_record` would do with each row, without writing anything."""
    _validate(organization, rows)
    stored = _stored(organization, rows, lock=False)
    return [_outcome(row, stored.get((row.indicator.pk, row.date))) for row in rows]


@transaction.atomic
def measurements_record(
    *,
    organization: Organization,
    rows: Sequence[MeasurementRow],
    actor: Person | None = None,
    source: str = Indicator.Source.IMPORT,
    today: dt.date | None = None,
) -> BulkResult:
    """Record every row as `measurement_record` would, in one transaction: a value for a date
    already measured replaces it (audited); the same value and note change nothing. Raises
    ValidationError, before writing anything, when a row is not acceptable."""
    _validate(organization, rows)
    stored = _stored(organization, rows, lock=True)
    now = timezone.now()
    outcomes: list[Outcome] = []
    created: list[Measurement] = []
    replaced: list[tuple[Measurement, dict[str, Any]]] = []
    for row in rows:
        existing = stored.get((row.indicator.pk, row.date))
        outcome = _outcome(row, existing)
        outcomes.append(outcome)
        if existing is None:
            created.append(
                Measurement(
                    organization_id=organization.pk, indicator=row.indicator, date=row.date,
                    value=row.value, note=row.note or "", source=source, recorded_by=actor,
                )
            )  # fmt: skip
        elif outcome.action == "update":
            existing.indicator = row.indicator  # its name for the audit row, without a query
            before = snapshot(existing)
            existing.value, existing.source, existing.recorded_by = row.value, source, actor
            if row.note is not None:
                existing.note = row.note
            existing.updated_at = now
            replaced.append((existing, before))
    for measurement, pk in zip(created, ids_reserve(Measurement, len(created)), strict=True):
        measurement.pk = measurement.id = pk
        measurement.created_at = measurement.updated_at = now
    rows_insert(
        Measurement,
        MEASUREMENT_FIELDS,
        ([getattr(m, name) for name in MEASUREMENT_FIELDS] for m in created),
    )
    if replaced:
        Measurement.objects.bulk_update(
            [m for m, _ in replaced],
            ["value", "note", "source", "recorded_by", "updated_at"],
            batch_size=1_000,
        )
    audits = [audit_row(m, action=AuditEvent.Action.CREATE, actor=actor, at=now) for m in created]
    audits += [
        audit_row(m, action=AuditEvent.Action.UPDATE, actor=actor, before=before, at=now)
        for m, before in replaced
    ]
    rows_insert(AuditEvent, AUDIT_FIELDS, (row for row in audits if row is not None))
    touched = sorted({m.indicator_id for m in created} | {m.indicator_id for m, _ in replaced})
    followers: list[KeyResult] = []
    for chunk in batches(touched):
        followers += KeyResult.objects.filter(
            organization_id=organization.pk,
            indicator_id__in=chunk,
            progress_source=KeyResult.Source.INDICATOR,
        )
    rollup_key_results(followers, today=today)
    # Rows written in bulk send no signals: tell the health checks which KPIs were measured.
    health_series_changed(organization.pk, indicators=touched)
    with webhooks_cached():
        for measurement in created:
            webhook_events.measurement_recorded(measurement, replaced=False)
        for measurement, _ in replaced:
            webhook_events.measurement_recorded(measurement, replaced=True)
    return BulkResult(outcomes, len(followers))
