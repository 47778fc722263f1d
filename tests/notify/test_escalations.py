"""Escalation of trouble, with the clock moving: a key result turning off track, or losing 3+
points of confidence, is told to its owner's manager (in Headway, by email, by webhook), at most
once per key result in any seven days."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from tests.conftest import Company
from tests.notify.conftest import MONDAY, Clock, MakeKeyResult

from headway.checkins.services import checkin_record
from headway.goals.models import KeyResult, Status, StatusChange
from headway.goals.tasks import derived_values_refresh
from headway.notify.models import Escalation, Kind, Notification
from headway.org.models import Person
from headway.org.services import person_update
from headway.webhooks import formats
from headway.webhooks import services as webhooks
from headway.webhooks.models import Delivery

pytestmark = pytest.mark.django_db


def check_in(
    kr: KeyResult, value: int | None, day: dt.date, confidence: int | None = 7
) -> KeyResult:
    value_ = None if value is None else Decimal(value)
    checkin_record(key_result=kr, value=value_, confidence=confidence, author=kr.owner, date=day)
    kr.refresh_from_db()
    return kr


def told(person: Person) -> list[Notification]:
    return list(Notification.objects.filter(person=person, kind=Kind.ESCALATION).order_by("id"))


@pytest.fixture
def deals(clock: Clock, make_key_result: MakeKeyResult, company: Company) -> KeyResult:
    """Mia's 0 → 10 deals, on track on Monday 16 November (half-way through the quarter)."""
    kr = make_key_result(company.member, "Close 10 deals")
    return check_in(kr, 6, MONDAY)


def test_turning_off_track_tells_the_owners_manager_once_in_headway_and_by_email(
    company: Company, deals: KeyResult, django_capture_on_commit_callbacks: Any
) -> None:
    assert deals.status == Status.ON_TRACK
    assert told(company.leader) == []

    with django_capture_on_commit_callbacks(execute=True):
        deals = check_in(deals, 0, MONDAY, confidence=6)

    assert deals.status == Status.OFF_TRACK
    [note] = told(company.leader)
    assert note.title == "Mia Member's key result is off track"
    [item] = note.items
    assert item["title"] == "Close 10 deals"
    assert "turned off track (was on track)" in item["detail"]
    assert f"objective: Objective of {company.member.name}: Close 10 deals" in item["detail"]
    assert note.url == f"/objectives/{deals.objective_id}/"
    [message] = [m for m in mail.outbox if m.to == [company.leader.email]]
    assert "Close 10 deals" in message.body
    # the owner is not told about their own key result, the manager's manager is not told
    assert told(company.member) == []
    assert told(company.admin) == []
    escalation = Escalation.objects.get()
    assert (escalation.owner, escalation.manager) == (company.member, company.leader)
    assert escalation.reasons == [Escalation.Reason.OFF_TRACK]
    assert escalation.week == MONDAY
    assert StatusChange.objects.filter(
        key_result=deals, before=Status.ON_TRACK, after=Status.OFF_TRACK
    ).exists()


def test_a_confidence_drop_of_three_points_escalates_and_two_points_does_not(
    company: Company, clock: Clock, make_key_result: MakeKeyResult
) -> None:
    small = check_in(make_key_result(company.member, "Sign 10 partners"), 6, MONDAY, 8)
    large = check_in(make_key_result(company.colleague, "Win 10 pilots"), 6, MONDAY, 8)

    check_in(small, 6, MONDAY, confidence=6)
    check_in(large, 6, MONDAY, confidence=5)

    [note] = told(company.leader)
    assert note.title == "Cole Colleague is less confident about a key result"
    assert note.items[0]["title"] == "Win 10 pilots"
    assert "confidence fell from 8 to 5 out of 10" in note.items[0]["detail"]
    assert Escalation.objects.get().reasons == [Escalation.Reason.CONFIDENCE]


