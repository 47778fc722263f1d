"""The admin site: every page loads, every write goes through the services (validation, rollups,
audit trail), a service's refusal shows on the form, and a tenant's staff see only their rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.forms import BooleanField, MultiWidget
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from headway.audit.models import AuditEvent
from headway.checkins.models import CheckIn
from headway.checkins.services import checkin_record
from headway.goals import services as goals
from headway.goals.models import Alignment, Initiative, KeyResult, Milestone, Objective, ResultArea
from headway.indicators import services as indicators
from headway.indicators.models import Indicator, Measurement, Target
from headway.org.models import Organization, Period, Person, Unit
from tests.conftest import TODAY, Company

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]


@dataclass
class World:
    """One row of every kind the admin shows, all in the first company."""

    company: Company
    area: ResultArea
    objective: Objective
    key_result: KeyResult
    team_objective: Objective
    alignment: Alignment
    milestone: Milestone
    initiative: Initiative
    indicator: Indicator
    target: Target
    measurement: Measurement
    check_in: CheckIn

    def row(self, model: type[Any]) -> Any:
        """The example row of a model."""
        c = self.company
        rows: dict[type[Any], Any] = {
            Organization: c.org, Unit: c.sales, Person: c.member, Period: c.quarter,
            ResultArea: self.area, Objective: self.objective, KeyResult: self.key_result,
            Alignment: self.alignment, Milestone: self.milestone, Initiative: self.initiative,
            Indicator: self.indicator, Target: self.target, Measurement: self.measurement,
            CheckIn: self.check_in, AuditEvent: AuditEvent.objects.filter(organization=c.org)[0],
        }  # fmt: skip
        return rows[model]


def build_world(c: Company) -> World:
    area = goals.result_area_create(organization=c.org, name="Revenue growth", owner=c.admin)
    objective = goals.objective_create(
        organization=c.org, title="Grow revenue", owner=c.leader, period=c.quarter,
        result_area=area, scope_unit=c.sales,
    )  # fmt: skip
    key_result = goals.key_result_create(
        objective=objective, title="Increase ARR from 10 to 20", start=Decimal(10),
        target=Decimal(20),
    )  # fmt: skip
    launch = goals.key_result_create(objective=objective, title="Launch", kind="milestones")
    milestone = goals.milestone_save(
        milestone=Milestone(key_result=launch, title="Beta", due=dt.date(2026, 11, 1))
    )
    team_objective = goals.objective_create(
        organization=c.org, title="Sell in EMEA", owner=c.member, period=c.quarter
    )
    alignment = goals.alignment_create(child=team_objective, parent_key_result=key_result)
    initiative = goals.initiative_create(
        organization=c.org, title="Partner programme", owner=c.leader, key_results=[key_result]
    )
    goals.milestone_save(milestone=Milestone(initiative=initiative, title="Sign first partner"))
    indicator = indicators.indicator_create(
        organization=c.org, name="Monthly recurring revenue", owner=c.admin, result_area=area
    )
    target = indicators.target_set(indicator=indicator, period=c.quarter, value=Decimal(100))
    measurement = indicators.measurement_record(
        indicator=indicator, date=dt.date(2026, 10, 31), value=Decimal(80)
    )
    check_in = checkin_record(key_result=key_result, value=Decimal(12), author=c.leader)
    return World(
        c, area, objective, key_result, team_objective, alignment, milestone, initiative,
        indicator, target, measurement, check_in,
    )  # fmt: skip


@pytest.fixture
def world(company: Company) -> World:
    return build_world(company)


@pytest.fixture
def root(client: Client) -> Client:
    """A superuser who is nobody in any organization."""
    client.force_login(User.objects.create_superuser("root", "root@example.test", "pw-root"))
    return client


def staff_client(person: Person) -> Client:
    """A non-superuser staff account with every Headway model permission, signed in."""
    user = person.user
    assert user is not None
    user.is_staff = True
    user.save()
    apps = ["org", "goals", "indicators", "checkins", "audit"]
    user.user_permissions.set(Permission.objects.filter(content_type__app_label__in=apps))
    client = Client()
    client.force_login(user)
    return client


def url(model: type[Any], view: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def posted(response: Any, **changes: Any) -> dict[str, Any]:
    """What a browser sends back from an admin form page as shown, with `changes` applied."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data: dict[str, Any] = {}
    for form in forms:
        for name, field in form.fields.items():
            key, value = form.add_prefix(name), form[name].value()
            if isinstance(field.widget, MultiWidget):
                for i, part in enumerate(field.widget.decompress(value) or []):
                    data[f"{key}_{i}"] = "" if part is None else str(part)
            elif isinstance(field, BooleanField):
                if value:
                    data[key] = "on"
            elif isinstance(value, list | tuple):
                data[key] = [str(v) for v in value]
            else:
                data[key] = "" if value is None else str(value)
    data.update(changes)
    return data


