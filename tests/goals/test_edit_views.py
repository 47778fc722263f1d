"""Editing and deleting key results, and re-aligning an objective (to an objective or a key
result) from its edit page."""

from __future__ import annotations

from decimal import Decimal

import pytest
from tests.assertions import events
from tests.conftest import Company, signed_in

from headway.checkins.services import checkin_record
from headway.goals.models import Alignment, KeyResult, Objective
from headway.goals.services import alignment_create, key_result_create, objective_create

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]


@pytest.fixture
def objective(company: Company) -> Objective:
    return objective_create(
        organization=company.org, title="Win the Nordics", owner=company.member,
        period=company.quarter, scope_person=company.member,
    )  # fmt: skip


@pytest.fixture
def key_result(objective: Objective) -> KeyResult:
    return key_result_create(
        objective=objective, title="Grow pipeline from 10 to 30 deals",
        start=Decimal(10), target=Decimal(30), unit_label="deals",
    )  # fmt: skip


def kr_data(kr: KeyResult, **fields: object) -> dict:
    data = {
        "title": kr.title, "owner": kr.owner_id or "", "kind": kr.kind,
        "direction": kr.direction, "start": kr.start, "target": kr.target,
        "lower": "", "upper": "", "unit_label": kr.unit_label, "weight": kr.weight,
        "progress_source": kr.progress_source, "indicator": "", "due": "",
        "confidence_start": "", "state": kr.state,
    }  # fmt: skip
    data.update(fields)
    return {k: "" if v is None else v for k, v in data.items()}


# -- editing a key result ---------------------------------------------------------------------
def test_the_owner_moves_the_target_and_progress_follows_at_once(
    company: Company, key_result: KeyResult
) -> None:
    checkin_record(key_result=key_result, value=Decimal(20), author=company.member)
    client = signed_in(company.member)
    assert client.get(f"/key-results/{key_result.pk}/edit/").status_code == 200

    response = client.post(f"/key-results/{key_result.pk}/edit/", kr_data(key_result, target=50))

    key_result.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == f"/objectives/{key_result.objective_id}/"
    assert key_result.target == Decimal(50)
    assert key_result.progress == Decimal("0.25")  # (20 - 10) / (50 - 10)
    assert events(key_result)[-1].changes["target"] == ["30", "50"]


def test_numbers_that_disagree_with_the_direction_are_shown_next_to_the_field(
    company: Company, key_result: KeyResult
) -> None:
    response = signed_in(company.member).post(
        f"/key-results/{key_result.pk}/edit/", kr_data(key_result, direction="increase", target=5)
    )

    key_result.refresh_from_db()
    assert response.status_code == 200
    assert b"needs a target above its start" in response.content
    assert b'id="id_target-help"' in response.content
    assert key_result.target == Decimal(30)


def test_following_a_kpi_needs_the_kpi(company: Company, key_result: KeyResult) -> None:
    response = signed_in(company.member).post(
        f"/key-results/{key_result.pk}/edit/", kr_data(key_result, progress_source="indicator")
    )

    assert response.status_code == 200
    assert b"Choose the KPI this key result follows." in response.content


@pytest.mark.parametrize(
    ("who", "status"),
    [("member", 200), ("leader", 200), ("admin", 200), ("colleague", 403), ("viewer", 403),
     ("outsider", 403), ("hr", 403)],
)  # fmt: skip
def test_who_may_edit_a_key_result(
    company: Company, key_result: KeyResult, who: str, status: int
) -> None:
    client = signed_in(getattr(company, who))

    assert client.get(f"/key-results/{key_result.pk}/edit/").status_code == status
    posted = client.post(f"/key-results/{key_result.pk}/edit/", kr_data(key_result, target=40))
    assert posted.status_code == (302 if status == 200 else status)


def test_a_private_objectives_key_result_is_404_to_those_who_may_not_see_it(
    company: Company, objective: Objective, key_result: KeyResult
) -> None:
    objective.visibility = "private"
    objective.save()

    for url in (f"/key-results/{key_result.pk}/edit/", f"/key-results/{key_result.pk}/delete/"):
        assert signed_in(company.colleague).get(url).status_code == 404
        assert signed_in(company.colleague).post(url).status_code == 404


def test_another_tenants_key_result_is_404(
    company: Company, other_company: Company, key_result: KeyResult
) -> None:
    client = signed_in(other_company.admin)

    for url in (f"/key-results/{key_result.pk}/edit/", f"/key-results/{key_result.pk}/delete/"):
        assert client.get(url).status_code == 404
        assert client.post(url, kr_data(key_result, target=99)).status_code == 404
    assert KeyResult.objects.filter(pk=key_result.pk, target=Decimal(30)).exists()


def test_an_owner_from_another_tenant_cannot_be_picked(
    company: Company, other_company: Company, key_result: KeyResult
) -> None:
    response = signed_in(company.member).post(
        f"/key-results/{key_result.pk}/edit/",
        kr_data(key_result, owner=other_company.member.pk),
    )

    assert response.status_code == 200
    assert b"not yours to pick" in response.content


