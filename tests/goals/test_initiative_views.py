"""Initiatives and milestones in the web app: who sees and changes them, what they write, and
that a key result of kind milestones moves with its milestones."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.conftest import Company, signed_in

from headway.audit.models import AuditEvent
from headway.goals.models import Initiative, InitiativeKeyResult, KeyResult, Milestone, Objective
from headway.goals.services import (
    initiative_create,
    initiative_key_result_add,
    key_result_create,
    milestone_save,
    objective_create,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]

# Who sees (all of them, for work serving a public key result) and who changes the member's
# initiative: the member owns it, the leader manages the member, admins change everything.
CHANGES = [
    ("admin", True),
    ("hr", False),
    ("leader", True),
    ("member", True),
    ("colleague", False),
    ("outsider", False),
    ("viewer", False),
]


@dataclass
class World:
    """The member's objective with a number key result and a milestones key result, a private
    objective, and the member's initiative serving the public key result."""

    objective: Objective
    public_kr: KeyResult
    launch: KeyResult  # kind milestones
    private_kr: KeyResult
    initiative: Initiative
    beta: Milestone  # of the initiative
    alpha: Milestone  # of the launch key result, weight 1
    ga: Milestone  # of the launch key result, weight 3


@pytest.fixture
def world(company: Company) -> World:
    objective = objective_create(
        organization=company.org, title="Win the Nordics", owner=company.member,
        period=company.quarter, scope_person=company.member,
    )  # fmt: skip
    public_kr = key_result_create(
        objective=objective, title="Grow Nordic revenue from 0 to 100", start=Decimal(0),
        target=Decimal(100),
    )  # fmt: skip
    launch = key_result_create(objective=objective, title="Partner programme", kind="milestones")
    alpha = milestone_save(
        milestone=Milestone(key_result=launch, title="Alpha", due=dt.date(2026, 10, 20))
    )
    ga = milestone_save(
        milestone=Milestone(
            key_result=launch, title="GA", weight=Decimal(3), due=dt.date(2026, 12, 1)
        )
    )
    secret = objective_create(
        organization=company.org, title="Secret plan", owner=company.member,
        period=company.quarter, visibility="private", scope_person=company.member,
    )  # fmt: skip
    private_kr = key_result_create(
        objective=secret, title="Hush the rival from 5 to 1", start=Decimal(5), target=Decimal(1)
    )
    initiative = initiative_create(
        organization=company.org, title="Nordic roadshow", owner=company.member,
        scope_person=company.member, key_results=[public_kr], actor=company.member,
        effort_days=Decimal(12), budget=Decimal(5000),
    )  # fmt: skip
    beta = milestone_save(
        milestone=Milestone(initiative=initiative, title="Book venues", due=dt.date(2026, 11, 1))
    )
    return World(objective, public_kr, launch, private_kr, initiative, beta, alpha, ga)


def initiative_data(initiative: Initiative, **fields: Any) -> dict[str, Any]:
    scope = (
        f"unit:{initiative.scope_unit_id}" if initiative.scope_unit_id
        else f"person:{initiative.scope_person_id}" if initiative.scope_person_id
        else "org"
    )  # fmt: skip
    return {
        "title": initiative.title, "description": initiative.description,
        "owner": initiative.owner_id or "", "scope": scope, "state": initiative.state,
        "effort_days": initiative.effort_days if initiative.effort_days is not None else "",
        "budget": initiative.budget if initiative.budget is not None else "",
        "result_area": initiative.result_area_id or "", **fields,
    }  # fmt: skip


def new_initiative(company: Company, **fields: Any) -> dict[str, Any]:
    return {
        "title": "Partner webinars", "description": "", "owner": company.member.pk,
        "scope": f"person:{company.member.pk}", "state": "active", "effort_days": "4.5",
        "budget": "", "result_area": "", "key_result": "", **fields,
    }  # fmt: skip


def hx(client: Any, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data, HTTP_HX_REQUEST="true")


