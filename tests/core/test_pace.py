"""Expected pace, status and the grade at close (DESIGN §3.3, §3.5)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction as F

import pytest

from headway.core.model import Status, to_number
from headway.core.pace import expected_pace, grade, grade_colour, pace_status

Q4_START = dt.date(2026, 10, 1)
Q4_END = dt.date(2026, 12, 31)  # 92 days, both inclusive

# A ten-day and a twenty-day period make exact gaps of 1/10 and 1/4 easy to build.
TEN_START, TEN_END = dt.date(2026, 1, 1), dt.date(2026, 1, 10)
TWENTY_START, TWENTY_END = dt.date(2026, 1, 1), dt.date(2026, 1, 20)


# -- §3.3 expected pace ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param(dt.date(2026, 11, 15), F(46, 92), id="mid-quarter-46-of-92"),
        pytest.param(Q4_START, F(1, 92), id="first-day-counts-as-one"),
        pytest.param(dt.date(2026, 10, 2), F(2, 92), id="second-day"),
        pytest.param(dt.date(2026, 12, 30), F(91, 92), id="day-before-last"),
        pytest.param(Q4_END, F(1), id="last-day-is-one"),
        pytest.param(dt.date(2026, 9, 30), F(0), id="day-before-start-is-zero"),
        pytest.param(dt.date(2026, 6, 1), F(0), id="long-before-clamped-to-zero"),
        pytest.param(dt.date(2027, 1, 1), F(1), id="day-after-end-clamped-to-one"),
        pytest.param(dt.date(2027, 6, 1), F(1), id="long-after-clamped-to-one"),
    ],
)
def test_expected_pace_is_the_share_of_days_elapsed(day, expected):
    assert expected_pace(Q4_START, Q4_END, day) == expected


def test_mid_quarter_is_exactly_one_half():
    assert expected_pace(Q4_START, Q4_END, dt.date(2026, 11, 15)) == F(1, 2)


def test_a_one_day_period_is_complete_on_its_day():
    day = dt.date(2026, 3, 3)
    assert expected_pace(day, day, day) == F(1)


# -- §3.3 status ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "today", "progress", "status"),
    [
        # ten-day period, day 5: expected 5/10 = 1/2
        pytest.param(
            TEN_START, TEN_END, dt.date(2026, 1, 5), F(2, 5), Status.ON_TRACK,
            id="gap-exactly-0.10-on-track",
        ),
        pytest.param(
            TEN_START, TEN_END, dt.date(2026, 1, 5), F(2, 5) - F(1, 10**9), Status.AT_RISK,
            id="gap-just-above-0.10-at-risk",
        ),
        pytest.param(
            TEN_START, TEN_END, dt.date(2026, 1, 5), F(1, 2), Status.ON_TRACK,
            id="gap-zero-on-track",
        ),
        pytest.param(
            TEN_START, TEN_END, dt.date(2026, 1, 5), F(1), Status.ON_TRACK,
            id="ahead-negative-gap-on-track",
        ),
        # twenty-day period, day 10: expected 10/20 = 1/2
        pytest.param(
            TWENTY_START, TWENTY_END, dt.date(2026, 1, 10), F(1, 4), Status.AT_RISK,
            id="gap-exactly-0.25-at-risk",
        ),
        pytest.param(
            TWENTY_START, TWENTY_END, dt.date(2026, 1, 10), F(1, 4) - F(1, 10**9),
            Status.OFF_TRACK, id="gap-just-above-0.25-off-track",
        ),
        pytest.param(
            TWENTY_START, TWENTY_END, dt.date(2026, 1, 10), F(0), Status.OFF_TRACK,
            id="nothing-done-halfway-off-track",
        ),
        # Floats would say 0.4 - 0.3 = 0.10000000000000003 > 0.1: Fractions keep it on track.
        pytest.param(
            TEN_START, TEN_END, dt.date(2026, 1, 4), to_number(0.3), Status.ON_TRACK,
            id="expected-0.4-progress-0.3-on-track",
        ),
        pytest.param(
            Q4_START, Q4_END, dt.date(2026, 11, 15), F(2, 5), Status.ON_TRACK,
            id="quarter-mid-0.4-on-track",
        ),
        pytest.param(
            Q4_START, Q4_END, dt.date(2026, 11, 15), F(1, 4), Status.AT_RISK,
            id="quarter-mid-0.25-at-risk",
        ),
        pytest.param(
            Q4_START, Q4_END, dt.date(2026, 9, 30), F(0), Status.NOT_STARTED,
            id="before-period-not-started",
        ),
        pytest.param(
            Q4_START, Q4_END, dt.date(2026, 9, 30), F(1), Status.NOT_STARTED,
            id="before-period-not-started-even-if-done",
        ),
        pytest.param(
            Q4_START, Q4_END, dt.date(2026, 11, 15), None, Status.NO_DATA,
            id="unmeasurable-no-data",
        ),
    ],
)  # fmt: skip
def test_status_follows_the_gap_between_expected_pace_and_progress(
    start, end, today, progress, status
):
    assert pace_status(progress=progress, start=start, end=end, today=today) == status


def test_expected_pace_and_progress_of_the_gap_cases_are_what_the_ids_say():
    assert expected_pace(TEN_START, TEN_END, dt.date(2026, 1, 5)) - F(2, 5) == F(1, 10)
    assert expected_pace(TWENTY_START, TWENTY_END, dt.date(2026, 1, 10)) - F(1, 4) == F(1, 4)
    assert expected_pace(TEN_START, TEN_END, dt.date(2026, 1, 4)) == F(2, 5)


def test_a_value_without_data_reads_no_data():
    status = pace_status(
        progress=F(0), start=Q4_START, end=Q4_END, today=dt.date(2026, 11, 15), has_data=False
    )
    assert status == Status.NO_DATA


@pytest.mark.parametrize(
    ("progress", "status"),
    [
        pytest.param(F(1), Status.GREEN, id="1.0-green"),
        pytest.param(F(65, 100), Status.GREEN, id="0.65-rounds-to-0.7-green"),
        pytest.param(F(649, 1000), Status.YELLOW, id="0.649-rounds-to-0.6-yellow"),
        pytest.param(F(35, 100), Status.YELLOW, id="0.35-rounds-to-0.4-yellow"),
        pytest.param(F(349, 1000), Status.RED, id="0.349-rounds-to-0.3-red"),
        pytest.param(F(0), Status.RED, id="0.0-red"),
    ],
)
def test_a_closed_period_shows_the_grade_colour(progress, status):
    # Long after the end, where an open period would be compared with an expected pace of 1.
    closed = pace_status(
        progress=progress, start=Q4_START, end=Q4_END, today=dt.date(2027, 2, 1), closed=True
    )
    assert closed == status


def test_a_closed_objective_with_no_progress_has_no_data():
    status = pace_status(
        progress=None, start=Q4_START, end=Q4_END, today=dt.date(2027, 2, 1), closed=True
    )
    assert status == Status.NO_DATA


# -- §3.5 grade ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("progress", "value"),
    [
        pytest.param(F(65, 100), "0.7", id="0.65-half-up-to-0.7"),
        pytest.param(F(649, 1000), "0.6", id="0.649-down-to-0.6"),
        pytest.param(F(35, 100), "0.4", id="0.35-half-up-to-0.4"),
        pytest.param(F(5, 100), "0.1", id="0.05-half-up-to-0.1"),
        pytest.param(F(45, 100), "0.5", id="0.45-half-up-to-0.5-not-banker-0.4"),
        pytest.param(F(25, 100), "0.3", id="0.25-half-up-to-0.3-not-banker-0.2"),
        pytest.param(F(95, 100), "1.0", id="0.95-half-up-to-1.0"),
        pytest.param(F(1, 3), "0.3", id="a-third-to-0.3"),
        pytest.param(F(2, 3), "0.7", id="two-thirds-to-0.7"),
        pytest.param(F(0), "0.0", id="zero"),
        pytest.param(F(1), "1.0", id="one"),
        pytest.param(F(9, 16), "0.6", id="nine-sixteenths-to-0.6"),
    ],
)
def test_grade_rounds_half_up_to_one_decimal(progress, value):
    assert grade(progress) == Decimal(value)


def test_grade_is_exact_just_below_a_half():
    assert grade(F(65, 100) - F(1, 10**30)) == Decimal("0.6")


@pytest.mark.parametrize(
    ("value", "status"),
    [
        pytest.param("1.0", Status.GREEN, id="1.0-green"),
        pytest.param("0.7", Status.GREEN, id="0.7-green"),
        pytest.param("0.6", Status.YELLOW, id="0.6-yellow"),
        pytest.param("0.4", Status.YELLOW, id="0.4-yellow"),
        pytest.param("0.3", Status.RED, id="0.3-red"),
        pytest.param("0.0", Status.RED, id="0.0-red"),
    ],
)
def test_grade_colour_follows_the_google_scale(value, status):
    assert grade_colour(Decimal(value)) == status
