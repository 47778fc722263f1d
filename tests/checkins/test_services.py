"""Recording a check-in: validated, appended, audited, and rolled up at once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from tests.assertions import refused
from tests.conftest import TODAY, Company

from headway.audit.models import AuditEvent
from headway.checkins.models import CheckIn
from headway.checkins.services import checkin_record
from headway.goals.models import KeyResult
from headway.goals.services import key_result_create, key_result_update, objective_create

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]


@pytest.fixture
def deals(company: Company) -> KeyResult:
    objective = objective_create(
        organization=company.org, title="Sell more", owner=company.member, period=company.quarter
    )
    return key_result_create(
        objective=objective, title="Close 10 deals", start=Decimal(0), target=Decimal(10)
    )


def test_a_check_in_is_appended_audited_and_rolled_up(company: Company, deals: KeyResult) -> None:
    check_in = checkin_record(
        key_result=deals, value=Decimal(4), confidence=7, status="on_track", note="2 in legal",
        author=company.member,
    )  # fmt: skip

    assert (check_in.date, check_in.organization) == (TODAY, company.org)
    deals.refresh_from_db()
    assert (deals.current, deals.progress, deals.confidence) == (Decimal(4), Decimal("0.4"), 7)
    event = AuditEvent.objects.get(object_type="checkin", object_id=check_in.pk)
    assert (event.action, event.actor) == ("create", company.member)
    assert event.changes["value"] == [None, "4"]
    assert event.changes["confidence"] == [None, 7]


def test_the_latest_check_in_by_date_sets_the_value(company: Company, deals: KeyResult) -> None:
    checkin_record(key_result=deals, value=Decimal(6), author=company.member, date=TODAY)
    checkin_record(
        key_result=deals, value=Decimal(2), author=company.member, date=dt.date(2026, 11, 1)
    )

    deals.refresh_from_db()
    assert deals.current == Decimal(6)
    assert CheckIn.objects.filter(key_result=deals).count() == 2


@pytest.mark.parametrize("confidence", [11, -1])
def test_confidence_is_a_whole_number_from_0_to_10(
    company: Company, deals: KeyResult, confidence: int
) -> None:
    with refused("confidence"):
        checkin_record(key_result=deals, value=Decimal(1), confidence=confidence, author=None)
    assert not CheckIn.objects.exists()


def test_a_check_in_says_something(company: Company, deals: KeyResult) -> None:
    with refused("value"):
        checkin_record(key_result=deals, value=None, author=company.member)

    assert checkin_record(key_result=deals, value=None, confidence=3, author=company.member).pk
    assert checkin_record(key_result=deals, value=None, note="Blocked", author=company.member).pk


def test_an_owner_status_is_one_of_the_three(company: Company, deals: KeyResult) -> None:
    with refused("status"):
        checkin_record(key_result=deals, value=Decimal(1), status="great", author=None)


def test_a_cancelled_key_result_takes_no_more_check_ins(company: Company, deals: KeyResult) -> None:
    key_result_update(key_result=deals, state=KeyResult.State.CANCELLED, actor=company.member)

    with refused("key_result"):
        checkin_record(key_result=deals, value=Decimal(5), author=company.member)
    assert not CheckIn.objects.exists()


def test_a_check_in_refuses_another_tenants_author(
    company: Company, other_company: Company, deals: KeyResult
) -> None:
    with refused("author"):
        checkin_record(key_result=deals, value=Decimal(5), author=other_company.member)
    assert not AuditEvent.objects.filter(object_type="checkin").exists()


def test_a_milestones_key_result_takes_a_check_in_without_a_value(
    company: Company, deals: KeyResult
) -> None:
    launch = key_result_create(objective=deals.objective, title="Launch", kind="milestones")

    check_in = checkin_record(key_result=launch, value=None, author=company.member)

    assert check_in.value is None


def test_several_check_ins_are_recorded_all_or_none(company: Company) -> None:
    from headway.checkins.services import checkin_record_many
    from headway.goals.services import key_result_create, objective_create

    objective = objective_create(
        organization=company.org, title="Delight", owner=company.member, period=company.quarter
    )
    good = key_result_create(objective=objective, title="NPS", start=Decimal(0), target=Decimal(9))
    bad = key_result_create(objective=objective, title="CSAT", start=Decimal(0), target=Decimal(9))

    with pytest.raises(ValidationError) as refused_batch:
        checkin_record_many(
            author=company.member,
            entries=[
                {"key_result": good, "value": Decimal(3)},
                {"key_result": bad, "value": Decimal(3), "confidence": 12},
            ],
        )

    assert set(refused_batch.value.message_dict) == {"1.confidence"}
    assert not CheckIn.objects.filter(key_result__in=[good, bad]).exists()
    good.refresh_from_db()
    assert good.current == Decimal(0)
