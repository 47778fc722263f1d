"""`evaluate(goals)` end to end: every derived number of a small goal system (DESIGN §3)."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction as F

import pytest

from headway.core.evaluate import (
    IndicatorScore,
    KeyResultScore,
    ObjectiveScore,
    ResultAreaScore,
    evaluate,
    score_key_result,
    score_objective,
)
from headway.core.model import (
    Aggregation,
    Alignment,
    CheckIn,
    Direction,
    Goals,
    Indicator,
    IndicatorDirection,
    KeyResult,
    KRKind,
    Measurement,
    Milestone,
    Objective,
    Period,
    ProgressSource,
    Rag,
    ResultArea,
    Rollup,
    Status,
    Target,
)

TODAY = dt.date(2026, 11, 15)  # Q4 day 45: expected pace 46/92 = 1/2
Q3 = Period("2026-Q3", dt.date(2026, 7, 1), dt.date(2026, 9, 30))  # closed by its dates
Q4 = Period("2026-Q4", dt.date(2026, 10, 1), dt.date(2026, 12, 31))  # day 0 .. day 91
Q1 = Period("2027-Q1", dt.date(2027, 1, 1), dt.date(2027, 3, 31))  # not started
HALF = F(1, 2)


def q4(day: int) -> dt.date:
    return Q4.start + dt.timedelta(days=day)


def build_goals() -> Goals:
    signups = Indicator(
        "signups",
        "Weekly signups",
        "org",
        direction=IndicatorDirection.UP,
        aggregation=Aggregation.SUM,
        result_area="growth",
        targets={"2026-Q4": Target(F(100))},
        measurements=[
            Measurement(dt.date(2026, 9, 20), F(100)),  # Q3: not counted
            Measurement(q4(10), F(30)),
            Measurement(q4(20), F(30)),
            Measurement(dt.date(2026, 11, 20), F(40)),  # after today: not counted
        ],
    )
    defects = Indicator(
        "defects",
        "Open defects",
        "org",
        direction=IndicatorDirection.DOWN,
        aggregation=Aggregation.LAST,
        result_area="quality",
        targets={"2026-Q4": Target(F(5))},
        measurements=[Measurement(q4(4), F(8)), Measurement(q4(40), F(4))],
    )
    growth = Objective(
        "o-growth",
        "Grow",
        "2026-Q4",
        "org",
        result_area="growth",
        key_results=[
            KeyResult(
                "kr-revenue",
                "Revenue from 0 to 100",
                start=F(0),
                target=F(100),
                check_ins=[
                    CheckIn(q4(15), F(15), confidence=6),
                    CheckIn(q4(30), F(30), confidence=7, status="on_track"),
                ],
            ),
            # direction inferred from target below start; no value yet
            KeyResult(
                "kr-churn", "Churn", start=F(50), target=F(10), weight=F(2), confidence_start=5
            ),
            KeyResult("kr-nps", "NPS at least 40", direction=Direction.AT_LEAST, target=F(40)),
            KeyResult(
                "kr-old",
                "Dropped",
                start=F(0),
                target=F(10),
                cancelled=True,
                check_ins=[CheckIn(q4(9), F(10))],
            ),
            KeyResult(
                "kr-signups",
                "Signups from 0 to 100",
                direction=Direction.INCREASE,
                start=F(0),
                target=F(100),
                source=ProgressSource.INDICATOR,
                indicator="signups",
            ),
        ],
    )
    ship = Objective(
        "o-ship",
        "Ship",
        "2026-Q4",
        "org",
        rollup=Rollup.BOTH,
        key_results=[
            KeyResult(
                "kr-launch",
                "Launched",
                kind=KRKind.BOOLEAN,
                check_ins=[CheckIn(q4(31), F(1))],
            ),
            KeyResult(
                "kr-beta",
                "Beta",
                kind=KRKind.MILESTONES,
                milestones=[Milestone("invite", done=True), Milestone("ship", weight=F(3))],
            ),
        ],
    )
    team = Objective(
        "o-team",
        "Team quality",
        "2026-Q4",
        "unit:eng",
        aligns_to=[Alignment(parent_objective="o-ship", weight=F(2)), Alignment("o-platform")],
        key_results=[
            KeyResult(
                "kr-tests",
                "Coverage within 80..90",
                direction=Direction.WITHIN,
                lower=F(80),
                upper=F(90),
                check_ins=[CheckIn(q4(40), F(90))],
            )
        ],
    )
    infra = Objective(
        "o-infra",
        "Infra",
        "2026-Q4",
        "unit:ops",
        aligns_to=[
            Alignment(parent_objective="o-platform", weight=F(3)),
            Alignment(parent_key_result="kr-children"),
        ],
        key_results=[
            KeyResult(
                "kr-infra", "Hosts", start=F(0), target=F(4), check_ins=[CheckIn(q4(31), F(1))]
            )
        ],
    )
    dropped = Objective(
        "o-dropped",
        "Cancelled child",
        "2026-Q4",
        "unit:eng",
        state="cancelled",
        aligns_to=[
            Alignment(parent_objective="o-ship", weight=F(100)),
            Alignment(parent_key_result="kr-children", weight=F(100)),
        ],
        key_results=[KeyResult("kr-dropped", "x", start=F(0), target=F(1))],
    )
    platform = Objective(
        "o-platform",
        "Platform",
        "2026-Q4",
        "org",
        rollup=Rollup.CHILDREN,
        key_results=[KeyResult("kr-ignored", "Not rolled up", start=F(0), target=F(100))],
    )
    company = Objective(
        "o-company",
        "Company",
        "2026-Q4",
        "org",
        key_results=[
            KeyResult("kr-children", "Children", source=ProgressSource.CHILDREN),
        ],
    )
    # o-ship aligns to kr-children too, with weight 3
    ship.aligns_to.append(Alignment(parent_key_result="kr-children", weight=F(3)))
    last_quarter = Objective(
        "o-q3",
        "Last quarter",
        "2026-Q3",
        "org",
        result_area="quality",
        key_results=[
            KeyResult(
                "kr-q3",
                "0 to 10",
                start=F(0),
                target=F(10),
                check_ins=[CheckIn(dt.date(2026, 9, 15), F("6.5"))],
            )
        ],
    )
    closed_early = Objective(
        "o-closed",
        "Closed early",
        "2026-Q4",
        "org",
        state="closed",
        key_results=[
            KeyResult(
                "kr-closed",
                "0 to 10",
                start=F(0),
                target=F(10),
                check_ins=[CheckIn(q4(31), F(6))],
            )
        ],
    )
    next_quarter = Objective(
        "o-next",
        "Next quarter",
        "2027-Q1",
        "org",
        result_area="delivery",
        key_results=[KeyResult("kr-next", "0 to 10", start=F(0), target=F(10))],
    )
    backlog = Objective(
        "o-backlog",
        "No period",
        None,
        "org",
        key_results=[
            KeyResult(
                "kr-backlog",
                "0 to 10",
                start=F(0),
                target=F(10),
                check_ins=[CheckIn(q4(1), F(5))],
            )
        ],
    )
    bare = Objective("o-bare", "No key results", "2026-Q4", "org")
    orphan = Objective("o-orphan", "No children", "2026-Q4", "org", rollup=Rollup.CHILDREN)
    return Goals(
        organization="Acme",
        today=TODAY,
        periods=[Q3, Q4, Q1],
        indicators=[signups, defects],
        result_areas=[
            ResultArea("growth", "Growth", "org"),
            ResultArea("quality", "Quality", "org"),
            ResultArea("people", "People", "org"),
            ResultArea("delivery", "Delivery", "org"),
        ],
        objectives=[
            growth,
            ship,
            team,
            infra,
            dropped,
            platform,
            company,
            last_quarter,
            closed_early,
            next_quarter,
            backlog,
            bare,
            orphan,
        ],
    )


@pytest.fixture
def scores():
    return evaluate(build_goals())


def kr_score(kr_id, direction, current, progress, attainment, status, **rest) -> KeyResultScore:
    defaults = {
        "expected": HALF,
        "forecast": None,
        "forecast_value": None,
        "confidence": None,
        "owner_status": None,
    }
    return KeyResultScore(
        kr_id, direction, current, progress, attainment, status, **(defaults | rest)
    )


INC, DEC = Direction.INCREASE, Direction.DECREASE

KEY_RESULTS = [
    # 30 of 0→100: 3/10; gap 1/2 − 3/10 = 1/5 → at_risk. Line through (0,0), (15,15), (30,30)
    # is y = x, so at day 91 the value is 91 → forecast 91/100. The owner's on_track stays
    # beside the computed status.
    kr_score(
        "kr-revenue", INC, F(30), F(3, 10), F(3, 10), Status.AT_RISK,
        forecast=F(91, 100), forecast_value=F(91), confidence=7, owner_status="on_track",
    ),
    # no value yet: current = start 50 → 0; gap 1/2 → off_track; only the start value: no forecast
    kr_score("kr-churn", DEC, F(50), F(0), F(0), Status.OFF_TRACK, confidence=5),
    # threshold with no value: 0 and no_data
    kr_score("kr-nps", Direction.AT_LEAST, None, F(0), F(0), Status.NO_DATA),
    # cancelled: still scored, left out of o-growth
    kr_score("kr-old", INC, F(10), F(1), F(1), Status.ON_TRACK),
    # indicator source: the sum of Q4's measurements up to today, 30 + 30 = 60 → 3/5;
    # gap −1/10 → on_track. Series (0,0), (10,30), (20,60) is y = 3x → 273 at day 91 → capped 1.
    kr_score(
        "kr-signups", INC, F(60), F(3, 5), F(3, 5), Status.ON_TRACK,
        forecast=F(1), forecast_value=F(273),
    ),
    kr_score("kr-launch", INC, F(1), F(1), F(1), Status.ON_TRACK),
    # milestones 1 of 1 + 3 done → 1/4; gap exactly 1/4 → at_risk
    kr_score("kr-beta", INC, None, F(1, 4), F(1, 4), Status.AT_RISK),
    kr_score("kr-tests", Direction.WITHIN, F(90), F(1), F(1), Status.ON_TRACK),
    # 1 of 0→4: 1/4 → at_risk; start + one check-in is two values: no forecast
    kr_score("kr-infra", INC, F(1), F(1, 4), F(1, 4), Status.AT_RISK),
    kr_score("kr-dropped", INC, F(0), F(0), F(0), Status.OFF_TRACK),
    kr_score("kr-ignored", INC, F(0), F(0), F(0), Status.OFF_TRACK),
    # source children: o-infra 1/4 (weight 1) and o-ship 13/16 (weight 3), o-dropped left out:
    # (1/4 + 39/16) / 4 = 43/64
    kr_score("kr-children", INC, None, F(43, 64), F(43, 64), Status.ON_TRACK),
    # closed Q3: 6.5 of 10 = 0.65 → grade 0.7 → green
    kr_score("kr-q3", INC, F("6.5"), F(13, 20), F(13, 20), Status.GREEN, expected=F(1)),
    # objective closed early: 0.6 → grade 0.6 → yellow
    kr_score("kr-closed", INC, F(6), F(3, 5), F(3, 5), Status.YELLOW),
    kr_score("kr-next", INC, F(0), F(0), F(0), Status.NOT_STARTED, expected=F(0)),
    kr_score("kr-backlog", INC, F(5), F(1, 2), F(1, 2), Status.NO_DATA, expected=None),
]  # fmt: skip


@pytest.mark.parametrize("expected", KEY_RESULTS, ids=[k.id for k in KEY_RESULTS])
def test_every_key_result_number(scores, expected):
    assert scores.key_results[expected.id] == expected


OBJECTIVES = [
    # (1·3/10 + 2·0 + 1·0 + 1·3/5) / 5 = 9/50; gap 1/2 − 9/50 = 8/25 → off_track.
    # Forecast: items without one stay where they are: (91/100 + 0 + 0 + 1) / 5 = 191/500.
    ObjectiveScore("o-growth", F(9, 50), Status.OFF_TRACK, HALF, F(191, 500)),
    # both: kr-launch 1, kr-beta 1/4, o-team 1 (weight 2), o-dropped left out:
    # (1 + 1/4 + 2) / 4 = 13/16
    ObjectiveScore("o-ship", F(13, 16), Status.ON_TRACK, HALF, None),
    ObjectiveScore("o-team", F(1), Status.ON_TRACK, HALF, None),
    ObjectiveScore("o-infra", F(1, 4), Status.AT_RISK, HALF, None),
    ObjectiveScore("o-dropped", F(0), Status.OFF_TRACK, HALF, None),
    # children: o-team 1 (weight 1) and o-infra 1/4 (weight 3), its own KR ignored:
    # (1 + 3/4) / 4 = 7/16; gap 1/16 → on_track
    ObjectiveScore("o-platform", F(7, 16), Status.ON_TRACK, HALF, None),
    ObjectiveScore("o-company", F(43, 64), Status.ON_TRACK, HALF, None),
    ObjectiveScore("o-q3", F(13, 20), Status.GREEN, F(1), None),
    ObjectiveScore("o-closed", F(3, 5), Status.YELLOW, HALF, None),
    ObjectiveScore("o-next", F(0), Status.NOT_STARTED, F(0), None),
    ObjectiveScore("o-backlog", HALF, Status.NO_DATA, None, None),
    # no items: no_data, not 0%
    ObjectiveScore("o-bare", None, Status.NO_DATA, HALF, None),
    ObjectiveScore("o-orphan", None, Status.NO_DATA, HALF, None),
]


@pytest.mark.parametrize("expected", OBJECTIVES, ids=[o.id for o in OBJECTIVES])
def test_every_objective_number(scores, expected):
    assert scores.objectives[expected.id] == expected


INDICATORS = [
    # 30 + 30 in Q4 up to today; 60 < 90 (90% of 100) → red; 60/100
    IndicatorScore("signups", "2026-Q4", F(60), Target(F(100)), Rag.RED, F(3, 5)),
    # last is 4 ≤ 5 → green; 5/4 uncapped here
    IndicatorScore("defects", "2026-Q4", F(4), Target(F(5)), Rag.GREEN, F(5, 4)),
]


@pytest.mark.parametrize("expected", INDICATORS, ids=[i.id for i in INDICATORS])
def test_every_indicator_number(scores, expected):
    assert scores.indicators[expected.id] == expected


RESULT_AREAS = [
    # capped signups 3/5 and o-growth 9/50: (30/50 + 9/50) / 2 = 39/100 → red
    ResultAreaScore("growth", F(39, 100), Rag.RED),
    # defects 5/4 capped to 1; o-q3 is not in the period read today, so it has no value
    ResultAreaScore("quality", F(1), Rag.GREEN),
    ResultAreaScore("people", None, Rag.UNMEASURED),
    # linked only to a future objective: no_data
    ResultAreaScore("delivery", None, Rag.NO_DATA),
]


@pytest.mark.parametrize("expected", RESULT_AREAS, ids=[a.id for a in RESULT_AREAS])
def test_every_result_area_number(scores, expected):
    assert scores.result_areas[expected.id] == expected


def test_nothing_more_is_scored_than_the_goals_hold(scores):
    assert scores.today == TODAY
    assert set(scores.key_results) == {k.id for k in KEY_RESULTS}
    assert set(scores.objectives) == {o.id for o in OBJECTIVES}
    assert set(scores.indicators) == {i.id for i in INDICATORS}
    assert set(scores.result_areas) == {a.id for a in RESULT_AREAS}


def test_objective_order_does_not_change_the_numbers(scores):
    goals = build_goals()
    goals.objectives.reverse()
    assert evaluate(goals) == scores


# -- §3.2 rollups one at a time --------------------------------------------------------------


def rollup_goals(rollup: Rollup, *, child_weight: F = F(1)) -> Goals:
    """A parent with one KR at 1/2 and two children at 1 (weight `child_weight`) and 0."""
    parent = Objective(
        "parent",
        "Parent",
        "2026-Q4",
        "org",
        rollup=rollup,
        key_results=[
            KeyResult("kr", "half", start=F(0), target=F(2), check_ins=[CheckIn(q4(1), F(1))])
        ],
    )

    def child(name: str, value: int, weight: F) -> Objective:
        return Objective(
            name,
            name,
            "2026-Q4",
            "org",
            aligns_to=[Alignment(parent_objective="parent", weight=weight)],
            key_results=[
                KeyResult(
                    f"kr-{name}",
                    "x",
                    start=F(0),
                    target=F(1),
                    check_ins=[CheckIn(q4(1), F(value))],
                )
            ],
        )

    children = [child("done", 1, child_weight), child("idle", 0, F(1))]
    return Goals("Acme", TODAY, periods=[Q4], objectives=[parent, *children])


@pytest.mark.parametrize(
    ("rollup", "child_weight", "progress"),
    [
        pytest.param(Rollup.KEY_RESULTS, F(1), HALF, id="key-results-only"),
        pytest.param(Rollup.CHILDREN, F(1), HALF, id="children-only-equal"),
        pytest.param(Rollup.CHILDREN, F(3), F(3, 4), id="children-by-alignment-weight"),
        # both: KR 1/2, children 1 and 0, each one item: (1/2 + 1 + 0) / 3 = 1/2
        pytest.param(Rollup.BOTH, F(1), HALF, id="both-each-child-one-item"),
        # both with weight 3 on the done child: (1/2 + 3 + 0) / 5 = 7/10
        pytest.param(Rollup.BOTH, F(3), F(7, 10), id="both-weighted-child"),
    ],
)
def test_objective_rolls_up_its_key_results_children_or_both(rollup, child_weight, progress):
    scores = evaluate(rollup_goals(rollup, child_weight=child_weight))
    assert scores.objectives["parent"].progress == progress


def test_a_cancelled_key_result_is_left_out_not_counted_as_zero():
    goals = rollup_goals(Rollup.KEY_RESULTS)
    goals.objectives[0].key_results.append(
        KeyResult("kr-cancelled", "x", start=F(0), target=F(1), weight=F(9), cancelled=True)
    )
    assert evaluate(goals).objectives["parent"].progress == HALF


def test_a_cancelled_child_is_left_out_not_counted_as_zero():
    goals = rollup_goals(Rollup.CHILDREN)
    goals.objectives[2].state = "cancelled"  # the idle child
    assert evaluate(goals).objectives["parent"].progress == F(1)


def test_an_objective_whose_key_results_are_all_cancelled_has_no_data():
    goals = rollup_goals(Rollup.KEY_RESULTS)
    goals.objectives[0].key_results[0].cancelled = True
    score = evaluate(goals).objectives["parent"]
    assert (score.progress, score.status) == (None, Status.NO_DATA)


# -- score_objective on its own --------------------------------------------------------------


@pytest.mark.parametrize(
    ("items", "progress", "status", "forecast"),
    [
        pytest.param([], None, Status.NO_DATA, None, id="no-items-no-data-not-zero"),
        pytest.param([(F(1), None, None)], None, Status.NO_DATA, None, id="unmeasurable-only"),
        pytest.param(
            [(F(5), HALF, None), (F(2), F(1), None), (F(1), F(0), None)],
            F(9, 16),
            Status.ON_TRACK,
            None,
            id="100k-20k-1k-weighted",
        ),
        pytest.param(
            [(F(1), F(0), F(1)), (F(1), F(1, 2), None)],
            F(1, 4),
            Status.AT_RISK,
            F(3, 4),
            id="forecast-item-without-one-stays",
        ),
    ],
)
def test_score_objective(items, progress, status, forecast):
    score = score_objective("o", items, period=Q4, today=TODAY)
    assert score == ObjectiveScore("o", progress, status, HALF, forecast)


def test_score_objective_before_its_period_is_not_started():
    score = score_objective("o", [(F(1), F(0), None)], period=Q4, today=dt.date(2026, 9, 1))
    assert (score.status, score.expected) == (Status.NOT_STARTED, F(0))


def test_score_objective_once_closed_shows_the_grade_colour():
    score = score_objective("o", [(F(1), F(7, 10), None)], period=Q4, today=TODAY, closed=True)
    assert score.status == Status.GREEN


# -- score_key_result edges --------------------------------------------------------------------


def test_latest_check_in_on_or_before_today_is_the_current_value():
    kr = KeyResult(
        "kr",
        "x",
        start=F(0),
        target=F(10),
        check_ins=[
            CheckIn(q4(30), F(4)),
            CheckIn(q4(10), F(2)),
            CheckIn(q4(50), F(9)),  # after today
            CheckIn(q4(40), None, note="comment only"),
        ],
    )
    score = score_key_result(kr, period=Q4, today=TODAY)
    assert (score.current, score.progress) == (F(4), F(2, 5))


def test_same_day_check_ins_take_the_last_recorded():
    kr = KeyResult(
        "kr",
        "x",
        start=F(0),
        target=F(10),
        check_ins=[CheckIn(q4(30), F(4)), CheckIn(q4(30), F(6))],
    )
    assert score_key_result(kr, period=Q4, today=TODAY).current == F(6)


def test_a_due_date_sets_the_expected_pace():
    # due on day 45 (today): the key result is expected to be complete
    kr = KeyResult("kr", "x", start=F(0), target=F(10), due=TODAY, check_ins=[CheckIn(q4(1), F(8))])
    score = score_key_result(kr, period=Q4, today=TODAY)
    assert (score.expected, score.status) == (F(1), Status.AT_RISK)


def test_source_children_with_no_children_has_no_data():
    kr = KeyResult("kr", "x", source=ProgressSource.CHILDREN)
    score = score_key_result(kr, period=Q4, today=TODAY, children_progress=None)
    assert (score.progress, score.status) == (None, Status.NO_DATA)


def test_an_unmeasurable_key_result_has_no_data():
    kr = KeyResult("kr", "x", target=F(10), check_ins=[CheckIn(q4(1), F(8))])
    score = score_key_result(kr, period=Q4, today=TODAY)
    assert (score.progress, score.attainment, score.status) == (None, None, Status.NO_DATA)


def test_source_indicator_reads_the_indicator_over_the_objectives_period():
    indicator = Indicator(
        "kpi",
        "KPI",
        "org",
        aggregation=Aggregation.MEAN,
        measurements=[
            Measurement(dt.date(2026, 9, 30), F(1000)),
            Measurement(q4(5), F(20)),
            Measurement(q4(6), F(40)),
        ],
    )
    kr = KeyResult(
        "kr",
        "x",
        start=F(0),
        target=F(60),
        source=ProgressSource.INDICATOR,
        indicator="kpi",
    )
    score = score_key_result(kr, period=Q4, today=TODAY, indicator=indicator)
    # mean of 20 and 40 = 30 → 30/60
    assert (score.current, score.progress) == (F(30), HALF)
