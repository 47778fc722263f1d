"""Expected pace, status and the grade at close (DESIGN §3.3, §3.5)."""

from __future__ import annotations

import datetime as dt
import functools
import math
from decimal import Decimal
from fractions import Fraction

from headway.core.model import Status
from headway.core.progress import clamp

ON_TRACK_GAP = Fraction(1, 10)
AT_RISK_GAP = Fraction(1, 4)


@functools.lru_cache(maxsize=4096)
def expected_pace(start: dt.date, end: dt.date, day: dt.date) -> Fraction:
    """Share of the period elapsed by the end of `day`: 2026-10-01..12-31 on 11-15 is 46/92.
    Remembered: a rollup asks it of the same period and day for every key result."""
    length = (end - start).days + 1
    if length <= 0:
        return Fraction(1)
    return clamp(Fraction((day - start).days + 1, length))


def grade(progress: Fraction) -> Decimal:
    """Progress at the period's end, rounded half up to one decimal (0.0–1.0)."""
    tenths = (
        math.floor(progress * 10 + Fraction(1, 2))
        if progress >= 0
        else -math.floor(-progress * 10 + Fraction(1, 2))
    )
    return Decimal(tenths).scaleb(-1)


def grade_colour(value: Decimal) -> Status:
    """The Google scale: 0.7–1.0 green, 0.4–0.6 yellow, 0.0–0.3 red."""
    if value >= Decimal("0.7"):
        return Status.GREEN
    if value >= Decimal("0.4"):
        return Status.YELLOW
    return Status.RED


def pace_status(
    *,
    progress: Fraction | None,
    start: dt.date,
    end: dt.date,
    today: dt.date,
    closed: bool = False,
    has_data: bool = True,
) -> Status:
    """The computed status of a key result or objective on `today`."""
    if today < start:
        return Status.NOT_STARTED
    if progress is None or not has_data:
        return Status.NO_DATA
    if closed:
        return grade_colour(grade(progress))
    gap = expected_pace(start, end, today) - progress
    if gap <= ON_TRACK_GAP:
        return Status.ON_TRACK
    if gap <= AT_RISK_GAP:
        return Status.AT_RISK
    return Status.OFF_TRACK
