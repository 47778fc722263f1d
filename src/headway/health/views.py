"""The health page: the organization's broken rules, grouped, with where to fix each one."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from headway.core.checks import RULES, Finding
from headway.health.models import HealthSnapshot
from headway.health.selectors import (
    Place,
    finding_hidden,
    finding_places,
    organization_findings,
)
from headway.health.snapshots import health_trend
from headway.org.models import Unit
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


def health_groups(
    findings: list[Finding], places: dict[str, Place], unit: str | None
) -> list[Group]:
    """Findings grouped by rule in the rules' order, only those about objects in `unit` if given."""
    groups: dict[str, Group] = {}
    for finding in findings:
        place = places.get(finding.object, Place(None, None))
        if finding_hidden(finding, places) or (unit is not None and place.unit != unit):
            continue
        name, description = RULES.get(finding.code, (finding.name, ""))
        group = groups.setdefault(finding.code, Group(finding.code, name, description))
        group.rows.append(Row(finding, str(finding.severity).capitalize(), place.url))
    order = list(RULES)
    return sorted(
        groups.values(), key=lambda g: (order.index(g.code) if g.code in order else 99, g.code)
    )


TREND_DAYS = 30


def trend_chart(snapshots: list[HealthSnapshot]) -> dict[str, Any]:
    """The series charts.js draws: the daily score in percent."""
    points = [
        {"x": s.date.isoformat(), "y": float(s.score * 100)}
        for s in snapshots
        if s.score is not None
    ]
    return {
        "unit": "%",
        "series": [{"label": "Health score", "style": "line", "colour": "blue", "points": points}],
    }


@login_required
def health(request: HttpRequest) -> HttpResponse:
    """What is wrong with the organization's goals and how to fix it, rule by rule."""
    person = require_person(request)
    today = timezone.localdate()
    findings, score = organization_findings(person.organization, today=today)
    trend = health_trend(organization=person.organization, today=today, days=TREND_DAYS)
    places = finding_places(person, findings)
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
        "trend": trend,
        "trend_chart": trend_chart(trend),
        "trend_days": TREND_DAYS,
    }
    return render(request, "health/health.html", context)
