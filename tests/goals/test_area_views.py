"""The KRA pages: one KRA, a new KRA, editing one and marking it reviewed, for every persona."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.conftest import Company, health_checked, signed_in

from headway.audit.models import AuditEvent
from headway.goals.models import Objective, ResultArea
from headway.goals.services import objective_create, result_area_create, result_area_update
from headway.indicators.models import Indicator
from headway.indicators.services import indicator_create, measurement_record, target_set

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

NOW = dt.datetime(2026, 11, 15, 12, 0, tzinfo=dt.UTC)
PERSONAS = ("admin", "hr", "leader", "member", "colleague", "outsider", "viewer")


@pytest.fixture
def frozen_now(monkeypatch: pytest.MonkeyPatch, frozen_today: dt.date) -> dt.datetime:
    """Review dates and "definition changed" moments at a fixed time on the frozen today."""
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW)
    return NOW


@pytest.fixture
def org_kra(company: Company) -> ResultArea:
    return result_area_create(
        organization=company.org, name="Revenue growth", owner=company.admin, weight=Decimal(40),
        actor=company.admin,
    )  # fmt: skip


@pytest.fixture
def sales_kra(company: Company, org_kra: ResultArea) -> ResultArea:
    return result_area_create(
        organization=company.org, name="New business", owner=company.leader,
        scope_unit=company.sales, parent=org_kra, weight=Decimal(60),
        description="Revenue from customers who never bought before.", actor=company.leader,
    )  # fmt: skip


def kpi_under(area: ResultArea, company: Company, name: str, value: int = 80) -> Indicator:
    indicator = indicator_create(
        organization=company.org, name=name, owner=area.owner, scope_unit=area.scope_unit,
        result_area=area, unit_label="k€",
    )  # fmt: skip
    target_set(indicator=indicator, period=company.quarter, value=Decimal(100))
    measurement_record(indicator=indicator, date=dt.date(2026, 11, 1), value=Decimal(value))
    return indicator


def objective_under(area: ResultArea, company: Company, title: str, **fields: Any) -> Objective:
    fields.setdefault("owner", company.member)
    return objective_create(
        organization=company.org, title=title, period=company.quarter, result_area=area, **fields
    )


def html_near(content: bytes, anchor: str, length: int = 600) -> str:
    """The page's text from an element id on: what a screen reader reads next to that field."""
    text = content.decode()
    at = text.index(anchor)
    return text[at : at + length]


# -- the KRA page -----------------------------------------------------------------------------
def test_the_kra_page_shows_what_the_kra_is_and_how_it_is_doing(
    company: Company, org_kra: ResultArea, sales_kra: ResultArea
) -> None:
    # given
    kpi = kpi_under(sales_kra, company, "New customers' revenue", value=95)
    objective = objective_under(sales_kra, company, "Win the Nordics")
    child = result_area_create(
        organization=company.org, name="My new accounts", owner=company.member,
        scope_person=company.member, parent=sales_kra,
    )  # fmt: skip

    # when
    response = signed_in(company.member).get(f"/kras/{sales_kra.pk}/")

    # then
    assert response.status_code == 200
    page = response.content.decode()
    assert "<title>New business (KRA) · Headway</title>" in page
    assert "Revenue from customers who never bought before." in page
    assert "Sales (unit)" in page
    assert f'href="/scorecard/person/{company.leader.pk}/">Leo Leader</a>' in page
    assert "60% of its scope" in page
    assert f'href="/kras/{org_kra.pk}/">Revenue growth</a>' in page  # laddering up
    assert f'href="/kras/{child.pk}/">My new accounts</a>' in page  # laddering down
    assert f'href="/kpis/{kpi.pk}/">New customers&#x27; revenue</a>' in page
    assert "Amber" in page  # 95 against 100, red below 90: the KPI's status in words
    assert "2026-11-01" in page  # last measured
    assert f'href="/objectives/{objective.pk}/">Win the Nordics</a>' in page
    assert "No data" in page  # the objective has no key results yet: its status in words
    assert "Health: " in page
    assert "Created" in page  # the history
    assert 'class="table-responsive"' in page


