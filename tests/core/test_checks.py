"""The health checks of DESIGN §4, one rule at a time, on plain values (no database).

Each rule's table starts from a healthy goal system, breaks one thing and expects exactly the
findings that thing causes, so a rule that fires too widely fails as surely as one that is silent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from fractions import Fraction

import pytest

from headway.core.checks import (
    RULES,
    CheckSettings,
    Finding,
    checked_objects,
    health_score,
    run_checks,
    task_verb,
    vague_word,
)
from headway.core.model import (
    Alignment,
    CheckIn,
    Direction,
    Frequency,
    Goals,
    Indicator,
    KeyResult,
    KRKind,
    Measurement,
    Milestone,
    Objective,
    Period,
    Person,
    ProgressSource,
    ResultArea,
    Rollup,
    Severity,
    Target,
    Unit,
)

TODAY = dt.date(2026, 11, 15)
Q4 = Period("2026-Q4", dt.date(2026, 10, 1), dt.date(2026, 12, 31))
ANA = "ana@acme.test"
BEN = "ben@acme.test"
W, E = Severity.WARNING, Severity.ERROR

Mutation = Callable[[Goals], object]
Expected = list[tuple[str, str, Severity]]


def days_ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


def good_kr(kr_id: str, n: int = 1, **fields: object) -> KeyResult:
    """A measurable outcome with a baseline, a confidence and a recent check-in."""
    kr = KeyResult(
        id=kr_id,
        title=f"Raise repeat orders from {n}0 to {n}5 a week",
        start=Fraction(n * 10),
        target=Fraction(n * 10 + 5),
        confidence_start=6,
        check_ins=[CheckIn(days_ago(3), Fraction(n * 10 + 1), 6)],
    )
    for name, value in fields.items():
        setattr(kr, name, value)
    return kr


def good_objective(objective_id: str, **fields: object) -> Objective:
    objective = Objective(
        id=objective_id,
        title=f"Win back lapsed customers ({objective_id})",
        period=Q4.id,
        scope="org",
        owner=ANA,
        key_results=[good_kr(f"{objective_id}-a", 1), good_kr(f"{objective_id}-b", 2)],
    )
    for name, value in fields.items():
        setattr(objective, name, value)
    return objective


def good_kra(area_id: str, scope: str, weight: int, **fields: object) -> ResultArea:
    area = ResultArea(
        id=area_id,
        name=f"Area {area_id}",
        scope=scope,
        owner=BEN,
        weight=Fraction(weight),
        parent="kra-cx" if scope != "org" else None,
        last_reviewed=dt.date(2026, 11, 1),
    )
    for name, value in fields.items():
        setattr(area, name, value)
    return area


def good_kpi(indicator_id: str, scope: str, owner: str, area: str | None) -> Indicator:
    return Indicator(
        id=indicator_id,
        name=f"Indicator {indicator_id}",
        scope=scope,
        owner=owner,
        frequency=Frequency.MONTH,
        result_area=area,
        targets={Q4.id: Target(Fraction(60))},
        measurements=[Measurement(dt.date(2026, 11, 1), Fraction(50))],
    )


def healthy() -> Goals:
    """A small organization with nothing for the checks to find."""
    mrr = good_kpi("mrr", "org", ANA, "kra-growth")
    mrr.name = "Monthly recurring revenue"
    nps = good_kpi("nps", "unit:Support", BEN, "kra-support")
    nps.name = "Net Promoter Score"
    return Goals(
        organization="Acme",
        today=TODAY,
        periods=[Q4],
        units=[Unit("Support", head=BEN)],
        people=[
            Person(ANA, "Ana Diaz", title="CEO"),
            Person(BEN, "Ben Okafor", unit="Support", manager=ANA, title="Head of Support"),
        ],
        result_areas=[
            good_kra("kra-growth", "org", 60, owner=ANA, name="Revenue growth"),
            good_kra("kra-cx", "org", 40, owner=ANA, name="Customer satisfaction"),
            good_kra("kra-support", "unit:Support", 100, name="Support quality"),
        ],
        indicators=[mrr, nps],
        objectives=[
            Objective(
                id="o-cx",
                title="Deliver an exceptional customer experience",
                period=Q4.id,
                scope="org",
                owner=ANA,
                result_area="kra-cx",
                key_results=[
                    good_kr(
                        "kr-nps",
                        title="Increase NPS from 45 to 60",
                        start=Fraction(45),
                        target=Fraction(60),
                    ),
                    good_kr(
                        "kr-churn",
                        title="Reduce customer churn rate from 8% to 5%",
                        kind=KRKind.PERCENT,
                        start=Fraction(8),
                        target=Fraction(5),
                    ),
                ],
            ),
            Objective(
                id="o-support",
                title="Make support fast and friendly",
                period=Q4.id,
                scope="unit:Support",
                owner=BEN,
                result_area="kra-support",
                aligns_to=[Alignment(parent_key_result="kr-nps")],
                key_results=[
                    good_kr(
                        "kr-resp",
                        title="Cut average first response time from 120 to 30 minutes",
                        start=Fraction(120),
                        target=Fraction(30),
                    ),
                    good_kr(
                        "kr-csat",
                        title="Raise CSAT from 80% to 90%",
                        kind=KRKind.PERCENT,
                        start=Fraction(80),
                        target=Fraction(90),
                    ),
                ],
            ),
        ],
    )


# -- finding things in a Goals value, and changing them ----------------------------------------


def kra(goals: Goals, area_id: str) -> ResultArea:
    return next(a for a in goals.result_areas if a.id == area_id)


def kpi(goals: Goals, indicator_id: str) -> Indicator:
    return next(i for i in goals.indicators if i.id == indicator_id)


def objective(goals: Goals, objective_id: str) -> Objective:
    return next(o for o in goals.objectives if o.id == objective_id)


def key_result(goals: Goals, kr_id: str) -> KeyResult:
    return next(kr for o in goals.objectives for kr in o.key_results if kr.id == kr_id)


def change(find: Callable[[Goals, str], object], ident: str, **fields: object) -> Mutation:
    """A mutation that sets fields on one object of the goals value."""

    def mutate(goals: Goals) -> None:
        thing = find(goals, ident)
        for name, value in fields.items():
            setattr(thing, name, value)

    return mutate


def both(*mutations: Mutation) -> Mutation:
    def mutate(goals: Goals) -> None:
        for mutation in mutations:
            mutation(goals)

    return mutate


def findings_after(mutation: Mutation, settings: CheckSettings | None = None) -> Expected:
    goals = healthy()
    mutation(goals)
    found = run_checks(goals, settings or CheckSettings())
    return [(f.code, f.object, f.severity) for f in found]


def test_the_healthy_organization_has_no_findings() -> None:
    goals = healthy()

    assert run_checks(goals) == []
    assert health_score(goals, []) == 1


def test_it_lists_every_checked_object_in_the_goals_order() -> None:
    assert checked_objects(healthy()) == [
        "scope:org",
        "scope:unit:Support",
        "result_area:kra-growth",
        "result_area:kra-cx",
        "result_area:kra-support",
        "indicator:mrr",
        "indicator:nps",
        "objective:o-cx",
        "key_result:kr-nps",
        "key_result:kr-churn",
        "objective:o-support",
        "key_result:kr-resp",
        "key_result:kr-csat",
        "person:ana@acme.test",
        "person:ben@acme.test",
    ]


def test_it_leaves_cancelled_and_retired_things_unchecked() -> None:
    goals = healthy()
    goals.result_areas.append(good_kra("kra-old", "org", 0, state="retired", owner=None))
    goals.objectives.append(good_objective("o-gone", owner=None, period=None, state="cancelled"))
    objective(goals, "o-cx").key_results.append(
        good_kr("kr-gone", title="Launch it", cancelled=True)
    )

    assert run_checks(goals) == []
    assert not {"result_area:kra-old", "objective:o-gone", "key_result:kr-gone"} & set(
        checked_objects(goals)
    )


# -- HW001 too-many-kras -----------------------------------------------------------------------


def support_kras(count: int) -> Mutation:
    """Replace the Support unit's KRAs by `count` healthy ones, each measured by its own KPI."""

    def mutate(goals: Goals) -> None:
        goals.result_areas = [a for a in goals.result_areas if a.scope != "unit:Support"]
        goals.indicators = [i for i in goals.indicators if i.scope != "unit:Support"]
        weights = [100 - 10 * (count - 1)] + [10] * (count - 1)
        for n, weight in enumerate(weights):
            goals.result_areas.append(good_kra(f"kra-s{n}", "unit:Support", weight))
            goals.indicators.append(good_kpi(f"kpi-s{n}", "unit:Support", BEN, f"kra-s{n}"))
        objective(goals, "o-support").result_area = "kra-s0"

    return mutate


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (3, []),
        (5, []),
        (6, [("HW001", "scope:unit:Support", W)]),
        (7, [("HW001", "scope:unit:Support", W)]),
        (8, [("HW001", "scope:unit:Support", E)]),
    ],
)
def test_hw001_flags_a_scope_with_too_many_kras(count: int, expected: Expected) -> None:
    assert findings_after(support_kras(count)) == expected


