"""Every derived number of a goal system on one day: progress, status, pace, forecast, health.

`evaluate(goals)` applies DESIGN §3 to a `Goals` value. The goals file's `check` and the
database's full recompute both read their numbers from here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction

from headway.core import forecast as forecasting
from headway.core.indicators import Thresholds, aggregate, attainment, capped, rag
from headway.core.kra import kra_health
from headway.core.model import (
    THRESHOLD_DIRECTIONS,
    Direction,
    Goals,
    Indicator,
    KeyResult,
    KRKind,
    Measurement,
    Objective,
    Period,
    ProgressSource,
    Rag,
    Rollup,
    Status,
    Target,
)
from headway.core.pace import expected_pace, pace_status
from headway.core.progress import (
    Progress,
    boolean_progress,
    infer_direction,
    key_result_progress,
    milestones_progress,
    weighted_mean,
)


@dataclass(frozen=True)
class KeyResultScore:
    id: str
    direction: Direction
    current: Fraction | None
    progress: Fraction | None
    attainment: Fraction | None
    status: Status
    expected: Fraction | None
    forecast: Fraction | None  # forecast progress, §3.1 applied to the projected value
    forecast_value: Fraction | None
    confidence: int | None
    owner_status: str | None  # the status the owner chose at the latest check-in, shown beside


@dataclass(frozen=True)
class ObjectiveScore:
    id: str
    progress: Fraction | None
    status: Status
    expected: Fraction | None
    forecast: Fraction | None


@dataclass(frozen=True)
class IndicatorScore:
    id: str
    period: str | None
    value: Fraction | None
    target: Target | None
    status: Rag
    attainment: Fraction | None


@dataclass(frozen=True)
class ResultAreaScore:
    id: str
    health: Fraction | None
    status: Rag


@dataclass
class Scores:
    today: dt.date
    objectives: dict[str, ObjectiveScore] = field(default_factory=dict)
    key_results: dict[str, KeyResultScore] = field(default_factory=dict)
    indicators: dict[str, IndicatorScore] = field(default_factory=dict)
    result_areas: dict[str, ResultAreaScore] = field(default_factory=dict)


def kr_direction(kr: KeyResult) -> Direction:
    return kr.direction or infer_direction(kr.start, kr.target)


def latest_check_in_value(kr: KeyResult, today: dt.date) -> Fraction | None:
    """The value of the latest check-in on or before `today`; on one day, the last recorded."""
    values = [c for c in kr.check_ins if c.date <= today and c.value is not None]
    return sorted(values, key=lambda c: c.date)[-1].value if values else None


def indicator_period(indicator: Indicator, periods: list[Period], today: dt.date) -> Period | None:
    """The period an indicator is read for today: the shortest one containing today, preferring
    one with a target; else the latest period with a target that has started."""
    current = sorted(
        (p for p in periods if p.contains(today)), key=lambda p: (p.end - p.start).days
    )
    with_target = [p for p in current if p.id in indicator.targets]
    if with_target:
        return with_target[0]
    if current:
        return current[0]
    started = [p for p in periods if p.start <= today and p.id in indicator.targets]
    return max(started, key=lambda p: p.end) if started else None


def indicator_value(indicator: Indicator, period: Period, today: dt.date) -> Fraction | None:
    return aggregate(
        indicator.measurements,
        indicator.aggregation,
        start=period.start,
        end=min(period.end, today),
    )


def _series_from_measurements(
    indicator: Indicator, start: dt.date, end: dt.date, first: Fraction | None
) -> list[tuple[dt.date, Fraction]]:
    """The indicator's aggregated value as it stood after each measurement of the period."""
    inside: list[Measurement] = sorted(
        (m for m in indicator.measurements if start <= m.date <= end), key=lambda m: m.date
    )
    series = [(start, first)] if first is not None else []
    for m in inside:
        value = aggregate(inside, indicator.aggregation, start=start, end=m.date)
        assert value is not None
        series.append((m.date, value))
    return series


def _numeric_values(
    kr: KeyResult, period: Period | None, indicator: Indicator | None, today: dt.date
) -> tuple[Fraction | None, list[tuple[dt.date, Fraction]]]:
    """The current value, and the values inside the period that a forecast is fitted to."""
    if kr.source == ProgressSource.INDICATOR and indicator is not None:
        if period is None:
            return None, []
        end = min(period.end, today)
        current = aggregate(
            indicator.measurements, indicator.aggregation, start=period.start, end=end
        )
        return current, _series_from_measurements(indicator, period.start, end, kr.start)
    current = latest_check_in_value(kr, today)
    if period is None:
        return current, []
    end = min(period.end, today)
    series = [(period.start, kr.start)] if kr.start is not None else []
    series += sorted(
        (
            (c.date, c.value)
            for c in kr.check_ins
            if c.value is not None and period.start <= c.date <= end
        ),
        key=lambda point: point[0],
    )
    return current, series


