"""The weekly summary for leaders, with the clock moving: who gets one on which day and hour, what
it says (progress against pace, status changes of the week, stale key results, health findings),
that nobody reads what they may not see, that the page says what the email says, and that the
worker run twice sends nothing twice."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from tests.conftest import Company, health_checked, signed_in
from tests.notify.conftest import MONDAY, Clock, MakeKeyResult, RunWorker

from headway.checkins.services import checkin_record
from headway.goals import services as goals
from headway.goals.models import KeyResult, Objective
from headway.health.selectors import health_state_get
from headway.health.services import health_changed
from headway.notify import summary
from headway.notify.models import Kind, Notification, NotificationSettings
from headway.notify.services import cadence_set
from headway.org.models import Person
from headway.org.services import person_create, person_update

pytestmark = pytest.mark.django_db

UTC = dt.UTC
LAST_MONDAY = MONDAY - dt.timedelta(days=7)


def check_in(kr: KeyResult, value: int, day: dt.date, clock: Clock) -> None:
    """A check-in recorded on `day` (at 11:00, so its status changes are dated then)."""
    clock.set(day, 11)
    checkin_record(key_result=kr, value=Decimal(value), confidence=7, author=kr.owner, date=day)


def summaries() -> list[Notification]:
    return list(Notification.objects.filter(kind=Kind.WEEKLY_SUMMARY).order_by("created_at", "id"))


def summary_mails() -> list[mail.EmailMessage]:
    return [
        m for m in mail.outbox if m.extra_headers["X-Headway-Notification"] == Kind.WEEKLY_SUMMARY
    ]


def html_of(message: mail.EmailMessage) -> str:
    return str(message.alternatives[0][0])  # type: ignore[attr-defined]


def page_of(person: Person, week: str = "") -> str:
    response = signed_in(person).get("/summary/" + (f"?week={week}" if week else ""))
    assert response.status_code == 200
    return response.content.decode()


def send(clock: Clock, day: dt.date, hour: int, minute: int = 20) -> int:
    clock.set(day, hour, minute)
    return summary.weekly_summaries_send()


@pytest.fixture
def sales(company: Company, clock: Clock, make_key_result: MakeKeyResult) -> dict[str, KeyResult]:
    """Sales' quarter: Mia's deals turned on track last week and off track this week; Cole's
    partners have had no check-in since October."""
    clock.set(dt.date(2026, 10, 1), 8)
    deals = make_key_result(company.member, "Close 10 deals", objective_title="Win the north")
    partners = make_key_result(
        company.colleague, "Sign 5 partners", target=Decimal(5), objective_title="Grow channels"
    )
    check_in(partners, 1, dt.date(2026, 10, 20), clock)
    check_in(deals, 0, dt.date(2026, 11, 1), clock)  # far behind: off track
    check_in(deals, 5, LAST_MONDAY - dt.timedelta(days=2), clock)  # on track again
    check_in(deals, 6, MONDAY - dt.timedelta(days=3), clock)  # on track: no change
    check_in(deals, 1, MONDAY - dt.timedelta(days=1), clock)  # off track: this week's change
    return {"deals": deals, "partners": partners}


# -- who gets one, when -----------------------------------------------------------------------
def test_only_leaders_get_it_on_the_check_in_day_at_its_hour_once_a_week(
    company: Company, clock: Clock, sales: dict[str, KeyResult]
) -> None:
    # given: the default cadence (Mondays at 9:00); the leader heads Sales and has reports; the
    # admin manages the leader; nobody else leads anyone
    sent: list[tuple[str, dt.datetime]] = []
    start = dt.datetime(2026, 11, 15, 0, 20, tzinfo=UTC)  # a Sunday

    # when: the worker's hourly job runs every hour for three weeks, twice at each hour
    for hour in range(21 * 24):
        clock.now = start + dt.timedelta(hours=hour)
        before = {n.pk for n in summaries()}
        assert summary.weekly_summaries_send() == len(summaries()) - len(before)
        assert summary.weekly_summaries_send() == 0  # a second run at the same hour: nothing
        sent += [(n.person.email, n.created_at) for n in summaries() if n.pk not in before]

    # then
    mondays = [dt.datetime(2026, 11, d, 9, 20, tzinfo=UTC) for d in (16, 23, 30)]
    assert sent == [
        (email, day) for day in mondays for email in (company.admin.email, company.leader.email)
    ]
    assert [n.key for n in summaries() if n.person == company.leader] == [
        "weekly-summary:2026-11-16",
        "weekly-summary:2026-11-23",
        "weekly-summary:2026-11-30",
    ]


def test_it_follows_the_organizations_own_day_hour_and_time_zone(
    company: Company, clock: Clock, sales: dict[str, KeyResult]
) -> None:
    # given: check-ins on Thursdays at 8:00 in New York (13:00 UTC in November), every 2 weeks;
    # a team of Sales EMEA checks in on Mondays (the summary follows the organization's day)
    company.org.settings = {"time_zone": "America/New_York"}
    company.org.save()
    cadence_set(organization=company.org, weekday=3, hour=8, every_weeks=2)
    cadence_set(organization=company.org, unit=company.emea, weekday=0, hour=9)
    thursday = dt.date(2026, 11, 19)

    # when / then
    assert send(clock, MONDAY, 9) == 0
    assert send(clock, thursday, 12) == 0  # 7:20 in New York
    assert send(clock, thursday, 13) == 2  # 8:20 in New York
    assert send(clock, thursday, 18) == 0
    assert send(clock, thursday + dt.timedelta(days=7), 13) == 2  # weekly, not every 2 weeks
    assert {n.key for n in summaries()} == {
        "weekly-summary:2026-11-19",
        "weekly-summary:2026-11-26",
    }


def test_no_summary_for_a_leader_whose_scope_has_nothing_running(
    company: Company, clock: Clock, sales: dict[str, KeyResult]
) -> None:
    # given: the outsider now has a report; neither owns anything
    person_update(person=company.viewer, manager=company.outsider)
    lonely = person_create(
        organization=company.org, name="Lou Lonely", email="lou@acme.test", unit=company.support
    )
    company.support.head = lonely
    company.support.save()

    # when
    send(clock, MONDAY, 9)

    # then: the leader and the admin get theirs; the outsider and the head of an empty unit none
    assert {n.person for n in summaries()} == {company.leader, company.admin}
    assert summary.summary_for_page(person=company.outsider, week=None).leads
    assert summary.summary_for_page(person=company.outsider, week=None).empty
    assert summary.summary_for_page(person=lonely, week=None).leads


def test_nobody_hears_of_it_when_the_period_is_over(
    company: Company, clock: Clock, sales: dict[str, KeyResult]
) -> None:
    assert send(clock, dt.date(2027, 1, 4), 9) == 0  # the quarter ended on 31 December
    assert send(clock, MONDAY, 9) == 2


# -- what it says -----------------------------------------------------------------------------
def test_it_tells_the_leader_this_weeks_status_changes_not_last_weeks(
    company: Company,
    clock: Clock,
    sales: dict[str, KeyResult],
    django_capture_on_commit_callbacks: Any,
) -> None:
    # when
    with django_capture_on_commit_callbacks(execute=True):
        send(clock, MONDAY, 9)

    # then
    [message] = [m for m in summary_mails() if m.to == [company.leader.email]]
    assert message.subject == "Your week in Sales: 2 objectives off track"
    body = message.body
    changes = body[
        body.index("Changed status in the last 7 days") : body.index("No recent check-in")
    ]
    assert "- Close 10 deals: on track → off track (worse) · Mia Member" in changes
    assert "- Win the north: on track → off track (worse) · Mia Member" in changes
    assert "off track → on track" not in body  # last week's recovery is last week's news
    assert "In the last 7 days 2 objectives and key results changed status (2 for the worse" in body
    stale = body[body.index("No recent check-in") : body.index("Health findings")]
    assert "- Sign 5 partners: last check-in 27 days ago · Cole Colleague" in stale
    assert "Close 10 deals" not in stale
    assert "http://127.0.0.1:8000/summary/?week=2026-11-16" in body
    html = html_of(message)
    assert '<h2 style="font-size: 1.05em; margin: 1.25em 0 .25em;">Health findings</h2>' in html
    assert 'href="http://127.0.0.1:8000/objectives/' in html
    assert ">Open the summary</a>" in html
    # the worse news, to the admin as well (the leader reports to them)
    [for_admin] = [m for m in summary_mails() if m.to == [company.admin.email]]
    assert for_admin.subject == "Your team's week: 2 objectives off track"


def test_progress_is_read_as_it_stood_on_the_day_against_the_expected_pace(
    company: Company, clock: Clock, sales: dict[str, KeyResult]
) -> None:
    # given: on 16 November, 47 of the quarter's 92 days are gone
    clock.set(MONDAY, 9, 20)
    week = summary.summary_for_page(person=company.leader, week=None)
    # when: the week before, Mia was on track at 5 of 10
    before = summary.summary_for_page(person=company.leader, week=LAST_MONDAY)

    # then
    rows = {row.objective.title: row for row in week.objectives}
    assert rows["Win the north"].progress == Decimal("0.1")
    assert rows["Win the north"].expected == Decimal(47) / Decimal(92)
    assert rows["Win the north"].status == "off_track"
    assert [row.objective.title for row in week.behind] == ["Win the north", "Grow channels"]
    assert week.counts == [("off_track", "Off track", 2)]
    assert week.progress == Decimal("0.15")
    earlier = {row.objective.title: row for row in before.objectives}
    assert earlier["Win the north"].progress == Decimal("0.5")
    assert earlier["Win the north"].status == "on_track"
    assert [c.words for c in before.changes] == ["off track → on track"] * 2


def test_stale_key_results_and_the_people_who_own_most_of_them(
    company: Company, clock: Clock, make_key_result: MakeKeyResult
) -> None:
    # given: Cole has two key results with no recent check-in, Mia one, and one fresh
    clock.set(dt.date(2026, 10, 1), 8)
    old = make_key_result(company.colleague, "Old one")
    make_key_result(company.colleague, "Never checked in")
    mine = make_key_result(company.member, "Mia's forgotten one")
    fresh = make_key_result(company.member, "Fresh one")
    check_in(old, 1, dt.date(2026, 10, 10), clock)
    check_in(mine, 1, MONDAY - dt.timedelta(days=15), clock)
    check_in(fresh, 5, MONDAY - dt.timedelta(days=14), clock)  # 14 days: not more than 14
    clock.set(MONDAY, 9, 20)

    # when
    week = summary.summary_for_page(person=company.leader, week=None)

    # then
    assert [(row.key_result.title, row.days, row.last) for row in week.stale] == [
        ("Never checked in", 46, None),
        ("Old one", 37, dt.date(2026, 10, 10)),
        ("Mia's forgotten one", 15, MONDAY - dt.timedelta(days=15)),
    ]
    assert [(row.person, row.count) for row in week.stale_people] == [
        (company.colleague, 2),
        (company.member, 1),
    ]
    # not also a health finding: HW006 is the stale list itself
    assert not [item for item in week.findings if item.finding.code == "HW006"]


def test_top_health_findings_come_errors_first_and_only_from_the_scope(
    company: Company, clock: Clock, make_key_result: MakeKeyResult
) -> None:
    # given: a key result with no target (an error), one worded as a task (a warning), and an
    # outsider's objective with findings of its own
    clock.set(dt.date(2026, 10, 1), 8)
    make_key_result(company.member, "Launch the new website", confidence_start=5)
    make_key_result(company.member, "Reach 30% share", target=None, confidence_start=5)
    make_key_result(company.outsider, "Outsider's own thing", target=None)
    clock.set(MONDAY, 9, 20)
    health_checked(company.org)  # what the worker stores after the changes

    # when
    week = summary.summary_for_page(person=company.leader, week=None)

    # then
    severities = [item.severity for item in week.findings]
    assert severities == sorted(severities, key=lambda s: s != "Error")
    assert severities[0] == "Error"
    messages = " ".join(item.finding.message for item in week.findings)
    assert "Reach 30% share" in messages
    assert "Outsider" not in messages
    assert all(item.url and item.url.startswith("/objectives/") for item in week.findings)
    assert week.findings_total >= len(week.findings)


# -- what nobody may read ---------------------------------------------------------------------
@pytest.mark.parametrize(("visibility", "seen"), [("private", False), ("public", True)])
def test_a_private_objective_of_someone_else_never_appears(
    company: Company,
    clock: Clock,
    sales: dict[str, KeyResult],
    django_capture_on_commit_callbacks: Any,
    visibility: str,
    seen: bool,
) -> None:
    # given: the outsider's objective for Sales EMEA (the leader's unit), private or public;
    # Mia owns a key result under it, which her manager may see
    clock.set(dt.date(2026, 10, 1), 8)
    secret = goals.objective_create(
        organization=company.org, title="Secret EMEA reorganisation", owner=company.outsider,
        period=company.quarter, scope_unit=company.emea, visibility=visibility,
    )  # fmt: skip
    hire = goals.key_result_create(
        objective=secret, title="Hire 3 managers", owner=company.member,
        start=Decimal(0), target=Decimal(3),
    )  # fmt: skip
    check_in(hire, 0, dt.date(2026, 11, 1), clock)  # off track
    check_in(hire, 3, MONDAY - dt.timedelta(days=2), clock)  # on track: a change this week

    # when
    with django_capture_on_commit_callbacks(execute=True):
        send(clock, MONDAY, 9)
    clock.set(MONDAY, 9, 30)
    page = page_of(company.leader)

    # then
    [message] = [m for m in summary_mails() if m.to == [company.leader.email]]
    notification = Notification.objects.get(person=company.leader, kind=Kind.WEEKLY_SUMMARY)
    stored = str(notification.items) + notification.body
    for text in (message.body, html_of(message), page, stored):
        assert ("Secret EMEA reorganisation" in text) is seen
    assert "Hire 3 managers" in page  # Mia's own key result: hers to show her manager
    if not seen:
        assert f"/objectives/{secret.pk}/" not in page + message.body


def test_another_tenants_goals_never_appear(
    company: Company,
    other_company: Company,
    clock: Clock,
    sales: dict[str, KeyResult],
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given: the other tenant's leader has a team with goals of its own
    clock.set(dt.date(2026, 10, 1), 8)
    theirs = goals.objective_create(
        organization=other_company.org, title="Globex world domination",
        owner=other_company.member, period=other_company.quarter,
    )  # fmt: skip
    kr = goals.key_result_create(
        objective=theirs, title="Globex secret metric", owner=other_company.member,
        start=Decimal(0), target=Decimal(10),
    )  # fmt: skip
    check_in(kr, 1, MONDAY - dt.timedelta(days=1), clock)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        assert send(clock, MONDAY, 9) == 4  # two leaders in each organization

    # then
    for message in summary_mails():
        ours = message.to[0].endswith("@acme.test")
        assert ("Globex" in message.body) is not ours
        assert ("Win the north" in message.body) is ours
    page = page_of(company.leader)
    assert "Globex" not in page
    assert "Win the north" in page


# -- the page ---------------------------------------------------------------------------------
def test_the_page_shows_what_the_email_says(
    company: Company,
    clock: Clock,
    sales: dict[str, KeyResult],
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given
    with django_capture_on_commit_callbacks(execute=True):
        send(clock, MONDAY, 9)
    notification = Notification.objects.get(person=company.leader, kind=Kind.WEEKLY_SUMMARY)

    # when: the leader follows the email's link, a few days later
    clock.set(MONDAY + dt.timedelta(days=3), 15)
    page = page_of(company.leader, week="2026-11-16")

    # then: every line of the email is on the page, with its link
    assert notification.url == "/summary/?week=2026-11-16"
    for item in notification.items:
        if item["title"].startswith("… and "):
            continue  # only in the email: the page lists them all
        title = item["title"].replace('"', "&quot;").replace("'", "&#x27;")
        if item["title"].startswith(("Warning: ", "Error: ")):
            title = title.split(": ", 1)[1]
        assert title in page, item
        if item["url"]:
            assert f'href="{item["url"]}"' in page
    assert "The week to Monday 16 November 2026" in page
    assert 'aria-label="Progress 10%, expected 51% by today"' in page
    # statuses in words, not only in colour
    on_to_off = '<span class="badge text-bg-success">On track</span> → '
    assert on_to_off + '<span class="badge text-bg-danger">Off track</span>' in page


def test_earlier_weeks_are_a_date_away(
    company: Company, clock: Clock, sales: dict[str, KeyResult]
) -> None:
    clock.set(MONDAY, 10)
    this_week = page_of(company.leader)
    last_week = page_of(company.leader, week=LAST_MONDAY.isoformat())

    assert '<strong class="text-danger-emphasis">worse</strong>' in this_week
    assert '<strong class="text-success-emphasis">better</strong>' not in this_week
    assert '<strong class="text-success-emphasis">better</strong>' in last_week
    assert '<strong class="text-danger-emphasis">worse</strong>' not in last_week
    assert 'href="/summary/?week=2026-11-16">The week after →' in last_week
    assert 'value="2026-11-09"' in last_week
    assert "is not a date" in page_of(company.leader, week="last-tuesday")
    assert "still to come" in page_of(company.leader, week="2026-12-01")


def test_a_non_leader_reads_who_the_summary_is_for(
    company: Company, clock: Clock, sales: dict[str, KeyResult]
) -> None:
    page = page_of(company.member)

    assert "The weekly summary is for people who lead a team" in page
    assert 'href="/"' in page
    assert "Win the north" not in page
    assert 'href="/summary/">Weekly summary</a>' not in page  # no link in the navigation bar
    assert 'href="/summary/">Weekly summary</a>' in page_of(company.leader)


def test_the_page_needs_a_sign_in(company: Company) -> None:
    from django.test import Client

    response = Client().get("/summary/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")


# -- cost -------------------------------------------------------------------------------------
def _team(company: Company, clock: Clock, size: int, start: int) -> None:
    """`size` more people reporting to the leader, each with an objective of two key results,
    one checked in this week (a status change) and one stale."""
    clock.set(dt.date(2026, 10, 1), 8)
    for n in range(start, start + size):
        person = person_create(
            organization=company.org, name=f"Person {n}", email=f"p{n}@acme.test",
            unit=company.emea, manager=company.leader,
        )  # fmt: skip
        objective = goals.objective_create(
            organization=company.org, title=f"Objective {n}", owner=person, period=company.quarter
        )
        for title in ("moved", "stale"):
            goals.key_result_create(
                objective=objective, title=f"KR {n} {title}", owner=person,
                start=Decimal(0), target=Decimal(10),
            )  # fmt: skip
    moved = KeyResult.objects.filter(title__endswith=" moved", owner__email__startswith="p")
    for kr in moved.filter(check_ins__isnull=True):
        check_in(kr, 0, MONDAY - dt.timedelta(days=1), clock)  # turns off track


def _queries(run: Any) -> int:
    with CaptureQueriesContext(connection) as captured:
        run()
    return len(captured.captured_queries)


def test_the_number_of_queries_does_not_grow_with_the_team(company: Company, clock: Clock) -> None:
    def counts() -> tuple[int, int, int, int]:
        clock.set(MONDAY, 9, 20)
        health_checked(company.org)
        week = summary.organization_week(company.org, MONDAY)
        until = clock.now
        built = summary.weekly_summary(person=company.leader, day=MONDAY, until=until, week=week)
        assert built.changes
        assert built.stale
        assert built.findings
        selector = _queries(
            lambda: summary.weekly_summary(
                person=company.leader, day=MONDAY, until=until, week=week
            )
        )
        organization = _queries(lambda: summary.organization_week(company.org, MONDAY))
        stored = _queries(
            lambda: summary.weekly_summary(person=company.leader, day=MONDAY, until=until)
        )
        client = signed_in(company.leader)
        page = _queries(lambda: client.get("/summary/"))
        return selector, organization, stored, page

    _team(company, clock, 3, 0)
    small = counts()
    assert Objective.objects.filter(title__startswith="Objective ").count() == 3
    _team(company, clock, 27, 3)
    large = counts()
    assert Objective.objects.filter(title__startswith="Objective ").count() == 30

    assert small == large
    selector, organization, stored, page = large
    # the scope (units, people), the units the person heads (the access policy), objectives,
    # key results, their periods, status changes
    assert selector == 7
    assert organization <= 13  # every table of the organization read once
    # the current week reads no organization: check-in dates, the scope's KRAs and KPIs, findings
    assert stored == selector + 4
    assert page == stored + 4  # the session, the user, the person, the bell
    built = summary.weekly_summary(person=company.leader, day=MONDAY, until=clock.now)
    assert len(built.objectives) == 30
    assert len(built.changes) == 60  # each KR that moved, and its objective


# -- the worker -------------------------------------------------------------------------------
def test_the_worker_run_twice_sends_each_summary_once(
    company: Company, clock: Clock, sales: dict[str, KeyResult], run_worker: RunWorker
) -> None:
    # given
    clock.set(MONDAY, 9, 25)

    # when
    run_worker()
    run_worker()
    clock.set(MONDAY, 10, 25)
    run_worker()  # the next hour's slot: the job runs again and finds them sent

    # then
    assert sorted(m.to[0] for m in summary_mails()) == [company.admin.email, company.leader.email]
    assert len(summaries()) == 2


def test_the_send_reads_each_scopes_stored_rows_and_says_what_the_evaluation_says(
    company: Company, clock: Clock, sales: dict[str, KeyResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: what a summary evaluated from the organization says this Monday
    clock.set(MONDAY, 9, 20)
    health_checked(company.org)
    week = summary.organization_week(company.org, MONDAY)
    evaluated = {
        leader: summary.weekly_summary(person=leader, day=MONDAY, until=clock.now, week=week)
        for leader in (company.leader, company.admin)
    }

    # when: the send runs with the organization's evaluation made impossible
    def refused(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the weekly send evaluated the whole organization")

    monkeypatch.setattr(summary, "organization_week", refused)
    monkeypatch.setattr(summary, "evaluate", refused)
    assert send(clock, MONDAY, 9) == 2

    # then: each leader was sent what the evaluation says
    for leader, expected in evaluated.items():
        sent = Notification.objects.get(person=leader, kind=Kind.WEEKLY_SUMMARY)
        assert (sent.title, sent.body, sent.items) == (
            expected.title(),
            expected.body(),
            expected.items(),
        )
        assert any(item["title"].startswith(("Error: ", "Warning: ")) for item in sent.items)


def test_the_send_checks_the_organization_first_when_a_change_waits_for_a_check(
    company: Company, clock: Clock, sales: dict[str, KeyResult], make_key_result: MakeKeyResult
) -> None:
    # given: the findings were stored on Sunday; on Monday morning Mia adds a key result with
    # no target, and its commit marks the findings out of date
    clock.set(MONDAY - dt.timedelta(days=1), 18)
    health_checked(company.org)
    clock.set(MONDAY, 8)
    make_key_result(company.member, "Reach 30% share", target=None, confidence_start=5)
    assert health_changed(company.org.pk)

    # when
    assert send(clock, MONDAY, 9) == 2

    # then: the leader hears of it, from findings checked at the send
    sent = Notification.objects.get(person=company.leader, kind=Kind.WEEKLY_SUMMARY)
    assert any("Reach 30% share" in item["detail"] + item["title"] for item in sent.items)
    state = health_state_get(organization_id=company.org.pk)
    assert state is not None
    assert (state.stale_since, state.checked_for) == (None, MONDAY)
    assert state.checked_at == dt.datetime(2026, 11, 16, 9, 20, tzinfo=UTC)


def test_the_send_checks_again_findings_judged_against_an_earlier_day(
    company: Company, clock: Clock, sales: dict[str, KeyResult]
) -> None:
    # given: checked on Sunday evening, nothing changed since (a key result goes stale with the
    # date alone)
    clock.set(MONDAY - dt.timedelta(days=1), 18)
    health_checked(company.org)

    # when
    assert send(clock, MONDAY, 9) == 2

    # then
    state = health_state_get(organization_id=company.org.pk)
    assert state is not None
    assert (state.checked_for, state.checked_at) == (
        MONDAY,
        dt.datetime(2026, 11, 16, 9, 20, tzinfo=UTC),
    )


def test_the_send_checks_nothing_again_when_the_stored_findings_are_todays_and_current(
    company: Company, clock: Clock, sales: dict[str, KeyResult]
) -> None:
    # given: checked at 9:05 on Monday, nothing changed since
    clock.set(MONDAY, 9, 5)
    checked = health_checked(company.org).checked_at

    # when
    assert send(clock, MONDAY, 9) == 2

    # then
    state = health_state_get(organization_id=company.org.pk)
    assert state is not None
    assert state.checked_at == checked


def test_the_summarys_unsubscribe_link_stops_only_the_summary(
    company: Company,
    clock: Clock,
    sales: dict[str, KeyResult],
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given: Leo's first summary, by email
    with django_capture_on_commit_callbacks(execute=True):
        send(clock, MONDAY, 9)
    [message] = [m for m in summary_mails() if m.to == [company.leader.email]]
    assert "the weekly summary" in message.body  # what the link stops
    link = message.extra_headers["List-Unsubscribe"].strip("<>").split("8000", 1)[1]

    # when: he follows it, without signing in, and confirms
    assert b"Stop the weekly summary" in Client().get(link).content
    response = Client().post(link, {"what": "summary"})

    # then: no more summaries for him (the admin still gets hers); other email still comes
    assert response.status_code == 200
    assert b"no longer send the weekly summary" in response.content
    send(clock, MONDAY + dt.timedelta(days=7), 9)
    assert [n.person for n in summaries() if n.created_at.date() > MONDAY] == [company.admin]
    prefs = NotificationSettings.objects.get(person=company.leader)
    assert (prefs.weekly_summary, prefs.email, prefs.digest) == (False, True, True)
