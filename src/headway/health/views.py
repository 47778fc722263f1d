"""The health page: the organization's broken rules, grouped, with where to fix each one.

It shows the findings the worker stored (see `headway.health.services`) and when they were
checked: running every check on a large organization takes minutes, a page must not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from headway.core.checks import RULES
from headway.health.forms import HealthFilterForm
from headway.health.models import HealthFinding, HealthSnapshot
from headway.health.selectors import (
    finding_counts,
    findings_first_of_each_rule,
    findings_visible,
    health_state_get,
)
from headway.health.services import health_check_request, health_checks_wait_for_asking
from headway.health.snapshots import health_trend
from headway.web.current import require_person

GROUP_ROWS = 20  # rows shown per rule on the overview; "show all" pages through the rest
PAGE_ROWS = 100


@dataclass(frozen=True)
class Row:
    """A finding as the page shows it: severity in words and a link when a page exists."""

    finding: HealthFinding
    severity: str
    url: str | None


@dataclass
class Group:
    """The findings of one rule: how many there are, and the rows shown."""

    code: str
    name: str
    description: str
    count: int
    rows: list[Row] = field(default_factory=list)

    @property
    def more(self) -> int:
        return self.count - len(self.rows)


def _row(finding: HealthFinding) -> Row:
    return Row(finding, finding.severity.capitalize(), finding.url or None)


def _rule_order(code: str) -> tuple[int, str]:
    order = list(RULES)
    return (order.index(code) if code in order else 99, code)


def health_groups(counts: dict[str, int], rows: dict[str, list[HealthFinding]]) -> list[Group]:
    """One group per rule with findings, in the rules' order."""
    groups = []
    for code in sorted(counts, key=_rule_order):
        shown = rows.get(code, [])
        name, description = RULES.get(code, (shown[0].name if shown else code, ""))
        groups.append(Group(code, name, description, counts[code], [_row(f) for f in shown]))
    return groups


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
    """What is wrong with the organization's goals and how to fix it, rule by rule: the first
    findings of every rule, or every finding of one (`?rule=HW006`), page by page."""
    person = require_person(request)
    org = person.organization
    state = health_state_get(organization_id=org.pk)
    waits = health_checks_wait_for_asking()  # no worker: nothing to wait for but "Check now"
    if request.htmx and request.GET.get("poll"):  # type: ignore[attr-defined]
        if state is not None and not state.pending:
            return HttpResponseClientRefresh()  # the check is done: show its findings
        return render(request, "health/_state.html", {"state": state, "waits": waits})
    filters = HealthFilterForm(request.GET, person=person)
    unit = filters.chosen_unit()
    rule = request.GET.get("rule") or None
    findings = findings_visible(person, unit=unit)
    counts = finding_counts(findings)
    page = None
    if rule is not None:
        counts = {rule: counts[rule]} if rule in counts else {}
        page = Paginator(findings.filter(code=rule), PAGE_ROWS).get_page(request.GET.get("page"))
        rows = {rule: list(page.object_list)}
    else:
        rows = findings_first_of_each_rule(findings, GROUP_ROWS, counts)
    groups = health_groups(counts, rows)
    score = state.score if state else None
    trend = health_trend(organization=org, today=timezone.localdate(), days=TREND_DAYS)
    context: dict[str, Any] = {
        "person": person,
        "nav": "health",
        "state": state,
        "waits": waits,
        "groups": groups,
        "total": sum(g.count for g in groups),
        "score": None if score is None else Decimal(score.numerator) / Decimal(score.denominator),
        "filters": filters,
        "unit": unit,
        "rule": rule,
        "rule_name": RULES.get(rule, ("", ""))[0] if rule else "",
        "page": page,
        "trend": trend,
        "trend_chart": trend_chart(trend),
        "trend_days": TREND_DAYS,
    }
    return render(request, "health/health.html", context)


@login_required
@require_POST
def health_check_now(request: HttpRequest) -> HttpResponse:
    """Queue a check of the whole organization now (the worker runs it)."""
    person = require_person(request)
    health_check_request(person.organization_id)
    if health_checks_wait_for_asking():  # no worker: the check ran in this request
        messages.success(request, "The organization was checked just now.")
    else:
        messages.success(request, "The organization is being checked; this page updates itself.")
    return HttpResponseRedirect(reverse("health"))