def score_key_result(
    kr: KeyResult,
    *,
    period: Period | None,
    today: dt.date,
    closed: bool = False,
    indicator: Indicator | None = None,
    children_progress: Fraction | None = None,
) -> KeyResultScore:
    """Every derived number of one key result (§3.1, §3.3, §3.4).

    `closed` says the objective itself was closed; a closed period closes it too.
    `children_progress` is the weighted progress of the objectives aligned to it (source children).
    """
    direction = kr_direction(kr)
    # Values are read as they stood at the period's end once it is over (the grade is "the
    # progress at the period's end"); a check-in dated later belongs to no period of this one.
    as_of = min(today, period.end) if period is not None else today
    current: Fraction | None = None
    series: list[tuple[dt.date, Fraction]] = []
    if kr.kind == KRKind.BOOLEAN:
        latest = latest_check_in_value(kr, as_of)
        progress = boolean_progress(kr.done or (latest is not None and latest != 0))
        current = latest
    elif kr.kind == KRKind.MILESTONES or kr.source == ProgressSource.MILESTONES:
        progress = milestones_progress((m.weight, m.done) for m in kr.milestones)
    elif kr.source == ProgressSource.CHILDREN:
        progress = Progress(children_progress, children_progress, children_progress is not None)
    else:
        current, series = _numeric_values(kr, period, indicator, as_of)
        progress = key_result_progress(
            direction=direction,
            start=kr.start,
            target=kr.target,
            current=current,
            lower=kr.lower,
            upper=kr.upper,
        )
        if current is None and direction in (Direction.INCREASE, Direction.DECREASE):
            current = kr.start  # no value yet: current = start

    expected = forecast = forecast_value = None
    status = Status.NO_DATA
    if period is not None:
        due = kr.due or period.end
        expected = expected_pace(period.start, due, today)
        has_data = progress.has_value or direction not in THRESHOLD_DIRECTIONS
        status = pace_status(
            progress=progress.progress,
            start=period.start,
            end=due,
            today=today,
            closed=closed or period.state_on(today) == "closed",
            has_data=has_data,
        )
        if series:
            forecast_value = forecasting.project(series, origin=period.start, to=due)
            if forecast_value is not None:
                forecast = key_result_progress(
                    direction=direction,
                    start=kr.start,
                    target=kr.target,
                    current=forecast_value,
                    lower=kr.lower,
                    upper=kr.upper,
                ).progress

    dated = sorted((c for c in kr.check_ins if c.date <= as_of), key=lambda c: c.date)
    confidence = kr.confidence_start
    owner_status = None
    if dated:
        latest_check_in = dated[-1]
        owner_status = latest_check_in.status
        if latest_check_in.confidence is not None:
            confidence = latest_check_in.confidence
    return KeyResultScore(
        id=kr.id,
        direction=direction,
        current=current,
        progress=progress.progress,
        attainment=progress.attainment,
        status=status,
        expected=expected,
        forecast=forecast,
        forecast_value=forecast_value,
        confidence=confidence,
        owner_status=owner_status,
    )


def score_objective(
    objective_id: str,
    items: list[tuple[Fraction, Fraction | None, Fraction | None]],
    *,
    period: Period | None,
    today: dt.date,
    closed: bool = False,
) -> ObjectiveScore:
    """Progress (§3.2), status and forecast of an objective from its items' (weight, progress,
    forecast); cancelled items must already be left out."""
    progress = weighted_mean((w, p) for w, p, _ in items)
    forecast = None
    if any(f is not None for _, _, f in items):
        # An item with no forecast of its own is taken to stay where it is.
        forecast = weighted_mean((w, f if f is not None else p) for w, p, f in items)
    expected = None
    status = Status.NO_DATA
    if period is not None:
        expected = expected_pace(period.start, period.end, today)
        status = pace_status(
            progress=progress,
            start=period.start,
            end=period.end,
            today=today,
            closed=closed or period.state_on(today) == "closed",
        )
    return ObjectiveScore(objective_id, progress, status, expected, forecast)