def test_hw001_says_how_many_kras_the_scope_has() -> None:
    goals = healthy()
    support_kras(6)(goals)

    [finding] = run_checks(goals)

    assert finding == Finding(
        code="HW001",
        name="too-many-kras",
        severity=Severity.WARNING,
        object="scope:unit:Support",
        message='Scope "unit:Support" has 6 active KRAs (more than 5): focus scatters.',
        hint=finding.hint,
    )
    assert finding.hint


def test_hw001_limits_come_from_the_settings() -> None:
    settings = CheckSettings(max_kras_warning=2, max_kras_error=3)

    assert findings_after(support_kras(2), settings) == []
    assert findings_after(support_kras(3), settings) == [("HW001", "scope:unit:Support", W)]
    assert findings_after(support_kras(4), settings) == [("HW001", "scope:unit:Support", E)]


# -- HW002 kr-count ----------------------------------------------------------------------------


def support_krs(count: int, cancelled: int = 0) -> Mutation:
    def mutate(goals: Goals) -> None:
        krs = [good_kr(f"kr-x{n}", n + 1) for n in range(count)]
        krs += [good_kr(f"kr-c{n}", n + 1, cancelled=True) for n in range(cancelled)]
        objective(goals, "o-support").key_results = krs

    return mutate


def measured_by_children(goals: Goals) -> None:
    parent = objective(goals, "o-cx")
    parent.rollup = Rollup.CHILDREN
    parent.key_results = []
    objective(goals, "o-support").aligns_to = [Alignment(parent_objective="o-cx")]


