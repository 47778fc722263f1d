"""Reads of goals that pages, the API and commands share; access is applied here, never in views."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Max, Q, QuerySet
from django.http import Http404

from headway import access
from headway.goals.models import Alignment, KeyResult, Objective, ResultArea
from headway.org.models import Period, Person, Unit


def objective_list(
    *,
    person: Person | None,
    period: Period | None = None,
    scope_unit: Unit | None = None,
    owner: Person | None = None,
    status: str | None = None,
) -> QuerySet[Objective]:
    """The objectives a person may see, filtered; related rows fetched for list pages."""
    objectives = Objective.objects.filter(access.objectives_visible_q(person))
    if period is not None:
        objectives = objectives.filter(period=period)
    if scope_unit is not None:
        objectives = objectives.filter(scope_unit=scope_unit)
    if owner is not None:
        objectives = objectives.filter(owner=owner)
    if status is not None:
        objectives = objectives.filter(status=status)
    return objectives.select_related("owner", "period", "scope_unit", "scope_person", "result_area")


def objective_get(*, person: Person | None, pk: Any) -> Objective:
    """One objective the person may see; anything else (another tenant's, a private one) is 404."""
    objective = (
        Objective.objects.select_related("owner", "period", "scope_unit", "scope_person__unit")
        .filter(pk=pk)
        .first()
    )
    if objective is None or not access.objective_visible(person, objective):
        raise Http404("No such objective.")
    return objective


def key_result_get(*, person: Person | None, pk: Any) -> KeyResult:
    """One key result the person may see; anything else is 404."""
    if person is None:
        raise Http404("No such key result.")
    key_result = (
        KeyResult.objects.filter(organization_id=person.organization_id, pk=pk)
        .select_related(
            "owner",
            "indicator",
            "objective__owner",
            "objective__period",
            "objective__scope_unit",
            "objective__scope_person__unit",
        )
        .first()
    )
    if key_result is None or not access.key_result_visible(person, key_result):
        raise Http404("No such key result.")
    return key_result


def key_results_to_check_in(*, person: Person, today: dt.date) -> QuerySet[KeyResult]:
    """Every key result a person owns in a running period that takes check-ins."""
    return (
        KeyResult.objects.filter(
            organization_id=person.organization_id,
            owner=person,
            state=KeyResult.State.ACTIVE,
            progress_source=KeyResult.Source.CHECK_INS,
            objective__state=Objective.State.ACTIVE,
            objective__period__start__lte=today,
            objective__period__end__gte=today,
        )
        .exclude(objective__period__state=Period.State.CLOSED)
        .select_related("objective__period")
        .order_by("objective__title", "objective_id", "position", "id")
    )


def key_results_due_for_check_in(
    *, person: Person, today: dt.date, cadence_days: int = 7
) -> QuerySet[KeyResult]:
    """Key results a person owns in a running period whose last check-in is a cadence or more old."""
    stale_before = today - dt.timedelta(days=cadence_days - 1)
    return (
        key_results_to_check_in(person=person, today=today)
        .annotate(last_check_in=Max("check_ins__date"))
        .filter(Q(last_check_in__isnull=True) | Q(last_check_in__lt=stale_before))
    )


@dataclass(frozen=True)
class SightStep:
    """One link of the chain from an objective up to the organization's KRAs."""

    kind: str  # "objective", "key_result" or "result_area"
    item: Objective | KeyResult | ResultArea


def line_of_sight(objective: Objective) -> list[SightStep]:
    """The chain upward: aligned objectives (through key results) and then the KRAs the chain is
    filed under, up to the organization's. Follows the heaviest link at each level; one query
    per level."""
    steps: list[SightStep] = []
    chain = [objective]
    seen = {objective.pk}
    node = objective
    while True:
        link = (
            Alignment.objects.filter(child=node)
            .select_related(
                "parent_objective__result_area", "parent_key_result__objective__result_area"
            )
            .order_by("-weight", "id")
            .first()
        )
        if link is None:
            break
        if link.parent_key_result is not None:
            steps.append(SightStep("key_result", link.parent_key_result))
            parent = link.parent_key_result.objective
        else:
            assert link.parent_objective is not None
            parent = link.parent_objective
        if parent.pk in seen:
            break
        seen.add(parent.pk)
        steps.append(SightStep("objective", parent))
        chain.append(parent)
        node = parent
    area = next((o.result_area for o in chain if o.result_area_id), None)
    areas_seen: set[int] = set()
    while area is not None and area.pk not in areas_seen:
        areas_seen.add(area.pk)
        steps.append(SightStep("result_area", area))
        area = ResultArea.objects.filter(pk=area.parent_id).first() if area.parent_id else None
    return steps


def alignment_candidates(
    *, person: Person, q: str = "", exclude: Objective | None = None, limit: int = 10
) -> tuple[list[Objective], list[KeyResult]]:
    """What an objective may be aligned under: objectives and key results the person may see in
    periods still open, matching `q`, at most `limit` of each (two queries)."""
    objectives = (
        Objective.objects.filter(access.objectives_visible_q(person))
        .exclude(state=Objective.State.CANCELLED)
        .exclude(period__state=Period.State.CLOSED)
        .select_related("owner", "period", "scope_unit", "scope_person")
    )
    if exclude is not None:
        objectives = objectives.exclude(pk=exclude.pk)
    q = q.strip()
    matching = objectives.filter(title__icontains=q) if q else objectives
    key_results = (
        KeyResult.objects.filter(objective__in=objectives, state=KeyResult.State.ACTIVE)
        .select_related("objective__period", "owner")
        .order_by("objective__title", "position", "id")
    )
    if q:
        key_results = key_results.filter(title__icontains=q)
    return (
        list(matching.order_by("-period__start", "title", "id")[:limit]),
        list(key_results[:limit]) if q else [],
    )
