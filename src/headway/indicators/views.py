"""The KPI page: its values against the target per period, red/amber/green, and a form to add one."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from headway import access
from headway.core import model as core
from headway.core.evaluate import indicator_period, indicator_value
from headway.core.indicators import (
    DEFAULT_RED_ABOVE_SHARE,
    DEFAULT_RED_SHARE,
    DEFAULT_TOLERANCE_SHARE,
    Thresholds,
    attainment,
    rag,
)
from headway.core.model import to_decimal, to_float
from headway.goals.models import KeyResult
from headway.goals.rollup import core_indicator, core_period
from headway.indicators.forms import MeasurementForm
from headway.indicators.models import Indicator, Measurement, Target
from headway.indicators.services import measurement_record
from headway.org.models import Period, Person
from headway.web.current import require_person

PAGE_SIZE = 50
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


def _fraction(value: Decimal | None) -> Fraction | None:
    return None if value is None else Fraction(value)


def _core_target(target: Target) -> core.Target:
    return core.Target(_fraction(target.value), _fraction(target.lower), _fraction(target.upper))


def _thresholds(indicator: Indicator) -> Thresholds:
    return Thresholds(
        _fraction(indicator.red_below),
        _fraction(indicator.red_above),
        _fraction(indicator.tolerance),
    )


def _charted_targets(targets: list[Target]) -> list[Target]:
    """Targets of periods that do not overlap (a month inside a quarter would draw twice):
    earliest first, shortest first on the same start."""
    chosen: list[Target] = []
    for target in sorted(targets, key=lambda t: (t.period.start, t.period.end)):
        if chosen and target.period.start <= chosen[-1].period.end:
            continue
        chosen.append(target)
    return chosen


def _step(targets: list[Target], level: Any) -> list[dict[str, Any]]:
    """A stepped series: `level(target)` from each period's start, held to the last one's end."""
    points = [{"x": t.period.start.isoformat(), "y": to_float(level(t))} for t in targets]
    if targets:
        points.append({"x": targets[-1].period.end.isoformat(), "y": points[-1]["y"]})
    return points


def _bands(indicator: Indicator, targets: list[Target], top: Fraction) -> list[dict[str, Any]]:
    """Red/amber/green as filled stepped areas, stacked from the bottom up (DESIGN §3.6)."""

    def band(label: str, colour: str, level: Any, fill: Any = "-1") -> dict[str, Any]:
        return {
            "label": label,
            "style": "band",
            "colour": colour,
            "fill": fill,
            "points": _step(targets, level),
        }

    def value(t: Target) -> Fraction:
        return Fraction(t.value or 0)

    if indicator.direction == Indicator.Direction.UP:
        red_below = _fraction(indicator.red_below)
        return [
            band(
                "Red",
                "red",
                lambda t: red_below if red_below is not None else value(t) * DEFAULT_RED_SHARE,
                "origin",
            ),
            band("Amber", "amber", value),
            band("Green", "green", lambda t: top),
        ]
    if indicator.direction == Indicator.Direction.DOWN:
        red_above = _fraction(indicator.red_above)
        return [
            band("Green", "green", value, "origin"),
            band(
                "Amber",
                "amber",
                lambda t: (
                    red_above if red_above is not None else value(t) * DEFAULT_RED_ABOVE_SHARE
                ),
            ),
            band("Red", "red", lambda t: top),
        ]
    tolerance = _fraction(indicator.tolerance)

    def slack(t: Target) -> Fraction:
        if tolerance is not None:
            return tolerance
        lower, upper = Fraction(t.lower or 0), Fraction(t.upper or 0)
        return DEFAULT_TOLERANCE_SHARE * ((upper - lower) or abs(lower))

    floor = band("Red below", "red", lambda t: Fraction(t.lower or 0) - slack(t), "origin")
    return [
        floor,
        band("Amber", "amber", lambda t: Fraction(t.lower or 0)),
        band("Green", "green", lambda t: Fraction(t.upper or 0)),
        band("Amber", "amber", lambda t: Fraction(t.upper or 0) + slack(t)),
        band("Red above", "red", lambda t: top),
    ]


def _chart(
    indicator: Indicator, measurements: list[Measurement], targets: list[Target]
) -> dict[str, Any]:
    """The series charts.js draws: the values, the target per period, and the RAG bands."""
    charted = _charted_targets(targets)
    levels = [Fraction(m.value) for m in measurements]
    for t in charted:
        levels += [Fraction(v) for v in (t.value, t.lower, t.upper) if v is not None]
    top = max(levels) * Fraction(6, 5) if levels and max(levels) > 0 else Fraction(1)
    series: list[dict[str, Any]] = [
        {
            "label": indicator.name,
            "style": "line",
            "colour": "blue",
            "points": [{"x": m.date.isoformat(), "y": to_float(m.value)} for m in measurements],
        }
    ]
    if charted:
        if indicator.direction == Indicator.Direction.RANGE:
            series.append(
                {
                    "label": "Target (lower)",
                    "style": "step",
                    "colour": "dark",
                    "points": _step(charted, lambda t: t.lower),
                }
            )
            series.append(
                {
                    "label": "Target (upper)",
                    "style": "step",
                    "colour": "dark",
                    "points": _step(charted, lambda t: t.upper),
                }
            )
        else:
            series.append(
                {
                    "label": "Target",
                    "style": "step",
                    "colour": "dark",
                    "points": _step(charted, lambda t: t.value),
                }
            )
        series += _bands(indicator, charted, top)
    return {"unit": indicator.unit_label, "series": series}


def _current(
    indicator: Indicator, measurements: list[Measurement], targets: list[Target], today: dt.date
) -> dict[str, Any]:
    """This period's value, target, RAG and attainment, read as the rollup reads them."""
    by_period = {str(t.period_id): _core_target(t) for t in targets}
    reading = dataclasses.replace(core_indicator(indicator, measurements), targets=by_period)
    periods = [
        p
        for p in (
            core_period(period)
            for period in Period.objects.filter(organization_id=indicator.organization_id)
        )
        if p is not None
    ]
    period = indicator_period(reading, periods, today)
    if period is None:
        return {"period": None, "status": core.Rag.NO_TARGET}
    value = indicator_value(reading, period, today)
    target = by_period.get(period.id)
    direction = core.IndicatorDirection(indicator.direction)
    status = rag(value, direction, target, _thresholds(indicator))
    named = next((t.period for t in targets if str(t.period_id) == period.id), None)
    return {
        "period": named or Period.objects.filter(pk=period.id).first(),
        "value": to_decimal(value),
        "target": next((t for t in targets if str(t.period_id) == period.id), None),
        "status": status,
        "attainment": to_decimal(attainment(value, direction, target)),
    }