# -- every URL × personas ---------------------------------------------------------------------
@pytest.mark.parametrize(("name", "may"), CHANGES)
def test_everyone_sees_the_initiative_and_only_its_editors_get_the_controls(
    company: Company, world: World, name: str, may: bool
) -> None:
    client = signed_in(getattr(company, name))

    page = client.get(f"/initiatives/{world.initiative.pk}/")
    listed = client.get("/initiatives/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "Nordic roadshow" in html
    assert "Grow Nordic revenue from 0 to 100" in html
    assert "Book venues" in html
    assert ("Add a milestone" in html) is may
    assert ("Mark done" in html) is may
    assert (f"/initiatives/{world.initiative.pk}/edit/" in html) is may
    assert listed.status_code == 200
    assert "Nordic roadshow" in listed.content.decode()


@pytest.mark.parametrize(("name", "may"), CHANGES)
def test_only_editors_open_the_edit_page_and_change_the_initiative(
    company: Company, world: World, name: str, may: bool
) -> None:
    client = signed_in(getattr(company, name))
    url = f"/initiatives/{world.initiative.pk}/edit/"

    opened = client.get(url)
    posted = client.post(url, initiative_data(world.initiative, title="Nordic tour"))

    assert opened.status_code == (200 if may else 403)
    assert posted.status_code == (302 if may else 403)
    world.initiative.refresh_from_db()
    assert (world.initiative.title == "Nordic tour") is may


@pytest.mark.parametrize(("name", "may"), CHANGES)
def test_only_editors_add_toggle_edit_and_remove_the_initiatives_milestones(
    company: Company, world: World, name: str, may: bool
) -> None:
    client = signed_in(getattr(company, name))
    beta = world.beta.pk

    added = client.post(
        f"/initiatives/{world.initiative.pk}/milestones/",
        {"title": "Print flyers", "due": "2026-11-20", "weight": "1"},
    )
    toggled = client.post(f"/milestones/{beta}/toggle/", {"done": "1"})
    edit_page = client.get(f"/milestones/{beta}/edit/")
    edited = client.post(f"/milestones/{beta}/edit/", {"title": "Book halls", "weight": "2"})
    remove_page = client.get(f"/milestones/{beta}/remove/")
    removed = client.post(f"/milestones/{beta}/remove/")

    expected = 302 if may else 403
    assert [added.status_code, toggled.status_code, edited.status_code, removed.status_code] == [
        expected
    ] * 4
    assert [edit_page.status_code, remove_page.status_code] == [200 if may else 403] * 2
    assert Milestone.objects.filter(title="Print flyers").exists() is may
    assert Milestone.objects.filter(pk=beta).exists() is not may


@pytest.mark.parametrize(("name", "may"), CHANGES)
def test_only_editors_link_and_unlink_key_results(
    company: Company, world: World, name: str, may: bool
) -> None:
    client = signed_in(getattr(company, name))
    base = f"/initiatives/{world.initiative.pk}/key-results/"

    linked = client.post(base, {"key_result": world.launch.pk})
    unlinked = client.post(f"{base}{world.public_kr.pk}/remove/")

    assert (linked.status_code, unlinked.status_code) == ((302, 302) if may else (403, 403))
    served = set(world.initiative.key_results.all())
    assert served == ({world.launch} if may else {world.public_kr})


@pytest.mark.parametrize(("name", "may"), CHANGES)
def test_a_key_results_milestones_page_is_seen_by_all_and_changed_by_its_editors(
    company: Company, world: World, name: str, may: bool
) -> None:
    client = signed_in(getattr(company, name))
    url = f"/key-results/{world.launch.pk}/milestones/"

    page = client.get(url)
    added = client.post(url, {"title": "Pilot", "due": "", "weight": "1"})
    toggled = client.post(f"/milestones/{world.alpha.pk}/toggle/")

    assert page.status_code == 200
    assert "Alpha" in page.content.decode()
    assert ("Add a milestone" in page.content.decode()) is may
    assert (added.status_code, toggled.status_code) == ((302, 302) if may else (403, 403))
    assert Milestone.objects.filter(title="Pilot").exists() is may


@pytest.mark.parametrize(
    ("name", "status"),
    [("admin", 200), ("hr", 200), ("leader", 200), ("member", 200), ("colleague", 200),
     ("outsider", 200), ("viewer", 403)],
)  # fmt: skip
def test_everyone_but_viewers_opens_the_new_initiative_page(
    company: Company, name: str, status: int
) -> None:
    assert signed_in(getattr(company, name)).get("/initiatives/new/").status_code == status


# -- private goals and other tenants ----------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "toggle"),
    [("admin", 302), ("hr", 403), ("leader", 302), ("member", 302), ("colleague", 404),
     ("outsider", 404), ("viewer", 404)],
)  # fmt: skip
def test_work_serving_only_a_private_key_result_is_hidden_like_it(
    company: Company, world: World, name: str, toggle: int
) -> None:
    sees = toggle != 404
    hidden = initiative_create(
        organization=company.org, title="Quiet work", owner=company.member,
        scope_person=company.member, key_results=[world.private_kr],
    )  # fmt: skip
    milestone = milestone_save(milestone=Milestone(initiative=hidden, title="Step one"))
    client = signed_in(getattr(company, name))

    page = client.get(f"/initiatives/{hidden.pk}/")
    toggled = client.post(f"/milestones/{milestone.pk}/toggle/")
    listed = client.get("/initiatives/").content.decode()

    assert page.status_code == (200 if sees else 404)
    assert toggled.status_code == toggle
    assert ("Quiet work" in listed) is sees


