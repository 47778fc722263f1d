"""Writes to KPIs: the indicator, its targets per period and its measurements."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from tests.assertions import events, refused
from tests.conftest import TODAY, Company

from headway.goals.services import key_result_create, objective_create, result_area_create
from headway.indicators.models import Indicator, Measurement, Target
from headway.indicators.services import (
    indicator_create,
    indicator_update,
    measurement_record,
    target_set,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]


def kpi(c: Company, **fields: Any) -> Indicator:
    fields.setdefault("owner", c.admin)
    return indicator_create(organization=c.org, name="Monthly recurring revenue", **fields)


# -- indicators -------------------------------------------------------------------------------
def test_a_kpi_is_created_with_a_derived_key_and_audited(company: Company) -> None:
    mrr = kpi(company, actor=company.admin, unit_label="€", red_below=Decimal(50))

    assert mrr.key == "kpi-monthly-recurring-revenue"
    [event] = events(mrr)
    assert (event.action, event.actor) == ("create", company.admin)
    assert event.changes["name"] == [None, "Monthly recurring revenue"]
    assert event.changes["red_below"] == [None, "50"]


def test_a_kpi_key_is_unique_in_its_organization(company: Company) -> None:
    kpi(company, key="mrr")

    with refused("key"):
        kpi(company, key="mrr")


@pytest.mark.parametrize("field", ["owner", "scope_unit", "scope_person", "result_area"])
def test_a_kpi_refuses_another_tenants_rows(
    company: Company, other_company: Company, field: str
) -> None:
    o = other_company
    theirs: dict[str, Any] = {
        "owner": o.member, "scope_unit": o.sales, "scope_person": o.member,
        "result_area": result_area_create(organization=o.org, name="Theirs", owner=None),
    }  # fmt: skip

    with refused(field):
        kpi(company, **{field: theirs[field]})
    mine = kpi(company)
    with refused(field):
        indicator_update(indicator=mine, **{field: theirs[field]})


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"direction": "up", "red_above": Decimal(10)}, "red_above"),
        ({"direction": "down", "red_below": Decimal(10)}, "red_below"),
    ],
    ids=["upward with red above", "downward with red below"],
)
def test_a_kpi_refuses_thresholds_that_contradict_its_direction(
    company: Company, fields: dict[str, Any], field: str
) -> None:
    with refused(field):
        kpi(company, **fields)
    assert not Indicator.objects.exists()


@pytest.mark.parametrize(
    "fields",
    [{"red_below": Decimal(10)}, {"tolerance": Decimal(-1)}],
    ids=["red below", "negative tolerance"],
)
def test_a_range_kpi_refuses_thresholds_it_cannot_use(
    company: Company, fields: dict[str, Any]
) -> None:
    with pytest.raises(ValidationError):
        kpi(company, direction="range", **fields)


def test_a_kpi_update_is_audited_with_before_and_after(company: Company) -> None:
    mrr = kpi(company)

    indicator_update(indicator=mrr, actor=company.hr, frequency="week", red_below=Decimal(40))

    event = events(mrr)[-1]
    assert (event.action, event.actor) == ("update", company.hr)
    assert event.changes == {"frequency": ["month", "week"], "red_below": [None, "40"]}


def test_a_kpi_update_that_changes_nothing_writes_no_event(company: Company) -> None:
    mrr = kpi(company)

    indicator_update(indicator=mrr, actor=company.admin, name="Monthly recurring revenue")

    assert [e.action for e in events(mrr)] == ["create"]


def test_a_threshold_that_crosses_a_target_is_refused(company: Company) -> None:
    mrr = kpi(company)
    target_set(indicator=mrr, period=company.quarter, value=Decimal(100))

    with refused("red_below"):
        indicator_update(indicator=mrr, red_below=Decimal(120))
    assert Indicator.objects.get(pk=mrr.pk).red_below is None
    assert [e.action for e in events(mrr)] == ["create"]


# -- targets ----------------------------------------------------------------------------------
def test_a_target_is_set_then_replaced_for_its_period_and_audited(company: Company) -> None:
    mrr = kpi(company)

    first = target_set(
        indicator=mrr, period=company.quarter, value=Decimal(100), actor=company.admin
    )
    second = target_set(
        indicator=mrr, period=company.quarter, value=Decimal(120), actor=company.leader
    )

    assert first.pk == second.pk
    assert Target.objects.get().value == Decimal(120)
    created, updated = events(first)
    assert (created.action, created.actor) == ("create", company.admin)
    assert (updated.action, updated.actor) == ("update", company.leader)
    assert updated.changes == {"value": ["100", "120"]}


def test_a_range_kpi_target_needs_both_bounds_in_order(company: Company) -> None:
    uptime = kpi(company, direction="range")

    with refused("lower"):
        target_set(indicator=uptime, period=company.quarter, lower=Decimal(99))
    with refused("tolerance"):
        target_set(indicator=uptime, period=company.quarter, lower=Decimal(5), upper=Decimal(1))
    target = target_set(
        indicator=uptime, period=company.quarter, lower=Decimal(99), upper=Decimal(100)
    )
    assert (target.lower, target.upper) == (Decimal(99), Decimal(100))


def test_an_upward_kpi_target_needs_a_value(company: Company) -> None:
    with refused("value"):
        target_set(indicator=kpi(company), period=company.quarter)


def test_a_target_below_the_red_threshold_is_refused(company: Company) -> None:
    mrr = kpi(company, red_below=Decimal(80))

    with refused("red_below"):
        target_set(indicator=mrr, period=company.quarter, value=Decimal(50))
    assert not Target.objects.exists()


def test_a_target_refuses_another_tenants_period(company: Company, other_company: Company) -> None:
    with refused("period"):
        target_set(indicator=kpi(company), period=other_company.quarter, value=Decimal(1))


# -- measurements -----------------------------------------------------------------------------
def test_a_measurement_is_recorded_by_the_actor_and_audited(company: Company) -> None:
    mrr = kpi(company)

    m = measurement_record(
        indicator=mrr, date=dt.date(2026, 10, 31), value=Decimal(80), actor=company.leader
    )

    assert (m.recorded_by, m.organization) == (company.leader, company.org)
    [event] = events(m)
    assert (event.action, event.actor) == ("create", company.leader)
    assert event.changes["value"] == [None, "80"]


def test_a_measurement_for_the_same_date_replaces_the_old_one_and_is_audited(
    company: Company,
) -> None:
    mrr = kpi(company)
    first = measurement_record(
        indicator=mrr, date=dt.date(2026, 10, 31), value=Decimal(80), actor=company.leader
    )

    second = measurement_record(
        indicator=mrr, date=dt.date(2026, 10, 31), value=Decimal(85), actor=company.leader,
        note="late invoice",
    )  # fmt: skip

    assert second.pk == first.pk
    assert Measurement.objects.get().value == Decimal(85)
    replaced = events(first)[-1]
    assert (replaced.action, replaced.actor) == ("update", company.leader)
    assert replaced.changes == {"value": ["80", "85"], "note": ["", "late invoice"]}


def test_recording_the_same_value_again_writes_no_event(company: Company) -> None:
    mrr = kpi(company)
    day = dt.date(2026, 10, 31)
    m = measurement_record(indicator=mrr, date=day, value=Decimal(80), actor=company.leader)

    measurement_record(indicator=mrr, date=day, value=Decimal(80), actor=company.leader)

    assert [e.action for e in events(m)] == ["create"]


def test_a_measurement_needs_a_value(company: Company) -> None:
    with refused("value"):
        measurement_record(indicator=kpi(company), date=TODAY, value=None)  # type: ignore[arg-type]


def test_a_key_result_following_a_kpi_moves_with_its_measurements(company: Company) -> None:
    mrr = kpi(company)
    objective = objective_create(
        organization=company.org, title="Grow", owner=company.leader, period=company.quarter
    )
    kr = key_result_create(
        objective=objective, title="MRR to 100", start=Decimal(0), target=Decimal(100),
        progress_source="indicator", indicator=mrr,
    )  # fmt: skip

    measurement_record(indicator=mrr, date=dt.date(2026, 11, 1), value=Decimal(30))
    measurement_record(indicator=mrr, date=dt.date(2026, 11, 1), value=Decimal(60))

    kr.refresh_from_db()
    objective.refresh_from_db()
    assert (kr.current, kr.progress) == (Decimal(60), Decimal("0.6"))
    assert objective.progress == Decimal("0.6")
