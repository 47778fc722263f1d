"""The alignment map: roots first, one level per expansion, only what the person may see."""

from __future__ import annotations

from decimal import Decimal

import pytest
from tests.conftest import Company, signed_in

from headway.goals.models import KeyResult
from headway.goals.services import (
    alignment_create,
    key_result_create,
    objective_create,
    result_area_create,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]


@pytest.fixture
def cascade(company: Company) -> dict:
    kra = result_area_create(organization=company.org, name="Revenue growth", owner=company.admin)
    top = objective_create(
        organization=company.org, title="Grow revenue 30%", owner=company.admin,
        period=company.quarter, result_area=kra,
    )  # fmt: skip
    deals = key_result_create(
        objective=top, title="Win deals", progress_source=KeyResult.Source.CHILDREN
    )
    team = objective_create(
        organization=company.org, title="Sales wins the Nordics", owner=company.leader,
        period=company.quarter, scope_unit=company.sales,
    )  # fmt: skip
    alignment_create(child=team, parent_key_result=deals)
    mine = objective_create(
        organization=company.org, title="Close my top ten", owner=company.member,
        period=company.quarter,
    )  # fmt: skip
    secret = objective_create(
        organization=company.org, title="Secret reorg", owner=company.colleague,
        period=company.quarter, visibility="private",
    )  # fmt: skip
    alignment_create(child=mine, parent_objective=team)
    alignment_create(child=secret, parent_objective=team)
    key_result_create(objective=mine, title="Ten logos", start=Decimal(0), target=Decimal(10))
    return {"kra": kra, "top": top, "team": team, "mine": mine, "secret": secret}


def test_the_first_screen_shows_only_the_organizations_roots(
    company: Company, cascade: dict
) -> None:
    page = signed_in(company.member).get("/map/").content.decode()

    assert "Revenue growth" in page
    assert "Grow revenue 30%" in page
    assert "Sales wins the Nordics" not in page  # one level down: loaded on demand


def test_expanding_two_levels(company: Company, cascade: dict) -> None:
    client = signed_in(company.member)

    below_top = client.get(f"/map/objective/{cascade['top'].pk}/").content.decode()
    below_team = client.get(f"/map/objective/{cascade['team'].pk}/").content.decode()
    below_kra = client.get(f"/map/result_area/{cascade['kra'].pk}/").content.decode()

    assert "Sales wins the Nordics" in below_top  # aligned through a key result
    assert "Close my top ten" in below_team
    assert "Grow revenue 30%" in below_kra


def test_a_private_objective_stays_off_the_map_for_others(company: Company, cascade: dict) -> None:
    team = cascade["team"].pk

    member_view = signed_in(company.member).get(f"/map/objective/{team}/").content.decode()
    colleague_view = signed_in(company.colleague).get(f"/map/objective/{team}/").content.decode()

    assert "Secret reorg" not in member_view
    assert "Secret reorg" in colleague_view


def test_another_tenants_node_is_404(
    company: Company, other_company: Company, cascade: dict
) -> None:
    client = signed_in(other_company.admin)

    assert client.get(f"/map/objective/{cascade['top'].pk}/").status_code == 404
    assert client.get(f"/map/result_area/{cascade['kra'].pk}/").status_code == 404
    assert client.get("/map/nonsense/1/").status_code == 404


def test_filters_by_status_and_unit(company: Company, cascade: dict) -> None:
    client = signed_in(company.member)

    sales = client.get("/map/", {"unit": company.sales.pk}).content.decode()
    off_track = client.get("/map/", {"status": "on_track"}).content.decode()

    assert "Sales wins the Nordics" in sales
    assert "Grow revenue 30%" not in sales
    assert "Grow revenue 30%" not in off_track  # 0% at half time is off track


def test_the_map_costs_the_same_queries_however_many_objectives(
    company: Company, cascade: dict, django_assert_max_num_queries: object
) -> None:
    for n in range(20):
        objective_create(
            organization=company.org, title=f"Org objective {n}", owner=company.admin,
            period=company.quarter,
        )  # fmt: skip
    client = signed_in(company.member)

    with django_assert_max_num_queries(9):  # type: ignore[operator]
        assert client.get("/map/").status_code == 200
    with django_assert_max_num_queries(8):  # type: ignore[operator]
        assert client.get(f"/map/objective/{cascade['team'].pk}/").status_code == 200