def test_a_private_objectives_key_result_is_not_named_to_outsiders(
    company: Company, world: World
) -> None:
    initiative_key_result_add(
        initiative=world.initiative, key_result=world.private_kr, actor=company.member
    )
    url = f"/initiatives/{world.initiative.pk}/"

    outsiders = signed_in(company.outsider).get(url).content.decode()
    members = signed_in(company.member).get(url).content.decode()
    outsiders_list = signed_in(company.outsider).get("/initiatives/").content.decode()
    new_page = signed_in(company.outsider).get("/initiatives/new/").content.decode()

    assert "Hush the rival" not in outsiders
    assert "Secret plan" not in outsiders
    assert "a key result you cannot see" in outsiders  # the history says a link was made
    assert "Grow Nordic revenue" in outsiders
    assert "Hush the rival" not in outsiders_list
    assert "Hush the rival" not in new_page
    assert "Hush the rival" in members
    assert "Secret plan" in members


def test_the_private_key_result_cannot_be_linked_or_preset_by_those_who_cannot_see_it(
    company: Company, world: World
) -> None:
    client = signed_in(company.leader)  # may change the initiative, and sees the private goal
    outsider = signed_in(company.outsider)

    assert outsider.get(f"/initiatives/new/?key_result={world.private_kr.pk}").status_code == 404
    assert outsider.get(f"/key-results/{world.private_kr.pk}/milestones/").status_code == 404
    assert (
        client.post(
            f"/initiatives/{world.initiative.pk}/key-results/", {"key_result": world.private_kr.pk}
        ).status_code
        == 302
    )


def test_another_tenants_ids_are_404_on_get_and_post(
    company: Company, other_company: Company, world: World
) -> None:
    client = signed_in(other_company.admin)
    i, kr, m = world.initiative.pk, world.launch.pk, world.beta.pk

    gets = [
        f"/initiatives/{i}/", f"/initiatives/{i}/edit/", f"/initiatives/new/?key_result={kr}",
        f"/key-results/{kr}/milestones/", f"/milestones/{m}/edit/", f"/milestones/{m}/remove/",
        f"/milestones/{world.alpha.pk}/edit/",
    ]  # fmt: skip
    posts = {
        f"/initiatives/{i}/edit/": initiative_data(world.initiative, title="Hijacked"),
        f"/initiatives/{i}/milestones/": {"title": "Hijacked", "weight": "1"},
        f"/initiatives/{i}/key-results/": {"key_result": kr},
        f"/initiatives/{i}/key-results/{world.public_kr.pk}/remove/": {},
        f"/key-results/{kr}/milestones/": {"title": "Hijacked", "weight": "1"},
        f"/milestones/{m}/toggle/": {"done": "1"},
        f"/milestones/{world.alpha.pk}/toggle/": {"done": "1"},
        f"/milestones/{m}/edit/": {"title": "Hijacked", "weight": "1"},
        f"/milestones/{m}/remove/": {},
    }

    assert [client.get(url).status_code for url in gets] == [404] * len(gets)
    assert [client.post(url, data).status_code for url, data in posts.items()] == [404] * len(posts)
    assert "Nordic roadshow" not in client.get("/initiatives/").content.decode()
    assert not Milestone.objects.filter(title="Hijacked").exists()
    assert Milestone.objects.filter(pk=m, done=False).exists()
    assert world.initiative.key_results.get() == world.public_kr


