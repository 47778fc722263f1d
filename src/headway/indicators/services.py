"""Every write to KPIs: the indicator, its targets and its measurements."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from headway.audit.models import AuditEvent
from headway.audit.services import audit_record, snapshot
from headway.core.indicators import ThresholdError, Thresholds, validate_thresholds
from headway.core.model import IndicatorDirection
from headway.core.model import Target as CoreTarget
from headway.goals.models import KeyResult, ResultArea
from headway.goals.rollup import rollup_key_results
from headway.indicators.models import Indicator, Measurement, Target
from headway.org.keys import unique_key
from headway.org.models import Organization, Period, Person, Unit
from headway.org.services import same_organization
from headway.webhooks import events as webhook_events


def _fraction(value: Decimal | None) -> Fraction | None:
    return None if value is None else Fraction(value)


def _validate(indicator: Indicator, targets: list[Target] | None = None) -> None:
    """Thresholds must agree with the direction and with every target."""
    if targets is None:
        targets = list(indicator.targets.all()) if indicator.pk else []
    thresholds = Thresholds(
        _fraction(indicator.red_below),
        _fraction(indicator.red_above),
        _fraction(indicator.tolerance),
    )
    direction = IndicatorDirection(indicator.direction)
    checks: list[Target | None] = list(targets) or [None]
    for target in checks:
        core_target = (
            CoreTarget(_fraction(target.value), _fraction(target.lower), _fraction(target.upper))
            if target is not None
            else None
        )
        if core_target is None:
            # No target yet: only the direction/threshold pairing can be checked.
            if direction == IndicatorDirection.UP and indicator.red_above is not None:
                raise ValidationError(
                    {"red_above": "An upward KPI takes 'red below', not 'red above'."}
                )
            if direction == IndicatorDirection.DOWN and indicator.red_below is not None:
                raise ValidationError(
                    {"red_below": "A downward KPI takes 'red above', not 'red below'."}
                )
            if direction == IndicatorDirection.RANGE:
                if indicator.red_below is not None or indicator.red_above is not None:
                    raise ValidationError(
                        {"tolerance": "A range KPI takes a tolerance, not 'red below'/'red above'."}
                    )
                if indicator.tolerance is not None and indicator.tolerance < 0:
                    raise ValidationError({"tolerance": "The tolerance cannot be negative."})
            continue
        try:
            validate_thresholds(direction, core_target, thresholds)
        except ThresholdError as error:
            field = {"up": "red_below", "down": "red_above", "range": "tolerance"}[
                indicator.direction
            ]
            raise ValidationError({field: f"{error} (target for {target.period})."}) from None  # type: ignore[union-attr]


def _refresh_followers(indicator: Indicator) -> None:
    """Key results that follow this KPI move with it, and the chains above them (each ancestor
    once, however many followers share it)."""
    rollup_key_results(
        KeyResult.objects.filter(
            organization_id=indicator.organization_id,
            indicator=indicator,
            progress_source=KeyResult.Source.INDICATOR,
        ).only("objective", "organization")
    )


@transaction.atomic
def indicator_create(
    *,
    organization: Organization,
    name: str,
    owner: Person | None,
    actor: Person | None = None,
    scope_unit: Unit | None = None,
    scope_person: Person | None = None,
    result_area: ResultArea | None = None,
    key: str = "",
    **fields: Any,
) -> Indicator:
    same_organization(
        organization.pk,
        owner=owner,
        scope_unit=scope_unit,
        scope_person=scope_person,
        result_area=result_area,
    )
    key = key or unique_key(Indicator, organization_id=organization.pk, text=name, prefix="kpi")
    if Indicator.objects.filter(organization=organization, key=key).exists():
        raise ValidationError({"key": f"Another KPI already has the key {key!r}."})
    indicator = Indicator(
        organization=organization,
        key=key,
        name=name,
        owner=owner,
        scope_unit=scope_unit,
        scope_person=scope_person,
        result_area=result_area,
        **fields,
    )
    indicator.full_clean(exclude=["organization"], validate_unique=False)
    _validate(indicator, [])
    indicator.save()
    audit_record(instance=indicator, action=AuditEvent.Action.CREATE, actor=actor)
    return indicator


@transaction.atomic
def indicator_update(
    *, indicator: Indicator, actor: Person | None = None, **fields: Any
) -> Indicator:
    before = snapshot(indicator)
    for name, value in fields.items():
        if hasattr(value, "organization_id") and value.organization_id != indicator.organization_id:
            raise ValidationError({name: "That is not in this organization."})
        setattr(indicator, name, value)
    indicator.full_clean(exclude=["organization"], validate_unique=False)
    _validate(indicator)
    indicator.save()
    audit_record(instance=indicator, action=AuditEvent.Action.UPDATE, actor=actor, before=before)
    if {"aggregation", "direction"} & set(fields):
        _refresh_followers(indicator)
    return indicator


@transaction.atomic
def target_set(
    *,
    indicator: Indicator,
    period: Period,
    value: Decimal | None = None,
    lower: Decimal | None = None,
    upper: Decimal | None = None,
    actor: Person | None = None,
) -> Target:
    """Set (or replace) the indicator's target for a period."""
    if period.organization_id != indicator.organization_id:
        raise ValidationError({"period": "That period is not in this organization."})
    if indicator.direction == Indicator.Direction.RANGE:
        if lower is None or upper is None:
            raise ValidationError({"lower": "A range KPI needs a lower and an upper bound."})
    elif value is None:
        raise ValidationError({"value": "Give the target value."})
    target = Target.objects.filter(indicator=indicator, period=period).first()
    before = snapshot(target) if target else None
    if target is None:
        target = Target(
            organization_id=indicator.organization_id, indicator=indicator, period=period
        )
    target.value, target.lower, target.upper = value, lower, upper
    _validate(indicator, [target])
    target.save()
    audit_record(
        instance=target,
        action=AuditEvent.Action.UPDATE if before else AuditEvent.Action.CREATE,
        actor=actor,
        before=before,
    )
    return target


@transaction.atomic
def measurement_record(
    *,
    indicator: Indicator,
    date: dt.date,
    value: Decimal,
    actor: Person | None = None,
    note: str = "",
    source: str = Indicator.Source.MANUAL,
) -> Measurement:
    """Record the KPI's value on a date; a value for a date already measured replaces it (audited)."""
    if value is None:
        raise ValidationError({"value": "Give a value."})
    existing = (
        Measurement.objects.select_for_update().filter(indicator=indicator, date=date).first()
    )
    if existing is not None:
        before = snapshot(existing)
        existing.value, existing.note, existing.source, existing.recorded_by = (
            value,
            note,
            source,
            actor,
        )
        existing.save()
        audit_record(instance=existing, action=AuditEvent.Action.UPDATE, actor=actor, before=before)
        measurement = existing
    else:
        measurement = Measurement.objects.create(
            organization_id=indicator.organization_id,
            indicator=indicator,
            date=date,
            value=value,
            note=note,
            source=source,
            recorded_by=actor,
        )
        audit_record(instance=measurement, action=AuditEvent.Action.CREATE, actor=actor)
    _refresh_followers(indicator)
    webhook_events.measurement_recorded(measurement, replaced=existing is not None)
    return measurement