def rolled_up_without_children(goals: Goals) -> None:
    parent = objective(goals, "o-cx")
    parent.rollup = Rollup.CHILDREN
    parent.key_results = []
    objective(goals, "o-support").aligns_to = []


@pytest.mark.parametrize(
    ("mutation", "expected"),
    [
        pytest.param(support_krs(0), [("HW002", "objective:o-support", W)], id="none"),
        pytest.param(support_krs(1), [("HW002", "objective:o-support", W)], id="one"),
        pytest.param(support_krs(2), [], id="two"),
        pytest.param(support_krs(5), [], id="five"),
        pytest.param(support_krs(6), [("HW002", "objective:o-support", W)], id="six"),
        pytest.param(support_krs(5, cancelled=3), [], id="cancelled-do-not-count"),
        pytest.param(
            support_krs(1, cancelled=1), [("HW002", "objective:o-support", W)], id="one-live"
        ),
        pytest.param(measured_by_children, [], id="rolled-up-from-children"),
        pytest.param(
            rolled_up_without_children, [("HW002", "objective:o-cx", W)], id="no-children-either"
        ),
    ],
)
def test_hw002_flags_an_objective_with_too_few_or_too_many_key_results(
    mutation: Mutation, expected: Expected
) -> None:
    assert findings_after(mutation) == expected


# -- HW003 no-owner ----------------------------------------------------------------------------


def inactive_owner(goals: Goals) -> None:
    goals.people.append(Person("carl@acme.test", "Carl Berg", active=False))
    kra(goals, "kra-cx").owner = "carl@acme.test"


@pytest.mark.parametrize(
    ("mutation", "expected"),
    [
        pytest.param(
            change(kra, "kra-cx", owner=None), [("HW003", "result_area:kra-cx", E)], id="kra"
        ),
        pytest.param(
            change(kra, "kra-cx", owner="  "), [("HW003", "result_area:kra-cx", E)], id="blank"
        ),
        pytest.param(change(kpi, "nps", owner=None), [("HW003", "indicator:nps", E)], id="kpi"),
        pytest.param(
            change(objective, "o-support", owner=None),
            [("HW003", "objective:o-support", E)],
            id="objective",
        ),
        pytest.param(change(key_result, "kr-resp", owner=None), [], id="kr-inherits"),
        pytest.param(change(key_result, "kr-resp", owner=BEN), [], id="kr-own-owner"),
        pytest.param(
            change(key_result, "kr-resp", owner="zoe@acme.test"),
            [("HW003", "key_result:kr-resp", E)],
            id="kr-unknown-owner",
        ),
        pytest.param(
            change(objective, "o-cx", owner="nobody@acme.test"),
            [("HW003", "objective:o-cx", E)],
            id="objective-unknown-owner",
        ),
        pytest.param(change(objective, "o-cx", owner="Ana@ACME.test"), [], id="email-case"),
        pytest.param(inactive_owner, [("HW003", "result_area:kra-cx", E)], id="inactive-owner"),
        pytest.param(
            both(lambda g: setattr(g, "people", []), change(kra, "kra-cx", owner="x@y.test")),
            [],
            id="no-people-listed",
        ),
    ],
)
def test_hw003_flags_a_missing_or_unknown_owner(mutation: Mutation, expected: Expected) -> None:
    assert findings_after(mutation) == expected


