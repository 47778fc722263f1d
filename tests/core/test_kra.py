"""KRA health: the weighted mean of KPI attainment and objective progress (DESIGN §3.7)."""

from __future__ import annotations

from fractions import Fraction as F

import pytest

from headway.core.kra import Health, kra_health
from headway.core.model import Rag

ONE = F(1)
TINY = F(1, 10**9)


@pytest.mark.parametrize(
    ("indicators", "objectives", "health"),
    [
        pytest.param([(ONE, F(1))], [], Health(F(1), Rag.GREEN), id="one-kpi-met"),
        pytest.param([], [(ONE, F(1, 2))], Health(F(1, 2), Rag.AMBER), id="one-objective-half"),
        pytest.param(
            [(ONE, F(1))], [(ONE, F(1, 2))], Health(F(3, 4), Rag.GREEN), id="equal-weights-mean"
        ),
        pytest.param(
            [(ONE, F(1)), (ONE, F(3, 5))],
            [(ONE, F(1, 5))],
            Health(F(3, 5), Rag.AMBER),
            id="two-kpis-one-objective",
        ),
        pytest.param(
            [(F(3), F(0))], [(ONE, F(1))], Health(F(1, 4), Rag.RED), id="weights-are-honoured"
        ),
        pytest.param(
            [(ONE, None)], [(ONE, F(1, 2))], Health(F(1, 2), Rag.AMBER), id="unread-kpi-skipped"
        ),
        # exact boundaries
        pytest.param([(ONE, F(7, 10))], [], Health(F(7, 10), Rag.GREEN), id="0.7-is-green"),
        pytest.param(
            [(ONE, F(7, 10) - TINY)], [], Health(F(7, 10) - TINY, Rag.AMBER), id="under-0.7-amber"
        ),
        pytest.param([(ONE, F(2, 5))], [], Health(F(2, 5), Rag.AMBER), id="0.4-is-amber"),
        pytest.param(
            [(ONE, F(2, 5) - TINY)], [], Health(F(2, 5) - TINY, Rag.RED), id="under-0.4-red"
        ),
        pytest.param([(ONE, F(0))], [], Health(F(0), Rag.RED), id="zero-red"),
        # (0.6 + 0.8) / 2 lands on 0.7 exactly
        pytest.param(
            [(ONE, F(3, 5))], [(ONE, F(4, 5))], Health(F(7, 10), Rag.GREEN), id="mean-on-0.7"
        ),
    ],
)
def test_health_is_the_weighted_mean_with_exact_boundaries(indicators, objectives, health):
    result = kra_health(indicator_attainments=indicators, objective_progresses=objectives)
    assert result == health


def test_nothing_linked_is_unmeasured():
    assert kra_health(indicator_attainments=[], objective_progresses=[]) == Health(
        None, Rag.UNMEASURED
    )


def test_linked_but_nothing_read_yet_is_no_data():
    result = kra_health(indicator_attainments=[(ONE, None)], objective_progresses=[(ONE, None)])
    assert result == Health(None, Rag.NO_DATA)
