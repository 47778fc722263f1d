"""Reads of goals that pages, the API and commands share; access is applied here, never in views."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connection
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


def _taking_check_ins(organization_id: int, today: dt.date) -> QuerySet[KeyResult]:
    """The organization's key results in a running period that take check-ins."""
    return KeyResult.objects.filter(
        organization_id=organization_id,
        state=KeyResult.State.ACTIVE,
        progress_source=KeyResult.Source.CHECK_INS,
        objective__state=Objective.State.ACTIVE,
        objective__period__start__lte=today,
        objective__period__end__gte=today,
    ).exclude(objective__period__state=Period.State.CLOSED)


def key_results_to_check_in(*, person: Person, today: dt.date) -> QuerySet[KeyResult]:
    """Every key result a person owns in a running period that takes check-ins."""
    return (
        _taking_check_ins(person.organization_id, today)
        .filter(owner=person)
        .select_related("objective__period")
        .order_by("objective__title", "objective_id", "position", "id")
    )


def key_results_due_for_check_in(
    *, person: Person, today: dt.date, cadence_days: int = 7
) -> QuerySet[KeyResult]:
    """Key results a person owns in a running period whose last check-in is a cadence or more old."""
    return (
        key_results_to_check_in(person=person, today=today)
        .annotate(last_check_in=Max("check_ins__date"))
        .filter(_stale_q(today, cadence_days))
    )


def check_in_stale_before(today: dt.date, cadence_days: int) -> dt.date:
    """A key result last checked in before this day is due for a check-in on `today`."""
    return today - dt.timedelta(days=cadence_days - 1)


def _stale_q(today: dt.date, cadence_days: int) -> Q:
    """Never checked in, or last checked in a cadence or more before `today`: a filter on key
    results annotated with `last_check_in`, their latest check-in date."""
    return Q(last_check_in__isnull=True) | Q(
        last_check_in__lt=check_in_stale_before(today, cadence_days)
    )


def check_ins_due_by_owner(
    *, organization_id: int, today: dt.date, cadence_days: int
) -> dict[int, dt.date]:
    """Everyone of the organization with a key result due for a check-in at a cadence of
    `cadence_days` (`key_results_due_for_check_in`), in one query: owner id to the oldest last
    check-in date of their due key results (`date.min` when one was never checked in). Someone
    whose cadence is longer has one due when that date is before `check_in_stale_before` of theirs.
    """
    rows = (
        _taking_check_ins(organization_id, today)
        .annotate(last_check_in=Max("check_ins__date"))
        .filter(_stale_q(today, cadence_days))
        .values_list("owner_id", "last_check_in")
    )
    oldest: dict[int, dt.date] = {}
    for owner_id, last in rows:
        oldest[owner_id] = min(oldest.get(owner_id, dt.date.max), last or dt.date.min)
    return oldest


@dataclass(frozen=True)
class SightStep:
    """One link of the chain from an objective up to the organization's KRAs."""

    kind: str  # "objective", "key_result" or "result_area"
    item: Objective | KeyResult | ResultArea


# The heaviest link at each level above an objective, in one recursive query (SQLite and
# PostgreSQL alike): each step takes the child's link of most weight (then the oldest) and goes
# on from its parent objective, or from the objective of its parent key result. A cycle is cut
# in Python; the depth bound only stops a cycle's walk.
_SIGHT = """
WITH RECURSIVE up(link, node, depth) AS (
    SELECT CAST(NULL AS BIGINT), CAST(%s AS BIGINT), 0
    UNION ALL
    SELECT step.id, COALESCE(step.parent_objective_id, kr.objective_id), up.depth + 1
    FROM up
    JOIN {alignment} step ON step.id = (
        SELECT heaviest.id FROM {alignment} heaviest
        WHERE heaviest.child_id = up.node
        ORDER BY heaviest.weight DESC, heaviest.id
        LIMIT 1
    )
    LEFT JOIN {key_result} kr ON kr.id = step.parent_key_result_id
    WHERE up.depth < %s
)
SELECT link FROM up WHERE link IS NOT NULL ORDER BY depth
"""
# A KRA and the KRAs above it, nearest first.
_AREAS_UP = """
WITH RECURSIVE up(id, depth) AS (
    SELECT CAST(%s AS BIGINT), 0
    UNION ALL
    SELECT area.parent_id, up.depth + 1
    FROM up JOIN {area} area ON area.id = up.id
    WHERE area.parent_id IS NOT NULL AND up.depth < %s
)
SELECT id FROM up ORDER BY depth
"""
_MOST_LEVELS = 100


def _column(sql: str, params: list[Any]) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def line_of_sight(objective: Objective) -> list[SightStep]:
    """The chain upward: aligned objectives (through key results) and then the KRAs the chain is
    filed under, up to the organization's. Follows the heaviest link at each level. Three
    queries whatever the depth: the chain's links, then those links with their parents, then
    the KRAs above the first one filed."""
    quote = connection.ops.quote_name
    sight = _SIGHT.format(
        alignment=quote(Alignment._meta.db_table), key_result=quote(KeyResult._meta.db_table)
    )
    ids = _column(sight, [objective.pk, _MOST_LEVELS])
    links = Alignment.objects.select_related(
        "parent_objective__result_area", "parent_key_result__objective__result_area"
    ).in_bulk(ids)
    steps: list[SightStep] = []
    chain = [objective]
    seen = {objective.pk}
    for link in (links[pk] for pk in ids):
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
    first = next((o.result_area for o in chain if o.result_area_id), None)
    if first is not None:
        above = _column(
            _AREAS_UP.format(area=quote(ResultArea._meta.db_table)), [first.pk, _MOST_LEVELS]
        )
        areas = ResultArea.objects.in_bulk(above[1:])
        area_seen: set[int] = set()
        for area in [first, *(areas[pk] for pk in above[1:])]:
            if area.pk in area_seen:
                break
            area_seen.add(area.pk)
            steps.append(SightStep("result_area", area))
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
