"""Fixtures of the notification tests: a clock to travel with, key results to be reminded of,
and the worker run the way cron runs it."""

from __future__ import annotations

import datetime as dt
import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from tests.conftest import Company

from headway.goals import services as goals
from headway.goals.models import KeyResult
from headway.org.models import Person

UTC = dt.UTC
MONDAY = dt.date(2026, 11, 16)  # a check-in day of the default cadence, in 2026-Q4


@dataclass
class Clock:
    """The time every `timezone.now()` (and so `timezone.localdate()`) answers."""

    now: dt.datetime

    def set(self, day: dt.date, hour: int = 9, minute: int = 5) -> dt.datetime:
        self.now = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)
        return self.now

    def advance(self, **delta: float) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    current = Clock(dt.datetime(2026, 11, 16, 9, 5, tzinfo=UTC))
    monkeypatch.setattr("django.utils.timezone.now", lambda: current.now)
    return current


MakeKeyResult = Callable[..., KeyResult]


@pytest.fixture
def make_key_result(company: Company) -> MakeKeyResult:
    """A key result in 2026-Q4 owned by `owner`, under an objective (by default theirs, public)."""

    def make(
        owner: Person,
        title: str = "Close 10 deals",
        *,
        objective_owner: Person | None = None,
        objective_title: str | None = None,
        visibility: str = "public",
        **fields: Any,
    ) -> KeyResult:
        objective = goals.objective_create(
            organization=company.org,
            title=objective_title or f"Objective of {owner.name}: {title}",
            owner=objective_owner or owner,
            period=company.quarter,
            visibility=visibility,
        )
        fields.setdefault("start", Decimal(0))
        fields.setdefault("target", Decimal(10))
        fields.setdefault("unit_label", "deals")
        return goals.key_result_create(objective=objective, title=title, owner=owner, **fields)

    return make


RunWorker = Callable[..., str]
TASK_LOGGERS = ("django_tasks", "django_tasks_db")


@pytest.fixture
def run_worker(django_capture_on_commit_callbacks: Any) -> RunWorker:
    """`headway worker --once`, with what waits for a commit run too (each test is one
    transaction that never commits). Returns what the worker printed."""

    def run(*args: str) -> str:
        out = StringIO()
        handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
        # the command sets the task loggers' levels, as db_worker does: put them back after
        levels = {name: logging.getLogger(name).level for name in TASK_LOGGERS}
        try:
            with django_capture_on_commit_callbacks(execute=True):
                call_command("worker", "--once", *args, stdout=out)
        finally:
            for signum, handler in handlers.items():
                signal.signal(signum, handler)
            for name, level in levels.items():
                logging.getLogger(name).setLevel(level)
        return out.getvalue()

    return run