# -- HW004 unmeasurable ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mutation", "expected"),
    [
        pytest.param(
            change(key_result, "kr-nps", target=None),
            [("HW004", "key_result:kr-nps", E)],
            id="no-target",
        ),
        pytest.param(
            change(key_result, "kr-nps", start=None),
            [("HW004", "key_result:kr-nps", E), ("HW009", "key_result:kr-nps", W)],
            id="no-start-is-also-no-baseline",
        ),
        pytest.param(
            change(key_result, "kr-nps", direction=Direction.AT_LEAST, start=None),
            [],
            id="at-least-needs-no-start",
        ),
        pytest.param(
            change(key_result, "kr-nps", direction=Direction.AT_MOST, target=None),
            [("HW004", "key_result:kr-nps", E)],
            id="at-most-without-bound",
        ),
        pytest.param(
            change(key_result, "kr-nps", direction=Direction.WITHIN, lower=Fraction(50)),
            [("HW004", "key_result:kr-nps", E)],
            id="within-without-upper",
        ),
        pytest.param(
            change(
                key_result,
                "kr-nps",
                direction=Direction.WITHIN,
                lower=Fraction(50),
                upper=Fraction(70),
            ),
            [],
            id="within-with-bounds",
        ),
        pytest.param(
            change(
                key_result,
                "kr-nps",
                title="SOC 2 report signed off",
                kind=KRKind.BOOLEAN,
                start=None,
                target=None,
            ),
            [],
            id="boolean-needs-no-numbers",
        ),
        pytest.param(
            change(
                key_result,
                "kr-nps",
                source=ProgressSource.CHILDREN,
                start=None,
                target=None,
            ),
            [],
            id="rolled-up-from-children",
        ),
        pytest.param(
            change(key_result, "kr-nps", title="Improve customer satisfaction"),
            [("HW004", "key_result:kr-nps", E)],
            id="vague-improve",
        ),
        pytest.param(
            change(key_result, "kr-nps", title="World-class customer happiness"),
            [("HW004", "key_result:kr-nps", E)],
            id="vague-world-class",
        ),
        pytest.param(
            change(key_result, "kr-nps", title="Support the sales team"),
            [("HW004", "key_result:kr-nps", E)],
            id="vague-leading-support",
        ),
        pytest.param(
            change(key_result, "kr-nps", title="Improve NPS from 45 to 60"),
            [],
            id="vague-word-with-numbers",
        ),
        pytest.param(
            change(key_result, "kr-nps", title="Cut open support tickets in half"),
            [],
            id="support-as-a-noun",
        ),
        pytest.param(
            change(kpi, "mrr", result_area=None),
            [("HW004", "result_area:kra-growth", W)],
            id="kra-measured-by-nothing",
        ),
        pytest.param(
            change(objective, "o-cx", state="cancelled"),
            [("HW004", "result_area:kra-cx", W)],
            id="kra-linked-only-to-a-cancelled-objective",
        ),
    ],
)
def test_hw004_flags_what_cannot_be_measured(mutation: Mutation, expected: Expected) -> None:
    assert findings_after(mutation) == expected


# -- HW005 activity-not-outcome ----------------------------------------------------------------


def milestones_task(goals: Goals) -> None:
    kr = key_result(goals, "kr-nps")
    kr.title = "Migrate billing to the new provider"
    kr.kind = KRKind.MILESTONES
    kr.start = kr.target = None
    kr.milestones = [Milestone("Contract signed", done=True), Milestone("Cut over")]


@pytest.mark.parametrize(
    ("mutation", "expected"),
    [
        pytest.param(
            change(key_result, "kr-nps", title="Launch the new website", kind=KRKind.BOOLEAN),
            [("HW005", "key_result:kr-nps", W)],
            id="launch",
        ),
        pytest.param(
            change(key_result, "kr-nps", title="Hire 5 engineers"),
            [("HW005", "key_result:kr-nps", W)],
            id="hire",
        ),
        pytest.param(
            change(key_result, "kr-nps", title="We will organise 3 customer workshops"),
            [("HW005", "key_result:kr-nps", W)],
            id="we-will-organise",
        ),
        pytest.param(
            change(key_result, "kr-nps", title="KR1: Set up 2 dashboards for the sales team"),
            [("HW005", "key_result:kr-nps", W)],
            id="set-up-after-a-label",
        ),
        pytest.param(milestones_task, [("HW005", "key_result:kr-nps", W)], id="milestones"),
        pytest.param(
            change(key_result, "kr-nps", title="Increase sign-ups from 200 to 500"),
            [],
            id="outcome",
        ),
        pytest.param(
            change(key_result, "kr-nps", title="Run-rate revenue from 1M to 2M"),
            [],
            id="run-rate-is-no-verb",
        ),
    ],
)
def test_hw005_flags_a_key_result_worded_as_a_task(mutation: Mutation, expected: Expected) -> None:
    assert findings_after(mutation) == expected


