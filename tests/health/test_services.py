"""Stored findings: the worker's check equals the checks, changes mark them out of date once per
transaction after it commits, a refresh rewrites only what changed, and checks never overlap."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from tests.conftest import DATABASE_TASKS, TODAY, Company, build_company, health_checked

from headway.goals.bulk import KeyResultRow, key_results_create
from headway.goals.models import Objective
from headway.goals.services import objective_create, objective_update
from headway.health import services
from headway.health.models import HealthFinding, HealthSeriesChange, HealthState
from headway.health.selectors import findings_visible, organization_findings
from headway.health.services import (
    health_changed,
    health_changed_after_commit,
    health_findings_refresh,
    health_findings_refresh_due,
    health_findings_store,
)
from headway.indicators.bulk import MeasurementRow, measurements_record
from headway.indicators.services import indicator_create

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]
REFRESH = "headway.health.tasks.health_findings_refresh_task"


def ownerless(company: Company, *keys: str) -> list[Objective]:
    made = []
    for key in keys:
        objective = objective_create(
            organization=company.org, title=f"Objective {key}", owner=None,
            period=company.quarter, scope_unit=company.emea, key=key,
        )  # fmt: skip
        made.append(objective)
    return made


def stored(company: Company) -> list[tuple[str, str, str, str, str, str]]:
    return list(
        HealthFinding.objects.filter(organization=company.org)
        .order_by("code", "object", "message")
        .values_list("code", "name", "severity", "object", "message", "hint")
    )


def test_the_stored_findings_and_score_are_the_checks_on_the_database(company: Company) -> None:
    ownerless(company, "a", "b")
    findings, score = organization_findings(company.org, today=TODAY)

    state = health_checked(company.org)

    assert findings  # ownerless objectives without key results break rules
    assert stored(company) == sorted(
        (f.code, f.name, str(f.severity), f.object, f.message, f.hint) for f in findings
    )
    assert state.score == score
    assert state.checked_for == TODAY
    assert state.checked_at is not None
    assert state.seconds is not None
    assert not state.pending


def test_each_finding_knows_its_objective_unit_and_page(company: Company) -> None:
    (objective,) = ownerless(company, "a")

    health_checked(company.org)

    row = HealthFinding.objects.get(code="HW003", object="objective:a")
    assert (row.objective_id, row.unit_id, row.url) == (
        objective.pk, company.emea.pk, f"/objectives/{objective.pk}/",
    )  # fmt: skip


def test_a_refresh_rewrites_only_the_findings_that_changed(company: Company) -> None:
    first, _ = ownerless(company, "a", "b")
    health_checked(company.org)
    kept = set(HealthFinding.objects.filter(object="objective:b").values_list("pk", flat=True))
    objective_update(objective=first, owner=company.member, actor=company.admin)

    health_checked(company.org)

    assert kept == set(
        HealthFinding.objects.filter(object="objective:b").values_list("pk", flat=True)
    )
    assert not HealthFinding.objects.filter(code="HW003", object="objective:a").exists()
    assert stored(company) == sorted(
        (f.code, f.name, str(f.severity), f.object, f.message, f.hint)
        for f in organization_findings(company.org, today=TODAY)[0]
    )


def test_findings_stay_inside_their_organization(company: Company, other_company: Company) -> None:
    objective_create(organization=other_company.org, title="Theirs", owner=None, period=None)
    health_checked(company.org)
    health_checked(other_company.org)

    assert not findings_visible(company.admin).filter(message__contains="Theirs").exists()
    assert findings_visible(other_company.admin).filter(message__contains="Theirs").exists()


def test_a_check_that_started_before_the_stored_one_is_dropped(company: Company) -> None:
    ownerless(company, "a")
    newer = health_checked(company.org)
    assert newer.checked_at is not None
    goals_before = services.organization_goals(company.org, today=TODAY)

    kept = health_findings_store(
        organization=company.org, goals=goals_before, findings=[],
        started=newer.checked_at - dt.timedelta(minutes=1),
    )  # fmt: skip

    assert kept.checked_at == newer.checked_at
    assert HealthFinding.objects.filter(organization=company.org).exists()


def test_a_second_check_waits_for_the_running_one_unless_it_was_abandoned(
    company: Company,
) -> None:
    now = timezone.now()
    state = HealthState.objects.create(organization=company.org, running_since=now)

    assert health_findings_refresh(organization=company.org) is None
    state.running_since = now - services.ABANDONED_AFTER - dt.timedelta(seconds=1)
    state.save()
    checked = health_findings_refresh(organization=company.org)

    assert checked is not None
    assert checked.running_since is None


def test_a_check_asked_for_before_the_last_one_started_is_skipped(company: Company) -> None:
    state = health_checked(company.org)
    assert state.checked_at is not None

    asked_before = state.checked_at - dt.timedelta(seconds=1)
    asked_after = state.checked_at + dt.timedelta(seconds=1)

    assert health_findings_refresh(organization=company.org, requested=asked_before) is None
    assert health_findings_refresh(organization=company.org, requested=asked_after) is not None


def test_a_change_marks_the_findings_out_of_date_once_and_queues_one_check(
    company: Company, monkeypatch: pytest.MonkeyPatch
) -> None:
    queued: list[int] = []
    monkeypatch.setattr(services, "_refresh_enqueue", lambda org, *a: queued.append(org))
    health_checked(company.org)

    assert health_changed(company.org.pk) is True
    with CaptureQueriesContext(connection) as waiting:
        assert health_changed(company.org.pk) is False  # one is waiting already

    assert queued == [company.org.pk]
    assert HealthState.objects.get(organization=company.org).stale_since is not None
    assert len(waiting) == 1  # after every write of a batch but the first: one look up


def test_an_organization_never_checked_gets_its_state_and_a_check(
    company: Company, monkeypatch: pytest.MonkeyPatch
) -> None:
    queued: list[int] = []
    monkeypatch.setattr(services, "_refresh_enqueue", lambda org, *a: queued.append(org))

    assert health_changed(company.org.pk) is True
    assert health_changed(10**9) is False  # deleted meanwhile: nothing to mark

    assert queued == [company.org.pk]
    assert HealthState.objects.get(organization=company.org).pending


def test_many_writes_in_one_transaction_register_one_mark(company: Company) -> None:
    def marks() -> int:
        return sum(
            1
            for _, callback, _ in connection.run_on_commit
            if callback.__qualname__.startswith("_once_after_commit")
        )

    with transaction.atomic():
        ownerless(company, "a", "b", "c")  # objectives, audit rows: a dozen saves
        health_changed_after_commit(company.org.pk)
        with transaction.atomic():
            health_changed_after_commit(company.org.pk)

        assert marks() == 1


@pytest.mark.django_db(transaction=True)
def test_a_committed_change_is_checked_by_the_worker_and_a_rolled_back_one_marks_nothing(
    settings: Any,
) -> None:
    # given an organization that has been checked, and a worker (the database queue)
    company = build_company("commit")
    health_checked(company.org)
    settings.TASKS = DATABASE_TASKS
    before = HealthState.objects.get(organization=company.org).checked_at

    # when a write rolls back
    def write_then_fail() -> None:
        with transaction.atomic():
            ownerless(company, "lost")
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        write_then_fail()

    # then nothing is marked or queued
    assert not HealthState.objects.get(organization=company.org).pending
    assert not DBTaskResult.objects.filter(task_path=REFRESH).exists()

    # when a write commits
    ownerless(company, "kept")

    # then one check is queued, and the worker stores its findings
    assert HealthState.objects.get(organization=company.org).pending
    assert DBTaskResult.objects.filter(task_path=REFRESH).count() == 1
    call_command("worker", "--once", "--no-schedule", verbosity=0)
    state = HealthState.objects.get(organization=company.org)
    assert state.checked_at is not None
    assert before is not None
    assert state.checked_at > before
    assert not state.pending
    assert HealthFinding.objects.filter(object="objective:kept").exists()
    assert not HealthFinding.objects.filter(object="objective:lost").exists()


@pytest.mark.django_db(transaction=True)
def test_without_a_worker_a_committed_change_only_marks_the_findings() -> None:
    company = build_company("immediate")
    before = health_checked(company.org).checked_at

    ownerless(company, "waits")  # committed: the tasks would run inside this request

    state = HealthState.objects.get(organization=company.org)
    assert state.pending
    assert state.checked_at == before
    assert not HealthFinding.objects.filter(object="objective:waits").exists()


@pytest.mark.django_db(transaction=True)
def test_bulk_writes_which_send_no_signals_mark_the_findings_too(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    settings.TASKS = DATABASE_TASKS  # a worker: measurements are remembered for their own check
    company = build_company("bulk")
    (objective,) = ownerless(company, "bulk")
    indicator = indicator_create(organization=company.org, name="Revenue", owner=company.admin)
    health_checked(company.org)
    queued: list[tuple[str, int]] = []
    monkeypatch.setattr(services, "_refresh_enqueue", lambda org, *a: queued.append(("all", org)))
    monkeypatch.setattr(services, "_series_enqueue", lambda org: queued.append(("series", org)))

    row = KeyResultRow(
        objective=objective, key="kr-bulk", title="Grow revenue from 1 to 2",
        fields={"start": Decimal(1), "target": Decimal(2)},
    )  # fmt: skip
    key_results_create(rows=[row])
    HealthState.objects.filter(organization=company.org).update(stale_since=None)
    measurements_record(
        organization=company.org,
        rows=[MeasurementRow(indicator=indicator, date=TODAY, value=Decimal(5))],
    )

    # The key results mark the whole organization; the measurements, their KPI's staleness.
    assert queued == [("all", company.org.pk), ("series", company.org.pk)]
    assert list(HealthSeriesChange.objects.values_list("indicator_id", flat=True)) == [indicator.pk]


def test_the_hourly_job_checks_what_is_out_of_date_or_never_checked(
    company: Company, other_company: Company, monkeypatch: pytest.MonkeyPatch
) -> None:
    third = build_company("third")
    health_checked(company.org)  # up to date
    HealthState.objects.create(organization=other_company.org, stale_since=timezone.now())
    checked: list[str] = []
    real = services.health_findings_refresh

    def spy(*, organization: Any, **kwargs: Any) -> Any:
        checked.append(organization.slug)
        return real(organization=organization, **kwargs)

    monkeypatch.setattr(services, "health_findings_refresh", spy)

    assert health_findings_refresh_due() == 2
    assert sorted(checked) == sorted([other_company.org.slug, third.org.slug])
