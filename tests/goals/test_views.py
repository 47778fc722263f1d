"""The objective page: who sees it, what its charts say, where it leads and what changed."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from tests.conftest import Company, signed_in

from headway.checkins.services import checkin_record
from headway.goals.models import KeyResult, Objective
from headway.goals.services import (
    alignment_create,
    key_result_create,
    objective_create,
    objective_update,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]


def objective_of(company: Company, visibility: str = "public", title: str = "Delight") -> Objective:
    return objective_create(
        organization=company.org, title=title, owner=company.member, period=company.quarter,
        visibility=visibility,
    )  # fmt: skip


def key_result_with_check_ins(objective: Objective, n: int = 0) -> KeyResult:
    kr = key_result_create(
        objective=objective, title=f"Raise NPS {n} from 10 to 50", start=Decimal(10),
        target=Decimal(50), unit_label="points",
    )  # fmt: skip
    for day, value in ((dt.date(2026, 10, 10), 14), (dt.date(2026, 10, 25), 22)):
        checkin_record(
            key_result=kr, value=Decimal(value), author=objective.owner, confidence=7,
            status="on_track", date=day,
        )  # fmt: skip
    checkin_record(
        key_result=kr, value=Decimal(30), author=objective.owner, confidence=6,
        status="at_risk", date=dt.date(2026, 11, 14),
    )  # fmt: skip
    return kr


def chart_json(page: str, kr: KeyResult) -> dict[str, Any]:
    found = re.search(
        rf'<script id="kr-chart-{kr.pk}" type="application/json">(.*?)</script>', page
    )
    assert found is not None
    return json.loads(found.group(1))


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("member", 200),
        ("colleague", 200),
        ("leader", 200),
        ("admin", 200),
        ("hr", 200),
        ("outsider", 200),
        ("viewer", 200),
    ],
)
def test_everyone_in_the_organization_sees_a_public_objective(
    company: Company, persona: str, status: int
) -> None:
    objective = objective_of(company)

    response = signed_in(getattr(company, persona)).get(f"/objectives/{objective.pk}/")

    assert response.status_code == status


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("member", 200),
        ("colleague", 404),
        ("leader", 200),
        ("admin", 200),
        ("hr", 200),
        ("outsider", 404),
        ("viewer", 404),
    ],
)
def test_a_private_objective_is_seen_by_its_owner_managers_hr_and_admins_only(
    company: Company, persona: str, status: int
) -> None:
    objective = objective_of(company, visibility="private")

    response = signed_in(getattr(company, persona)).get(f"/objectives/{objective.pk}/")

    assert response.status_code == status


def test_another_tenants_admin_gets_404(company: Company, other_company: Company) -> None:
    objective = objective_of(company)

    response = signed_in(other_company.admin).get(f"/objectives/{objective.pk}/")

    assert response.status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(company: Company) -> None:
    objective = objective_of(company)

    response = Client().get(f"/objectives/{objective.pk}/")

    assert response.status_code == 302
    assert "/sign-in/" in response["Location"]


def test_the_page_shows_status_in_words_and_each_key_result(company: Company) -> None:
    objective = objective_of(company, title="Delight customers")
    kr = key_result_with_check_ins(objective)

    page = signed_in(company.member).get(f"/objectives/{objective.pk}/").content.decode()

    assert "<title>Delight customers · Headway</title>" in page
    assert kr.title in page
    assert "Mia Member" in page
    assert "2026-Q4" in page
    assert "At risk" in page  # the owner's latest status, in words
    assert "7 → 7 → 6" in page  # the confidence trend
    assert "table-responsive" in page


def test_the_chart_json_holds_the_check_ins_target_pace_and_forecast(company: Company) -> None:
    objective = objective_of(company)
    kr = key_result_with_check_ins(objective)

    page = signed_in(company.member).get(f"/objectives/{objective.pk}/").content.decode()
    chart = chart_json(page, kr)

    assert chart["target"] == 50
    series = {s["label"]: s["points"] for s in chart["series"]}
    assert [p["y"] for p in series["Check-ins"]] == [14, 22, 30]
    assert series["Target"] == [{"x": "2026-10-01", "y": 50}, {"x": "2026-12-31", "y": 50}]
    assert series["Expected pace"] == [{"x": "2026-10-01", "y": 10}, {"x": "2026-12-31", "y": 50}]
    assert series["Forecast"][0] == {"x": "2026-11-14", "y": 30}
    assert series["Forecast"][1]["x"] == "2026-12-31"
    assert series["Forecast"][1]["y"] == pytest.approx(chart["forecast"])
    assert f'data-chart="kr-chart-{kr.pk}"' in page
    assert 'aria-label="Check-in values of' in page
    assert "chart.umd.min.js" in page
    assert "web/charts.js" in page


def test_line_of_sight_and_aligned_children_are_listed(company: Company) -> None:
    parent = objective_create(
        organization=company.org, title="Grow revenue", owner=company.leader,
        period=company.quarter,
    )  # fmt: skip
    parent_kr = key_result_create(
        objective=parent, title="Win 10 deals", start=Decimal(0), target=Decimal(10)
    )
    middle = objective_of(company, title="Delight customers")
    alignment_create(child=middle, parent_key_result=parent_kr)
    seen_child = objective_create(
        organization=company.org, title="Answer within a day", owner=company.colleague,
        period=company.quarter,
    )  # fmt: skip
    hidden_child = objective_create(
        organization=company.org, title="Secret plan", owner=company.colleague,
        period=company.quarter, visibility="private",
    )  # fmt: skip
    alignment_create(child=seen_child, parent_objective=middle)
    alignment_create(child=hidden_child, parent_objective=middle)

    page = signed_in(company.member).get(f"/objectives/{middle.pk}/").content.decode()

    assert f'href="/objectives/{parent.pk}/"' in page
    assert "Grow revenue" in page
    assert "Win 10 deals" in page
    assert f'href="/objectives/{seen_child.pk}/"' in page
    assert "Secret plan" not in page


def test_the_history_shows_a_title_change_with_before_and_after(company: Company) -> None:
    objective = objective_of(company, title="Delight customers")
    objective_update(objective=objective, actor=company.member, title="Delight every customer")

    page = signed_in(company.member).get(f"/objectives/{objective.pk}/").content.decode()

    assert "title: “Delight customers” → “Delight every customer”" in page
    assert "Updated objective" in page
    assert page.index("Updated objective") < page.index("Created objective")


def test_the_page_costs_the_same_for_two_or_six_key_results(
    company: Company, django_assert_max_num_queries: Any
) -> None:
    small, large = objective_of(company, title="Small"), objective_of(company, title="Large")
    for n in range(2):
        key_result_with_check_ins(small, n)
    for n in range(2, 8):
        key_result_with_check_ins(large, n)
    client = signed_in(company.member)
    client.get(f"/objectives/{small.pk}/")  # warm the session

    with CaptureQueriesContext(connection) as for_two:
        client.get(f"/objectives/{small.pk}/")
    with django_assert_max_num_queries(len(for_two.captured_queries)):
        response = client.get(f"/objectives/{large.pk}/")

    assert response.status_code == 200
