"""Creating and changing KPIs and their targets over HTTP, and the KPI list page."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.assertions import events
from tests.conftest import Company, signed_in

from headway.audit.models import AuditEvent
from headway.goals.services import result_area_create
from headway.indicators.models import Indicator, Target
from headway.indicators.services import indicator_create, measurement_record, target_set
from headway.org.models import Period, Person, Unit
from headway.org.services import period_create

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]


# -- helpers ----------------------------------------------------------------------------------
def kpi(
    company: Company,
    name: str = "Net promoter score",
    *,
    owner: Person | None = None,
    unit: Unit | None = None,
    person: Person | None = None,
    target: int | None = 40,
    **fields: Any,
) -> Indicator:
    """A KPI through the service, with a target this quarter unless told otherwise."""
    indicator = indicator_create(
        organization=company.org, name=name, owner=owner or company.member,
        scope_unit=unit if person is None else None, scope_person=person, **fields,
    )  # fmt: skip
    if target is not None:
        target_set(indicator=indicator, period=company.quarter, value=Decimal(target))
    return indicator


def sales_kpi(company: Company) -> Indicator:
    """Sales' own KPI, owned by its leader."""
    return kpi(company, "Bookings", owner=company.leader, unit=company.sales)


def new_kpi(company: Company, **fields: Any) -> dict[str, Any]:
    """What the New KPI form posts: the member's own upward KPI, no first target."""
    return {
        "name": "Demos booked", "description": "", "unit_label": "demos", "direction": "up",
        "frequency": "week", "aggregation": "sum", "result_area": "",
        "owner": company.member.pk, "scope_unit": "", "scope_person": company.member.pk,
        "red_below": "", "red_above": "", "tolerance": "",
        "target_period": "", "target_value": "", "target_lower": "", "target_upper": "",
        **fields,
    }  # fmt: skip


def edit_data(indicator: Indicator, **fields: Any) -> dict[str, Any]:
    """What the edit form posts when nothing is touched (plus `fields`)."""
    data: dict[str, Any] = {
        "name": indicator.name, "description": indicator.description,
        "unit_label": indicator.unit_label, "direction": indicator.direction,
        "frequency": indicator.frequency, "aggregation": indicator.aggregation,
        "result_area": indicator.result_area_id or "", "owner": indicator.owner_id or "",
        "red_below": indicator.red_below if indicator.red_below is not None else "",
        "red_above": indicator.red_above if indicator.red_above is not None else "",
        "tolerance": indicator.tolerance if indicator.tolerance is not None else "",
    }  # fmt: skip
    if indicator.leading:
        data["leading"] = "on"
    return {**data, **fields}


def help_of(page: str, field_id: str) -> str:
    """The text shown under one field: its errors and help."""
    found = re.search(rf'<div id="{field_id}-help">(.*?)</div>\s*</div>', page, re.S)
    assert found is not None, f"no help block for {field_id}"
    return found.group(1)


def saved_nothing() -> bool:
    return not Indicator.objects.exists() and not Target.objects.exists()


# -- creating ---------------------------------------------------------------------------------
def test_a_member_creates_their_own_kpi_with_a_first_target(company: Company) -> None:
    client = signed_in(company.member)
    assert client.get("/kpis/new/").status_code == 200

    response = client.post(
        "/kpis/new/",
        new_kpi(company, target_period=company.quarter.pk, target_value="12", red_below="9"),
    )

    created = Indicator.objects.get(name="Demos booked")
    assert response.status_code == 302
    assert response["Location"] == f"/kpis/{created.pk}/"
    assert (created.scope_person, created.scope_unit, created.owner) == (
        company.member, None, company.member,
    )  # fmt: skip
    assert (created.frequency, created.aggregation, created.red_below) == ("week", "sum", 9)
    target = Target.objects.get(indicator=created)
    assert (target.period, target.value) == (company.quarter, Decimal(12))
    assert [e.action for e in events(created)] == ["create"]
    assert events(created)[0].actor == company.member
    assert [e.action for e in events(target)] == ["create"]


def test_a_member_creates_a_kpi_in_their_own_unit(company: Company) -> None:
    response = signed_in(company.member).post(
        "/kpis/new/", new_kpi(company, scope_unit=company.emea.pk, scope_person="")
    )

    assert response.status_code == 302
    assert Indicator.objects.get(name="Demos booked").scope_unit == company.emea


