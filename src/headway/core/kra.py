"""KRA health: how a result area is doing in a period (DESIGN §3.7)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from headway.core.model import Rag
from headway.core.progress import weighted_mean

GREEN_AT = Fraction(7, 10)
AMBER_AT = Fraction(4, 10)


@dataclass(frozen=True)
class Health:
    value: Fraction | None
    status: Rag


def kra_health(
    *,
    indicator_attainments: Sequence[tuple[Fraction, Fraction | None]],
    objective_progresses: Sequence[tuple[Fraction, Fraction | None]],
) -> Health:
    """Weighted mean of its KPIs' capped attainment and its objectives' progress.

    Nothing linked is `unmeasured`; linked but with no value yet is `no_data`.
    """
    items = [*indicator_attainments, *objective_progresses]
    if not items:
        return Health(None, Rag.UNMEASURED)
    value = weighted_mean(items)
    if value is None:
        return Health(None, Rag.NO_DATA)
    if value >= GREEN_AT:
        return Health(value, Rag.GREEN)
    if value >= AMBER_AT:
        return Health(value, Rag.AMBER)
    return Health(value, Rag.RED)
