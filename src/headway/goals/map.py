"""The alignment map: the cascade from the organization's KRAs and objectives down to units and
people, one level at a time. The first screen holds only the roots, and each expansion is one
small request (htmx), so a 10,000-person organization opens as fast as a 10-person one."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from headway import access
from headway.goals.models import Alignment, KeyResult, Objective, ResultArea, Status
from headway.org.models import Period, Person, Unit
from headway.org.selectors import period_default_of
from headway.web.current import require_person
from headway.web.picker import PickerField, bind_pickers

MAX_ROOTS = 500


@dataclass(frozen=True)
class MapFilters:
    """What the map shows: one period, optionally one unit's subtree and one status."""

    period: Period | None
    unit: Unit | None
    status: str


class _UnitFilter(forms.Form):
    """The unit to show, found by typing: 5,000 units are no select."""

    unit = PickerField("unit", required=False, label="Unit")


def _filters(request: HttpRequest, person: Person, periods: list[Period]) -> MapFilters:
    period = None
    if name := request.GET.get("period"):
        period = next((p for p in periods if p.name == name), None)
    if period is None:
        period = period_default_of(periods, today=timezone.localdate())
    unit = None
    if (unit_id := request.GET.get("unit", "")).isdigit():
        unit = Unit.objects.filter(organization_id=person.organization_id, pk=unit_id).first()
    status = request.GET.get("status", "")
    return MapFilters(period, unit, status if status in Status.values else "")


def _periods(person: Person) -> list[Period]:
    return list(Period.objects.filter(organization_id=person.organization_id).order_by("start"))


def _objectives(person: Person, filters: MapFilters) -> QuerySet[Objective]:
    """Visible objectives of the period (whether anything hangs below them: `_with_children`)."""
    objectives = (
        Objective.objects.filter(access.objectives_visible_q(person), period=filters.period)
        .exclude(state=Objective.State.CANCELLED)
        .select_related("owner", "scope_unit", "scope_person")
        .order_by("title", "pk")
    )
    if filters.status:
        objectives = objectives.filter(status=filters.status)
    return objectives


def _roots(person: Person, filters: MapFilters) -> list[Objective]:
    """The organization's own objectives of the period that the person may see, at most
    MAX_ROOTS of them (more would not make a first screen).

    The planner misjudges how few objectives have no scope (each column is mostly empty, but
    rarely both), and so joins their owners by hashing every person of the organization: the
    first screen then grows with the organization. Reading the roots' ids in a subquery with a
    LIMIT bounds that guess, and the owners are looked up one by one. The visibility rule is
    then applied by `access.objective_visible`, which needs no query for an objective without
    a scope."""
    ids = (
        Objective.objects.filter(
            organization_id=person.organization_id,
            period=filters.period,
            scope_unit__isnull=True,
            scope_person__isnull=True,
        )
        .exclude(state=Objective.State.CANCELLED)
        .order_by("title", "pk")
    )
    if filters.status:
        ids = ids.filter(status=filters.status)
    roots = (
        Objective.objects.filter(pk__in=ids.values("pk")[:MAX_ROOTS])
        .select_related("owner")
        .order_by("title", "pk")
    )
    return [o for o in roots if access.objective_visible(person, o)]


def _with_children(person: Person, objectives: Iterable[Objective]) -> list[Objective]:
    """The objectives, each with `has_children`: anything aligned to it or to one of its key
    results. One query for all of them, after the objectives are read: asked inside the
    objectives' query, the planner of a large organization scans every alignment."""
    found = list(objectives)
    ids = [o.pk for o in found]
    parents: set[int] = set()
    if ids:
        links = Alignment.objects.filter(organization_id=person.organization_id).order_by()
        to_objectives = links.filter(parent_objective_id__in=ids).values_list(
            "parent_objective_id", flat=True
        )
        to_key_results = links.filter(
            parent_key_result__in=KeyResult.objects.filter(
                organization_id=person.organization_id, objective_id__in=ids
            )
        ).values_list("parent_key_result__objective_id", flat=True)
        parents = set(to_objectives.union(to_key_results))
    for objective in found:
        objective.has_children = objective.pk in parents  # type: ignore[attr-defined]
    return found


def _areas(person: Person) -> QuerySet[ResultArea]:
    return (
        ResultArea.objects.filter(organization_id=person.organization_id, state="active")
        .select_related("owner")
        .annotate(
            has_children=Exists(ResultArea.objects.filter(parent=OuterRef("pk"), state="active"))
            | Exists(Objective.objects.filter(result_area=OuterRef("pk")))
        )
        .order_by("name", "pk")
    )


def _query(filters: MapFilters) -> str:
    parts = []
    if filters.period:
        parts.append(f"period={filters.period.name}")
    if filters.unit:
        parts.append(f"unit={filters.unit.pk}")
    if filters.status:
        parts.append(f"status={filters.status}")
    return "&".join(parts)


@login_required
def alignment_map(request: HttpRequest) -> HttpResponse:
    """The first screen: the organization's KRAs and objectives (or one unit's)."""
    person = require_person(request)
    periods = _periods(person)
    filters = _filters(request, person, periods)
    if filters.unit is not None:
        areas_scope: dict[str, Any] = {"scope_unit": filters.unit}
        objectives = list(_objectives(person, filters).filter(scope_unit=filters.unit))
    else:
        areas_scope = {"scope_unit__isnull": True, "scope_person__isnull": True}
        objectives = _roots(person, filters)
    unit_filter = _UnitFilter(initial={"unit": filters.unit.pk if filters.unit else None})
    bind_pickers(unit_filter, person)
    context = {
        "person": person,
        "nav": "map",
        "filters": filters,
        "query": _query(filters),
        "areas": list(_areas(person).filter(**areas_scope)),
        "objectives": _with_children(person, objectives),
        "periods": periods,
        "unit_filter": unit_filter,
        "statuses": Status.choices,
    }
    return render(request, "goals/alignment_map.html", context)


@login_required
def alignment_map_children(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """One level below a node: for an objective, the objectives aligned to it or to its key
    results; for a KRA, the KRAs laddering up to it and the objectives filed under it."""
    person = require_person(request)
    filters = _filters(request, person, _periods(person))
    areas: list[ResultArea] = []
    if kind == "objective":
        parent = (
            Objective.objects.filter(organization_id=person.organization_id, pk=pk)
            .select_related("owner", "scope_unit", "scope_person__unit")
            .first()
        )
        if parent is None or not access.objective_visible(person, parent):
            raise Http404("No such objective.")
        # The children's ids first: inside the objectives' query, the planner of a large
        # organization cannot tell how few they are, and scans every objective of the period.
        links = Alignment.objects.filter(organization_id=parent.organization_id).order_by()
        children = links.filter(parent_objective=parent).values_list("child_id", flat=True)
        through_key_results = links.filter(parent_key_result__objective=parent).values_list(
            "child_id", flat=True
        )
        objectives = _with_children(
            person,
            _objectives(person, filters).filter(pk__in=list(children.union(through_key_results))),
        )
    elif kind == "result_area":
        area = ResultArea.objects.filter(pk=pk, organization_id=person.organization_id).first()
        if area is None:
            raise Http404("No such KRA.")
        areas = list(_areas(person).filter(parent=area))
        objectives = _with_children(person, _objectives(person, filters).filter(result_area=area))
    else:
        raise Http404("Nothing of that kind on the map.")
    return render(
        request,
        "goals/_map_nodes.html",
        {"areas": areas, "objectives": objectives, "query": _query(filters)},
    )
