"""Derived values in the database: a key result's current value, progress, attainment and
status, and its objective's and every aligned ancestor's progress and status.

`rollup_key_result` runs after a check-in, a measurement or an edit: it refreshes the key
result, then walks up the alignment graph, touching only the ancestors (work proportional to the
depth of the chain, not to the organization). `recompute_organization` rebuilds every derived
value from scratch with the same arithmetic; the two must agree (a property test checks it).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import ROUND_HALF_EVEN, Context, Decimal
from fractions import Fraction

from django.db import transaction
from django.utils import timezone

from headway.checkins.models import CheckIn
from headway.core import model as core
from headway.core.evaluate import KeyResultScore, score_key_result, score_objective
from headway.goals import status_log
from headway.goals.models import Alignment, KeyResult, Milestone, Objective
from headway.indicators.models import Indicator, Measurement
from headway.notify import escalations
from headway.org.models import Organization, Period
from headway.webhooks import events as webhook_events

PLACES = Decimal("0.0000000001")
_CONTEXT = Context(prec=60)


def stored(value: Fraction | None) -> Decimal | None:
    """A ratio as the database keeps it: ten decimal places."""
    if value is None:
        return None
    exact = _CONTEXT.divide(Decimal(value.numerator), Decimal(value.denominator))
    return exact.quantize(PLACES, rounding=ROUND_HALF_EVEN)


def stored_value(value: Fraction | None) -> Decimal | None:
    if value is None:
        return None
    exact = _CONTEXT.divide(Decimal(value.numerator), Decimal(value.denominator))
    return exact.quantize(Decimal("0.000001"), rounding=ROUND_HALF_EVEN)


def number(value: Decimal | None) -> Fraction | None:
    return None if value is None else Fraction(value)


def core_period(period: Period | None) -> core.Period | None:
    if period is None:
        return None
    return core.Period(id=str(period.pk), start=period.start, end=period.end, state=period.state)


def core_key_result(
    kr: KeyResult, check_ins: Iterable[CheckIn], milestones: Iterable[Milestone] = ()
) -> core.KeyResult:
    """The core's view of a key result row. `check_ins` must be in recording order."""
    return core.KeyResult(
        id=str(kr.pk),
        title=kr.title,
        kind=core.KRKind(kr.kind),
        direction=core.Direction(kr.direction),
        start=number(kr.start),
        target=number(kr.target),
        lower=number(kr.lower),
        upper=number(kr.upper),
        weight=Fraction(kr.weight),
        confidence_start=kr.confidence_start,
        source=core.ProgressSource(kr.progress_source),
        indicator=str(kr.indicator_id) if kr.indicator_id else None,
        due=kr.due,
        cancelled=kr.state == KeyResult.State.CANCELLED,
        milestones=[core.Milestone(m.title, m.done, Fraction(m.weight), m.due) for m in milestones],
        check_ins=[
            core.CheckIn(c.date, number(c.value), c.confidence, c.status or None, c.note)
            for c in check_ins
        ],
    )


def _follows_milestones(kr: KeyResult) -> bool:
    """Milestones move a key result of kind milestones, or one whose progress comes from them."""
    return kr.kind == KeyResult.Kind.MILESTONES or kr.progress_source == KeyResult.Source.MILESTONES


def core_indicator(indicator: Indicator, measurements: Iterable[Measurement]) -> core.Indicator:
    return core.Indicator(
        id=str(indicator.pk),
        name=indicator.name,
        scope="",
        direction=core.IndicatorDirection(indicator.direction),
        frequency=core.Frequency(indicator.frequency),
        aggregation=core.Aggregation(indicator.aggregation),
        measurements=[core.Measurement(m.date, Fraction(m.value)) for m in measurements],
    )


