"""Derived values for the generator, computed while it writes, with the product's own arithmetic.

`recompute_organization` reads every check-in back as an ORM object and writes with
`bulk_update`; at size L that is most of an hour and many GiB (see BENCHMARKS.md). The generator
already holds every number it writes, so it scores each key result as soon as its check-ins are
made, with the same core functions (`score_key_result`, `score_objective`) and the same storage
rounding (`stored`, `stored_value`) as `recompute_organization`, then writes the results with
one set-based UPDATE per table. `python -m bench.generate --verify` runs `recompute_organization`
afterwards: it must find nothing to change.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from headway.core import model as core
from headway.core.evaluate import score_key_result, score_objective
from headway.core.progress import weighted_mean
from headway.goals.rollup import stored, stored_value

Node = tuple[str, int]


def exact(value: float | int | None) -> Fraction | None:
    """A generated number as the database gives it back: the decimal it was written as."""
    if value is None:
        return None
    return Fraction(value) if isinstance(value, int) else Fraction(repr(value))


@dataclass(slots=True)
class KeyResultSpec:
    objective: int
    title: str
    kind: str
    direction: str
    start: float | int | None
    target: float | int | None
    weight: int
    confidence_start: int
    source: str
    indicator: int | None


@dataclass(slots=True)
class ObjectiveSpec:
    rollup: str


class Deriver:
    """Collects the goal graph as it is generated; scores it bottom-up."""

    def __init__(self, *, period_id: int, start: dt.date, end: dt.date, today: dt.date) -> None:
        self.period = core.Period(id=str(period_id), start=start, end=end, state="active")
        self.today = today
        self.key_results: dict[int, KeyResultSpec] = {}
        self.objectives: dict[int, ObjectiveSpec] = {}
        self.krs_of: dict[int, list[int]] = defaultdict(list)
        self.children_of_objective: dict[int, list[tuple[int, int]]] = defaultdict(list)
        self.children_of_kr: dict[int, list[tuple[int, int]]] = defaultdict(list)
        self.series: dict[int, list[core.Measurement]] = {}  # indicator → measurements in period
        # Results, as the rows hold them: key result → (current, progress, attainment, status,
        # confidence, last check-in time); objective → (progress, status).
        self.kr_values: dict[int, tuple[Any, ...]] = {}
        self.objective_values: dict[int, tuple[Decimal | None, str]] = {}
        self.scoring = 0.0  # seconds spent in score_checked_in

    # -- the graph -------------------------------------------------------------------------------
    def add_objective(self, pk: int, rollup: str) -> None:
        self.objectives[pk] = ObjectiveSpec(rollup)

    def add_key_result(self, pk: int, spec: KeyResultSpec) -> None:
        self.key_results[pk] = spec
        self.krs_of[spec.objective].append(pk)

    def add_alignment(
        self, child: int, parent_objective: int | None, parent_kr: int | None, weight: int
    ) -> None:
        if parent_objective is not None:
            self.children_of_objective[parent_objective].append((weight, child))
        elif parent_kr is not None:
            self.children_of_kr[parent_kr].append((weight, child))

    # -- key results with check-ins: scored as their check-ins are generated ------------------
    def score_checked_in(
        self, pk: int, check_ins: list[tuple[dt.date, float, int, str, str]], last_at: Any
    ) -> None:
        """`check_ins` in recording order: (date, value, confidence, status, note)."""
        began = time.perf_counter()
        spec = self.key_results[pk]
        kr = self._core(pk, spec)
        kr.check_ins = [
            core.CheckIn(date, exact(value), confidence, status or None, note)
            for date, value, confidence, status, note in check_ins
        ]
        score = score_key_result(kr, period=self.period, today=self.today)
        as_of = min(self.today, self.period.end)
        dated = [c for c in check_ins if c[0] <= as_of]
        self.kr_values[pk] = self._row(score, last_at if dated else None)
        self.scoring += time.perf_counter() - began

    def _core(self, pk: int, spec: KeyResultSpec) -> core.KeyResult:
        return core.KeyResult(
            id=str(pk),
            title=spec.title,
            kind=core.KRKind(spec.kind),
            direction=core.Direction(spec.direction),
            start=exact(spec.start),
            target=exact(spec.target),
            weight=Fraction(spec.weight),
            confidence_start=spec.confidence_start,
            source=core.ProgressSource(spec.source),
            indicator=str(spec.indicator) if spec.indicator else None,
            due=self.period.end,
        )

    @staticmethod
    def _row(score: Any, last_at: Any) -> tuple[Any, ...]:
        return (
            stored_value(score.current),
            stored(score.progress),
            stored(score.attainment),
            str(score.status),
            score.confidence,
            last_at,
        )

    # -- everything else, bottom-up ----------------------------------------------------------------
    def finish(self) -> None:
        """Score the key results without check-ins and every objective, children first."""
        needs: dict[Node, list[Node]] = defaultdict(list)
        for pk, spec in self.key_results.items():
            needs[("o", spec.objective)].append(("k", pk))
        for parent, links in self.children_of_objective.items():
            if self.objectives[parent].rollup != "key_results":
                needs[("o", parent)].extend(("o", child) for _, child in links)
        for parent, links in self.children_of_kr.items():
            needs[("k", parent)].extend(("o", child) for _, child in links)
        done: set[Node] = {("k", pk) for pk in self.kr_values}
        for root in [("o", pk) for pk in self.objectives] + [("k", pk) for pk in self.key_results]:
            stack: list[tuple[Node, bool]] = [(root, False)]
            while stack:
                node, expanded = stack.pop()
                if node in done:
                    continue
                if not expanded:
                    stack.append((node, True))
                    stack.extend((dep, False) for dep in needs.get(node, ()) if dep not in done)
                    continue
                done.add(node)
                if node[0] == "k":
                    self._score_key_result(node[1])
                else:
                    self._score_objective(node[1])

    def _progress(self, objective: int) -> Fraction | None:
        value = self.objective_values[objective][0]
        return None if value is None else Fraction(value)

    def _score_key_result(self, pk: int) -> None:
        spec = self.key_results[pk]
        kr = self._core(pk, spec)
        indicator = children = None
        if spec.source == "indicator" and spec.indicator:
            indicator = core.Indicator(
                id=str(spec.indicator),
                name="",
                scope="",
                direction=core.IndicatorDirection.UP,
                frequency=core.Frequency.DAY,
                aggregation=core.Aggregation.LAST,
                measurements=self.series.get(spec.indicator, []),
            )
        if spec.source == "children":
            children = weighted_mean(
                (Fraction(weight), self._progress(child))
                for weight, child in self.children_of_kr[pk]
            )
        score = score_key_result(
            kr,
            period=self.period,
            today=self.today,
            indicator=indicator,
            children_progress=children,
        )
        self.kr_values[pk] = self._row(score, None)

    def _score_objective(self, pk: int) -> None:
        rollup = self.objectives[pk].rollup
        items: list[tuple[Fraction, Fraction | None, Fraction | None]] = []
        if rollup in ("key_results", "both"):
            for kr in self.krs_of[pk]:
                progress = self.kr_values[kr][1]
                items.append(
                    (
                        Fraction(self.key_results[kr].weight),
                        None if progress is None else Fraction(progress),
                        None,
                    )
                )
        if rollup in ("children", "both"):
            items += [
                (Fraction(weight), self._progress(child), None)
                for weight, child in self.children_of_objective[pk]
            ]
        score = score_objective(str(pk), items, period=self.period, today=self.today)
        self.objective_values[pk] = (stored(score.progress), str(score.status))

    # -- writing --------------------------------------------------------------------------------------
    def write(self, loader: Any) -> dict[str, int]:
        """Two set-based UPDATEs through temporary tables (COPY or executemany into them)."""
        connection = loader.connection
        postgres = loader.postgres
        numeric = "numeric" if postgres else "decimal"
        stamp = "timestamptz" if postgres else "datetime"
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_kr_values")
            cursor.execute("DROP TABLE IF EXISTS bench_objective_values")
            cursor.execute(
                f"CREATE TEMPORARY TABLE bench_kr_values (id bigint PRIMARY KEY, "
                f"current {numeric}, progress {numeric}, attainment {numeric}, "
                f"status varchar(12), confidence integer, last_check_in_at {stamp})"
            )
            cursor.execute(
                f"CREATE TEMPORARY TABLE bench_objective_values (id bigint PRIMARY KEY, "
                f"progress {numeric}, status varchar(12))"
            )
        kr_rows = [(pk, *values) for pk, values in self.kr_values.items()]
        objective_rows = [(pk, *values) for pk, values in self.objective_values.items()]
        loader.load_raw("bench_kr_values", 7, kr_rows, label="key result values")
        loader.load_raw("bench_objective_values", 3, objective_rows, label="objective values")
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE goals_keyresult SET current = d.current, progress = d.progress, "
                "attainment = d.attainment, status = d.status, confidence = d.confidence, "
                "last_check_in_at = d.last_check_in_at "
                "FROM bench_kr_values AS d WHERE goals_keyresult.id = d.id"
            )
            krs = cursor.rowcount
            cursor.execute(
                "UPDATE goals_objective SET progress = d.progress, status = d.status "
                "FROM bench_objective_values AS d WHERE goals_objective.id = d.id"
            )
            objectives = cursor.rowcount
            cursor.execute("DROP TABLE bench_kr_values")
            cursor.execute("DROP TABLE bench_objective_values")
        return {"key_results": krs, "objectives": objectives}