@pytest.mark.parametrize(
    ("title", "verb"),
    [
        ("Launch the new website", "launch"),
        ("Hiring 5 engineers", "hire"),
        ("Planned 3 offsites", "plan"),
        ("Rolling out SSO to 4 teams", "roll out"),
        ("- Write 10 blog posts", "write"),
        ("Reduce churn from 8% to 5%", None),
        ("Holdings grow from 3 to 5", None),
    ],
)
def test_task_verb_reads_the_first_verb(title: str, verb: str | None) -> None:
    assert task_verb(title) == verb


@pytest.mark.parametrize(
    ("title", "word"),
    [
        ("Improve onboarding", "improve"),
        ("Be the best support team", "best"),
        ("Ensure GDPR compliance", "ensure"),
        ("Improve onboarding completion from 60% to 80%", None),
        ("Reduce support backlog", None),
    ],
)
def test_vague_word_needs_a_vague_word_and_no_number(title: str, word: str | None) -> None:
    assert vague_word(title) == word


# -- HW006 stale -------------------------------------------------------------------------------


def checked_in(kr_id: str, *dates: dt.date) -> Mutation:
    return change(key_result, kr_id, check_ins=[CheckIn(d, Fraction(50), 6) for d in dates])


def period_started(days: int) -> Mutation:
    """The quarter began `days` ago and kr-nps has never been checked in."""

    def mutate(goals: Goals) -> None:
        goals.periods = [Period(Q4.id, days_ago(days), Q4.end)]
        key_result(goals, "kr-nps").check_ins = []

    return mutate


def measured(
    indicator_id: str, *dates: dt.date, frequency: Frequency = Frequency.MONTH
) -> Mutation:
    return change(
        kpi,
        indicator_id,
        frequency=frequency,
        measurements=[Measurement(d, Fraction(50)) for d in dates],
    )


@pytest.mark.parametrize(
    ("mutation", "expected"),
    [
        pytest.param(checked_in("kr-nps", days_ago(14)), [], id="14-days"),
        pytest.param(
            checked_in("kr-nps", days_ago(15)), [("HW006", "key_result:kr-nps", W)], id="15-days"
        ),
        pytest.param(
            checked_in("kr-nps", days_ago(30), TODAY + dt.timedelta(days=1)),
            [("HW006", "key_result:kr-nps", W)],
            id="a-future-check-in-does-not-count",
        ),
        pytest.param(
            checked_in("kr-nps", days_ago(40), days_ago(2)), [], id="latest-counts-not-first"
        ),
        pytest.param(period_started(14), [], id="never-checked-in-14-days-into-the-period"),
        pytest.param(
            period_started(15),
            [("HW006", "key_result:kr-nps", W)],
            id="never-checked-in-15-days-into-the-period",
        ),
        pytest.param(
            checked_in("kr-nps"),
            [("HW006", "key_result:kr-nps", W)],
            id="never-checked-in",
        ),
        pytest.param(
            both(
                checked_in("kr-nps", days_ago(30)),
                lambda g: setattr(g, "periods", [Period(Q4.id, Q4.start, Q4.end, "closed")]),
            ),
            [],
            id="closed-period",
        ),
        pytest.param(
            both(checked_in("kr-nps", days_ago(30)), change(objective, "o-cx", state="closed")),
            [],
            id="closed-objective",
        ),
        pytest.param(
            both(
                checked_in("kr-nps"),
                change(key_result, "kr-nps", source=ProgressSource.INDICATOR, indicator="nps"),
            ),
            [],
            id="fed-by-a-kpi",
        ),
        pytest.param(
            both(
                checked_in("kr-nps"),
                change(
                    key_result,
                    "kr-nps",
                    title="SOC 2 report signed off",
                    kind=KRKind.BOOLEAN,
                    done=True,
                ),
            ),
            [],
            id="boolean-done",
        ),
        pytest.param(measured("mrr", days_ago(45)), [], id="kpi-monthly-45-days"),
        pytest.param(
            measured("mrr", days_ago(46)), [("HW006", "indicator:mrr", W)], id="kpi-monthly-46-days"
        ),
        pytest.param(
            measured("mrr", days_ago(10), frequency=Frequency.WEEK), [], id="kpi-weekly-10-days"
        ),
        pytest.param(
            measured("mrr", days_ago(11), frequency=Frequency.WEEK),
            [("HW006", "indicator:mrr", W)],
            id="kpi-weekly-11-days",
        ),
        pytest.param(
            measured("mrr", days_ago(60), TODAY + dt.timedelta(days=3)),
            [("HW006", "indicator:mrr", W)],
            id="kpi-future-measurement-does-not-count",
        ),
        pytest.param(measured("mrr"), [("HW006", "indicator:mrr", W)], id="kpi-never-measured"),
    ],
)
def test_hw006_flags_stale_key_results_and_kpis(mutation: Mutation, expected: Expected) -> None:
    assert findings_after(mutation) == expected