def test_another_tenants_key_result_cannot_be_linked_or_served(
    company: Company, other_company: Company, world: World
) -> None:
    theirs_objective = objective_create(
        organization=other_company.org, title="Theirs", owner=other_company.admin,
        period=other_company.quarter,
    )  # fmt: skip
    theirs = key_result_create(objective=theirs_objective, title="Theirs from 0 to 1")
    client = signed_in(company.admin)

    linked = client.post(
        f"/initiatives/{world.initiative.pk}/key-results/", {"key_result": theirs.pk}
    )
    created = client.post("/initiatives/new/", new_initiative(company, key_result=theirs.pk))

    assert linked.status_code == 200
    assert "Select a valid choice" in linked.content.decode()
    assert created.status_code == 200
    assert "Select a valid choice" in created.content.decode()
    assert world.initiative.key_results.get() == world.public_kr
    assert not Initiative.objects.filter(title="Partner webinars").exists()


# -- milestones move a key result of kind milestones ------------------------------------------
def test_toggling_a_milestone_moves_its_key_results_progress(
    company: Company, world: World
) -> None:
    client = signed_in(company.member)
    url = f"/milestones/{world.ga.pk}/toggle/"

    done = client.post(url, {"done": "1"})
    world.launch.refresh_from_db()
    after_done = world.launch.progress
    again = client.post(url, {"done": "1"})  # the same click twice leaves it done
    world.launch.refresh_from_db()
    after_again = world.launch.progress
    undone = client.post(url, {"done": "0"})
    world.launch.refresh_from_db()

    assert done.status_code == again.status_code == undone.status_code == 302
    assert done["Location"] == f"/key-results/{world.launch.pk}/milestones/"
    assert after_done == after_again == Decimal("0.75")  # GA weighs 3 of 4
    assert world.launch.progress == Decimal(0)
    world.objective.refresh_from_db()
    assert world.objective.progress is not None


