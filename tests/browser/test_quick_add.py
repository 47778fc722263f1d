"""Quick add in a real browser: type a sentence, see what Headway read, save it."""

from __future__ import annotations

from typing import Any

import pytest
from tests.browser.conftest import sign_in
from tests.conftest import build_company

from headway.goals.models import KeyResult
from headway.goals.services import objective_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_quick_add_previews_the_numbers_and_saves_the_key_result(
    page: Any, live_server: Any
) -> None:
    company = build_company("acme")
    objective = objective_create(
        organization=company.org, title="Delight customers", owner=company.member,
        period=company.quarter,
    )  # fmt: skip
    sign_in(page, live_server, company.member.user.username, "pw-for-tests-only")

    page.goto(f"{live_server.url}/objectives/{objective.pk}/")
    page.focus("#id_title")
    page.keyboard.type("Improve average support response time from 2 hours to 30 minutes")
    preview = page.locator("#kr-preview")
    preview.get_by_text("120 minutes").wait_for()
    assert "Decrease" in preview.inner_text()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.get_by_text("Added “Improve average support response time").wait_for()

    assert page.url == f"{live_server.url}/objectives/{objective.pk}/"
    kr = KeyResult.objects.get(objective=objective)
    assert (kr.direction, kr.start, kr.target, kr.unit_label) == ("decrease", 120, 30, "minutes")
