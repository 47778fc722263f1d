"""The REST API: tokens, personas, tenants, writes through the services, versions, errors."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from tests.conftest import Company, health_checked, signed_in

from headway.api.models import ApiToken
from headway.api.services import token_create, token_revoke
from headway.checkins.models import CheckIn
from headway.goals.models import KeyResult, Objective
from headway.goals.services import key_result_create, objective_create
from headway.indicators.models import Measurement
from headway.indicators.services import indicator_create, target_set
from headway.org.models import Person

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]


def api(person: Person) -> Client:
    """A client that authenticates with the person's personal token, as a script would."""
    _, secret = token_create(person=person, name="tests")
    return Client(headers={"Authorization": f"Bearer {secret}"})


def body(response: Any) -> Any:
    return response.json()


@pytest.fixture
def objective(company: Company) -> Objective:
    return objective_create(
        organization=company.org, title="Win the Nordics", owner=company.member,
        period=company.quarter, scope_person=company.member,
    )  # fmt: skip


@pytest.fixture
def private(company: Company) -> Objective:
    return objective_create(
        organization=company.org, title="Secret turnaround", owner=company.member,
        period=company.quarter, scope_person=company.member, visibility="private",
    )  # fmt: skip


@pytest.fixture
def key_result(objective: Objective) -> KeyResult:
    return key_result_create(
        objective=objective, title="Grow pipeline from 10 to 30 deals",
        start=Decimal(10), target=Decimal(30),
    )  # fmt: skip


# -- tokens -----------------------------------------------------------------------------------
def test_a_token_is_shown_once_and_kept_only_as_a_digest(company: Company) -> None:
    token, secret = token_create(person=company.member, name="CRM sync")

    stored = ApiToken.objects.get(pk=token.pk)
    assert secret.startswith(f"hw_{stored.prefix}_")
    assert secret not in (stored.digest, stored.prefix)
    assert len(stored.digest) == 64


def test_without_credentials_the_api_answers_401_in_json(company: Company) -> None:
    response = Client().get("/api/v1/objectives/")

    assert response.status_code == 401
    assert "token" in body(response)["message"]


@pytest.mark.parametrize("header", ["Bearer hw_nope_nope", "Bearer garbage", "Token hw_x_y"])
def test_a_wrong_token_answers_401(company: Company, header: str) -> None:
    response = Client(headers={"Authorization": header}).get("/api/v1/me/")

    assert response.status_code == 401
    assert body(response)["message"] == "Invalid or revoked token."


def test_a_revoked_token_stops_working_at_once(company: Company) -> None:
    token, secret = token_create(person=company.member, name="old")
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    assert client.get("/api/v1/me/").status_code == 200

    token_revoke(token=token, actor=company.member)

    assert client.get("/api/v1/me/").status_code == 401


def test_a_token_of_someone_who_left_stops_working(company: Company) -> None:
    client = api(company.member)
    Person.objects.filter(pk=company.member.pk).update(active=False)

    assert client.get("/api/v1/me/").status_code == 401


def test_the_session_works_too(company: Company) -> None:
    response = signed_in(company.member).get("/api/v1/me/")

    assert body(response)["email"] == company.member.email


def test_tokens_are_made_and_revoked_from_the_profile_page(company: Company) -> None:
    client = signed_in(company.member)

    made = client.post("/profile/", {"action": "create", "name": "CRM sync"})
    secret = made.content.decode().split('readonly value="')[1].split('"')[0]
    token = ApiToken.objects.get(person=company.member)
    again = client.get("/profile/")
    assert secret.startswith("hw_")
    assert secret not in again.content.decode()
    assert b"Leo Leader" in again.content

    client.post("/profile/", {"action": "revoke", "token": token.pk})
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_nobody_revokes_another_persons_token(company: Company) -> None:
    token, _ = token_create(person=company.colleague, name="theirs")

    response = signed_in(company.member).post("/profile/", {"action": "revoke", "token": token.pk})

    token.refresh_from_db()
    assert response.status_code == 404
    assert token.revoked_at is None