def test_an_admin_creates_anywhere_even_organization_wide(company: Company) -> None:
    client = signed_in(company.admin)

    for name, scope in [
        ("Org-wide", {"scope_unit": "", "scope_person": ""}),
        ("Support's", {"scope_unit": company.support.pk, "scope_person": ""}),
        ("Otto's", {"scope_unit": "", "scope_person": company.outsider.pk}),
    ]:
        response = client.post("/kpis/new/", new_kpi(company, name=name, **scope))
        assert response.status_code == 302, name

    assert Indicator.objects.get(name="Org-wide").scope_label == "org"
    assert Indicator.objects.get(name="Support's").scope_unit == company.support
    assert Indicator.objects.get(name="Otto's").scope_person == company.outsider


def test_a_member_may_not_create_in_a_colleagues_scope(company: Company) -> None:
    response = signed_in(company.member).post(
        "/kpis/new/", new_kpi(company, scope_person=company.colleague.pk)
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "You may not add KPIs to Cole Colleague&#x27;s own." in help_of(page, "id_scope_person")
    assert "Nothing was saved." in page
    assert saved_nothing()


@pytest.mark.parametrize(
    ("persona", "scope", "field"),
    [
        ("member", {"scope_unit": "", "scope_person": ""}, "id_scope_unit"),
        ("member", {"scope_unit": "support", "scope_person": ""}, "id_scope_unit"),
        ("outsider", {"scope_unit": "sales", "scope_person": ""}, "id_scope_unit"),
        ("member", {"scope_unit": "emea", "scope_person": "member"}, "id_scope_person"),
    ],
)
def test_a_scope_the_person_may_not_use_is_refused_next_to_the_scope(
    company: Company, persona: str, scope: dict[str, str], field: str
) -> None:
    scope = {k: getattr(company, v).pk if v else "" for k, v in scope.items()}

    response = signed_in(getattr(company, persona)).post("/kpis/new/", new_kpi(company, **scope))

    assert response.status_code == 200
    assert "invalid-feedback" in help_of(response.content.decode(), field)
    assert saved_nothing()


def test_a_viewer_may_not_create_kpis(company: Company) -> None:
    client = signed_in(company.viewer)

    assert client.get("/kpis/new/").status_code == 403
    assert client.post("/kpis/new/", new_kpi(company, owner=company.viewer.pk)).status_code == 403
    assert saved_nothing()


def test_another_tenants_unit_or_person_is_not_a_choice(
    company: Company, other_company: Company
) -> None:
    response = signed_in(company.admin).post(
        "/kpis/new/",
        new_kpi(company, scope_person="", scope_unit=other_company.sales.pk,
                owner=other_company.admin.pk),
    )  # fmt: skip

    page = response.content.decode()
    assert response.status_code == 200
    assert "Select a valid choice" in help_of(page, "id_scope_unit")
    assert "Select a valid choice" in help_of(page, "id_owner")
    assert saved_nothing()


def test_red_below_above_the_first_target_is_shown_next_to_it_and_nothing_is_saved(
    company: Company,
) -> None:
    response = signed_in(company.member).post(
        "/kpis/new/",
        new_kpi(company, red_below="15", target_period=company.quarter.pk, target_value="12"),
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "is above the target" in help_of(page, "id_red_below")
    assert saved_nothing()
    # The KPI's create event went with the rollback.
    assert not AuditEvent.objects.filter(object_type__in=["indicator", "target"]).exists()


def test_a_threshold_of_the_wrong_direction_is_refused_next_to_it(company: Company) -> None:
    response = signed_in(company.member).post("/kpis/new/", new_kpi(company, red_above="5"))

    assert "An upward KPI takes" in help_of(response.content.decode(), "id_red_above")
    assert saved_nothing()


def test_a_range_kpi_takes_bounds_for_its_first_target(company: Company) -> None:
    client = signed_in(company.member)
    data = new_kpi(company, direction="range", tolerance="2", target_period=company.quarter.pk)

    one_value = client.post("/kpis/new/", {**data, "target_value": "20"})
    upside_down = client.post("/kpis/new/", {**data, "target_lower": "25", "target_upper": "18"})
    accepted = client.post("/kpis/new/", {**data, "target_lower": "18", "target_upper": "25"})

    assert "takes a lower and an upper bound" in help_of(
        one_value.content.decode(), "id_target_value"
    )
    assert "lower bound is above the upper bound" in help_of(
        upside_down.content.decode(), "id_target_lower"
    )
    assert accepted.status_code == 302
    target = Target.objects.get()
    assert (target.lower, target.upper, target.value) == (18, 25, None)


def test_a_target_without_a_period_asks_for_the_period(company: Company) -> None:
    response = signed_in(company.member).post("/kpis/new/", new_kpi(company, target_value="5"))

    assert "Choose the period" in help_of(response.content.decode(), "id_target_period")
    assert saved_nothing()


def test_the_form_explains_which_threshold_fits_which_direction(company: Company) -> None:
    page = signed_in(company.member).get("/kpis/new/").content.decode()

    assert "Up KPIs only" in help_of(page, "id_red_below")
    assert "Down KPIs only" in help_of(page, "id_red_above")
    assert "Range KPIs only" in help_of(page, "id_tolerance")
    assert "<title>New KPI · Headway</title>" in page


def test_links_preset_the_scope_and_the_kra(company: Company) -> None:
    area = result_area_create(
        organization=company.org, name="Pipeline", owner=company.leader, scope_unit=company.sales
    )
    client = signed_in(company.leader)

    by_unit = client.get(f"/kpis/new/?unit={company.emea.pk}").content.decode()
    by_person = client.get(f"/kpis/new/?person={company.member.pk}").content.decode()
    by_kra = client.get(f"/kpis/new/?kra={area.pk}").content.decode()

    assert f'<option value="{company.emea.pk}" selected>' in by_unit
    assert f'<option value="{company.member.pk}" selected>Mia' in by_person
    assert f'<option value="{area.pk}" selected>' in by_kra
    assert f'<option value="{company.sales.pk}" selected>' in by_kra  # the KRA's scope


# -- editing ----------------------------------------------------------------------------------
def test_the_owner_edits_only_what_changed_and_the_history_keeps_it(company: Company) -> None:
    indicator = kpi(company, red_below=Decimal(30))
    client = signed_in(company.member)
    assert client.get(f"/kpis/{indicator.pk}/edit/").status_code == 200

    response = client.post(
        f"/kpis/{indicator.pk}/edit/", edit_data(indicator, name="NPS", red_below="35")
    )

    assert response.status_code == 302
    assert response["Location"] == f"/kpis/{indicator.pk}/"
    indicator.refresh_from_db()
    assert (indicator.name, indicator.red_below) == ("NPS", 35)
    change = events(indicator)[-1]
    assert (change.action, change.actor) == ("update", company.member)
    assert change.changes == {"name": ["Net promoter score", "NPS"], "red_below": ["30", "35"]}


def test_saving_without_a_change_writes_no_history(company: Company) -> None:
    indicator = kpi(company, leading=True)

    response = signed_in(company.member).post(
        f"/kpis/{indicator.pk}/edit/", edit_data(indicator), follow=True
    )

    assert "Nothing changed." in response.content.decode()
    assert [e.action for e in events(indicator)] == ["create"]


def test_the_leader_above_edits_a_kpi_of_their_unit(company: Company) -> None:
    indicator = kpi(company, unit=company.emea)

    response = signed_in(company.leader).post(
        f"/kpis/{indicator.pk}/edit/", edit_data(indicator, unit_label="points")
    )

    assert response.status_code == 302
    indicator.refresh_from_db()
    assert indicator.unit_label == "points"


@pytest.mark.parametrize("persona", ["outsider", "member", "viewer", "hr"])
def test_others_may_not_edit_sales_kpi_owned_by_the_leader(company: Company, persona: str) -> None:
    indicator = sales_kpi(company)
    client = signed_in(getattr(company, persona))

    assert client.get(f"/kpis/{indicator.pk}/edit/").status_code == 403
    assert (
        client.post(f"/kpis/{indicator.pk}/edit/", edit_data(indicator, name="X")).status_code
        == 403
    )
    indicator.refresh_from_db()
    assert indicator.name == "Bookings"


def test_a_threshold_that_contradicts_a_target_is_refused_and_nothing_changes(
    company: Company,
) -> None:
    indicator = kpi(company)  # target 40 this quarter

    response = signed_in(company.member).post(
        f"/kpis/{indicator.pk}/edit/", edit_data(indicator, name="NPS", red_below="45")
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "“red below” is above the target" in help_of(page, "id_red_below")
    assert "(target for 2026-Q4)" in page
    assert "Edit “Net promoter score”" in page
    indicator.refresh_from_db()
    assert (indicator.name, indicator.red_below) == ("Net promoter score", None)
    assert [e.action for e in events(indicator)] == ["create"]


def test_scope_is_not_on_the_edit_form(company: Company) -> None:
    indicator = kpi(company, unit=company.emea)

    page = signed_in(company.member).get(f"/kpis/{indicator.pk}/edit/").content.decode()

    assert 'name="scope_unit"' not in page
    assert 'name="red_below"' in page


# -- targets ----------------------------------------------------------------------------------
def test_the_owner_sets_and_then_replaces_a_target(company: Company) -> None:
    indicator = kpi(company, target=None, unit_label="points")
    client = signed_in(company.member)
    url = f"/kpis/{indicator.pk}/targets/"

    first = client.post(url, {"period": company.quarter.pk, "value": "40"}, follow=True)
    second = client.post(url, {"period": company.quarter.pk, "value": "45"}, follow=True)

    assert first.redirect_chain == [(f"/kpis/{indicator.pk}/", 302)]
    assert "Set the target for 2026-Q4: 40 points." in first.content.decode()
    assert "Replaced the target for 2026-Q4: 45 points." in second.content.decode()
    target = Target.objects.get(indicator=indicator)
    assert target.value == 45
    assert [e.action for e in events(target)] == ["create", "update"]
    assert events(target)[-1].changes == {"value": ["40", "45"]}


def test_a_target_that_disagrees_with_the_thresholds_shows_on_the_kpi_page(
    company: Company,
) -> None:
    indicator = kpi(company, target=None, red_below=Decimal(30))

    response = signed_in(company.member).post(
        f"/kpis/{indicator.pk}/targets/", {"period": company.quarter.pk, "value": "20"}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Net promoter score (KPI) · Headway</title>" in page
    note = help_of(page, "target-value")
    assert "disagrees with the KPI&#x27;s thresholds" in note
    assert "“red below” is above the target" in note
    assert 'value="20"' in page  # the form comes back as posted
    assert not Target.objects.exists()


def test_a_range_kpis_target_form_asks_for_bounds(company: Company) -> None:
    indicator = kpi(company, direction="range", target=None)
    client = signed_in(company.member)

    page = client.get(f"/kpis/{indicator.pk}/").content.decode()
    missing = client.post(f"/kpis/{indicator.pk}/targets/", {"period": company.quarter.pk})
    accepted = client.post(
        f"/kpis/{indicator.pk}/targets/",
        {"period": company.quarter.pk, "lower": "18", "upper": "25"},
    )

    assert 'id="target-lower"' in page
    assert 'id="target-value"' not in page
    assert "This field is required." in help_of(missing.content.decode(), "target-lower")
    assert accepted.status_code == 302
    assert (Target.objects.get().lower, Target.objects.get().upper) == (18, 25)


@pytest.mark.parametrize("persona", ["outsider", "member", "viewer", "colleague"])
def test_only_editors_set_targets(company: Company, persona: str) -> None:
    indicator = sales_kpi(company)

    response = signed_in(getattr(company, persona)).post(
        f"/kpis/{indicator.pk}/targets/", {"period": company.quarter.pk, "value": "1"}
    )

    assert response.status_code == 403
    assert Target.objects.get(indicator=indicator).value == 40


def test_getting_the_targets_url_leads_to_the_kpi_page(company: Company) -> None:
    indicator = kpi(company)

    response = signed_in(company.member).get(f"/kpis/{indicator.pk}/targets/")

    assert response.status_code == 302
    assert response["Location"] == f"/kpis/{indicator.pk}/"


def test_the_kpi_page_lists_its_targets_per_period(company: Company) -> None:
    indicator = kpi(company, red_below=Decimal(30), unit_label="points")
    november = period_create(
        organization=company.org, name="2026-11", kind="month",
        start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30),
    )  # fmt: skip
    target_set(indicator=indicator, period=november, value=Decimal(38))

    page = signed_in(company.colleague).get(f"/kpis/{indicator.pk}/").content.decode()
    table = page.split('id="targets-title"')[1].split("</table>")[0]

    assert table.index("2026-Q4") < table.index("2026-11")
    assert "40 points" in table
    assert "38 points" in table
    assert "below 30" in table
    assert "this period" in table.split("2026-11")[1]  # the month is read today, not the quarter


@pytest.mark.parametrize(
    ("persona", "editor"),
    [
        ("leader", True),
        ("admin", True),
        ("member", False),
        ("hr", False),
        ("outsider", False),
        ("viewer", False),
    ],
)
def test_edit_links_show_only_to_editors(company: Company, persona: str, editor: bool) -> None:
    indicator = sales_kpi(company)

    page = signed_in(getattr(company, persona)).get(f"/kpis/{indicator.pk}/").content.decode()

    assert (f'href="/kpis/{indicator.pk}/edit/"' in page) is editor
    assert ('href="#set-target"' in page) is editor
    assert (f'action="/kpis/{indicator.pk}/targets/"' in page) is editor


# -- another tenant ---------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["edit/", "targets/"])
def test_another_tenants_kpi_is_404(company: Company, other_company: Company, path: str) -> None:
    indicator = kpi(company)
    client = signed_in(other_company.admin)

    assert client.get(f"/kpis/{indicator.pk}/{path}").status_code == 404
    assert (
        client.post(
            f"/kpis/{indicator.pk}/{path}", {"name": "X", "period": other_company.quarter.pk}
        ).status_code
        == 404
    )
    assert client.get("/kpis/999999/edit/").status_code == 404
    assert Indicator.objects.get().name == "Net promoter score"


def test_another_tenants_period_is_not_a_choice_for_a_target(
    company: Company, other_company: Company
) -> None:
    indicator = kpi(company, target=None)

    response = signed_in(company.member).post(
        f"/kpis/{indicator.pk}/targets/", {"period": other_company.quarter.pk, "value": "4"}
    )

    assert "Select a valid choice" in help_of(response.content.decode(), "target-period")
    assert not Target.objects.exists()


# -- the list ---------------------------------------------------------------------------------
@pytest.fixture
def statuses(company: Company) -> dict[str, Indicator]:
    """One KPI for each status this quarter (target 40, up)."""
    made = {
        "green": kpi(company, "Green KPI", owner=company.leader, unit=company.sales),
        "amber": kpi(company, "Amber KPI", unit=company.emea),
        "red": kpi(company, "Red KPI", person=company.member),
        "no_data": kpi(company, "Quiet KPI", owner=company.outsider, unit=company.support),
        "no_target": kpi(company, "Aimless KPI", owner=company.admin, target=None),
    }
    for status, value in [("green", 45), ("amber", 38), ("red", 10), ("no_target", 3)]:
        measurement_record(indicator=made[status], date=dt.date(2026, 11, 1), value=Decimal(value))
    return made


def rows(page: str) -> list[str]:
    """The KPI names of the list, in order."""
    return re.findall(r'<td><a href="/kpis/\d+/">([^<]+)</a>', page)


def test_everyone_sees_every_kpi_of_the_organization_with_its_status_in_words(
    company: Company, other_company: Company, statuses: dict[str, Indicator]
) -> None:
    kpi(other_company, "Their KPI", owner=other_company.admin)

    page = signed_in(company.viewer).get("/kpis/").content.decode()

    assert rows(page) == ["Aimless KPI", "Amber KPI", "Green KPI", "Quiet KPI", "Red KPI"]
    assert f'href="/kpis/{statuses["green"].pk}/"' in page
    for words in (
        "Green: on target", "Amber: short of target", "Red: well off target",
        "No data this period", "No target this period",
    ):  # fmt: skip
        assert words in page
    assert '<span class="badge text-bg-danger">Red: well off target</span>' in page
    assert "<title>KPIs · Headway</title>" in page


def test_the_list_shows_the_latest_value_and_this_periods_target(
    company: Company, statuses: dict[str, Indicator]
) -> None:
    amber = statuses["amber"]
    measurement_record(indicator=amber, date=dt.date(2026, 9, 30), value=Decimal(99))  # before Q4

    page = signed_in(company.member).get("/kpis/?q=amber").content.decode()
    row = page.split("Amber KPI")[1].split("</tr>")[0]

    assert "38" in row  # the latest value
    assert "2026-11-01" in row  # and its date
    assert "2026-Q4" in row
    assert "40" in row  # this period's target
    assert "99" not in row


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=red", ["Red KPI"]),
        ("status=no_data", ["Quiet KPI"]),
        ("status=no_target", ["Aimless KPI"]),
        ("q=quiet", ["Quiet KPI"]),
        ("owner={leader}", ["Green KPI"]),
        ("unit={emea}", ["Amber KPI", "Red KPI"]),  # the unit's KPIs and its people's
        ("unit={sales}", ["Amber KPI", "Green KPI", "Red KPI"]),  # and the units below
        ("unit={sales}&status=green", ["Green KPI"]),
    ],
)
def test_the_list_filters(
    company: Company, statuses: dict[str, Indicator], query: str, expected: list[str]
) -> None:
    query = query.format(leader=company.leader.pk, emea=company.emea.pk, sales=company.sales.pk)

    page = signed_in(company.member).get(f"/kpis/?{query}").content.decode()

    assert rows(page) == expected


def test_a_filter_value_that_does_not_fit_is_shown_and_ignored(
    company: Company, other_company: Company, statuses: dict[str, Indicator]
) -> None:
    page = (
        signed_in(company.member)
        .get(f"/kpis/?unit={other_company.sales.pk}&status=purple")
        .content.decode()
    )

    assert "Select a valid choice" in help_of(page, "id_unit")
    assert "Select a valid choice" in help_of(page, "id_status")
    assert len(rows(page)) == 5


@pytest.mark.parametrize(("persona", "shown"), [("member", True), ("viewer", False)])
def test_the_new_kpi_button_shows_to_those_who_may_create(
    company: Company, persona: str, shown: bool
) -> None:
    page = signed_in(getattr(company, persona)).get("/kpis/").content.decode()

    assert ('href="/kpis/new/"' in page) is shown


def test_the_list_is_paginated_at_fifty_and_keeps_its_filters(company: Company) -> None:
    for n in range(52):
        kpi(company, f"KPI {n:02d}", target=None)
    client = signed_in(company.member)

    first = client.get("/kpis/?q=KPI").content.decode()
    second = client.get("/kpis/?q=KPI&page=2").content.decode()

    assert len(rows(first)) == 50
    assert rows(second) == ["KPI 50", "KPI 51"]
    assert "Page 1 of 2" in first
    assert 'href="?q=KPI&amp;page=2"' in first


def many_kpis(company: Company, count: int) -> None:
    """KPIs in every scope, with values and targets in the quarter and in a month of it."""
    november = Period.objects.filter(organization=company.org, name="2026-11").first()
    if november is None:
        november = period_create(
            organization=company.org, name="2026-11", kind="month",
            start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30),
        )  # fmt: skip
    scopes = [{"unit": company.emea}, {"person": company.member}, {"unit": company.sales}]
    for n in range(count):
        indicator = kpi(company, f"KPI {n:03d}", **scopes[n % 3])
        if n % 2:
            target_set(indicator=indicator, period=november, value=Decimal(20))
        for day in (1, 10):
            value = 50 if n % 3 == 0 else n + day  # some green, most red
            measurement_record(
                indicator=indicator, date=dt.date(2026, 11, day), value=Decimal(value)
            )


@pytest.mark.parametrize("query", ["", "?status=green", "?unit={sales}&q=KPI"])
def test_the_list_costs_the_same_for_five_or_forty_kpis(
    company: Company, django_assert_max_num_queries: Any, query: str
) -> None:
    query = query.format(sales=company.sales.pk)
    client = signed_in(company.member)
    many_kpis(company, 5)
    client.get(f"/kpis/{query}")  # the session and the like, once

    with CaptureQueriesContext(connection) as for_five:
        assert len(rows(client.get(f"/kpis/{query}").content.decode())) > 0
    Indicator.objects.all().delete()
    many_kpis(company, 40)

    with django_assert_max_num_queries(len(for_five.captured_queries)):
        assert client.get(f"/kpis/{query}").status_code == 200
