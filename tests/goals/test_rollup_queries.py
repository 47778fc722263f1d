"""A check-in's cost in SQL statements: bounded, and the same however many objectives are
aligned beside the chain it climbs (an organization objective can have thousands)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from tests.conftest import Company

from headway.api.services import token_create
from headway.goals.models import Alignment, KeyResult, Objective
from headway.goals.rollup import recompute_organization
from headway.goals.services import alignment_create, key_result_create, objective_create

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]

# 18 today: the token and its person, the key result and the access checks, the INSERTs of
# the check-in and its audit row, the rollup (the chain, its objectives, their key results, the
# off-chain sums, the latest check-in of each key result it scores, one UPDATE per table), the
# webhooks, and the transaction's own statements. (Before the grouped rollup: 36.)
MOST_STATEMENTS = 24


def _siblings(company: Company, parent: Objective, count: int, *, progress: str) -> None:
    """`count` objectives aligned to `parent`, stored as already rolled up (written in bulk: the
    test is about what a check-in reads, not about building them)."""
    siblings = Objective.objects.bulk_create(
        Objective(
            organization=company.org,
            key=f"{parent.key}-sibling-{n}",
            title=f"Sibling {n}",
            owner=company.colleague,
            period=company.quarter,
            scope_person=company.colleague,
            progress=Decimal(progress),
            status="on_track",
        )
        for n in range(count)
    )
    Alignment.objects.bulk_create(
        Alignment(organization=company.org, child=child, parent_objective=parent)
        for child in siblings
    )


def _chain_with_siblings(company: Company, siblings: int) -> KeyResult:
    """Organization objective ← unit objective ← a key result fed by children ← the member's
    objective and key result; `siblings` objectives aligned beside the chain at every level."""
    top = objective_create(
        organization=company.org, title="Grow", owner=company.admin, period=company.quarter,
        rollup=Objective.Rollup.BOTH,
    )  # fmt: skip
    unit = objective_create(
        organization=company.org, title="Sell more", owner=company.leader,
        period=company.quarter, scope_unit=company.sales, rollup=Objective.Rollup.BOTH,
    )  # fmt: skip
    alignment_create(child=unit, parent_objective=top)
    fed = key_result_create(
        objective=unit, title="Win deals", progress_source=KeyResult.Source.CHILDREN
    )
    mine = objective_create(
        organization=company.org, title="Close my deals", owner=company.member,
        period=company.quarter, scope_person=company.member,
    )  # fmt: skip
    alignment_create(child=mine, parent_key_result=fed)
    kr = key_result_create(
        objective=mine, title="Close 10 deals", start=Decimal(0), target=Decimal(10),
        owner=company.member,
    )  # fmt: skip
    _siblings(company, top, siblings, progress="0.9")
    _siblings(company, unit, siblings, progress="0.9")
    fed_siblings = Objective.objects.filter(organization=company.org, key__contains="sibling")
    Alignment.objects.bulk_create(
        Alignment(organization=company.org, child=child, parent_key_result=fed)
        for child in fed_siblings[:siblings]
    )
    return kr


def _post_check_in(client: Client, kr: KeyResult, value: str) -> int:
    """The SQL statements of one check-in POST through the API."""
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            "/api/v1/check-ins/", {"key_result": kr.pk, "value": value},
            content_type="application/json",
        )  # fmt: skip
    assert response.status_code == 201, response.content
    return len(queries)


def _client(company: Company) -> Client:
    _, secret = token_create(person=company.member, name="tests")
    return Client(headers={"Authorization": f"Bearer {secret}"})


def test_a_check_in_post_reads_the_same_statements_with_3_or_300_siblings(
    company: Company, other_company: Company
) -> None:
    # given: the same chain, with 3 objectives aligned beside it at each level, and with 300
    few = _chain_with_siblings(company, 3)
    many = _chain_with_siblings(other_company, 300)
    few_client, many_client = _client(company), _client(other_company)
    # a first check-in each, so that the measured ones move values without changing a status
    _post_check_in(few_client, few, "7")
    _post_check_in(many_client, many, "7")

    # when
    with_few = _post_check_in(few_client, few, "8")
    with_many = _post_check_in(many_client, many, "8")

    # then
    assert with_few == with_many
    assert with_many <= MOST_STATEMENTS


def test_grouped_sums_of_siblings_agree_with_a_full_recompute(company: Company) -> None:
    # given: siblings of varied weights, values and states beside the chain, made through the
    # services (so every stored value is what a recompute computes)
    from headway.checkins.services import checkin_record
    from headway.goals.services import objective_update

    kr = _chain_with_siblings(company, 0)
    top = Objective.objects.get(organization=company.org, title="Grow")
    fed = KeyResult.objects.get(organization=company.org, title="Win deals")
    for n in range(24):
        sibling = objective_create(
            organization=company.org, title=f"Beside {n}", owner=company.colleague,
            period=company.quarter, scope_person=company.colleague,
        )  # fmt: skip
        target = key_result_create(
            objective=sibling, title=f"Reach {n}", start=Decimal(0), target=Decimal(7),
        )  # fmt: skip
        if n % 5:  # some have no value yet
            checkin_record(key_result=target, value=Decimal(n % 9), author=company.colleague)
        if n % 2:
            alignment_create(child=sibling, parent_objective=top, weight=Decimal(n % 3))
        else:
            alignment_create(child=sibling, parent_key_result=fed, weight=Decimal("1.5"))
        if n % 7 == 3:
            objective_update(objective=sibling, state=Objective.State.CANCELLED)

    # when
    _post_check_in(_client(company), kr, "3")

    # then
    assert recompute_organization(company.org) == {"key_results": 0, "objectives": 0}


def _objectives_checked_in(company: Company, count: int) -> None:
    """`count` objectives of the member, each with a key result checked in once."""
    from headway.checkins.services import checkin_record

    for n in range(count):
        objective = objective_create(
            organization=company.org, title=f"Deliver {n}", owner=company.member,
            period=company.quarter, scope_person=company.member,
        )  # fmt: skip
        kr = key_result_create(
            objective=objective, title=f"Ship {n}", start=Decimal(0), target=Decimal(10),
            owner=company.member,
        )  # fmt: skip
        checkin_record(key_result=kr, value=Decimal(n % 10), author=company.member)


def _emptied(company: Company) -> None:
    """Every stored derived value emptied, as the recompute benchmark does: each row must be
    computed and written again (`no_data`: a first standing, so no escalation)."""
    KeyResult.objects.filter(organization=company.org).update(
        current=None, progress=None, attainment=None, confidence=None, last_check_in_at=None,
        status="no_data",
    )  # fmt: skip
    Objective.objects.filter(organization=company.org).update(progress=None, status="no_data")


def test_a_full_recompute_rewrites_2_or_20_objectives_in_the_same_statements(
    company: Company, other_company: Company
) -> None:
    # given: two organizations alike but for their size, every derived value emptied
    _objectives_checked_in(company, 2)
    _objectives_checked_in(other_company, 20)
    _emptied(company)
    _emptied(other_company)

    # when
    with CaptureQueriesContext(connection) as few:
        few_changed = recompute_organization(company.org)
    with CaptureQueriesContext(connection) as many:
        many_changed = recompute_organization(other_company.org)

    # then: every row written again, and no statement per row (a column the recompute leaves
    # unloaded, read by mistake, would cost one each)
    assert few_changed == {"key_results": 2, "objectives": 2}
    assert many_changed == {"key_results": 20, "objectives": 20}
    assert len(few) == len(many)
