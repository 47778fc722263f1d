"""Least-squares forecast of a key result's value at the period's end (DESIGN §3.4)."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction as F

import pytest

from headway.core.evaluate import score_key_result
from headway.core.forecast import project
from headway.core.model import CheckIn, Direction, KeyResult, Period

JAN_1 = dt.date(2026, 1, 1)
JAN = Period("2026-01", JAN_1, dt.date(2026, 1, 31))  # day 0 .. day 30


def day(n: int) -> dt.date:
    return JAN_1 + dt.timedelta(days=n)


# Worked by hand. Points (x = days since Jan 1, y): (0, 0), (10, 10), (20, 40).
#   mean x = 30/3 = 10, mean y = 50/3
#   Sxx = (−10)² + 0² + 10² = 200
#   Sxy = (−10)(0 − 50/3) + 0·(10 − 50/3) + 10(40 − 50/3) = 500/3 + 700/3 = 400
#   slope = 400 / 200 = 2
#   at Jan 31 (x = 30): 50/3 + 2·(30 − 10) = 50/3 + 40 = 170/3
HAND_POINTS = [(day(0), F(0)), (day(10), F(10)), (day(20), F(40))]
HAND_PROJECTION = F(170, 3)


@pytest.mark.parametrize(
    ("points", "to", "value"),
    [
        pytest.param(HAND_POINTS, day(30), HAND_PROJECTION, id="hand-worked-ols"),
        pytest.param(list(reversed(HAND_POINTS)), day(30), HAND_PROJECTION, id="order-free"),
        pytest.param(HAND_POINTS, day(10), F(50, 3), id="read-at-mean-x-is-mean-y"),
        pytest.param(
            [(day(0), F(5)), (day(1), F(7)), (day(2), F(9))], day(10), F(25), id="exact-line"
        ),
        pytest.param(
            [(day(0), F(3)), (day(4), F(3)), (day(9), F(3))], day(30), F(3), id="flat-line"
        ),
        # Two points on day 0 (0 and 2, mean 1) and one on day 2 (5):
        #   mean x = 2/3, mean y = 7/3; Sxx = 4/9 + 4/9 + 16/9 = 8/3
        #   Sxy = (−2/3)(−7/3) + (−2/3)(−1/3) + (4/3)(8/3) = 14/9 + 2/9 + 32/9 = 16/3
        #   slope = 2; at x = 4: 7/3 + 2·(4 − 2/3) = 7/3 + 20/3 = 9
        pytest.param(
            [(day(0), F(0)), (day(0), F(2)), (day(2), F(5))], day(4), F(9), id="repeated-day"
        ),
    ],
)
def test_project_fits_ordinary_least_squares(points, to, value):
    assert project(points, origin=JAN_1, to=to) == value


@pytest.mark.parametrize(
    "points",
    [
        pytest.param([], id="none"),
        pytest.param([(day(0), F(1))], id="one"),
        pytest.param([(day(0), F(1)), (day(5), F(2))], id="two"),
        pytest.param([(day(3), F(1)), (day(3), F(2)), (day(3), F(4))], id="all-on-one-day"),
    ],
)
def test_no_forecast_from_fewer_than_three_values_or_a_single_day(points):
    assert project(points, origin=JAN_1, to=day(30)) is None


def test_the_origin_does_not_change_the_projection():
    assert project(HAND_POINTS, origin=dt.date(2025, 6, 1), to=day(30)) == HAND_PROJECTION


# -- forecast of a key result --------------------------------------------------------------


def kr(*check_ins: tuple[int, int], start: int | None = 0, target: int = 100, **kw) -> KeyResult:
    return KeyResult(
        id="kr",
        title="t",
        direction=kw.pop("direction", Direction.INCREASE),
        start=None if start is None else F(start),
        target=F(target),
        check_ins=[CheckIn(day(d), F(v)) for d, v in check_ins],
        **kw,
    )


def test_the_start_value_at_the_periods_start_counts_as_the_third_value():
    score = score_key_result(kr((10, 10), (20, 40)), period=JAN, today=day(20))
    # The start (day 0, 0) and the two check-ins are HAND_POINTS; the due date is Jan 31.
    assert score.forecast_value == HAND_PROJECTION
    # §3.1 on the projection: (170/3 − 0) / (100 − 0) = 17/30.
    assert score.forecast == F(17, 30)


def test_forecast_progress_is_clamped_to_one():
    score = score_key_result(kr((10, 10), (20, 40), target=50), period=JAN, today=day(20))
    assert score.forecast_value == HAND_PROJECTION
    assert score.forecast == F(1)


def test_forecast_progress_of_a_decrease_applies_the_decrease_formula():
    # 100, 90, 80 on days 0, 10, 20: slope −1, at day 30 → 70; (70 − 100)/(40 − 100) = 1/2.
    score = score_key_result(
        kr((10, 90), (20, 80), start=100, target=40, direction=Direction.DECREASE),
        period=JAN,
        today=day(20),
    )
    assert score.forecast_value == F(70)
    assert score.forecast == F(1, 2)


def test_forecast_progress_going_the_wrong_way_is_zero():
    # 0, −10, −20: the line ends at −30, which is no progress (not negative progress).
    score = score_key_result(kr((10, -10), (20, -20)), period=JAN, today=day(20))
    assert score.forecast_value == F(-30)
    assert score.forecast == F(0)


@pytest.mark.parametrize(
    ("key_result", "today"),
    [
        pytest.param(kr((10, 10)), day(20), id="start-plus-one-check-in"),
        pytest.param(kr(), day(20), id="start-only"),
        pytest.param(kr((10, 10), (20, 40), start=None), day(20), id="two-check-ins-no-start"),
        pytest.param(kr((10, 10), (25, 40)), day(20), id="check-in-after-today-not-counted"),
        pytest.param(kr((-5, 10), (10, 40)), day(20), id="check-in-before-period-not-counted"),
        pytest.param(kr((0, 10), (0, 40)), day(20), id="all-on-the-first-day"),
    ],
)
def test_no_key_result_forecast_from_fewer_than_three_values(key_result, today):
    score = score_key_result(key_result, period=JAN, today=today)
    assert score.forecast_value is None
    assert score.forecast is None


def test_a_due_date_is_where_the_line_is_read():
    score = score_key_result(kr((10, 10), (20, 40), due=day(25)), period=JAN, today=day(20))
    # 50/3 + 2·(25 − 10) = 50/3 + 30 = 140/3
    assert score.forecast_value == F(140, 3)
    assert score.forecast == F(7, 15)