def test_hw006_stale_days_come_from_the_settings() -> None:
    settings = CheckSettings(stale_days=7)

    assert findings_after(checked_in("kr-nps", days_ago(7)), settings) == []
    assert findings_after(checked_in("kr-nps", days_ago(8)), settings) == [
        ("HW006", "key_result:kr-nps", W)
    ]


# -- HW007 unlinked ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mutation", "expected"),
    [
        pytest.param(change(objective, "o-support", aligns_to=[]), [], id="filed-under-a-kra"),
        pytest.param(change(objective, "o-support", result_area=None), [], id="aligned"),
        pytest.param(
            change(objective, "o-support", aligns_to=[], result_area=None),
            [("HW007", "objective:o-support", W)],
            id="objective-with-no-link",
        ),
        pytest.param(
            change(
                objective,
                "o-support",
                aligns_to=[Alignment(parent_objective="o-nope")],
                result_area="kra-nope",
            ),
            [("HW007", "objective:o-support", W)],
            id="objective-links-to-nothing",
        ),
        pytest.param(
            change(objective, "o-cx", result_area=None),
            [("HW004", "result_area:kra-cx", W)],
            id="org-objective-needs-no-link",
        ),
        pytest.param(
            change(kra, "kra-support", parent=None),
            [("HW007", "result_area:kra-support", W)],
            id="kra-with-no-parent",
        ),
        pytest.param(
            change(kra, "kra-support", parent="kra-nope"),
            [("HW007", "result_area:kra-support", W)],
            id="kra-with-missing-parent",
        ),
    ],
)
def test_hw007_flags_what_has_no_link_upward(mutation: Mutation, expected: Expected) -> None:
    assert findings_after(mutation) == expected


# -- HW008 unreviewed --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mutation", "expected"),
    [
        pytest.param(change(kra, "kra-growth", last_reviewed=days_ago(90)), [], id="90-days"),
        pytest.param(
            change(kra, "kra-growth", last_reviewed=days_ago(91)),
            [("HW008", "result_area:kra-growth", W)],
            id="91-days",
        ),
        pytest.param(
            change(kra, "kra-growth", last_reviewed=None),
            [("HW008", "result_area:kra-growth", W)],
            id="never",
        ),
        pytest.param(
            change(kra, "kra-growth", last_reviewed=days_ago(31), review_cadence_days=30),
            [("HW008", "result_area:kra-growth", W)],
            id="own-cadence",
        ),
    ],
)
def test_hw008_flags_a_kra_not_reviewed_within_its_cadence(
    mutation: Mutation, expected: Expected
) -> None:
    assert findings_after(mutation) == expected


# -- HW009 no-baseline -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mutation", "expected"),
    [
        pytest.param(
            change(key_result, "kr-nps", confidence_start=None),
            [("HW009", "key_result:kr-nps", W)],
            id="no-confidence",
        ),
        pytest.param(change(key_result, "kr-nps", confidence_start=0), [], id="zero-confidence"),
        pytest.param(
            change(key_result, "kr-churn", start=None, direction=Direction.DECREASE),
            [("HW004", "key_result:kr-churn", E), ("HW009", "key_result:kr-churn", W)],
            id="percent-decrease-without-start",
        ),
    ],
)
def test_hw009_flags_a_key_result_without_a_baseline(
    mutation: Mutation, expected: Expected
) -> None:
    assert findings_after(mutation) == expected


# -- HW010 weights -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mutation", "expected"),
    [
        pytest.param(
            change(kra, "kra-cx", weight=Fraction(39)), [("HW010", "scope:org", W)], id="99"
        ),
        pytest.param(
            change(kra, "kra-cx", weight=Fraction(41)), [("HW010", "scope:org", W)], id="101"
        ),
        pytest.param(change(kra, "kra-cx", weight=None), [("HW010", "scope:org", W)], id="missing"),
        pytest.param(
            both(
                change(kra, "kra-cx", weight=Fraction(79, 2)),
                change(kra, "kra-growth", weight=Fraction(121, 2)),
            ),
            [],
            id="fractions-making-100",
        ),
        pytest.param(
            lambda g: g.result_areas.append(
                good_kra("kra-old", "org", 30, state="retired", last_reviewed=None)
            ),
            [],
            id="retired-kras-do-not-count",
        ),
        pytest.param(
            change(kra, "kra-support", weight=Fraction(90)),
            [("HW010", "scope:unit:Support", W)],
            id="unit-scope",
        ),
    ],
)
def test_hw010_flags_kra_weights_not_summing_to_100(mutation: Mutation, expected: Expected) -> None:
    assert findings_after(mutation) == expected


