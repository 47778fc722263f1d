"""Every endpoint × every persona: who reads what, who may write, another tenant's ids are 404."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from tests.conftest import Company

from headway.api.services import token_create
from headway.checkins.services import checkin_record
from headway.goals.services import (
    alignment_create,
    initiative_create,
    key_result_create,
    objective_create,
    result_area_create,
)
from headway.indicators.services import indicator_create
from headway.org.models import Person

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]
PERSONAS = ["admin", "hr", "leader", "member", "colleague", "outsider", "viewer"]


def api(person: Person) -> Client:
    _, secret = token_create(person=person, name="tests")
    return Client(headers={"Authorization": f"Bearer {secret}"})


@dataclass
class World:
    ids: dict[str, int]


def build(company: Company) -> World:
    kra = result_area_create(
        organization=company.org, name="Revenue", owner=company.leader, scope_unit=company.sales
    )
    kpi = indicator_create(
        organization=company.org, name="Win rate", owner=company.leader, scope_unit=company.sales
    )
    team = objective_create(
        organization=company.org, title="Sales grows", owner=company.leader,
        period=company.quarter, scope_unit=company.sales,
    )  # fmt: skip
    private = objective_create(
        organization=company.org, title="Quiet fix", owner=company.member,
        period=company.quarter, scope_person=company.member, visibility="private",
    )  # fmt: skip
    kr = key_result_create(
        objective=team, title="Grow deals from 1 to 9", start=Decimal(1), target=Decimal(9)
    )
    secret_kr = key_result_create(
        objective=private, title="Fix from 0 to 1", start=Decimal(0), target=Decimal(1)
    )
    check_in = checkin_record(key_result=kr, value=Decimal(3), author=company.leader)
    link = alignment_create(child=private, parent_objective=team)
    initiative = initiative_create(
        organization=company.org, title="Quiet project", owner=company.member,
        key_results=[secret_kr],
    )  # fmt: skip
    return World(
        {
            "kras": kra.pk, "indicators": kpi.pk, "objectives": team.pk, "private": private.pk,
            "key-results": kr.pk, "secret_kr": secret_kr.pk, "check-ins": check_in.pk,
            "alignments": link.pk, "initiatives": initiative.pk, "units": company.sales.pk,
            "people": company.member.pk, "periods": company.quarter.pk,
        }
    )  # fmt: skip


RESOURCES = [
    "units", "people", "periods", "kras", "indicators", "objectives", "key-results",
    "check-ins", "alignments", "initiatives",
]  # fmt: skip


@pytest.mark.parametrize("name", PERSONAS)
@pytest.mark.parametrize("resource", RESOURCES)
def test_every_persona_reads_lists_and_public_rows(
    company: Company, name: str, resource: str
) -> None:
    world = build(company)
    client = api(getattr(company, name))

    listed = client.get(f"/api/v1/{resource}/")
    detail = client.get(f"/api/v1/{resource}/{world.ids[resource]}/")

    seen_private = name in ("admin", "hr", "leader", "member")
    hidden = resource in ("alignments", "initiatives") and not seen_private  # touch the private
    assert listed.status_code == 200
    assert listed.json()["count"] == 0 if hidden else listed.json()["count"] >= 1
    assert detail.status_code == (404 if hidden else 200)


@pytest.mark.parametrize("name", PERSONAS)
def test_the_private_objective_and_its_key_result_per_persona(company: Company, name: str) -> None:
    world = build(company)
    client = api(getattr(company, name))
    expected = 200 if name in ("admin", "hr", "leader", "member") else 404

    assert client.get(f"/api/v1/objectives/{world.ids['private']}/").status_code == expected
    assert client.get(f"/api/v1/key-results/{world.ids['secret_kr']}/").status_code == expected
    titles = {o["title"] for o in client.get("/api/v1/objectives/").json()["results"]}
    assert ("Quiet fix" in titles) == (expected == 200)


@pytest.mark.parametrize("resource", RESOURCES)
def test_another_tenants_admin_gets_404_for_every_row(
    company: Company, other_company: Company, resource: str
) -> None:
    world = build(company)
    client = api(other_company.admin)

    assert client.get(f"/api/v1/{resource}/{world.ids[resource]}/").status_code == 404
    listed = client.get(f"/api/v1/{resource}/").json()["results"]
    assert world.ids[resource] not in {row["id"] for row in listed}


WRITES: list[tuple[str, str, Any]] = [
    ("post", "/api/v1/objectives/", lambda c, w: {"title": "X", "scope_person": c.viewer.pk}),
    ("post", "/api/v1/key-results/", lambda c, w: {"objective": w["objectives"], "title": "Y"}),
    ("post", "/api/v1/check-ins/", lambda c, w: {"key_result": w["key-results"], "value": "4"}),
    ("post", "/api/v1/kras/", lambda c, w: {"name": "Z", "scope_person": c.viewer.pk}),
    ("post", "/api/v1/indicators/", lambda c, w: {"name": "Z", "scope_person": c.viewer.pk}),
    ("post", "/api/v1/initiatives/", lambda c, w: {"title": "Z", "scope_person": c.viewer.pk}),
    ("post", "/api/v1/alignments/", lambda c, w: {"child": w["objectives"],
                                                  "parent_objective": w["objectives"]}),
    ("delete", "/api/v1/objectives/{objectives}/", None),
    ("delete", "/api/v1/key-results/{key-results}/", None),
]  # fmt: skip


@pytest.mark.parametrize(("method", "url", "data"), WRITES)
def test_a_viewer_is_refused_every_write(
    company: Company, method: str, url: str, data: Any
) -> None:
    world = build(company)
    client = api(company.viewer)

    response = getattr(client, method)(
        url.format(**world.ids),
        data(company, world.ids) if data else None,
        content_type="application/json",
    )

    assert response.status_code == 403


@pytest.mark.parametrize(("name", "status"), [
    ("leader", 200), ("admin", 200), ("member", 403), ("outsider", 403), ("hr", 403),
])  # fmt: skip
def test_who_may_change_a_units_kra(company: Company, name: str, status: int) -> None:
    world = build(company)

    response = api(getattr(company, name)).patch(
        f"/api/v1/kras/{world.ids['kras']}/", {"weight": "40"}, content_type="application/json"
    )

    assert response.status_code == status


def test_an_initiative_serving_a_private_key_result_needs_to_see_it(company: Company) -> None:
    world = build(company)

    refused = api(company.colleague).post(
        "/api/v1/initiatives/", {"title": "Snoop", "key_results": [world.ids["secret_kr"]],
                                 "scope_person": company.colleague.pk},
        content_type="application/json",
    )  # fmt: skip
    made = api(company.member).post(
        "/api/v1/initiatives/", {"title": "Help", "key_results": [world.ids["secret_kr"]]},
        content_type="application/json",
    )  # fmt: skip

    assert refused.status_code == 400
    assert refused.json()["field"] == "key_results"
    assert made.status_code == 201
    assert made.json()["key_results"] == [world.ids["secret_kr"]]
