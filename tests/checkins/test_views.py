"""The one-screen check-in: one page load, one submit, all or nothing, only my key results."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from tests.conftest import Company

from headway.checkins.models import CheckIn
from headway.goals.models import KeyResult
from headway.goals.services import key_result_create, objective_create

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]


def my_key_results(company: Company, count: int = 5) -> list[KeyResult]:
    objective = objective_create(
        organization=company.org, title="Delight customers", owner=company.member,
        period=company.quarter,
    )  # fmt: skip
    return [
        key_result_create(
            objective=objective,
            title=f"Raise score {n} from 0 to 10",
            start=Decimal(0),
            target=Decimal(10),
        )
        for n in range(count)
    ]


def submission(rows: list[dict[str, Any]]) -> dict[str, Any]:
    data: dict[str, Any] = {"form-TOTAL_FORMS": len(rows), "form-INITIAL_FORMS": len(rows)}
    for n, row in enumerate(rows):
        for field in ("key_result", "value", "confidence", "status", "note"):
            data[f"form-{n}-{field}"] = row.get(field, "")
    return data


@pytest.fixture
def member_client(company: Company) -> Client:
    client = Client()
    client.force_login(company.member.user)
    return client


def test_the_page_lists_every_key_result_i_own_and_no_other(
    company: Company, member_client: Client
) -> None:
    mine = my_key_results(company, 2)
    theirs = objective_create(
        organization=company.org, title="Other", owner=company.colleague, period=company.quarter
    )
    key_result_create(objective=theirs, title="Not mine", start=Decimal(0), target=Decimal(1))

    page = member_client.get("/check-in/").content.decode()

    assert all(kr.title in page for kr in mine)
    assert "Not mine" not in page


def test_five_check_ins_take_one_submit(company: Company, member_client: Client) -> None:
    krs = my_key_results(company, 5)
    rows = [
        {"key_result": kr.pk, "value": n + 1, "confidence": 7, "status": "on_track", "note": "ok"}
        for n, kr in enumerate(krs)
    ]

    response = member_client.post("/check-in/", submission(rows))

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert CheckIn.objects.filter(author=company.member).count() == 5
    krs[4].refresh_from_db()
    assert krs[4].current == Decimal(5)
    assert krs[4].progress == Decimal("0.5")
    assert krs[4].confidence == 7


def test_empty_rows_are_skipped(company: Company, member_client: Client) -> None:
    krs = my_key_results(company, 3)
    rows = [
        {"key_result": krs[0].pk, "value": 4},
        {"key_result": krs[1].pk},
        {"key_result": krs[2].pk},
    ]

    member_client.post("/check-in/", submission(rows))

    assert list(CheckIn.objects.values_list("key_result_id", flat=True)) == [krs[0].pk]


def test_a_bad_row_records_nothing_and_says_where(company: Company, member_client: Client) -> None:
    krs = my_key_results(company, 3)
    rows = [
        {"key_result": krs[0].pk, "value": 4},
        {"key_result": krs[1].pk, "value": 5, "confidence": 11},
        {"key_result": krs[2].pk, "value": 6},
    ]

    response = member_client.post("/check-in/", submission(rows))

    assert response.status_code == 200
    assert CheckIn.objects.count() == 0
    assert b"less than or equal to 10" in response.content
    assert b'id="id_form-1-confidence-error"' in response.content


def test_someone_elses_key_result_is_refused(
    company: Company, other_company: Company, member_client: Client
) -> None:
    mine = my_key_results(company, 1)[0]
    colleagues = objective_create(
        organization=company.org, title="Other", owner=company.colleague, period=company.quarter
    )
    not_mine = key_result_create(objective=colleagues, title="Theirs", start=Decimal(0),
                                 target=Decimal(1))  # fmt: skip
    foreign = objective_create(
        organization=other_company.org, title="Foreign", owner=other_company.member,
        period=other_company.quarter,
    )  # fmt: skip
    tenant_kr = key_result_create(objective=foreign, title="Foreign KR", start=Decimal(0),
                                  target=Decimal(1))  # fmt: skip

    for victim in (not_mine, tenant_kr):
        rows = [{"key_result": mine.pk, "value": 1}, {"key_result": victim.pk, "value": 1}]
        response = member_client.post("/check-in/", submission(rows))
        assert response.status_code == 200
        assert b"not yours to check in" in response.content

    assert CheckIn.objects.count() == 0


def test_a_viewer_has_nothing_to_check_in(company: Company) -> None:
    client = Client()
    client.force_login(company.viewer.user)

    response = client.get("/check-in/")

    assert response.status_code == 200
    assert b"You own no key result in a running period." in response.content


def test_the_page_costs_the_same_queries_for_more_key_results(
    company: Company, member_client: Client, django_assert_max_num_queries: object
) -> None:
    my_key_results(company, 12)

    with django_assert_max_num_queries(6):  # type: ignore[operator]
        assert member_client.get("/check-in/").status_code == 200


def test_a_key_result_under_someone_elses_private_objective_hides_that_objectives_title(
    company: Company, client: Client
) -> None:
    # given: Mia owns a key result of Otto's private objective, which she may not see
    secret = objective_create(
        organization=company.org, title="Secret plan of Support", owner=company.outsider,
        period=company.quarter, visibility="private",
    )  # fmt: skip
    key_result_create(
        objective=secret, title="Fix 10 bugs", owner=company.member, start=Decimal(0),
        target=Decimal(10),
    )  # fmt: skip
    client.force_login(company.member.user)

    # when
    pages = [client.get(url).content.decode() for url in ("/check-in/", "/")]

    # then: the key result is hers to check in, the objective's title is not hers to read
    for page in pages:
        assert "Fix 10 bugs" in page
        assert "under a private objective" in page
        assert "Secret plan" not in page
