"""The objective page: progress against pace, each key result's chart, alignment and history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from headway import access
from headway.audit.models import AuditEvent
from headway.checkins.models import CheckIn
from headway.core.evaluate import KeyResultScore, score_key_result
from headway.core.model import to_decimal, to_float
from headway.core.pace import expected_pace
from headway.goals import services
from headway.goals.forms import (
    KeyResultEditForm,
    KeyResultQuickAddForm,
    ObjectiveEditForm,
    ObjectiveForm,
)
from headway.goals.models import Alignment, Initiative, InitiativeKeyResult, KeyResult, Objective
from headway.goals.rollup import core_key_result, core_period
from headway.goals.selectors import key_result_get, line_of_sight, objective_get
from headway.org.selectors import period_default
from headway.web.current import require_person
from headway.web.refusals import show_refusal

CONFIDENCE_TREND = 5  # how many of the latest check-in confidences the trend shows


@dataclass(frozen=True)
class KeyResultView:
    """A key result with what its row on the page and its chart need."""

    key_result: KeyResult
    check_ins: list[CheckIn]
    expected: Decimal | None
    forecast_value: Decimal | None
    owner_status: str
    confidence_trend: list[int]
    chart: dict[str, Any]
    chart_id: str
    editable: bool
    initiatives: list[Initiative]


def _chart(
    kr: KeyResult, check_ins: list[CheckIn], objective: Objective, score: KeyResultScore
) -> dict[str, Any]:
    """The series charts.js draws: check-in values, the target, the pace and the forecast."""
    period = objective.period
    values = [
        {"x": c.date.isoformat(), "y": to_float(c.value)} for c in check_ins if c.value is not None
    ]
    series: list[dict[str, Any]] = [
        {"label": "Check-ins", "style": "line", "colour": "blue", "points": values}
    ]
    if period is not None:
        start, end = period.start.isoformat(), (kr.due or period.end).isoformat()
        if kr.target is not None:
            target = to_float(kr.target)
            series.append(
                {
                    "label": "Target",
                    "style": "dashed",
                    "colour": "dark",
                    "points": [{"x": start, "y": target}, {"x": end, "y": target}],
                }
            )
            if kr.start is not None:
                series.append(
                    {
                        "label": "Expected pace",
                        "style": "dashed",
                        "colour": "grey",
                        "points": [{"x": start, "y": to_float(kr.start)}, {"x": end, "y": target}],
                    }
                )
        if score.forecast_value is not None and values:
            series.append(
                {
                    "label": "Forecast",
                    "style": "dashed",
                    "colour": "purple",
                    "points": [values[-1], {"x": end, "y": to_float(score.forecast_value)}],
                }
            )
    return {
        "unit": kr.unit_label,
        "target": to_float(kr.target),
        "start": to_float(kr.start),
        "forecast": to_float(score.forecast_value),
        "series": series,
    }


def _key_result_views(
    objective: Objective, today: dt.date, person: Any, objective_editable: bool
) -> list[KeyResultView]:
    """Every key result with its check-ins and the initiatives serving it that the person may
    see, in four queries however many there are."""
    serving: dict[int, list[Initiative]] = {}
    for link in (
        InitiativeKeyResult.objects.filter(
            key_result__objective=objective,
            initiative__in=Initiative.objects.filter(access.initiatives_visible_q(person)),
        )
        .select_related("initiative")
        .order_by("initiative__title", "id")
    ):
        serving.setdefault(link.key_result_id, []).append(link.initiative)
    key_results = (
        KeyResult.objects.filter(objective=objective)
        .select_related("owner", "indicator")
        .prefetch_related(
            Prefetch("check_ins", queryset=CheckIn.objects.order_by("date", "id"), to_attr="rows")
        )
        .order_by("position", "id")
    )
    period = core_period(objective.period)
    views = []
    for kr in key_results:
        rows: list[CheckIn] = kr.rows
        score = score_key_result(
            core_key_result(kr, rows),
            period=period,
            today=today,
            closed=objective.state == Objective.State.CLOSED,
        )
        owner_status = ""
        if score.owner_status:
            owner_status = str(CheckIn.OwnerStatus(score.owner_status).label)
        confidences = [c.confidence for c in rows if c.confidence is not None]
        views.append(
            KeyResultView(
                key_result=kr,
                check_ins=rows,
                expected=to_decimal(score.expected),
                forecast_value=to_decimal(score.forecast_value),
                owner_status=owner_status,
                confidence_trend=confidences[-CONFIDENCE_TREND:],
                chart=_chart(kr, rows, objective, score),
                chart_id=f"kr-chart-{kr.pk}",
                editable=access.key_result_editable(
                    person, kr, objective_editable_=objective_editable
                ),
                initiatives=serving.get(kr.pk, []),
            )
        )
    return views


def _aligned_below(person: Any, objective: Objective, kr_ids: list[int]) -> list[Objective]:
    """Objectives aligned to this one or its key results, only those the person may see."""
    links = (
        Alignment.objects.filter(
            Q(parent_objective=objective) | Q(parent_key_result_id__in=kr_ids),
            organization_id=objective.organization_id,
        )
        .select_related("child__owner", "child__period", "child__scope_unit", "child__scope_person")
        .order_by("child__title", "id")
    )
    seen: set[int] = set()
    children = []
    for link in links:
        child = link.child
        if child.pk not in seen and access.objective_visible(person, child):
            seen.add(child.pk)
            children.append(child)
    return children


def _history(objective: Objective, kr_ids: list[int], limit: int = 50) -> list[AuditEvent]:
    """audit_history for the objective and all its key results at once, newest first: one query
    instead of one per key result."""
    return list(
        AuditEvent.objects.filter(
            Q(object_type="objective", object_id=objective.pk)
            | Q(object_type="keyresult", object_id__in=kr_ids),
            organization_id=objective.organization_id,
        )
        .select_related("actor")
        .order_by("-at", "-id")[:limit]
    )


@login_required
def objective_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One objective: where it stands against pace, why (its key results), and where it leads."""
    person = require_person(request)
    objective = objective_get(person=person, pk=pk)
    today = timezone.localdate()
    expected = None
    if objective.period is not None:
        pace = expected_pace(objective.period.start, objective.period.end, today)
        expected = to_decimal(pace)
    editable = access.objective_editable(person, objective)
    key_results = _key_result_views(objective, today, person, editable)
    kr_ids = [view.key_result.pk for view in key_results]
    return render(
        request,
        "goals/objective.html",
        {
            "person": person,
            "nav": "objectives",
            "today": today,
            "objective": objective,
            "expected": expected,
            "key_results": key_results,
            "sight": list(reversed(line_of_sight(objective))),
            "aligned": _aligned_below(person, objective, kr_ids),
            "history": _history(objective, kr_ids),
            "editable": editable,
            "quick_add": KeyResultQuickAddForm() if editable else None,
        },
    )