def error_text(response: Any) -> str:
    """Every error the page shows, on the form and on its inline rows."""
    errors = [str(response.context["adminform"].form.errors)]
    for inline in response.context["inline_admin_formsets"]:
        errors += [str(e) for e in inline.formset.errors] + [str(inline.formset.non_form_errors())]
    return " ".join(errors)


ALL_MODELS = [Organization, Unit, Person, Period, ResultArea, Objective, KeyResult, Alignment,
              Milestone, Initiative, Indicator, Target, Measurement, CheckIn, AuditEvent]  # fmt: skip


# -- every page -------------------------------------------------------------------------------
@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda m: m.__name__)
def test_the_changelist_and_change_page_of_every_model_load_for_a_superuser(
    root: Client, world: World, model: type[Any]
) -> None:
    assert root.get(url(model, "changelist")).status_code == 200
    assert root.get(url(model, "change", world.row(model).pk)).status_code == 200


@pytest.mark.parametrize(
    "model", [m for m in ALL_MODELS if m is not AuditEvent], ids=lambda m: m.__name__
)
def test_the_add_page_of_every_writable_model_loads_for_a_superuser(
    root: Client, world: World, model: type[Any]
) -> None:
    assert root.get(url(model, "add")).status_code == 200


def test_the_objective_changelist_does_not_query_once_per_row(root: Client, world: World) -> None:
    c = world.company

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert root.get(url(Objective, "changelist")).status_code == 200
        return len(captured)

    before = queries()
    for n in range(5):
        goals.objective_create(
            organization=c.org, title=f"More {n}", owner=c.colleague, period=c.quarter,
            scope_person=c.colleague,
        )  # fmt: skip
    assert queries() == before


# -- writes go through the services -----------------------------------------------------------
def test_editing_an_objective_title_records_the_change_and_the_signed_in_person(
    world: World,
) -> None:
    # given: the company's admin person signs in to the admin
    c = world.company
    client = staff_client(c.admin)
    page = client.get(url(Objective, "change", world.objective.pk))

    # when
    response = client.post(
        url(Objective, "change", world.objective.pk), posted(page, title="Grow revenue fast")
    )

    # then
    assert response.status_code == 302
    event = AuditEvent.objects.filter(object_type="objective", action="update").get()
    assert event.object_id == world.objective.pk
    assert event.actor == c.admin
    assert event.changes == {"title": ["Grow revenue", "Grow revenue fast"]}


def test_a_superuser_who_is_nobody_in_the_organization_is_named_by_username(
    root: Client, world: World
) -> None:
    page = root.get(url(Objective, "change", world.objective.pk))

    root.post(url(Objective, "change", world.objective.pk), posted(page, title="Grow"))

    event = AuditEvent.objects.filter(object_type="objective", action="update").get()
    assert (event.actor, event.actor_label) == (None, "root")
    assert event.changes == {"title": ["Grow revenue", "Grow"]}


def test_saving_an_unchanged_objective_writes_no_audit_event(root: Client, world: World) -> None:
    page = root.get(url(Objective, "change", world.objective.pk))
    before = AuditEvent.objects.count()

    response = root.post(url(Objective, "change", world.objective.pk), posted(page))

    assert response.status_code == 302
    assert AuditEvent.objects.count() == before