def _apply_key_result_score(
    kr: KeyResult, score: KeyResultScore, last_check_in: CheckIn | None
) -> list[str]:
    """Copy a score onto the row; the names of the fields that changed."""
    values = {
        "current": stored_value(score.current),
        "progress": stored(score.progress),
        "attainment": stored(score.attainment),
        "status": str(score.status),
        "confidence": score.confidence,
        "done": kr.kind == KeyResult.Kind.BOOLEAN and score.progress == 1,
        "last_check_in_at": last_check_in.created_at if last_check_in else None,
    }
    changed = [name for name, value in values.items() if getattr(kr, name) != value]
    if changed:  # the status log, escalations and webhooks see the row before it changes
        status_log.status_changed(kr, values)
        escalations.key_result_changed(kr, values)
        webhook_events.key_result_status_changed(kr, values)
    for name in changed:
        setattr(kr, name, values[name])
    return changed


def _objective_items(
    key_results: Iterable[KeyResult], children: Iterable[tuple[Decimal, Objective]], rollup: str
) -> list[tuple[Fraction, Fraction | None, Fraction | None]]:
    items: list[tuple[Fraction, Fraction | None, Fraction | None]] = []
    if rollup in (Objective.Rollup.KEY_RESULTS, Objective.Rollup.BOTH):
        items += [
            (Fraction(kr.weight), number(kr.progress), None)
            for kr in key_results
            if kr.state != KeyResult.State.CANCELLED
        ]
    if rollup in (Objective.Rollup.CHILDREN, Objective.Rollup.BOTH):
        items += [
            (Fraction(weight), number(child.progress), None)
            for weight, child in children
            if child.state != Objective.State.CANCELLED
        ]
    return items


def _apply_objective(objective: Objective, items: list, today: dt.date) -> list[str]:
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
        status_log.status_changed(objective, values)
        webhook_events.objective_status_changed(objective, values)
    for name in changed:
        setattr(objective, name, values[name])
    return changed


def _children_progress(alignments: Iterable[Alignment]) -> Fraction | None:
    from headway.core.progress import weighted_mean

    return weighted_mean(
        (Fraction(a.weight), number(a.child.progress))
        for a in alignments
        if a.child.state != Objective.State.CANCELLED
    )


# -- incremental ------------------------------------------------------------------------------
def key_result_refresh(kr: KeyResult, *, today: dt.date) -> None:
    """Recompute one key result's derived values from its check-ins, KPI, milestones or children."""
    period = kr.objective.period
    as_of = min(today, period.end) if period is not None else today  # as the core reads them
    latest_any = kr.check_ins.filter(date__lte=as_of).order_by("-date", "-id").first()
    latest_valued = (
        kr.check_ins.filter(date__lte=as_of, value__isnull=False).order_by("-date", "-id").first()
    )
    check_ins = [c for c in (latest_valued, latest_any) if c is not None]
    if len(check_ins) == 2 and check_ins[0].pk == check_ins[1].pk:
        check_ins = check_ins[:1]
    milestones = list(kr.milestones.all()) if _follows_milestones(kr) else []
    indicator = None
    if kr.progress_source == KeyResult.Source.INDICATOR and kr.indicator_id and period is not None:
        measurements = Measurement.objects.filter(
            indicator_id=kr.indicator_id, date__gte=period.start, date__lte=min(period.end, today)
        )
        indicator = core_indicator(kr.indicator, measurements)  # type: ignore[arg-type]
    children = None
    if kr.progress_source == KeyResult.Source.CHILDREN:
        children = _children_progress(kr.alignments_down.select_related("child"))
    score = score_key_result(
        core_key_result(kr, check_ins, milestones),
        period=core_period(period),
        today=today,
        closed=kr.objective.state == Objective.State.CLOSED,
        indicator=indicator,
        children_progress=children,
    )
    changed = _apply_key_result_score(kr, score, latest_any)
    if changed:
        kr.save(update_fields=[*changed, "updated_at"])


def objective_refresh(objective: Objective, *, today: dt.date) -> None:
    """Recompute an objective's progress and status from its key results and aligned children."""
    children = [(a.weight, a.child) for a in objective.alignments_down.select_related("child")]
    items = _objective_items(objective.key_results.all(), children, objective.rollup)
    changed = _apply_objective(objective, items, today)
    if changed:
        objective.save(update_fields=[*changed, "updated_at"])


