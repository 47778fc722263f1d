"""Creating an objective aligned to another, and quick-adding key results from one sentence."""

from __future__ import annotations

from decimal import Decimal

import pytest
from tests.conftest import Company, signed_in

from headway.audit.models import AuditEvent
from headway.goals.models import Alignment, KeyResult, Objective
from headway.goals.services import objective_create

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]


@pytest.fixture
def team_objective(company: Company) -> Objective:
    return objective_create(
        organization=company.org, title="Sales wins the Nordics", owner=company.leader,
        period=company.quarter, scope_unit=company.sales,
    )  # fmt: skip


def new_objective(company: Company, **fields: object) -> dict:
    return {
        "title": "Close my top ten accounts", "description": "", "period": company.quarter.pk,
        "scope_unit": "", "owner": company.member.pk, "result_area": "", "aligns_to": "",
        "visibility": "public", **fields,
    }  # fmt: skip


def test_a_member_adds_an_objective_aligned_to_a_units_objective(
    company: Company, team_objective: Objective
) -> None:
    client = signed_in(company.member)
    assert client.get(f"/objectives/new/?aligns_to={team_objective.pk}").status_code == 200

    response = client.post("/objectives/new/", new_objective(company, aligns_to=team_objective.pk))

    created = Objective.objects.get(title="Close my top ten accounts")
    assert response.status_code == 302
    assert response["Location"] == f"/objectives/{created.pk}/"
    assert created.scope_person == company.member
    assert Alignment.objects.filter(child=created, parent_objective=team_objective).exists()
    assert AuditEvent.objects.filter(object_type="objective", object_id=created.pk).exists()


def test_a_member_may_not_create_in_someone_elses_scope(company: Company) -> None:
    response = signed_in(company.member).post(
        "/objectives/new/", new_objective(company, owner=company.colleague.pk)
    )

    assert response.status_code == 200
    assert b"You may not add objectives to" in response.content
    assert not Objective.objects.filter(title="Close my top ten accounts").exists()


def test_errors_show_next_to_their_field(company: Company) -> None:
    response = signed_in(company.member).post("/objectives/new/", new_objective(company, title=""))

    assert response.status_code == 200
    assert b'id="id_title-help"' in response.content
    assert b"This field is required." in response.content


def test_another_tenants_objective_cannot_be_aligned_to(
    company: Company, other_company: Company
) -> None:
    theirs = objective_create(
        organization=other_company.org, title="Theirs", owner=other_company.admin,
        period=other_company.quarter,
    )  # fmt: skip

    response = signed_in(company.member).post(
        "/objectives/new/", new_objective(company, aligns_to=theirs.pk)
    )

    assert response.status_code == 200
    assert b"Select a valid choice" in response.content


def test_quick_add_reads_the_numbers_from_the_title(company: Company) -> None:
    objective = objective_create(
        organization=company.org, title="Delight", owner=company.member, period=company.quarter
    )
    client = signed_in(company.member)
    assert b"Add a key result" in client.get(f"/objectives/{objective.pk}/").content

    response = client.post(
        f"/objectives/{objective.pk}/key-results/new/",
        {"title": "Improve average support response time from 2 hours to 30 minutes"},
    )

    assert response.status_code == 302
    kr = KeyResult.objects.get(objective=objective)
    assert (kr.direction, kr.start, kr.target, kr.unit_label) == (
        "decrease", Decimal(120), Decimal(30), "minutes",
    )  # fmt: skip


def test_quick_add_asks_for_numbers_it_cannot_read(company: Company) -> None:
    objective = objective_create(
        organization=company.org, title="Delight", owner=company.member, period=company.quarter
    )
    url = f"/objectives/{objective.pk}/key-results/new/"
    client = signed_in(company.member)

    refused = client.post(url, {"title": "Improve customer happiness"})
    accepted = client.post(
        url, {"title": "Improve customer happiness", "start": "6.5", "target": "8", "unit": "CSAT"}
    )

    assert refused.status_code == 200
    assert b"cannot read the numbers" in refused.content
    assert accepted.status_code == 302
    assert KeyResult.objects.get(objective=objective).target == Decimal(8)


def test_only_those_who_may_change_the_objective_add_key_results(company: Company) -> None:
    objective = objective_create(
        organization=company.org, title="Delight", owner=company.member, period=company.quarter
    )
    url = f"/objectives/{objective.pk}/key-results/new/"

    assert (
        signed_in(company.colleague).post(url, {"title": "Grow X from 1 to 2"}).status_code == 403
    )
    assert signed_in(company.viewer).post(url, {"title": "Grow X from 1 to 2"}).status_code == 403
    assert (
        b"Add a key result"
        not in signed_in(company.colleague).get(f"/objectives/{objective.pk}/").content
    )
    assert not KeyResult.objects.exists()


def edit_data(objective: Objective, **fields: object) -> dict:
    return {
        "title": objective.title, "description": objective.description,
        "owner": objective.owner_id, "result_area": objective.result_area_id or "",
        "visibility": objective.visibility, "state": objective.state, **fields,
    }  # fmt: skip


def test_the_owner_edits_an_objective_and_the_history_keeps_the_old_title(
    company: Company,
) -> None:
    objective = objective_create(
        organization=company.org, title="Delight", owner=company.member, period=company.quarter
    )
    client = signed_in(company.member)
    assert client.get(f"/objectives/{objective.pk}/edit/").status_code == 200

    response = client.post(
        f"/objectives/{objective.pk}/edit/",
        edit_data(objective, title="Delight every customer", visibility="private"),
    )

    assert response.status_code == 302
    objective.refresh_from_db()
    assert (objective.title, objective.visibility) == ("Delight every customer", "private")
    event = AuditEvent.objects.filter(object_type="objective", object_id=objective.pk).first()
    assert event is not None
    assert event.changes["title"] == ["Delight", "Delight every customer"]
    assert event.actor == company.member
    page = client.get(f"/objectives/{objective.pk}/").content.decode()
    assert "Delight every customer" in page


def test_a_colleague_may_not_edit_and_another_tenant_gets_404(
    company: Company, other_company: Company
) -> None:
    objective = objective_create(
        organization=company.org, title="Delight", owner=company.member, period=company.quarter
    )
    url = f"/objectives/{objective.pk}/edit/"

    assert signed_in(company.colleague).get(url).status_code == 403
    assert signed_in(company.viewer).post(url, edit_data(objective, title="X")).status_code == 403
    assert signed_in(other_company.admin).get(url).status_code == 404
    objective.refresh_from_db()
    assert objective.title == "Delight"