def test_the_health_is_the_scorecards_health(
    company: Company, org_kra: ResultArea, sales_kra: ResultArea
) -> None:
    kpi_under(sales_kra, company, "New customers' revenue", value=80)  # attainment 0.8
    client = signed_in(company.leader)

    page = client.get(f"/kras/{sales_kra.pk}/").content.decode()
    scorecard = client.get(f"/scorecard/unit/{company.sales.pk}/").content.decode()

    assert "Health: Green (80%)" in page
    assert "Health: Green (80%)" in scorecard
    assert "Health: Unmeasured" in client.get(f"/kras/{org_kra.pk}/").content.decode()


@pytest.mark.parametrize("persona", PERSONAS)
def test_everyone_in_the_organization_sees_a_kra(
    company: Company, sales_kra: ResultArea, persona: str
) -> None:
    response = signed_in(getattr(company, persona)).get(f"/kras/{sales_kra.pk}/")

    assert response.status_code == 200
    assert b"New business" in response.content


def test_only_editors_see_the_edit_and_review_controls(
    company: Company, sales_kra: ResultArea
) -> None:
    for persona in ("admin", "leader"):
        page = signed_in(getattr(company, persona)).get(f"/kras/{sales_kra.pk}/").content
        assert f'href="/kras/{sales_kra.pk}/edit/"'.encode() in page
        assert b"Mark reviewed" in page
    for persona in ("hr", "member", "outsider", "viewer"):
        page = signed_in(getattr(company, persona)).get(f"/kras/{sales_kra.pk}/").content
        assert f'href="/kras/{sales_kra.pk}/edit/"'.encode() not in page
        assert b"Mark reviewed" not in page


def test_objectives_the_viewer_may_not_see_are_left_out(
    company: Company, sales_kra: ResultArea
) -> None:
    objective_under(sales_kra, company, "Quietly fix pricing", visibility="private")
    objective_under(sales_kra, company, "Win the Nordics")

    for_member = signed_in(company.member).get(f"/kras/{sales_kra.pk}/").content
    for_outsider = signed_in(company.outsider).get(f"/kras/{sales_kra.pk}/").content

    assert b"Quietly fix pricing" in for_member
    assert b"Win the Nordics" in for_member
    assert b"Quietly fix pricing" not in for_outsider
    assert b"Win the Nordics" in for_outsider


def test_objectives_of_other_periods_are_not_listed(
    company: Company, sales_kra: ResultArea
) -> None:
    from tests.factories import PeriodFactory

    last_quarter = PeriodFactory(
        organization=company.org, name="2026-Q3", start=dt.date(2026, 7, 1),
        end=dt.date(2026, 9, 30),
    )  # fmt: skip
    objective_create(
        organization=company.org, title="Old push", owner=company.member, period=last_quarter,
        result_area=sales_kra,
    )  # fmt: skip

    page = signed_in(company.member).get(f"/kras/{sales_kra.pk}/").content

    assert b"Old push" not in page


def test_the_page_costs_the_same_for_two_or_twenty_kpis_objectives_and_child_kras(
    company: Company, org_kra: ResultArea, django_assert_max_num_queries: Any
) -> None:
    # given: two KRAs alike but for how much hangs under them, each changed once
    small = result_area_create(
        organization=company.org, name="Small", owner=company.leader, scope_unit=company.sales
    )
    large = result_area_create(
        organization=company.org, name="Large", owner=company.leader, scope_unit=company.sales
    )
    for area, count in ((small, 2), (large, 20)):
        for n in range(count):
            kpi_under(area, company, f"{area.name} KPI {n}")
            objective_under(area, company, f"{area.name} objective {n}")
            result_area_create(
                organization=company.org, name=f"{area.name} child {n}", owner=company.member,
                scope_person=company.member, parent=area,
            )  # fmt: skip
        result_area_update(area=area, owner=company.member, parent=org_kra, actor=company.admin)
    client = signed_in(company.member)
    client.get(f"/kras/{small.pk}/")  # warm the session

    # when
    with CaptureQueriesContext(connection) as for_two:
        client.get(f"/kras/{small.pk}/")
    with django_assert_max_num_queries(len(for_two.captured_queries)):
        response = client.get(f"/kras/{large.pk}/")

    # then
    assert response.status_code == 200
    assert len(re.findall(rb'href="/kpis/\d+/"', response.content)) == 20
    assert len(re.findall(rb'href="/objectives/\d+/"', response.content)) == 20
    assert "Owner: “Leo Leader” → “Mia Member”" in response.content.decode()


# -- tenants and strangers --------------------------------------------------------------------
KRA_URLS = ("/kras/{pk}/", "/kras/{pk}/edit/", "/kras/{pk}/review/")


