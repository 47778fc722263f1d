"""Daily health snapshots: one row a day per organization, the trend they make, and the health
page's chart of it."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from tests.conftest import TODAY, Company, signed_in

from headway.core.checks import checked_objects, health_score, run_checks
from headway.goals.services import objective_create
from headway.health.models import HealthFinding, HealthSnapshot, HealthState
from headway.health.snapshots import (
    health_snapshot_take,
    health_snapshot_take_all,
    health_trend,
    health_trend_by_period,
    score_decimal,
)
from headway.io.goalsfile import load
from headway.io.importer import goals_import
from headway.org.models import Organization, Period
from headway.org.services import organization_create, period_create

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]
FIXTURES = Path(__file__).parents[1] / "io" / "fixtures"


def keep(organization: Organization, day: dt.date, score: str | None) -> HealthSnapshot:
    return HealthSnapshot.objects.create(
        organization=organization, date=day, score=None if score is None else Decimal(score)
    )


def days_ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


# -- taking snapshots ----------------------------------------------------------------------------
def test_a_snapshot_keeps_the_days_score_and_counts() -> None:
    goals = load((FIXTURES / "rich.yaml").read_text(encoding="utf-8"), filename="rich.yaml")
    organization = goals_import(goals=goals).organization
    findings = run_checks(goals)

    snapshot = health_snapshot_take(organization=organization, today=TODAY)

    assert snapshot.date == TODAY
    assert snapshot.score == score_decimal(health_score(goals, findings))
    assert snapshot.checked == len(checked_objects(goals))
    assert (snapshot.errors, snapshot.warnings, snapshot.notes) == (0, len(findings), 0)
    assert snapshot.by_code == dict(sorted(Counter(f.code for f in findings).items()))


def test_taking_the_same_day_again_updates_its_row(company: Company) -> None:
    first = health_snapshot_take(organization=company.org, today=TODAY)
    objective_create(organization=company.org, title="Late", owner=None, period=None)

    second = health_snapshot_take(organization=company.org, today=TODAY)

    assert second.pk == first.pk
    assert HealthSnapshot.objects.count() == 1
    assert (first.errors, second.errors) == (0, 2)  # HW003 no owner, HW011 no period
    assert second.by_code == {"HW002": 1, "HW003": 1, "HW011": 1}


def test_the_database_refuses_a_second_row_for_a_day(company: Company) -> None:
    keep(company.org, TODAY, "0.5")

    with pytest.raises(IntegrityError), transaction.atomic():
        keep(company.org, TODAY, "0.6")


def test_take_all_snapshots_every_organization_once_a_day(
    company: Company, other_company: Company
) -> None:
    assert health_snapshot_take_all() == 2
    assert health_snapshot_take_all() == 2

    rows = HealthSnapshot.objects.values_list("organization__slug", "date")
    assert sorted(rows) == [("acme", TODAY), ("globex", TODAY)]


def test_one_broken_organization_does_not_cost_the_others_their_day(
    company: Company, other_company: Company, caplog: pytest.LogCaptureFixture
) -> None:
    company.org.settings = {"health": {"max_kras_warning": 9, "max_kras_error": 3}}
    company.org.save(update_fields=["settings"])

    assert health_snapshot_take_all(today=TODAY) == 1

    assert list(HealthSnapshot.objects.values_list("organization__slug", flat=True)) == ["globex"]
    assert "health snapshot of acme on 2026-11-15 failed" in caplog.text


def test_scores_are_kept_to_four_decimals() -> None:
    assert score_decimal(Fraction(2, 3)) == Decimal("0.6667")
    assert score_decimal(Fraction(1)) == Decimal("1.0000")
    assert score_decimal(None) is None


# -- the trend -----------------------------------------------------------------------------------
def test_the_trend_lists_the_window_oldest_first(company: Company) -> None:
    for days, score in ((2, "0.6"), (0, "0.8"), (31, "0.1"), (29, "0.4"), (1, None)):
        keep(company.org, days_ago(days), score)
    keep(company.org, TODAY + dt.timedelta(days=1), "0.9")  # after today: not yet

    trend = health_trend(organization=company.org, today=TODAY, days=30)

    assert [(s.date, s.score) for s in trend] == [
        (days_ago(29), Decimal("0.4")),
        (days_ago(2), Decimal("0.6")),
        (days_ago(1), None),
        (TODAY, Decimal("0.8")),
    ]
    assert len(health_trend(organization=company.org, today=TODAY, days=2)) == 2


def test_the_trend_is_the_organizations_own(company: Company, other_company: Company) -> None:
    keep(other_company.org, TODAY, "0.1")

    assert health_trend(organization=company.org, today=TODAY) == []
    assert health_trend_by_period(organization=company.org, today=TODAY)[0].score is None


def test_each_period_scores_as_its_last_snapshot(company: Company) -> None:
    # given: 2026 holds Q3 and Q4; quarters are the running period of the shortest kind
    year = period_create(
        organization=company.org, name="2026", kind=Period.Kind.YEAR,
        start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31),
    )  # fmt: skip
    period_create(
        organization=company.org, name="2026-Q3", parent=year,
        start=dt.date(2026, 7, 1), end=dt.date(2026, 9, 30),
    )  # fmt: skip
    period_create(
        organization=company.org, name="2027-Q1", start=dt.date(2027, 1, 1),
        end=dt.date(2027, 3, 31),
    )  # fmt: skip
    keep(company.org, dt.date(2026, 9, 10), "0.5")
    keep(company.org, dt.date(2026, 9, 30), "0.55")
    keep(company.org, dt.date(2026, 10, 20), "0.7")
    keep(company.org, days_ago(1), "0.65")

    # when
    periods = health_trend_by_period(organization=company.org, today=TODAY, count=4)

    # then: the next quarter has not started; the running one counts so far
    assert [(p.period, p.date, p.score, p.running) for p in periods] == [
        ("2026-Q3", dt.date(2026, 9, 30), Decimal("0.55"), False),
        ("2026-Q4", days_ago(1), Decimal("0.65"), True),
    ]
    assert [p.period for p in health_trend_by_period(organization=company.org, count=1)] == [
        "2026-Q4"
    ]


def test_an_organization_without_periods_has_no_period_trend() -> None:
    organization = organization_create(name="Empty")

    assert health_trend_by_period(organization=organization, today=TODAY) == []


# -- the health page ---------------------------------------------------------------------------
def test_the_page_shows_no_trend_before_the_first_snapshot(company: Company) -> None:
    content = signed_in(company.member).get("/health/").content.decode()

    assert "health-trend-chart" not in content
    assert "chart.umd.min.js" not in content


def test_the_page_charts_the_last_30_days_with_a_table_of_the_same_numbers(
    company: Company,
) -> None:
    keep(company.org, days_ago(30), "0.2")  # outside the window
    keep(company.org, days_ago(3), "0.625")
    keep(company.org, TODAY, "0.75")

    response = signed_in(company.member).get("/health/")

    content = response.content.decode()
    assert response.context["trend_chart"]["series"][0]["points"] == [
        {"x": days_ago(3).isoformat(), "y": 62.5},
        {"x": TODAY.isoformat(), "y": 75.0},
    ]
    assert '<canvas data-chart="health-trend-chart"' in content
    assert "chart.umd.min.js" in content
    assert '<th scope="row">2026-11-12</th><td>62%</td>' in content
    assert '<th scope="row">2026-11-15</th><td>75%</td>' in content
    assert days_ago(30).isoformat() not in content


def test_the_page_never_charts_another_organizations_scores(
    company: Company, other_company: Company
) -> None:
    keep(other_company.org, TODAY, "0.125")

    content = signed_in(company.member).get("/health/").content.decode()

    assert "health-trend-chart" not in content
    assert "12.5" not in content


def test_the_trend_costs_the_page_the_same_for_more_days(
    company: Company, django_assert_max_num_queries: Any
) -> None:
    client = signed_in(company.member)
    keep(company.org, TODAY, "0.5")
    client.get("/health/")
    with django_assert_max_num_queries(40) as few:
        client.get("/health/")
    for days in range(1, 30):
        keep(company.org, days_ago(days), "0.5")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/health/")
    assert len(response.context["trend"]) == 30


def test_the_daily_snapshot_stores_the_findings_the_pages_show(company: Company) -> None:
    objective_create(
        organization=company.org, title="Ownerless", owner=None, period=company.quarter,
        key="o-ownerless",
    )  # fmt: skip

    snapshot = health_snapshot_take(organization=company.org, today=TODAY)

    state = HealthState.objects.get(organization=company.org)
    stored = Counter(
        HealthFinding.objects.filter(organization=company.org).values_list("code", flat=True)
    )
    assert stored == Counter(snapshot.by_code)
    assert HealthFinding.objects.filter(object="objective:o-ownerless", code="HW003").exists()
    assert state.checked_for == TODAY
    assert state.seconds is not None
    assert state.score is not None
    assert round(Decimal(state.score.numerator) / state.score.denominator, 4) == snapshot.score
