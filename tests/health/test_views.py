"""The health page through the client: grouped findings, the scope filter, nothing leaked."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from django.test import Client
from tests.conftest import TODAY, Company, signed_in

from headway.goals.services import objective_create
from headway.health.selectors import organization_findings

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]


def test_the_health_page_asks_a_stranger_to_sign_in(client: Client) -> None:
    response = client.get("/health/")

    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/?next=/health/")


def test_groups_and_counts_match_the_findings(company: Company) -> None:
    objective_create(
        organization=company.org, title="Grow the EMEA pipeline", owner=None,
        period=company.quarter, scope_unit=company.emea,
    )  # fmt: skip
    findings, _ = organization_findings(company.org, today=TODAY)
    counts = Counter(f.code for f in findings)

    response = signed_in(company.admin).get("/health/")

    assert response.status_code == 200
    groups = {g.code: g.count for g in response.context["groups"]}
    assert groups == dict(counts)
    assert "HW002" in groups
    content = response.content.decode()
    assert "kr-count" in content
    assert "Grow the EMEA pipeline" in content
    assert "Error" in content or "Warning" in content
    assert "/objectives/" in content
    assert "Health score" in content


def test_the_scope_filter_keeps_only_that_units_findings(company: Company) -> None:
    objective_create(
        organization=company.org, title="EMEA goal", owner=None, period=company.quarter,
        scope_unit=company.emea,
    )  # fmt: skip
    objective_create(
        organization=company.org, title="Support goal", owner=None, period=company.quarter,
        scope_unit=company.support,
    )  # fmt: skip
    client = signed_in(company.admin)

    content = client.get("/health/?scope=unit:Support").content.decode()

    assert "Support goal" in content
    assert "EMEA goal" not in content


def test_a_private_objectives_title_never_reaches_a_colleague(company: Company) -> None:
    objective_create(
        organization=company.org, title="Secret plan", owner=company.member,
        period=company.quarter, scope_person=company.member, visibility="private",
    )  # fmt: skip

    assert "Secret plan" not in signed_in(company.colleague).get("/health/").content.decode()
    assert "Secret plan" in signed_in(company.member).get("/health/").content.decode()
    assert "Secret plan" in signed_in(company.leader).get("/health/").content.decode()


def test_each_persona_sees_their_own_organization(company: Company, other_company: Company) -> None:
    objective_create(organization=other_company.org, title="Theirs", owner=None, period=None)
    for person in (company.admin, company.hr, company.leader, company.member, company.viewer):
        response = signed_in(person).get("/health/")
        assert response.status_code == 200
        assert "Theirs" not in response.content.decode()
    assert "Theirs" in signed_in(other_company.member).get("/health/").content.decode()


def test_the_health_page_costs_the_same_for_more_objectives(
    company: Company, django_assert_max_num_queries: Any
) -> None:
    def add(count: int) -> None:
        for i in range(count):
            objective_create(
                organization=company.org, title=f"Objective {i}", owner=None,
                period=company.quarter, scope_unit=company.emea, key=f"o-{count}-{i}",
            )  # fmt: skip

    client = signed_in(company.leader)
    add(3)
    client.get("/health/")
    with django_assert_max_num_queries(40) as small:
        client.get("/health/")
    add(12)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert "Objective 11" in client.get("/health/").content.decode()
