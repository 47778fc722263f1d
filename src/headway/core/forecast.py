"""Least-squares forecast of a key result's value at the period's end (DESIGN §3.4)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from fractions import Fraction

MIN_POINTS = 3


def project(
    points: Sequence[tuple[dt.date, Fraction]], *, origin: dt.date, to: dt.date
) -> Fraction | None:
    """Fit value ~ day by ordinary least squares and read the line at `to`.

    None with fewer than three values, or when all values share one day (no slope to fit).
    """
    if len(points) < MIN_POINTS:
        return None
    xs = [Fraction((day - origin).days) for day, _ in points]
    ys = [value for _, value in points]
    n = len(points)
    mean_x = sum(xs, Fraction(0)) / n
    mean_y = sum(ys, Fraction(0)) / n
    sxx = sum(((x - mean_x) ** 2 for x in xs), Fraction(0))
    if sxx == 0:
        return None
    sxy = sum(((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)), Fraction(0))
    slope = sxy / sxx
    return mean_y + slope * (Fraction((to - origin).days) - mean_x)
