"""The events webhooks receive, and the payload of each.

The domain services call one function here after they wrote (`check_in_recorded`, ...). Each
returns at once when no active webhook of the organization subscribes to the event, and builds
its payload only when one does. Deliveries are created in the caller's transaction and sent
after it commits, so a rolled-back write sends nothing.

Webhooks are organization-wide integrations set up by admins, so payloads include private
objectives too; every objective carries its `visibility` for the receiver to honour.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.conf import settings
from django.urls import reverse

from headway.checkins.models import CheckIn
from headway.core.pace import grade
from headway.goals.models import KeyResult, Objective, Status
from headway.indicators.models import Indicator, Measurement
from headway.org.models import Period, Person
from headway.webhooks.models import Event
from headway.webhooks.services import event_publish

# A status change is announced only when it turns into one of these.
WORRYING = (Status.AT_RISK.value, Status.OFF_TRACK.value)


# -- plain values -----------------------------------------------------------------------------
def number(value: Decimal | None) -> str | None:
    """A decimal as a string without trailing zeros ("0.4", "12"), as the API writes numbers."""
    if value is None:
        return None
    return (
        format(value.normalize(), "f") if value == value.to_integral() else str(value.normalize())
    )


def link(name: str, pk: int) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, args=[pk])


def person_data(person: Person | None) -> dict[str, Any] | None:
    if person is None:
        return None
    return {"id": person.pk, "name": person.name, "email": person.email}


def period_data(period: Period | None) -> dict[str, Any] | None:
    if period is None:
        return None
    return {
        "id": period.pk,
        "name": period.name,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "state": period.state,
    }


def objective_reference(objective: Objective) -> dict[str, Any]:
    """Which objective: enough to name and link it, without its (derived) standing."""
    return {
        "id": objective.pk,
        "key": objective.key,
        "title": objective.title,
        "visibility": objective.visibility,
        "state": objective.state,
        "owner": person_data(objective.owner),
        "period": period_data(objective.period),
        "url": link("objective", objective.pk),
    }


def objective_data(objective: Objective) -> dict[str, Any]:
    return {
        **objective_reference(objective),
        "progress": number(objective.progress),
        "status": objective.status,
    }


def key_result_data(kr: KeyResult) -> dict[str, Any]:
    return {
        "id": kr.pk,
        "key": kr.key,
        "title": kr.title,
        "unit": kr.unit_label,
        "direction": kr.direction,
        "start": number(kr.start),
        "target": number(kr.target),
        "current": number(kr.current),
        "progress": number(kr.progress),
        "status": kr.status,
        "confidence": kr.confidence,
        "owner": person_data(kr.owner),
        "url": link("objective", kr.objective_id),
    }


def indicator_data(indicator: Indicator) -> dict[str, Any]:
    return {
        "id": indicator.pk,
        "key": indicator.key,
        "name": indicator.name,
        "unit": indicator.unit_label,
        "direction": indicator.direction,
        "owner": person_data(indicator.owner),
        "url": link("indicator", indicator.pk),
    }


def _key_result(pk: int) -> KeyResult:
    return KeyResult.objects.select_related("owner", "objective__owner", "objective__period").get(
        pk=pk
    )


# -- the events -------------------------------------------------------------------------------
def check_in_recorded(check_in: CheckIn) -> None:
    """After a check-in and its rollup: the check-in with its key result's new standing."""

    def data() -> dict[str, Any]:
        kr = _key_result(check_in.key_result_id)
        return {
            "check_in": {
                "id": check_in.pk,
                "date": check_in.date.isoformat(),
                "value": number(check_in.value),
                "confidence": check_in.confidence,
                "status": check_in.status or None,
                "note": check_in.note,
                "author": person_data(check_in.author),
            },
            "key_result": key_result_data(kr),
            "objective": objective_data(kr.objective),
        }

    event_publish(
        organization_id=check_in.organization_id, event=Event.CHECK_IN_RECORDED, data=data
    )


