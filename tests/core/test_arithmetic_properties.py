"""Properties of the arithmetic that must hold for every input (DESIGN §3)."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction as F

from hypothesis import given, settings
from hypothesis import strategies as st

from headway.core.forecast import project
from headway.core.model import Direction
from headway.core.pace import expected_pace
from headway.core.progress import (
    boolean_progress,
    key_result_progress,
    milestones_progress,
    weighted_mean,
)

# Per test, not a global profile: other modules' property tests keep their own settings.
fast = settings(max_examples=200, deadline=None)

# Fractions built from small integers: exact like the core's numbers, and quick to draw.
numbers = st.builds(F, st.integers(-1000, 1000), st.integers(1, 12))
maybe_numbers = st.none() | numbers
progresses = st.builds(lambda n, d: F(min(n, d), d), st.integers(0, 40), st.integers(1, 40))
weights = st.builds(F, st.integers(1, 100), st.integers(1, 10))
days = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2030, 12, 31))


def in_unit_interval(value: F | None) -> bool:
    return value is None or F(0) <= value <= F(1)


# -- progress stays in [0, 1] ----------------------------------------------------------------


@fast
@given(
    direction=st.sampled_from(list(Direction)),
    start=maybe_numbers,
    target=maybe_numbers,
    current=maybe_numbers,
    lower=maybe_numbers,
    upper=maybe_numbers,
)
def test_progress_is_always_between_zero_and_one(direction, start, target, current, lower, upper):
    result = key_result_progress(
        direction=direction, start=start, target=target, current=current, lower=lower, upper=upper
    )
    assert in_unit_interval(result.progress)
    if direction in (Direction.INCREASE, Direction.DECREASE) and None not in (start, target):
        assert result.progress is not None


@fast
@given(done=st.booleans())
def test_boolean_progress_is_zero_or_one(done):
    assert boolean_progress(done).progress in (F(0), F(1))


@fast
@given(st.lists(st.tuples(weights, st.booleans()), max_size=6))
def test_milestone_progress_is_between_zero_and_one(milestones):
    assert in_unit_interval(milestones_progress(milestones).progress)


# -- moving the wrong way never raises progress ----------------------------------------------


@st.composite
def increasing(draw):
    """start ≤ target, as an increasing key result has them."""
    a, b = draw(numbers), draw(numbers)
    return min(a, b), max(a, b)


@fast
@given(bounds=increasing(), a=numbers, b=numbers)
def test_increase_a_larger_current_never_gives_less_progress(bounds, a, b):
    start, target = bounds
    low, high = min(a, b), max(a, b)

    def progress(current):
        return key_result_progress(
            direction=Direction.INCREASE, start=start, target=target, current=current
        ).progress

    assert progress(low) <= progress(high)


@fast
@given(bounds=increasing(), a=numbers, b=numbers)
def test_decrease_a_smaller_current_never_gives_less_progress(bounds, a, b):
    target, start = bounds  # target ≤ start
    low, high = min(a, b), max(a, b)

    def progress(current):
        return key_result_progress(
            direction=Direction.DECREASE, start=start, target=target, current=current
        ).progress

    assert progress(low) >= progress(high)


@fast
@given(start=numbers, target=numbers, current=numbers)
def test_at_or_beyond_the_target_is_full_progress(start, target, current):
    for direction, reached in (
        (Direction.INCREASE, target >= start and current >= target),
        (Direction.DECREASE, target <= start and current <= target),
    ):
        if reached:
            result = key_result_progress(
                direction=direction, start=start, target=target, current=current
            )
            assert result.progress == F(1)


@fast
@given(bound=numbers, a=numbers, b=numbers)
def test_thresholds_are_monotone_in_their_direction(bound, a, b):
    low, high = min(a, b), max(a, b)

    def progress(direction, current):
        return key_result_progress(
            direction=direction, start=None, target=bound, current=current
        ).progress

    assert progress(Direction.AT_LEAST, low) <= progress(Direction.AT_LEAST, high)
    assert progress(Direction.AT_MOST, low) >= progress(Direction.AT_MOST, high)


# -- objective progress honours weights -------------------------------------------------------

items_lists = st.lists(st.tuples(weights, progresses), min_size=1, max_size=6)


@fast
@given(items=items_lists, factor=weights)
def test_scaling_every_weight_changes_nothing(items, factor):
    scaled = [(w * factor, p) for w, p in items]
    assert weighted_mean(scaled) == weighted_mean(items)


@fast
@given(items=items_lists)
def test_objective_progress_lies_between_its_items(items):
    mean = weighted_mean(items)
    assert mean is not None
    assert min(p for _, p in items) <= mean <= max(p for _, p in items)


@fast
@given(items=items_lists, data=st.data(), extra=weights)
def test_raising_one_weight_moves_the_mean_toward_that_item(items, data, extra):
    index = data.draw(st.integers(min_value=0, max_value=len(items) - 1))
    before = weighted_mean(items)
    raised = [(w + extra, p) if i == index else (w, p) for i, (w, p) in enumerate(items)]
    after = weighted_mean(raised)
    item = items[index][1]
    assert abs(after - item) <= abs(before - item)
    # and it moves toward the item, never past it
    assert min(before, item) <= after <= max(before, item)


# -- expected pace ---------------------------------------------------------------------------


@st.composite
def periods(draw):
    start = draw(days)
    length = draw(st.integers(min_value=0, max_value=400))
    return start, start + dt.timedelta(days=length)


@fast
@given(period=periods(), a=days, b=days)
def test_expected_pace_is_monotone_and_between_zero_and_one(period, a, b):
    start, end = period
    early, late = min(a, b), max(a, b)
    assert F(0) <= expected_pace(start, end, early) <= expected_pace(start, end, late) <= F(1)


@fast
@given(period=periods())
def test_expected_pace_is_one_on_the_last_day_and_above_zero_on_the_first(period):
    start, end = period
    assert expected_pace(start, end, end) == F(1)
    assert expected_pace(start, end, start) == F(1, (end - start).days + 1)


# -- forecast --------------------------------------------------------------------------------


@fast
@given(
    intercept=numbers,
    slope=numbers,
    offsets=st.lists(st.integers(min_value=0, max_value=120), min_size=3, max_size=10).filter(
        lambda xs: len(set(xs)) > 1
    ),
    to=st.integers(min_value=0, max_value=400),
)
def test_forecast_of_points_on_a_line_is_that_line(intercept, slope, offsets, to):
    origin = dt.date(2026, 1, 1)
    points = [(origin + dt.timedelta(days=x), intercept + slope * x) for x in offsets]
    projected = project(points, origin=origin, to=origin + dt.timedelta(days=to))
    assert projected == intercept + slope * to
