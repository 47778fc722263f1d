"""Shell pages: my week (the home page) and the error pages."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from headway import access
from headway.api.models import ApiToken
from headway.api.services import token_create, token_revoke
from headway.checkins.selectors import recent_check_ins_around
from headway.core.krtext import KeyResultParseError, parse_key_result
from headway.core.model import to_decimal
from headway.core.pace import expected_pace
from headway.goals.models import KeyResult, Objective, ResultArea, Status
from headway.goals.selectors import key_results_due_for_check_in, objective_list
from headway.org.models import Person
from headway.org.selectors import kra_rows, manager_chain
from headway.web.current import current_person, require_person


@dataclass(frozen=True)
class Paced:
    """An objective with where it should be today."""

    objective: Objective
    expected: Decimal | None


def _paced(objectives: Any, today: Any) -> list[Paced]:
    rows = []
    for objective in objectives:
        period = objective.period
        expected = None
        if period is not None:
            expected = to_decimal(expected_pace(period.start, period.end, today))
        rows.append(Paced(objective, expected))
    return rows


def _with_objective_shown(person: Person, key_results: Iterable[KeyResult]) -> list[KeyResult]:
    """Mark whether the person may see each key result's objective (it may be someone else's
    private objective: the key result is theirs, the objective's title is not)."""
    rows = list(key_results)
    shown = access.visible_objective_ids(person, (kr.objective_id for kr in rows))
    for kr in rows:
        kr.objective_shown = kr.objective_id in shown  # type: ignore[attr-defined]
    return rows


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """My week: what is due for a check-in, my objectives against pace, my team's trouble."""
    person = require_person(request)
    today = timezone.localdate()
    running = (
        objective_list(person=person, owner=person)
        .filter(period__start__lte=today, period__end__gte=today)
        .exclude(state=Objective.State.CANCELLED)
    )
    team_trouble = (
        objective_list(person=person)
        .filter(
            owner__manager_path__contains=f"/{person.pk}/",
            period__start__lte=today,
            period__end__gte=today,
            status__in=[Status.AT_RISK, Status.OFF_TRACK],
        )
        .exclude(state=Objective.State.CANCELLED)
        .order_by("status", "title")[:20]
    )
    my_areas = list(
        ResultArea.objects.filter(
            organization_id=person.organization_id, owner=person, state=ResultArea.State.ACTIVE
        ).order_by("name", "id")
    )
    return render(
        request,
        "web/home.html",
        {
            "person": person,
            "nav": "home",
            "today": today,
            "due": _with_objective_shown(
                person, key_results_due_for_check_in(person=person, today=today)
            ),
            "objectives": _paced(running, today),
            "team_trouble": _paced(team_trouble, today),
            "activity": list(recent_check_ins_around(person=person)),
            "areas": list(
                kra_rows(organization=person.organization, areas=my_areas, today=today).values()
            )
            if my_areas
            else [],
        },
    )


@login_required
def key_result_preview(request: HttpRequest) -> HttpResponse:
    """What Headway reads in a key result's title (the quick-add preview, fetched by htmx)."""
    require_person(request)
    title = request.GET.get("title", "").strip()[:300]
    context: dict[str, Any] = {"title": title}
    if title:
        try:
            context["parsed"] = parse_key_result(title)
        except KeyResultParseError as error:
            context["reason"] = str(error)
    return render(request, "web/_key_result_preview.html", context)


API_ERRORS = {
    403: "You may not do this.",
    404: "Not found: check the address against /api/v1/schema/.",
    500: "Headway failed on this request; it is logged. Try again, and report it if it repeats.",
}


def _error(request: HttpRequest, status: int, template: str, exception: Any = None) -> HttpResponse:
    if request.path.startswith("/api/"):  # API clients get JSON, whatever failed
        message = str(exception) if status == 403 and exception and str(exception) else None
        return JsonResponse(
            {"message": message or API_ERRORS[status], "field": None, "errors": {}}, status=status
        )
    context: dict[str, Any] = {
        "person": current_person(request) if hasattr(request, "user") else None
    }
    if exception is not None and status == 403 and str(exception):
        context["reason"] = str(exception)
    return render(request, template, context, status=status)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 403, "403.html", exception)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404, "404.html")


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return _error(request, 500, "500.html")
    return render(request, "500.html", status=500)


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """Who I am here, my manager chain, and my personal API tokens (a new one is shown once)."""
    person = require_person(request)
    new_secret = None
    error = ""
    if request.method == "POST" and request.POST.get("action") == "create":
        try:
            _, new_secret = token_create(person=person, name=request.POST.get("name", ""))
        except ValidationError as refusal:
            error = " ".join(refusal.messages)
    elif request.method == "POST" and request.POST.get("action") == "revoke":
        token = ApiToken.objects.filter(
            person=person, pk=request.POST.get("token", "0") or "0"
        ).first()
        if token is None:
            raise Http404("No such token.")
        token_revoke(token=token, actor=person)
        messages.success(request, f"Revoked “{token.name}”. Requests with it now answer 401.")
        return redirect("profile")
    return render(
        request,
        "web/profile.html",
        {
            "person": person,
            "nav": "profile",
            "chain": manager_chain(person=person),
            "tokens": ApiToken.objects.filter(person=person),
            "new_secret": new_secret,
            "error": error,
        },
    )
