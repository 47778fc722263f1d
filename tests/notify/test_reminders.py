"""Check-in reminders, with the clock moving: who gets which digest on which day, what it lists,
and that nothing is ever sent twice however often the worker runs."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from tests.conftest import Company
from tests.notify.conftest import MONDAY, Clock, MakeKeyResult, RunWorker

from headway.checkins.services import checkin_record
from headway.goals.models import KeyResult
from headway.notify import services
from headway.notify.models import Kind, Notification
from headway.notify.schedule import SCHEDULE
from headway.org.models import Person
from headway.org.services import person_update

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def only_the_reminder_jobs(settings: Any) -> None:
    """These tests read every mail and notification as a check-in digest: the leaders' weekly
    summary, sent at the same hour, is left out of the schedule (tests/notify/test_summary.py)."""
    settings.HEADWAY_SCHEDULE = [job for job in SCHEDULE if job.name != "weekly-summary"]


def mails_to(person: Person) -> list[mail.EmailMessage]:
    return [m for m in mail.outbox if m.to == [person.email]]


def html_of(message: mail.EmailMessage) -> str:
    return str(message.alternatives[0][0])  # type: ignore[attr-defined]


def check_in(kr: KeyResult, value: int, day: dt.date) -> None:
    checkin_record(key_result=kr, value=Decimal(value), confidence=7, author=kr.owner, date=day)


# -- what the digest says ---------------------------------------------------------------------
def test_the_digest_lists_each_due_key_result_with_its_value_and_target_and_one_link(
    company: Company, clock: Clock, make_key_result: MakeKeyResult, run_worker: RunWorker
) -> None:
    # given
    deals = make_key_result(company.member, "Close 10 deals")
    churn = make_key_result(
        company.member, "Reduce churn from 8% to 5%", start=Decimal(8), target=Decimal(5),
        unit_label="%", direction="decrease",
    )  # fmt: skip
    check_in(deals, 4, MONDAY - dt.timedelta(days=10))
    clock.set(MONDAY, 9, 5)

    # when
    run_worker()

    # then
    [message] = mails_to(company.member)
    assert message.subject == "2 key results to check in on"
    assert "Close 10 deals: now 4 deals, target 10 deals" in message.body
    assert "Reduce churn from 8% to 5%: now 8%, target 5%" in message.body
    assert message.body.count("http://127.0.0.1:8000/check-in/") == 1
    assert html_of(message).count('href="http://127.0.0.1:8000/check-in/"') == 1
    assert "Close 10 deals" in html_of(message)
    assert churn.title in html_of(message)
    [notification] = Notification.objects.filter(person=company.member)
    assert notification.title == "2 key results to check in on"
    assert notification.url == "/check-in/"
    assert [item["title"] for item in notification.items] == [
        "Close 10 deals",
        "Reduce churn from 8% to 5%",
    ]
    assert notification.read_at is None
    assert notification.email_status == Notification.Email.SENT


def test_one_key_result_due_reads_in_the_singular(
    company: Company, clock: Clock, make_key_result: MakeKeyResult, run_worker: RunWorker
) -> None:
    make_key_result(company.member)
    clock.set(MONDAY, 9, 5)

    run_worker()

    [message] = mails_to(company.member)
    assert message.subject == "1 key result to check in on"


def test_key_results_checked_in_within_the_cadence_are_left_out(
    company: Company, clock: Clock, make_key_result: MakeKeyResult, run_worker: RunWorker
) -> None:
    # given: one checked in last Thursday (fresh), one last Monday (a week old: due again)
    fresh = make_key_result(company.member, "Close 10 deals")
    stale = make_key_result(company.member, "Sign 5 partners", target=Decimal(5))
    check_in(fresh, 3, MONDAY - dt.timedelta(days=4))
    check_in(stale, 1, MONDAY - dt.timedelta(days=7))
    clock.set(MONDAY, 9, 5)

    run_worker()

    [message] = mails_to(company.member)
    assert "Sign 5 partners" in message.body
    assert "Close 10 deals" not in message.body


def test_only_key_results_of_a_running_period_that_take_check_ins_are_listed(
    company: Company, clock: Clock, make_key_result: MakeKeyResult, run_worker: RunWorker
) -> None:
    make_key_result(company.member, "Close 10 deals")
    make_key_result(company.member, "Keep NPS from 50 to 60", progress_source="children")
    make_key_result(company.member, "Dropped idea", state="cancelled")
    clock.set(MONDAY, 9, 5)

    run_worker()

    [message] = mails_to(company.member)
    assert message.subject == "1 key result to check in on"
    assert "Close 10 deals" in message.body


# -- who gets one, and when -------------------------------------------------------------------
def test_reminders_go_out_on_the_check_in_day_from_its_hour_and_not_on_other_days(
    company: Company, clock: Clock, make_key_result: MakeKeyResult, run_worker: RunWorker
) -> None:
    make_key_result(company.member)
    for day, hour in [(MONDAY - dt.timedelta(days=1), 9), (MONDAY, 8)]:
        clock.set(day, hour, 5)
        run_worker()
    assert mail.outbox == []

    clock.set(MONDAY, 9, 5)
    run_worker()
    assert len(mails_to(company.member)) == 1

    for days in range(1, 7):
        clock.set(MONDAY + dt.timedelta(days=days), 9, 5)
        run_worker()
    assert len(mails_to(company.member)) == 1


def test_across_a_quarter_each_person_is_reminded_on_each_monday_something_is_due(
    company: Company, clock: Clock, make_key_result: MakeKeyResult, run_worker: RunWorker
) -> None:
    # given: Mia checks in right after each reminder; Cole checked in once, on a Thursday
    deals = make_key_result(company.member, "Close 10 deals")
    partners = make_key_result(company.colleague, "Sign 5 partners", target=Decimal(5))

    # when: the worker runs every morning of 2026-Q4 at 09:05, and on Mondays again at noon
    day = dt.date(2026, 10, 1)
    while day <= dt.date(2026, 12, 31):
        clock.set(day, 9, 5)
        run_worker()
        if day.weekday() == 0:
            check_in(deals, day.day % 10, day)
            clock.set(day, 12, 5)
            run_worker()
        if day == dt.date(2026, 11, 19):
            check_in(partners, 2, day)
        day += dt.timedelta(days=1)

    # then: 13 Mondays in the quarter; Cole's key result was fresh on Monday 23 November
    mondays = [n.created_at.date() for n in Notification.objects.filter(person=company.member)]
    assert len(mondays) == 13
    assert {d.weekday() for d in mondays} == {0}
    assert len(mails_to(company.member)) == 13
    cole = sorted(
        n.created_at.date() for n in Notification.objects.filter(person=company.colleague)
    )
    assert len(cole) == 12
    assert dt.date(2026, 11, 23) not in cole
    # Mia's manager hears only of her key result's trouble (escalations, not reminders)
    escalated = Notification.objects.filter(person=company.leader)
    assert {n.kind for n in escalated} == {Kind.ESCALATION}
    assert Counter(m.to[0] for m in mail.outbox) == {
        company.member.email: 13,
        company.colleague.email: 12,
        company.leader.email: escalated.count(),
    }


def test_a_unit_override_moves_the_reminders_of_its_whole_subtree(
    company: Company, clock: Clock, make_key_result: MakeKeyResult, run_worker: RunWorker
) -> None:
    # given: Sales (Leo) and below it Sales EMEA (Mia) check in on Wednesdays; Support on Mondays
    services.cadence_set(organization=company.org, unit=company.sales, weekday=2)
    make_key_result(company.member, "Close 10 deals")
    make_key_result(company.leader, "Grow sales from 1 to 2", start=Decimal(1), target=Decimal(2))
    make_key_result(company.outsider, "Answer in 30 minutes", start=Decimal(120),
                    target=Decimal(30))  # fmt: skip

    # when: Monday, then Wednesday
    clock.set(MONDAY, 9, 5)
    run_worker()
    on_monday = {m.to[0] for m in mail.outbox}
    clock.set(MONDAY + dt.timedelta(days=2), 9, 5)
    run_worker()

    # then
    assert on_monday == {company.outsider.email}
    assert len(mails_to(company.member)) == 1
    assert len(mails_to(company.leader)) == 1
    assert len(mails_to(company.outsider)) == 1


def test_the_nearest_override_wins(
    company: Company, clock: Clock, make_key_result: MakeKeyResult, run_worker: RunWorker
) -> None:
    services.cadence_set(organization=company.org, weekday=4)  # the organization: Fridays
    services.cadence_set(organization=company.org, unit=company.sales, weekday=2)
    services.cadence_set(organization=company.org, unit=company.emea, weekday=1, hour=14)
    make_key_result(company.member)
    make_key_result(company.leader, "Grow sales from 1 to 2", start=Decimal(1), target=Decimal(2))
    make_key_result(company.outsider, "Hire 2 people", target=Decimal(2))

    days = {}
    for offset in range(7):
        for hour in (9, 15):
            clock.set(MONDAY + dt.timedelta(days=offset), hour, 5)
            run_worker()
    for person in (company.member, company.leader, company.outsider):
        [notification] = Notification.objects.filter(person=person)
        days[person.name] = (notification.created_at.strftime("%A"), notification.created_at.hour)

    assert days == {
        "Mia Member": ("Tuesday", 15),
        "Leo Leader": ("Wednesday", 9),
        "Otto Outsider": ("Friday", 9),
    }


def test_a_longer_cadence_of_a_unit_counts_its_own_cadence_as_fresh(
    company: Company, clock: Clock, make_key_result: MakeKeyResult, run_worker: RunWorker
) -> None:
    # given: the organization checks in weekly; Sales EMEA every two weeks, from November 2
    services.cadence_set(
        organization=company.org, unit=company.emea, weekday=0, every_weeks=2,
        starts_on=dt.date(2026, 11, 2),
    )  # fmt: skip
    deals = make_key_result(company.member)  # Mia, in Sales EMEA
    partners = make_key_result(company.outsider, "Sign 5 partners", target=Decimal(5))
    for kr in (deals, partners):
        check_in(kr, 1, MONDAY - dt.timedelta(days=10))  # stale weekly, fresh every two weeks

    # when: the 16th is a check-in day for both
    clock.set(MONDAY, 9, 5)
    run_worker()

    # then: only Otto, on the weekly cadence, has a key result due
    assert {m.to[0] for m in mail.outbox} == {company.outsider.email}


def test_finding_who_is_due_reads_the_organization_in_the_same_queries_however_many_checked_in(
    company: Company,
    clock: Clock,
    make_key_result: MakeKeyResult,
    django_assert_max_num_queries: Any,
) -> None:
    """Those who checked in this week are left out in SQL: a check-in day's every hour reads
    nothing per person for them."""
    for person in (company.member, company.colleague, company.leader, company.outsider):
        check_in(make_key_result(person), 1, MONDAY - dt.timedelta(days=1))
    due = make_key_result(company.admin, "Hire 2 people", target=Decimal(2))
    now = clock.set(MONDAY, 9, 5)

    with django_assert_max_num_queries(5):
        found = services.digests_due(organization=company.org, now=now)

    assert [d.person for d in found] == [due.owner]


def test_every_two_weeks_reminds_on_every_other_monday_and_counts_two_weeks_as_fresh(
    company: Company, clock: Clock, make_key_result: MakeKeyResult, run_worker: RunWorker
) -> None:
    # given: every other Monday from 2 November
    services.cadence_set(
        organization=company.org, weekday=0, every_weeks=2, starts_on=dt.date(2026, 11, 2)
    )
    deals = make_key_result(company.member)
    partners = make_key_result(company.colleague, "Sign 5 partners", target=Decimal(5))

    # when: every morning of November; Mia checks in on the 2nd, Cole on the 6th (10 days before
    # the 16th: still fresh for a two-week cadence)
    for day in range(2, 31):
        clock.set(dt.date(2026, 11, day), 9, 5)
        run_worker()
        if day == 2:
            check_in(deals, 1, dt.date(2026, 11, 2))
        if day == 6:
            check_in(partners, 1, dt.date(2026, 11, 6))

    # then
    mia = [n.created_at.day for n in Notification.objects.filter(person=company.member)]
    cole = [n.created_at.day for n in Notification.objects.filter(person=company.colleague)]
    assert sorted(mia) == [2, 16, 30]
    assert sorted(cole) == [2, 30]


def test_the_organization_time_zone_sets_the_hour(
    company: Company, clock: Clock, make_key_result: MakeKeyResult, run_worker: RunWorker
) -> None:
    company.org.settings = {"time_zone": "America/New_York"}
    company.org.save(update_fields=["settings"])
    make_key_result(company.member)

    clock.set(MONDAY, 9, 5)  # 04:05 in New York
    run_worker()
    assert mail.outbox == []

    clock.set(MONDAY, 14, 5)  # 09:05 in New York
    run_worker()
    assert len(mails_to(company.member)) == 1


# -- nothing twice ----------------------------------------------------------------------------
def test_running_the_worker_twice_sends_one_mail(
    company: Company, clock: Clock, make_key_result: MakeKeyResult, run_worker: RunWorker
) -> None:
    make_key_result(company.member)
    clock.set(MONDAY, 9, 5)

    first = run_worker()
    second = run_worker()  # the same hourly slot: nothing is queued again
    clock.set(MONDAY, 10, 5)
    run_worker()  # a new slot: the job runs, and finds the digest sent

    assert "Queued checkin-reminders" in first
    assert "Queued checkin-reminders" not in second
    assert len(mail.outbox) == 1
    assert Notification.objects.filter(person=company.member).count() == 1


def test_the_reminder_job_run_twice_in_a_row_sends_one_digest(
    company: Company,
    clock: Clock,
    make_key_result: MakeKeyResult,
    django_capture_on_commit_callbacks,
) -> None:
    make_key_result(company.member)
    clock.set(MONDAY, 9, 5)

    with django_capture_on_commit_callbacks(execute=True):
        first = services.checkin_digests_send()
        second = services.checkin_digests_send()

    assert (first, second) == (1, 0)
    assert len(mail.outbox) == 1


# -- who gets nothing -------------------------------------------------------------------------
def test_nobody_with_nothing_due_gets_a_mail(
    company: Company, clock: Clock, make_key_result: MakeKeyResult, run_worker: RunWorker
) -> None:
    deals = make_key_result(company.member)
    check_in(deals, 5, MONDAY - dt.timedelta(days=1))
    clock.set(MONDAY, 9, 5)

    run_worker()

    assert mail.outbox == []
    assert not Notification.objects.exists()


def test_inactive_people_get_nothing(
    company: Company, clock: Clock, make_key_result: MakeKeyResult, run_worker: RunWorker
) -> None:
    make_key_result(company.member)
    person_update(person=company.member, active=False)
    clock.set(MONDAY, 9, 5)

    run_worker()

    assert mail.outbox == []
    assert not Notification.objects.filter(person=company.member).exists()


def test_people_who_turned_the_digest_off_get_nothing(
    company: Company, clock: Clock, make_key_result: MakeKeyResult, run_worker: RunWorker
) -> None:
    make_key_result(company.member)
    make_key_result(company.colleague, "Sign 5 partners", target=Decimal(5))
    services.notification_settings_update(person=company.member, digest=False)
    clock.set(MONDAY, 9, 5)

    run_worker()

    assert [m.to for m in mail.outbox] == [[company.colleague.email]]
    assert not Notification.objects.filter(person=company.member).exists()


def test_with_email_off_the_digest_is_only_listed_in_headway(
    company: Company, clock: Clock, make_key_result: MakeKeyResult, run_worker: RunWorker
) -> None:
    make_key_result(company.member)
    services.notification_settings_update(person=company.member, email=False)
    clock.set(MONDAY, 9, 5)

    run_worker()

    assert mail.outbox == []
    [notification] = Notification.objects.filter(person=company.member)
    assert notification.in_app
    assert notification.email_status == Notification.Email.NONE


def test_a_quiet_period_defers_the_digest_to_the_day_after_it(
    company: Company, clock: Clock, make_key_result: MakeKeyResult, run_worker: RunWorker
) -> None:
    # given: Mia is quiet through Wednesday
    make_key_result(company.member)
    services.notification_settings_update(
        person=company.member, paused_until=MONDAY + dt.timedelta(days=2)
    )

    # when: every day of the week at 09:05
    sent_on = {}
    for offset in range(7):
        clock.set(MONDAY + dt.timedelta(days=offset), 9, 5)
        run_worker()
        sent_on[offset] = len(mails_to(company.member))

    # then: nothing through Wednesday, Monday's reminder on Thursday, nothing more
    assert sent_on == {0: 0, 1: 0, 2: 0, 3: 1, 4: 1, 5: 1, 6: 1}
    [notification] = Notification.objects.filter(person=company.member)
    assert notification.key == f"checkin-digest:{MONDAY.isoformat()}"


def test_a_quiet_period_over_several_check_in_days_sends_only_the_latest(
    company: Company, clock: Clock, make_key_result: MakeKeyResult, run_worker: RunWorker
) -> None:
    make_key_result(company.member)
    services.notification_settings_update(
        person=company.member, paused_until=MONDAY + dt.timedelta(days=9)
    )
    for offset in range(14):
        clock.set(MONDAY + dt.timedelta(days=offset), 9, 5)
        run_worker()

    assert len(mails_to(company.member)) == 1
    [notification] = Notification.objects.filter(person=company.member)
    assert notification.key == f"checkin-digest:{(MONDAY + dt.timedelta(days=7)).isoformat()}"
    assert notification.created_at.date() == MONDAY + dt.timedelta(days=10)


# -- privacy ----------------------------------------------------------------------------------
def test_private_objectives_never_appear_in_someone_elses_digest(
    company: Company, clock: Clock, make_key_result: MakeKeyResult, run_worker: RunWorker
) -> None:
    # given: Leo's private objective, with one key result of his and one Mia owns
    make_key_result(
        company.leader, "Close the secret acquisition", objective_title="Secret merger",
        visibility="private",
    )  # fmt: skip
    secret = KeyResult.objects.get(title="Close the secret acquisition").objective
    from headway.goals import services as goals

    goals.key_result_create(
        objective=secret, title="Prepare 3 data rooms", owner=company.member,
        start=Decimal(0), target=Decimal(3),
    )  # fmt: skip
    make_key_result(company.colleague, "Sign 5 partners", target=Decimal(5))
    clock.set(MONDAY, 9, 5)

    # when
    run_worker()

    # then: Mia sees her own key result but not the private objective it sits under
    [mia] = mails_to(company.member)
    assert "Prepare 3 data rooms" in mia.body
    assert "Secret merger" not in mia.body + html_of(mia)
    assert "secret acquisition" not in mia.body + html_of(mia)
    [cole] = mails_to(company.colleague)
    assert "Secret" not in cole.body + html_of(cole)
    assert "data rooms" not in cole.body
    [leo] = mails_to(company.leader)
    assert "Close the secret acquisition" in leo.body
    assert "Secret merger" in leo.body
    assert "Prepare 3 data rooms" not in leo.body  # Mia's, not his
