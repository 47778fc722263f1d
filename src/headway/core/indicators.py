"""KPI value over a period, red/amber/green thresholds and attainment (DESIGN §3.6)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from headway.core.model import Aggregation, IndicatorDirection, Measurement, Rag, Target

DEFAULT_RED_SHARE = Fraction(9, 10)  # up: red below 90% of target
DEFAULT_RED_ABOVE_SHARE = Fraction(11, 10)  # down mirrors it: red above 110% of target
DEFAULT_TOLERANCE_SHARE = Fraction(1, 10)  # range: 10% of the range's width either side


class ThresholdError(ValueError):
    """Thresholds that overlap or contradict the indicator's direction."""


def aggregate(
    measurements: Sequence[Measurement], aggregation: Aggregation, *, start: dt.date, end: dt.date
) -> Fraction | None:
    """The indicator's value over [start, end] (inclusive); None with no measurement inside."""
    inside = sorted((m for m in measurements if start <= m.date <= end), key=lambda m: m.date)
    if not inside:
        return None
    values = [m.value for m in inside]
    if aggregation == Aggregation.LAST:
        return values[-1]
    if aggregation == Aggregation.SUM:
        return sum(values, Fraction(0))
    if aggregation == Aggregation.MEAN:
        return sum(values, Fraction(0)) / len(values)
    if aggregation == Aggregation.MIN:
        return min(values)
    return max(values)


@dataclass(frozen=True)
class Thresholds:
    """Where amber turns red: `red_below` (up), `red_above` (down), `tolerance` (range)."""

    red_below: Fraction | None = None
    red_above: Fraction | None = None
    tolerance: Fraction | None = None


def validate_thresholds(
    direction: IndicatorDirection, target: Target, thresholds: Thresholds
) -> None:
    """Reject thresholds that overlap or contradict the direction."""
    if direction == IndicatorDirection.RANGE:
        if target.lower is None or target.upper is None:
            raise ThresholdError("a range target needs a lower and an upper bound")
        if target.lower > target.upper:
            raise ThresholdError("the range's lower bound is above its upper bound")
        if thresholds.tolerance is not None and thresholds.tolerance < 0:
            raise ThresholdError("the tolerance cannot be negative")
        if thresholds.red_below is not None or thresholds.red_above is not None:
            raise ThresholdError("a range indicator takes a tolerance, not red_below/red_above")
        return
    if target.value is None:
        raise ThresholdError("the target needs a value")
    if direction == IndicatorDirection.UP:
        if thresholds.red_above is not None:
            raise ThresholdError("an upward indicator takes red_below, not red_above")
        if thresholds.red_below is not None and thresholds.red_below > target.value:
            raise ThresholdError("red_below is above the target: red would start where green is")
    else:
        if thresholds.red_below is not None:
            raise ThresholdError("a downward indicator takes red_above, not red_below")
        if thresholds.red_above is not None and thresholds.red_above < target.value:
            raise ThresholdError("red_above is below the target: red would start where green is")


def rag(
    value: Fraction | None,
    direction: IndicatorDirection,
    target: Target | None,
    thresholds: Thresholds = Thresholds(),
) -> Rag:
    """Green at or beyond target, red past the red threshold, amber between."""
    if target is None or (target.value is None and target.lower is None and target.upper is None):
        return Rag.NO_TARGET
    if value is None:
        return Rag.NO_DATA
    if direction == IndicatorDirection.RANGE:
        lower, upper = target.lower, target.upper
        assert lower is not None
        assert upper is not None
        tolerance = thresholds.tolerance
        if tolerance is None:
            width = upper - lower
            tolerance = DEFAULT_TOLERANCE_SHARE * (width if width else abs(lower))
        if lower <= value <= upper:
            return Rag.GREEN
        if lower - tolerance <= value <= upper + tolerance:
            return Rag.AMBER
        return Rag.RED
    assert target.value is not None
    if direction == IndicatorDirection.UP:
        red_below = thresholds.red_below
        if red_below is None:
            red_below = target.value * DEFAULT_RED_SHARE
        if value >= target.value:
            return Rag.GREEN
        return Rag.RED if value < red_below else Rag.AMBER
    red_above = thresholds.red_above
    if red_above is None:
        red_above = target.value * DEFAULT_RED_ABOVE_SHARE
    if value <= target.value:
        return Rag.GREEN
    return Rag.RED if value > red_above else Rag.AMBER


def attainment(
    value: Fraction | None, direction: IndicatorDirection, target: Target | None
) -> Fraction | None:
    """value ÷ target (up), target ÷ value (down); a range is 1 inside, else the nearer bound's ratio.

    Uncapped; `capped` clips it for rollups. None when there is nothing to divide.
    """
    if value is None or target is None:
        return None
    if direction == IndicatorDirection.RANGE:
        if target.lower is None or target.upper is None:
            return None
        if target.lower <= value <= target.upper:
            return Fraction(1)
        if value < target.lower:
            return value / target.lower if target.lower else None
        return target.upper / value if value else None
    if target.value is None:
        return None
    if direction == IndicatorDirection.UP:
        if target.value == 0:
            return Fraction(1) if value >= 0 else Fraction(0)
        return value / target.value
    if value == 0:
        # Zero defects against a target of two is perfect; nothing sensible to divide by.
        return Fraction(1) if target.value >= 0 else Fraction(0)
    return target.value / value


def capped(value: Fraction | None) -> Fraction | None:
    """Attainment as a rollup counts it: at most 1, at least 0."""
    if value is None:
        return None
    return max(Fraction(0), min(Fraction(1), value))
