"""Summaries the worker prepares for the page: a large scope's current week and every earlier
week. The page asks once, says it is being prepared, updates itself when it is ready, shows
what the summary read at once shows, keeps the current week's no longer than FRESH, and shows
an earlier week as it was sent without evaluating the organization."""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django_tasks_db.models import DBTaskResult
from tests.conftest import DATABASE_TASKS, Company, signed_in
from tests.notify.conftest import MONDAY, Clock
from tests.notify.test_summary import sales, send  # noqa: F401 (a fixture)

from headway.notify import prepared, summary
from headway.notify.models import PreparedSummary
from headway.org.services import person_create

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sales")]  # Sales' quarter

# The worker closes its database connections when it is done, as a long-running process should:
# a test that runs it commits for real.
WORKER = pytest.mark.django_db(transaction=True)
QUEUED = "Your summary is being prepared by the background worker"
REFRESHING = "A newer one is being prepared"


@pytest.fixture
def large(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every leader's scope counts as large."""
    monkeypatch.setattr(prepared, "PREPARE_ABOVE", 0)


@pytest.fixture
def leader(company: Company, clock: Clock, settings: Any) -> Client:
    """The leader signed in on Monday at 10:00, with a worker (the database queue)."""
    settings.TASKS = DATABASE_TASKS
    clock.set(MONDAY, 10)
    return signed_in(company.leader)


def queued() -> int:
    return DBTaskResult.objects.filter(task_path__endswith="weekly_summary_prepare").count()


def read_at_once(company: Company) -> str:
    """The summary's sections as the page shows a small scope's: read during the request."""
    return str(prepared.summary_body(summary.summary_for_page(person=company.leader, week=None)))


@WORKER
def test_a_large_scopes_week_is_prepared_once_by_the_worker_and_then_shown(
    company: Company, leader: Client, large: None
) -> None:
    client = leader

    # when the leader opens the page twice before the worker runs
    first = client.get("/summary/").content.decode()
    second = client.get("/summary/").content.decode()

    # then it says so, shows no stale sections, and asked the worker once
    assert QUEUED in first
    assert QUEUED in second
    assert "Progress against pace" not in first
    assert 'hx-trigger="every 3s"' in first  # it updates itself
    assert queued() == 1

    # when the worker runs
    call_command("worker", "--once", "--no-schedule", verbosity=0)

    # then the page shows what reading it at once shows, and when it was prepared
    page = client.get("/summary/").content.decode()
    assert QUEUED not in page
    assert REFRESHING not in page
    assert "Prepared <time" in page
    assert read_at_once(company) in page
    assert "Win the north" in page


@WORKER
def test_the_poll_answers_the_notice_until_the_summary_is_ready_then_reloads(
    leader: Client, large: None
) -> None:
    client = leader
    client.get("/summary/")

    waiting = client.get("/summary/?poll=1", headers={"HX-Request": "true"})
    assert waiting.status_code == 200
    assert QUEUED in waiting.content.decode()
    assert "HX-Refresh" not in waiting.headers

    call_command("worker", "--once", "--no-schedule", verbosity=0)
    ready = client.get("/summary/?poll=1", headers={"HX-Request": "true"})
    assert ready.headers["HX-Refresh"] == "true"


@WORKER
def test_a_prepared_week_is_shown_while_a_newer_one_is_prepared_after_fresh_runs_out(
    company: Company, clock: Clock, large: None, settings: Any
) -> None:
    # given a summary prepared at 10:00 (tasks run at once: no worker)
    clock.set(MONDAY, 10)
    signed_in(company.leader).get("/summary/")
    first = PreparedSummary.objects.get(person=company.leader, day=MONDAY)
    assert first.prepared_at == clock.now
    settings.TASKS = DATABASE_TASKS  # from now on a worker prepares them

    # when the leader looks again within FRESH: the same one, nothing asked
    clock.advance(minutes=10)
    page = signed_in(company.leader).get("/summary/").content.decode()
    assert queued() == 0
    assert REFRESHING not in page

    # when FRESH has run out: the one prepared is shown, and a newer one asked for once
    clock.advance(minutes=10)
    client = signed_in(company.leader)
    page = client.get("/summary/").content.decode()
    client.get("/summary/")
    assert REFRESHING in page
    assert "Win the north" in page
    assert queued() == 1

    # when the worker runs: the newer one
    call_command("worker", "--once", "--no-schedule", verbosity=0)
    row = PreparedSummary.objects.get(person=company.leader, day=MONDAY)
    assert row.prepared_at == clock.now
    assert row.requested_at is None


def test_a_preparation_never_done_is_asked_for_again_once_abandoned(
    leader: Client, clock: Clock, large: None
) -> None:
    client = leader
    client.get("/summary/")
    DBTaskResult.objects.all().delete()  # the task was lost

    clock.advance(minutes=20)
    client.get("/summary/")
    assert queued() == 0  # still thought under way

    clock.advance(minutes=15)  # past ABANDONED_AFTER
    client.get("/summary/")
    assert queued() == 1


def test_a_small_scopes_week_is_read_at_once(company: Company, clock: Clock, settings: Any) -> None:
    settings.TASKS = DATABASE_TASKS
    clock.set(MONDAY, 10)
    page = signed_in(company.leader).get("/summary/").content.decode()

    assert read_at_once(company) in page
    assert "Prepared" not in page
    assert queued() == 0
    assert not PreparedSummary.objects.exists()


def _forbid_evaluating(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the page evaluated the organization")

    for module in list(sys.modules.values()):
        if getattr(module, "organization_week", None) is summary.organization_week:
            monkeypatch.setattr(module, "organization_week", refuse)


def test_an_earlier_week_is_shown_as_it_was_sent_without_evaluating_the_organization(
    company: Company,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
    settings: Any,
) -> None:
    # given the week's summaries sent on Monday
    send(clock, MONDAY, 9)
    stored = PreparedSummary.objects.get(person=company.leader, day=MONDAY)
    assert stored.prepared_at is not None
    assert "Win the north" in stored.html

    # when the leader opens that week a few days later, with a worker and evaluation forbidden
    settings.TASKS = DATABASE_TASKS
    _forbid_evaluating(monkeypatch)
    clock.set(MONDAY + dt.timedelta(days=3), 15)
    page = signed_in(company.leader).get("/summary/?week=2026-11-16").content.decode()

    # then it is there at once, as sent
    assert stored.html in page
    assert "The week to Monday 16 November 2026" in page
    assert QUEUED not in page
    assert REFRESHING not in page
    assert queued() == 0


@WORKER
def test_an_earlier_week_never_sent_is_prepared_by_the_worker(
    company: Company, leader: Client
) -> None:
    client = leader

    page = client.get("/summary/?week=2026-11-09").content.decode()
    assert QUEUED in page
    assert queued() == 1

    call_command("worker", "--once", "--no-schedule", verbosity=0)
    page = client.get("/summary/?week=2026-11-09").content.decode()
    assert "The week to Monday 9 November 2026" in page
    expected = summary.summary_for_page(person=company.leader, week=dt.date(2026, 11, 9))
    assert str(prepared.summary_body(expected)) in page


def test_each_leader_sees_only_their_own_prepared_summary(
    company: Company,
    other_company: Company,
    clock: Clock,
    large: None,
) -> None:
    # given another leader's prepared summary holding a secret
    clock.set(MONDAY, 10)
    person_create(
        organization=company.org, name="Otto's report", email="report@acme.test",
        unit=company.support, manager=company.outsider,
    )  # fmt: skip
    signed_in(company.outsider).get("/summary/")
    assert PreparedSummary.objects.filter(person=company.outsider).update(html="Outsider's secret")
    signed_in(other_company.leader).get("/summary/")
    assert PreparedSummary.objects.filter(person=other_company.leader).update(html="Other's")

    # when the leader opens their own page
    page = signed_in(company.leader).get("/summary/").content.decode()

    # then only their own is shown, and each row carries its person's organization
    assert "Outsider's secret" not in page
    assert "Other's" not in page
    assert "Win the north" in page
    for row in PreparedSummary.objects.select_related("person"):
        assert row.organization_id == row.person.organization_id


def test_someone_who_leads_nobody_gets_no_preparation(
    company: Company, clock: Clock, large: None
) -> None:
    clock.set(MONDAY, 10)
    page = signed_in(company.member).get("/summary/").content.decode()
    assert "for people who lead a team" in page
    assert not PreparedSummary.objects.exists()