@pytest.mark.parametrize("url", KRA_URLS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_another_tenants_kra_is_404_on_every_url(
    company: Company, other_company: Company, sales_kra: ResultArea, url: str, method: str
) -> None:
    theirs = signed_in(other_company.admin)

    response = getattr(theirs, method)(url.format(pk=sales_kra.pk), {"name": "Taken", "note": "x"})

    assert response.status_code == 404
    sales_kra.refresh_from_db()
    assert sales_kra.name == "New business"
    assert sales_kra.last_reviewed_at is None


@pytest.mark.parametrize("url", KRA_URLS)
def test_an_id_that_does_not_exist_answers_the_same(company: Company, url: str) -> None:
    assert signed_in(company.admin).get(url.format(pk=999999)).status_code == 404


def test_another_tenants_kra_cannot_be_a_parent_nor_their_unit_a_scope(
    company: Company, other_company: Company
) -> None:
    theirs = result_area_create(
        organization=other_company.org, name="Their revenue", owner=other_company.admin
    )
    client = signed_in(company.admin)

    as_parent = client.post("/kras/new/", new_kra(company, parent=theirs.pk))
    as_scope = client.post("/kras/new/", new_kra(company, scope_unit=other_company.sales.pk))

    assert b"Select a valid choice" in html_near(as_parent.content, 'id="id_parent-help"').encode()
    assert (
        b"Select a valid choice" in html_near(as_scope.content, 'id="id_scope_unit-help"').encode()
    )
    assert "Their revenue" not in client.get(f"/kras/new/?parent={theirs.pk}").content.decode()
    assert not ResultArea.objects.filter(organization=company.org, name="Customer retention")


@pytest.mark.parametrize("url", ["/kras/new/", *KRA_URLS])
def test_signed_out_visitors_are_sent_to_sign_in(company: Company, url: str) -> None:
    from django.test import Client

    response = Client().get(url.format(pk=1))

    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")


# -- a new KRA --------------------------------------------------------------------------------
def new_kra(company: Company, **fields: object) -> dict:
    return {
        "name": "Customer retention", "description": "", "scope_unit": "", "scope_person": "",
        "owner": company.member.pk, "weight": "", "parent": "", "review_cadence_days": "90",
        **fields,
    }  # fmt: skip


def test_an_admin_adds_a_kra_to_the_organizations_own_scope(company: Company) -> None:
    response = signed_in(company.admin).post(
        "/kras/new/", new_kra(company, owner=company.admin.pk, weight="25", description="Keep them")
    )

    area = ResultArea.objects.get(name="Customer retention")
    assert response.status_code == 302
    assert response["Location"] == f"/kras/{area.pk}/"
    assert (area.scope_unit, area.scope_person, area.owner) == (None, None, company.admin)
    assert (area.weight, area.review_cadence_days, area.description) == (
        Decimal(25), 90, "Keep them",
    )  # fmt: skip
    event = AuditEvent.objects.get(object_type="resultarea", object_id=area.pk)
    assert (event.action, event.actor) == ("create", company.admin)


def test_a_member_adds_a_kra_to_their_own_scope_laddering_up(
    company: Company, sales_kra: ResultArea
) -> None:
    client = signed_in(company.member)

    response = client.post(
        "/kras/new/",
        new_kra(company, scope_person=company.member.pk, parent=sales_kra.pk, weight="100"),
    )

    area = ResultArea.objects.get(name="Customer retention")
    assert response.status_code == 302
    assert (area.scope_person, area.parent, area.weight) == (
        company.member, sales_kra, Decimal(100),
    )  # fmt: skip
    followed = client.get(response["Location"]).content.decode()
    assert "KRA “Customer retention” created." in followed
    assert f'href="/kras/{sales_kra.pk}/">New business</a>' in followed


def test_a_member_may_not_add_to_the_organizations_scope(company: Company) -> None:
    response = signed_in(company.member).post("/kras/new/", new_kra(company))

    assert response.status_code == 200
    assert "Only admins add KRAs to the organization" in html_near(
        response.content, 'id="id_scope_unit-help"'
    )
    assert not ResultArea.objects.exists()


def test_a_member_may_not_add_to_someone_elses_scope(company: Company) -> None:
    response = signed_in(company.member).post(
        "/kras/new/", new_kra(company, scope_person=company.colleague.pk)
    )

    assert response.status_code == 200
    assert "You may not add KRAs to Cole Colleague" in html_near(
        response.content, 'id="id_scope_person-help"'
    )
    assert 'class="form-select is-invalid"' in response.content.decode()
    assert not ResultArea.objects.exists()


def test_an_outsider_may_not_add_to_sales_but_the_leader_may(company: Company) -> None:
    refused = signed_in(company.outsider).post(
        "/kras/new/", new_kra(company, scope_unit=company.sales.pk)
    )
    accepted = signed_in(company.leader).post(
        "/kras/new/", new_kra(company, scope_unit=company.sales.pk, owner=company.leader.pk)
    )

    assert "You may not add KRAs to the unit Sales" in html_near(
        refused.content, 'id="id_scope_unit-help"'
    )
    assert accepted.status_code == 302
    assert ResultArea.objects.get().scope_unit == company.sales


def test_a_viewer_may_not_add_kras(company: Company) -> None:
    client = signed_in(company.viewer)

    assert client.get("/kras/new/").status_code == 403
    assert (
        client.post("/kras/new/", new_kra(company, scope_person=company.viewer.pk)).status_code
        == 403
    )
    assert not ResultArea.objects.exists()


def test_a_unit_and_a_person_together_are_refused(company: Company) -> None:
    response = signed_in(company.admin).post(
        "/kras/new/", new_kra(company, scope_unit=company.sales.pk, scope_person=company.member.pk)
    )

    assert "not both" in html_near(response.content, 'id="id_scope_unit-help"')
    assert not ResultArea.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("weight", "120", "less than or equal to 100"),
        ("weight", "-5", "greater than or equal to 0"),
        ("review_cadence_days", "0", "greater than or equal to 1"),
        ("name", "", "This field is required."),
        ("owner", "", "This field is required."),
    ],
)
def test_bad_values_are_refused_next_to_their_field(
    company: Company, field: str, value: str, message: str
) -> None:
    response = signed_in(company.admin).post("/kras/new/", new_kra(company, **{field: value}))

    assert response.status_code == 200
    assert message in html_near(response.content, f'id="id_{field}-help"')
    assert not ResultArea.objects.exists()


