"""Writes to the organization's structure: organizations, units, people and periods."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from headway.org.models import Organization, Period, Person, Unit


def same_organization(organization_id: int, **related: Any) -> None:
    """Refuse related rows of another organization, naming the field (it answers as unknown)."""
    for field, obj in related.items():
        if obj is not None and obj.organization_id != organization_id:
            raise ValidationError({field: "That is not in this organization."})


@transaction.atomic
def organization_create(
    *, name: str, slug: str = "", fiscal_year_start_month: int = 1
) -> Organization:
    slug = slug or slugify(name)[:80]
    if not slug:
        raise ValidationError(
            {"slug": "Give the organization a name or slug with letters or digits."}
        )
    if Organization.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": f"An organization with the slug {slug!r} exists already."})
    if not 1 <= fiscal_year_start_month <= 12:
        raise ValidationError({"fiscal_year_start_month": "Give a month from 1 to 12."})
    return Organization.objects.create(
        name=name, slug=slug, fiscal_year_start_month=fiscal_year_start_month
    )


def _unit_path(unit: Unit) -> str:
    return f"{unit.parent.path if unit.parent else '/'}{unit.pk}/"


def _refresh_unit_subtree(unit: Unit, old_path: str) -> None:
    """Rewrite the paths below a unit that moved (one UPDATE per descendant)."""
    if not old_path:
        return
    for child in Unit.objects.filter(
        organization_id=unit.organization_id, path__startswith=old_path
    ).exclude(pk=unit.pk):
        child.path = unit.path + child.path[len(old_path) :]
        child.save(update_fields=["path", "updated_at"])


@transaction.atomic
def unit_create(
    *,
    organization: Organization,
    name: str,
    kind: str = Unit.Kind.TEAM,
    parent: Unit | None = None,
    head: Person | None = None,
) -> Unit:
    same_organization(organization.pk, parent=parent, head=head)
    if Unit.objects.filter(organization=organization, name=name).exists():
        raise ValidationError({"name": f"There is already a unit called {name!r}."})
    unit = Unit.objects.create(
        organization=organization, name=name, kind=kind, parent=parent, head=head
    )
    unit.path = _unit_path(unit)
    unit.save(update_fields=["path"])
    return unit


@transaction.atomic
def unit_update(*, unit: Unit, **fields: Any) -> Unit:
    """Change a unit; moving it under one of its own descendants is refused."""
    same_organization(unit.organization_id, parent=fields.get("parent"), head=fields.get("head"))
    if "name" in fields:
        clash = Unit.objects.filter(organization_id=unit.organization_id, name=fields["name"])
        if clash.exclude(pk=unit.pk).exists():
            raise ValidationError({"name": f"There is already a unit called {fields['name']!r}."})
    parent = fields.get("parent", unit.parent)
    if parent is not None:
        if parent.organization_id != unit.organization_id:
            raise ValidationError({"parent": "That unit is not in this organization."})
        if parent.pk == unit.pk or (unit.path and parent.path.startswith(unit.path)):
            raise ValidationError({"parent": "A unit cannot sit below itself."})
    for name, value in fields.items():
        setattr(unit, name, value)
    old_path = unit.path
    unit.path = _unit_path(unit)
    unit.full_clean(exclude=["organization"])
    unit.save()
    if old_path != unit.path:
        _refresh_unit_subtree(unit, old_path)
    return unit


def _manager_path(person: Person) -> str:
    if person.manager is None:
        return "/"
    return f"{person.manager.manager_path or '/'}{person.manager.pk}/"


def _refresh_reports(person: Person) -> None:
    """Rewrite the manager paths of everyone below a person whose chain changed."""
    frontier = [person]
    while frontier:
        boss = frontier.pop()
        for report in Person.objects.filter(manager=boss).select_related("manager"):
            report.manager_path = _manager_path(report)
            report.save(update_fields=["manager_path", "updated_at"])
            frontier.append(report)


def _check_manager(person: Person, manager: Person | None) -> None:
    if manager is None:
        return
    if manager.organization_id != person.organization_id:
        raise ValidationError({"manager": "That person is not in this organization."})
    if person.pk and (manager.pk == person.pk or person.pk in manager.manager_ids):
        raise ValidationError(
            {"manager": "A person cannot report to themselves or to someone below them."}
        )


@transaction.atomic
def person_create(
    *,
    organization: Organization,
    name: str,
    email: str,
    unit: Unit | None = None,
    manager: Person | None = None,
    role: str = Person.Role.MEMBER,
    job_title: str = "",
    user: Any = None,
    active: bool = True,
) -> Person:
    email = email.strip().lower()
    if Person.objects.filter(organization=organization, email=email).exists():
        raise ValidationError({"email": f"{email} is already someone in this organization."})
    if unit is not None and unit.organization_id != organization.pk:
        raise ValidationError({"unit": "That unit is not in this organization."})
    person = Person(
        organization=organization,
        name=name,
        email=email,
        unit=unit,
        manager=manager,
        role=role,
        job_title=job_title,
        user=user,
        active=active,
    )
    _check_manager(person, manager)
    person.manager_path = _manager_path(person)
    person.full_clean(exclude=["organization", "user", "unit", "manager"])
    person.save()
    return person


@transaction.atomic
def person_update(*, person: Person, **fields: Any) -> Person:
    if "email" in fields:
        fields["email"] = fields["email"].strip().lower()
        clash = Person.objects.filter(organization_id=person.organization_id, email=fields["email"])
        if clash.exclude(pk=person.pk).exists():
            raise ValidationError(
                {"email": f"{fields['email']} is already someone in this organization."}
            )
    same_organization(person.organization_id, unit=fields.get("unit"))
    if fields.get("user") is not None:
        taken = Person.objects.filter(organization_id=person.organization_id, user=fields["user"])
        if taken.exclude(pk=person.pk).exists():
            raise ValidationError(
                {"user": "That account already belongs to someone in this organization."}
            )
    manager_changed = "manager" in fields and fields["manager"] != person.manager
    _check_manager(person, fields.get("manager", person.manager))
    for name, value in fields.items():
        setattr(person, name, value)
    person.manager_path = _manager_path(person)
    person.save()
    if manager_changed:
        _refresh_reports(person)
    return person


@transaction.atomic
def period_create(
    *,
    organization: Organization,
    name: str,
    start: dt.date,
    end: dt.date,
    kind: str = Period.Kind.QUARTER,
    parent: Period | None = None,
    state: str = Period.State.ACTIVE,
) -> Period:
    if end < start:
        raise ValidationError({"end": "The period ends before it starts."})
    same_organization(organization.pk, parent=parent)
    if Period.objects.filter(organization=organization, name=name).exists():
        raise ValidationError({"name": f"There is already a period called {name!r}."})
    return Period.objects.create(
        organization=organization,
        name=name,
        start=start,
        end=end,
        kind=kind,
        parent=parent,
        state=state,
    )


@transaction.atomic
def period_update(*, period: Period, **fields: Any) -> Period:
    same_organization(period.organization_id, parent=fields.get("parent"))
    if "name" in fields:
        clash = Period.objects.filter(organization_id=period.organization_id, name=fields["name"])
        if clash.exclude(pk=period.pk).exists():
            raise ValidationError({"name": f"There is already a period called {fields['name']!r}."})
    for name, value in fields.items():
        setattr(period, name, value)
    if period.end < period.start:
        raise ValidationError({"end": "The period ends before it starts."})
    period.save()
    return period
