"""Many measurements at once: the same rows, audit trail and derived values as the one-row
service, in a bounded number of queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.assertions import events, refused
from tests.conftest import Company

from headway.goals.models import KeyResult
from headway.goals.services import key_result_create, objective_create
from headway.indicators.bulk import MeasurementRow, measurements_compare, measurements_record
from headway.indicators.models import Indicator, Measurement
from headway.indicators.services import indicator_create, measurement_record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]

NOV = [dt.date(2026, 11, day) for day in range(1, 29)]


def kpi(c: Company, name: str = "Monthly recurring revenue", **fields: Any) -> Indicator:
    fields.setdefault("owner", c.admin)
    return indicator_create(organization=c.org, name=name, **fields)


def follower(c: Company, indicator: Indicator) -> KeyResult:
    objective = objective_create(
        organization=c.org, title=f"Grow {indicator.name}", owner=c.leader, period=c.quarter
    )
    return key_result_create(
        objective=objective, title="To 100", start=Decimal(0), target=Decimal(100),
        progress_source="indicator", indicator=indicator,
    )  # fmt: skip


def test_new_values_are_created_audited_and_move_the_key_results_following_the_kpi(
    company: Company,
) -> None:
    mrr = kpi(company)
    kr = follower(company, mrr)

    result = measurements_record(
        organization=company.org, actor=company.leader,
        rows=[MeasurementRow(mrr, NOV[0], Decimal(30)), MeasurementRow(mrr, NOV[1], Decimal(60))],
    )  # fmt: skip

    assert [o.action for o in result.outcomes] == ["create", "create"]
    assert result.followers_refreshed == 1
    first = Measurement.objects.get(date=NOV[0])
    assert (first.value, first.source, first.recorded_by) == (30, "import", company.leader)
    [event] = events(first)
    assert (event.action, event.actor, event.changes["value"]) == ("create", company.leader, [None, "30"])  # fmt: skip
    kr.refresh_from_db()
    assert (kr.current, kr.progress) == (Decimal(60), Decimal("0.6"))


def test_a_value_for_a_date_measured_replaces_it_and_the_same_value_changes_nothing(
    company: Company,
) -> None:
    mrr = kpi(company)
    old = measurement_record(indicator=mrr, date=NOV[0], value=Decimal(80), note="first")
    same = measurement_record(indicator=mrr, date=NOV[1], value=Decimal(5))

    result = measurements_record(
        organization=company.org,
        rows=[
            MeasurementRow(mrr, NOV[0], Decimal(85), note=None),  # keeps its note
            MeasurementRow(mrr, NOV[1], Decimal(5)),
        ],
    )

    assert [(o.action, o.changed) for o in result.outcomes] == [("update", ("value",)), ("unchanged", ())]  # fmt: skip
    old.refresh_from_db()
    assert (old.value, old.note, old.source) == (Decimal(85), "first", "import")
    assert events(old)[-1].changes["value"] == ["80", "85"]
    assert [e.action for e in events(same)] == ["create"]


def test_it_leaves_the_rows_as_the_one_row_service_does(
    company: Company, other_company: Company
) -> None:
    # given: the same values recorded one by one in one organization, in bulk in another
    theirs, mine = kpi(other_company), kpi(company)
    their_kr, my_kr = follower(other_company, theirs), follower(company, mine)
    values = [(day, Decimal(10 * n + 3)) for n, day in enumerate(NOV[:6])]
    for day, value in values:
        measurement_record(indicator=theirs, date=day, value=value, source="import")

    # when
    measurements_record(
        organization=company.org, rows=[MeasurementRow(mine, day, value) for day, value in values]
    )

    # then
    def kept(indicator: Indicator) -> list[tuple[Any, ...]]:
        return list(
            Measurement.objects.filter(indicator=indicator)
            .order_by("date")
            .values_list("date", "value", "note", "source")
        )

    assert kept(mine) == kept(theirs)
    their_kr.refresh_from_db()
    my_kr.refresh_from_db()
    fields = ("current", "progress", "attainment", "status")
    assert [getattr(my_kr, f) for f in fields] == [getattr(their_kr, f) for f in fields]


def test_it_refuses_another_tenants_kpi_and_a_date_given_twice_before_writing(
    company: Company, other_company: Company
) -> None:
    mine, theirs = kpi(company), kpi(other_company)

    with refused("indicator"):
        measurements_record(
            organization=company.org,
            rows=[MeasurementRow(mine, NOV[0], Decimal(1)), MeasurementRow(theirs, NOV[0], Decimal(1))],
        )  # fmt: skip
    with refused("date"):
        measurements_record(
            organization=company.org,
            rows=[MeasurementRow(mine, NOV[0], Decimal(1)), MeasurementRow(mine, NOV[0], Decimal(2))],
        )  # fmt: skip
    assert not Measurement.objects.exists()


def test_comparing_writes_nothing(company: Company) -> None:
    mrr = kpi(company)

    outcomes = measurements_compare(
        organization=company.org, rows=[MeasurementRow(mrr, NOV[0], Decimal(1))]
    )

    assert [o.action for o in outcomes] == ["create"]
    assert not Measurement.objects.exists()


def test_the_queries_do_not_grow_with_the_rows(company: Company) -> None:
    kpis = [kpi(company, f"KPI {n}") for n in range(3)]

    def record(days: list[dt.date]) -> int:
        rows = [MeasurementRow(k, day, Decimal(day.day)) for k in kpis for day in days]
        with CaptureQueriesContext(connection) as captured:
            measurements_record(organization=company.org, rows=rows)
        return len(captured.captured_queries)

    assert record(NOV[20:28]) == record(NOV[:20])