def _ancestors_in_order(objective: Objective) -> list[tuple[str, int]]:
    """The nodes whose value depends on `objective`, children before parents.

    Walks up one level per query: objectives it aligns to (when they roll up children) and key
    results it aligns to (when their progress comes from children), and their objectives.
    """
    parents: dict[tuple[str, int], set[tuple[str, int]]] = defaultdict(set)
    seen: set[tuple[str, int]] = {("o", objective.pk)}
    frontier = [objective.pk]
    while frontier:
        links = Alignment.objects.filter(child_id__in=frontier).select_related(
            "parent_objective", "parent_key_result"
        )
        next_frontier: list[int] = []
        for link in links:
            child = ("o", link.child_id)
            if link.parent_objective is not None:
                if link.parent_objective.rollup == Objective.Rollup.KEY_RESULTS:
                    continue
                node = ("o", link.parent_objective.pk)
                parents[child].add(node)
            else:
                kr = link.parent_key_result
                assert kr is not None
                if kr.progress_source != KeyResult.Source.CHILDREN:
                    continue
                kr_node = ("k", kr.pk)
                parents[child].add(kr_node)
                parents[kr_node].add(("o", kr.objective_id))
                seen.add(kr_node)
                node = ("o", kr.objective_id)
            if node not in seen:
                seen.add(node)
                next_frontier.append(node[1])
        frontier = next_frontier
    # Kahn's order over the collected subgraph: a node after everything below it.
    pending = dict.fromkeys(seen, 0)
    for ups in parents.values():
        for up in ups:
            pending[up] += 1
    ready = [node for node, count in pending.items() if count == 0]
    order: list[tuple[str, int]] = []
    while ready:
        node = ready.pop()
        order.append(node)
        for up in parents.get(node, ()):
            pending[up] -= 1
            if pending[up] == 0:
                ready.append(up)
    return order


def rollup_objective(objective: Objective, *, today: dt.date | None = None) -> None:
    """Refresh an objective and every ancestor that depends on it, bottom-up."""
    today = today or timezone.localdate()
    for kind, pk in _ancestors_in_order(objective):
        if kind == "o":
            node = Objective.objects.select_related("period").get(pk=pk)
            objective_refresh(node, today=today)
        else:
            kr = KeyResult.objects.select_related("objective__period", "indicator").get(pk=pk)
            key_result_refresh(kr, today=today)


def rollup_key_result(kr: KeyResult, *, today: dt.date | None = None) -> None:
    """After anything that moves a key result: refresh it, its objective and the chain above."""
    today = today or timezone.localdate()
    with transaction.atomic():
        kr = KeyResult.objects.select_related("objective__period", "indicator").get(pk=kr.pk)
        key_result_refresh(kr, today=today)
        rollup_objective(kr.objective, today=today)


