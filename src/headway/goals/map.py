"""The alignment map: the cascade from the organization's KRAs and objectives down to units and
people, one level at a time. The first screen holds only the roots, and each expansion is one
small request (htmx), so a 10,000-person organization opens as fast as a 10-person one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from headway import access
from headway.goals.models import Alignment, Objective, ResultArea, Status
from headway.org.models import Period, Person, Unit
from headway.org.selectors import period_default
from headway.web.current import require_person


@dataclass(frozen=True)
class MapFilters:
    """What the map shows: one period, optionally one unit's subtree and one status."""

    period: Period | None
    unit: Unit | None
    status: str


def _filters(request: HttpRequest, person: Person) -> MapFilters:
    today = timezone.localdate()
    periods = Period.objects.filter(organization_id=person.organization_id)
    period = None
    if name := request.GET.get("period"):
        period = periods.filter(name=name).first()
    if period is None:
        period = period_default(organization=person.organization, today=today)
    unit = None
    if unit_id := request.GET.get("unit"):
        unit = Unit.objects.filter(organization_id=person.organization_id, pk=unit_id).first()
    status = request.GET.get("status", "")
    return MapFilters(period, unit, status if status in Status.values else "")


def _objectives(person: Person, filters: MapFilters) -> QuerySet[Objective]:
    """Visible objectives of the period, with whether anything hangs below them."""
    objectives = (
        Objective.objects.filter(access.objectives_visible_q(person), period=filters.period)
        .exclude(state=Objective.State.CANCELLED)
        .select_related("owner", "scope_unit", "scope_person")
        .annotate(
            has_children=Exists(Alignment.objects.filter(parent_objective=OuterRef("pk")))
            | Exists(Alignment.objects.filter(parent_key_result__objective=OuterRef("pk")))
        )
        .order_by("title", "pk")
    )
    if filters.status:
        objectives = objectives.filter(status=filters.status)
    return objectives


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
    filters = _filters(request, person)
    if filters.unit is not None:
        scope: dict[str, Any] = {"scope_unit": filters.unit}
    else:
        scope = {"scope_unit__isnull": True, "scope_person__isnull": True}
    context = {
        "person": person,
        "nav": "map",
        "filters": filters,
        "query": _query(filters),
        "areas": list(_areas(person).filter(**scope)),
        "objectives": list(_objectives(person, filters).filter(**scope)),
        "periods": Period.objects.filter(organization_id=person.organization_id),
        "units": Unit.objects.filter(organization_id=person.organization_id),
        "statuses": Status.choices,
    }
    return render(request, "goals/alignment_map.html", context)


@login_required
def alignment_map_children(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """One level below a node: for an objective, the objectives aligned to it or to its key
    results; for a KRA, the KRAs laddering up to it and the objectives filed under it."""
    person = require_person(request)
    filters = _filters(request, person)
    areas: list[ResultArea] = []
    if kind == "objective":
        parent = Objective.objects.filter(pk=pk).first()
        if parent is None or not access.objective_visible(person, parent):
            raise Http404("No such objective.")
        objectives = list(
            _objectives(person, filters)
            .filter(
                Q(alignments_up__parent_objective=parent)
                | Q(alignments_up__parent_key_result__objective=parent)
            )
            .distinct()
        )
    elif kind == "result_area":
        area = ResultArea.objects.filter(pk=pk, organization_id=person.organization_id).first()
        if area is None:
            raise Http404("No such KRA.")
        areas = list(_areas(person).filter(parent=area))
        objectives = list(_objectives(person, filters).filter(result_area=area))
    else:
        raise Http404("Nothing of that kind on the map.")
    return render(
        request,
        "goals/_map_nodes.html",
        {"areas": areas, "objectives": objectives, "query": _query(filters)},
    )