def test_the_form_is_preset_from_the_address(company: Company, sales_kra: ResultArea) -> None:
    client = signed_in(company.leader)

    by_unit = client.get(f"/kras/new/?unit={company.sales.pk}&parent={sales_kra.pk}")
    by_person = client.get(f"/kras/new/?person={company.member.pk}")
    nonsense = client.get("/kras/new/?unit=abc&person=&parent=99999")

    def selected(response: Any, field: str) -> str:
        select = html_near(response.content, f'id="id_{field}"', 4000).split("</select>")[0]
        found = re.search(r'<option value="([^"]*)" selected>', select)
        return found.group(1) if found else ""

    assert selected(by_unit, "scope_unit") == str(company.sales.pk)
    assert selected(by_unit, "parent") == str(sales_kra.pk)
    assert selected(by_unit, "owner") == str(company.leader.pk)  # the unit's head
    assert selected(by_person, "scope_person") == str(company.member.pk)
    assert selected(by_person, "owner") == str(company.member.pk)
    assert nonsense.status_code == 200
    assert selected(nonsense, "scope_person") == str(company.leader.pk)  # their own, by default


def test_the_form_explains_what_makes_a_good_kra(company: Company) -> None:
    page = signed_in(company.member).get("/kras/new/").content.decode()

    assert "An area, not a task." in page
    assert "Outcomes, not activities." in page
    assert "3 to 5 KRAs per scope" in page


def test_a_crowded_scope_is_warned_about_but_not_blocked(company: Company) -> None:
    for n in range(5):
        result_area_create(
            organization=company.org, name=f"Area {n}", owner=company.leader,
            scope_unit=company.sales,
        )  # fmt: skip
    client = signed_in(company.leader)

    form = client.get(f"/kras/new/?unit={company.sales.pk}").content.decode()
    response = client.post("/kras/new/", new_kra(company, scope_unit=company.sales.pk), follow=True)

    assert "Sales already has 5 active KRAs" in form
    assert response.status_code == 200
    assert ResultArea.objects.filter(scope_unit=company.sales).count() == 6
    assert "Sales now has 6 active KRAs" in response.content.decode()


def test_a_quiet_scope_shows_no_warning(company: Company) -> None:
    page = signed_in(company.leader).get(f"/kras/new/?unit={company.sales.pk}").content.decode()

    assert "Sales has 0 active KRAs" in page
    assert "already has" not in page