def test_adding_an_objective_derives_its_key_and_audits_the_creation(
    root: Client, world: World
) -> None:
    c = world.company
    page = root.get(url(Objective, "add"))

    response = root.post(
        url(Objective, "add"),
        posted(
            page,
            organization=c.org.pk,
            title="Hire well",
            owner=c.hr.pk,
            period=c.quarter.pk,
            visibility="public",
            state="active",
            rollup="key_results",
        ),
    )

    assert response.status_code == 302
    objective = Objective.objects.get(title="Hire well")
    assert objective.key == "o-hire-well"
    event = AuditEvent.objects.get(object_type="objective", object_id=objective.pk)
    assert (event.action, event.actor_label) == ("create", "root")


def test_a_check_in_added_in_the_admin_rolls_the_key_result_and_objective_up(
    root: Client, world: World
) -> None:
    page = root.get(url(CheckIn, "add"))

    response = root.post(
        url(CheckIn, "add"),
        posted(page, key_result=world.key_result.pk, date=str(TODAY), value="15", confidence="7"),
    )

    assert response.status_code == 302
    world.key_result.refresh_from_db()
    world.objective.refresh_from_db()
    assert world.key_result.current == Decimal(15)
    assert world.key_result.progress == Decimal("0.5")  # 10 → 20, now 15
    assert world.key_result.confidence == 7
    assert world.objective.progress == Decimal("0.25")  # with the milestones KR at 0
    event = AuditEvent.objects.filter(object_type="checkin").latest("pk")
    assert (event.action, event.actor_label) == ("create", "root")


def test_check_ins_cannot_be_changed_or_deleted_in_the_admin(root: Client, world: World) -> None:
    change = url(CheckIn, "change", world.check_in.pk)

    assert root.post(change, {"value": "99"}).status_code == 403
    assert root.post(url(CheckIn, "delete", world.check_in.pk), {"post": "yes"}).status_code == 403
    assert CheckIn.objects.get(pk=world.check_in.pk).value == Decimal(12)


def test_the_audit_trail_is_read_only_in_the_admin(root: Client, world: World) -> None:
    event = AuditEvent.objects.filter(organization=world.company.org)[0]

    assert root.get(url(AuditEvent, "add")).status_code == 403
    assert root.post(url(AuditEvent, "delete", event.pk), {"post": "yes"}).status_code == 403
    assert root.post(url(AuditEvent, "change", event.pk), {"action": "x"}).status_code == 403


def test_deleting_an_objective_in_the_admin_audits_it(root: Client, world: World) -> None:
    response = root.post(url(Objective, "delete", world.team_objective.pk), {"post": "yes"})

    assert response.status_code == 302
    assert not Objective.objects.filter(pk=world.team_objective.pk).exists()
    event = AuditEvent.objects.get(object_type="objective", action="delete")
    assert (event.object_id, event.actor_label) == (world.team_objective.pk, "root")


def test_an_alignment_deleted_from_the_objective_page_is_audited(
    root: Client, world: World
) -> None:
    page = root.get(url(Objective, "change", world.team_objective.pk))

    response = root.post(
        url(Objective, "change", world.team_objective.pk),
        posted(page, **{"alignments_up-0-DELETE": "on"}),
    )

    assert response.status_code == 302
    assert not Alignment.objects.filter(pk=world.alignment.pk).exists()
    assert AuditEvent.objects.filter(object_type="alignment", action="delete").count() == 1


def test_a_milestone_added_on_the_key_result_page_rolls_the_key_result_up(
    root: Client, world: World
) -> None:
    launch = world.milestone.key_result
    assert launch is not None
    page = root.get(url(KeyResult, "change", launch.pk))

    response = root.post(
        url(KeyResult, "change", launch.pk),
        posted(page, **{"milestones-TOTAL_FORMS": "2", "milestones-1-title": "GA",
                        "milestones-1-done": "on", "milestones-1-weight": "1",
                        "milestones-1-key_result": str(launch.pk)}),
    )  # fmt: skip

    assert response.status_code == 302
    launch.refresh_from_db()
    assert launch.progress == Decimal("0.5")  # Beta open, GA done
    ga = Milestone.objects.get(title="GA")
    assert AuditEvent.objects.get(object_type="milestone", object_id=ga.pk).action == "create"


