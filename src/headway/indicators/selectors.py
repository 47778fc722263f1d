"""Reads of KPIs that pages share: one KPI, the organization's KPIs filtered, and where each
stands in the period it is read for today (DESIGN §3.6)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.db.models import Count, DecimalField, Max, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.http import Http404

from headway import access
from headway.bulk import batches
from headway.core import model as core
from headway.core.evaluate import indicator_period, indicator_value
from headway.core.indicators import Thresholds, attainment, rag
from headway.core.model import to_decimal
from headway.goals.rollup import core_indicator, core_period
from headway.indicators.models import Indicator, Measurement, Target
from headway.org.models import Period, Person, Unit

RAG_LABEL = {
    core.Rag.GREEN: "Green: on target",
    core.Rag.AMBER: "Amber: short of target",
    core.Rag.RED: "Red: well off target",
    core.Rag.NO_DATA: "No data this period",
    core.Rag.NO_TARGET: "No target this period",
    core.Rag.UNMEASURED: "Not measured",
}
RAG_BADGE = {
    core.Rag.GREEN: "text-bg-success",
    core.Rag.AMBER: "text-bg-warning",
    core.Rag.RED: "text-bg-danger",
}
# The statuses the KPI list filters by, in the words its filter offers.
_VALUE: DecimalField[Decimal, Decimal] = DecimalField(max_digits=20, decimal_places=6)
STATUS_CHOICES = [
    (core.Rag.GREEN.value, "Green: on target"),
    (core.Rag.AMBER.value, "Amber: short of target"),
    (core.Rag.RED.value, "Red: well off target"),
    (core.Rag.NO_DATA.value, "No data this period"),
    (core.Rag.NO_TARGET.value, "No target this period"),
]


def _fraction(value: Decimal | None) -> Fraction | None:
    return None if value is None else Fraction(value)


def core_target(target: Target) -> core.Target:
    return core.Target(_fraction(target.value), _fraction(target.lower), _fraction(target.upper))


def thresholds_of(indicator: Indicator) -> Thresholds:
    return Thresholds(
        _fraction(indicator.red_below),
        _fraction(indicator.red_above),
        _fraction(indicator.tolerance),
    )


@dataclass(frozen=True)
class Reading:
    """Where a KPI stands in the period it is read for today: value, target, status, attainment."""

    period: Period | None
    status: core.Rag
    value: Decimal | None = None
    target: Target | None = None
    attainment: Decimal | None = None
    share: Fraction | None = None  # the attainment, exact, for rollups (KRA health)

    @property
    def label(self) -> str:
        return RAG_LABEL.get(self.status, str(self.status))

    @property
    def badge(self) -> str:
        return RAG_BADGE.get(self.status, "text-bg-light border")


def _reading_period(
    indicator: Indicator, targets: Sequence[Target], periods: Sequence[Period], today: dt.date
) -> core.Period | None:
    """The period the KPI is read for today (the one the rollup reads it for)."""
    reading = dataclasses.replace(
        core_indicator(indicator, []), targets={str(t.period_id): core_target(t) for t in targets}
    )
    return indicator_period(reading, [p for p in map(core_period, periods) if p], today)


def indicator_reading(
    indicator: Indicator,
    *,
    measurements: Sequence[Measurement],
    targets: Sequence[Target],
    periods: Sequence[Period],
    today: dt.date,
) -> Reading:
    """This period's value, target, RAG and attainment, read as the rollup reads them.

    `targets` are the KPI's (with their period), `periods` the organization's; no query runs."""
    by_period = {str(t.period_id): core_target(t) for t in targets}
    reading = dataclasses.replace(core_indicator(indicator, measurements), targets=by_period)
    period = indicator_period(reading, [p for p in map(core_period, periods) if p], today)
    if period is None:
        return Reading(period=None, status=core.Rag.NO_TARGET)
    return _reading_of(
        indicator,
        period=next(p for p in periods if str(p.pk) == period.id),
        value=indicator_value(reading, period, today),
        targets=list(targets),
    )


def indicator_get(*, person: Person | None, pk: Any) -> Indicator:
    """The KPI if the person may see it; anything else (another tenant's) is 404."""
    if person is None:
        raise Http404("No such KPI.")
    indicator = (
        Indicator.objects.select_related("owner", "result_area", "scope_unit", "scope_person__unit")
        .filter(organization_id=person.organization_id, pk=pk)
        .first()
    )
    if indicator is None or not access.indicator_visible(person, indicator):
        raise Http404("No such KPI.")
    return indicator


def indicator_list(
    *,
    person: Person | None,
    unit: Unit | None = None,
    owner: Person | None = None,
    q: str = "",
) -> QuerySet[Indicator]:
    """The KPIs of the person's organization (everyone in it sees every KPI, as
    `access.indicator_visible` says), filtered, by name, with what a list row shows of them.

    `unit` takes the unit's subtree: its KPIs, those of the units below it and of their people.
    """
    if person is None or not person.active:
        return Indicator.objects.none()
    indicators = Indicator.objects.filter(organization_id=person.organization_id)
    if unit is not None:
        indicators = indicators.filter(
            Q(scope_unit__path__startswith=unit.path)
            | Q(scope_person__unit__path__startswith=unit.path)
        )
    if owner is not None:
        indicators = indicators.filter(owner=owner)
    q = q.strip()
    if q:
        indicators = indicators.filter(
            Q(name__icontains=q) | Q(description__icontains=q) | Q(key__icontains=q)
        )
    return indicators.select_related("owner", "result_area", "scope_unit", "scope_person").order_by(
        "name", "id"
    )


def with_latest(indicators: QuerySet[Indicator]) -> QuerySet[Indicator]:
    """The KPIs with their latest measurement's value and date annotated: one index probe
    each (the measurement index led by the organization), so slice before reading."""
    latest = Measurement.objects.filter(
        organization_id=OuterRef("organization_id"), indicator_id=OuterRef("pk")
    ).order_by("-date")
    return indicators.annotate(
        latest_value=Subquery(latest.values("value")[:1], output_field=_VALUE),
        latest_date=Subquery(latest.values("date")[:1]),
    )


def period_values(
    *,
    organization_id: int,
    read_for: dict[Period, list[Indicator]],
    today: dt.date,
    within: QuerySet[Indicator] | None = None,
) -> dict[int, Fraction]:
    """Each KPI's value over the period it is read for (DESIGN §3.6), aggregated by the
    database: per period, one query for the sum, count, min and max, and one for the latest
    value of the KPIs that take the last one. Nothing is read per measurement, so the cost
    follows the KPIs, not their history. A KPI with no value in its period is left out.

    `within`: the query the KPIs came from; a period that every one of them is read for is
    then asked by that query rather than by lists of ids."""
    values: dict[int, Fraction] = {}
    places = Decimal("0.000001")  # a measurement's places: SQLite sums in binary floats
    total_count = sum(len(members) for members in read_for.values())
    for period, members in read_for.items():
        window = Q(
            organization_id=organization_id,
            date__gte=period.start,
            date__lte=min(period.end, today),
        )
        lasts = [i.pk for i in members if i.aggregation == Indicator.Aggregation.LAST]
        others = {
            i.pk: i.aggregation for i in members if i.aggregation != Indicator.Aggregation.LAST
        }
        whole = within is not None and len(members) == total_count
        groups: list[Any] = [within.values("pk")] if whole and within is not None else []
        for ids in groups or list(batches(list(others))):
            for pk, total, count, low, high in (
                Measurement.objects.filter(window, indicator_id__in=ids)
                .order_by()
                .values("indicator_id")
                .annotate(
                    total=Sum("value"), count=Count("id"), low=Min("value"), high=Max("value")
                )
                .values_list("indicator_id", "total", "count", "low", "high")
            ):
                if pk not in others:
                    continue  # a KPI taking its last value, asked with the others
                if others[pk] == Indicator.Aggregation.MIN:
                    values[pk] = Fraction(low)
                elif others[pk] == Indicator.Aggregation.MAX:
                    values[pk] = Fraction(high)
                else:
                    exact = Fraction(Decimal(total).quantize(places))
                    values[pk] = exact if others[pk] == Indicator.Aggregation.SUM else exact / count
        latest = Measurement.objects.filter(window, indicator_id=OuterRef("pk")).order_by("-date")
        last = Indicator.objects.filter(aggregation=Indicator.Aggregation.LAST)
        for ids in groups or list(batches(lasts)):
            for pk, value in (
                last.filter(organization_id=organization_id, pk__in=ids)
                .annotate(last=Subquery(latest.values("value")[:1], output_field=_VALUE))
                .values_list("pk", "last")
            ):
                if value is not None:
                    values[pk] = Fraction(value)
    return values


def _reading_of(
    indicator: Indicator, *, period: Period | None, value: Fraction | None, targets: list[Target]
) -> Reading:
    """The reading of a KPI whose value over `period` is known, as `indicator_reading` gives it."""
    if period is None:
        return Reading(period=None, status=core.Rag.NO_TARGET)
    target = next((t for t in targets if t.period_id == period.pk), None)
    goal = core_target(target) if target is not None else None
    direction = core.IndicatorDirection(indicator.direction)
    return Reading(
        period=period,
        status=rag(value, direction, goal, thresholds_of(indicator)),
        value=to_decimal(value),
        target=target,
        attainment=to_decimal(share := attainment(value, direction, goal)),
        share=share,
    )


@dataclass(frozen=True)
class IndicatorRow:
    """A KPI on the list page: its latest measurement and where it stands this period."""

    indicator: Indicator
    reading: Reading
    latest_value: Decimal | None
    latest_date: dt.date | None


def indicator_readings(
    *,
    indicators: Sequence[Indicator],
    today: dt.date,
    within: QuerySet[Indicator] | None = None,
) -> dict[int, Reading]:
    """Every KPI's reading, by id, in a few queries however many KPIs and measurements there
    are: the organization's periods, the KPIs' targets, and their values over the periods they
    are read for (`period_values`). `within`: the query `indicators` were read with, for many
    KPIs (the database is then given that query, not thousands of ids)."""
    if not indicators:
        return {}
    organization_id = indicators[0].organization_id
    periods = list(Period.objects.filter(organization_id=organization_id))
    by_id = {str(p.pk): p for p in periods}
    targets: dict[int, list[Target]] = defaultdict(list)
    groups: list[Any] = [within.values("pk")] if within is not None else []
    for ids in groups or list(batches([i.pk for i in indicators])):
        for target in Target.objects.filter(
            organization_id=organization_id, indicator_id__in=ids
        ).select_related("period"):
            targets[target.indicator_id].append(target)
    read_in: dict[int, Period | None] = {}
    read_for: dict[Period, list[Indicator]] = defaultdict(list)
    for indicator in indicators:
        found = _reading_period(indicator, targets[indicator.pk], periods, today)
        period = by_id[found.id] if found is not None else None
        read_in[indicator.pk] = period
        if period is not None:
            read_for[period].append(indicator)
    values = period_values(
        organization_id=organization_id, read_for=read_for, today=today, within=within
    )
    return {
        i.pk: _reading_of(i, period=read_in[i.pk], value=values.get(i.pk), targets=targets[i.pk])
        for i in indicators
    }


def indicator_rows(*, indicators: Sequence[Indicator], today: dt.date) -> list[IndicatorRow]:
    """Every KPI's row: its reading (`indicator_readings`) and its latest measurement as
    `indicator_list` annotated it."""
    readings = indicator_readings(indicators=indicators, today=today)
    return [
        IndicatorRow(
            indicator=indicator,
            reading=readings[indicator.pk],
            latest_value=getattr(indicator, "latest_value", None),
            latest_date=getattr(indicator, "latest_date", None),
        )
        for indicator in indicators
    ]


def indicators_in_status(
    *, indicators: QuerySet[Indicator], status: str, today: dt.date
) -> list[int]:
    """The ids of the KPIs in one status, in the list's order. The status is computed, not
    stored: every KPI is read (only the columns a reading needs, values aggregated by the
    database), then the ones asked for are kept."""
    light = list(
        indicators.select_related(None).only(
            "id", "organization_id", "name", "direction", "frequency", "aggregation",
            "red_below", "red_above", "tolerance",
        )
    )  # fmt: skip
    readings = indicator_readings(indicators=light, today=today, within=indicators)
    return [i.pk for i in light if readings[i.pk].status == status]
