"""Key result and objective progress, line by line (DESIGN §3.1, §3.2)."""

from __future__ import annotations

from fractions import Fraction as F

import pytest

from headway.core.model import Direction
from headway.core.progress import (
    Progress,
    boolean_progress,
    clamp,
    infer_direction,
    key_result_progress,
    milestones_progress,
    weighted_mean,
)

INC = Direction.INCREASE
DEC = Direction.DECREASE


# -- §3.1 increase / decrease ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("direction", "start", "target", "current", "progress", "attainment"),
    [
        pytest.param(INC, 0, 100, 0, F(0), F(0), id="increase-at-start"),
        pytest.param(INC, 0, 100, 50, F(1, 2), F(1, 2), id="increase-halfway"),
        pytest.param(INC, 0, 100, 100, F(1), F(1), id="increase-at-target"),
        pytest.param(INC, 0, 100, 150, F(1), F(3, 2), id="increase-overshoot-shows-150pct"),
        pytest.param(INC, 100, 200, 75, F(0), F(-1, 4), id="increase-wrong-way-shows-minus-25pct"),
        pytest.param(INC, 10, 20, 5, F(0), F(-1, 2), id="increase-below-start-is-no-progress"),
        pytest.param(INC, 45, 60, 48, F(1, 5), F(1, 5), id="start-never-ignored-0.2-not-0.8"),
        pytest.param(INC, -10, 10, 0, F(1, 2), F(1, 2), id="increase-from-negative-start"),
        pytest.param(INC, 0, 3, 1, F(1, 3), F(1, 3), id="increase-exact-third"),
        pytest.param(DEC, 100, 50, 100, F(0), F(0), id="decrease-at-start"),
        pytest.param(DEC, 100, 50, 75, F(1, 2), F(1, 2), id="decrease-halfway"),
        pytest.param(DEC, 100, 50, 50, F(1), F(1), id="decrease-at-target"),
        pytest.param(DEC, 100, 50, 25, F(1), F(3, 2), id="decrease-overshoot-shows-150pct"),
        pytest.param(DEC, 100, 50, 120, F(0), F(-2, 5), id="decrease-wrong-way-is-no-progress"),
        pytest.param(DEC, 40, 30, 38, F(1, 5), F(1, 5), id="decrease-start-never-ignored"),
    ],
)
def test_increase_and_decrease_measure_from_start_to_target(
    direction, start, target, current, progress, attainment
):
    result = key_result_progress(
        direction=direction, start=F(start), target=F(target), current=F(current)
    )
    assert result == Progress(progress, attainment, has_value=True)


@pytest.mark.parametrize(
    ("direction", "current", "progress"),
    [
        pytest.param(INC, 10, F(1), id="increase-reached-exactly"),
        pytest.param(INC, 11, F(1), id="increase-beyond"),
        pytest.param(INC, 9, F(0), id="increase-short"),
        pytest.param(DEC, 10, F(1), id="decrease-reached-exactly"),
        pytest.param(DEC, 9, F(1), id="decrease-beyond"),
        pytest.param(DEC, 11, F(0), id="decrease-short"),
    ],
)
def test_start_equal_to_target_is_reached_or_not(direction, current, progress):
    result = key_result_progress(direction=direction, start=F(10), target=F(10), current=F(current))
    assert result.progress == progress
    assert result.attainment == progress


@pytest.mark.parametrize(
    ("direction", "start", "target", "current"),
    [
        pytest.param(INC, 45, 60, 45, id="increase"),
        pytest.param(DEC, 100, 50, 100, id="decrease"),
    ],
)
def test_no_value_yet_reads_as_the_start_value(direction, start, target, current):
    without = key_result_progress(
        direction=direction, start=F(start), target=F(target), current=None
    )
    at_start = key_result_progress(
        direction=direction, start=F(start), target=F(target), current=F(current)
    )
    assert without.progress == at_start.progress == F(0)
    assert without.attainment == F(0)
    assert without.has_value is False


