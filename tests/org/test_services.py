"""Writes to the organization's structure: organizations, units, people and periods."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from tests.assertions import refused
from tests.conftest import Company

from headway.org.models import Organization, Period, Person, Unit
from headway.org.services import (
    organization_create,
    period_create,
    period_update,
    person_create,
    person_update,
    unit_create,
    unit_update,
)

pytestmark = pytest.mark.django_db


# -- organizations ----------------------------------------------------------------------------
def test_an_organization_gets_a_slug_from_its_name() -> None:
    org = organization_create(name="Acme Rockets", fiscal_year_start_month=4)

    assert (org.slug, org.fiscal_year_start_month) == ("acme-rockets", 4)


def test_an_organization_slug_is_unique() -> None:
    organization_create(name="Acme")

    with refused("slug"):
        organization_create(name="Another", slug="acme")


def test_an_organization_needs_letters_or_digits_in_its_name() -> None:
    with refused("slug"):
        organization_create(name="!!!")


@pytest.mark.parametrize("month", [0, 13])
def test_a_fiscal_year_starts_in_a_month_from_1_to_12(month: int) -> None:
    with refused("fiscal_year_start_month"):
        organization_create(name="Acme", fiscal_year_start_month=month)
    assert not Organization.objects.exists()


# -- units ------------------------------------------------------------------------------------
def test_a_unit_keeps_the_path_of_ids_from_the_root(company: Company) -> None:
    team = unit_create(organization=company.org, name="Deals desk", parent=company.emea)

    assert team.path == f"/{company.sales.pk}/{company.emea.pk}/{team.pk}/"
    assert team.depth == 3


def test_a_unit_name_is_unique_in_its_organization_only(
    company: Company, other_company: Company
) -> None:
    with refused("name"):
        unit_create(organization=company.org, name="Sales")

    assert unit_create(organization=other_company.org, name="Marketing").pk


def test_a_unit_cannot_sit_below_another_tenants_unit(
    company: Company, other_company: Company
) -> None:
    with refused("parent"):
        unit_create(organization=company.org, name="Deals desk", parent=other_company.sales)
    with refused("parent"):
        unit_update(unit=company.support, parent=other_company.sales)


def test_a_unit_cannot_be_headed_by_another_tenants_person(
    company: Company, other_company: Company
) -> None:
    with refused("head"):
        unit_create(organization=company.org, name="Deals desk", head=other_company.member)
    with refused("head"):
        unit_update(unit=company.support, head=other_company.member)


@pytest.mark.parametrize("below", ["itself", "its child"])
def test_a_unit_cannot_move_below_itself(company: Company, below: str) -> None:
    target = company.sales if below == "itself" else company.emea

    with refused("parent"):
        unit_update(unit=company.sales, parent=target)
    company.sales.refresh_from_db()
    assert company.sales.parent is None


def test_moving_a_unit_rewrites_the_paths_of_everything_below_it(company: Company) -> None:
    # given: Sales > EMEA > Deals desk
    desk = unit_create(organization=company.org, name="Deals desk", parent=company.emea)

    # when: Sales moves under Support
    unit_update(unit=company.sales, parent=company.support)

    # then
    s, e, d = company.support.pk, company.sales.pk, company.emea.pk
    assert Unit.objects.get(pk=company.sales.pk).path == f"/{s}/{e}/"
    assert Unit.objects.get(pk=company.emea.pk).path == f"/{s}/{e}/{d}/"
    assert Unit.objects.get(pk=desk.pk).path == f"/{s}/{e}/{d}/{desk.pk}/"
    assert Unit.objects.get(pk=company.support.pk).path == f"/{s}/"


def test_a_unit_update_changes_its_fields(company: Company) -> None:
    unit_update(unit=company.support, name="Customer success", kind="division")

    support = Unit.objects.get(pk=company.support.pk)
    assert (support.name, support.kind) == ("Customer success", "division")


# -- people -----------------------------------------------------------------------------------
def test_a_person_keeps_the_path_of_their_managers(company: Company) -> None:
    assert company.member.manager_path == f"/{company.admin.pk}/{company.leader.pk}/"
    assert company.admin.manager_path == "/"


def test_an_email_is_unique_in_an_organization_whatever_its_case(company: Company) -> None:
    with refused("email"):
        person_create(organization=company.org, name="Twin", email=" Member@ACME.test ")


def test_the_same_email_may_be_someone_in_another_organization(
    company: Company, other_company: Company
) -> None:
    twin = person_create(organization=other_company.org, name="Twin", email="member@acme.test")

    assert twin.organization == other_company.org


def test_changing_an_email_to_one_taken_is_refused(company: Company) -> None:
    with refused("email"):
        person_update(person=company.colleague, email="MEMBER@acme.test")
    assert person_update(person=company.colleague, email="Cole@Acme.test").email == "cole@acme.test"


def test_a_person_cannot_join_another_tenants_unit_or_report_to_its_people(
    company: Company, other_company: Company
) -> None:
    with refused("unit"):
        person_create(organization=company.org, name="X", email="x@a.test", unit=other_company.emea)
    with refused("manager"):
        person_create(
            organization=company.org, name="X", email="x@a.test", manager=other_company.leader
        )
    with refused("manager"):
        person_update(person=company.member, manager=other_company.leader)


def test_a_person_cannot_move_to_another_tenants_unit(
    company: Company, other_company: Company
) -> None:
    with refused("unit"):
        person_update(person=company.member, unit=other_company.emea)


@pytest.mark.parametrize("to", ["themselves", "their report", "their report's report"])
def test_a_person_cannot_report_to_themselves_or_to_someone_below_them(
    company: Company, to: str
) -> None:
    intern = person_create(
        organization=company.org, name="Ivy Intern", email="ivy@acme.test", manager=company.member
    )
    manager = {"themselves": company.leader, "their report": company.member}.get(to, intern)

    with refused("manager"):
        person_update(person=company.leader, manager=manager)
    assert Person.objects.get(pk=company.leader.pk).manager == company.admin


def test_a_new_manager_rewrites_the_paths_of_everyone_below(company: Company) -> None:
    # given: the leader manages the member, who manages an intern
    intern = person_create(
        organization=company.org, name="Ivy Intern", email="ivy@acme.test", manager=company.member
    )

    # when: the leader reports to HR instead of the admin
    person_update(person=company.leader, manager=company.hr)

    # then
    hr, leader, member = company.hr.pk, company.leader.pk, company.member.pk
    assert Person.objects.get(pk=leader).manager_path == f"/{hr}/"
    assert Person.objects.get(pk=member).manager_path == f"/{hr}/{leader}/"
    assert Person.objects.get(pk=intern.pk).manager_path == f"/{hr}/{leader}/{member}/"


# -- periods ----------------------------------------------------------------------------------
def test_a_period_has_inclusive_dates_and_a_unique_name(company: Company) -> None:
    year = period_create(
        organization=company.org, name="2026", kind="year",
        start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31),
    )  # fmt: skip
    one_day = period_create(
        organization=company.org, name="Launch day", kind="custom",
        start=dt.date(2026, 11, 2), end=dt.date(2026, 11, 2), parent=year,
    )  # fmt: skip

    assert one_day.parent == year
    with refused("name"):
        period_create(
            organization=company.org, name="2026", start=dt.date(2026, 1, 1),
            end=dt.date(2026, 1, 2),
        )  # fmt: skip


def test_a_period_cannot_end_before_it_starts(company: Company) -> None:
    with refused("end"):
        period_create(
            organization=company.org, name="Backwards",
            start=dt.date(2026, 12, 31), end=dt.date(2026, 10, 1),
        )  # fmt: skip
    with refused("end"):
        period_update(period=company.quarter, end=dt.date(2026, 9, 30))
    assert Period.objects.get(pk=company.quarter.pk).end == dt.date(2026, 12, 31)


def test_a_period_update_changes_its_fields(company: Company) -> None:
    period_update(period=company.quarter, state="closed", name="Q4 2026")

    quarter = Period.objects.get(pk=company.quarter.pk)
    assert (quarter.state, quarter.name) == ("closed", "Q4 2026")


def test_a_period_cannot_sit_inside_another_tenants_period(
    company: Company, other_company: Company
) -> None:
    with refused("parent"):
        period_create(
            organization=company.org, name="Nov", kind="month", parent=other_company.quarter,
            start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30),
        )  # fmt: skip


def test_renaming_a_unit_to_a_taken_name_is_refused(company: Company) -> None:
    with refused("name"):
        unit_update(unit=company.support, name="Sales")


def test_renaming_a_period_to_a_taken_name_is_refused(company: Company) -> None:
    autumn = period_create(
        organization=company.org, name="Autumn", kind="custom",
        start=dt.date(2026, 9, 1), end=dt.date(2026, 11, 30),
    )  # fmt: skip

    with refused("name"):
        period_update(period=autumn, name="2026-Q4")


def test_one_account_is_at_most_one_person_in_an_organization(company: Company) -> None:
    with pytest.raises(ValidationError):
        person_update(person=company.colleague, user=company.member.user)