def test_a_threshold_that_crosses_a_target_shows_on_the_kpi_form(
    root: Client, world: World
) -> None:
    page = root.get(url(Indicator, "change", world.indicator.pk))

    response = root.post(
        url(Indicator, "change", world.indicator.pk), posted(page, red_below="150")
    )

    assert response.status_code == 200
    assert "red_below is above the target" in error_text(response)
    assert Indicator.objects.get(pk=world.indicator.pk).red_below is None


def test_a_measurement_for_a_date_already_measured_replaces_it_and_is_audited(
    root: Client, world: World
) -> None:
    page = root.get(url(Measurement, "add"))

    response = root.post(
        url(Measurement, "add"),
        posted(page, indicator=world.indicator.pk, date="2026-10-31", value="90", source="manual"),
    )

    assert response.status_code == 302
    assert Measurement.objects.get(indicator=world.indicator).value == Decimal(90)
    event = AuditEvent.objects.filter(object_type="measurement").latest("pk")
    assert event.action == "update"
    assert event.changes["value"] == ["80", "90"]


# -- a service's refusal shows on the form ----------------------------------------------------
def test_an_alignment_cycle_shows_on_the_form_instead_of_failing(
    root: Client, world: World
) -> None:
    # given: "Sell in EMEA" already aligns to a key result of "Grow revenue"
    page = root.get(url(Alignment, "add"))

    # when: "Grow revenue" is aligned under "Sell in EMEA"
    response = root.post(
        url(Alignment, "add"),
        posted(
            page, child=world.objective.pk, parent_objective=world.team_objective.pk, weight="1"
        ),
    )

    # then
    assert response.status_code == 200
    assert "That would make a cycle" in error_text(response)
    assert Alignment.objects.count() == 1


def test_a_cycle_added_on_the_objective_page_rolls_the_whole_save_back(
    root: Client, world: World
) -> None:
    # given
    page = root.get(url(Objective, "change", world.objective.pk))
    before = AuditEvent.objects.count()

    # when: the title changes and a new alignment row closes a cycle
    data = posted(page, title="Renamed", **{"alignments_up-TOTAL_FORMS": "1",
                  "alignments_up-0-parent_objective": str(world.team_objective.pk),
                  "alignments_up-0-weight": "1", "alignments_up-0-child": str(world.objective.pk)})  # fmt: skip
    response = root.post(url(Objective, "change", world.objective.pk), data)

    # then: the error is on the row, and nothing of the page was kept
    assert response.status_code == 200
    assert "That would make a cycle" in error_text(response)
    world.objective.refresh_from_db()
    assert world.objective.title == "Grow revenue"
    assert AuditEvent.objects.count() == before


def test_an_increasing_key_result_with_its_target_below_its_start_shows_on_the_form(
    root: Client, world: World
) -> None:
    page = root.get(url(KeyResult, "add"))

    response = root.post(
        url(KeyResult, "add"),
        posted(
            page,
            objective=world.objective.pk,
            title="Grow backwards",
            kind="number",
            direction="increase",
            start="50",
            target="10",
            weight="1",
            progress_source="check_ins",
            state="active",
        ),
    )

    assert response.status_code == 200
    assert "needs a target above its start" in error_text(response)
    assert not KeyResult.objects.filter(title="Grow backwards").exists()


def test_changing_a_key_result_target_below_its_start_is_refused_and_not_audited(
    root: Client, world: World
) -> None:
    page = root.get(url(KeyResult, "change", world.key_result.pk))
    before = AuditEvent.objects.count()

    response = root.post(url(KeyResult, "change", world.key_result.pk), posted(page, target="5"))

    assert response.status_code == 200
    assert "needs a target above its start" in error_text(response)
    world.key_result.refresh_from_db()
    assert world.key_result.target == Decimal(20)
    assert AuditEvent.objects.count() == before


