"""Reads for the KRA pages: one KRA with its health, KPIs, objectives, review state and history.

Health, KPI values and statuses come from the scorecard's own `kra_rows`; review findings from
the same health checks the health page runs. Every read here is a fixed number of queries, however
many KPIs, objectives, child KRAs or history rows the KRA has (the parent chain costs one query
per level).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, Q, Sum
from django.http import Http404
from django.utils import timezone

from headway import access
from headway.audit.models import AuditEvent
from headway.core.checks import RULES
from headway.core.model import ORG_SCOPE, scope_key
from headway.goals.models import Objective, ResultArea
from headway.goals.selectors import objective_list
from headway.health.models import HealthFinding
from headway.health.selectors import health_state_get
from headway.indicators.models import Measurement
from headway.org.models import Organization, Person, Unit
from headway.org.selectors import KraRow, kra_rows

# Field names of the audit trail as the history reads them; fields not listed are not shown.
HISTORY_LABELS = {
    "name": "Name",
    "description": "Description",
    "owner": "Owner",
    "weight": "Weight",
    "parent": "Ladders up to",
    "review_cadence_days": "Review cadence (days)",
    "last_reviewed_at": "Last reviewed",
    "review_note": "Review note",  # in events written before the note had its own field
    "last_review_note": "Review note",
    "last_reviewed_by": "Reviewed by",
    "state": "State",
    "scope_unit": "Unit",
    "scope_person": "Person",
    "key": "Key",
}
REVIEW_FIELDS = {"last_reviewed_at", "last_reviewed_by", "last_review_note", "review_note"}
MAX_LADDER_DEPTH = 20  # a guard: the services refuse cycles, old data might still hold one


def result_area_get(*, person: Person, pk: Any) -> ResultArea:
    """One KRA of the person's organization; another tenant's (or none) is 404."""
    area = (
        ResultArea.objects.select_related(
            "organization",
            "owner",
            "parent",
            "scope_unit",
            "scope_person__unit",
            "last_reviewed_by",
        )
        .filter(organization_id=person.organization_id, pk=pk)
        .first()
    )
    if area is None or not access.result_area_visible(person, area):
        raise Http404("No such KRA.")
    return area


def scope_label(area: ResultArea) -> str:
    """'Sales (unit)', 'Mia Member (person)' or 'Acme (organization)'."""
    if area.scope_unit is not None:
        return f"{area.scope_unit.name} (unit)"
    if area.scope_person is not None:
        return f"{area.scope_person.name} (person)"
    return f"{area.organization} (organization)"


def _finding_scope_key(area: ResultArea) -> str:
    """The scope as the health checks name it: `org`, `unit:NAME` or `person:EMAIL`."""
    if area.scope_unit is not None:
        return scope_key("unit", area.scope_unit.name)
    if area.scope_person is not None:
        return scope_key("person", area.scope_person.email)
    return ORG_SCOPE


# -- the KRA page -----------------------------------------------------------------------------
@dataclass(frozen=True)
class ReviewState:
    """When the KRA was last reviewed, when the next review is due, and whether it has drifted."""

    last_reviewed_at: dt.datetime | None
    cadence_days: int
    due: dt.date | None
    overdue: bool
    drift: HealthFinding | None


@dataclass(frozen=True)
class HistoryChange:
    label: str
    before: Any
    after: Any


@dataclass(frozen=True)
class HistoryRow:
    """An audit event in words: what happened, and each changed field from what to what."""

    event: AuditEvent
    what: str
    changes: list[HistoryChange]


@dataclass
class AreaPage:
    """Everything the KRA page shows."""

    area: ResultArea
    scope: str
    ladder: list[ResultArea]  # from the top down to the parent
    health: KraRow
    last_measured: dict[int, dt.date]
    objectives: list[Objective]
    children: list[ResultArea]
    review: ReviewState
    findings: list[HealthFinding]
    history: list[HistoryRow] = field(default_factory=list)


def _ladder(area: ResultArea) -> list[ResultArea]:
    """The KRAs this one ladders up to, from the top down; one query per level."""
    chain: list[ResultArea] = []
    seen = {area.pk}
    parent = area.parent
    while parent is not None and parent.pk not in seen and len(chain) < MAX_LADDER_DEPTH:
        chain.append(parent)
        seen.add(parent.pk)
        parent = (
            ResultArea.objects.filter(
                organization_id=area.organization_id, pk=parent.parent_id
            ).first()
            if parent.parent_id
            else None
        )
    return list(reversed(chain))


def _findings(area: ResultArea) -> list[HealthFinding]:
    """The stored findings on this KRA and on its scope (too many KRAs, weights). A review
    recorded after they were checked answers the KRA's HW008 and HW015 already."""
    mine = {f"result_area:{area.key}", f"scope:{_finding_scope_key(area)}"}
    findings = list(
        HealthFinding.objects.filter(organization_id=area.organization_id, object__in=mine)
    )
    state = health_state_get(organization_id=area.organization_id)
    reviewed = area.last_reviewed_at
    if reviewed is not None and state is not None and state.checked_at is not None:
        if reviewed >= state.checked_at:
            answered = {"HW008", "HW015"}
            subject = f"result_area:{area.key}"
            findings = [f for f in findings if not (f.object == subject and f.code in answered)]
    return findings


def _review_state(area: ResultArea, findings: list[HealthFinding]) -> ReviewState:
    """HW008 says whether the review is overdue, HW015 whether the parent moved since."""
    due = None
    if area.last_reviewed_at is not None:
        reviewed_on = timezone.localtime(area.last_reviewed_at).date()
        due = reviewed_on + dt.timedelta(days=area.review_cadence_days)
    subject = f"result_area:{area.key}"
    return ReviewState(
        last_reviewed_at=area.last_reviewed_at,
        cadence_days=area.review_cadence_days,
        due=due,
        overdue=any(f.code == "HW008" and f.object == subject for f in findings),
        drift=next((f for f in findings if f.code == "HW015" and f.object == subject), None),
    )


