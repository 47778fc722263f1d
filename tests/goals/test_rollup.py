"""A check-in moves its key result, its objective and every aligned ancestor, at once."""

from __future__ import annotations

from decimal import Decimal

import pytest
from tests.conftest import Company

from headway.checkins.services import checkin_record
from headway.goals.models import KeyResult, Objective, StatusChange
from headway.goals.rollup import recompute_organization
from headway.goals.services import alignment_create, key_result_create, objective_create

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]


def test_a_check_in_updates_the_key_result_and_its_objective(company: Company) -> None:
    # given
    objective = objective_create(
        organization=company.org,
        title="Delight customers",
        owner=company.member,
        period=company.quarter,
    )
    nps = key_result_create(
        objective=objective,
        title="Increase NPS from 45 to 60",
        start=Decimal(45),
        target=Decimal(60),
    )
    key_result_create(
        objective=objective, title="Reduce churn from 8% to 5%", start=Decimal(8), target=Decimal(5),
        direction="decrease", weight=Decimal(3),
    )  # fmt: skip

    # when
    checkin_record(key_result=nps, value=Decimal(48), confidence=6, author=company.member)

    # then
    nps.refresh_from_db()
    objective.refresh_from_db()
    assert nps.current == Decimal(48)
    assert nps.progress == Decimal("0.2")
    assert nps.confidence == 6
    assert objective.progress == Decimal("0.05")  # (1×0.2 + 3×0) / 4
    assert objective.status == "off_track"  # expected 0.5 on 2026-11-15


def test_a_check_in_rolls_up_through_aligned_objectives_and_key_results(company: Company) -> None:
    # given: org objective ← unit objective (children rollup) ← person objective via a KR
    top = objective_create(
        organization=company.org, title="Grow", owner=company.admin, period=company.quarter,
        rollup=Objective.Rollup.BOTH,
    )  # fmt: skip
    fed = key_result_create(
        objective=top, title="Win deals", progress_source=KeyResult.Source.CHILDREN
    )
    team = objective_create(
        organization=company.org, title="Sell more", owner=company.leader, period=company.quarter,
        scope_unit=company.sales,
    )  # fmt: skip
    alignment_create(child=team, parent_key_result=fed)
    deals = key_result_create(
        objective=team, title="Close 10 deals", start=Decimal(0), target=Decimal(10)
    )

    # when
    checkin_record(key_result=deals, value=Decimal(5), author=company.leader)

    # then
    fed.refresh_from_db()
    top.refresh_from_db()
    assert fed.progress == Decimal("0.5")
    assert top.progress == Decimal("0.5")


def test_recompute_agrees_with_the_incremental_values(company: Company) -> None:
    objective = objective_create(
        organization=company.org,
        title="Delight customers",
        owner=company.member,
        period=company.quarter,
    )
    kr = key_result_create(objective=objective, title="NPS", start=Decimal(45), target=Decimal(60))
    checkin_record(key_result=kr, value=Decimal(50), author=company.member)

    assert recompute_organization(company.org) == {"key_results": 0, "objectives": 0}


def test_recompute_reads_the_check_ins_of_an_objective_without_a_period(company: Company) -> None:
    objective = objective_create(
        organization=company.org, title="Open the Lisbon office", owner=company.member,
        period=None,
    )  # fmt: skip
    kr = key_result_create(objective=objective, title="Hires", start=Decimal(0), target=Decimal(9))
    checkin_record(key_result=kr, value=Decimal(6), author=company.member)
    kr.refresh_from_db()
    assert kr.progress == Decimal("0.6666666667")

    assert recompute_organization(company.org) == {"key_results": 0, "objectives": 0}


def test_closing_a_period_grades_and_freezes_every_score(company: Company) -> None:
    # given
    from headway.goals.models import ScoreSnapshot
    from headway.goals.services import period_close

    objective = objective_create(
        organization=company.org,
        title="Delight customers",
        owner=company.member,
        period=company.quarter,
    )
    kr = key_result_create(objective=objective, title="NPS", start=Decimal(45), target=Decimal(60))
    checkin_record(key_result=kr, value=Decimal(55), author=company.member)  # 10/15 = 0.667

    # when
    frozen = period_close(period=company.quarter, actor=company.admin)

    # then
    assert frozen == 2
    kr_score = ScoreSnapshot.objects.get(key_result=kr)
    assert kr_score.grade == Decimal("0.7")
    assert kr_score.status == "green"
    assert kr_score.current == Decimal(55)
    objective_score = ScoreSnapshot.objects.get(objective=objective)
    assert objective_score.grade == Decimal("0.7")
    # A later check-in does not change what was frozen.
    checkin_record(key_result=kr, value=Decimal(40), author=company.member)
    kr_score.refresh_from_db()
    assert kr_score.grade == Decimal("0.7")


def _chain(company: Company, depth: int, *, bystanders: int) -> KeyResult:
    """A key result at the bottom of `depth` aligned objectives, beside unrelated objectives."""
    parent = None
    for level in range(depth):
        objective = objective_create(
            organization=company.org, title=f"Level {level}", owner=company.member,
            period=company.quarter, rollup=Objective.Rollup.BOTH,
        )  # fmt: skip
        if parent is not None:
            alignment_create(child=objective, parent_objective=parent)
        parent = objective
    for n in range(bystanders):
        other = objective_create(
            organization=company.org, title=f"Bystander {n}", owner=company.colleague,
            period=company.quarter,
        )  # fmt: skip
        key_result_create(objective=other, title=f"B{n}", start=Decimal(0), target=Decimal(1))
    assert parent is not None
    return key_result_create(objective=parent, title="Bottom", start=Decimal(0), target=Decimal(10))


def _check_in_queries(company: Company, kr: KeyResult, value: int = 5) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        checkin_record(key_result=kr, value=Decimal(value), author=company.member)
    return len(queries)


@pytest.mark.parametrize("depth", [1, 3])
def test_a_check_in_costs_the_same_however_big_the_organization(
    company: Company, other_company: Company, depth: int
) -> None:
    small = _chain(company, depth, bystanders=1)
    large = _chain(other_company, depth, bystanders=25)

    assert _check_in_queries(company, small) == _check_in_queries(other_company, large)


def test_a_first_check_in_turns_every_status_of_a_chain_in_the_same_statements(
    company: Company,
) -> None:
    # A first check-in turns every status of the chain: one StatusChange row per level, all
    # written in one statement.
    chains = [_chain(company, depth, bystanders=0) for depth in (1, 4, 7)]
    counts, logged = [], []
    for kr in chains:
        before = StatusChange.objects.count()
        counts.append(_check_in_queries(company, kr))
        logged.append(StatusChange.objects.count() - before)

    assert counts[0] == counts[1] == counts[2]
    assert logged[0] < logged[1] < logged[2]


def test_a_deeper_chain_is_read_and_written_in_the_same_statements(company: Company) -> None:
    # given: chains of 1, 4 and 7 aligned objectives, checked in once (statuses set)
    chains = [_chain(company, depth, bystanders=0) for depth in (1, 4, 7)]
    for kr in chains:
        checkin_record(key_result=kr, value=Decimal(5), author=company.member)

    # when: a value that moves every level's progress but no status (on track at 0.5 and 0.6)
    counts = [_check_in_queries(company, kr, value=6) for kr in chains]

    # then: one query reads the chain, one each its objectives and key results; one UPDATE each
    assert counts[0] == counts[1] == counts[2]