# -- full recompute ---------------------------------------------------------------------------
def recompute_organization(
    organization: Organization, *, today: dt.date | None = None
) -> dict[str, int]:
    """Rebuild every derived value of one organization from its raw data; returns counts of
    rows that changed. The same arithmetic as the incremental path, in bulk."""
    today = today or timezone.localdate()
    org = organization.pk
    with transaction.atomic():
        objectives = {
            o.pk: o for o in Objective.objects.filter(organization_id=org).select_related("period")
        }
        key_results = {
            kr.pk: kr
            for kr in KeyResult.objects.filter(organization_id=org).select_related("indicator")
        }
        for kr in key_results.values():
            kr.objective = objectives[kr.objective_id]
        check_ins: dict[int, list[CheckIn]] = defaultdict(list)
        for c in CheckIn.objects.filter(organization_id=org, date__lte=today).order_by(
            "date", "id"
        ):
            check_ins[c.key_result_id].append(c)
        milestones: dict[int, list[Milestone]] = defaultdict(list)
        for m in Milestone.objects.filter(organization_id=org, key_result__isnull=False):
            assert m.key_result_id is not None
            milestones[m.key_result_id].append(m)
        measurements: dict[int, list[Measurement]] = defaultdict(list)
        used_indicators = {
            kr.indicator_id
            for kr in key_results.values()
            if kr.progress_source == KeyResult.Source.INDICATOR and kr.indicator_id
        }
        for measurement in Measurement.objects.filter(
            organization_id=org, indicator_id__in=used_indicators
        ):
            measurements[measurement.indicator_id].append(measurement)
        alignments = list(Alignment.objects.filter(organization_id=org))
        krs_of: dict[int, list[KeyResult]] = defaultdict(list)
        for kr in key_results.values():
            krs_of[kr.objective_id].append(kr)

        # Nodes and their dependencies: an objective needs its KRs and (by rollup) its children;
        # a key result fed by children needs those children.
        needs: dict[tuple[str, int], set[tuple[str, int]]] = defaultdict(set)
        for kr in key_results.values():
            needs[("o", kr.objective_id)].add(("k", kr.pk))
        children_of_objective: dict[int, list[Alignment]] = defaultdict(list)
        children_of_kr: dict[int, list[Alignment]] = defaultdict(list)
        for link in alignments:
            link.child = objectives[link.child_id]
            if link.parent_objective_id:
                children_of_objective[link.parent_objective_id].append(link)
                if objectives[link.parent_objective_id].rollup != Objective.Rollup.KEY_RESULTS:
                    needs[("o", link.parent_objective_id)].add(("o", link.child_id))
            elif link.parent_key_result_id:
                children_of_kr[link.parent_key_result_id].append(link)
                needs[("k", link.parent_key_result_id)].add(("o", link.child_id))
        nodes = [("k", pk) for pk in key_results] + [("o", pk) for pk in objectives]
        done: set[tuple[str, int]] = set()
        changed_krs: dict[int, set[str]] = defaultdict(set)
        changed_objectives: dict[int, set[str]] = defaultdict(set)

        def visit(node: tuple[str, int]) -> None:
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
                kind, pk = current
                if kind == "k":
                    kr = key_results[pk]
                    objective = objectives[kr.objective_id]
                    period = objective.period
                    indicator = None
                    if (
                        kr.progress_source == KeyResult.Source.INDICATOR
                        and kr.indicator_id
                        and period
                    ):
                        end = min(period.end, today)
                        indicator = core_indicator(
                            kr.indicator,  # type: ignore[arg-type]
                            (
                                m
                                for m in measurements[kr.indicator_id]
                                if period.start <= m.date <= end
                            ),
                        )
                    children = None
                    if kr.progress_source == KeyResult.Source.CHILDREN:
                        children = _children_progress(children_of_kr[pk])
                    score = score_key_result(
                        core_key_result(
                            kr,
                            check_ins[pk],
                            milestones[pk] if _follows_milestones(kr) else (),
                        ),
                        period=core_period(period),
                        today=today,
                        closed=objective.state == Objective.State.CLOSED,
                        indicator=indicator,
                        children_progress=children,
                    )
                    as_of = min(today, period.end) if period is not None else today
                    last = next((c for c in reversed(check_ins[pk]) if c.date <= as_of), None)
                    changed_krs[pk].update(_apply_key_result_score(kr, score, last))
                else:
                    objective = objectives[pk]
                    items = _objective_items(
                        krs_of[pk],
                        [(a.weight, a.child) for a in children_of_objective[pk]],
                        objective.rollup,
                    )
                    changed_objectives[pk].update(_apply_objective(objective, items, today))

        for node in nodes:
            visit(node)

        kr_fields = sorted({f for fields in changed_krs.values() for f in fields})
        objective_fields = sorted({f for fields in changed_objectives.values() for f in fields})
        kr_rows = [key_results[pk] for pk, fields in changed_krs.items() if fields]
        objective_rows = [objectives[pk] for pk, fields in changed_objectives.items() if fields]
        if kr_rows:
            KeyResult.objects.bulk_update(kr_rows, kr_fields, batch_size=500)
        if objective_rows:
            Objective.objects.bulk_update(objective_rows, objective_fields, batch_size=500)
    return {"key_results": len(kr_rows), "objectives": len(objective_rows)}
