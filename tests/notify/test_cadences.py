"""Check-in cadences: which days are check-in days, whose cadence applies to whom, and the page
where admins (and leaders, for their units) set them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from tests.conftest import Company, signed_in

from headway.audit.models import AuditEvent
from headway.notify import services
from headway.notify.cadence import Cadence
from headway.notify.models import CheckInCadence
from headway.notify.selectors import cadence_for

MONDAY = dt.date(2026, 11, 16)


# -- the plain arithmetic ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("cadence", "day", "expected"),
    [
        (Cadence(), MONDAY, True),
        (Cadence(), MONDAY + dt.timedelta(days=1), False),
        (Cadence(weekday=2), MONDAY + dt.timedelta(days=2), True),
        (Cadence(every_weeks=2), dt.date(2026, 11, 2), True),  # an even week since 2024-01-01
        (Cadence(every_weeks=2), dt.date(2026, 11, 9), False),
        (Cadence(every_weeks=2, starts_on=dt.date(2026, 11, 4)), dt.date(2026, 11, 9), True),
        (Cadence(every_weeks=2, starts_on=dt.date(2026, 11, 4)), dt.date(2026, 11, 16), False),
        (Cadence(every_weeks=2, starts_on=dt.date(2026, 11, 4)), dt.date(2026, 10, 26), False),
        (Cadence(every_weeks=3, starts_on=MONDAY), MONDAY + dt.timedelta(weeks=3), True),
        (Cadence(every_weeks=3, starts_on=MONDAY), MONDAY + dt.timedelta(weeks=4), False),
    ],
)
def test_check_in_days(cadence: Cadence, day: dt.date, expected: bool) -> None:
    assert cadence.is_check_in_day(day) is expected


@pytest.mark.parametrize(
    ("cadence", "day", "latest", "following"),
    [
        (Cadence(), MONDAY, MONDAY, MONDAY),
        (Cadence(), MONDAY + dt.timedelta(days=3), MONDAY, MONDAY + dt.timedelta(days=7)),
        (Cadence(weekday=4), MONDAY, dt.date(2026, 11, 13), dt.date(2026, 11, 20)),
        (Cadence(every_weeks=2), dt.date(2026, 11, 12), dt.date(2026, 11, 2), MONDAY),
        (
            Cadence(every_weeks=2, starts_on=dt.date(2026, 11, 20)),
            MONDAY,
            None,
            dt.date(2026, 11, 23),
        ),
    ],
)
def test_the_latest_and_the_next_check_in_day(
    cadence: Cadence, day: dt.date, latest: dt.date | None, following: dt.date
) -> None:
    assert cadence.latest_day(day) == latest
    assert cadence.next_day(day) == following
    if latest is not None:
        assert cadence.is_check_in_day(latest)
    assert cadence.is_check_in_day(following)


def test_descriptions() -> None:
    assert Cadence().describe() == "Every Monday at 09:00"
    assert Cadence(weekday=4, every_weeks=2, hour=14).describe() == (
        "Every 2 weeks on Friday at 14:00"
    )
    assert Cadence(every_weeks=2).days == 14


# -- whose cadence ----------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_default_is_weekly_on_monday_at_nine(company: Company) -> None:
    assert cadence_for(company.member) == Cadence(source="default")


@pytest.mark.django_db
def test_the_nearest_unit_override_up_the_path_wins(company: Company) -> None:
    services.cadence_set(organization=company.org, weekday=4)
    services.cadence_set(organization=company.org, unit=company.sales, weekday=2, hour=8)

    assert cadence_for(company.member).weekday == 2  # Sales EMEA is below Sales
    assert cadence_for(company.member).source == "Sales"
    assert cadence_for(company.leader).weekday == 2
    assert cadence_for(company.outsider).weekday == 4  # Support: the organization's
    assert cadence_for(company.admin).source == "organization"  # no unit

    services.cadence_set(organization=company.org, unit=company.emea, weekday=1)
    assert cadence_for(company.member).weekday == 1
    assert cadence_for(company.leader).weekday == 2


@pytest.mark.django_db
def test_another_tenants_cadence_is_never_used(company: Company, other_company: Company) -> None:
    services.cadence_set(organization=other_company.org, weekday=3)
    services.cadence_set(organization=other_company.org, unit=other_company.sales, weekday=5)

    assert cadence_for(company.member).source == "default"


@pytest.mark.django_db
def test_setting_a_cadence_twice_updates_it_and_is_audited(company: Company) -> None:
    services.cadence_set(
        organization=company.org, unit=company.sales, weekday=2, actor=company.admin
    )
    services.cadence_set(
        organization=company.org, unit=company.sales, weekday=3, actor=company.admin
    )

    [row] = CheckInCadence.objects.all()
    assert row.weekday == 3
    actions = list(
        AuditEvent.objects.filter(object_type="checkincadence").values_list("action", flat=True)
    )
    assert sorted(actions) == ["create", "update"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fields", [{"weekday": 7}, {"every_weeks": 0}, {"every_weeks": 13}, {"hour": 24}]
)
def test_impossible_cadences_are_refused(company: Company, fields: dict[str, int]) -> None:
    with pytest.raises(ValidationError):
        services.cadence_set(organization=company.org, **fields)


@pytest.mark.django_db
def test_another_tenants_unit_is_refused(company: Company, other_company: Company) -> None:
    with pytest.raises(ValidationError):
        services.cadence_set(organization=company.org, unit=other_company.sales, weekday=2)


# -- the page ---------------------------------------------------------------------------------
@pytest.mark.django_db
def test_an_admin_sets_the_organizations_cadence_and_a_units(company: Company) -> None:
    client = signed_in(company.admin)

    page = client.get("/settings/check-ins/")
    org = client.post("/settings/check-ins/", {"unit": "", "weekday": 4, "every_weeks": 1,
                                               "hour": 10}, follow=True)  # fmt: skip
    unit = client.post("/settings/check-ins/", {"unit": company.emea.pk, "weekday": 1,
                                                "every_weeks": 2, "hour": 9,
                                                "starts_on": "2026-11-17"}, follow=True)  # fmt: skip

    assert page.status_code == 200
    assert "Every Monday at 09:00" in page.content.decode()
    assert "Saved the check-in cadence of Acme." in org.content.decode()
    assert "Saved the check-in cadence of Sales EMEA." in unit.content.decode()
    assert "Every Friday at 10:00" in unit.content.decode()
    assert "Every 2 weeks on Tuesday at 09:00" in unit.content.decode()
    assert cadence_for(company.member).every_weeks == 2
    assert cadence_for(company.outsider).weekday == 4


@pytest.mark.django_db
def test_a_leader_sets_only_the_units_they_head(company: Company) -> None:
    client = signed_in(company.leader)

    page = client.get("/settings/check-ins/")
    ok = client.post("/settings/check-ins/", {"unit": company.emea.pk, "weekday": 2,
                                              "every_weeks": 1, "hour": 9})  # fmt: skip
    support = client.post("/settings/check-ins/", {"unit": company.support.pk, "weekday": 2,
                                                   "every_weeks": 1, "hour": 9})  # fmt: skip
    whole = client.post("/settings/check-ins/", {"unit": "", "weekday": 2, "every_weeks": 1,
                                                 "hour": 9})  # fmt: skip

    assert page.status_code == 200
    assert "Support" not in page.content.decode().split("Set a cadence")[1]
    assert ok.status_code == 302
    assert support.status_code == 200  # not a choice: the form refuses it
    assert whole.status_code == 200
    assert list(CheckInCadence.objects.values_list("unit__name", flat=True)) == ["Sales EMEA"]


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["hr", "member", "viewer", "outsider"])
def test_everyone_else_is_refused_the_page(company: Company, persona: str) -> None:
    client = signed_in(getattr(company, persona))

    assert client.get("/settings/check-ins/").status_code == 403
    assert client.post("/settings/check-ins/", {"weekday": 2, "every_weeks": 1,
                                                "hour": 9}).status_code == 403  # fmt: skip
    assert not CheckInCadence.objects.exists()


@pytest.mark.django_db
def test_removing_an_override(company: Company) -> None:
    row = services.cadence_set(organization=company.org, unit=company.emea, weekday=2)
    own = services.cadence_set(organization=company.org, weekday=3)

    refused = signed_in(company.member).post(f"/settings/check-ins/{row.pk}/remove/")
    leader_on_org = signed_in(company.leader).post(f"/settings/check-ins/{own.pk}/remove/")
    removed = signed_in(company.leader).post(f"/settings/check-ins/{row.pk}/remove/")

    assert refused.status_code == 403
    assert leader_on_org.status_code == 403
    assert removed.status_code == 302
    assert list(CheckInCadence.objects.all()) == [own]


@pytest.mark.django_db
def test_another_tenants_cadence_is_not_found(company: Company, other_company: Company) -> None:
    theirs = services.cadence_set(organization=other_company.org, weekday=2)

    answer = signed_in(company.admin).post(f"/settings/check-ins/{theirs.pk}/remove/")

    assert answer.status_code == 404
    assert CheckInCadence.objects.filter(pk=theirs.pk).exists()
