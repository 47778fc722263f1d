"""The KPI page: who sees it and who may add a value, its chart, its status and its form."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.conftest import Company, signed_in

from headway.goals.services import key_result_create, objective_create, result_area_create
from headway.indicators.models import Indicator, Measurement
from headway.indicators.services import indicator_create, measurement_record, target_set

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]


def nps(company: Company, **fields: Any) -> Indicator:
    """A KPI the member owns, in the member's unit, with a target of 40 this quarter."""
    indicator = indicator_create(
        organization=company.org, name="Net promoter score", owner=company.member,
        scope_unit=company.emea, unit_label="points", **fields,
    )  # fmt: skip
    target_set(indicator=indicator, period=company.quarter, value=Decimal(40))
    return indicator


def url(indicator: Indicator) -> str:
    return f"/kpis/{indicator.pk}/"


def chart_of(page: str) -> dict[str, Any]:
    found = re.search(r'<script id="kpi-chart" type="application/json">(.*?)</script>', page)
    assert found is not None
    return json.loads(found.group(1))


@pytest.mark.parametrize(
    ("persona", "form_shown"),
    [
        ("member", True),
        ("leader", True),
        ("admin", True),
        ("hr", False),
        ("colleague", False),
        ("outsider", False),
        ("viewer", False),
    ],
)
def test_everyone_in_the_organization_sees_it_and_only_its_keepers_get_the_form(
    company: Company, persona: str, form_shown: bool
) -> None:
    indicator = nps(company)

    response = signed_in(getattr(company, persona)).get(url(indicator))

    assert response.status_code == 200
    assert ("Add a value" in response.content.decode()) is form_shown


def test_another_tenants_admin_gets_404(company: Company, other_company: Company) -> None:
    indicator = nps(company)

    assert signed_in(other_company.admin).get(url(indicator)).status_code == 404
    assert signed_in(other_company.admin).post(url(indicator), {}).status_code == 404


@pytest.mark.parametrize("persona", ["viewer", "outsider", "colleague"])
def test_posting_without_the_right_is_403_and_records_nothing(
    company: Company, persona: str
) -> None:
    indicator = nps(company)

    response = signed_in(getattr(company, persona)).post(
        url(indicator), {"date": "2026-11-15", "value": "35"}
    )

    assert response.status_code == 403
    assert not Measurement.objects.filter(indicator=indicator).exists()


def test_the_page_shows_this_periods_value_target_status_and_attainment(
    company: Company,
) -> None:
    indicator = nps(company)
    measurement_record(indicator=indicator, date=dt.date(2026, 10, 20), value=Decimal(30))
    measurement_record(indicator=indicator, date=dt.date(2026, 11, 10), value=Decimal(38))

    page = signed_in(company.member).get(url(indicator)).content.decode()

    assert "<title>Net promoter score (KPI) · Headway</title>" in page
    assert "2026-Q4" in page
    assert "38 points" in page
    assert "Amber: short of target" in page  # 38 of 40: above the default red line of 36
    assert "95%" in page
    table = page.split('id="values-title"')[1]
    assert table.index("2026-11-10") < table.index("2026-10-20")  # newest first


def test_the_chart_json_holds_the_values_the_stepped_target_and_the_bands(
    company: Company,
) -> None:
    indicator = nps(company)
    measurement_record(indicator=indicator, date=dt.date(2026, 10, 20), value=Decimal(30))
    measurement_record(indicator=indicator, date=dt.date(2026, 11, 10), value=Decimal(38))

    page = signed_in(company.member).get(url(indicator)).content.decode()
    series = {s["label"]: s for s in chart_of(page)["series"]}

    assert [p["y"] for p in series["Net promoter score"]["points"]] == [30, 38]
    assert series["Target"]["style"] == "step"
    assert series["Target"]["points"] == [
        {"x": "2026-10-01", "y": 40},
        {"x": "2026-12-31", "y": 40},
    ]
    assert series["Red"]["points"][0]["y"] == 36  # 90% of the target by default
    assert series["Red"]["fill"] == "origin"
    assert series["Amber"]["points"][0]["y"] == 40
    assert series["Green"]["style"] == "band"
    assert 'data-chart="kpi-chart"' in page
    assert 'aria-label="Values of Net promoter score' in page


