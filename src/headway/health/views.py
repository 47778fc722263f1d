"""The health page: the organization's broken rules, grouped, with where to fix each one."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from headway import access
from headway.core.checks import RULES, Finding
from headway.goals.models import KeyResult, Objective, ResultArea
from headway.health.selectors import organization_findings
from headway.indicators.models import Indicator
from headway.org.models import Person, Unit
from headway.web.current import require_person


@dataclass(frozen=True)
class Row:
    """A finding as the page shows it: severity in words and a link when a page exists."""

    finding: Finding
    severity: str
    url: str | None


@dataclass
class Group:
    """The findings of one rule."""

    code: str
    name: str
    description: str
    rows: list[Row] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.rows)


@dataclass
class _Place:
    """Where a finding's object lives: its page and its unit (for the scope filter)."""

    url: str | None
    unit: str | None


def _keys(findings: list[Finding], kind: str) -> set[str]:
    prefix = f"{kind}:"
    return {f.object[len(prefix) :] for f in findings if f.object.startswith(prefix)}


def _places(person: Person, findings: list[Finding]) -> dict[str, _Place]:
    """Resolve every finding's object in one query per kind; objects the person may not see
    (objectives, and the key results under them) are left out."""
    org = person.organization_id
    places: dict[str, _Place] = {}
    kr_rows = list(
        KeyResult.objects.filter(
            organization_id=org, key__in=_keys(findings, "key_result")
        ).values_list("key", "objective__key")
    )
    objective_keys = _keys(findings, "objective") | {o for _, o in kr_rows}
    objectives = {
        key: _Place(f"/objectives/{pk}/", unit or person_unit)
        for key, pk, unit, person_unit in Objective.objects.filter(
            access.objectives_visible_q(person), key__in=objective_keys
        ).values_list("key", "pk", "scope_unit__name", "scope_person__unit__name")
    }
    for key, place in objectives.items():
        places[f"objective:{key}"] = place
    for kr_key, objective_key in kr_rows:
        if objective_key in objectives:
            places[f"key_result:{kr_key}"] = objectives[objective_key]
    for key, pk, unit, person_unit in Indicator.objects.filter(
        organization_id=org, key__in=_keys(findings, "indicator")
    ).values_list("key", "pk", "scope_unit__name", "scope_person__unit__name"):
        places[f"indicator:{key}"] = _Place(f"/kpis/{pk}/", unit or person_unit)
    for key, unit, person_unit in ResultArea.objects.filter(
        organization_id=org, key__in=_keys(findings, "result_area")
    ).values_list("key", "scope_unit__name", "scope_person__unit__name"):
        places[f"result_area:{key}"] = _Place(None, unit or person_unit)
    emails = _keys(findings, "person") | {
        key.removeprefix("person:") for key in _keys(findings, "scope") if key.startswith("person:")
    }
    units_of = dict(
        Person.objects.filter(organization_id=org, email__in=emails).values_list(
            "email", "unit__name"
        )
    )
    for email, unit in units_of.items():
        places[f"person:{email}"] = _Place(None, unit)
        places[f"scope:person:{email}"] = _Place(None, unit)
    for key in _keys(findings, "scope"):
        if key.startswith("unit:"):
            places[f"scope:{key}"] = _Place(None, key.removeprefix("unit:"))
        elif not key.startswith("person:"):
            places[f"scope:{key}"] = _Place(None, None)
    return places


def _hidden(finding: Finding, places: dict[str, _Place]) -> bool:
    """Objectives and key results the person may not see are missing from `places`."""
    kind = finding.object.split(":", 1)[0]
    return kind in ("objective", "key_result") and finding.object not in places


def health_groups(
    findings: list[Finding], places: dict[str, _Place], unit: str | None
) -> list[Group]:
    """Findings grouped by rule in the rules' order, only those about objects in `unit` if given."""
    groups: dict[str, Group] = {}
    for finding in findings:
        place = places.get(finding.object, _Place(None, None))
        if _hidden(finding, places) or (unit is not None and place.unit != unit):
            continue
        name, description = RULES.get(finding.code, (finding.name, ""))
        group = groups.setdefault(finding.code, Group(finding.code, name, description))
        group.rows.append(Row(finding, str(finding.severity).capitalize(), place.url))
    order = list(RULES)
    return sorted(
        groups.values(), key=lambda g: (order.index(g.code) if g.code in order else 99, g.code)
    )


@login_required
def health(request: HttpRequest) -> HttpResponse:
    """What is wrong with the organization's goals and how to fix it, rule by rule."""
    person = require_person(request)
    findings, score = organization_findings(person.organization, today=timezone.localdate())
    places = _places(person, findings)
    units = list(Unit.objects.filter(organization_id=person.organization_id).order_by("path"))
    scope = request.GET.get("scope", "")
    unit = scope.removeprefix("unit:") if scope.startswith("unit:") else None
    groups = health_groups(findings, places, unit)
    context: dict[str, Any] = {
        "person": person,
        "nav": "health",
        "groups": groups,
        "total": sum(g.count for g in groups),
        "score": None if score is None else Decimal(score.numerator) / Decimal(score.denominator),
        "units": units,
        "scope": scope,
        "unit": unit,
    }
    return render(request, "health/health.html", context)