@pytest.mark.parametrize("direction", [INC, DEC], ids=["increase", "decrease"])
def test_no_value_yet_with_start_equal_to_target_is_zero(direction):
    result = key_result_progress(direction=direction, start=F(10), target=F(10), current=None)
    assert result.progress == F(0)


@pytest.mark.parametrize(
    ("start", "target"),
    [
        pytest.param(None, F(10), id="no-start"),
        pytest.param(F(0), None, id="no-target"),
    ],
)
@pytest.mark.parametrize("direction", [INC, DEC], ids=["increase", "decrease"])
def test_a_key_result_without_start_or_target_cannot_be_measured(direction, start, target):
    result = key_result_progress(direction=direction, start=start, target=target, current=F(5))
    assert result.progress is None
    assert result.attainment is None


# -- §3.1 thresholds -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("direction", "target", "lower", "upper", "current", "progress"),
    [
        pytest.param(Direction.AT_LEAST, 95, None, None, 95, 1, id="at-least-bound-inclusive"),
        pytest.param(Direction.AT_LEAST, 95, None, None, 96, 1, id="at-least-above"),
        pytest.param(Direction.AT_LEAST, 95, None, None, F(9499, 100), 0, id="at-least-just-below"),
        pytest.param(Direction.AT_MOST, 5, None, None, 5, 1, id="at-most-bound-inclusive"),
        pytest.param(Direction.AT_MOST, 5, None, None, 4, 1, id="at-most-below"),
        pytest.param(Direction.AT_MOST, 5, None, None, F(501, 100), 0, id="at-most-just-above"),
        pytest.param(Direction.WITHIN, None, 10, 20, 10, 1, id="within-lower-inclusive"),
        pytest.param(Direction.WITHIN, None, 10, 20, 15, 1, id="within-inside"),
        pytest.param(Direction.WITHIN, None, 10, 20, 20, 1, id="within-upper-inclusive"),
        pytest.param(Direction.WITHIN, None, 10, 20, F(999, 100), 0, id="within-just-below"),
        pytest.param(Direction.WITHIN, None, 10, 20, F(2001, 100), 0, id="within-just-above"),
        pytest.param(Direction.AT_LEAST, None, None, None, 100, 0, id="at-least-without-bound"),
        pytest.param(Direction.WITHIN, None, 10, None, 15, 0, id="within-without-upper"),
    ],
)
def test_thresholds_are_met_or_not_with_inclusive_bounds(
    direction, target, lower, upper, current, progress
):
    def number(value):
        return None if value is None else F(value)

    result = key_result_progress(
        direction=direction,
        start=None,
        target=number(target),
        current=F(current),
        lower=number(lower),
        upper=number(upper),
    )
    assert result == Progress(F(progress), F(progress), has_value=True)


@pytest.mark.parametrize(
    "direction",
    [Direction.AT_LEAST, Direction.AT_MOST, Direction.WITHIN],
    ids=["at-least", "at-most", "within"],
)
def test_a_threshold_with_no_value_is_zero_and_has_no_data(direction):
    result = key_result_progress(
        direction=direction, start=None, target=F(5), current=None, lower=F(1), upper=F(9)
    )
    assert result == Progress(F(0), F(0), has_value=False)


# -- §3.1 boolean and milestones -------------------------------------------------------------


@pytest.mark.parametrize(
    ("done", "progress"),
    [pytest.param(True, F(1), id="done"), pytest.param(False, F(0), id="not-done")],
)
def test_boolean_is_one_when_done(done, progress):
    assert boolean_progress(done) == Progress(progress, progress)