def test_a_downward_kpi_mirrors_the_bands(company: Company) -> None:
    indicator = indicator_create(
        organization=company.org, name="Churn", owner=company.member, scope_unit=company.emea,
        direction="down", red_above=Decimal(5),
    )  # fmt: skip
    target_set(indicator=indicator, period=company.quarter, value=Decimal(3))

    page = signed_in(company.member).get(url(indicator)).content.decode()
    series = {s["label"]: s for s in chart_of(page)["series"]}

    assert series["Green"]["points"][0]["y"] == 3
    assert series["Amber"]["points"][0]["y"] == 5
    assert "No data this period" in page


def test_the_kra_it_serves_and_the_key_results_that_follow_it_are_listed(
    company: Company,
) -> None:
    area = result_area_create(organization=company.org, name="Customer love", owner=company.leader)
    indicator = nps(company, result_area=area)
    objective = objective_create(
        organization=company.org, title="Delight", owner=company.member, period=company.quarter
    )
    kr = key_result_create(
        objective=objective, title="Lift NPS to 40", start=Decimal(20), target=Decimal(40),
        progress_source="indicator", indicator=indicator,
    )  # fmt: skip

    page = signed_in(company.colleague).get(url(indicator)).content.decode()

    assert "Customer love" in page
    assert kr.title in page
    assert f'href="/objectives/{objective.pk}/"' in page


def test_posting_a_value_records_it_and_redirects(company: Company) -> None:
    indicator = nps(company)

    response = signed_in(company.member).post(
        url(indicator), {"date": "2026-11-15", "value": "35.5", "note": "survey"}, follow=True
    )

    assert response.redirect_chain == [(url(indicator), 302)]
    measurement = Measurement.objects.get(indicator=indicator)
    assert (measurement.value, measurement.note) == (Decimal("35.5"), "survey")
    assert measurement.recorded_by == company.member
    assert "Recorded 35.5 on 2026-11-15." in response.content.decode()


def test_a_second_value_for_the_same_date_replaces_the_first_and_says_so(
    company: Company,
) -> None:
    indicator = nps(company)
    client = signed_in(company.member)
    client.post(url(indicator), {"date": "2026-11-15", "value": "35"})

    response = client.post(url(indicator), {"date": "2026-11-15", "value": "37"}, follow=True)

    assert [m.value for m in Measurement.objects.filter(indicator=indicator)] == [Decimal(37)]
    assert "Replaced the value of 2026-11-15 (35) with 37." in response.content.decode()


def test_a_bad_value_shows_the_error_next_to_the_field_and_records_nothing(
    company: Company,
) -> None:
    indicator = nps(company)

    response = signed_in(company.member).post(
        url(indicator), {"date": "2026-11-15", "value": "lots"}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_value-error"' in page
    assert "Enter a number." in page
    assert not Measurement.objects.filter(indicator=indicator).exists()


def test_the_form_defaults_to_today(company: Company) -> None:
    indicator = nps(company)

    page = signed_in(company.member).get(url(indicator)).content.decode()

    assert 'value="2026-11-15"' in page


def test_the_table_is_paginated_at_fifty(company: Company) -> None:
    indicator = nps(company)
    for n in range(55):
        Measurement.objects.create(
            organization=company.org, indicator=indicator,
            date=dt.date(2026, 10, 1) + dt.timedelta(days=n), value=Decimal(n),
        )  # fmt: skip
    client = signed_in(company.member)

    first = client.get(url(indicator)).content.decode()
    second = client.get(url(indicator) + "?page=2").content.decode()

    assert "Page 1 of 2" in first
    assert "2026-10-05" not in first.split('id="values-title"')[1]
    assert "2026-10-05" in second.split('id="values-title"')[1]


def test_the_page_costs_the_same_for_few_or_many_values(
    company: Company, django_assert_max_num_queries: Any
) -> None:
    few, many = (
        nps(company),
        indicator_create(
            organization=company.org, name="Other", owner=company.member, scope_unit=company.emea
        ),
    )
    target_set(indicator=many, period=company.quarter, value=Decimal(40))
    for n in range(2):
        measurement_record(indicator=few, date=dt.date(2026, 10, 1 + n), value=Decimal(n))
    for n in range(20):
        measurement_record(indicator=many, date=dt.date(2026, 10, 1 + n), value=Decimal(n))
    client = signed_in(company.member)
    client.get(url(few))

    with CaptureQueriesContext(connection) as for_few:
        client.get(url(few))
    with django_assert_max_num_queries(len(for_few.captured_queries)):
        assert client.get(url(many)).status_code == 200