# -- who sees what ----------------------------------------------------------------------------
def test_private_objectives_are_listed_only_to_those_who_may_see_them(
    company: Company, objective: Objective, private: Objective
) -> None:
    def titles(person: Person) -> set[str]:
        return {o["title"] for o in body(api(person).get("/api/v1/objectives/"))["results"]}

    assert titles(company.member) == {"Win the Nordics", "Secret turnaround"}
    assert titles(company.leader) == {"Win the Nordics", "Secret turnaround"}
    assert titles(company.colleague) == {"Win the Nordics"}
    assert api(company.colleague).get(f"/api/v1/objectives/{private.pk}/").status_code == 404


def test_another_tenants_ids_answer_404(
    company: Company, other_company: Company, objective: Objective, key_result: KeyResult
) -> None:
    client = api(other_company.admin)

    for url in (
        f"/api/v1/objectives/{objective.pk}/", f"/api/v1/key-results/{key_result.pk}/",
        f"/api/v1/people/{company.member.pk}/", f"/api/v1/units/{company.sales.pk}/",
    ):  # fmt: skip
        assert client.get(url).status_code == 404
        assert client.patch(url, {}, content_type="application/json").status_code in (404, 405)
        assert client.delete(url).status_code in (404, 405)
    assert body(client.get("/api/v1/objectives/"))["results"] == []


def test_another_tenants_id_in_a_body_is_refused(
    company: Company, other_company: Company, key_result: KeyResult
) -> None:
    response = api(other_company.admin).post(
        "/api/v1/check-ins/", {"key_result": key_result.pk, "value": "12"},
        content_type="application/json",
    )  # fmt: skip

    assert response.status_code == 400
    assert body(response)["field"] == "key_result"
    assert not CheckIn.objects.exists()


def test_a_viewer_reads_but_every_write_is_403(company: Company, key_result: KeyResult) -> None:
    client = api(company.viewer)

    assert client.get("/api/v1/key-results/").status_code == 200
    response = client.post(
        "/api/v1/check-ins/", {"key_result": key_result.pk, "value": "12"},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 403
    assert "Viewers read only" in body(response)["message"]


# -- pushing data in: one small POST ----------------------------------------------------------
def test_a_check_in_is_one_post_and_rolls_up(company: Company, key_result: KeyResult) -> None:
    response = api(company.member).post(
        "/api/v1/check-ins/", {"key_result": key_result.pk, "value": "20", "confidence": 7},
        content_type="application/json",
    )  # fmt: skip

    key_result.refresh_from_db()
    assert response.status_code == 201
    assert body(response)["author"] == company.member.pk
    assert key_result.progress == Decimal("0.5")
    assert Objective.objects.get(pk=key_result.objective_id).progress == Decimal("0.5")


def test_a_check_in_reads_its_key_result_with_the_owners_the_access_checks_ask_about(
    company: Company, key_result: KeyResult
) -> None:
    client = api(company.member)
    client.get("/api/v1/check-ins/")  # the token's first use is written once, not measured

    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            "/api/v1/check-ins/", {"key_result": key_result.pk, "value": "20", "confidence": 7},
            content_type="application/json",
        )  # fmt: skip

    assert response.status_code == 201
    before_writing = [q["sql"] for q in queries.captured_queries]
    before_writing = before_writing[: next(
        i for i, sql in enumerate(before_writing) if sql.startswith("INSERT")
    )]  # fmt: skip
    people = [sql for sql in before_writing if sql.startswith('SELECT "org_person"')]
    assert people == []  # the token's person and both owners came with their rows


def test_a_check_in_by_someone_who_may_not_is_403(company: Company, key_result: KeyResult) -> None:
    response = api(company.colleague).post(
        "/api/v1/check-ins/", {"key_result": key_result.pk, "value": "20"},
        content_type="application/json",
    )  # fmt: skip

    assert response.status_code == 403