def test_another_tenants_owner_is_refused_on_the_form_even_for_a_superuser(
    root: Client, world: World, other_company: Company
) -> None:
    page = root.get(url(Objective, "change", world.objective.pk))

    response = root.post(
        url(Objective, "change", world.objective.pk), posted(page, owner=other_company.admin.pk)
    )

    assert response.status_code == 200
    assert "That is not in this organization." in error_text(response)
    world.objective.refresh_from_db()
    assert world.objective.owner == world.company.leader


def test_a_period_ending_before_it_starts_shows_on_the_form(root: Client, world: World) -> None:
    page = root.get(url(Period, "add"))

    response = root.post(
        url(Period, "add"),
        posted(
            page,
            organization=world.company.org.pk,
            name="Backwards",
            kind="quarter",
            start="2026-12-31",
            end="2026-10-01",
            state="active",
        ),
    )

    assert response.status_code == 200
    assert "The period ends before it starts." in error_text(response)


def test_a_duplicate_email_shows_on_the_person_form(root: Client, world: World) -> None:
    c = world.company
    page = root.get(url(Person, "add"))

    response = root.post(
        url(Person, "add"),
        posted(
            page,
            organization=c.org.pk,
            name="Twin",
            email="MEMBER@acme.test",
            role="member",
            active="on",
        ),
    )

    assert response.status_code == 200
    assert "is already someone in this organization" in error_text(response)


# -- tenants ----------------------------------------------------------------------------------
def test_a_tenants_staff_admin_gets_404_for_another_tenants_objective(
    world: World, other_company: Company
) -> None:
    theirs = build_world(other_company)
    client = staff_client(world.company.admin)

    assert client.get(url(Objective, "change", theirs.objective.pk)).status_code == 404
    assert client.get(url(Objective, "delete", theirs.objective.pk)).status_code == 404
    assert client.get(url(Objective, "history", theirs.objective.pk)).status_code == 404
    assert client.post(url(Objective, "change", theirs.objective.pk), {}).status_code == 404
    assert client.get(url(Objective, "change", 999_999)).status_code == 404
    assert client.get(url(Objective, "change", world.objective.pk)).status_code == 200


@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda m: m.__name__)
def test_another_tenants_row_answers_404_like_a_row_that_does_not_exist(
    world: World, other_company: Company, model: type[Any]
) -> None:
    theirs = build_world(other_company)
    client = staff_client(world.company.admin)

    assert client.get(url(model, "change", theirs.row(model).pk)).status_code == 404
    assert client.get(url(model, "change", world.row(model).pk)).status_code == 200


@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda m: m.__name__)
def test_a_tenants_staff_admin_sees_only_their_organizations_rows(
    world: World, other_company: Company, model: type[Any]
) -> None:
    build_world(other_company)
    client = staff_client(world.company.admin)

    response = client.get(url(model, "changelist"))

    assert response.status_code == 200
    rows = list(response.context["cl"].result_list)
    assert world.row(model) in rows
    tenants = {row.pk if model is Organization else row.organization_id for row in rows}
    assert tenants == {world.company.org.pk}


def test_a_staff_user_who_administers_no_organization_sees_nothing(world: World) -> None:
    client = staff_client(world.company.member)

    response = client.get(url(Objective, "changelist"))

    assert list(response.context["cl"].result_list) == []
    assert client.get(url(Objective, "change", world.objective.pk)).status_code == 404


def test_a_tenants_staff_admin_picks_only_their_own_rows_in_forms(
    world: World, other_company: Company
) -> None:
    theirs = build_world(other_company)
    client = staff_client(world.company.admin)

    form = client.get(url(Objective, "add")).context["adminform"].form
    assert list(form.fields["organization"].queryset) == [world.company.org]
    assert set(form.fields["owner"].queryset.values_list("organization_id", flat=True)) == {
        world.company.org.pk
    }
    search = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "goals", "model_name": "objective", "field_name": "owner", "term": "Admin"},
    )
    assert [r["id"] for r in search.json()["results"]] == [str(world.company.admin.pk)]
    page = client.get(url(Objective, "change", world.objective.pk))
    response = client.post(
        url(Objective, "change", world.objective.pk),
        posted(page, owner=str(theirs.company.admin.pk)),
    )
    assert response.status_code == 200
    assert "Select a valid choice" in error_text(response)