def test_with_htmx_a_toggle_sends_back_only_the_row_and_the_progress(
    company: Company, world: World
) -> None:
    response = hx(signed_in(company.member), f"/milestones/{world.alpha.pk}/toggle/", {"done": "1"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert f'id="milestone-{world.alpha.pk}"' in html
    assert "Mark not done" in html
    assert 'hx-swap-oob="true"' in html
    assert "1 of 2 milestones done" in html
    assert "25%" in html  # Alpha weighs 1 of 4
    world.launch.refresh_from_db()
    assert world.launch.progress == Decimal("0.25")


def test_adding_and_removing_milestones_re_rolls_the_key_result(
    company: Company, world: World
) -> None:
    client = signed_in(company.member)
    milestone_save(milestone=_done(world.alpha))
    world.launch.refresh_from_db()
    assert world.launch.progress == Decimal("0.25")

    client.post(f"/key-results/{world.launch.pk}/milestones/", {"title": "Pilot", "weight": "4"})
    world.launch.refresh_from_db()
    with_pilot = world.launch.progress
    client.post(f"/milestones/{world.ga.pk}/remove/")
    world.launch.refresh_from_db()

    assert with_pilot == Decimal("0.125")  # 1 done of 1 + 3 + 4
    assert world.launch.progress == Decimal("0.2")  # 1 done of 1 + 4
    assert not Milestone.objects.filter(pk=world.ga.pk).exists()


def _done(milestone: Milestone) -> Milestone:
    milestone.done = True
    return milestone


def test_a_number_key_results_milestones_do_not_move_it(company: Company, world: World) -> None:
    client = signed_in(company.member)
    url = f"/key-results/{world.public_kr.pk}/milestones/"
    client.post(url, {"title": "Hire a Nordic rep", "weight": "1"})
    step = Milestone.objects.get(title="Hire a Nordic rep")

    client.post(f"/milestones/{step.pk}/toggle/", {"done": "1"})
    page = client.get(url).content.decode()

    world.public_kr.refresh_from_db()
    assert world.public_kr.progress == Decimal(0)
    assert "do not move its progress" in page
    assert "1 of 1 milestone done" in page


def test_the_initiatives_milestones_are_the_works_progress_not_a_key_results(
    company: Company, world: World
) -> None:
    client = signed_in(company.member)
    client.post(f"/milestones/{world.beta.pk}/toggle/", {"done": "1"})

    page = client.get(f"/initiatives/{world.initiative.pk}/").content.decode()

    world.public_kr.refresh_from_db()
    assert world.public_kr.progress == Decimal(0)  # the work never counts as progress
    assert "1 of 1 milestone done" in page
    assert "This is the progress of the work, not of a key result" in page


def test_an_undone_milestone_past_its_due_date_says_overdue(company: Company, world: World) -> None:
    page = signed_in(company.viewer).get(f"/key-results/{world.launch.pk}/milestones/")

    html = page.content.decode()
    alpha = html[html.index(f'id="milestone-{world.alpha.pk}"') :]
    ga = html[html.index(f'id="milestone-{world.ga.pk}"') :]
    assert "Overdue" in alpha[: alpha.index("</li>")]  # due 20 Oct, today is 15 Nov
    assert "Overdue" not in ga[: ga.index("</li>")]
    assert "Not done" in ga[: ga.index("</li>")]


# -- creating and editing -------------------------------------------------------------------------
def test_a_member_starts_an_initiative_for_their_key_result(company: Company, world: World) -> None:
    client = signed_in(company.member)
    url = f"/initiatives/new/?key_result={world.launch.pk}"
    form = client.get(url).content.decode()
    assert f'<option value="{world.launch.pk}" selected>' in form

    response = client.post(url, new_initiative(company, key_result=world.launch.pk))

    created = Initiative.objects.get(title="Partner webinars")
    assert response.status_code == 302
    assert response["Location"] == f"/initiatives/{created.pk}/"
    assert list(created.key_results.all()) == [world.launch]
    assert (created.scope_person, created.effort_days, created.state) == (
        company.member, Decimal("4.5"), "active",
    )  # fmt: skip
    event = AuditEvent.objects.get(object_type="initiative", object_id=created.pk)
    assert (event.action, event.actor) == ("create", company.member)


def test_editing_a_key_result_lets_one_start_work_for_it_in_any_scope(
    company: Company, world: World
) -> None:
    client = signed_in(company.member)

    refused = client.post("/initiatives/new/", new_initiative(company, scope="org"))
    allowed = client.post(
        "/initiatives/new/", new_initiative(company, scope="org", key_result=world.launch.pk)
    )

    assert refused.status_code == 200
    assert "You may not put initiatives in the whole organization." in refused.content.decode()
    assert allowed.status_code == 302
    assert Initiative.objects.get(title="Partner webinars").scope_person is None


def test_a_colleague_may_not_put_work_in_the_members_scope(company: Company, world: World) -> None:
    response = signed_in(company.colleague).post(
        "/initiatives/new/", new_initiative(company, key_result=world.public_kr.pk)
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "You may not put initiatives in Mia Member&#x27;s own work." in html
    assert 'id="id_scope-help"' in html
    assert not Initiative.objects.filter(title="Partner webinars").exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "", "This field is required."),
        ("effort_days", "-1", "Ensure this value is greater than or equal to 0."),
        ("budget", "lots", "Enter a number."),
        ("owner", "999999", "Select a valid choice."),
    ],
)
def test_a_bad_new_initiative_saves_nothing_and_says_why_next_to_the_field(
    company: Company, field: str, value: str, message: str
) -> None:
    response = signed_in(company.member).post(
        "/initiatives/new/", new_initiative(company, **{field: value})
    )

    html = response.content.decode()
    assert response.status_code == 200
    help_block = html[html.index(f'id="id_{field}-help"') :]
    assert message in help_block[: help_block.index("</div>\n</div>")]
    assert not Initiative.objects.exists()
    assert not AuditEvent.objects.filter(object_type="initiative").exists()


