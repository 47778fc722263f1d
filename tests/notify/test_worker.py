"""`headway worker`: the schedule's slots, claiming a slot once among several workers, and the
real worker draining tasks queued in the database."""

from __future__ import annotations

import datetime as dt
import sys
import types
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError
from django_tasks_db.models import DBTaskResult
from tests.conftest import DATABASE_TASKS, Company
from tests.notify.conftest import MONDAY, UTC, Clock, MakeKeyResult, RunWorker

from headway.notify import services, tasks
from headway.notify.models import Notification, ScheduledRun
from headway.notify.schedule import SCHEDULE, Job, jobs_enqueue_due, schedule_jobs

REMINDERS = "headway.notify.tasks.checkin_reminders_send"


def at(hour: int, minute: int = 0, day: int = 16) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=UTC)


# -- slots ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("job", "now", "slot"),
    [
        (Job("a", REMINDERS), at(9, 0), at(9, 0)),
        (Job("a", REMINDERS), at(9, 59), at(9, 0)),
        (Job("a", REMINDERS, at=":30"), at(9, 29), at(8, 30)),
        (Job("a", REMINDERS, at=":30"), at(9, 30), at(9, 30)),
        (Job("a", REMINDERS, every="daily", at="02:00"), at(1, 59), at(2, 0, day=15)),
        (Job("a", REMINDERS, every="daily", at="02:00"), at(2, 0), at(2, 0)),
        (Job("a", REMINDERS, every="daily", at="02:00"), at(23, 0), at(2, 0)),
    ],
)
def test_a_jobs_slot_is_the_latest_start_on_or_before_now(
    job: Job, now: dt.datetime, slot: dt.datetime
) -> None:
    assert job.slot(now) == slot


def test_a_daily_jobs_hour_is_in_the_servers_time_zone(settings: Any) -> None:
    settings.TIME_ZONE = "Europe/Berlin"  # UTC+1 in November
    job = Job("a", REMINDERS, every="daily", at="02:00")

    assert job.slot(at(1, 30)) == at(1, 0)
    assert job.slot(at(0, 30)) == at(1, 0, day=15)


@pytest.mark.parametrize(
    "fields",
    [
        {"every": "weekly"},
        {"every": "daily"},
        {"every": "daily", "at": "25:00"},
        {"every": "hourly", "at": "9:00"},
    ],
)
def test_a_badly_written_job_is_refused(fields: dict[str, str]) -> None:
    with pytest.raises(ImproperlyConfigured):
        Job("bad", REMINDERS, **fields)


def test_the_schedule_can_be_replaced_in_the_settings(settings: Any) -> None:
    settings.HEADWAY_SCHEDULE = [
        {"name": "reminders", "task": REMINDERS, "every": "daily", "at": "07:00"}
    ]

    assert schedule_jobs() == [Job("reminders", REMINDERS, every="daily", at="07:00")]


@pytest.mark.parametrize(
    "schedule",
    [
        [{"name": "x", "task": "headway.notify.services.checkin_digests_send"}],  # not a task
        [{"name": "x", "task": "headway.notify.tasks.no_such_task"}],
        [{"name": "x", "task": REMINDERS, "colour": "red"}],
        [Job("x", REMINDERS), Job("x", REMINDERS, at=":30")],
        ["checkin-reminders"],
    ],
)
def test_a_bad_schedule_in_the_settings_stops_the_worker(
    settings: Any, schedule: list[Any]
) -> None:
    settings.HEADWAY_SCHEDULE = schedule

    with pytest.raises(ImproperlyConfigured):
        schedule_jobs()


def test_the_default_schedule_loads() -> None:
    assert [job.name for job in schedule_jobs()] == [job.name for job in SCHEDULE]


# -- claiming ---------------------------------------------------------------------------------
@pytest.fixture
def empty_queue() -> None:
    """The claiming tests count task rows: start from none. On PostgreSQL with several test
    processes, a row committed by another test's worker run was once seen here; these tests are
    about their own claims, so what came before is cleared (inside the test's transaction)."""
    DBTaskResult.objects.all().delete()
    ScheduledRun.objects.all().delete()


@pytest.mark.django_db
def test_two_workers_queue_a_slot_once(settings: Any, empty_queue: None) -> None:
    settings.TASKS = DATABASE_TASKS
    jobs = [Job("reminders", REMINDERS)]

    first = jobs_enqueue_due(jobs=jobs, now=at(9, 1), worker_id="a")
    second = jobs_enqueue_due(jobs=jobs, now=at(9, 2), worker_id="b")
    later = jobs_enqueue_due(jobs=jobs, now=at(10, 1), worker_id="b")

    assert [(r.job, r.slot, r.worker_id) for r in first] == [("reminders", at(9), "a")]
    assert second == []
    assert [(r.slot, r.worker_id) for r in later] == [(at(10), "b")]
    assert DBTaskResult.objects.filter(task_path=REMINDERS).count() == 2
    assert set(ScheduledRun.objects.values_list("task_id", flat=True)) == {
        str(pk) for pk in DBTaskResult.objects.values_list("id", flat=True)
    }