def test_a_name_that_reads_as_a_task_is_flagged_after_saving(company: Company) -> None:
    response = signed_in(company.member).post(
        "/kras/new/",
        new_kra(company, name="Launch the partner portal", scope_person=company.member.pk),
        follow=True,
    )

    assert ResultArea.objects.filter(name="Launch the partner portal").exists()
    assert "reads like a task" in response.content.decode()


# -- editing ----------------------------------------------------------------------------------
def edit_data(area: ResultArea, **fields: object) -> dict:
    return {
        "name": area.name, "description": area.description, "owner": area.owner_id or "",
        "weight": "" if area.weight is None else str(area.weight), "parent": area.parent_id or "",
        "review_cadence_days": area.review_cadence_days, "state": area.state, **fields,
    }  # fmt: skip


def test_the_leader_edits_a_kra_and_only_the_changed_fields_are_audited(
    company: Company, sales_kra: ResultArea
) -> None:
    client = signed_in(company.leader)
    assert client.get(f"/kras/{sales_kra.pk}/edit/").status_code == 200

    response = client.post(
        f"/kras/{sales_kra.pk}/edit/",
        edit_data(sales_kra, name="New logos", review_cadence_days="30"),
    )

    assert response.status_code == 302
    assert response["Location"] == f"/kras/{sales_kra.pk}/"
    sales_kra.refresh_from_db()
    assert (sales_kra.name, sales_kra.review_cadence_days) == ("New logos", 30)
    event = AuditEvent.objects.filter(object_type="resultarea", object_id=sales_kra.pk).first()
    assert event is not None
    assert (event.action, event.actor) == ("update", company.leader)
    assert set(event.changes) - {"definition_changed_at"} == {"name", "review_cadence_days"}
    page = client.get(f"/kras/{sales_kra.pk}/").content.decode()
    assert "Name: “New business” → “New logos”" in page


def test_saving_without_changes_writes_nothing(company: Company, sales_kra: ResultArea) -> None:
    before = AuditEvent.objects.count()

    response = signed_in(company.leader).post(
        f"/kras/{sales_kra.pk}/edit/", edit_data(sales_kra), follow=True
    )

    assert b"Nothing changed." in response.content
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize(("persona", "status"), [("admin", 200), ("leader", 200)])
def test_admins_and_the_units_leader_may_edit(
    company: Company, sales_kra: ResultArea, persona: str, status: int
) -> None:
    assert signed_in(getattr(company, persona)).get(f"/kras/{sales_kra.pk}/edit/").status_code == (
        status
    )


@pytest.mark.parametrize("persona", ["hr", "member", "colleague", "outsider", "viewer"])
def test_others_may_not_edit_a_sales_kra_owned_by_the_leader(
    company: Company, sales_kra: ResultArea, persona: str
) -> None:
    client = signed_in(getattr(company, persona))

    assert client.get(f"/kras/{sales_kra.pk}/edit/").status_code == 403
    posted = client.post(f"/kras/{sales_kra.pk}/edit/", edit_data(sales_kra, name="Mine now"))

    assert posted.status_code == 403
    sales_kra.refresh_from_db()
    assert sales_kra.name == "New business"


def test_a_parent_cycle_is_refused_next_to_the_parent_and_nothing_is_saved(
    company: Company, org_kra: ResultArea, sales_kra: ResultArea
) -> None:
    before = AuditEvent.objects.filter(object_type="resultarea", object_id=org_kra.pk).count()

    response = signed_in(company.admin).post(
        f"/kras/{org_kra.pk}/edit/", edit_data(org_kra, parent=sales_kra.pk, name="Renamed")
    )

    assert response.status_code == 200
    assert "cannot ladder up to itself or to a KRA below it" in html_near(
        response.content, 'id="id_parent-help"'
    )
    assert "Edit “Revenue growth”" in response.content.decode()
    org_kra.refresh_from_db()
    assert (org_kra.parent, org_kra.name) == (None, "Revenue growth")
    assert (
        AuditEvent.objects.filter(object_type="resultarea", object_id=org_kra.pk).count() == before
    )


def test_a_kra_cannot_be_its_own_parent(company: Company, org_kra: ResultArea) -> None:
    response = signed_in(company.admin).post(
        f"/kras/{org_kra.pk}/edit/", edit_data(org_kra, parent=org_kra.pk)
    )

    assert "Select a valid choice" in html_near(response.content, 'id="id_parent-help"')


