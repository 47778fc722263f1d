"""The schedule of periodic jobs `headway worker` queues, and how a due slot is claimed.

Each job names a task (a `django_tasks` task, by dotted path) and how often it runs: every hour
(at a minute past the hour) or every day (at HH:MM in TIME_ZONE). A job's *slot* is the latest
time it should have started; the worker queues a slot once it has come, by inserting the unique
row ScheduledRun(job, slot) in the same transaction as the task. Several workers may try: one
insert wins, the others skip. A worker that was down queues only the latest missed slot.

Settings may replace the schedule: `HEADWAY_SCHEDULE = [Job(...), ...]` or a list of dicts with
the same keys.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.utils.module_loading import import_string
from django_tasks.base import Task

from headway.notify.models import ScheduledRun

logger = logging.getLogger(__name__)

HOURLY = "hourly"
DAILY = "daily"
KEEP_RUNS = dt.timedelta(days=30)  # older claims are pruned
_AT = {HOURLY: re.compile(r"^:?([0-5]\d)$"), DAILY: re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")}


@dataclass(frozen=True)
class Job:
    """`every` is "hourly" or "daily"; `at` is ":MM" for hourly jobs, "HH:MM" for daily ones."""

    name: str
    task: str
    every: str = HOURLY
    at: str = ""

    def __post_init__(self) -> None:
        if self.every not in _AT:
            raise ImproperlyConfigured(f"Job {self.name!r}: every must be hourly or daily.")
        if self.at and not _AT[self.every].match(self.at):
            shape = ":MM" if self.every == HOURLY else "HH:MM"
            raise ImproperlyConfigured(f"Job {self.name!r}: at must look like {shape}.")
        if self.every == DAILY and not self.at:
            raise ImproperlyConfigured(f"Job {self.name!r}: a daily job needs at='HH:MM'.")

    def slot(self, now: dt.datetime) -> dt.datetime:
        """The latest time on or before `now` this job should have started."""
        if self.every == HOURLY:
            minute = int(self.at.lstrip(":") or 0)
            start = now.astimezone(dt.UTC).replace(minute=minute, second=0, microsecond=0)
            return start if start <= now else start - dt.timedelta(hours=1)
        hour, minute = (int(part) for part in self.at.split(":"))
        zone = ZoneInfo(settings.TIME_ZONE)
        local = now.astimezone(zone)
        start = dt.datetime.combine(local.date(), dt.time(hour, minute), tzinfo=zone)
        if start > now:
            start = dt.datetime.combine(
                local.date() - dt.timedelta(days=1), dt.time(hour, minute), tzinfo=zone
            )
        return start.astimezone(dt.UTC)

    def describe(self) -> str:
        if self.every == HOURLY:
            return f"hourly at :{int(self.at.lstrip(':') or 0):02d}"
        return f"daily at {self.at} ({settings.TIME_ZONE})"

    def load(self) -> Task:
        try:
            found = import_string(self.task)
        except ImportError as error:
            raise ImproperlyConfigured(f"Job {self.name!r}: cannot import {self.task}.") from error
        if not isinstance(found, Task):
            raise ImproperlyConfigured(f"Job {self.name!r}: {self.task} is not a task.")
        return found


SCHEDULE = [
    # Reminders go out at each organization's own hour, so the job looks every hour.
    Job("checkin-reminders", "headway.notify.tasks.checkin_reminders_send", every=HOURLY),
    Job(
        "notification-emails",
        "headway.notify.tasks.notification_emails_send_due",
        every=HOURLY,
        at=":30",
    ),
    Job("kra-reviews", "headway.notify.tasks.kra_reviews_send", every=HOURLY, at=":10"),
    # Weekly, on each organization's check-in day at its hour: the job looks every hour.
    Job("weekly-summary", "headway.notify.tasks.weekly_summaries_send", every=HOURLY, at=":20"),
    # Statuses follow the calendar (the expected pace moves daily): refreshed each night.
    Job("derived-values", "headway.goals.tasks.derived_values_refresh", every=DAILY, at="01:30"),
    Job("health-snapshot", "headway.notify.tasks.health_snapshots_take", every=DAILY, at="02:00"),
    # Changes queue their own check; this catches what a lost task or a bulk write left out.
    Job(
        "health-findings",
        "headway.health.tasks.health_findings_refresh_due_task",
        every=HOURLY,
        at=":40",
    ),
]


def schedule_jobs() -> list[Job]:
    """The schedule: `settings.HEADWAY_SCHEDULE` when set, else `SCHEDULE`; checked loudly."""
    configured: Iterable[Any] = getattr(settings, "HEADWAY_SCHEDULE", None) or SCHEDULE
    jobs = []
    for entry in configured:
        if isinstance(entry, Job):
            job = entry
        elif isinstance(entry, dict):
            try:
                job = Job(**entry)
            except TypeError as error:
                raise ImproperlyConfigured(f"HEADWAY_SCHEDULE: bad job {entry!r}") from error
        else:
            raise ImproperlyConfigured(f"HEADWAY_SCHEDULE: {entry!r} is not a job.")
        job.load()
        jobs.append(job)
    names = [job.name for job in jobs]
    if len(set(names)) != len(names):
        raise ImproperlyConfigured("HEADWAY_SCHEDULE: two jobs have the same name.")
    return jobs


def job_claim(job: Job, slot: dt.datetime, *, worker_id: str = "") -> ScheduledRun | None:
    """Queue the job's task for this slot unless some worker did already. The claim and the
    queued task commit together, so a crash between them loses neither or both."""
    task = job.load()
    try:
        with transaction.atomic():
            run = ScheduledRun.objects.create(job=job.name, slot=slot, worker_id=worker_id[:64])
            result = task.enqueue()
            run.task_id = str(result.id)[:64]
            run.save(update_fields=["task_id", "updated_at"])
    except IntegrityError:
        return None
    ScheduledRun.objects.filter(slot__lt=slot - KEEP_RUNS).delete()
    return run


def jobs_enqueue_due(
    *,
    jobs: Iterable[Job],
    now: dt.datetime,
    worker_id: str = "",
    seen: set[tuple[str, dt.datetime]] | None = None,
) -> list[ScheduledRun]:
    """Claim and queue every job whose latest slot nobody has claimed yet. `seen` remembers the
    slots this worker already looked at, so polling costs no query until a new slot comes."""
    seen = set() if seen is None else seen
    queued = []
    for job in jobs:
        slot = job.slot(now)
        if (job.name, slot) in seen:
            continue
        if not ScheduledRun.objects.filter(job=job.name, slot=slot).exists():
            run = job_claim(job, slot, worker_id=worker_id)
            if run is not None:
                queued.append(run)
        seen.add((job.name, slot))
    return queued