def test_deleting_a_key_result_asks_first_then_recomputes_the_objective(
    company: Company, objective: Objective, key_result: KeyResult
) -> None:
    done = key_result_create(
        objective=objective, title="Ship it", kind="boolean", direction="at_least",
        target=Decimal(1),
    )  # fmt: skip
    checkin_record(key_result=done, value=Decimal(1), author=company.member)
    client = signed_in(company.member)

    confirm = client.get(f"/key-results/{key_result.pk}/delete/")
    response = client.post(f"/key-results/{key_result.pk}/delete/")

    objective.refresh_from_db()
    assert b"Delete the key result" in confirm.content
    assert response.status_code == 302
    assert not KeyResult.objects.filter(pk=key_result.pk).exists()
    assert objective.progress == Decimal(1)
    assert events(key_result)[-1].action == "delete"


def test_a_key_result_owner_who_does_not_own_the_objective_may_not_delete_it(
    company: Company, objective: Objective
) -> None:
    theirs = key_result_create(
        objective=objective, title="Grow X from 1 to 2", owner=company.colleague,
        start=Decimal(1), target=Decimal(2),
    )  # fmt: skip

    assert signed_in(company.colleague).get(f"/key-results/{theirs.pk}/edit/").status_code == 200
    assert signed_in(company.colleague).post(f"/key-results/{theirs.pk}/delete/").status_code == 403


def test_the_objective_page_offers_edit_only_to_editors(
    company: Company, objective: Objective, key_result: KeyResult
) -> None:
    edit = f'href="/key-results/{key_result.pk}/edit/"'.encode()

    assert edit in signed_in(company.member).get(f"/objectives/{objective.pk}/").content
    assert edit not in signed_in(company.colleague).get(f"/objectives/{objective.pk}/").content


# -- re-aligning an objective -----------------------------------------------------------------
def objective_data(objective: Objective, **fields: object) -> dict:
    data = {
        "title": objective.title, "description": objective.description,
        "owner": objective.owner_id, "result_area": objective.result_area_id or "",
        "aligns_to": "", "visibility": objective.visibility, "state": objective.state,
    }  # fmt: skip
    data.update(fields)
    return data


def test_an_objective_is_realigned_under_a_key_result(
    company: Company, objective: Objective
) -> None:
    team = objective_create(
        organization=company.org, title="Sales grows", owner=company.leader,
        period=company.quarter, scope_unit=company.sales,
    )  # fmt: skip
    team_kr = key_result_create(
        objective=team, title="Grow revenue from 1 to 2", start=Decimal(1), target=Decimal(2)
    )
    old = alignment_create(child=objective, parent_objective=team)
    client = signed_in(company.member)
    page = client.get(f"/objectives/{objective.pk}/edit/")
    assert f'value="objective:{team.pk}" id="id_aligns_to-1" checked'.encode() in page.content

    response = client.post(
        f"/objectives/{objective.pk}/edit/",
        objective_data(objective, aligns_to=f"key_result:{team_kr.pk}"),
    )

    assert response.status_code == 302
    assert not Alignment.objects.filter(pk=old.pk).exists()
    assert Alignment.objects.get(child=objective).parent_key_result == team_kr
    assert events(old)[-1].action == "delete"


def test_a_cycle_is_refused_next_to_the_alignment_field(
    company: Company, objective: Objective
) -> None:
    below = objective_create(
        organization=company.org, title="Below", owner=company.member, period=company.quarter,
        scope_person=company.member,
    )  # fmt: skip
    alignment_create(child=below, parent_objective=objective)

    response = signed_in(company.member).post(
        f"/objectives/{objective.pk}/edit/",
        objective_data(objective, title="Renamed", aligns_to=f"objective:{below.pk}"),
    )

    objective.refresh_from_db()
    assert response.status_code == 200
    assert b"would make a cycle" in response.content
    assert b'id="id_aligns_to-help"' in response.content
    assert objective.title == "Win the Nordics"  # nothing of the edit was kept


def test_clearing_the_alignment_removes_it(company: Company, objective: Objective) -> None:
    team = objective_create(
        organization=company.org, title="Sales grows", owner=company.leader,
        period=company.quarter, scope_unit=company.sales,
    )  # fmt: skip
    alignment_create(child=objective, parent_objective=team)

    signed_in(company.member).post(f"/objectives/{objective.pk}/edit/", objective_data(objective))

    assert not Alignment.objects.filter(child=objective).exists()


def test_a_new_objective_can_align_under_a_key_result(company: Company) -> None:
    team = objective_create(
        organization=company.org, title="Sales grows", owner=company.leader,
        period=company.quarter, scope_unit=company.sales,
    )  # fmt: skip
    team_kr = key_result_create(
        objective=team, title="Grow revenue from 1 to 2", start=Decimal(1), target=Decimal(2)
    )

    signed_in(company.member).post(
        "/objectives/new/",
        {
            "title": "My share", "period": company.quarter.pk, "scope_unit": "",
            "owner": company.member.pk, "result_area": "",
            "aligns_to": f"key_result:{team_kr.pk}", "visibility": "public",
        },
    )  # fmt: skip

    child = Objective.objects.get(title="My share")
    assert Alignment.objects.get(child=child).parent_key_result == team_kr
