"""A member signs in and checks in on several key results with one submit, keyboard only."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from tests.browser.conftest import sign_in
from tests.conftest import build_company

from headway.checkins.models import CheckIn
from headway.goals.services import key_result_create, objective_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_member_checks_in_on_three_key_results_in_one_submit(page: Any, live_server: Any) -> None:
    # given
    company = build_company("acme")
    objective = objective_create(
        organization=company.org, title="Delight customers", owner=company.member,
        period=company.quarter,
    )  # fmt: skip
    titles = ["Raise NPS from 40 to 60", "Raise CSAT from 70 to 90", "Cut backlog from 90 to 30"]
    krs = [
        key_result_create(
            objective=objective, title=titles[0], start=Decimal(40), target=Decimal(60)
        ),
        key_result_create(
            objective=objective, title=titles[1], start=Decimal(70), target=Decimal(90)
        ),
        key_result_create(
            objective=objective, title=titles[2], start=Decimal(90), target=Decimal(30)
        ),
    ]
    sign_in(page, live_server, company.member.user.username, "pw-for-tests-only")
    assert "Check in on 3 key results" in page.content()

    # when: one page load, then the keyboard only
    page.get_by_role("link", name="Check in on 3 key results").click()
    page.wait_for_url(f"{live_server.url}/check-in/")
    page.focus("#id_form-0-value")
    for value, confidence in (("50", "7"), ("75", "6"), ("60", "8")):
        page.keyboard.type(value)
        page.keyboard.press("Tab")
        page.keyboard.type(confidence)
        page.keyboard.press("Tab")  # status
        page.keyboard.press("Tab")  # note
        page.keyboard.press("Tab")  # next row's value
    page.focus("#id_form-2-note")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")

    # then
    assert "Recorded 3 check-ins." in page.content()
    assert CheckIn.objects.filter(author=company.member).count() == 3
    progress = []
    for kr in krs:
        kr.refresh_from_db()
        progress.append(kr.progress)
    assert progress == [Decimal("0.5"), Decimal("0.25"), Decimal("0.5")]