@pytest.mark.parametrize(
    ("milestones", "progress"),
    [
        pytest.param([(1, True), (1, False)], F(1, 2), id="equal-weights-half"),
        pytest.param([(1, True), (2, False), (3, True)], F(2, 3), id="weighted-4-of-6"),
        pytest.param([(3, False), (1, True)], F(1, 4), id="heavy-undone"),
        pytest.param([(1, True), (1, True)], F(1), id="all-done"),
        pytest.param([(1, False), (5, False)], F(0), id="none-done"),
        pytest.param([(F(1, 3), True), (F(2, 3), False)], F(1, 3), id="fractional-weights"),
    ],
)
def test_milestones_are_weight_of_done_over_total_weight(milestones, progress):
    result = milestones_progress((F(w), done) for w, done in milestones)
    assert result == Progress(progress, progress)


@pytest.mark.parametrize(
    "milestones",
    [pytest.param([], id="none"), pytest.param([(0, True)], id="zero-weight")],
)
def test_milestones_without_weight_cannot_be_measured(milestones):
    result = milestones_progress((F(w), done) for w, done in milestones)
    assert result.progress is None
    assert result.has_value is False


# -- helpers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "clamped"),
    [
        pytest.param(F(-1, 4), F(0), id="below"),
        pytest.param(F(0), F(0), id="zero"),
        pytest.param(F(3, 7), F(3, 7), id="inside"),
        pytest.param(F(1), F(1), id="one"),
        pytest.param(F(3, 2), F(1), id="above"),
    ],
)
def test_clamp_keeps_progress_between_zero_and_one(value, clamped):
    assert clamp(value) == clamped


@pytest.mark.parametrize(
    ("start", "target", "direction"),
    [
        pytest.param(F(100), F(50), DEC, id="target-below-start-decreases"),
        pytest.param(F(50), F(100), INC, id="target-above-start-increases"),
        pytest.param(F(10), F(10), INC, id="equal-increases"),
        pytest.param(None, F(10), INC, id="no-start-increases"),
    ],
)
def test_direction_is_inferred_from_start_and_target(start, target, direction):
    assert infer_direction(start, target) == direction


# -- §3.2 objective progress -----------------------------------------------------------------


def test_weights_are_honoured_for_targets_of_100k_20k_and_1k():
    # Three key results with very different scales: 100k revenue (weight 5), 20k signups
    # (weight 2) and 1k reviews (weight 1). Each one's progress is its own §3.1 fraction.
    revenue = key_result_progress(direction=INC, start=F(0), target=F(100_000), current=F(50_000))
    signups = key_result_progress(direction=INC, start=F(0), target=F(20_000), current=F(20_000))
    reviews = key_result_progress(direction=INC, start=F(0), target=F(1_000), current=F(0))
    items = [(F(5), revenue.progress), (F(2), signups.progress), (F(1), reviews.progress)]

    # (5·½ + 2·1 + 1·0) / 8 = 4½ / 8 = 9/16, not the unweighted (½ + 1 + 0) / 3 = ½.
    assert weighted_mean(items) == F(9, 16)
    assert weighted_mean(items) != F(1, 2)


@pytest.mark.parametrize(
    ("items", "mean"),
    [
        pytest.param([(1, F(1, 2))], F(1, 2), id="single"),
        pytest.param([(1, F(0)), (1, F(1))], F(1, 2), id="equal-weights"),
        pytest.param([(3, F(0)), (1, F(1))], F(1, 4), id="weighted"),
        pytest.param([(1, F(1, 3)), (2, F(2, 3))], F(5, 9), id="fractions-stay-exact"),
        pytest.param([(1, None), (1, F(1, 2))], F(1, 2), id="unmeasurable-item-skipped"),
        pytest.param([(0, F(1)), (1, F(1, 5))], F(1, 5), id="zero-weight-item-counts-nothing"),
    ],
)
def test_objective_progress_is_the_weighted_mean_of_its_items(items, mean):
    assert weighted_mean((F(w), p) for w, p in items) == mean


@pytest.mark.parametrize(
    "items",
    [
        pytest.param([], id="no-items"),
        pytest.param([(1, None)], id="only-unmeasurable"),
        pytest.param([(0, F(1))], id="only-zero-weight"),
    ],
)
def test_nothing_to_count_is_no_value_not_zero(items):
    assert weighted_mean((F(w), p) for w, p in items) is None