def _align(objective: Objective, parent: Objective | KeyResult, actor: Any) -> Alignment:
    """Align under an objective or a key result, whichever the picker gave."""
    if isinstance(parent, KeyResult):
        return services.alignment_create(child=objective, parent_key_result=parent, actor=actor)
    return services.alignment_create(child=objective, parent_objective=parent, actor=actor)


@login_required
def objective_create(request: HttpRequest) -> HttpResponse:
    """A new objective, aligned under a higher one when the person picks it."""
    person = require_person(request)
    if request.method == "POST":
        form = ObjectiveForm(request.POST, person=person)
        if form.is_valid():
            data = form.cleaned_data
            unit = data["scope_unit"]
            try:
                with transaction.atomic():
                    objective = services.objective_create(
                        organization=person.organization,
                        title=data["title"],
                        description=data["description"],
                        owner=data["owner"],
                        period=data["period"],
                        scope_unit=unit,
                        scope_person=None if unit else data["owner"],
                        result_area=data["result_area"],
                        visibility=data["visibility"],
                        actor=person,
                    )
                    if data["aligns_to"] is not None:
                        _align(objective, data["aligns_to"], person)
            except ValidationError as error:
                show_refusal(form, error, ALIGNMENT_ALIASES)
            else:
                messages.success(request, "Objective created. Add its key results below.")
                return redirect("objective", pk=objective.pk)
    else:
        initial = {
            "owner": person,
            "aligns_to": request.GET.get("aligns_to"),
            "result_area": request.GET.get("result_area"),
            "period": period_default(organization=person.organization, today=timezone.localdate()),
        }
        form = ObjectiveForm(initial=initial, person=person)
    return render(
        request, "goals/objective_form.html", {"person": person, "nav": "objectives", "form": form}
    )