def test_editing_writes_only_the_fields_that_changed(company: Company, world: World) -> None:
    client = signed_in(company.leader)
    url = f"/initiatives/{world.initiative.pk}/edit/"

    response = client.post(
        url, initiative_data(world.initiative, title="Nordic tour", effort_days="12.0")
    )

    assert response.status_code == 302
    event = AuditEvent.objects.filter(
        object_type="initiative", object_id=world.initiative.pk
    ).first()
    assert event is not None
    assert (event.action, event.changes) == (
        "update",
        {"title": ["Nordic roadshow", "Nordic tour"]},
    )
    assert event.actor == company.leader
    page = client.get(f"/initiatives/{world.initiative.pk}/").content.decode()
    assert "title: “Nordic roadshow” → “Nordic tour”" in page


def test_saving_an_unchanged_initiative_writes_nothing(company: Company, world: World) -> None:
    before = AuditEvent.objects.count()

    response = signed_in(company.member).post(
        f"/initiatives/{world.initiative.pk}/edit/", initiative_data(world.initiative)
    )

    assert response.status_code == 302
    assert AuditEvent.objects.count() == before


def test_a_bad_edit_changes_nothing(company: Company, world: World) -> None:
    response = signed_in(company.member).post(
        f"/initiatives/{world.initiative.pk}/edit/",
        initiative_data(world.initiative, title="Renamed", budget="-5"),
    )

    assert response.status_code == 200
    assert 'id="id_budget-help"' in response.content.decode()
    world.initiative.refresh_from_db()
    assert (world.initiative.title, world.initiative.budget) == ("Nordic roadshow", Decimal(5000))


def test_moving_work_into_a_scope_needs_the_right_to_add_work_there(
    company: Company, world: World
) -> None:
    client = signed_in(company.member)  # owns it, but may not add work to Support
    url = f"/initiatives/{world.initiative.pk}/edit/"

    refused = client.post(
        url, initiative_data(world.initiative, scope=f"unit:{company.support.pk}")
    )
    moved = client.post(url, initiative_data(world.initiative, scope=f"unit:{company.emea.pk}"))

    assert refused.status_code == 200
    assert "You may not put initiatives in unit Support." in refused.content.decode()
    assert moved.status_code == 302
    world.initiative.refresh_from_db()
    assert (world.initiative.scope_unit, world.initiative.scope_person) == (company.emea, None)


def test_a_bad_milestone_saves_nothing_and_says_why_next_to_the_field(
    company: Company, world: World
) -> None:
    client = signed_in(company.member)
    before = AuditEvent.objects.count()

    on_initiative = client.post(
        f"/initiatives/{world.initiative.pk}/milestones/", {"title": "", "weight": "1"}
    )
    on_key_result = client.post(
        f"/key-results/{world.launch.pk}/milestones/", {"title": "Pilot", "weight": "-2"}
    )
    bad_date = client.post(
        f"/milestones/{world.beta.pk}/edit/", {"title": "Book", "due": "someday", "weight": "1"}
    )

    assert on_initiative.status_code == on_key_result.status_code == bad_date.status_code == 200
    assert 'id="id_title-help"' in on_initiative.content.decode()
    assert "This field is required." in on_initiative.content.decode()
    assert "Nordic roadshow" in on_initiative.content.decode()  # shown on the initiative's page
    assert "greater than or equal to 0" in on_key_result.content.decode()
    assert "Enter a valid date." in bad_date.content.decode()
    assert Milestone.objects.count() == 3  # Alpha, GA and Book venues, as before
    assert AuditEvent.objects.count() == before
    world.beta.refresh_from_db()
    assert world.beta.title == "Book venues"