# -- HW011 not-time-bound ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mutation", "expected"),
    [
        pytest.param(
            change(objective, "o-support", period=None),
            [("HW011", "objective:o-support", E)],
            id="no-period",
        ),
        pytest.param(
            change(objective, "o-support", period="2026-Q9"),
            [("HW011", "objective:o-support", E)],
            id="unknown-period",
        ),
        pytest.param(change(key_result, "kr-resp", due=Q4.end), [], id="due-on-the-last-day"),
        pytest.param(
            change(key_result, "kr-resp", due=Q4.end + dt.timedelta(days=1)),
            [("HW011", "key_result:kr-resp", E)],
            id="due-after-the-period",
        ),
    ],
)
def test_hw011_flags_what_is_not_time_bound(mutation: Mutation, expected: Expected) -> None:
    assert findings_after(mutation) == expected


# -- HW012 kpi-no-target -----------------------------------------------------------------------


def target_for_the_year_only(goals: Goals) -> None:
    goals.periods.append(Period("2026", dt.date(2026, 1, 1), dt.date(2026, 12, 31)))
    kpi(goals, "nps").targets = {"2026": Target(Fraction(55))}


def no_period_today(goals: Goals) -> None:
    goals.periods = [Period(Q4.id, Q4.start, days_ago(1))]
    kpi(goals, "nps").targets = {}


@pytest.mark.parametrize(
    ("mutation", "expected"),
    [
        pytest.param(change(kpi, "nps", targets={}), [("HW012", "indicator:nps", W)], id="none"),
        pytest.param(
            change(kpi, "nps", targets={Q4.id: Target()}),
            [("HW012", "indicator:nps", W)],
            id="empty-target",
        ),
        pytest.param(
            change(kpi, "nps", targets={"2026-Q3": Target(Fraction(50))}),
            [("HW012", "indicator:nps", W)],
            id="only-another-period",
        ),
        pytest.param(
            change(kpi, "nps", targets={Q4.id: Target(lower=Fraction(1), upper=Fraction(2))}),
            [],
            id="range-target",
        ),
        pytest.param(target_for_the_year_only, [], id="target-for-a-longer-period"),
        pytest.param(no_period_today, [], id="no-period-running-today"),
    ],
)
def test_hw012_flags_a_kpi_without_a_target_today(mutation: Mutation, expected: Expected) -> None:
    assert findings_after(mutation) == expected


# -- HW013 too-many-objectives -----------------------------------------------------------------


def more_objectives(count: int, *, period: str = Q4.id, state: str = "active") -> Mutation:
    """Ana gets `count` more healthy objectives (she already owns o-cx)."""

    def mutate(goals: Goals) -> None:
        if goals.period(period) is None:
            goals.periods.append(Period(period, dt.date(2027, 1, 1), dt.date(2027, 3, 31)))
        for n in range(count):
            goals.objectives.append(good_objective(f"o-{period}-{n}", period=period, state=state))

    return mutate


@pytest.mark.parametrize(
    ("mutation", "expected"),
    [
        pytest.param(more_objectives(4), [], id="five"),
        pytest.param(more_objectives(5), [("HW013", "person:ana@acme.test", W)], id="six"),
        pytest.param(
            both(more_objectives(4), more_objectives(3, state="cancelled")),
            [],
            id="cancelled-do-not-count",
        ),
        pytest.param(
            both(more_objectives(4), more_objectives(5, period="2027-Q1")),
            [],
            id="five-in-each-of-two-periods",
        ),
        pytest.param(
            both(more_objectives(4), more_objectives(4, state="closed")),
            [("HW013", "person:ana@acme.test", W)],
            id="closed-ones-count",
        ),
    ],
)
def test_hw013_flags_an_owner_with_too_many_objectives(
    mutation: Mutation, expected: Expected
) -> None:
    assert findings_after(mutation) == expected


# -- HW015 drifted -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mutation", "expected"),
    [
        pytest.param(
            change(kra, "kra-cx", changed=dt.date(2026, 11, 1)), [], id="changed-on-review-day"
        ),
        pytest.param(
            change(kra, "kra-cx", changed=dt.date(2026, 11, 2)),
            [("HW015", "result_area:kra-support", W)],
            id="changed-after-review",
        ),
        pytest.param(
            both(
                change(kra, "kra-cx", changed=dt.date(2026, 1, 2)),
                change(kra, "kra-support", last_reviewed=None),
            ),
            [("HW008", "result_area:kra-support", W), ("HW015", "result_area:kra-support", W)],
            id="never-reviewed",
        ),
        pytest.param(
            both(
                change(kra, "kra-cx", state="retired"),
                change(kra, "kra-growth", weight=Fraction(100)),
            ),
            [("HW015", "result_area:kra-support", W)],
            id="parent-retired",
        ),
    ],
)
def test_hw015_flags_a_kra_whose_parent_moved_on(mutation: Mutation, expected: Expected) -> None:
    assert findings_after(mutation) == expected


