"""Shared fixtures: one organization with the personas every access test speaks of."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from headway.health.models import HealthState
from headway.health.services import health_findings_refresh
from headway.org.models import Organization, Period, Person, Unit
from tests.factories import OrganizationFactory, PeriodFactory, PersonFactory, UnitFactory


@dataclass
class Company:
    """An organization with a small tree and one person for every role."""

    org: Organization
    quarter: Period
    sales: Unit
    emea: Unit
    support: Unit
    admin: Person
    hr: Person
    leader: Person  # heads Sales
    member: Person  # in Sales EMEA, reports to the leader
    colleague: Person  # in Sales EMEA, reports to the leader
    outsider: Person  # in Support, reports to nobody in Sales
    viewer: Person


def _user(username: str) -> User:
    return User.objects.create_user(username=username, password="pw-for-tests-only")


def signed_in(person: Person) -> Client:
    """A browser-less client signed in as the person's account."""
    client = Client()
    client.force_login(person.user)
    return client


# The queue `headway worker` runs, for tests of what happens with a worker (the rest of the
# suite runs tasks at once, see `tasks_run_at_once`).
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def health_checked(organization: Organization) -> HealthState:
    """What the worker does after a change: check the organization and store its findings
    (tests run inside a transaction that never commits, so no change queues it by itself)."""
    state = health_findings_refresh(organization=organization)
    assert state is not None
    return state


def build_company(slug: str = "acme") -> Company:
    org = OrganizationFactory(name=slug.title(), slug=slug)
    quarter = PeriodFactory(
        organization=org, name="2026-Q4", start=dt.date(2026, 10, 1), end=dt.date(2026, 12, 31)
    )
    admin = PersonFactory(
        organization=org, name="Ada Admin", email=f"admin@{slug}.test", role="admin"
    )
    hr = PersonFactory(organization=org, name="Hana HR", email=f"hr@{slug}.test", role="hr")
    sales = UnitFactory(organization=org, name="Sales", kind="division")
    emea = UnitFactory(organization=org, name="Sales EMEA", parent=sales)
    support = UnitFactory(organization=org, name="Support", kind="department")
    leader = PersonFactory(
        organization=org, name="Leo Leader", email=f"leader@{slug}.test", role="leader", unit=sales,
        manager=admin,
    )  # fmt: skip
    from headway.org.services import unit_update

    unit_update(unit=sales, head=leader)
    member = PersonFactory(
        organization=org, name="Mia Member", email=f"member@{slug}.test", unit=emea, manager=leader
    )
    colleague = PersonFactory(
        organization=org, name="Cole Colleague", email=f"colleague@{slug}.test", unit=emea,
        manager=leader,
    )  # fmt: skip
    outsider = PersonFactory(
        organization=org, name="Otto Outsider", email=f"outsider@{slug}.test", unit=support
    )
    viewer = PersonFactory(
        organization=org, name="Vic Viewer", email=f"viewer@{slug}.test", role="viewer", unit=emea
    )
    for person in (admin, hr, leader, member, colleague, outsider, viewer):
        person.user = _user(f"{slug}-{person.email.split('@')[0]}")
        person.save(update_fields=["user"])
    sales.refresh_from_db()
    return Company(
        org, quarter, sales, emea, support, admin, hr, leader, member, colleague, outsider, viewer
    )


TODAY = dt.date(2026, 11, 15)  # 46 days into 2026-Q4: expected pace exactly 0.5


@pytest.fixture
def frozen_today(monkeypatch: pytest.MonkeyPatch) -> dt.date:
    """Make the services' "today" a fixed day, so statuses are the same on every run."""
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: TODAY)
    return TODAY


@pytest.fixture(autouse=True)
def tasks_run_at_once(settings: Any) -> None:
    """Queued tasks run inside the test; tests of the worker itself switch to the database."""
    settings.TASKS = IMMEDIATE_TASKS


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    """The default hasher is slow by design; tests need accounts, not protection."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        *settings.PASSWORD_HASHERS,  # still able to check hashes made outside a test
    ]


@pytest.fixture
def company(db: None) -> Company:
    return build_company("acme")


@pytest.fixture
def other_company(db: None) -> Company:
    """Another tenant: its admin must never see or touch the first company's rows."""
    return build_company("globex")