def _last_measured(indicator_ids: list[int]) -> dict[int, dt.date]:
    """The date of each KPI's latest value, in one query."""
    if not indicator_ids:
        return {}
    rows = (
        Measurement.objects.filter(indicator_id__in=indicator_ids)
        .order_by()
        .values("indicator_id")
        .annotate(last=Max("date"))
    )
    return {row["indicator_id"]: row["last"] for row in rows}


def _objectives(*, viewer: Person, area: ResultArea, today: dt.date) -> list[Objective]:
    """Objectives filed under the KRA in the periods running today (those its health counts),
    only those the viewer may see."""
    return list(
        objective_list(person=viewer)
        .filter(
            organization_id=area.organization_id,
            result_area=area,
            period__start__lte=today,
            period__end__gte=today,
        )
        .exclude(state=Objective.State.CANCELLED)
        .order_by("period__start", "title", "id")
    )


def _children(area: ResultArea) -> list[ResultArea]:
    return list(
        ResultArea.objects.filter(organization_id=area.organization_id, parent=area)
        .select_related("owner", "scope_unit", "scope_person")
        .order_by("state", "name", "id")
    )


def _names(model: Any, organization_id: int, ids: Iterable[Any]) -> dict[int, str]:
    wanted = {int(i) for i in ids if isinstance(i, int | str) and str(i).isdigit()}
    if not wanted:
        return {}
    rows = model.objects.filter(organization_id=organization_id, pk__in=wanted)
    return dict(rows.values_list("pk", "name"))


def result_area_history(*, area: ResultArea, limit: int = 50) -> list[HistoryRow]:
    """The KRA's audit trail, newest first, with people, units and KRAs named instead of ids.

    At most four queries: the events, then the people, units and KRAs they mention.
    """
    events = list(
        AuditEvent.objects.filter(
            organization_id=area.organization_id, object_type="resultarea", object_id=area.pk
        )
        .select_related("actor")
        .order_by("-at", "-id")[:limit]
    )
    kind_of = {
        "owner": "people",
        "last_reviewed_by": "people",
        "scope_person": "people",
        "scope_unit": "units",
        "parent": "areas",
    }
    mentioned: dict[str, set[Any]] = {"people": set(), "units": set(), "areas": set()}
    for event in events:
        for name, pair in event.changes.items():
            if name in kind_of:
                mentioned[kind_of[name]].update(v for v in pair if v is not None)
    org = area.organization_id
    names = {
        "people": _names(Person, org, mentioned["people"]),
        "units": _names(Unit, org, mentioned["units"]),
        "areas": _names(ResultArea, org, mentioned["areas"]),
    }

    def shown(name: str, value: Any) -> Any:
        if value == "":
            return None
        if value is None or name not in kind_of:
            return value
        return names[kind_of[name]].get(int(value), f"#{value}")

    rows = []
    for event in events:
        if event.action == AuditEvent.Action.CREATE:
            rows.append(HistoryRow(event, "Created", []))
            continue
        if event.action == AuditEvent.Action.UPDATE and set(event.changes) <= REVIEW_FIELDS:
            what = "Reviewed"
        else:
            what = str(event.get_action_display()).capitalize() + "d"
        changes = [
            HistoryChange(HISTORY_LABELS[name], shown(name, pair[0]), shown(name, pair[1]))
            for name, pair in event.changes.items()
            if name in HISTORY_LABELS
        ]
        rows.append(HistoryRow(event, what, changes))
    return rows


def result_area_page(*, viewer: Person, area: ResultArea, today: dt.date) -> AreaPage:
    """The KRA page: health as the scorecard computes it, and what the viewer may see below."""
    health = kra_rows(organization=area.organization, areas=[area], today=today)[area.pk]
    findings = _findings(area)
    return AreaPage(
        area=area,
        scope=scope_label(area),
        ladder=_ladder(area),
        health=health,
        last_measured=_last_measured([row.indicator.pk for row in health.indicators]),
        objectives=_objectives(viewer=viewer, area=area, today=today),
        children=_children(area),
        review=_review_state(area, findings),
        findings=findings,
        history=result_area_history(area=area),
    )


def finding_rule(finding: HealthFinding) -> str:
    """The rule's short name ("unreviewed") for a finding."""
    return RULES.get(finding.code, (finding.name, ""))[0]


# -- the scope a new KRA goes into ------------------------------------------------------------
@dataclass(frozen=True)
class ScopeSummary:
    """The active KRAs a scope already has, and the sum of their weights."""

    label: str
    count: int
    weight_total: Decimal | None
    names: list[str]


def scope_summary(
    *, organization: Organization, unit: Unit | None, person: Person | None
) -> ScopeSummary:
    """How many active KRAs the scope already has (the seeds: 3–5), in two queries."""
    active = ResultArea.objects.filter(
        organization=organization,
        state=ResultArea.State.ACTIVE,
        scope_unit=unit,
        scope_person=person,
    )
    totals = active.aggregate(n=Count("id"), weights=Sum("weight", filter=Q(weight__isnull=False)))
    names = list(active.order_by("name", "id").values_list("name", flat=True)[:10])
    if unit is not None:
        label = unit.name
    elif person is not None:
        label = person.name
    else:
        label = f"{organization} (the organization)"
    return ScopeSummary(label, totals["n"], totals["weights"], names)