def test_at_most_once_per_key_result_in_seven_days_across_a_quarter(
    company: Company, clock: Clock, deals: KeyResult
) -> None:
    # when: Mia's key result swings between on track and off track twice a week for a quarter
    day = MONDAY
    turns = 0
    while day <= dt.date(2026, 12, 31):
        for offset, good in ((0, False), (2, True), (3, False), (5, True)):
            when = day + dt.timedelta(days=offset)
            if when > dt.date(2026, 12, 31):
                break
            clock.set(when, 10)
            pace = (when - dt.date(2026, 10, 1)).days / 91
            before = deals.status
            deals = check_in(deals, 10 if good else int(pace * 10 // 3), when, confidence=6)
            turns += before != Status.OFF_TRACK and deals.status == Status.OFF_TRACK
        day += dt.timedelta(days=7)

    # then: it turned off track twice a week, but the manager heard of it once a week
    escalations = list(Escalation.objects.order_by("created_at"))
    assert turns >= 2 * len(escalations) - 1 > 0
    gaps = [b.created_at - a.created_at for a, b in itertools.pairwise(escalations)]
    assert all(gap >= dt.timedelta(days=7) for gap in gaps)
    assert len({e.week for e in escalations}) == len(escalations)
    assert len(told(company.leader)) == len(escalations) == 7  # 16 Nov … 28 Dec


def test_the_weekly_limit_is_rolling_seven_days_not_the_calendar_week(
    company: Company, clock: Clock, deals: KeyResult
) -> None:
    sunday = MONDAY + dt.timedelta(days=6)
    clock.set(sunday, 10)
    deals = check_in(deals, 0, sunday)  # off track on Sunday: escalated
    deals = check_in(deals, 10, sunday)  # back on track
    clock.set(sunday + dt.timedelta(days=1), 10)
    check_in(deals, 0, sunday + dt.timedelta(days=1))  # off track again on Monday: too soon
    assert len(told(company.leader)) == 1
    clock.set(sunday + dt.timedelta(days=7), 11)
    deals = check_in(deals, 10, sunday + dt.timedelta(days=7))
    check_in(deals, 0, sunday + dt.timedelta(days=7))  # seven days later: told again
    assert len(told(company.leader)) == 2


def test_the_escalation_goes_to_the_first_active_manager_up_the_chain(
    company: Company, deals: KeyResult
) -> None:
    person_update(person=company.leader, active=False)
    check_in(deals, 0, MONDAY)
    assert told(company.leader) == []
    [note] = told(company.admin)  # Leo's manager
    assert Escalation.objects.get().manager == company.admin
    assert note.title == "Mia Member's key result is off track"


def test_nobody_is_told_when_the_owner_has_no_manager(
    company: Company, clock: Clock, make_key_result: MakeKeyResult
) -> None:
    kr = check_in(make_key_result(company.outsider, "Answer 10 tickets"), 6, MONDAY)
    check_in(kr, 0, MONDAY)
    assert Escalation.objects.count() == 0
    assert Notification.objects.filter(kind=Kind.ESCALATION).count() == 0


def test_a_key_result_born_off_track_is_not_an_escalation(
    company: Company, clock: Clock, make_key_result: MakeKeyResult
) -> None:
    kr = make_key_result(company.member, "Close 10 deals")  # half-way through, nothing done
    kr.refresh_from_db()
    assert kr.status == Status.OFF_TRACK
    assert Escalation.objects.count() == 0


def test_a_private_objective_of_someone_else_is_not_named_to_the_manager(
    company: Company, clock: Clock, make_key_result: MakeKeyResult
) -> None:
    # given: Mia owns a key result of Otto's private objective; Leo manages Mia, not Otto
    kr = make_key_result(
        company.member, "Fix 10 bugs", objective_owner=company.outsider,
        objective_title="Secret plan of Support", visibility="private",
    )  # fmt: skip
    kr = check_in(kr, 6, MONDAY)

    check_in(kr, 0, MONDAY)

    [note] = told(company.leader)
    assert note.items[0]["title"] == "Fix 10 bugs"  # a key result Leo may see: Mia's
    assert "Secret plan" not in str(note.items) + note.title + note.body
    assert note.url == f"/scorecard/person/{company.member.pk}/"
    assert all("Secret plan" not in m.body for m in mail.outbox)


def test_a_rolled_back_check_in_escalates_nothing(company: Company, deals: KeyResult) -> None:
    def check_in_then_fail() -> None:
        with transaction.atomic():
            check_in(deals, 0, MONDAY)
            assert Escalation.objects.count() == 1
            raise RuntimeError("the request failed after the check-in")

    with pytest.raises(RuntimeError):
        check_in_then_fail()
    assert Escalation.objects.count() == 0
    assert told(company.leader) == []


def test_subscribed_webhooks_receive_the_escalation(
    company: Company, deals: KeyResult, django_capture_on_commit_callbacks: Any
) -> None:
    hook = webhooks.webhook_create(
        organization=company.org, name="Chat", url="https://chat.example/hook",
        events=["key_result.escalated"], format="slack",
    )  # fmt: skip
    other = webhooks.webhook_create(
        organization=company.org, name="Check-ins only", url="https://chat.example/other",
        events=["check_in.recorded"],
    )  # fmt: skip

    check_in(deals, 0, MONDAY)

    [delivery] = Delivery.objects.filter(webhook=hook)
    assert delivery.event == "key_result.escalated"
    data = delivery.payload["data"]
    assert data["reasons"] == ["off_track"]
    assert data["manager"]["name"] == company.leader.name
    assert data["key_result"]["status"] == Status.OFF_TRACK
    assert data["key_result"]["owner"]["name"] == company.member.name
    text = formats.body(hook.format, delivery.payload)["text"]
    assert "Close 10 deals" in text
    assert "turned *off track*" in text
    assert "Leo Leader was told" in text
    assert not Delivery.objects.filter(webhook=other, event="key_result.escalated").exists()


def test_a_key_result_nobody_touches_turns_off_track_overnight_and_is_escalated(
    company: Company, clock: Clock, deals: KeyResult
) -> None:
    # given: on track on 16 November at 6 of 10, then no check-in
    assert deals.status == Status.ON_TRACK

    # when: the nightly refresh runs late in December, when 6 of 10 is far behind the pace
    clock.set(dt.date(2026, 12, 28), 1, 35)
    result = derived_values_refresh.call()

    # then
    deals.refresh_from_db()
    assert deals.status == Status.OFF_TRACK
    assert result.startswith("changed: 1 key results")
    [note] = told(company.leader)
    assert note.title == "Mia Member's key result is off track"
    assert (
        StatusChange.objects.filter(
            key_result=deals, before=Status.ON_TRACK, after=Status.OFF_TRACK
        ).count()
        == 1
    )
