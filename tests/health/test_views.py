"""The health page through the client: the stored findings grouped, when they were checked,
the scope filter, one rule page by page, "check now", and nothing leaked."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from tests.conftest import DATABASE_TASKS, TODAY, Company, health_checked, signed_in

from headway.goals.services import objective_create
from headway.health.models import HealthFinding, HealthState
from headway.health.selectors import organization_findings
from headway.health.views import GROUP_ROWS, PAGE_ROWS

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]


def ownerless(company: Company, count: int, *, prefix: str = "o") -> None:
    """Objectives with no owner and no key result: each breaks HW002 and HW003."""
    for i in range(count):
        objective_create(
            organization=company.org, title=f"Objective {prefix}{i}", owner=None,
            period=company.quarter, scope_unit=company.emea, key=f"{prefix}-{i}",
        )  # fmt: skip


def test_the_health_page_asks_a_stranger_to_sign_in(client: Client) -> None:
    response = client.get("/health/")

    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/?next=/health/")


def test_groups_and_counts_match_the_findings(company: Company) -> None:
    objective_create(
        organization=company.org, title="Grow the EMEA pipeline", owner=None,
        period=company.quarter, scope_unit=company.emea,
    )  # fmt: skip
    findings, score = organization_findings(company.org, today=TODAY)
    health_checked(company.org)

    response = signed_in(company.admin).get("/health/")

    assert response.status_code == 200
    groups = {g.code: g.count for g in response.context["groups"]}
    assert groups == dict(Counter(f.code for f in findings))
    assert "HW002" in groups
    assert response.context["score"] == pytest.approx(float(score))  # type: ignore[arg-type]
    content = response.content.decode()
    assert "kr-count" in content
    assert "Grow the EMEA pipeline" in content
    assert "Error" in content or "Warning" in content
    assert "/objectives/" in content
    assert "Health score" in content
    assert "Checked" in content


def test_before_the_first_check_the_page_says_so_and_waits(company: Company, settings: Any) -> None:
    settings.TASKS = DATABASE_TASKS  # a worker runs the checks
    ownerless(company, 1)  # the test's writes never commit: nothing queued a check

    content = signed_in(company.admin).get("/health/").content.decode()

    assert "Not checked yet" in content
    assert "No findings to show until the first check." in content
    assert 'hx-trigger="every 5s"' in content  # it polls until the check is done
    assert "Check now" in content


def test_the_page_shows_what_was_checked_until_the_next_check(
    company: Company, settings: Any
) -> None:
    settings.TASKS = DATABASE_TASKS  # a worker runs the checks
    ownerless(company, 1, prefix="before")
    health_checked(company.org)
    ownerless(company, 1, prefix="after")
    HealthState.objects.filter(organization=company.org).update(stale_since=timezone.now())
    client = signed_in(company.admin)

    waiting = client.get("/health/").content.decode()
    health_checked(company.org)
    checked = client.get("/health/").content.decode()

    assert "Objective before0" in waiting
    assert "Objective after0" not in waiting
    assert "Changes made since are being checked" in waiting
    assert 'hx-trigger="every 5s"' in waiting
    assert "Objective after0" in checked
    assert "Changes made since" not in checked
    assert 'hx-trigger="every 5s"' not in checked


def test_the_poll_reloads_the_page_once_the_check_is_done(company: Company) -> None:
    HealthState.objects.create(organization=company.org, stale_since=timezone.now())
    client = signed_in(company.admin)
    htmx = {"HTTP_HX_REQUEST": "true"}

    waiting = client.get("/health/?poll=1", **htmx)
    health_checked(company.org)
    done = client.get("/health/?poll=1", **htmx)

    assert waiting.status_code == 200
    assert "HX-Refresh" not in waiting
    assert 'id="health-state"' in waiting.content.decode()
    assert "<html" not in waiting.content.decode()
    assert done["HX-Refresh"] == "true"


def test_without_a_worker_changes_wait_for_check_now(company: Company) -> None:
    ownerless(company, 1, prefix="before")
    health_checked(company.org)
    ownerless(company, 1, prefix="after")
    HealthState.objects.filter(organization=company.org).update(stale_since=timezone.now())

    content = signed_in(company.admin).get("/health/").content.decode()

    assert "Changes made since are not checked yet: press “Check now”" in content
    assert 'hx-trigger="every 5s"' not in content  # nothing would ever answer the poll


def test_check_now_runs_a_check_that_the_page_then_shows(company: Company) -> None:
    ownerless(company, 1)
    client = signed_in(company.member)

    response = client.post("/health/check/")  # no worker in the tests: it runs at once

    assert response.status_code == 302
    assert response["Location"] == "/health/"
    state = HealthState.objects.get(organization=company.org)
    assert state.checked_at is not None
    assert not state.pending
    assert "Objective o0" in client.get("/health/").content.decode()


def test_check_now_takes_only_posts_from_people_signed_in(client: Client, company: Company) -> None:
    assert signed_in(company.member).get("/health/check/").status_code == 405
    assert client.post("/health/check/").status_code == 302
    assert not HealthState.objects.filter(organization=company.org).exists()


def test_the_scope_filter_keeps_only_that_units_findings(company: Company) -> None:
    objective_create(
        organization=company.org, title="EMEA goal", owner=None, period=company.quarter,
        scope_unit=company.emea,
    )  # fmt: skip
    objective_create(
        organization=company.org, title="Support goal", owner=None, period=company.quarter,
        scope_unit=company.support,
    )  # fmt: skip
    health_checked(company.org)
    client = signed_in(company.admin)

    content = client.get(f"/health/?unit={company.support.pk}").content.decode()

    assert "Support goal" in content
    assert "EMEA goal" not in content


def test_another_tenants_unit_is_refused_and_every_finding_shown(
    company: Company, other_company: Company
) -> None:
    ownerless(company, 1)
    health_checked(company.org)

    response = signed_in(company.admin).get(f"/health/?unit={other_company.sales.pk}")

    assert response.status_code == 200
    content = response.content.decode()
    assert "not yours to pick" in content
    assert "Objective o0" in content


def test_a_rule_with_many_findings_shows_the_first_and_pages_through_all(
    company: Company,
) -> None:
    ownerless(company, PAGE_ROWS + 5)
    health_checked(company.org)
    client = signed_in(company.admin)

    overview = client.get("/health/")
    first = client.get("/health/?rule=HW003")
    second = client.get("/health/?rule=HW003&page=2")

    group = next(g for g in overview.context["groups"] if g.code == "HW003")
    assert (group.count, len(group.rows), group.more) == (
        PAGE_ROWS + 5, GROUP_ROWS, PAGE_ROWS + 5 - GROUP_ROWS,
    )  # fmt: skip
    assert f"Show all {PAGE_ROWS + 5} findings of HW003" in overview.content.decode()
    assert [g.code for g in first.context["groups"]] == ["HW003"]
    assert len(first.context["groups"][0].rows) == PAGE_ROWS
    assert len(second.context["groups"][0].rows) == 5
    assert "Page 2 of 2" in second.content.decode()
    assert "Every rule" in second.content.decode()


def test_a_private_objectives_title_never_reaches_a_colleague(company: Company) -> None:
    objective_create(
        organization=company.org, title="Secret plan", owner=company.member,
        period=company.quarter, scope_person=company.member, visibility="private",
    )  # fmt: skip
    health_checked(company.org)

    assert "Secret plan" not in signed_in(company.colleague).get("/health/").content.decode()
    assert "Secret plan" in signed_in(company.member).get("/health/").content.decode()
    assert "Secret plan" in signed_in(company.leader).get("/health/").content.decode()
    counts = signed_in(company.colleague).get("/health/").context["groups"]
    assert sum(g.count for g in counts) < HealthFinding.objects.count()  # counts leak nothing


def test_each_persona_sees_their_own_organization(company: Company, other_company: Company) -> None:
    objective_create(organization=other_company.org, title="Theirs", owner=None, period=None)
    health_checked(company.org)
    health_checked(other_company.org)
    for person in (company.admin, company.hr, company.leader, company.member, company.viewer):
        response = signed_in(person).get("/health/")
        assert response.status_code == 200
        assert "Theirs" not in response.content.decode()
    assert "Theirs" in signed_in(other_company.member).get("/health/").content.decode()


def test_the_health_page_costs_the_same_for_more_objectives(
    company: Company, django_assert_max_num_queries: Any
) -> None:
    client = signed_in(company.leader)
    ownerless(company, 3, prefix="a")
    health_checked(company.org)
    client.get("/health/")
    with django_assert_max_num_queries(40) as small:
        client.get("/health/")
    ownerless(company, 12, prefix="b")
    health_checked(company.org)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert "Objective b11" in client.get("/health/").content.decode()


def test_the_page_never_runs_the_checks(company: Company, monkeypatch: pytest.MonkeyPatch) -> None:
    ownerless(company, 2)
    health_checked(company.org)

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a page ran the health checks")

    monkeypatch.setattr("headway.health.services.run_checks", refuse)
    monkeypatch.setattr("headway.health.selectors.run_checks", refuse)
    monkeypatch.setattr("headway.health.services.organization_goals", refuse)
    monkeypatch.setattr("headway.health.selectors.organization_goals", refuse)

    assert signed_in(company.admin).get("/health/").status_code == 200


def test_the_check_time_is_shown_in_the_page(company: Company) -> None:
    state = health_checked(company.org)
    state.checked_at = dt.datetime(2026, 11, 15, 9, 30, tzinfo=dt.UTC)
    state.save()

    content = signed_in(company.admin).get("/health/").content.decode()

    assert "15 Nov 2026" in content
