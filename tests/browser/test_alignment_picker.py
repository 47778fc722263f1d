"""The alignment picker in a real browser: type part of a title, pick the match, save."""

from __future__ import annotations

from typing import Any

import pytest
from tests.browser.conftest import sign_in
from tests.conftest import build_company

from headway.goals.models import Alignment, Objective
from headway.goals.services import objective_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_member_aligns_a_new_objective_by_typing_the_units_objective(
    page: Any, live_server: Any
) -> None:
    company = build_company("acme")
    for n in range(12):  # more than the picker suggests before anything is typed
        objective_create(
            organization=company.org, title=f"Another aim {n}", owner=company.leader,
            period=company.quarter, scope_unit=company.sales,
        )  # fmt: skip
    team = objective_create(
        organization=company.org, title="Sales wins the Nordics", owner=company.leader,
        period=company.quarter, scope_unit=company.sales,
    )  # fmt: skip
    sign_in(page, live_server, company.member.user.username, "pw-for-tests-only")

    page.goto(f"{live_server.url}/objectives/new/")
    page.fill("#id_title", "Close my top ten Nordic accounts")
    page.focus("#id_aligns_to")
    page.keyboard.type("nordics")
    options = page.locator("#id_aligns_to-options")
    options.get_by_text("Sales wins the Nordics").wait_for()
    assert "Another aim" not in options.inner_text()
    page.keyboard.press("Enter")  # picks the first match, does not submit
    assert page.url == f"{live_server.url}/objectives/new/"
    assert options.locator("input:checked").get_attribute("value") == f"objective:{team.pk}"
    with page.expect_navigation():
        page.get_by_role("button", name="Create the objective").click()

    created = Objective.objects.get(title="Close my top ten Nordic accounts")
    assert Alignment.objects.get(child=created).parent_objective == team