# -- the audit trail ------------------------------------------------------------------------------
def test_every_change_to_milestones_and_links_is_audited_and_shown(
    company: Company, world: World
) -> None:
    client = signed_in(company.member)
    i = world.initiative.pk
    client.post(f"/initiatives/{i}/milestones/", {"title": "Print flyers", "weight": "1"})
    flyers = Milestone.objects.get(title="Print flyers")
    client.post(f"/milestones/{flyers.pk}/toggle/", {"done": "1"})
    client.post(
        f"/milestones/{flyers.pk}/edit/",
        {"title": "Print posters", "due": "2026-12-01", "weight": "2"},
    )
    client.post(f"/milestones/{flyers.pk}/remove/")
    client.post(f"/initiatives/{i}/key-results/", {"key_result": world.launch.pk})
    client.post(f"/initiatives/{i}/key-results/{world.public_kr.pk}/remove/")

    trail = list(
        AuditEvent.objects.filter(object_type="milestone", object_id=flyers.pk).order_by("pk")
    )
    links = list(AuditEvent.objects.filter(object_type="initiativekeyresult").order_by("pk"))
    page = client.get(f"/initiatives/{i}/").content.decode()

    assert [e.action for e in trail] == ["create", "update", "update", "delete"]
    assert trail[1].changes == {"done": [False, True]}
    assert trail[2].changes["title"] == ["Print flyers", "Print posters"]
    assert all(e.actor == company.member for e in trail)
    assert [e.action for e in links] == ["create", "delete"]
    assert "Deleted milestone “Print posters”" in page  # removed, yet still in the history
    assert "Created milestone “Print flyers”" in page
    assert "Now serves “Partner programme”" in page
    assert "No longer serves “Grow Nordic revenue from 0 to 100”" in page
    assert "Created initiative “Nordic roadshow”" in page


def test_unlinking_the_only_key_result_one_could_see_leads_back_to_the_list(
    company: Company, world: World
) -> None:
    # given work serving a key result the colleague owns and a private one they cannot see
    colleagues = key_result_create(
        objective=world.objective, title="Book 5 Nordic demos", owner=company.colleague
    )
    InitiativeKeyResult.objects.filter(initiative=world.initiative).delete()
    initiative_key_result_add(initiative=world.initiative, key_result=colleagues)
    initiative_key_result_add(initiative=world.initiative, key_result=world.private_kr)
    client = signed_in(company.colleague)

    # when the colleague unlinks their own key result
    response = client.post(
        f"/initiatives/{world.initiative.pk}/key-results/{colleagues.pk}/remove/"
    )

    # then the work serves only what they cannot see, so they land on the list
    assert response.status_code == 302
    assert response["Location"] == "/initiatives/"
    assert client.get(f"/initiatives/{world.initiative.pk}/").status_code == 404


def test_a_key_result_one_cannot_see_cannot_be_unlinked(company: Company, world: World) -> None:
    initiative_key_result_add(initiative=world.initiative, key_result=world.private_kr)
    # the colleague may change the work through a key result they own, yet not see the private one
    colleagues = key_result_create(
        objective=world.objective, title="Book 5 Nordic demos", owner=company.colleague
    )
    initiative_key_result_add(initiative=world.initiative, key_result=colleagues)

    response = signed_in(company.colleague).post(
        f"/initiatives/{world.initiative.pk}/key-results/{world.private_kr.pk}/remove/"
    )

    assert response.status_code == 404
    assert world.initiative.key_results.filter(pk=world.private_kr.pk).exists()


def test_toggle_and_link_answer_only_posts(company: Company, world: World) -> None:
    client = signed_in(company.member)

    assert client.get(f"/milestones/{world.beta.pk}/toggle/").status_code == 405
    assert client.get(f"/initiatives/{world.initiative.pk}/key-results/").status_code == 405
    assert signed_in(company.member).get("/initiatives/abc/").status_code == 404
    assert client.get("/initiatives/new/?key_result=abc").status_code == 404


