"""Reads of KPIs that pages share: one KPI, the organization's KPIs filtered, and where each
stands in the period it is read for today (DESIGN §3.6)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import operator
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import reduce
from typing import Any

from django.db.models import DecimalField, OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from headway import access
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
    value = indicator_value(reading, period, today)
    target = by_period.get(period.id)
    direction = core.IndicatorDirection(indicator.direction)
    return Reading(
        period=next(p for p in periods if str(p.pk) == period.id),
        status=rag(value, direction, target, thresholds_of(indicator)),
        value=to_decimal(value),
        target=next((t for t in targets if str(t.period_id) == period.id), None),
        attainment=to_decimal(attainment(value, direction, target)),
    )


def indicator_get(*, person: Person | None, pk: Any) -> Indicator:
    """The KPI if the person may see it; anything else (another tenant's) is 404."""
    indicator = (
        Indicator.objects.select_related("owner", "result_area", "scope_unit", "scope_person__unit")
        .filter(pk=pk)
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
    `access.indicator_visible` says), filtered, with their latest measurement annotated.

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
    latest = Measurement.objects.filter(indicator=OuterRef("pk")).order_by("-date")
    return (
        indicators.select_related("owner", "result_area", "scope_unit", "scope_person")
        .annotate(
            latest_value=Subquery(
                latest.values("value")[:1],
                output_field=DecimalField(max_digits=20, decimal_places=6),
            ),
            latest_date=Subquery(latest.values("date")[:1]),
        )
        .order_by("name", "id")
    )


@dataclass(frozen=True)
class IndicatorRow:
    """A KPI on the list page: its latest measurement and where it stands this period."""

    indicator: Indicator
    reading: Reading
    latest_value: Decimal | None
    latest_date: dt.date | None


def indicator_rows(*, indicators: Sequence[Indicator], today: dt.date) -> list[IndicatorRow]:
    """Every KPI's reading in three queries, however many KPIs there are: their targets, the
    organization's periods, and the measurements inside the period each is read for."""
    if not indicators:
        return []
    ids = [i.pk for i in indicators]
    periods = list(Period.objects.filter(organization_id=indicators[0].organization_id))
    by_id = {str(p.pk): p for p in periods}
    targets: dict[int, list[Target]] = defaultdict(list)
    for target in Target.objects.filter(indicator_id__in=ids).select_related("period"):
        targets[target.indicator_id].append(target)

    # Only the measurements that count: those inside the period each KPI is read for.
    read_for: dict[str, list[int]] = defaultdict(list)
    for indicator in indicators:
        period = _reading_period(indicator, targets[indicator.pk], periods, today)
        if period is not None:
            read_for[period.id].append(indicator.pk)
    measurements: dict[int, list[Measurement]] = defaultdict(list)
    if read_for:
        inside = reduce(
            operator.or_,
            (
                Q(indicator_id__in=members, date__gte=by_id[pid].start, date__lte=by_id[pid].end)
                for pid, members in read_for.items()
            ),
        )
        for m in Measurement.objects.filter(inside).order_by("date", "id"):
            measurements[m.indicator_id].append(m)

    return [
        IndicatorRow(
            indicator=indicator,
            reading=indicator_reading(
                indicator,
                measurements=measurements[indicator.pk],
                targets=targets[indicator.pk],
                periods=periods,
                today=today,
            ),
            latest_value=getattr(indicator, "latest_value", None),
            latest_date=getattr(indicator, "latest_date", None),
        )
        for indicator in indicators
    ]


def indicator_rows_in_status(
    *, indicators: QuerySet[Indicator], status: str, today: dt.date
) -> list[IndicatorRow]:
    """The rows of the KPIs in one status. The status is computed, not stored: every KPI is read
    (in the same few queries), then the ones asked for are kept."""
    return [
        row
        for row in indicator_rows(indicators=list(indicators), today=today)
        if row.reading.status == status
    ]