@pytest.mark.django_db
def test_a_slot_claimed_by_another_worker_is_skipped_even_at_the_same_moment(
    settings: Any, empty_queue: None
) -> None:
    settings.TASKS = DATABASE_TASKS
    ScheduledRun.objects.create(job="reminders", slot=at(9), worker_id="elsewhere")
    seen: set[Any] = set()

    assert jobs_enqueue_due(jobs=[Job("reminders", REMINDERS)], now=at(9, 1), seen=seen) == []
    assert not DBTaskResult.objects.exists()
    assert seen == {("reminders", at(9))}


@pytest.mark.django_db
def test_claims_older_than_a_month_are_pruned(settings: Any) -> None:
    settings.TASKS = DATABASE_TASKS
    ScheduledRun.objects.create(job="reminders", slot=at(9) - dt.timedelta(days=31))
    ScheduledRun.objects.create(job="reminders", slot=at(9) - dt.timedelta(days=3))

    jobs_enqueue_due(jobs=[Job("reminders", REMINDERS)], now=at(9, 1))

    assert ScheduledRun.objects.count() == 2


# -- the command ------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_the_real_worker_drains_the_database_queue_and_sends_the_digest(
    company: Company, clock: Clock, make_key_result: MakeKeyResult, settings: Any,
    run_worker: RunWorker,
) -> None:  # fmt: skip
    # given: tasks queued in the database, as in production; an email already waiting
    settings.TASKS = DATABASE_TASKS
    make_key_result(company.member)
    clock.set(MONDAY, 9, 5)
    waiting = services.notification_send(
        person=company.colleague, kind="test", title="A test", body="Hello", url="/", key="t1"
    )
    assert waiting is not None
    assert DBTaskResult.objects.filter(task_path=tasks.notification_email_send.module_path).count()

    # when
    out = run_worker()

    # then: the waiting email, the scheduled jobs, the digest's email and the weekly summaries
    # of the member's leaders all ran in one go
    assert sorted(m.to[0] for m in mail.outbox) == [
        company.admin.email,
        company.colleague.email,
        company.leader.email,
        company.member.email,
    ]
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
    paths = set(DBTaskResult.objects.values_list("task_path", flat=True))
    # A write that commits while the database queue is in use queues a health check when the
    # findings were up to date; whether they were depends on what ran before in the process.
    paths.discard("headway.health.tasks.health_findings_refresh_task")
    assert paths == {
        "headway.notify.tasks.notification_email_send",
        "headway.notify.tasks.checkin_reminders_send",
        "headway.notify.tasks.kra_reviews_send",
        "headway.notify.tasks.weekly_summaries_send",
        "headway.goals.tasks.derived_values_refresh",
        "headway.notify.tasks.notification_emails_send_due",
        "headway.notify.tasks.health_snapshots_take",
        "headway.health.tasks.health_findings_refresh_due_task",
    }
    assert "Queued checkin-reminders for its 2026-11-16 09:00 slot." in out
    assert "Worker" in out
    assert "stopped" in out

    # and a second run sends nothing more
    run_worker()
    assert len(mail.outbox) == 4


@pytest.mark.django_db
def test_the_worker_with_tasks_run_at_once_only_keeps_the_schedule(
    company: Company, clock: Clock, make_key_result: MakeKeyResult, run_worker: RunWorker
) -> None:
    make_key_result(company.member)
    clock.set(MONDAY, 9, 5)

    out = run_worker()

    assert "runs each task as it is queued" in out
    assert len(mail.outbox) == 3  # the member's digest; the leader's and admin's weekly summaries


@pytest.mark.django_db
def test_without_the_schedule_the_worker_queues_nothing(
    company: Company, clock: Clock, make_key_result: MakeKeyResult, run_worker: RunWorker
) -> None:
    make_key_result(company.member)
    clock.set(MONDAY, 9, 5)

    run_worker("--no-schedule")

    assert mail.outbox == []
    assert not ScheduledRun.objects.exists()


@pytest.mark.django_db
def test_an_unknown_backend_is_refused(run_worker: RunWorker) -> None:
    with pytest.raises(CommandError, match="nope"):
        run_worker("--backend", "nope")


# -- the health snapshot job ------------------------------------------------------------------
def test_the_health_snapshot_job_is_skipped_while_its_module_is_missing(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(sys.modules, "headway.health.snapshots", None)

    assert tasks.health_snapshots_take.call() == (
        "skipped: headway.health.snapshots is not installed"
    )
    assert "Health snapshots skipped" in caplog.text


def test_the_health_snapshot_job_takes_every_organizations_snapshot(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = []
    module = types.ModuleType("headway.health.snapshots")
    module.health_snapshot_take_all = lambda: calls.append(1) or [1, 2]  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "headway.health.snapshots", module)

    assert tasks.health_snapshots_take.call() == "taken: 2"
    assert calls == [1]


@pytest.mark.django_db
def test_the_email_task_run_twice_sends_once(
    company: Company, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        notification = services.notification_send(
            person=company.member, kind="test", title="Hi", body="", url="", key="k"
        )
    assert notification is not None

    again = tasks.notification_email_send.call(notification.pk)

    assert again == "nothing to send"
    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert notification.email_status == Notification.Email.SENT


@pytest.mark.django_db
def test_the_health_snapshot_job_calls_the_health_apps_snapshots(
    company: Company, other_company: Company, clock: Clock
) -> None:
    pytest.importorskip("headway.health.snapshots")
    clock.set(MONDAY, 2, 0)

    assert tasks.health_snapshots_take.call() == "taken: 2"