class _Evaluator:
    def __init__(self, goals: Goals) -> None:
        self.goals = goals
        self.today = goals.today
        self.periods = {p.id: p for p in goals.periods}
        self.indicators = {i.id: i for i in goals.indicators}
        self.objectives = {o.id: o for o in goals.objectives}
        self.children_of_objective: dict[str, list[tuple[Fraction, str]]] = {}
        self.children_of_kr: dict[str, list[tuple[Fraction, str]]] = {}
        for child in goals.objectives:
            for link in child.aligns_to:
                if link.parent_objective:
                    self.children_of_objective.setdefault(link.parent_objective, []).append(
                        (link.weight, child.id)
                    )
                if link.parent_key_result:
                    self.children_of_kr.setdefault(link.parent_key_result, []).append(
                        (link.weight, child.id)
                    )
        self.scores = Scores(today=self.today)
        self._in_progress: set[str] = set()

    def run(self) -> Scores:
        for indicator in self.goals.indicators:
            self.scores.indicators[indicator.id] = self.indicator(indicator)
        for objective in self.goals.objectives:
            self.objective(objective.id)
        for area in self.goals.result_areas:
            self.scores.result_areas[area.id] = self.result_area(area.id)
        return self.scores

    # -- indicators --------------------------------------------------------------------------
    def indicator(self, indicator: Indicator) -> IndicatorScore:
        period = indicator_period(indicator, self.goals.periods, self.today)
        if period is None:
            return IndicatorScore(indicator.id, None, None, None, Rag.NO_TARGET, None)
        value = indicator_value(indicator, period, self.today)
        target = indicator.targets.get(period.id)
        thresholds = Thresholds(indicator.red_below, indicator.red_above, indicator.tolerance)
        return IndicatorScore(
            indicator.id,
            period.id,
            value,
            target,
            rag(value, indicator.direction, target, thresholds),
            attainment(value, indicator.direction, target),
        )

    # -- key results -------------------------------------------------------------------------
    def key_result(self, kr: KeyResult, objective: Objective) -> KeyResultScore:
        children = None
        if kr.source == ProgressSource.CHILDREN:
            children = weighted_mean(
                (weight, self.objective(child).progress)
                for weight, child in self.children_of_kr.get(kr.id, [])
                if self.objectives[child].state != "cancelled"
            )
        score = score_key_result(
            kr,
            period=self.periods.get(objective.period or ""),
            today=self.today,
            closed=objective.state == "closed",
            indicator=self.indicators.get(kr.indicator or ""),
            children_progress=children,
        )
        self.scores.key_results[kr.id] = score
        return score

    # -- objectives --------------------------------------------------------------------------
    def objective(self, objective_id: str) -> ObjectiveScore:
        if objective_id in self.scores.objectives:
            return self.scores.objectives[objective_id]
        objective = self.objectives[objective_id]
        if objective_id in self._in_progress:  # a cycle: validation rejects these, stay safe
            return ObjectiveScore(objective_id, None, Status.NO_DATA, None, None)
        self._in_progress.add(objective_id)

        items: list[tuple[Fraction, Fraction | None, Fraction | None]] = []
        if objective.rollup in (Rollup.KEY_RESULTS, Rollup.BOTH):
            for kr in objective.key_results:
                score = self.key_result(kr, objective)
                if not kr.cancelled:
                    items.append((kr.weight, score.progress, score.forecast))
        else:
            for kr in objective.key_results:
                self.key_result(kr, objective)
        if objective.rollup in (Rollup.CHILDREN, Rollup.BOTH):
            for weight, child_id in self.children_of_objective.get(objective_id, []):
                if self.objectives[child_id].state == "cancelled":
                    continue
                child = self.objective(child_id)
                items.append((weight, child.progress, child.forecast))

        objective_score = score_objective(
            objective_id,
            items,
            period=self.periods.get(objective.period or ""),
            today=self.today,
            closed=objective.state == "closed",
        )
        self.scores.objectives[objective_id] = objective_score
        self._in_progress.discard(objective_id)
        return objective_score

    # -- result areas ------------------------------------------------------------------------
    def result_area(self, area_id: str) -> ResultAreaScore:
        one = Fraction(1)
        indicator_items = [
            (one, capped(self.scores.indicators[i.id].attainment))
            for i in self.goals.indicators
            if i.result_area == area_id
        ]
        objective_items: list[tuple[Fraction, Fraction | None]] = []
        for objective in self.goals.objectives:
            if objective.result_area != area_id or objective.state == "cancelled":
                continue
            period = self.periods.get(objective.period or "")
            if period is None or not period.contains(self.today):
                objective_items.append((one, None))  # linked, but not in the period read today
                continue
            objective_items.append((one, self.scores.objectives[objective.id].progress))
        health = kra_health(
            indicator_attainments=indicator_items, objective_progresses=objective_items
        )
        return ResultAreaScore(area_id, health.value, health.status)


def evaluate(goals: Goals) -> Scores:
    """All derived numbers of `goals` on `goals.today`."""
    return _Evaluator(goals).run()
