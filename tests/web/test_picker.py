"""The search-as-you-type pickers: they offer only what the person may pick."""

from __future__ import annotations

from decimal import Decimal

import pytest
from tests.conftest import Company, signed_in

from headway.goals.models import Objective
from headway.goals.services import key_result_create, objective_create

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]


def pick(person: object, kind: str, **params: str) -> str:
    response = signed_in(person).get(f"/pick/{kind}/", {"name": "field", **params})  # type: ignore[arg-type]
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def private(company: Company) -> Objective:
    return objective_create(
        organization=company.org, title="Secret turnaround", owner=company.member,
        period=company.quarter, scope_person=company.member, visibility="private",
    )  # fmt: skip


def test_people_are_found_by_name_team_or_email(company: Company) -> None:
    found = pick(company.member, "person", field__q="sales emea")

    assert "Mia Member" in found
    assert "Cole Colleague" in found
    assert "Otto Outsider" not in found


def test_another_tenants_people_never_appear(company: Company, other_company: Company) -> None:
    assert "Mia Member" in pick(company.member, "person", field__q="Mia")
    assert "Mia Member" not in pick(other_company.admin, "person", field__q="member@acme")


def test_objectives_and_key_results_match_and_private_ones_stay_hidden(
    company: Company, private: Objective
) -> None:
    key_result_create(
        objective=private, title="Secret metric from 1 to 2", start=Decimal(1), target=Decimal(2)
    )
    team = objective_create(
        organization=company.org, title="Secret sauce for Sales", owner=company.leader,
        period=company.quarter, scope_unit=company.sales,
    )  # fmt: skip
    key_result_create(
        objective=team, title="Secret recipes from 0 to 5", start=Decimal(0), target=Decimal(5)
    )

    outsider = pick(company.outsider, "alignment", field__q="secret")
    owner = pick(company.member, "alignment", field__q="secret")

    assert f'value="objective:{team.pk}"' in outsider
    assert "Secret recipes from 0 to 5" in outsider
    assert "Secret turnaround" not in outsider
    assert "Secret metric" not in outsider
    assert "Secret turnaround" in owner
    assert "Secret metric from 1 to 2" in owner


def test_the_objective_being_edited_is_not_offered_as_its_own_parent(
    company: Company, private: Objective
) -> None:
    found = pick(company.member, "alignment", field__q="Secret", exclude=str(private.pk))

    assert "Secret turnaround" not in found


def test_the_current_choice_stays_checked_whatever_is_typed(
    company: Company, private: Objective
) -> None:
    found = pick(
        company.member, "alignment", field__q="nothing like it", field=f"objective:{private.pk}"
    )

    assert f'value="objective:{private.pk}" id="id_field-1" checked' in found


def test_units_and_kpis_are_searched(company: Company) -> None:
    from headway.indicators.services import indicator_create

    indicator_create(organization=company.org, name="Net revenue retention", owner=company.leader)

    assert "Sales EMEA" in pick(company.member, "unit", field__q="emea")
    assert "Support" not in pick(company.member, "unit", field__q="emea")
    assert "Net revenue retention" in pick(company.member, "indicator", field__q="retention")


def test_nothing_matches_says_so(company: Company) -> None:
    assert "Nothing matches “zzz”" in pick(company.member, "person", field__q="zzz")


def test_an_unknown_picker_or_a_bad_field_name_is_404(company: Company) -> None:
    client = signed_in(company.member)

    assert client.get("/pick/planets/", {"name": "x"}).status_code == 404
    assert client.get("/pick/person/", {"name": "x y"}).status_code == 404


def test_the_picker_needs_a_signed_in_person(company: Company) -> None:
    from django.test import Client

    assert Client().get("/pick/person/", {"name": "owner"}).status_code == 302


def test_the_search_makes_a_bounded_number_of_queries(
    company: Company, django_assert_max_num_queries: object
) -> None:
    for n in range(30):
        objective_create(
            organization=company.org, title=f"Objective {n}", owner=company.member,
            period=company.quarter,
        )  # fmt: skip
    client = signed_in(company.member)
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        client.get("/pick/alignment/", {"name": "f", "f__q": "Objective"})