def test_a_refused_check_in_names_the_field(company: Company, key_result: KeyResult) -> None:
    response = api(company.member).post(
        "/api/v1/check-ins/", {"key_result": key_result.pk, "confidence": 14},
        content_type="application/json",
    )  # fmt: skip

    assert response.status_code == 400
    assert body(response)["field"] == "confidence"


def test_a_kpi_measurement_is_one_post_and_replaces_a_value_for_the_same_day(
    company: Company,
) -> None:
    kpi = indicator_create(organization=company.org, name="NPS", owner=company.leader)
    client = api(company.leader)
    url = f"/api/v1/indicators/{kpi.pk}/measurements/"

    first = client.post(url, {"date": "2026-11-14", "value": "41"}, content_type="application/json")
    second = client.post(
        url, {"date": "2026-11-14", "value": "43"}, content_type="application/json"
    )

    assert (first.status_code, second.status_code) == (201, 201)
    measurement = Measurement.objects.get(indicator=kpi)
    assert (measurement.value, measurement.source) == (Decimal(43), "api")
    assert body(client.get(url))["results"][0]["value"] == "43.000000"
    assert api(company.member).post(url, {"date": "2026-11-14", "value": "1"}).status_code == 403


def test_a_kpi_target_is_set_per_period(company: Company) -> None:
    kpi = indicator_create(organization=company.org, name="NPS", owner=company.leader)

    response = api(company.leader).put(
        f"/api/v1/indicators/{kpi.pk}/targets/", {"period": company.quarter.pk, "value": "45"},
        content_type="application/json",
    )  # fmt: skip

    assert response.status_code == 200
    detail = body(api(company.leader).get(f"/api/v1/indicators/{kpi.pk}/"))
    assert detail["targets"][0]["value"] == "45.000000"


def test_threshold_contradictions_are_400_with_the_field(company: Company) -> None:
    kpi = indicator_create(organization=company.org, name="NPS", owner=company.leader)
    target_set(indicator=kpi, period=company.quarter, value=Decimal(45))

    response = api(company.leader).patch(
        f"/api/v1/indicators/{kpi.pk}/", {"red_below": "50"}, content_type="application/json"
    )

    assert response.status_code == 400
    assert body(response)["field"] == "red_below"


# -- creating and updating goals --------------------------------------------------------------
def test_a_member_creates_an_objective_and_a_key_result(company: Company) -> None:
    client = api(company.member)

    made = client.post(
        "/api/v1/objectives/",
        {"title": "Delight customers", "period": company.quarter.pk,
         "scope_person": company.member.pk},
        content_type="application/json",
    )  # fmt: skip
    kr = client.post(
        "/api/v1/key-results/",
        {"objective": body(made)["id"], "title": "Reduce churn from 8% to 5%",
         "start": "8", "target": "5", "kind": "percent"},
        content_type="application/json",
    )  # fmt: skip

    assert made.status_code == 201
    assert kr.status_code == 201
    assert body(kr)["direction"] == "decrease"  # inferred: the target is below the start
    assert body(made)["owner"] == company.member.pk


def test_a_member_may_not_create_in_someone_elses_scope(company: Company) -> None:
    response = api(company.member).post(
        "/api/v1/objectives/", {"title": "Theirs", "scope_person": company.colleague.pk},
        content_type="application/json",
    )  # fmt: skip

    assert response.status_code == 403
    assert not Objective.objects.filter(title="Theirs").exists()


def test_an_update_without_the_version_is_428(company: Company, key_result: KeyResult) -> None:
    response = api(company.member).patch(
        f"/api/v1/key-results/{key_result.pk}/", {"target": "40"}, content_type="application/json"
    )

    assert response.status_code == 428
    assert "If-Match" in body(response)["message"]


