"""The directory and the scorecards through the client: scopes, periods, tenants, query bounds."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from tests.conftest import Company, signed_in
from tests.factories import PeriodFactory, PersonFactory, UnitFactory

from headway.goals.services import objective_create, result_area_create
from headway.indicators.services import indicator_create, measurement_record, target_set

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]


@pytest.mark.parametrize("url", ["/people/", "/scorecard/", "/scorecard/unit/1/"])
def test_the_pages_ask_a_stranger_to_sign_in(client: Client, url: str) -> None:
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(f"/sign-in/?next={url}")


def test_each_persona_sees_their_own_organization(company: Company, other_company: Company) -> None:
    for person in (company.admin, company.hr, company.leader, company.member, company.viewer):
        client = signed_in(person)
        for url in ("/people/", "/scorecard/", f"/scorecard/unit/{company.sales.pk}/"):
            response = client.get(url)
            assert response.status_code == 200, url
            assert "Mia Member" in client.get("/people/").content.decode()
            assert "globex" not in response.content.decode()


def test_another_tenants_unit_and_person_are_404(company: Company, other_company: Company) -> None:
    client = signed_in(company.admin)

    assert client.get(f"/scorecard/unit/{other_company.sales.pk}/").status_code == 404
    assert client.get(f"/scorecard/person/{other_company.member.pk}/").status_code == 404
    assert client.get(f"/scorecard/person/{company.member.pk}/").status_code == 200


@pytest.mark.parametrize("q", ["mia", "MEMBER@acme", "support", "Sales EMEA"])
def test_search_finds_people_by_name_email_and_unit(company: Company, q: str) -> None:
    content = signed_in(company.member).get("/people/", {"q": q}).content.decode()

    expected = "Otto Outsider" if q == "support" else "Mia Member"
    assert expected in content
    assert "Ada Admin" not in content


def test_the_directory_lists_the_unit_tree_with_heads_and_members(company: Company) -> None:
    response = signed_in(company.viewer).get("/people/")

    units = response.context["units"]
    assert [u.name for u in units][:2] == ["Sales", "Sales EMEA"]
    sales = units[0]
    assert sales.head == company.leader
    assert sales.member_count == 1
    assert "Head: Leo Leader" in response.content.decode()


def test_the_unit_scorecard_shows_kra_weight_health_status_and_members(company: Company) -> None:
    area = result_area_create(
        organization=company.org, name="Pipeline", owner=company.leader,
        scope_unit=company.emea, weight=Decimal(60),
    )  # fmt: skip
    result_area_create(
        organization=company.org, name="Hiring", owner=None, scope_unit=company.emea,
        weight=Decimal(40),
    )  # fmt: skip
    kpi = indicator_create(
        organization=company.org, name="Qualified leads", owner=company.member,
        scope_unit=company.emea, result_area=area,
    )  # fmt: skip
    target_set(indicator=kpi, period=company.quarter, value=Decimal(100))
    measurement_record(indicator=kpi, date=dt.date(2026, 11, 1), value=Decimal(80))
    objective_create(
        organization=company.org, title="Open the Nordics", owner=company.member,
        period=company.quarter, scope_unit=company.emea, result_area=area,
    )  # fmt: skip

    response = signed_in(company.colleague).get(f"/scorecard/unit/{company.emea.pk}/")

    content = response.content.decode()
    assert response.status_code == 200
    assert "Pipeline" in content
    assert "Weight: 60%" in content
    assert "Weight: 40%" in content
    assert "Health: Unmeasured" in content  # Hiring has nothing linked
    assert "Qualified leads" in content
    assert "Open the Nordics" in content
    rows = {row.area.name: row for row in response.context["card"].areas}
    assert rows["Pipeline"].rag.label in ("Green", "Amber", "Red", "No data")
    assert [row.name for row in response.context["card"].people] == [
        "Cole Colleague", "Mia Member", "Vic Viewer",
    ]  # fmt: skip


def test_a_private_objective_stays_off_a_colleagues_scorecard(company: Company) -> None:
    area = result_area_create(
        organization=company.org, name="Growth", owner=company.member, scope_person=company.member
    )
    objective_create(
        organization=company.org, title="Secret plan", owner=company.member,
        period=company.quarter, scope_person=company.member, result_area=area,
        visibility="private",
    )  # fmt: skip
    url = f"/scorecard/person/{company.member.pk}/"

    assert "Secret plan" not in signed_in(company.colleague).get(url).content.decode()
    assert "Secret plan" in signed_in(company.leader).get(url).content.decode()


def test_the_person_page_shows_the_manager_chain_and_reports(company: Company) -> None:
    member = signed_in(company.viewer).get(f"/scorecard/person/{company.member.pk}/")
    leader = signed_in(company.viewer).get(f"/scorecard/person/{company.leader.pk}/")

    assert member.context["chain"] == [company.admin, company.leader]
    assert "Manager chain" in member.content.decode()
    assert {row.name for row in leader.context["card"].people} == {"Mia Member", "Cole Colleague"}


def test_the_period_switcher_picks_the_shortest_period_by_default(company: Company) -> None:
    year = PeriodFactory(
        organization=company.org, name="2026", kind="year",
        start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31),
    )  # fmt: skip
    objective_create(
        organization=company.org, title="A quarter's goal", owner=company.member,
        period=company.quarter, result_area=result_area_create(
            organization=company.org, name="Growth", owner=None
        ),
    )  # fmt: skip
    client = signed_in(company.member)

    default = client.get("/scorecard/")
    chosen = client.get("/scorecard/", {"period": "2026"})

    assert default.context["period"] == company.quarter
    assert "A quarter&#x27;s goal" in default.content.decode()
    assert chosen.context["period"] == year
    assert "A quarter&#x27;s goal" not in chosen.content.decode()


def _grow(company: Company, count: int) -> None:
    """`count` more people in Sales EMEA, each with an objective under an EMEA KRA."""
    area = result_area_create(
        organization=company.org, name=f"Area {count}", owner=None, scope_unit=company.emea
    )
    for i in range(count):
        person: Any = PersonFactory(
            organization=company.org, name=f"Person {count}-{i}",
            email=f"p{count}-{i}@acme.test", unit=company.emea,
        )  # fmt: skip
        objective_create(
            organization=company.org, title=f"Goal {count}-{i}", owner=person,
            period=company.quarter, scope_unit=company.emea, result_area=area,
        )  # fmt: skip
        UnitFactory(organization=company.org, name=f"Team {count}-{i}", parent=company.emea)


@pytest.mark.parametrize(
    "url", ["/people/", "/scorecard/", "/scorecard/unit/{emea}/", "/scorecard/person/{leader}/"]
)
def test_list_pages_cost_the_same_for_more_data(
    company: Company, django_assert_max_num_queries: Any, url: str
) -> None:
    url = url.format(emea=company.emea.pk, leader=company.leader.pk)
    client = signed_in(company.member)
    _grow(company, 3)
    client.get(url)
    with django_assert_max_num_queries(60) as small:
        assert client.get(url).status_code == 200
    _grow(company, 12)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200
