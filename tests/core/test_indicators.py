"""KPI value over a period, red/amber/green thresholds and attainment (DESIGN §3.6)."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction as F

import pytest

from headway.core.evaluate import indicator_period
from headway.core.indicators import (
    ThresholdError,
    Thresholds,
    aggregate,
    attainment,
    capped,
    rag,
    validate_thresholds,
)
from headway.core.model import (
    Aggregation,
    Indicator,
    IndicatorDirection,
    Measurement,
    Period,
    Rag,
    Target,
)

UP = IndicatorDirection.UP
DOWN = IndicatorDirection.DOWN
RANGE = IndicatorDirection.RANGE

START, END = dt.date(2026, 10, 1), dt.date(2026, 12, 31)

# Deliberately out of date order; the first and last lie outside the period.
MEASUREMENTS = [
    Measurement(dt.date(2026, 11, 15), F(30)),
    Measurement(dt.date(2026, 9, 30), F(1000)),
    Measurement(dt.date(2026, 12, 31), F(20)),
    Measurement(dt.date(2026, 10, 1), F(10)),
    Measurement(dt.date(2027, 1, 1), F(-1000)),
]


# -- value over a period ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("aggregation", "value"),
    [
        pytest.param(Aggregation.LAST, F(20), id="last-is-latest-on-or-before-end"),
        pytest.param(Aggregation.SUM, F(60), id="sum"),
        pytest.param(Aggregation.MEAN, F(20), id="mean"),
        pytest.param(Aggregation.MIN, F(10), id="min"),
        pytest.param(Aggregation.MAX, F(30), id="max"),
    ],
)
def test_value_aggregates_only_the_measurements_inside_the_period(aggregation, value):
    assert aggregate(MEASUREMENTS, aggregation, start=START, end=END) == value


@pytest.mark.parametrize(
    ("aggregation", "end", "value"),
    [
        pytest.param(Aggregation.LAST, dt.date(2026, 12, 30), F(30), id="last-before-a-later-one"),
        pytest.param(Aggregation.LAST, dt.date(2026, 11, 15), F(30), id="last-on-the-end-day"),
        pytest.param(Aggregation.LAST, dt.date(2026, 11, 14), F(10), id="last-day-before"),
        pytest.param(Aggregation.SUM, dt.date(2026, 11, 15), F(40), id="sum-to-a-day"),
        pytest.param(Aggregation.MEAN, dt.date(2026, 11, 15), F(20), id="mean-to-a-day"),
    ],
)
def test_value_up_to_an_earlier_end(aggregation, end, value):
    assert aggregate(MEASUREMENTS, aggregation, start=START, end=end) == value


def test_mean_stays_exact():
    values = [Measurement(START, F(1)), Measurement(END, F(2)), Measurement(END, F(2))]
    assert aggregate(values, Aggregation.MEAN, start=START, end=END) == F(5, 3)


@pytest.mark.parametrize("aggregation", list(Aggregation), ids=[a.value for a in Aggregation])
def test_no_measurement_inside_the_period_is_no_value(aggregation):
    outside = [m for m in MEASUREMENTS if not START <= m.date <= END]
    assert aggregate(outside, aggregation, start=START, end=END) is None


# -- thresholds ------------------------------------------------------------------------------


TARGET_100 = Target(F(100))
RANGE_10_20 = Target(lower=F(10), upper=F(20))


@pytest.mark.parametrize(
    ("thresholds", "value", "status"),
    [
        # target 100; default red below 90% of it = 90
        pytest.param(Thresholds(), F(120), Rag.GREEN, id="above-target"),
        pytest.param(Thresholds(), F(100), Rag.GREEN, id="at-target"),
        pytest.param(Thresholds(), F(9999, 100), Rag.AMBER, id="just-below-target"),
        pytest.param(Thresholds(), F(90), Rag.AMBER, id="at-default-90pct"),
        pytest.param(Thresholds(), F(8999, 100), Rag.RED, id="below-default-90pct"),
        pytest.param(Thresholds(red_below=F(80)), F(85), Rag.AMBER, id="red-below-80-between"),
        pytest.param(Thresholds(red_below=F(80)), F(80), Rag.AMBER, id="red-below-80-at"),
        pytest.param(Thresholds(red_below=F(80)), F(7999, 100), Rag.RED, id="red-below-80-under"),
    ],
)
def test_rag_up_is_green_at_target_and_red_below_the_threshold(thresholds, value, status):
    assert rag(value, UP, TARGET_100, thresholds) == status


@pytest.mark.parametrize(
    ("thresholds", "value", "status"),
    [
        # target 100; default red above 110% of it = 110
        pytest.param(Thresholds(), F(80), Rag.GREEN, id="below-target"),
        pytest.param(Thresholds(), F(100), Rag.GREEN, id="at-target"),
        pytest.param(Thresholds(), F(10001, 100), Rag.AMBER, id="just-above-target"),
        pytest.param(Thresholds(), F(110), Rag.AMBER, id="at-default-110pct"),
        pytest.param(Thresholds(), F(11001, 100), Rag.RED, id="above-default-110pct"),
        pytest.param(Thresholds(red_above=F(150)), F(150), Rag.AMBER, id="red-above-150-at"),
        pytest.param(Thresholds(red_above=F(150)), F(15001, 100), Rag.RED, id="red-above-150-over"),
    ],
)
def test_rag_down_mirrors_up(thresholds, value, status):
    assert rag(value, DOWN, TARGET_100, thresholds) == status


@pytest.mark.parametrize(
    ("thresholds", "value", "status"),
    [
        # [10, 20] with tolerance 2
        pytest.param(Thresholds(tolerance=F(2)), F(10), Rag.GREEN, id="lower-inclusive"),
        pytest.param(Thresholds(tolerance=F(2)), F(15), Rag.GREEN, id="inside"),
        pytest.param(Thresholds(tolerance=F(2)), F(20), Rag.GREEN, id="upper-inclusive"),
        pytest.param(Thresholds(tolerance=F(2)), F(999, 100), Rag.AMBER, id="just-below"),
        pytest.param(Thresholds(tolerance=F(2)), F(8), Rag.AMBER, id="tolerance-below-inclusive"),
        pytest.param(Thresholds(tolerance=F(2)), F(799, 100), Rag.RED, id="beyond-below"),
        pytest.param(Thresholds(tolerance=F(2)), F(22), Rag.AMBER, id="tolerance-above-inclusive"),
        pytest.param(Thresholds(tolerance=F(2)), F(2201, 100), Rag.RED, id="beyond-above"),
        pytest.param(Thresholds(tolerance=F(0)), F(2001, 100), Rag.RED, id="zero-tolerance"),
        # default tolerance: 10% of the width = 1
        pytest.param(Thresholds(), F(9), Rag.AMBER, id="default-tolerance-edge-below"),
        pytest.param(Thresholds(), F(899, 100), Rag.RED, id="default-tolerance-beyond-below"),
        pytest.param(Thresholds(), F(21), Rag.AMBER, id="default-tolerance-edge-above"),
        pytest.param(Thresholds(), F(2101, 100), Rag.RED, id="default-tolerance-beyond-above"),
    ],
)
def test_rag_range_is_green_inside_and_amber_within_the_tolerance(thresholds, value, status):
    assert rag(value, RANGE, RANGE_10_20, thresholds) == status


@pytest.mark.parametrize(
    ("target", "value", "status"),
    [
        pytest.param(None, F(5), Rag.NO_TARGET, id="no-target"),
        pytest.param(Target(), F(5), Rag.NO_TARGET, id="empty-target"),
        pytest.param(TARGET_100, None, Rag.NO_DATA, id="no-value"),
    ],
)
def test_rag_without_a_target_or_a_value(target, value, status):
    assert rag(value, UP, target, Thresholds()) == status


@pytest.mark.parametrize(
    ("direction", "target", "thresholds"),
    [
        pytest.param(UP, TARGET_100, Thresholds(red_below=F(101)), id="up-red-above-green"),
        pytest.param(UP, TARGET_100, Thresholds(red_above=F(110)), id="up-given-red-above"),
        pytest.param(UP, Target(), Thresholds(), id="up-without-target-value"),
        pytest.param(DOWN, TARGET_100, Thresholds(red_above=F(99)), id="down-red-below-green"),
        pytest.param(DOWN, TARGET_100, Thresholds(red_below=F(90)), id="down-given-red-below"),
        pytest.param(RANGE, Target(lower=F(20), upper=F(10)), Thresholds(), id="range-inverted"),
        pytest.param(RANGE, Target(lower=F(10)), Thresholds(), id="range-without-upper"),
        pytest.param(RANGE, Target(upper=F(10)), Thresholds(), id="range-without-lower"),
        pytest.param(
            RANGE,
            Target(lower=F(10), upper=F(20)),
            Thresholds(tolerance=F(-1)),
            id="range-negative-tolerance",
        ),
        pytest.param(
            RANGE,
            Target(lower=F(10), upper=F(20)),
            Thresholds(red_below=F(5)),
            id="range-given-red-below",
        ),
        pytest.param(
            RANGE,
            Target(lower=F(10), upper=F(20)),
            Thresholds(red_above=F(25)),
            id="range-given-red-above",
        ),
    ],
)
def test_thresholds_that_overlap_or_contradict_are_rejected(direction, target, thresholds):
    with pytest.raises(ThresholdError):
        validate_thresholds(direction, target, thresholds)


@pytest.mark.parametrize(
    ("direction", "target", "thresholds"),
    [
        pytest.param(UP, TARGET_100, Thresholds(), id="up-defaults"),
        pytest.param(UP, TARGET_100, Thresholds(red_below=F(80)), id="up-red-below"),
        pytest.param(UP, TARGET_100, Thresholds(red_below=F(100)), id="up-no-amber-band"),
        pytest.param(DOWN, TARGET_100, Thresholds(), id="down-defaults"),
        pytest.param(DOWN, TARGET_100, Thresholds(red_above=F(120)), id="down-red-above"),
        pytest.param(DOWN, TARGET_100, Thresholds(red_above=F(100)), id="down-no-amber-band"),
        pytest.param(RANGE, Target(lower=F(10), upper=F(20)), Thresholds(), id="range-defaults"),
        pytest.param(
            RANGE, Target(lower=F(10), upper=F(20)), Thresholds(tolerance=F(0)), id="range-zero-tol"
        ),
        pytest.param(RANGE, Target(lower=F(5), upper=F(5)), Thresholds(), id="range-single-point"),
    ],
)
def test_consistent_thresholds_are_accepted(direction, target, thresholds):
    validate_thresholds(direction, target, thresholds)  # raises on rejection


# -- attainment ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "direction", "target", "raw", "rollup"),
    [
        pytest.param(F(80), UP, TARGET_100, F(4, 5), F(4, 5), id="up-value-over-target"),
        pytest.param(F(100), UP, TARGET_100, F(1), F(1), id="up-at-target"),
        pytest.param(F(120), UP, TARGET_100, F(6, 5), F(1), id="up-beyond-capped-at-1"),
        pytest.param(F(-10), UP, TARGET_100, F(-1, 10), F(0), id="up-negative-capped-at-0"),
        pytest.param(F(5), UP, Target(F(0)), F(1), F(1), id="up-zero-target-met"),
        pytest.param(F(4), DOWN, Target(F(2)), F(1, 2), F(1, 2), id="down-target-over-value"),
        pytest.param(F(2), DOWN, Target(F(2)), F(1), F(1), id="down-at-target"),
        pytest.param(F(1), DOWN, Target(F(2)), F(2), F(1), id="down-beyond-capped-at-1"),
        pytest.param(F(0), DOWN, Target(F(2)), F(1), F(1), id="down-zero-value-is-perfect"),
        pytest.param(F(15), RANGE, RANGE_10_20, F(1), F(1), id="range-inside"),
        pytest.param(F(10), RANGE, RANGE_10_20, F(1), F(1), id="range-at-lower"),
        pytest.param(F(8), RANGE, RANGE_10_20, F(4, 5), F(4, 5), id="range-below-value-over-lower"),
        pytest.param(
            F(25), RANGE, RANGE_10_20, F(4, 5), F(4, 5), id="range-above-upper-over-value"
        ),
        pytest.param(None, UP, TARGET_100, None, None, id="no-value"),
        pytest.param(F(5), UP, None, None, None, id="no-target"),
        pytest.param(F(5), UP, Target(), None, None, id="target-without-value"),
    ],
)
def test_attainment_is_value_over_target_and_capped_for_rollups(
    value, direction, target, raw, rollup
):
    result = attainment(value, direction, target)
    assert result == raw
    assert capped(result) == rollup


@pytest.mark.parametrize(
    ("value", "result"),
    [
        pytest.param(F(3, 2), F(1), id="above-one"),
        pytest.param(F(1), F(1), id="one"),
        pytest.param(F(3, 5), F(3, 5), id="inside"),
        pytest.param(F(0), F(0), id="zero"),
        pytest.param(F(-1, 2), F(0), id="negative"),
        pytest.param(None, None, id="none"),
    ],
)
def test_capped_clips_to_between_zero_and_one(value, result):
    assert capped(value) == result


# -- which period an indicator is read for ---------------------------------------------------

YEAR = Period("2026", dt.date(2026, 1, 1), dt.date(2026, 12, 31))
Q3 = Period("2026-Q3", dt.date(2026, 7, 1), dt.date(2026, 9, 30))
Q4 = Period("2026-Q4", START, END)
PERIODS = [YEAR, Q3, Q4]


@pytest.mark.parametrize(
    ("targets", "today", "period"),
    [
        pytest.param({"2026", "2026-Q4"}, dt.date(2026, 11, 15), Q4, id="shortest-with-target"),
        pytest.param({"2026"}, dt.date(2026, 11, 15), YEAR, id="prefers-one-with-target"),
        pytest.param(set(), dt.date(2026, 11, 15), Q4, id="shortest-when-none-has-target"),
        pytest.param({"2026-Q3"}, dt.date(2027, 2, 1), Q3, id="after-all-latest-started-target"),
        pytest.param({"2026", "2026-Q3"}, dt.date(2027, 2, 1), YEAR, id="latest-ending-wins"),
        pytest.param(set(), dt.date(2027, 2, 1), None, id="after-all-without-target"),
        pytest.param({"2026"}, dt.date(2025, 6, 1), None, id="before-all"),
    ],
)
def test_indicator_is_read_for_the_period_containing_today(targets, today, period):
    indicator = Indicator("kpi", "KPI", "org", targets={t: Target(F(1)) for t in targets})
    assert indicator_period(indicator, PERIODS, today) == period