def test_the_second_of_two_updates_from_the_same_version_gets_409_and_the_current_state(
    company: Company, key_result: KeyResult
) -> None:
    # given two people who read the same version
    member, leader = api(company.member), api(company.leader)
    etag = member.get(f"/api/v1/key-results/{key_result.pk}/")["ETag"]
    assert leader.get(f"/api/v1/key-results/{key_result.pk}/")["ETag"] == etag

    # when both send a change based on it
    first = member.patch(
        f"/api/v1/key-results/{key_result.pk}/", {"target": "40"},
        content_type="application/json", headers={"If-Match": etag},
    )  # fmt: skip
    second = leader.patch(
        f"/api/v1/key-results/{key_result.pk}/", {"target": "50"},
        content_type="application/json", headers={"If-Match": etag},
    )  # fmt: skip

    # then the first wins, the second is told and sees the first's change
    key_result.refresh_from_db()
    assert first.status_code == 200
    assert second.status_code == 409
    assert body(second)["current"]["target"] == "40.000000"
    assert body(second)["field"] == "version"
    assert key_result.target == Decimal(40)
    retry = leader.patch(
        f"/api/v1/key-results/{key_result.pk}/", {"target": "50"},
        content_type="application/json", headers={"If-Match": second["ETag"]},
    )  # fmt: skip
    assert retry.status_code == 200


def test_the_version_may_travel_in_the_body(company: Company, objective: Objective) -> None:
    client = api(company.member)
    version = body(client.get(f"/api/v1/objectives/{objective.pk}/"))["version"]

    response = client.patch(
        f"/api/v1/objectives/{objective.pk}/", {"title": "Win the Nordics and the Baltics",
                                                "version": version},
        content_type="application/json",
    )  # fmt: skip

    assert response.status_code == 200
    assert body(response)["title"] == "Win the Nordics and the Baltics"


def test_the_scope_of_an_objective_cannot_be_moved_by_update(
    company: Company, objective: Objective
) -> None:
    client = api(company.member)
    etag = client.get(f"/api/v1/objectives/{objective.pk}/")["ETag"]

    client.patch(
        f"/api/v1/objectives/{objective.pk}/", {"scope_person": company.colleague.pk},
        content_type="application/json", headers={"If-Match": etag},
    )  # fmt: skip

    objective.refresh_from_db()
    assert objective.scope_person == company.member


def test_alignments_link_and_unlink(company: Company, objective: Objective) -> None:
    team = objective_create(
        organization=company.org, title="Sales grows", owner=company.leader,
        period=company.quarter, scope_unit=company.sales,
    )  # fmt: skip
    client = api(company.member)

    made = client.post(
        "/api/v1/alignments/", {"child": objective.pk, "parent_objective": team.pk},
        content_type="application/json",
    )  # fmt: skip
    cycle = api(company.leader).post(
        "/api/v1/alignments/", {"child": team.pk, "parent_objective": objective.pk},
        content_type="application/json",
    )  # fmt: skip
    gone = client.delete(f"/api/v1/alignments/{body(made)['id']}/")

    assert made.status_code == 201
    assert cycle.status_code == 400
    assert "cycle" in body(cycle)["message"]
    assert gone.status_code == 204


# -- lists, filters, reads --------------------------------------------------------------------
def test_lists_filter_by_status_period_owner_and_updated_since(
    company: Company, objective: Objective, key_result: KeyResult
) -> None:
    client = api(company.admin)
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat()

    assert body(client.get("/api/v1/key-results/", {"period": company.quarter.pk}))["count"] == 1
    assert body(client.get("/api/v1/key-results/", {"owner": company.leader.pk}))["count"] == 0
    key_result.refresh_from_db()
    other = "on_track" if key_result.status != "on_track" else "off_track"
    assert body(client.get("/api/v1/key-results/", {"status": key_result.status}))["count"] == 1
    assert body(client.get("/api/v1/key-results/", {"status": other}))["count"] == 0
    assert body(client.get("/api/v1/objectives/", {"updated_since": later}))["count"] == 0
    bad = client.get("/api/v1/objectives/", {"status": "purple"})
    assert bad.status_code == 400
    assert body(bad)["field"] == "status"