def key_result_status_changed(kr: KeyResult, new: dict[str, Any]) -> None:
    """A key result's derived status is about to change to `new["status"]` (the rollup calls
    this with the freshly computed values, before it writes them)."""
    before, after = kr.status, new["status"]
    if before == after or after not in WORRYING:
        return

    def data() -> dict[str, Any]:
        fresh = copy.copy(kr)
        for name, value in new.items():
            setattr(fresh, name, value)
        # The objective is rolled up after its key results: name it, without a stale standing.
        objective = Objective.objects.select_related("owner", "period").get(pk=kr.objective_id)
        return {
            "before": before,
            "after": after,
            "key_result": key_result_data(fresh),
            "objective": objective_reference(objective),
        }

    event_publish(
        organization_id=kr.organization_id, event=Event.KEY_RESULT_STATUS_CHANGED, data=data
    )


def key_result_escalated(
    *,
    escalation: Any,
    kr: KeyResult,
    new: dict[str, Any],
    objective: Objective,
    owner: Person,
    manager: Person,
) -> None:
    """A key result's trouble was told to its owner's manager (see `headway.notify.escalations`):
    the reasons, the key result's new standing and who was told."""

    def data() -> dict[str, Any]:
        fresh = copy.copy(kr)
        for name, value in new.items():
            setattr(fresh, name, value)
        fresh.owner = owner
        return {
            "reasons": list(escalation.reasons),
            "status_before": escalation.status_before,
            "status_after": escalation.status_after,
            "confidence_before": escalation.confidence_before,
            "confidence_after": escalation.confidence_after,
            "manager": person_data(manager),
            "key_result": key_result_data(fresh),
            "objective": objective_reference(objective),
        }

    event_publish(organization_id=kr.organization_id, event=Event.KEY_RESULT_ESCALATED, data=data)


def objective_status_changed(objective: Objective, new: dict[str, Any]) -> None:
    """An objective's derived status is about to change (see `key_result_status_changed`)."""
    before, after = objective.status, new["status"]
    if before == after or after not in WORRYING:
        return

    def data() -> dict[str, Any]:
        fresh = Objective.objects.select_related("owner", "period").get(pk=objective.pk)
        for name, value in new.items():
            setattr(fresh, name, value)
        return {"before": before, "after": after, "objective": objective_data(fresh)}

    event_publish(
        organization_id=objective.organization_id,
        event=Event.OBJECTIVE_STATUS_CHANGED,
        data=data,
    )


def _closed(objective_id: int, organization_id: int, reason: str) -> None:
    def data() -> dict[str, Any]:
        objective = Objective.objects.select_related("owner", "period").get(pk=objective_id)
        progress = objective.progress
        return {
            "reason": reason,
            "grade": None if progress is None else str(grade(Fraction(progress))),
            "objective": objective_data(objective),
        }

    event_publish(organization_id=organization_id, event=Event.OBJECTIVE_CLOSED, data=data)


def objective_closed(objective: Objective, *, state_before: str) -> None:
    """After an objective's update: announce it when its state became closed."""
    if objective.state == Objective.State.CLOSED and state_before != Objective.State.CLOSED:
        _closed(objective.pk, objective.organization_id, "objective_closed")


def objective_graded(objective: Objective) -> None:
    """When its period closes: the objective's final grade."""
    _closed(objective.pk, objective.organization_id, "period_closed")


def measurement_recorded(measurement: Measurement, *, replaced: bool) -> None:
    """After a KPI's value for a date is recorded (or replaces the value for that date)."""

    def data() -> dict[str, Any]:
        indicator = Indicator.objects.select_related("owner").get(pk=measurement.indicator_id)
        return {
            "measurement": {
                "id": measurement.pk,
                "date": measurement.date.isoformat(),
                "value": number(Decimal(measurement.value)),
                "note": measurement.note,
                "source": measurement.source,
                "recorded_by": person_data(measurement.recorded_by),
                "replaced": replaced,
            },
            "indicator": indicator_data(indicator),
        }

    event_publish(
        organization_id=measurement.organization_id, event=Event.MEASUREMENT_RECORDED, data=data
    )
