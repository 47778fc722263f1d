"""Shared reads: what a person may list and open, what is due, and the line of sight."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from tests.conftest import Company

from headway.checkins.services import checkin_record
from headway.goals.models import Objective
from headway.goals.selectors import (
    key_results_due_for_check_in,
    line_of_sight,
    objective_get,
    objective_list,
)
from headway.goals.services import (
    alignment_create,
    key_result_create,
    objective_create,
    result_area_create,
)

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 15)


def test_a_private_objective_is_listed_for_its_owner_and_manager_only(company: Company) -> None:
    private = objective_create(
        organization=company.org, title="Get promoted", owner=company.member,
        period=company.quarter, visibility="private", scope_person=company.member,
    )  # fmt: skip

    assert private in objective_list(person=company.member)
    assert private in objective_list(person=company.leader)
    assert private not in objective_list(person=company.colleague)
    assert private not in objective_list(person=company.outsider)


def test_opening_another_tenants_objective_is_404(company: Company, other_company: Company) -> None:
    theirs = objective_create(
        organization=other_company.org, title="Theirs", owner=other_company.member,
        period=other_company.quarter,
    )  # fmt: skip

    with pytest.raises(Http404):
        objective_get(person=company.admin, pk=theirs.pk)
    assert objective_get(person=other_company.admin, pk=theirs.pk) == theirs


def test_a_private_objective_is_404_for_a_colleague(company: Company) -> None:
    private = objective_create(
        organization=company.org, title="Get promoted", owner=company.member,
        period=company.quarter, visibility="private",
    )  # fmt: skip

    with pytest.raises(Http404):
        objective_get(person=company.colleague, pk=private.pk)


def test_listing_costs_the_same_queries_for_many_objectives(
    company: Company, django_assert_num_queries: object
) -> None:
    for n in range(12):
        objective_create(
            organization=company.org, title=f"O{n}", owner=company.member, period=company.quarter
        )
    with django_assert_num_queries(1):  # type: ignore[operator]
        rows = [
            (o.title, o.owner.name, o.period.name) for o in objective_list(person=company.member)
        ]
    assert len(rows) == 12


def test_key_results_are_due_when_not_checked_in_this_week(
    company: Company, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: TODAY)
    objective = objective_create(
        organization=company.org, title="Delight", owner=company.member, period=company.quarter
    )
    fresh = key_result_create(objective=objective, title="NPS", start=Decimal(1), target=Decimal(2))
    old = key_result_create(objective=objective, title="CSAT", start=Decimal(1), target=Decimal(2))
    never = key_result_create(objective=objective, title="FRT", start=Decimal(2), target=Decimal(1))
    checkin_record(key_result=fresh, value=Decimal(1), author=company.member, date=TODAY)
    checkin_record(
        key_result=old, value=Decimal(1), author=company.member, date=TODAY - dt.timedelta(days=7)
    )

    due = set(key_results_due_for_check_in(person=company.member, today=TODAY))

    assert due == {old, never}


def test_line_of_sight_reaches_the_organizations_kra(company: Company) -> None:
    org_kra = result_area_create(
        organization=company.org, name="Revenue growth", owner=company.admin
    )
    sales_kra = result_area_create(
        organization=company.org, name="New business", owner=company.leader,
        scope_unit=company.sales, parent=org_kra,
    )  # fmt: skip
    top = objective_create(
        organization=company.org, title="Grow", owner=company.admin, period=company.quarter,
        result_area=org_kra,
    )  # fmt: skip
    deals = key_result_create(objective=top, title="Win deals", progress_source="children")
    team = objective_create(
        organization=company.org, title="Sell more", owner=company.leader, period=company.quarter,
        scope_unit=company.sales, result_area=sales_kra,
    )  # fmt: skip
    mine = objective_create(
        organization=company.org, title="Close my pipeline", owner=company.member,
        period=company.quarter,
    )  # fmt: skip
    alignment_create(child=team, parent_key_result=deals)
    alignment_create(child=mine, parent_objective=team)

    steps = [(s.kind, str(s.item)) for s in line_of_sight(mine)]

    assert steps == [
        ("objective", "Sell more"),
        ("key_result", "Win deals"),
        ("objective", "Grow"),
        ("result_area", "New business"),
        ("result_area", "Revenue growth"),
    ]


def _ladder(company: Company, levels: int) -> Objective:
    """`levels` objectives, each aligned under the one before it, under an organization KRA
    with a parent; the lowest returned."""
    parent_kra = result_area_create(organization=company.org, name="Growth", owner=company.admin)
    kra = result_area_create(
        organization=company.org, name="Revenue", owner=company.admin, parent=parent_kra
    )
    above = objective_create(
        organization=company.org, title="Level 0", owner=company.admin, period=company.quarter,
        result_area=kra,
    )  # fmt: skip
    for level in range(1, levels):
        below = objective_create(
            organization=company.org, title=f"Level {level}", owner=company.admin,
            period=company.quarter,
        )  # fmt: skip
        alignment_create(child=below, parent_objective=above)
        above = below
    return above


def test_line_of_sight_follows_the_heaviest_link(company: Company) -> None:
    light = objective_create(
        organization=company.org, title="Light", owner=company.admin, period=company.quarter
    )
    heavy = objective_create(
        organization=company.org, title="Heavy", owner=company.admin, period=company.quarter
    )
    mine = objective_create(
        organization=company.org, title="Mine", owner=company.member, period=company.quarter
    )
    alignment_create(child=mine, parent_objective=light, weight=Decimal(1))
    alignment_create(child=mine, parent_objective=heavy, weight=Decimal(3))

    assert [str(s.item) for s in line_of_sight(mine)] == ["Heavy"]


@pytest.mark.parametrize("levels", [2, 8])
def test_line_of_sight_costs_the_same_queries_at_any_depth(company: Company, levels: int) -> None:
    lowest = _ladder(company, levels)
    lowest = Objective.objects.get(pk=lowest.pk)

    with CaptureQueriesContext(connection) as queries:
        steps = line_of_sight(lowest)

    assert [str(s.item) for s in steps] == [
        *(f"Level {n}" for n in reversed(range(levels - 1))),
        "Revenue",
        "Growth",
    ]
    assert len(queries) == 4  # the chain, its links with their parents, the KRA chain, its KRAs
