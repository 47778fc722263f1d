"""Check-ins and measurements are checked alone: only the staleness (HW006) of the key results
checked in and the KPIs measured is checked again, and what that leaves stored is exactly what
the full check stores."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import (
    DATABASE_TASKS,
    IMMEDIATE_TASKS,
    TODAY,
    Company,
    build_company,
    health_checked,
)

from headway.audit.models import AuditEvent
from headway.audit.services import audit_record
from headway.checkins.models import CheckIn
from headway.checkins.services import checkin_record
from headway.goals.models import KeyResult, Objective
from headway.goals.services import key_result_create, objective_create, objective_update
from headway.health import services
from headway.health.models import HealthFinding, HealthSeriesChange, HealthState
from headway.health.services import (
    health_findings_current,
    health_series_marked,
    health_series_refresh,
)
from headway.indicators.models import Indicator
from headway.indicators.services import indicator_create, measurement_record
from headway.org.models import Organization

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]
SERIES = "headway.health.tasks.health_series_refresh_task"
FULL = "headway.health.tasks.health_findings_refresh_task"
_slugs = itertools.count()


@pytest.fixture(autouse=True)
def with_a_worker(settings: Any) -> None:
    """Check-ins are remembered for their own check when a worker runs the queue; without one
    every change waits for "Check now" (the full check)."""
    settings.TASKS = DATABASE_TASKS


def stored(organization: Organization) -> list[tuple[Any, ...]]:
    return sorted(
        HealthFinding.objects.filter(organization=organization).values_list(
            "code", "severity", "object", "message", "hint", "objective_id", "unit_id", "url"
        )
    )


def goal_with_key_results(company: Company, key: str, count: int = 3) -> list[KeyResult]:
    objective = objective_create(
        organization=company.org, title=f"Objective {key}", owner=company.member,
        period=company.quarter, scope_unit=company.emea, key=key,
    )  # fmt: skip
    fields = {"start": Decimal(0), "target": Decimal(10), "confidence_start": 5}
    return [
        key_result_create(
            objective=objective, title=f"Grow {key} {n} from 0 to 10", key=f"{key}-{n}", **fields
        )
        for n in range(count)
    ]


def series_checked(organization: Organization) -> HealthState:
    """What the worker does after check-ins commit (tests never commit, so mark by hand)."""
    health_series_marked(organization.pk)
    state = health_series_refresh(organization=organization)
    assert state is not None
    return state


def test_a_check_in_clears_its_key_results_staleness_and_only_that(company: Company) -> None:
    first, *_ = goal_with_key_results(company, "grow")
    before = health_checked(company.org)
    assert HealthFinding.objects.filter(code="HW006", object="key_result:grow-0").exists()
    kept = set(
        HealthFinding.objects.exclude(object="key_result:grow-0").values_list("pk", flat=True)
    )

    checkin_record(key_result=first, value=Decimal(4), author=company.member, confidence=7)

    state = HealthState.objects.get(organization=company.org)
    assert state.stale_since is None  # nothing but a check-in changed
    assert list(HealthSeriesChange.objects.values_list("key_result_id", flat=True)) == [first.pk]
    after = series_checked(company.org)
    assert not HealthFinding.objects.filter(object="key_result:grow-0").exists()
    assert kept == set(HealthFinding.objects.values_list("pk", flat=True))
    assert after.healthy == before.healthy + 1
    assert after.checked_at == before.checked_at
    assert after.series_checked_at is not None
    assert not after.pending
    assert not HealthSeriesChange.objects.exists()
    full = stored(company.org)
    health_checked(company.org)
    assert stored(company.org) == full
    assert HealthState.objects.get(organization=company.org).healthy == after.healthy


def test_a_measurement_clears_its_kpis_staleness(company: Company) -> None:
    indicator = indicator_create(organization=company.org, name="Revenue", owner=company.admin)
    before = health_checked(company.org)
    assert HealthFinding.objects.filter(code="HW006", object=f"indicator:{indicator.key}").exists()

    measurement_record(indicator=indicator, date=TODAY, value=Decimal(3), actor=company.admin)

    assert HealthState.objects.get(organization=company.org).stale_since is None
    after = series_checked(company.org)
    assert not HealthFinding.objects.filter(code="HW006", object=f"indicator:{indicator.key}")
    flagged_still = HealthFinding.objects.filter(
        object=f"indicator:{indicator.key}", severity__in=services.FLAGGED
    ).exists()  # a KPI without a target is flagged by HW012 all the same
    assert after.healthy == before.healthy + (0 if flagged_still else 1)
    full = stored(company.org)
    health_checked(company.org)
    assert stored(company.org) == full


def test_the_check_reads_the_same_few_rows_however_large_the_organization(
    company: Company,
) -> None:
    def checked_in_first_time(kr: KeyResult) -> int:
        health_checked(company.org)
        checkin_record(key_result=kr, value=Decimal(4), author=company.member)
        health_series_marked(company.org.pk)
        with CaptureQueriesContext(connection) as queries:
            health_series_refresh(organization=company.org)
        assert not HealthFinding.objects.filter(object=f"key_result:{kr.key}").exists()
        return len(queries)

    small = checked_in_first_time(goal_with_key_results(company, "small")[0])
    for n in range(30):
        goal_with_key_results(company, f"more-{n}")

    assert checked_in_first_time(KeyResult.objects.get(key="more-7-1")) == small


def test_another_change_waiting_makes_it_the_full_check(
    company: Company, monkeypatch: pytest.MonkeyPatch
) -> None:
    (first, *_) = goal_with_key_results(company, "grow")
    health_checked(company.org)
    checkin_record(key_result=first, value=Decimal(4), author=company.member)
    health_series_marked(company.org.pk)
    objective_update(objective=first.objective, owner=None, actor=company.admin)
    services.health_changed(company.org.pk)  # the edit commits
    calls: list[str] = []
    full = services.health_findings_refresh
    monkeypatch.setattr(
        services, "health_findings_refresh", lambda **kw: calls.append("full") or full(**kw)
    )

    state = health_series_refresh(organization=company.org)

    assert calls == ["full"]
    assert state is not None
    assert not state.pending
    assert not HealthSeriesChange.objects.exists()  # the full check answered them
    assert HealthFinding.objects.filter(code="HW003", object="objective:grow").exists()
    assert not HealthFinding.objects.filter(code="HW006", object="key_result:grow-0").exists()


def test_findings_judged_on_an_earlier_day_make_it_the_full_check(
    company: Company, monkeypatch: pytest.MonkeyPatch
) -> None:
    (first, *_) = goal_with_key_results(company, "grow")
    health_checked(company.org)
    HealthState.objects.filter(organization=company.org).update(
        checked_for=TODAY - dt.timedelta(days=1)
    )
    checkin_record(key_result=first, value=Decimal(4), author=company.member)
    health_series_marked(company.org.pk)

    state = health_series_refresh(organization=company.org)

    assert state is not None
    assert state.checked_for == TODAY
    assert state.series_checked_at is None  # it was the full check


def test_more_changes_than_the_limit_make_it_the_full_check(
    company: Company, monkeypatch: pytest.MonkeyPatch
) -> None:
    key_results = goal_with_key_results(company, "grow")
    health_checked(company.org)
    monkeypatch.setattr(services, "SERIES_LIMIT", 2)
    for kr in key_results:
        checkin_record(key_result=kr, value=Decimal(4), author=company.member)
    health_series_marked(company.org.pk)

    state = health_series_refresh(organization=company.org)

    assert state is not None
    assert state.series_checked_at is None
    assert not HealthSeriesChange.objects.exists()
    assert not HealthFinding.objects.filter(code="HW006").exists()


@pytest.mark.django_db(transaction=True)
def test_deleting_a_check_in_marks_the_whole_organization() -> None:
    company = build_company("deleting")
    (first, *_) = goal_with_key_results(company, "grow")
    check_in = checkin_record(key_result=first, value=Decimal(4), author=company.member)
    health_checked(company.org)

    with transaction.atomic():
        audit_record(instance=check_in, action=AuditEvent.Action.DELETE, actor=company.admin)
        check_in.delete()

    assert HealthState.objects.get(organization=company.org).due() == "full"


@pytest.mark.django_db(transaction=True)
def test_a_check_in_and_its_audit_row_mark_only_its_staleness() -> None:
    company = build_company("marking")
    (first, *_) = goal_with_key_results(company, "grow")
    health_checked(company.org)

    checkin_record(key_result=first, value=Decimal(4), author=company.member)

    assert HealthState.objects.get(organization=company.org).due() == "series"


def test_a_series_check_while_another_check_runs_waits_for_the_next(company: Company) -> None:
    (first, *_) = goal_with_key_results(company, "grow")
    health_checked(company.org)
    checkin_record(key_result=first, value=Decimal(4), author=company.member)
    health_series_marked(company.org.pk)
    HealthState.objects.filter(organization=company.org).update(
        running_since=services.timezone.now()
    )

    assert health_series_refresh(organization=company.org) is None
    assert HealthSeriesChange.objects.count() == 1
    assert HealthState.objects.get(organization=company.org).due() == "series"


def test_the_weekly_send_checks_only_the_check_ins_when_nothing_else_changed(
    company: Company, monkeypatch: pytest.MonkeyPatch
) -> None:
    (first, *_) = goal_with_key_results(company, "grow")
    health_checked(company.org)
    checkin_record(key_result=first, value=Decimal(4), author=company.member)
    health_series_marked(company.org.pk)

    def fail(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the whole organization was read")

    monkeypatch.setattr(services, "organization_goals", fail)
    health_findings_current(organization=company.org, today=TODAY)

    assert not HealthFinding.objects.filter(object="key_result:grow-0").exists()
    assert HealthState.objects.get(organization=company.org).current(TODAY)


def test_the_health_page_says_when_check_ins_were_checked(company: Company, client: Any) -> None:
    (first, *_) = goal_with_key_results(company, "grow")
    health_checked(company.org)
    checkin_record(key_result=first, value=Decimal(4), author=company.member)
    state = series_checked(company.org)
    client.force_login(company.admin.user)

    page = client.get("/health/").content.decode()

    assert "Check-ins and measurements since then checked" in page
    assert state.series_checked_at is not None


@pytest.mark.django_db(transaction=True)
def test_without_a_worker_a_check_in_waits_for_check_now(settings: Any) -> None:
    settings.TASKS = IMMEDIATE_TASKS
    company = build_company("immediate")
    (first, *_) = goal_with_key_results(company, "grow")
    health_checked(company.org)

    checkin_record(key_result=first, value=Decimal(4), author=company.member)

    assert HealthState.objects.get(organization=company.org).due() == "full"
    assert not HealthSeriesChange.objects.exists()  # nothing piles up until someone asks


@pytest.mark.django_db(transaction=True)
def test_a_committed_check_in_queues_the_series_check_and_the_worker_runs_it() -> None:
    # given an organization that has been checked, and a worker (the database queue)
    company = build_company("series")
    (first, *_) = goal_with_key_results(company, "grow")
    health_checked(company.org)
    DBTaskResult.objects.all().delete()

    # when a check-in rolls back, nothing is remembered or queued
    def write_then_fail() -> None:
        with transaction.atomic():
            checkin_record(key_result=first, value=Decimal(4), author=company.member)
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        write_then_fail()
    assert not HealthSeriesChange.objects.exists()
    assert not DBTaskResult.objects.exists()

    # when two check-ins commit, one series check is queued and no full one
    checkin_record(key_result=first, value=Decimal(4), author=company.member)
    checkin_record(key_result=first, value=Decimal(5), author=company.member)
    assert DBTaskResult.objects.filter(task_path=SERIES).count() == 1
    assert not DBTaskResult.objects.filter(task_path=FULL).exists()
    state = HealthState.objects.get(organization=company.org)
    assert state.series_since is not None
    assert state.stale_since is None

    # then the worker checks them
    call_command("worker", "--once", "--no-schedule", verbosity=0)
    state = HealthState.objects.get(organization=company.org)
    assert not state.pending
    assert not HealthSeriesChange.objects.exists()
    assert not HealthFinding.objects.filter(object="key_result:grow-0").exists()


# -- property: whatever the check-ins and measurements, the same findings as the full check ------
kr_spec = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["numeric", "numeric", "boolean"]),
        "source": st.sampled_from(["check_ins", "check_ins", "children"]),
        "cancelled": st.booleans(),
    }
)
objective_spec = st.fixed_dictionaries(
    {
        "state": st.sampled_from(["active", "active", "active", "closed", "cancelled", "draft"]),
        "key_results": st.lists(kr_spec, min_size=1, max_size=3),
    }
)
kpi_spec = st.sampled_from(["day", "week", "month", "quarter"])
write = st.one_of(
    # a check-in: which key result, how many days ago, value (None: a confidence only)
    st.tuples(st.just("check_in"), st.integers(0, 99), st.integers(-3, 60),
              st.one_of(st.none(), st.integers(0, 10))),
    st.tuples(st.just("measure"), st.integers(0, 99), st.integers(-3, 200), st.integers(0, 9)),
    st.tuples(st.just("refresh"), st.just(0), st.just(0), st.just(0)),
)  # fmt: skip


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    objectives=st.lists(objective_spec, min_size=1, max_size=4),
    kpis=st.lists(kpi_spec, max_size=3),
    writes=st.lists(write, min_size=1, max_size=12),
)
def test_series_checks_store_what_the_full_check_stores(
    objectives: list[dict], kpis: list[str], writes: list[tuple]
) -> None:
    company = build_company(f"prop-{next(_slugs)}")
    key_results: list[KeyResult] = []
    for n, spec in enumerate(objectives):
        objective = objective_create(
            organization=company.org, title=f"Objective {n}", owner=company.member,
            period=company.quarter, scope_unit=company.emea, key=f"o{n}",
        )  # fmt: skip
        for m, kr in enumerate(spec["key_results"]):
            numeric = kr["kind"] == "numeric"
            made = key_result_create(
                objective=objective, title=f"Key result {n} {m} from 0 to 10", key=f"o{n}-{m}",
                kind=KeyResult.Kind.NUMBER if numeric else KeyResult.Kind.BOOLEAN,
                start=Decimal(0) if numeric else None, target=Decimal(10) if numeric else None,
                progress_source=kr["source"], confidence_start=5,
                state=KeyResult.State.CANCELLED if kr["cancelled"] else KeyResult.State.ACTIVE,
            )  # fmt: skip
            key_results.append(made)
        if spec["state"] != "active":
            Objective.objects.filter(pk=objective.pk).update(state=spec["state"])
    indicators = [
        indicator_create(
            organization=company.org, name=f"KPI {n}", owner=company.admin, frequency=frequency
        )
        for n, frequency in enumerate(kpis)
    ]
    health_checked(company.org)

    for kind, which, days_ago, value in writes:
        day = TODAY - dt.timedelta(days=days_ago)
        if kind == "check_in":
            kr = key_results[which % len(key_results)]
            if kr.state == KeyResult.State.CANCELLED:
                continue
            if kr.kind == KeyResult.Kind.BOOLEAN and value is not None:
                value = value % 2
            checkin_record(
                key_result=kr, author=company.member, date=day,
                value=None if value is None else Decimal(value), confidence=7,
            )  # fmt: skip
        elif kind == "measure" and indicators:
            measurement_record(
                indicator=indicators[which % len(indicators)], date=day, value=Decimal(value)
            )
        elif kind == "refresh":
            series_checked(company.org)
    state = series_checked(company.org)

    assert state.stale_since is None
    assert state.series_checked_at is not None
    series = stored(company.org), state.healthy, state.checked
    full = health_checked(company.org)
    assert (stored(company.org), full.healthy, full.checked) == series
    assert CheckIn.objects.filter(organization=company.org).count() >= 0
    assert Indicator.objects.filter(organization=company.org).count() == len(kpis)