def _indicator_get(person: Person, pk: int) -> Indicator:
    """The KPI if it is in the person's organization; anything else is 404."""
    indicator = (
        Indicator.objects.select_related("owner", "result_area", "scope_unit", "scope_person__unit")
        .filter(pk=pk)
        .first()
    )
    if indicator is None or not access.indicator_visible(person, indicator):
        raise Http404("No such KPI.")
    return indicator


def _record(request: HttpRequest, person: Person, indicator: Indicator) -> MeasurementForm:
    """Record a posted value; the form comes back with its errors when nothing was recorded."""
    form = MeasurementForm(request.POST)
    if not form.is_valid():
        return form
    data = form.cleaned_data
    previous = Measurement.objects.filter(indicator=indicator, date=data["date"]).first()
    try:
        measurement_record(
            indicator=indicator,
            date=data["date"],
            value=data["value"],
            note=data["note"],
            actor=person,
        )
    except ValidationError as error:
        for field, problems in error.message_dict.items():
            form.add_error(field if field in form.fields else None, problems)
        return form
    value = f"{data['value'].normalize():f}"
    if previous is not None:
        messages.success(
            request,
            f"Replaced the value of {data['date']:%Y-%m-%d} "
            f"({previous.value.normalize():f}) with {value}.",
        )
    else:
        messages.success(request, f"Recorded {value} on {data['date']:%Y-%m-%d}.")
    return form


@login_required
def indicator_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One KPI: how it moves against its targets, where it stands now, and what it serves."""
    person = require_person(request)
    indicator = _indicator_get(person, pk)
    may_record = access.measurement_allowed(person, indicator)
    today = timezone.localdate()
    if request.method == "POST":
        if not may_record:
            raise PermissionDenied("You may not record values of this KPI.")
        form = _record(request, person, indicator)
        if form.is_valid() and not form.errors:
            return redirect("indicator", pk=indicator.pk)
    else:
        form = MeasurementForm(initial={"date": today})
    measurements = list(indicator.measurements.order_by("date"))
    targets = list(indicator.targets.select_related("period").order_by("period__start"))
    table = Paginator(indicator.measurements.order_by("-date"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    current = _current(indicator, measurements, targets, today)
    followers = [
        kr
        for kr in KeyResult.objects.filter(indicator=indicator).select_related(
            "objective__owner", "objective__scope_unit", "objective__scope_person__unit", "owner"
        )
        if access.key_result_visible(person, kr)
    ]
    return render(
        request,
        "indicators/indicator.html",
        {
            "person": person,
            "nav": "kpis",
            "indicator": indicator,
            "form": form if may_record else None,
            "page": table,
            "current": current,
            "rag_label": RAG_LABEL.get(current["status"], str(current["status"])),
            "rag_badge": RAG_BADGE.get(current["status"], "text-bg-light border"),
            "chart": _chart(indicator, measurements, targets),
            "followers": followers,
        },
    )
