"""`headway demo` builds a realistic, self-consistent company that trips every health check."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import override_settings
from pytest_django import DjangoDbBlocker
from tests.conftest import IMMEDIATE_TASKS

from headway.audit.models import AuditEvent
from headway.checkins.models import CheckIn
from headway.demo.builder import DOMAIN, PASSWORD, SLUG, demo_remove
from headway.goals.models import Alignment, KeyResult, Objective, ResultArea
from headway.goals.rollup import recompute_organization
from headway.health.selectors import organization_findings
from headway.indicators.models import Indicator, Measurement, Target
from headway.org.models import Organization, Period, Person, Unit

TODAY = dt.date(2026, 11, 18)  # seven weeks into 2026-Q4
MODELS = (
    Unit, Person, Period, ResultArea, Indicator, Target, Measurement, Objective, KeyResult,
    Alignment, CheckIn, AuditEvent,
)  # fmt: skip


@dataclass
class Demo:
    org: Organization
    output: str


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[Demo]:
    """One build for the whole module (it takes seconds); removed again afterwards. Its tasks
    run at once, as in every test: queued in the database, they would outlive the build and
    surprise a later test of the worker."""
    with django_db_blocker.unblock(), override_settings(TASKS=IMMEDIATE_TASKS):
        out = io.StringIO()
        call_command("demo", today=TODAY, stdout=out)
        yield Demo(Organization.objects.get(slug=SLUG), out.getvalue())
        demo_remove()


def _counts(org: Organization) -> dict[str, int]:
    counts = {m.__name__: m.objects.filter(organization=org).count() for m in MODELS}
    counts["users"] = get_user_model().objects.count()
    return counts


@pytest.mark.django_db
def test_it_builds_a_company_of_150_people_in_a_three_level_tree(demo: Demo) -> None:
    people = Person.objects.filter(organization=demo.org)
    units = Unit.objects.filter(organization=demo.org)

    assert people.count() >= 150
    assert units.count() >= 15
    assert max(unit.depth for unit in units) >= 3
    assert not units.filter(head__isnull=True).exists()
    assert set(units.values_list("kind", flat=True)) >= {"division", "department", "team"}
    [ceo] = people.filter(manager__isnull=True)
    assert ceo.job_title == "Chief Executive Officer"
    assert ceo.role == Person.Role.ADMIN
    roles = list(people.values_list("role", flat=True))
    assert roles.count(Person.Role.ADMIN) == 2
    assert roles.count(Person.Role.HR) == 2
    assert roles.count(Person.Role.VIEWER) >= 2
    assert set(units.values_list("head__role", flat=True)) == {"admin", "leader"}
    assert people.filter(email__endswith=f"@{DOMAIN}").count() == people.count()


@pytest.mark.django_db
def test_it_builds_two_quarters_of_objectives_with_check_ins(demo: Demo) -> None:
    previous = Period.objects.get(organization=demo.org, name="2026-Q3")
    current = Period.objects.get(organization=demo.org, name="2026-Q4")
    objectives = Objective.objects.filter(organization=demo.org)

    assert previous.state == Period.State.CLOSED
    assert current.state == Period.State.ACTIVE
    assert Period.objects.get(organization=demo.org, name="2026").kind == Period.Kind.YEAR
    for period, state in ((previous, "closed"), (current, "active")):
        in_period = objectives.filter(period=period)
        assert in_period.count() >= 50
        assert set(in_period.values_list("state", flat=True)) == {state}
        assert in_period.filter(scope_unit__isnull=True, scope_person__isnull=True).exists()
        assert in_period.filter(scope_unit__kind="division").exists()
        assert in_period.filter(scope_unit__kind="team").exists()
        assert in_period.filter(scope_person__isnull=False).exists()
        assert CheckIn.objects.filter(key_result__objective__period=period).count() >= 500
    assert Alignment.objects.filter(parent_key_result__progress_source="children").exists()
    assert KeyResult.objects.filter(organization=demo.org, progress_source="indicator").exists()
    assert set(objectives.values_list("visibility", flat=True)) == {"public", "unit", "private"}
    assert not CheckIn.objects.filter(organization=demo.org, date__gt=TODAY).exists()


@pytest.mark.django_db
def test_kpis_have_a_year_of_measurements_and_a_target_for_every_quarter(demo: Demo) -> None:
    quarters = Period.objects.filter(organization=demo.org, kind="quarter", start__year=2026)
    for indicator in Indicator.objects.filter(organization=demo.org, key="kpi-arr"):
        dates = indicator.measurements.values_list("date", flat=True)
        assert (max(dates) - min(dates)).days >= 330
        assert indicator.targets.filter(period__in=quarters).count() == 4
    daily = Measurement.objects.filter(indicator__key="kpi-uptime", organization=demo.org)
    assert daily.count() >= 360


@pytest.mark.django_db
def test_key_results_are_on_track_at_risk_and_off_track(demo: Demo) -> None:
    current = KeyResult.objects.filter(objective__period__name="2026-Q4", organization=demo.org)
    graded = KeyResult.objects.filter(objective__period__name="2026-Q3", organization=demo.org)

    assert set(current.values_list("status", flat=True)) >= {"on_track", "at_risk", "off_track"}
    assert set(graded.values_list("status", flat=True)) >= {"green", "yellow", "red"}


@pytest.mark.django_db
def test_derived_values_are_what_a_full_recompute_gives(demo: Demo) -> None:
    assert recompute_organization(demo.org, today=TODAY) == {"key_results": 0, "objectives": 0}


@pytest.mark.django_db
def test_the_health_checks_find_every_kind_of_mistake(demo: Demo) -> None:
    findings, score = organization_findings(demo.org, today=TODAY)

    codes = {finding.code for finding in findings}
    assert codes >= {f"HW{n:03}" for n in (*range(1, 14), 15)}
    assert score is not None
    assert 0.8 < score < 1  # a few deliberate mistakes in a mostly healthy company


@pytest.mark.django_db
def test_running_it_again_changes_nothing(demo: Demo) -> None:
    before = _counts(demo.org)
    out = io.StringIO()

    call_command("demo", today=TODAY, stdout=out)

    assert _counts(demo.org) == before
    assert "exists already" in out.getvalue()
    assert out.getvalue().count("Sign in at") == 5


@pytest.mark.django_db
def test_it_prints_sign_ins_that_work(demo: Demo) -> None:
    lines = [line for line in demo.output.splitlines() if line.startswith("Sign in at")]
    users = get_user_model().objects.filter(username__endswith=f"@{DOMAIN}")

    assert len(lines) == 5
    assert sum("and the admin at" in line for line in lines) == 2  # only admins use the admin
    assert "people in" in demo.output  # the summary line, with the elapsed seconds
    assert all(f"/ {PASSWORD}" in line for line in lines)
    assert lines[0].startswith("Sign in at http://127.0.0.1:8000/ as ")
    assert users.count() == 5
    assert len({user.password for user in users}) == 1  # one (slow) hash for the shared password
    assert users[0].check_password(PASSWORD)
    assert sorted(u.is_superuser for u in users) == [False, False, False, True, True]
    assert all(user.is_staff == user.is_superuser for user in users)
    ceo = Person.objects.get(organization=demo.org, manager__isnull=True)
    assert ceo.user is not None
    assert ceo.user.is_superuser
    assert {p.role for p in Person.objects.filter(organization=demo.org, user__isnull=False)} == {
        "admin", "leader", "member", "hr",
    }  # fmt: skip


@pytest.mark.django_db
def test_reset_removes_the_organization_and_its_sign_ins(demo: Demo) -> None:
    assert demo_remove() is True

    assert not Organization.objects.filter(slug=SLUG).exists()
    assert not AuditEvent.objects.filter(organization_id=demo.org.pk).exists()
    assert not get_user_model().objects.filter(username__endswith=f"@{DOMAIN}").exists()
    assert demo_remove() is False


def test_it_refuses_a_date_it_cannot_read() -> None:
    with pytest.raises(CommandError):
        call_command("demo", "--today", "18/11/2026")