# -- the whole run -----------------------------------------------------------------------------


def broken_everywhere() -> Goals:
    goals = healthy()
    key_result(goals, "kr-csat").owner = "zoe@acme.test"
    objective(goals, "o-support").owner = None
    kpi(goals, "nps").owner = None
    kra(goals, "kra-cx").owner = None
    key_result(goals, "kr-resp").title = "Launch the new help centre"
    key_result(goals, "kr-nps").title = "Build a community forum"
    return goals


def test_findings_come_by_code_then_in_the_goals_order() -> None:
    found = [(f.code, f.object) for f in run_checks(broken_everywhere())]

    assert found == [
        ("HW003", "result_area:kra-cx"),
        ("HW003", "indicator:nps"),
        ("HW003", "objective:o-support"),
        ("HW003", "key_result:kr-csat"),
        ("HW005", "key_result:kr-nps"),
        ("HW005", "key_result:kr-resp"),
    ]


def test_every_finding_is_named_by_its_rule_and_fits_on_a_line() -> None:
    goals = broken_everywhere()
    support_kras(8)(goals)
    change(kpi, "mrr", measurements=[], targets={})(goals)

    found = run_checks(goals)

    assert {f.code for f in found} >= {"HW001", "HW003", "HW005", "HW006", "HW012"}
    for finding in found:
        assert finding.name == RULES[finding.code][0]
        assert finding.message
        assert finding.hint
        assert "\n" not in finding.message + finding.hint


def test_messages_name_the_object_and_the_number_found() -> None:
    goals = healthy()
    key_result(goals, "kr-nps").check_ins = [CheckIn(days_ago(20), Fraction(50))]
    kra(goals, "kra-cx").weight = Fraction(39)

    messages = [f.message for f in run_checks(goals)]

    assert messages == [
        'Key result "Increase NPS from 45 to 60" has had no check-in for 20 days '
        "(last on 2026-10-26; more than 14).",
        'Scope "org": the weights of its 2 active KRAs sum to 99, not 100.',
    ]


def test_rules_document_every_code_but_hw014() -> None:
    assert sorted(RULES) == [f"HW{n:03}" for n in range(1, 16) if n != 14]


# -- settings ----------------------------------------------------------------------------------


def test_a_disabled_rule_stays_silent() -> None:
    goals = healthy()
    kra(goals, "kra-cx").owner = None
    kra(goals, "kra-growth").last_reviewed = None

    assert [f.code for f in run_checks(goals)] == ["HW003", "HW008"]
    assert [f.code for f in run_checks(goals, CheckSettings(disabled=frozenset({"HW003"})))] == [
        "HW008"
    ]
    assert run_checks(goals, CheckSettings(disabled=frozenset(RULES))) == []


@pytest.mark.parametrize(
    "fields",
    [
        {"max_kras_warning": 8, "max_kras_error": 7},
        {"min_key_results": 6},
        {"stale_days": -1},
        {"stale_indicator_factor": Fraction(0)},
    ],
)
def test_contradictory_settings_are_rejected(fields: dict[str, int | Fraction]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the message varies by field
        CheckSettings(**fields)  # type: ignore[arg-type]


# -- health score ------------------------------------------------------------------------------


def test_health_score_is_the_share_of_checked_objects_without_warnings_or_errors() -> None:
    goals = healthy()
    kra(goals, "kra-cx").owner = None  # error
    kra(goals, "kra-cx").last_reviewed = None  # a second finding on the same object
    key_result(goals, "kr-nps").confidence_start = None  # warning

    findings = run_checks(goals)

    assert len(checked_objects(goals)) == 15
    assert health_score(goals, findings) == Fraction(13, 15)


def test_health_score_ignores_info_findings_and_unchecked_objects() -> None:
    goals = healthy()
    findings = [
        Finding("HW999", "note", Severity.INFO, "objective:o-cx", "fine", "nothing"),
        Finding("HW003", "no-owner", Severity.ERROR, "objective:o-elsewhere", "gone", "none"),
    ]

    assert health_score(goals, findings) == 1


def test_health_score_counts_a_person_with_too_many_objectives() -> None:
    goals = healthy()
    more_objectives(5)(goals)

    findings = run_checks(goals)

    checked = checked_objects(goals)
    assert health_score(goals, findings) == Fraction(len(checked) - 1, len(checked))


def test_health_score_of_nothing_is_none() -> None:
    assert health_score(Goals(organization="Empty", today=TODAY), []) is None