def test_retiring_a_parent_makes_its_children_drift(
    company: Company, org_kra: ResultArea, sales_kra: ResultArea
) -> None:
    response = signed_in(company.admin).post(
        f"/kras/{org_kra.pk}/edit/", edit_data(org_kra, state="retired")
    )

    assert response.status_code == 302
    org_kra.refresh_from_db()
    assert org_kra.state == "retired"
    health_checked(company.org)
    page = signed_in(company.leader).get(f"/kras/{sales_kra.pk}/").content.decode()
    assert "Drifted:" in page
    assert "which was retired" in page
    assert "(retired)" in page


# -- reviews ----------------------------------------------------------------------------------
def test_the_owner_marks_a_kra_reviewed_with_a_note(
    company: Company, sales_kra: ResultArea
) -> None:
    client = signed_in(company.leader)
    health_checked(company.org)
    assert "Review overdue" in client.get(f"/kras/{sales_kra.pk}/").content.decode()  # never

    response = client.post(f"/kras/{sales_kra.pk}/review/", {"note": "Still vital."})

    assert response.status_code == 302
    assert response["Location"] == f"/kras/{sales_kra.pk}/"
    sales_kra.refresh_from_db()
    assert sales_kra.last_reviewed_at == NOW
    event = AuditEvent.objects.filter(object_type="resultarea", object_id=sales_kra.pk).first()
    assert event is not None
    assert event.actor == company.leader
    assert event.changes["last_review_note"] == ["", "Still vital."]
    page = client.get(f"/kras/{sales_kra.pk}/").content.decode()
    assert "Marked “New business” reviewed today." in page
    assert "Up to date" in page
    assert "next review due by 13 Feb 2027" in page
    assert "Review note: “–” → “Still vital.”" in page
    assert f"by {company.leader.name}: “Still vital.”" in page  # who and what, at a glance
    assert sales_kra.last_reviewed_by == company.leader
    assert "<td>Reviewed</td>" in page


def test_a_review_is_overdue_after_its_cadence(company: Company) -> None:
    area = result_area_create(
        organization=company.org, name="Quality", owner=company.admin, review_cadence_days=30,
        last_reviewed_at=NOW - dt.timedelta(days=31),
    )  # fmt: skip
    health_checked(company.org)

    page = signed_in(company.admin).get(f"/kras/{area.pk}/").content.decode()

    assert "Review overdue" in page
    assert "Every 30 days" in page


def test_a_parent_changed_since_the_last_review_shows_drift_until_reviewed(
    company: Company, org_kra: ResultArea
) -> None:
    child = result_area_create(
        organization=company.org, name="New business", owner=company.leader,
        scope_unit=company.sales, parent=org_kra, last_reviewed_at=NOW - dt.timedelta(days=10),
    )  # fmt: skip
    result_area_update(area=org_kra, description="Recurring revenue only.", actor=company.admin)
    health_checked(company.org)
    client = signed_in(company.leader)

    drifting = client.get(f"/kras/{child.pk}/").content.decode()
    client.post(f"/kras/{child.pk}/review/", {"note": ""})
    reviewed = client.get(f"/kras/{child.pk}/").content.decode()  # before the worker checks again

    assert "Drifted:" in drifting
    assert "which changed on 2026-11-15" in drifting
    assert "Drifted:" not in reviewed


def test_the_review_address_takes_only_posts(company: Company, sales_kra: ResultArea) -> None:
    assert signed_in(company.leader).get(f"/kras/{sales_kra.pk}/review/").status_code == 405


@pytest.mark.parametrize("persona", ["hr", "member", "outsider", "viewer"])
def test_only_editors_mark_a_kra_reviewed(
    company: Company, sales_kra: ResultArea, persona: str
) -> None:
    response = signed_in(getattr(company, persona)).post(
        f"/kras/{sales_kra.pk}/review/", {"note": "Looks fine"}
    )

    assert response.status_code == 403
    sales_kra.refresh_from_db()
    assert sales_kra.last_reviewed_at is None


def test_a_too_long_review_note_is_refused(company: Company, sales_kra: ResultArea) -> None:
    response = signed_in(company.leader).post(
        f"/kras/{sales_kra.pk}/review/", {"note": "x" * 501}, follow=True
    )

    assert b"Not marked reviewed" in response.content
    sales_kra.refresh_from_db()
    assert sales_kra.last_reviewed_at is None
