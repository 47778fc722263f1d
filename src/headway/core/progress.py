"""Key result and objective progress (DESIGN §3.1, §3.2)."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from headway.core.model import Direction

ZERO = Fraction(0)
ONE = Fraction(1)


@functools.lru_cache(maxsize=65536)
def exact(value: Decimal) -> Fraction:
    """A stored decimal as an exact fraction. Remembered: the same starts, targets and weights
    recur across thousands of key results, and a fraction is immutable."""
    return Fraction(value)


def number(value: Decimal | None) -> Fraction | None:
    """A stored decimal that may be missing, as an exact fraction."""
    return None if value is None else exact(value)


def clamp(value: Fraction, low: Fraction = ZERO, high: Fraction = ONE) -> Fraction:
    return max(low, min(high, value))


@dataclass(frozen=True)
class Progress:
    """`progress` in [0, 1]; `attainment` unclamped (may read 150% or -25%).

    `progress` is None when the key result cannot be measured (no start or no target).
    `has_value` is False when no value was recorded yet: threshold kinds then read `no_data`.
    """

    progress: Fraction | None
    attainment: Fraction | None
    has_value: bool = True


def infer_direction(start: Fraction | None, target: Fraction | None) -> Direction:
    """Target below start means decrease; otherwise increase (DESIGN §6 defaults)."""
    if start is not None and target is not None and target < start:
        return Direction.DECREASE
    return Direction.INCREASE


def key_result_progress(
    *,
    direction: Direction,
    start: Fraction | None,
    target: Fraction | None,
    current: Fraction | None,
    lower: Fraction | None = None,
    upper: Fraction | None = None,
) -> Progress:
    """Progress of a numeric key result. No value yet means current = start."""
    if direction in (Direction.INCREASE, Direction.DECREASE):
        if start is None or target is None:
            return Progress(None, None, current is not None)
        value = start if current is None else current
        if target == start:
            if current is None:  # nothing recorded yet: no progress, whatever the start says
                return Progress(ZERO, ZERO, has_value=False)
            reached = value >= target if direction == Direction.INCREASE else value <= target
            p = ONE if reached else ZERO
            return Progress(p, p, current is not None)
        raw = (value - start) / (target - start)
        return Progress(clamp(raw), raw, current is not None)

    if current is None:
        return Progress(ZERO, ZERO, has_value=False)
    if direction == Direction.AT_LEAST:
        met = target is not None and current >= target
    elif direction == Direction.AT_MOST:
        met = target is not None and current <= target
    else:  # within: bounds inclusive
        met = lower is not None and upper is not None and lower <= current <= upper
    p = ONE if met else ZERO
    return Progress(p, p)


def boolean_progress(done: bool) -> Progress:
    p = ONE if done else ZERO
    return Progress(p, p)


def milestones_progress(milestones: Iterable[tuple[Fraction, bool]]) -> Progress:
    """Σ weight of done ÷ Σ weight; no milestones (or no weight) cannot be measured."""
    items = list(milestones)
    total = sum((w for w, _ in items), ZERO)
    if total <= 0:
        return Progress(None, None, has_value=False)
    p = sum((w for w, done in items if done), ZERO) / total
    return Progress(p, p)


def weighted_mean(items: Iterable[tuple[Fraction, Fraction | None]]) -> Fraction | None:
    """Σ wᵢ·pᵢ / Σ wᵢ over the items that have a value; None when nothing counts."""
    total_weight = ZERO
    total = ZERO
    for weight, value in items:
        if value is None:
            continue
        total_weight += weight
        total += weight * value
    if total_weight <= 0:
        return None
    return total / total_weight