@login_required
def key_result_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Quick add: one sentence becomes a key result; the numbers come from the title."""
    person = require_person(request)
    objective = objective_get(person=person, pk=pk)
    if not access.objective_editable(person, objective):
        raise PermissionDenied(
            "Only the objective's owner, their managers and admins add key results."
        )
    form = KeyResultQuickAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.key_result_create(
                objective=objective,
                title=form.cleaned_data["title"],
                actor=person,
                **form.cleaned_data["key_result_fields"],
            )
        except ValidationError as error:
            show_refusal(form, error)
        else:
            messages.success(request, f"Added “{form.cleaned_data['title']}”.")
            return redirect("objective", pk=objective.pk)
    return render(
        request,
        "goals/key_result_form.html",
        {"person": person, "nav": "objectives", "form": form, "objective": objective},
    )


EDITABLE_FIELDS = ("title", "description", "owner", "result_area", "visibility", "state")
ALIGNMENT_ALIASES = {"parent_objective": "aligns_to", "parent_key_result": "aligns_to"}


@login_required
def objective_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change an objective's wording, owner, KRA, alignment, visibility or state; the history keeps
    the old values."""
    person = require_person(request)
    objective = objective_get(person=person, pk=pk)
    if not access.objective_editable(person, objective):
        raise PermissionDenied("Only the objective's owner, their managers and admins change it.")
    links = list(
        Alignment.objects.filter(child=objective, organization_id=objective.organization_id)
        .select_related("parent_objective", "parent_key_result__objective")
        .order_by("id")
    )
    current = links[0] if links else None
    initial: dict[str, Any] = {name: getattr(objective, name) for name in EDITABLE_FIELDS}
    if current is not None:
        initial["aligns_to"] = (
            f"objective:{current.parent_objective_id}"
            if current.parent_objective_id
            else f"key_result:{current.parent_key_result_id}"
        )
    form = ObjectiveEditForm(
        request.POST or None, initial=initial, person=person, objective=objective
    )
    if request.method == "POST" and form.is_valid():
        changes = {
            name: form.cleaned_data[name] for name in form.changed_data if name in EDITABLE_FIELDS
        }
        realign = "aligns_to" in form.changed_data
        try:
            with transaction.atomic():
                if changes:
                    services.objective_update(objective=objective, actor=person, **changes)
                if realign:
                    if current is not None:
                        services.alignment_delete(alignment=current, actor=person)
                    if form.cleaned_data["aligns_to"] is not None:
                        _align(objective, form.cleaned_data["aligns_to"], person)
        except ValidationError as error:
            show_refusal(form, error, ALIGNMENT_ALIASES)
        else:
            messages.success(request, "Saved." if changes or realign else "Nothing changed.")
            return redirect("objective", pk=objective.pk)
    return render(
        request,
        "goals/objective_edit.html",
        {
            "person": person,
            "nav": "objectives",
            "form": form,
            "objective": objective,
            "other_links": links[1:],
        },
    )


@login_required
def key_result_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a key result's numbers, owner, source or state; progress is recomputed at once."""
    person = require_person(request)
    key_result = key_result_get(person=person, pk=pk)
    if not access.key_result_editable(person, key_result):
        raise PermissionDenied(
            "Only the key result's owner, the objective's owner, their managers and admins "
            "change it."
        )
    initial = {name: getattr(key_result, name) for name in KeyResultEditForm.FIELDS}
    form = KeyResultEditForm(request.POST or None, initial=initial, person=person)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            if changes:
                services.key_result_update(key_result=key_result, actor=person, **changes)
        except ValidationError as error:
            show_refusal(form, error)
        else:
            messages.success(request, "Saved." if changes else "Nothing changed.")
            return redirect("objective", pk=key_result.objective_id)
    return render(
        request,
        "goals/key_result_edit.html",
        {"person": person, "nav": "objectives", "form": form, "key_result": key_result},
    )


@login_required
def key_result_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete a key result after a confirmation; its check-ins go with it, the history stays."""
    person = require_person(request)
    key_result = key_result_get(person=person, pk=pk)
    if not access.objective_editable(person, key_result.objective):
        raise PermissionDenied("Only the objective's owner, their managers and admins remove it.")
    if request.method == "POST":
        objective_id = key_result.objective_id
        services.key_result_delete(key_result=key_result, actor=person)
        messages.success(request, f"Deleted “{key_result.title}”.")
        return redirect("objective", pk=objective_id)
    return render(
        request,
        "goals/key_result_delete.html",
        {
            "person": person,
            "nav": "objectives",
            "key_result": key_result,
            "check_ins": key_result.check_ins.count(),
        },
    )