# -- the list ---------------------------------------------------------------------------------------
def test_the_list_filters_by_state_owner_and_words(company: Company, world: World) -> None:
    initiative_create(
        organization=company.org, title="Support rota", owner=company.outsider, state="done",
        scope_person=company.outsider, description="Weekend cover for the Nordics",
    )  # fmt: skip
    client = signed_in(company.member)

    def titles(query: str) -> set[str]:
        html = client.get(f"/initiatives/{query}").content.decode()
        return {t for t in ("Nordic roadshow", "Support rota") if t in html}

    assert titles("") == {"Nordic roadshow", "Support rota"}
    assert titles("?state=done") == {"Support rota"}
    assert titles("?owner=me") == {"Nordic roadshow"}
    assert titles("?q=weekend") == {"Support rota"}
    assert titles("?q=nordic") == {"Nordic roadshow", "Support rota"}
    assert titles("?q=nordic&state=proposed&owner=me") == {"Nordic roadshow"}
    assert titles("?state=nonsense") == {"Nordic roadshow", "Support rota"}


def test_the_list_shows_milestone_progress_and_pages(company: Company, world: World) -> None:
    milestone_save(milestone=_done(world.beta))
    for n in range(30):
        initiative_create(
            organization=company.org, title=f"Zz task {n:02}", owner=company.member,
            scope_person=company.member,
        )  # fmt: skip
    client = signed_in(company.member)

    first = client.get("/initiatives/?owner=me").content.decode()
    second = client.get("/initiatives/?owner=me&page=2").content.decode()

    assert "1 of 1 milestone done (100%)" in first
    assert "31 initiatives" in first
    assert "Page 1 of 2" in first
    assert "?owner=me&amp;page=2" in first
    assert "Zz task 29" in second
    assert "Zz task 29" not in first


def _many(company: Company, world: World, count: int, prefix: str) -> None:
    for n in range(count):
        owner = (company.member, company.colleague, company.outsider)[n % 3]
        initiative = initiative_create(
            organization=company.org, title=f"{prefix} {n:02}", owner=owner,
            scope_person=owner, key_results=[world.public_kr, world.private_kr][: n % 3],
        )  # fmt: skip
        for m in range(2):
            milestone_save(milestone=Milestone(initiative=initiative, title=f"Step {m}"))


@pytest.mark.parametrize("name", ["leader", "outsider", "admin"])
def test_the_list_costs_the_same_for_3_or_30_initiatives(
    company: Company, world: World, name: str, django_assert_num_queries: Any
) -> None:
    client = signed_in(getattr(company, name))
    _many(company, world, 3, "Aa")
    client.get("/initiatives/?q=Aa")  # warm the session
    with CaptureQueriesContext(connection) as for_three:
        small = client.get("/initiatives/?q=Aa")
    _many(company, world, 30, "Bb")

    with django_assert_num_queries(len(for_three.captured_queries)):
        large = client.get("/initiatives/?q=Bb")

    assert small.status_code == large.status_code == 200
    assert "Bb" in large.content.decode()


def test_the_page_costs_the_same_for_two_or_ten_milestones(
    company: Company, world: World, django_assert_max_num_queries: Any
) -> None:
    client = signed_in(company.member)
    client.get(f"/initiatives/{world.initiative.pk}/")
    with CaptureQueriesContext(connection) as for_one:
        client.get(f"/initiatives/{world.initiative.pk}/")
    for n in range(9):
        milestone_save(
            milestone=Milestone(initiative=world.initiative, title=f"Step {n}"),
            actor=company.member,
        )

    with django_assert_max_num_queries(len(for_one.captured_queries)):
        response = client.get(f"/initiatives/{world.initiative.pk}/")

    assert "Step 8" in response.content.decode()


def test_viewers_get_no_new_initiative_button(company: Company, world: World) -> None:
    viewer = signed_in(company.viewer).get("/initiatives/").content.decode()
    member = signed_in(company.member).get("/initiatives/").content.decode()

    assert "/initiatives/new/" not in viewer
    assert "/initiatives/new/" in member