def test_lists_are_paginated_and_ordered(company: Company) -> None:
    for n in range(7):
        objective_create(
            organization=company.org, title=f"Aim {n}", owner=company.admin, period=company.quarter
        )

    page = body(api(company.admin).get("/api/v1/objectives/", {"page_size": 3,
                                                                "ordering": "-title"}))  # fmt: skip

    assert page["count"] == 7
    assert [o["title"] for o in page["results"]] == ["Aim 6", "Aim 5", "Aim 4"]
    assert page["next"]


def test_the_list_makes_a_bounded_number_of_queries(
    company: Company, django_assert_max_num_queries: Any
) -> None:
    client = api(company.member)
    for n in range(30):
        objective = objective_create(
            organization=company.org, title=f"Aim {n}", owner=company.member,
            period=company.quarter,
        )  # fmt: skip
        key_result_create(
            objective=objective, title=f"Grow {n} from 1 to 2", start=Decimal(1), target=Decimal(2)
        )
    with django_assert_max_num_queries(10):
        client.get("/api/v1/key-results/", {"page_size": 100})


def test_health_and_scorecard_reads(company: Company, objective: Objective) -> None:
    client = api(company.member)
    health_checked(company.org)

    health = client.get("/api/v1/health/")
    card = client.get("/api/v1/scorecard/", {"unit": company.sales.pk})
    bad = client.get("/api/v1/scorecard/", {"unit": "x"})

    assert health.status_code == 200
    assert set(body(health)) == {
        "score", "checked_at", "series_checked_at", "pending", "count", "next", "previous",
        "findings",
    }  # fmt: skip
    assert body(health)["checked_at"] is not None
    assert body(health)["pending"] is False
    assert card.status_code == 200
    assert body(card)["scope"] == f"unit:{company.sales.pk}"
    assert bad.status_code == 400


def test_health_before_the_first_check_is_empty_and_pending(company: Company) -> None:
    got = body(api(company.member).get("/api/v1/health/"))

    assert got["checked_at"] is None
    assert got["pending"] is True
    assert (got["count"], got["findings"], got["score"]) == (0, [], None)


def test_health_pages_through_one_rules_findings(company: Company) -> None:
    for n in range(7):
        objective_create(
            organization=company.org, title=f"Aim {n}", owner=None, period=company.quarter
        )
    health_checked(company.org)
    client = api(company.member)

    first = body(client.get("/api/v1/health/", {"rule": "HW003", "page_size": 5}))
    second = body(client.get(first["next"]))
    beyond = client.get("/api/v1/health/", {"rule": "HW003", "page_size": 5, "page": 9})

    assert first["count"] == 7
    assert [f["code"] for f in first["findings"]] == ["HW003"] * 5
    assert len(second["findings"]) == 2
    assert second["next"] is None
    assert {f["url"] for f in first["findings"]} <= {
        f"/objectives/{pk}/" for pk in Objective.objects.values_list("pk", flat=True)
    }
    assert beyond.status_code == 404


def test_health_never_names_a_private_objective_to_others(
    company: Company, private: Objective
) -> None:
    health_checked(company.org)
    mine = body(api(company.member).get("/api/v1/health/"))["findings"]
    findings = body(api(company.colleague).get("/api/v1/health/"))["findings"]

    assert any(f["object"] == f"objective:{private.key}" for f in mine)  # there is one to hide
    assert all("Secret turnaround" not in f["message"] for f in findings)
    assert all(f["object"] != f"objective:{private.key}" for f in findings)


def test_health_of_another_tenants_unit_answers_404(
    company: Company, other_company: Company
) -> None:
    response = api(company.member).get("/api/v1/health/", {"unit": other_company.sales.pk})

    assert response.status_code == 404


def test_the_schema_and_the_docs_are_served(company: Company) -> None:
    schema = api(company.member).get("/api/v1/schema/", {"format": "json"})
    docs = signed_in(company.member).get("/api/v1/docs/")

    assert schema.status_code == 200
    assert "/api/v1/check-ins/" in body(schema)["paths"]
    assert docs.status_code == 200


def test_an_address_outside_the_routes_answers_json_too(company: Company) -> None:
    response = api(company.member).get("/api/v1/objectives/not.a.number/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "schema" in body(response)["message"]
