"""The people directory and the scorecards of the organization, a unit and a person."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from headway import access
from headway.org import selectors
from headway.org.models import Period, Person, Unit
from headway.web.current import require_person

PAGE_SIZE = 50


def _period(request: HttpRequest, person: Person, periods: list[Period]) -> Period | None:
    """The period asked for by name (?period=), else the shortest one containing today."""
    name = request.GET.get("period", "")
    chosen = next((p for p in periods if p.name == name), None)
    return chosen or selectors.period_default(
        organization=person.organization, today=timezone.localdate()
    )


def _scorecard(
    request: HttpRequest,
    person: Person,
    *,
    title: str,
    unit: Unit | None = None,
    subject: Person | None = None,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    periods = selectors.period_choices(organization=person.organization)
    period = _period(request, person, periods)
    card = selectors.scorecard(
        viewer=person, period=period, today=timezone.localdate(), unit=unit, subject=subject
    )
    scope_query = f"?unit={unit.pk}" if unit else f"?person={subject.pk}" if subject else ""
    context: dict[str, Any] = {
        "person": person,
        "nav": "scorecard",
        "may_add": access.may_create_in_scope(person, unit=unit, owner_scope=subject),
        "scope_query": scope_query,
        "title": title,
        "unit": unit,
        "subject": subject,
        "periods": periods,
        "period": period,
        "card": card,
        "people_heading": "Direct reports"
        if subject
        else "Members"
        if unit
        else "People at the top",
        "units_heading": "Units they head" if subject else "Sub-units" if unit else "Units",
        **(extra or {}),
    }
    return render(request, "org/scorecard.html", context)


@login_required
def scorecard(request: HttpRequest) -> HttpResponse:
    """The organization's KRAs, KPIs and objectives, and the units at the top."""
    person = require_person(request)
    return _scorecard(request, person, title=str(person.organization))


@login_required
def scorecard_unit(request: HttpRequest, pk: int) -> HttpResponse:
    """A unit's KRAs, KPIs and objectives, its members and its sub-units."""
    person = require_person(request)
    unit = selectors.unit_get(person=person, pk=pk)
    return _scorecard(request, person, title=unit.name, unit=unit)


@login_required
def scorecard_person(request: HttpRequest, pk: int) -> HttpResponse:
    """A person's page: their KRAs, KPIs and objectives, manager chain and direct reports."""
    person = require_person(request)
    subject = selectors.person_get(person=person, pk=pk)
    chain = selectors.manager_chain(person=subject)
    return _scorecard(request, person, title=subject.name, subject=subject, extra={"chain": chain})


@login_required
def people(request: HttpRequest) -> HttpResponse:
    """Everyone in the organization, searchable, and the unit tree."""
    person = require_person(request)
    q = request.GET.get("q", "").strip()
    page = Paginator(
        selectors.people_search(organization=person.organization, q=q), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    context: dict[str, Any] = {
        "person": person,
        "nav": "people",
        "q": q,
        "page": page,
        "units": selectors.unit_tree(organization=person.organization, q=q),
    }
    return render(request, "org/people.html", context)
