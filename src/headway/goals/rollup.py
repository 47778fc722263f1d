"""Derived values in the database: a key result's current value, progress, attainment and
status, and its objective's and every aligned ancestor's progress and status.

`rollup_key_result` runs after a check-in, a measurement or an edit: it refreshes the key
result, then its objective and every aligned ancestor, in a fixed number of queries (a few per
key result fed by aligned objectives on the way up), whatever the number of aligned children:
siblings off the chain are read as one grouped sum per parent and link weight.
`recompute_organization` rebuilds every derived value from scratch with the same arithmetic;
the two must agree (a property test checks it).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from decimal import ROUND_HALF_EVEN, Context, Decimal
from fractions import Fraction

from django.db import connection, transaction
from django.db.models import BigIntegerField, Count, F, Q, Sum, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Round
from django.utils import timezone

from headway.bulk import batches, rows_update
from headway.checkins.models import CheckIn
from headway.checkins.selectors import latest_check_ins
from headway.core import model as core
from headway.core.evaluate import KeyResultScore, score_key_result, score_objective
from headway.core.progress import exact, number, weighted_mean
from headway.goals import status_log
from headway.goals.models import Alignment, KeyResult, Milestone, Objective
from headway.indicators.models import Indicator, Measurement
from headway.notify import escalations
from headway.org.models import Organization, Period
from headway.webhooks import events as webhook_events
from headway.webhooks.services import webhooks_cached

PLACES = Decimal("0.0000000001")
VALUE_PLACES = Decimal("0.000001")
SCALE = 10**10  # a stored ratio has ten decimal places: SCALE × ratio is a whole number
_CONTEXT = Context(prec=60)

Node = tuple[str, int]  # ("o", objective id) or ("k", key result id)
Item = tuple[Fraction, Fraction | None, Fraction | None]  # (weight, progress, forecast)
# What scoring reads of a check-in (its note scores nothing), and when it was recorded.
CheckInRow = tuple[int, dt.date, Decimal | None, int | None, str, dt.datetime]
_CHECK_IN_FIELDS = ("id", "date", "value", "confidence", "status", "created_at")


def _rounded(value: Fraction | None, places: Decimal) -> Decimal | None:
    if value is None:
        return None
    quotient = _CONTEXT.divide(Decimal(value.numerator), Decimal(value.denominator))
    return quotient.quantize(places, rounding=ROUND_HALF_EVEN)


def stored(value: Fraction | None) -> Decimal | None:
    """A ratio as the database keeps it: ten decimal places."""
    return _rounded(value, PLACES)


def stored_value(value: Fraction | None) -> Decimal | None:
    """A value (a key result's current) as the database keeps it: six decimal places."""
    return _rounded(value, VALUE_PLACES)


def core_period(period: Period | None) -> core.Period | None:
    if period is None:
        return None
    return core.Period(id=str(period.pk), start=period.start, end=period.end, state=period.state)


def _core_check_in(row: CheckInRow) -> core.CheckIn:
    _, date, value, confidence, status, _ = row
    return core.CheckIn(date, number(value), confidence, status or None)


def core_key_result(
    kr: KeyResult, check_ins: Iterable[CheckIn], milestones: Iterable[Milestone] = ()
) -> core.KeyResult:
    """The core's view of a key result row. `check_ins` must be in recording order."""
    return _core_key_result(
        kr,
        [
            core.CheckIn(c.date, number(c.value), c.confidence, c.status or None, c.note)
            for c in check_ins
        ],
        milestones,
    )


def _core_key_result(
    kr: KeyResult, check_ins: list[core.CheckIn], milestones: Iterable[Milestone]
) -> core.KeyResult:
    return core.KeyResult(
        id=str(kr.pk),
        title=kr.title,
        kind=core.KRKind(kr.kind),
        direction=core.Direction(kr.direction),
        start=number(kr.start),
        target=number(kr.target),
        lower=number(kr.lower),
        upper=number(kr.upper),
        weight=exact(kr.weight),
        confidence_start=kr.confidence_start,
        source=core.ProgressSource(kr.progress_source),
        indicator=str(kr.indicator_id) if kr.indicator_id else None,
        due=kr.due,
        cancelled=kr.state == KeyResult.State.CANCELLED,
        milestones=[core.Milestone(m.title, m.done, Fraction(m.weight), m.due) for m in milestones],
        check_ins=check_ins,
    )


def _follows_milestones(kr: KeyResult) -> bool:
    """Milestones move a key result of kind milestones, or one whose progress comes from them."""
    return kr.kind == KeyResult.Kind.MILESTONES or kr.progress_source == KeyResult.Source.MILESTONES


def core_indicator(indicator: Indicator, measurements: Iterable[Measurement]) -> core.Indicator:
    return _core_indicator(
        indicator, [core.Measurement(m.date, Fraction(m.value)) for m in measurements]
    )


def _core_indicator(indicator: Indicator, measurements: list[core.Measurement]) -> core.Indicator:
    return core.Indicator(
        id=str(indicator.pk),
        name=indicator.name,
        scope="",
        direction=core.IndicatorDirection(indicator.direction),
        frequency=core.Frequency(indicator.frequency),
        aggregation=core.Aggregation(indicator.aggregation),
        measurements=measurements,
    )


def _as_of(period: Period | None, today: dt.date) -> dt.date:
    """The day a key result's values are read on: today, or its period's end once it is over."""
    return min(today, period.end) if period is not None else today


def _scored_check_ins(rows: Sequence[CheckInRow]) -> tuple[list[core.CheckIn], dt.datetime | None]:
    """From a key result's latest check-in and its latest one with a value (in any order, either
    missing, possibly the same row): what scoring reads, in recording order, and when the latest
    was recorded. A key result's stored values depend on nothing else of its check-ins."""
    if not rows:
        return [], None
    ordered = sorted({row[0]: row for row in rows}.values(), key=lambda row: (row[1], row[0]))
    latest = ordered[-1]
    if latest[2] is not None:
        return [_core_check_in(latest)], latest[5]
    valued = [row for row in ordered if row[2] is not None]
    return [_core_check_in(row) for row in (*valued[-1:], latest)], latest[5]


def _apply_key_result_score(
    kr: KeyResult,
    score: KeyResultScore,
    last_check_in_at: dt.datetime | None,
    log: status_log.StatusLog,
) -> list[str]:
    """Copy a score onto the row; the names of the fields that changed. Status changes go to
    `log`, written when the rollup has scored everything."""
    values = {
        "current": stored_value(score.current),
        "progress": stored(score.progress),
        "attainment": stored(score.attainment),
        "status": str(score.status),
        "confidence": score.confidence,
        "done": kr.kind == KeyResult.Kind.BOOLEAN and score.progress == 1,
        "last_check_in_at": last_check_in_at,
    }
    changed = [name for name, value in values.items() if getattr(kr, name) != value]
    if changed:  # the status log, escalations and webhooks see the row before it changes
        log.changed(kr, values)
        escalations.key_result_changed(kr, values)
        webhook_events.key_result_status_changed(kr, values)
    for name in changed:
        setattr(kr, name, values[name])
    return changed


def _objective_items(
    rollup: str, key_results: Iterable[Item], children: Iterable[Item]
) -> list[Item]:
    """An objective's items by its rollup: its key results, its aligned children, or both.
    Cancelled ones must already be left out."""
    items: list[Item] = []
    if rollup in (Objective.Rollup.KEY_RESULTS, Objective.Rollup.BOTH):
        items += key_results
    if rollup in (Objective.Rollup.CHILDREN, Objective.Rollup.BOTH):
        items += children
    return items


def _key_result_item(kr: KeyResult) -> list[Item]:
    if kr.state == KeyResult.State.CANCELLED:
        return []
    return [(exact(kr.weight), number(kr.progress), None)]


def _child_item(weight: Decimal, child: Objective) -> list[Item]:
    if child.state == Objective.State.CANCELLED:
        return []
    return [(exact(weight), number(child.progress), None)]


def _apply_objective(
    objective: Objective, items: list, today: dt.date, log: status_log.StatusLog
) -> list[str]:
    score = score_objective(
        str(objective.pk),
        items,
        period=core_period(objective.period),
        today=today,
        closed=objective.state == Objective.State.CLOSED,
    )
    values = {"progress": stored(score.progress), "status": str(score.status)}
    changed = [name for name, value in values.items() if getattr(objective, name) != value]
    if changed:
        log.changed(objective, values)
        webhook_events.objective_status_changed(objective, values)
    for name in changed:
        setattr(objective, name, values[name])
    return changed


def _progress_of(items: Iterable[Item]) -> Fraction | None:
    return weighted_mean((weight, progress) for weight, progress, _ in items)


# -- incremental ------------------------------------------------------------------------------
def _latest_check_ins(kr: KeyResult, as_of: dt.date) -> list[CheckInRow]:
    """The key result's latest check-in on or before `as_of`, and its latest one with a value
    when that is another: `latest_check_ins` for one key result, on a check-in's path, where
    one plain index lookup (as almost every latest has a value) compiles and runs in a fraction
    of that query's time."""
    recent = CheckIn.objects.filter(
        organization_id=kr.organization_id, key_result_id=kr.pk, date__lte=as_of
    ).order_by("-date", "-id")
    latest = recent.values_list(*_CHECK_IN_FIELDS).first()
    if latest is None:
        return []
    rows: list[CheckInRow] = [latest]
    if latest[2] is None:
        valued = recent.filter(value__isnull=False).values_list(*_CHECK_IN_FIELDS).first()
        if valued is not None:
            rows.append(valued)
    return rows


def _aligned_children(
    organization_id: int,
    *,
    objectives: Collection[int] = (),
    key_results: Collection[int] = (),
    leave_out: Collection[int] = (),
) -> dict[Node, list[Item]]:
    """The items of the objectives aligned to these parents, except those in `leave_out`, in
    one grouped query: per parent and link weight, n children whose progress sums to s count as
    one item of weight n·w and progress s/n (the same weighted mean). Exact on every database:
    progress has ten decimal places and is summed as a whole number of 10⁻¹⁰."""
    if not objectives and not key_results:
        return {}
    scaled = Cast(Round(F("child__progress") * Value(SCALE)), output_field=BigIntegerField())
    rows = (
        Alignment.objects.filter(organization_id=organization_id)
        .filter(Q(parent_objective_id__in=objectives) | Q(parent_key_result_id__in=key_results))
        .exclude(child_id__in=leave_out)
        .filter(child__progress__isnull=False)
        .exclude(child__state=Objective.State.CANCELLED)
        .order_by()
        .values_list("parent_objective_id", "parent_key_result_id", "weight")
        .annotate(children=Count("id"), total=Sum(scaled))
    )
    items: dict[Node, list[Item]] = defaultdict(list)
    for parent_objective, parent_kr, weight, children, total in rows:
        node = ("o", parent_objective) if parent_objective else ("k", parent_kr)
        items[node].append(
            (Fraction(weight) * children, Fraction(int(total), SCALE * children), None)
        )
    return items


def _rescore_key_result(
    kr: KeyResult,
    *,
    today: dt.date,
    children_progress: Fraction | None,
    latest: Sequence[CheckInRow] | None,
    log: status_log.StatusLog,
) -> list[str]:
    """Score one key result from its check-ins, KPI, milestones or aligned children (whose
    weighted progress is `children_progress`) and copy the score onto the row, unsaved; the
    names of the fields that changed. `kr.objective` and its period must be loaded. `latest`:
    its latest check-ins when already read (`_latest_check_ins_of`), else None."""
    period = kr.objective.period
    as_of = _as_of(period, today)
    if latest is None:
        latest = _latest_check_ins(kr, as_of)
    check_ins, last_at = _scored_check_ins(latest)
    milestones = list(kr.milestones.all()) if _follows_milestones(kr) else []
    indicator = None
    if kr.progress_source == KeyResult.Source.INDICATOR and kr.indicator_id and period is not None:
        measurements = Measurement.objects.filter(
            indicator_id=kr.indicator_id, date__gte=period.start, date__lte=min(period.end, today)
        )
        indicator = core_indicator(kr.indicator, measurements)  # type: ignore[arg-type]
    children = children_progress if kr.progress_source == KeyResult.Source.CHILDREN else None
    score = score_key_result(
        _core_key_result(kr, check_ins, milestones),
        period=core_period(period),
        today=today,
        closed=kr.objective.state == Objective.State.CLOSED,
        indicator=indicator,
        children_progress=children,
    )
    return _apply_key_result_score(kr, score, last_at, log)


# Objectives that lie above the starting ones through links that carry progress (to an
# objective that rolls up its children, or to a key result fed by its children), the starting
# ones included. One recursive query on SQLite and PostgreSQL alike; UNION stops at objectives
# already reached.
_ABOVE = """
WITH RECURSIVE above(id) AS (
    SELECT start.id FROM {objective} start WHERE start.id IN ({starts})
    UNION
    SELECT COALESCE(link.parent_objective_id, kr.objective_id)
    FROM above
    JOIN {alignment} link ON link.child_id = above.id
    LEFT JOIN {objective} parent ON parent.id = link.parent_objective_id
    LEFT JOIN {key_result} kr ON kr.id = link.parent_key_result_id
    WHERE link.organization_id = %s
      AND (parent.rollup IN (%s, %s) OR kr.progress_source = %s)
)
SELECT id FROM above
"""


def _links_above(
    organization_id: int, objective_ids: Collection[int]
) -> list[tuple[int, int | None, int | None, int, Decimal]]:
    """Every link that carries progress up from these objectives or from one above them:
    (child, parent objective, parent key result, the key result's objective, weight)."""
    quote = connection.ops.quote_name
    sql = _ABOVE.format(
        alignment=quote(Alignment._meta.db_table),
        objective=quote(Objective._meta.db_table),
        key_result=quote(KeyResult._meta.db_table),
        starts=", ".join(["%s"] * len(objective_ids)),
    )
    params = [
        *objective_ids,
        organization_id,
        Objective.Rollup.CHILDREN.value,
        Objective.Rollup.BOTH.value,
        KeyResult.Source.CHILDREN.value,
    ]
    carries = Q(parent_objective__rollup__in=[Objective.Rollup.CHILDREN, Objective.Rollup.BOTH])
    carries |= Q(parent_key_result__progress_source=KeyResult.Source.CHILDREN)
    return list(
        Alignment.objects.filter(organization_id=organization_id)
        .filter(carries, child_id__in=RawSQL(sql, params))
        .order_by()
        .values_list(
            "child_id",
            "parent_objective_id",
            "parent_key_result_id",
            "parent_key_result__objective_id",
            "weight",
        )
    )


def _bottom_up(nodes: Iterable[Node], parents: dict[Node, set[Node]]) -> list[Node]:
    """Kahn's order over a subgraph: a node after everything below it."""
    pending = dict.fromkeys(nodes, 0)
    for ups in parents.values():
        for up in ups:
            pending[up] += 1
    ready = [node for node, count in pending.items() if count == 0]
    order: list[Node] = []
    while ready:
        node = ready.pop()
        order.append(node)
        for up in parents.get(node, ()):
            pending[up] -= 1
            if pending[up] == 0:
                ready.append(up)
    return order


def _rollup(
    organization_id: int, starts: Collection[int], today: dt.date, refresh: Collection[int] = ()
) -> None:
    """Refresh the key results `refresh` (of the objectives `starts`), then these objectives and
    every objective or key result above them, bottom-up, in a fixed number of queries: the
    chain in one recursive query, its objectives and their key results in one query each, every
    off-chain aligned child as grouped sums in one more, then what changed in one UPDATE per
    table. Each key result refreshed on the way adds the query of its latest check-in."""
    parents: dict[Node, set[Node]] = defaultdict(set)
    on_chain: dict[Node, list[tuple[Decimal, int]]] = defaultdict(list)  # (weight, child)
    objective_ids = set(starts)
    kr_nodes: set[int] = set()
    for child, parent_objective, parent_kr, kr_objective, weight in _links_above(
        organization_id, sorted(starts)
    ):
        if parent_objective is not None:
            node = ("o", parent_objective)
            objective_ids.add(parent_objective)
        else:
            assert parent_kr is not None
            node = ("k", parent_kr)
            kr_nodes.add(parent_kr)
            parents[node].add(("o", kr_objective))
            objective_ids.add(kr_objective)
        parents[("o", child)].add(node)
        on_chain[node].append((weight, child))
    objectives = Objective.objects.select_related("period").in_bulk(objective_ids)
    krs = (
        KeyResult.objects.filter(organization_id=organization_id, objective_id__in=list(objectives))
        .order_by()
        .in_bulk()
    )
    krs_of: dict[int, list[KeyResult]] = defaultdict(list)
    for kr in krs.values():
        kr.objective = objectives[kr.objective_id]
        krs_of[kr.objective_id].append(kr)
    # The key results that moved come first: nothing in the chain is below them.
    moved = sorted(pk for pk in refresh if pk in krs and pk not in kr_nodes)
    fed = [pk for pk in moved if krs[pk].progress_source == KeyResult.Source.CHILDREN]
    off_chain = _aligned_children(
        organization_id,
        objectives=[o.pk for o in objectives.values() if o.rollup != Objective.Rollup.KEY_RESULTS],
        key_results=[*kr_nodes, *fed],
        leave_out=list(objectives),
    )
    # Many key results to rescore (an import, a KPI many follow): their latest check-ins in one
    # query per batch, rather than one query each.
    rescored = [*moved, *kr_nodes]
    latest: dict[int, list[CheckInRow]] | None = None
    if len(rescored) > 1:
        latest = {}
        for ids in batches(rescored):
            latest.update(_latest_check_ins_of(organization_id, today, key_results=ids))
    log = status_log.StatusLog()
    changed_objectives: list[Objective] = []
    changed_krs: list[KeyResult] = []
    objective_fields: set[str] = set()
    kr_fields: set[str] = set()
    nodes = [("o", pk) for pk in objectives] + [("k", pk) for pk in kr_nodes]
    for node in [*(("k", pk) for pk in moved), *_bottom_up(nodes, parents)]:
        kind, pk = node
        children = list(off_chain.get(node, ()))
        for weight, child in on_chain.get(node, ()):
            children += _child_item(weight, objectives[child])
        if kind == "k":
            kr = krs[pk]
            changed = _rescore_key_result(
                kr,
                today=today,
                children_progress=_progress_of(children),
                latest=None if latest is None else latest.get(pk, []),
                log=log,
            )
            if changed:
                changed_krs.append(kr)
                kr_fields.update(changed)
        else:
            objective = objectives[pk]
            own = [item for kr in krs_of[pk] for item in _key_result_item(kr)]
            items = _objective_items(objective.rollup, own, children)
            changed = _apply_objective(objective, items, today, log)
            if changed:
                changed_objectives.append(objective)
                objective_fields.update(changed)
    log.write()
    rows_update(KeyResult, changed_krs, kr_fields)
    rows_update(Objective, changed_objectives, objective_fields)


def rollup_objective(objective: Objective, *, today: dt.date | None = None) -> None:
    """Refresh an objective and every ancestor that depends on it, bottom-up."""
    today = today or timezone.localdate()
    # No savepoint: a failure anywhere in the rollup must undo the write that set it off.
    with transaction.atomic(savepoint=False), webhooks_cached():
        _rollup(objective.organization_id, [objective.pk], today)


def rollup_key_results(key_results: Iterable[KeyResult], *, today: dt.date | None = None) -> None:
    """After anything that moves key results: refresh them, then their objectives and the
    chains above them, each ancestor once. Reads only `pk`, `objective_id` and
    `organization_id` of the rows given: everything else is read afresh."""
    today = today or timezone.localdate()
    by_organization: dict[int, tuple[set[int], set[int]]] = defaultdict(lambda: (set(), set()))
    for kr in key_results:
        objective_ids, kr_ids = by_organization[kr.organization_id]
        objective_ids.add(kr.objective_id)
        kr_ids.add(kr.pk)
    if not by_organization:
        return
    with transaction.atomic(savepoint=False), webhooks_cached():
        for organization_id, (objective_ids, kr_ids) in by_organization.items():
            _rollup(organization_id, objective_ids, today, refresh=kr_ids)


def rollup_key_result(kr: KeyResult, *, today: dt.date | None = None) -> None:
    """After anything that moves a key result: refresh it, its objective and the chain above."""
    rollup_key_results([kr], today=today)


# -- full recompute ---------------------------------------------------------------------------
def _latest_check_ins_of(
    organization_id: int, today: dt.date, *, key_results: Collection[int] | None = None
) -> dict[int, list[CheckInRow]]:
    """For every key result of the organization (or those of `key_results`): its latest
    check-in and its latest with a value, on or before the day it is read on (`_as_of`), in one
    query (`latest_check_ins`): the check-ins are never loaded, only two rows per key result at
    most."""
    rows = (
        latest_check_ins(organization_id, today, key_results=key_results)
        .order_by()
        .values_list("key_result_id", *_CHECK_IN_FIELDS)
    )
    latest: dict[int, list[CheckInRow]] = defaultdict(list)
    for key_result_id, *row in rows:
        latest[key_result_id].append(tuple(row))
    return latest


def _measurements_of(
    organization_id: int, indicators: Collection[int], since: dt.date | None, today: dt.date
) -> dict[int, list[core.Measurement]]:
    found: dict[int, list[core.Measurement]] = defaultdict(list)
    if not indicators or since is None:
        return found
    rows = (
        Measurement.objects.filter(
            organization_id=organization_id,
            indicator_id__in=indicators,
            date__gte=since,
            date__lte=today,
        )
        .order_by()
        .values_list("indicator_id", "date", "value")
    )
    for indicator_id, date, value in rows:
        found[indicator_id].append(core.Measurement(date, Fraction(value)))
    return found


def recompute_organization(
    organization: Organization, *, today: dt.date | None = None
) -> dict[str, int]:
    """Rebuild every derived value of one organization from its raw data; returns counts of
    rows that changed. The same arithmetic as the incremental path, in bulk: each key result
    reads only its latest check-ins (all its stored values depend on), and only changed rows
    are written, in batches."""
    today = today or timezone.localdate()
    org = organization.pk
    with transaction.atomic(), webhooks_cached():
        # Nothing here reads when a row was made or its description: those columns stay in the
        # database (their timestamps are a tenth of the load). Each period is one shared row.
        periods = Period.objects.filter(organization_id=org).in_bulk()
        objectives = (
            Objective.objects.filter(organization_id=org)
            .defer("created_at", "updated_at", "description")
            .order_by()
            .in_bulk()
        )
        for objective in objectives.values():
            objective.period = periods.get(objective.period_id)
        key_results = (
            KeyResult.objects.filter(organization_id=org)
            .defer("created_at", "updated_at")
            .order_by()
            .in_bulk()
        )
        for kr in key_results.values():
            kr.objective = objectives[kr.objective_id]
        core_periods = {pk: core_period(period) for pk, period in periods.items()}
        check_ins = _latest_check_ins_of(org, today)
        milestones: dict[int, list[Milestone]] = defaultdict(list)
        for m in Milestone.objects.filter(organization_id=org, key_result__isnull=False).order_by():
            assert m.key_result_id is not None
            milestones[m.key_result_id].append(m)
        following = [
            kr
            for kr in key_results.values()
            if kr.progress_source == KeyResult.Source.INDICATOR
            and kr.indicator_id
            and kr.objective.period is not None
        ]
        indicators = Indicator.objects.in_bulk({kr.indicator_id for kr in following})
        follows_indicator = {kr.pk for kr in following}
        starts = [kr.objective.period.start for kr in following if kr.objective.period]
        measurements = _measurements_of(org, indicators, min(starts, default=None), today)
        krs_of: dict[int, list[KeyResult]] = defaultdict(list)
        for kr in key_results.values():
            krs_of[kr.objective_id].append(kr)

        # Nodes and their dependencies: an objective needs its KRs and (by rollup) its children;
        # a key result fed by children needs those children.
        needs: dict[Node, set[Node]] = defaultdict(set)
        for kr in key_results.values():
            needs[("o", kr.objective_id)].add(("k", kr.pk))
        children_of: dict[Node, list[tuple[Decimal, int]]] = defaultdict(list)
        for child, parent_objective, parent_kr, weight in (
            Alignment.objects.filter(organization_id=org)
            .order_by()
            .values_list("child_id", "parent_objective_id", "parent_key_result_id", "weight")
        ):
            if parent_objective:
                children_of[("o", parent_objective)].append((weight, child))
                if objectives[parent_objective].rollup != Objective.Rollup.KEY_RESULTS:
                    needs[("o", parent_objective)].add(("o", child))
            elif parent_kr:
                children_of[("k", parent_kr)].append((weight, child))
                needs[("k", parent_kr)].add(("o", child))
        done: set[Node] = set()
        log = status_log.StatusLog()
        changed_krs: dict[int, set[str]] = defaultdict(set)
        changed_objectives: dict[int, set[str]] = defaultdict(set)

        def children_items(node: Node) -> list[Item]:
            return [
                item
                for weight, child in children_of.get(node, ())
                for item in _child_item(weight, objectives[child])
            ]

        def score(node: Node) -> None:
            kind, pk = node
            if kind == "k":
                kr = key_results[pk]
                objective = kr.objective
                period = objective.period
                indicator = None
                if pk in follows_indicator:
                    assert period is not None
                    assert kr.indicator_id is not None
                    end = min(period.end, today)
                    indicator = _core_indicator(
                        indicators[kr.indicator_id],
                        [m for m in measurements[kr.indicator_id] if period.start <= m.date <= end],
                    )
                children = None
                if kr.progress_source == KeyResult.Source.CHILDREN:
                    children = _progress_of(children_items(node))
                scored, last_at = _scored_check_ins(check_ins.get(pk, ()))
                result = score_key_result(
                    _core_key_result(kr, scored, milestones[pk] if _follows_milestones(kr) else ()),
                    period=None if period is None else core_periods[period.pk],
                    today=today,
                    closed=objective.state == Objective.State.CLOSED,
                    indicator=indicator,
                    children_progress=children,
                )
                changed_krs[pk].update(_apply_key_result_score(kr, result, last_at, log))
            else:
                objective = objectives[pk]
                own = [item for kr in krs_of[pk] for item in _key_result_item(kr)]
                items = _objective_items(objective.rollup, own, children_items(node))
                changed_objectives[pk].update(_apply_objective(objective, items, today, log))

        for node in [*(("k", pk) for pk in key_results), *(("o", pk) for pk in objectives)]:
            stack = [(node, False)]
            while stack:
                current, expanded = stack.pop()
                if current in done:
                    continue
                if not expanded:
                    stack.append((current, True))
                    stack.extend((dep, False) for dep in needs.get(current, ()) if dep not in done)
                    continue
                done.add(current)
                score(current)

        log.write()
        kr_rows = [key_results[pk] for pk, fields in changed_krs.items() if fields]
        objective_rows = [objectives[pk] for pk, fields in changed_objectives.items() if fields]
        rows_update(KeyResult, kr_rows, {f for fields in changed_krs.values() for f in fields})
        rows_update(
            Objective, objective_rows, {f for fields in changed_objectives.values() for f in fields}
        )
    return {"key_results": len(kr_rows), "objectives": len(objective_rows)}
