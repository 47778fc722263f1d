"""Signing in and out, my week, and the error pages, through the Django client."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from tests.conftest import TODAY, Company, signed_in

from headway.checkins.services import checkin_record
from headway.goals.services import key_result_create, objective_create

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]


def test_my_week_asks_a_stranger_to_sign_in(client: Client) -> None:
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/?next=/")


def test_signing_in_and_out(client: Client, company: Company) -> None:
    page = client.get("/sign-in/")
    assert page.status_code == 200
    assert b"Forgot your password?" in page.content

    response = client.post(
        "/sign-in/", {"username": company.member.user.username, "password": "pw-for-tests-only"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200

    assert client.post("/sign-out/").status_code == 302
    assert client.get("/").status_code == 302


def test_a_wrong_password_says_so_and_stays(client: Client, company: Company) -> None:
    response = client.post("/sign-in/", {"username": company.member.user.username, "password": "x"})

    assert response.status_code == 200
    assert b"Please enter a correct" in response.content


def test_an_account_that_is_nobody_here_gets_a_clear_403(client: Client, db: None) -> None:
    client.force_login(User.objects.create_user("drifter", password="x"))

    response = client.get("/")

    assert response.status_code == 403
    assert b"not a member of any organization" in response.content


def test_password_reset_sends_a_link(client: Client, company: Company) -> None:
    company.member.user.email = company.member.email
    company.member.user.save()

    response = client.post("/password/reset/", {"email": company.member.email})

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/password/reset/" in mail.outbox[0].body


def test_my_week_shows_what_is_due_and_my_objectives_against_pace(company: Company) -> None:
    objective = objective_create(
        organization=company.org, title="Delight customers", owner=company.member,
        period=company.quarter,
    )  # fmt: skip
    key_result_create(objective=objective, title="Increase NPS from 45 to 60",
                            start=Decimal(45), target=Decimal(60))  # fmt: skip
    fresh = key_result_create(objective=objective, title="Reduce churn from 8 to 5",
                              start=Decimal(8), target=Decimal(5))  # fmt: skip
    checkin_record(key_result=fresh, value=Decimal(7), author=company.member, date=TODAY)

    page = signed_in(company.member).get("/").content.decode()

    due = page.split('id="objectives-heading"')[0]
    assert "Increase NPS from 45 to 60" in due  # never checked in
    assert "Reduce churn from 8 to 5" not in due  # checked in today
    assert "Reduce churn from 8 to 5" in page  # ... and so in the recent check-ins
    assert "Delight customers" in page
    assert "expected 50%" in page
    assert "Check in on 1 key result" in page


def test_a_leader_sees_their_teams_trouble(company: Company) -> None:
    objective = objective_create(
        organization=company.org, title="Open the Nordics", owner=company.member,
        period=company.quarter,
    )  # fmt: skip
    key_result_create(
        objective=objective, title="Win 10 logos", start=Decimal(0), target=Decimal(10)
    )  # fmt: skip  (0% at half time: off track)

    leader_page = signed_in(company.leader).get("/").content.decode()
    colleague_page = signed_in(company.colleague).get("/").content.decode()

    assert "My team: at risk or off track" in leader_page
    assert "Open the Nordics" in leader_page
    assert "Open the Nordics" not in colleague_page


def test_my_week_costs_the_same_queries_with_more_objectives(
    company: Company, django_assert_max_num_queries: object
) -> None:
    for n in range(15):
        objective = objective_create(
            organization=company.org, title=f"Objective {n}", owner=company.member,
            period=company.quarter,
        )  # fmt: skip
        key_result_create(objective=objective, title=f"KR {n}", start=Decimal(0), target=Decimal(1))
    client = signed_in(company.member)

    with django_assert_max_num_queries(10):  # type: ignore[operator]
        assert client.get("/").status_code == 200


def test_an_unknown_page_is_a_helpful_404(company: Company) -> None:
    response = signed_in(company.member).get("/no-such-page/")

    assert response.status_code == 404
    assert b"There is nothing here" in response.content
    assert b"my week" in response.content


def test_the_quick_add_preview_reads_a_key_result(company: Company) -> None:
    client = signed_in(company.member)

    page = client.get(
        "/key-results/preview/",
        {"title": "Improve support response time from 2 hours to 30 minutes"},
    ).content.decode()

    assert "Decrease" in page
    assert "120 minutes" in page
    assert "30 minutes" in page


def test_the_quick_add_preview_says_when_it_cannot_read(company: Company) -> None:
    page = (
        signed_in(company.member)
        .get("/key-results/preview/", {"title": "Improve customer happiness"})
        .content.decode()
    )

    assert "cannot read the numbers" in page
    assert "Give the start and target yourself" in page


def test_the_quick_add_preview_needs_a_signed_in_person(client: Client) -> None:
    assert client.get("/key-results/preview/", {"title": "x"}).status_code == 302


def test_my_week_shows_my_kras_with_their_health(company: Company) -> None:
    from headway.goals.services import result_area_create

    area = result_area_create(
        organization=company.org, name="Customer love", owner=company.member,
        scope_person=company.member, weight=Decimal(60),
    )  # fmt: skip
    objective = objective_create(
        organization=company.org, title="Delight customers", owner=company.member,
        period=company.quarter, result_area=area,
    )  # fmt: skip
    kr = key_result_create(objective=objective, title="NPS", start=Decimal(0), target=Decimal(10))
    checkin_record(key_result=kr, value=Decimal(8), author=company.member, date=TODAY)

    page = signed_in(company.member).get("/").content.decode()

    assert "My KRAs" in page
    assert "Customer love" in page
    assert "Health: Green (80%)" in page


def test_recent_check_ins_around_me_never_show_a_private_goal(company: Company) -> None:
    shared = objective_create(
        organization=company.org, title="Shared goal", owner=company.member,
        period=company.quarter,
    )  # fmt: skip
    private = objective_create(
        organization=company.org, title="Private goal", owner=company.colleague,
        period=company.quarter, visibility="private",
    )  # fmt: skip
    mine = key_result_create(
        objective=shared, title="Raise NPS", start=Decimal(0), target=Decimal(9)
    )
    secret = key_result_create(
        objective=private, title="Secret metric", start=Decimal(0), target=Decimal(9)
    )
    checkin_record(key_result=mine, value=Decimal(3), author=company.member, note="survey in")
    checkin_record(key_result=secret, value=Decimal(3), author=company.colleague)

    member_page = signed_in(company.member).get("/").content.decode()
    leader_page = signed_in(company.leader).get("/").content.decode()

    assert "Raise NPS" in member_page
    assert "survey in" in member_page
    assert "Secret metric" not in member_page
    assert "Secret metric" in leader_page  # the colleague reports to the leader
