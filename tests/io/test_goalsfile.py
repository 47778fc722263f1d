"""The headway.yaml goals file: reading, every validation problem with its line, writing back."""

from __future__ import annotations

import datetime as dt
import textwrap
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headway.core.model import (
    Alignment,
    CheckIn,
    Direction,
    Goals,
    IndicatorDirection,
    KeyResult,
    KRKind,
    Milestone,
    Objective,
    Period,
    ProgressSource,
    Rollup,
    Target,
)
from headway.io.goalsfile import GoalsFileError, Problem, dump, load

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def yaml_text(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """The 1-based line of the n-th line containing `needle`, so tests need no line arithmetic."""
    hits = [number for number, line in enumerate(text.splitlines(), 1) if needle in line]
    return hits[occurrence - 1]


def problems(text: str) -> list[str]:
    with pytest.raises(GoalsFileError) as caught:
        load(text)
    assert str(caught.value) == "\n".join(str(p) for p in caught.value.problems)
    return [str(p) for p in caught.value.problems]


def only_problem(text: str) -> str:
    found = problems(text)
    assert len(found) == 1, found
    return found[0]


BASE = """
organization: Acme
today: 2026-11-15
periods:
  - {name: 2026-Q4, start: 2026-10-01, end: 2026-12-31}
"""


def with_base(body: str) -> str:
    return yaml_text(BASE) + yaml_text(body)


# -- reading -------------------------------------------------------------------------------------
def test_it_reads_the_design_example() -> None:
    goals = load(fixture("acme.yaml"))

    assert goals.organization == "Acme"
    assert goals.today == dt.date(2026, 11, 15)
    assert goals.periods == [Period("2026-Q4", dt.date(2026, 10, 1), dt.date(2026, 12, 31))]
    assert goals.units[0].head == "ana@acme.test"
    assert goals.people[0].title == "Head of Support"
    area = goals.result_areas[0]
    assert (area.id, area.scope, area.weight, area.parent) == ("kra-cx", "unit:Support", 40, None)
    nps = goals.indicators[0]
    assert nps.direction == IndicatorDirection.UP
    assert nps.targets == {"2026-Q4": Target(value=Fraction(60))}
    assert nps.red_below == 50
    assert [(m.date, m.value) for m in nps.measurements] == [(dt.date(2026, 10, 31), 48)]
    objective = goals.objectives[0]
    assert (objective.period, objective.scope, objective.rollup) == (
        "2026-Q4",
        "unit:Support",
        Rollup.KEY_RESULTS,
    )
    nps_kr, churn, response = objective.key_results
    assert nps_kr.confidence_start == 7
    assert nps_kr.check_ins == [CheckIn(dt.date(2026, 10, 15), Fraction(48), 6, None, "survey")]
    assert (churn.start, churn.target, churn.unit) == (8, 5, "%")
    assert churn.direction is None  # inferred by the arithmetic: target below start
    assert response.owner == "ana@acme.test"  # inherited from the objective
    assert not any(kr.parsed_from_title for kr in objective.key_results)


def test_a_file_with_only_objectives_loads_and_takes_owners_as_given() -> None:
    text = yaml_text("""
        objectives:
          - id: o1
            title: Be loved
            scope: person:someone@else.test
            owner: someone@else.test
            key_results:
              - {id: k1, title: Raise NPS, start: 1, target: 2}
        """)

    goals = load(text)

    assert goals.organization == ""
    assert goals.today == dt.date.today()
    assert goals.objectives[0].period is None
    assert goals.objectives[0].key_results[0].owner == "someone@else.test"


def test_an_explicit_null_owner_does_not_inherit() -> None:
    text = with_base("""
        objectives:
          - id: o1
            title: Be loved
            period: 2026-Q4
            scope: org
            owner: ana@acme.test
            key_results:
              - {id: k1, title: Raise NPS, start: 1, target: 2, owner: null}
        """)

    assert load(text).objectives[0].key_results[0].owner is None


def test_the_organization_can_be_a_mapping() -> None:
    text = "organization: {name: Acme, slug: acme, fiscal_year_start_month: 4}\n"

    goals = load(text)

    assert (goals.organization, goals.slug, goals.fiscal_year_start_month) == ("Acme", "acme", 4)


def test_it_reads_numbers_exactly_in_every_spelling() -> None:
    text = with_base("""
        objectives:
          - id: o1
            title: Numbers
            period: 2026-Q4
            scope: org
            key_results:
              - {id: k1, title: a, start: 0.1, target: "1.5"}
              - {id: k2, title: b, start: 1_000, target: 0.1234567890123456789}
              - {id: k3, title: c, start: "1/3", target: 1}
        """)

    krs = load(text).objectives[0].key_results

    assert (krs[0].start, krs[0].target) == (Fraction(1, 10), Fraction(3, 2))
    assert krs[1].start == 1000
    assert krs[1].target == Fraction("0.1234567890123456789")
    assert krs[2].start == Fraction(1, 3)


def test_it_reads_dates_written_as_strings() -> None:
    text = 'periods:\n  - {name: Q, start: "2026-10-01", end: 2026-12-31}\n'

    assert load(text).periods[0].start == dt.date(2026, 10, 1)


def test_kind_and_source_follow_from_milestones_and_indicator() -> None:
    text = with_base("""
        indicators:
          - {id: mrr, name: MRR, scope: org, targets: {2026-Q4: 10}}
        objectives:
          - id: o1
            title: Things
            period: 2026-Q4
            scope: org
            key_results:
              - {id: k1, title: Docs, milestones: [{title: a, done: true}, {title: b, weight: 3}]}
              - {id: k2, title: Raise MRR from 5 to 10, start: 5, target: 10, indicator: mrr}
              - {id: k3, title: Stay in band, lower: 1, upper: 2}
        """)

    docs, mrr, band = load(text).objectives[0].key_results

    assert docs.kind == KRKind.MILESTONES
    assert docs.milestones == [Milestone("a", True), Milestone("b", False, Fraction(3))]
    assert mrr.source == ProgressSource.INDICATOR
    assert band.direction == Direction.WITHIN


def test_yaml_merge_keys_and_anchors_work() -> None:
    text = yaml_text("""
        periods:
          - &q4 {name: 2026-Q4, start: 2026-10-01, end: 2026-12-31}
          - {<<: *q4, name: 2026-Q4b}
        """)

    assert [p.id for p in load(text).periods] == ["2026-Q4", "2026-Q4b"]


# -- key results read from their title -------------------------------------------------------
def test_a_key_result_without_numbers_takes_them_from_its_title() -> None:
    text = with_base("""
        objectives:
          - id: o1
            title: Keep customers
            period: 2026-Q4
            scope: org
            key_results:
              - {id: k1, title: Reduce customer churn rate from 8% to 5%}
        """)

    kr = load(text).objectives[0].key_results[0]

    assert (kr.start, kr.target, kr.unit) == (8, 5, "%")
    assert kr.kind == KRKind.PERCENT
    assert kr.direction == Direction.DECREASE
    assert kr.parsed_from_title


def test_given_fields_win_over_the_title() -> None:
    text = with_base("""
        objectives:
          - id: o1
            title: Keep customers
            period: 2026-Q4
            scope: org
            key_results:
              - {id: k1, title: Reduce churn from 8% to 5%, kind: number, unit: pct}
        """)

    kr = load(text).objectives[0].key_results[0]

    assert (kr.start, kr.target, kr.kind, kr.unit) == (8, 5, KRKind.NUMBER, "pct")


def test_a_title_without_numbers_is_not_a_load_error() -> None:
    text = with_base("""
        objectives:
          - id: o1
            title: Be better
            period: 2026-Q4
            scope: org
            key_results:
              - {id: k1, title: Improve onboarding}
        """)

    kr = load(text).objectives[0].key_results[0]

    assert (kr.start, kr.target, kr.parsed_from_title) == (None, None, False)


def test_an_explicit_null_start_stops_the_title_from_being_read() -> None:
    text = with_base("""
        objectives:
          - id: o1
            title: Keep customers
            period: 2026-Q4
            scope: org
            key_results:
              - {id: k1, title: Reduce churn from 8% to 5%, start: null, target: null}
        """)

    kr = load(text).objectives[0].key_results[0]

    assert (kr.start, kr.target, kr.parsed_from_title) == (None, None, False)


# -- problems ------------------------------------------------------------------------------------
def test_the_error_names_file_line_and_key() -> None:
    text = with_base("""
        objectives:
          - id: o1
            title: Numbers
            period: 2026-Q4
            scope: org
            key_results:
              - {id: k1, title: a, start: 1, target: 2}
              - {id: k2, title: b, start: 1, target: 2}
              - id: k3
                title: c
                start: 1
                target: abc
        """)

    with pytest.raises(GoalsFileError) as caught:
        load(text, filename="goals/acme.yaml")

    line = line_of(text, "target: abc")
    assert caught.value.problems == [
        Problem(
            "goals/acme.yaml",
            line,
            "objectives[0].key_results[2].target",
            'expected a number, got "abc"',
        )
    ]
    assert str(caught.value) == (
        f'goals/acme.yaml:{line}: objectives[0].key_results[2].target: expected a number, got "abc"'
    )


def test_every_problem_is_reported_at_once_in_line_order() -> None:
    text = with_base("""
        people:
          - {email: ana@acme.test, name: Ana}
        objectives:
          - id: o1
            titel: Typo
            period: 2026-Q5
            scope: org
            owner: bob@acme.test
            key_results:
              - {id: k1, title: a, start: 1, target: 2, confidence: 11}
        """)

    found = problems(text)

    assert found == [
        f'headway.yaml:{line_of(text, "- id: o1")}: objectives[0].title: "title" is required',
        f'headway.yaml:{line_of(text, "titel")}: objectives[0].titel: unknown key "titel"; '
        'did you mean "title"?',
        f'headway.yaml:{line_of(text, "2026-Q5")}: objectives[0].period: unknown period "2026-Q5"; '
        'did you mean "2026-Q4"?',
        f'headway.yaml:{line_of(text, "bob@")}: objectives[0].owner: unknown person "bob@acme.test"; '
        "known: ana@acme.test",
        f"headway.yaml:{line_of(text, 'confidence: 11')}: objectives[0].key_results[0].confidence: "
        "confidence is a whole number from 0 to 10; got 11",
    ]


def test_malformed_yaml_is_a_problem_with_its_line() -> None:
    text = "organization: Acme\nperiods:\n  - {name: Q4, start: 2026-10-01\nobjectives: []\n"

    problem = only_problem(text)

    assert problem.startswith("headway.yaml:4: not valid YAML")


def test_an_empty_file_is_a_problem() -> None:
    assert only_problem("# nothing\n").startswith("headway.yaml:1: the file is empty")


def test_the_top_level_must_be_a_mapping() -> None:
    assert only_problem("- a\n- b\n") == "headway.yaml:1: expected a mapping, got a list"


@pytest.mark.parametrize(
    ("entry", "key", "message"),
    [
        ("{name: Q1, end: 2026-03-31}", "periods[1].start", '"start" is required'),
        (
            "{name: Q1, start: 2026-03-31, end: 2026-01-01}",
            "periods[1].end",
            "end 2026-01-01 is before start 2026-03-31",
        ),
        (
            "{name: Q1, start: soon, end: 2026-03-31}",
            "periods[1].start",
            'expected a date (YYYY-MM-DD), got "soon"',
        ),
        (
            "{name: Q1, start: 2026-02-30, end: 2026-03-31}",
            "periods[1].start",
            "expected a date (YYYY-MM-DD), got 2026-02-30",
        ),
        (
            "{name: Q1, start: 2026-01-01, end: 2026-03-31, kind: season}",
            "periods[1].kind",
            'expected one of year, half, quarter, month, custom; got "season"',
        ),
        (
            "{name: Q1, start: 2026-01-01, end: 2026-03-31, state: open}",
            "periods[1].state",
            'expected one of planning, active, closed; got "open"',
        ),
        (
            "{name: Q1, start: 2026-01-01, end: 2026-03-31, parent: FY}",
            "periods[1].parent",
            'unknown period "FY"; known: 2026-Q4, Q1',
        ),
        (
            "{name: 2026-Q4, start: 2026-01-01, end: 2026-03-31}",
            "periods[1].name",
            'period name "2026-Q4" is used twice (first at line 4)',
        ),
    ],
)
def test_periods_are_validated(entry: str, key: str, message: str) -> None:
    text = yaml_text(BASE) + f"  - {entry}\n"

    assert only_problem(text) == f"headway.yaml:5: {key}: {message}"


def test_unknown_keys_without_a_close_match_list_the_known_ones() -> None:
    text = yaml_text(BASE) + "colour: blue\n"

    assert only_problem(text) == (
        'headway.yaml:5: colour: unknown key "colour"; expected one of organization, today, '
        "periods, units, people, result_areas, indicators, objectives"
    )


def test_a_key_given_twice_is_a_problem() -> None:
    text = yaml_text(BASE) + "today: 2026-11-16\n"

    assert only_problem(text) == "headway.yaml:5: today: this key is given twice"


def test_wrong_types_are_named() -> None:
    text = with_base("""
        units: Support
        people:
          - {email: a@x.test, name: A, active: maybe}
        objectives:
          - id: o1
            title: [not, text]
            period: 2026-Q4
            scope: org
            key_results: {id: k1}
        """)

    assert problems(text) == [
        f'headway.yaml:{line_of(text, "units:")}: units: expected a list, got "Support"',
        f"headway.yaml:{line_of(text, 'maybe')}: people[0].active: expected true or false, "
        'got "maybe"',
        f"headway.yaml:{line_of(text, 'title:')}: objectives[0].title: expected text, got a list",
        f"headway.yaml:{line_of(text, 'key_results:')}: objectives[0].key_results: "
        "expected a list, got a mapping",
    ]


def test_booleans_are_not_numbers() -> None:
    text = with_base("""
        objectives:
          - id: o1
            title: t
            scope: org
            key_results:
              - {id: k1, title: a, start: true, target: 2}
        """)

    assert only_problem(text) == (
        f"headway.yaml:{line_of(text, 'start: true')}: objectives[0].key_results[0].start: "
        "expected a number, got true"
    )


def test_bad_enums_list_the_allowed_values() -> None:
    text = with_base("""
        objectives:
          - id: o1
            title: t
            scope: org
            rollup: everything
            key_results:
              - {id: k1, title: a, start: 1, target: 2, direction: up, kind: ratio}
              - id: k2
                title: b
                start: 1
                target: 2
                check_ins: [{date: 2026-10-02, value: 1, status: late}]
        """)

    kr_line = line_of(text, "direction: up")
    assert problems(text) == [
        f"headway.yaml:{line_of(text, 'rollup')}: objectives[0].rollup: expected one of "
        'key_results, children, both; got "everything"',
        f"headway.yaml:{kr_line}: objectives[0].key_results[0].kind: expected one of number, "
        'percent, currency, boolean, milestones; got "ratio"',
        f"headway.yaml:{kr_line}: objectives[0].key_results[0].direction: expected one of "
        'increase, decrease, at_least, at_most, within; got "up"',
        f"headway.yaml:{line_of(text, 'late')}: objectives[0].key_results[1].check_ins[0].status: "
        'expected one of on_track, at_risk, off_track; got "late"',
    ]


def test_missing_required_keys_are_named() -> None:
    text = with_base("""
        result_areas:
          - {name: Growth, scope: org}
        indicators:
          - {id: mrr, scope: org}
        objectives:
          - id: o1
            title: t
            key_results:
              - {title: a, start: 1, target: 2}
        """)

    assert problems(text) == [
        f'headway.yaml:{line_of(text, "Growth")}: result_areas[0].id: "id" is required',
        f'headway.yaml:{line_of(text, "id: mrr")}: indicators[0].name: "name" is required',
        f'headway.yaml:{line_of(text, "id: o1")}: objectives[0].scope: "scope" is required',
        f"headway.yaml:{line_of(text, 'title: a')}: objectives[0].key_results[0].id: "
        '"id" is required',
    ]


def test_objectives_and_key_results_share_one_id_space() -> None:
    text = with_base("""
        objectives:
          - id: growth
            title: t
            scope: org
            key_results:
              - {id: growth, title: a, start: 1, target: 2}
              - {id: k2, title: b, start: 1, target: 2}
          - id: k2
            title: u
            scope: org
        """)

    first = line_of(text, "id: growth")
    assert problems(text) == [
        f"headway.yaml:{line_of(text, 'id: growth', 2)}: objectives[0].key_results[0].id: "
        f'objective or key result id "growth" is used twice (first at line {first})',
        f"headway.yaml:{line_of(text, 'id: k2', 2)}: objectives[1].id: objective or key result "
        f'id "k2" is used twice (first at line {line_of(text, "id: k2")})',
    ]


def test_result_areas_and_indicators_have_their_own_id_spaces() -> None:
    text = with_base("""
        result_areas:
          - {id: cx, name: CX, scope: org}
          - {id: cx, name: CX again, scope: org}
        indicators:
          - {id: cx, name: CX score, scope: org}
        objectives:
          - {id: cx, title: CX, scope: org}
        """)

    assert problems(text) == [
        f"headway.yaml:{line_of(text, 'CX again')}: result_areas[1].id: "
        f'result area id "cx" is used twice (first at line {line_of(text, "name: CX,")})'
    ]


def test_references_must_resolve() -> None:
    text = with_base("""
        units:
          - {name: Support, parent: Head office, head: zoe@acme.test}
        people:
          - {email: ana@acme.test, name: Ana, unit: Sales, manager: max@acme.test}
        result_areas:
          - {id: cx, name: CX, scope: unit:Sales, owner: ana@acme.test, parent: company}
        indicators:
          - {id: nps, name: NPS, scope: person:ana@acme.test, result_area: ux, targets: {2025-Q4: 1}}
        objectives:
          - id: o1
            title: t
            period: 2026-Q4
            scope: unit:Support
            result_area: cx
            aligns_to: [{objective: o9}, {key_result: k9}]
            key_results:
              - {id: k1, title: a, start: 1, target: 2, indicator: gdp}
        """)

    messages = [p.split(": ", 1)[1] for p in problems(text)]

    assert messages == [
        'units[0].parent: unknown unit "Head office"; known: Support',
        'units[0].head: unknown person "zoe@acme.test"; known: ana@acme.test',
        'people[0].unit: unknown unit "Sales"; known: Support',
        'people[0].manager: unknown person "max@acme.test"; known: ana@acme.test',
        'result_areas[0].scope: unknown unit "Sales"; known: Support',
        'result_areas[0].parent: unknown result area "company"; known: cx',
        'indicators[0].result_area: unknown result area "ux"; known: cx',
        'indicators[0].targets.2025-Q4: unknown period "2025-Q4"; did you mean "2026-Q4"?',
        'objectives[0].aligns_to[0].objective: unknown objective "o9"; known: o1',
        'objectives[0].aligns_to[1].key_result: unknown key result "k9"; known: k1',
        'objectives[0].key_results[0].indicator: unknown indicator "gdp"; known: nps',
    ]


def test_an_alignment_to_the_wrong_kind_says_which_kind_it_is() -> None:
    text = with_base("""
        objectives:
          - id: a
            title: A
            scope: org
            key_results: [{id: a-kr, title: a, start: 1, target: 2}]
          - {id: b, title: B, scope: org, aligns_to: [{objective: a-kr}]}
        """)

    assert only_problem(text) == (
        f"headway.yaml:{line_of(text, 'objective: a-kr')}: objectives[1].aligns_to[0].objective: "
        'unknown objective "a-kr"; it is a key result: write key_result: a-kr'
    )


def test_emails_match_in_any_letter_case() -> None:
    text = with_base("""
        people:
          - {email: Ana@Acme.test, name: Ana}
          - {email: ana@acme.TEST, name: Ana again}
        objectives:
          - {id: o1, title: t, scope: person:ana@acme.test, owner: ANA@acme.test}
        """)

    assert only_problem(text) == (
        f"headway.yaml:{line_of(text, 'Ana again')}: people[1].email: "
        f'email "ana@acme.TEST" is used twice (first at line {line_of(text, "Ana@Acme")})'
    )


def test_scopes_must_be_org_unit_or_person() -> None:
    text = with_base("""
        objectives:
          - {id: o1, title: t, scope: team:Support}
          - {id: o2, title: t, scope: "unit:"}
          - {id: o3, title: t, scope: unit:Anything}
          - {id: o4, title: t, scope: person:anyone@x.test}
        """)

    assert problems(text) == [
        f"headway.yaml:{line_of(text, 'o1')}: objectives[0].scope: expected org, unit:NAME or "
        'person:EMAIL; got "team:Support"',
        f"headway.yaml:{line_of(text, 'o2')}: objectives[1].scope: expected org, unit:NAME or "
        'person:EMAIL; got "unit:"',
    ]


def test_alignment_cycles_are_named() -> None:
    text = with_base("""
        objectives:
          - id: a
            title: A
            scope: org
            aligns_to: [{objective: b}]
          - id: b
            title: B
            scope: org
            aligns_to: [{key_result: c-kr}]
          - id: c
            title: C
            scope: org
            aligns_to: [{objective: a, weight: 2}]
            key_results:
              - {id: c-kr, title: a, start: 1, target: 2}
        """)

    assert only_problem(text) == (
        f"headway.yaml:{line_of(text, 'objective: a')}: objectives[2].aligns_to[0]: "
        "alignment cycle: a → b → c → a"
    )


def test_an_objective_aligned_to_its_own_key_result_is_a_cycle() -> None:
    text = with_base("""
        objectives:
          - id: a
            title: A
            scope: org
            aligns_to: [{key_result: a-kr}]
            key_results:
              - {id: a-kr, title: a, start: 1, target: 2}
        """)

    assert only_problem(text).endswith("objectives[0].aligns_to[0]: alignment cycle: a → a")


def test_an_alignment_names_exactly_one_parent() -> None:
    text = with_base("""
        objectives:
          - {id: a, title: A, scope: org}
          - {id: b, title: B, scope: org, aligns_to: [{weight: 2}]}
        """)

    assert only_problem(text) == (
        f"headway.yaml:{line_of(text, 'weight: 2')}: objectives[1].aligns_to[0]: an alignment "
        "names exactly one of objective: ID or key_result: ID"
    )


def test_unit_and_result_area_parent_cycles_are_named() -> None:
    text = with_base("""
        units:
          - {name: A, parent: B}
          - {name: B, parent: A}
        result_areas:
          - {id: x, name: X, scope: org, parent: x}
        """)

    assert [p.split(": ", 1)[1] for p in problems(text)] == [
        "units[1].parent: unit parent cycle: A → B → A",
        "result_areas[0].parent: result area parent cycle: x → x",
    ]


@pytest.mark.parametrize(
    ("fields", "key", "message"),
    [
        ("confidence: 7.5", "confidence", "confidence is a whole number from 0 to 10; got 7.5"),
        ("confidence: -1", "confidence", "confidence is a whole number from 0 to 10; got -1"),
        ("weight: -2", "weight", "cannot be negative; got -2"),
        (
            "direction: increase, start: 8, target: 5",
            "direction",
            '"increase" contradicts start 8 and target 5 (the target is below the start)',
        ),
        (
            "direction: decrease, start: 5, target: 8",
            "direction",
            '"decrease" contradicts start 5 and target 8 (the target is above the start)',
        ),
        (
            "direction: within, lower: 9, upper: 3",
            "lower",
            "within needs lower <= upper; got lower 9 and upper 3",
        ),
        ("direction: within, upper: 3", "lower", "within needs both lower and upper"),
        (
            "direction: at_least, target: 3, lower: 1",
            "lower",
            'lower and upper belong to direction "within", not "at_least"',
        ),
        (
            "start: 1, target: 2, source: indicator",
            "indicator",
            "source indicator needs indicator: ID",
        ),
        (
            "due: 2026-13-01, start: 1, target: 2",
            "due",
            "expected a date (YYYY-MM-DD), got 2026-13-01",
        ),
    ],
)
def test_key_results_are_validated(fields: str, key: str, message: str) -> None:
    text = with_base(f"""
        objectives:
          - id: o1
            title: t
            scope: org
            key_results:
              - {{id: k1, title: a, {fields}}}
        """)

    line = line_of(text, "id: k1")
    assert (
        only_problem(text) == f"headway.yaml:{line}: objectives[0].key_results[0].{key}: {message}"
    )


def test_check_in_confidence_and_milestone_weight_are_validated() -> None:
    text = with_base("""
        objectives:
          - id: o1
            title: t
            scope: org
            aligns_to: []
            key_results:
              - id: k1
                title: a
                start: 1
                target: 2
                check_ins: [{date: 2026-10-02, value: 1, confidence: 12}]
              - id: k2
                title: b
                kind: milestones
                milestones: [{title: m, weight: -1}]
        """)

    assert problems(text) == [
        f"headway.yaml:{line_of(text, 'confidence: 12')}: objectives[0].key_results[0]."
        "check_ins[0].confidence: confidence is a whole number from 0 to 10; got 12",
        f"headway.yaml:{line_of(text, 'weight: -1')}: objectives[0].key_results[1]."
        "milestones[0].weight: cannot be negative; got -1",
    ]


def test_indicator_thresholds_must_agree_with_the_direction() -> None:
    text = with_base("""
        indicators:
          - {id: a, name: A, scope: org, targets: {2026-Q4: 60}, red_below: 70}
          - {id: b, name: B, scope: org, direction: down, targets: {2026-Q4: 5}, red_above: 3}
          - {id: c, name: C, scope: org, targets: {2026-Q4: 60}, red_above: 70}
          - {id: d, name: D, scope: org, direction: range, targets: {2026-Q4: {lower: 5, upper: 1}}}
          - {id: e, name: E, scope: org, direction: range, targets: {2026-Q4: 3}}
          - {id: f, name: F, scope: org, direction: up, targets: {2026-Q4: {lower: 1, upper: 2}}}
        """)

    assert [p.split(": ", 1)[1] for p in problems(text)] == [
        "indicators[0].targets.2026-Q4: red_below is above the target: red would start where "
        "green is",
        "indicators[1].targets.2026-Q4: red_above is below the target: red would start where "
        "green is",
        "indicators[2].red_above: an up indicator takes red_below, not red_above",
        "indicators[3].targets.2026-Q4: the range's lower bound is above its upper bound",
        "indicators[4].targets.2026-Q4: a range indicator takes {lower: ..., upper: ...} as its "
        "target",
        "indicators[5].targets.2026-Q4: an up indicator takes one number as its target, not "
        "lower/upper",
    ]


def test_two_measurements_on_one_date_are_a_problem() -> None:
    text = with_base("""
        indicators:
          - id: nps
            name: NPS
            scope: org
            measurements:
              - {date: 2026-10-31, value: 48}
              - {date: 2026-10-31, value: 50}
        """)

    first = line_of(text, "value: 48")
    assert only_problem(text) == (
        f"headway.yaml:{line_of(text, 'value: 50')}: indicators[0].measurements[1]: a second "
        f"measurement on 2026-10-31 (the first is at line {first}); keep one value per date"
    )


def test_people_and_units_once_listed_must_resolve_for_owners() -> None:
    text = with_base("""
        people:
          - {email: ana@acme.test, name: Ana}
        objectives:
          - {id: o1, title: t, scope: person:anna@acme.test, owner: ana@acme.test}
        """)

    assert only_problem(text) == (
        f"headway.yaml:{line_of(text, 'anna@')}: objectives[0].scope: unknown person "
        '"anna@acme.test"; did you mean "ana@acme.test"?'
    )


# -- writing -------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.yaml")))
def test_every_fixture_survives_a_round_trip(name: str) -> None:
    goals = load(fixture(name))

    assert load(dump(goals)) == goals


def test_dump_leaves_out_defaults_and_writes_numbers_exactly() -> None:
    goals = Goals(
        organization="Acme",
        today=dt.date(2026, 11, 15),
        periods=[Period("2026-Q4", dt.date(2026, 10, 1), dt.date(2026, 12, 31))],
        objectives=[
            Objective(
                id="o1",
                title="Numbers",
                period="2026-Q4",
                scope="org",
                owner="ana@acme.test",
                key_results=[
                    KeyResult(
                        "k1", "Grow", owner="ana@acme.test", start=Fraction(45), target=Fraction(60)
                    ),
                    KeyResult(
                        "k2",
                        "Thirds",
                        owner="ana@acme.test",
                        start=Fraction(1, 3),
                        target=Fraction(-5, 8),
                        weight=Fraction(5, 2),
                    ),
                ],
            )
        ],
    )

    text = dump(goals)

    assert text == yaml_text("""
        organization: Acme
        today: 2026-11-15
        periods:
          - {name: 2026-Q4, start: 2026-10-01, end: 2026-12-31}
        objectives:
          - id: o1
            title: Numbers
            period: 2026-Q4
            scope: org
            owner: ana@acme.test
            key_results:
              - id: k1
                title: Grow
                start: 45
                target: 60
                unit: ''
              - id: k2
                title: Thirds
                start: 1/3
                target: -0.625
                unit: ''
                weight: 2.5
        """)
    assert load(text) == goals


def test_dump_keeps_numbers_read_from_a_title_marked() -> None:
    text = with_base("""
        objectives:
          - id: o1
            title: Keep customers
            period: 2026-Q4
            scope: org
            key_results:
              - {id: k1, title: Reduce customer churn rate from 8% to 5%}
        """)
    goals = load(text)

    written = dump(goals)

    assert "start: 8\n" in written
    assert "target: 5\n" in written
    assert "parsed_from_title: true" in written
    assert load(written) == goals


# -- property: any small goal system survives dump and load ------------------------------------
DAY = dt.date(2026, 1, 1)
numbers = st.builds(
    lambda whole, tenths: Fraction(whole) + Fraction(tenths, 100),
    st.integers(-1000, 1000),
    st.integers(0, 99),
) | st.fractions(min_value=-100, max_value=100, max_denominator=12)
text = st.text(
    st.characters(
        codec="utf-8", categories=("L", "N", "P", "Zs"), exclude_characters="\x85\u2028\u2029"
    ),
    min_size=1,
    max_size=20,
)
days = st.integers(0, 400).map(lambda n: DAY + dt.timedelta(days=n))


@st.composite
def periods(draw: st.DrawFn) -> list[Period]:
    count = draw(st.integers(1, 3))
    out = []
    for index in range(count):
        start = draw(days)
        end = start + dt.timedelta(days=draw(st.integers(0, 120)))
        state = draw(st.sampled_from([None, "planning", "active", "closed"]))
        out.append(Period(f"P{index}", start, end, state))
    return out


@st.composite
def key_results(draw: st.DrawFn, prefix: str, owner: str | None) -> list[KeyResult]:
    out = []
    for index in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(list(KRKind)))
        kr = KeyResult(
            id=f"{prefix}-k{index}",
            title=draw(text),
            owner=draw(st.sampled_from([owner, None, "bo@x.test"])),
            kind=kind,
            unit=draw(st.sampled_from(["", "%", "points", "$"])),
            weight=draw(numbers.map(abs)),
            confidence_start=draw(st.none() | st.integers(0, 10)),
            due=draw(st.none() | days),
            cancelled=draw(st.booleans()),
        )
        if kind in (KRKind.NUMBER, KRKind.PERCENT, KRKind.CURRENCY):
            kr.direction = draw(st.sampled_from([None, *Direction]))
            if kr.direction == Direction.WITHIN:
                low, high = sorted((draw(numbers), draw(numbers)))
                kr.lower, kr.upper = low, high
            else:
                start, target = draw(st.none() | numbers), draw(st.none() | numbers)
                moving = kr.direction in (Direction.INCREASE, Direction.DECREASE)
                if moving and start is not None and target is not None:
                    # An explicit direction must agree with start and target (load checks it).
                    low, high = sorted((start, target))
                    start, target = (
                        (low, high) if kr.direction == Direction.INCREASE else (high, low)
                    )
                kr.start, kr.target = start, target
        elif kind == KRKind.BOOLEAN:
            kr.done = draw(st.booleans())
        else:
            kr.milestones = [
                Milestone(
                    draw(text), draw(st.booleans()), draw(numbers.map(abs)), draw(st.none() | days)
                )
                for _ in range(draw(st.integers(0, 3)))
            ]
        kr.check_ins = [
            CheckIn(
                draw(days),
                draw(st.none() | numbers),
                draw(st.none() | st.integers(0, 10)),
                draw(st.sampled_from([None, "on_track", "at_risk", "off_track"])),
                draw(st.sampled_from(["", "survey", "a: b # c"])),
            )
            for _ in range(draw(st.integers(0, 3)))
        ]
        out.append(kr)
    return out


@st.composite
def goal_systems(draw: st.DrawFn) -> Goals:
    period_list = draw(periods())
    objectives: list[Objective] = []
    for index in range(draw(st.integers(0, 4))):
        owner = draw(st.sampled_from([None, "ana@x.test", "bo@x.test"]))
        objective = Objective(
            id=f"o{index}",
            title=draw(text),
            period=draw(st.sampled_from([None, *(p.id for p in period_list)])),
            scope=draw(st.sampled_from(["org", "unit:Support", "person:ana@x.test"])),
            owner=owner,
            state=draw(st.sampled_from(["draft", "active", "closed", "cancelled"])),
            rollup=draw(st.sampled_from(list(Rollup))),
            description=draw(st.sampled_from(["", "Why:\nbecause", "  padded  "])),
            key_results=draw(key_results(f"o{index}", owner)),
        )
        # Align only to earlier objectives (and their key results): no cycles by construction.
        earlier = [o.id for o in objectives]
        if draw(st.booleans()) and earlier:
            objective.aligns_to.append(
                Alignment(
                    parent_objective=draw(st.sampled_from(earlier)), weight=draw(numbers.map(abs))
                )
            )
        earlier_krs = [kr.id for o in objectives for kr in o.key_results]
        if draw(st.booleans()) and earlier_krs:
            objective.aligns_to.append(
                Alignment(parent_key_result=draw(st.sampled_from(earlier_krs)))
            )
        objectives.append(objective)
    return Goals(
        organization=draw(text),
        today=draw(days),
        periods=period_list,
        objectives=objectives,
    )


@settings(max_examples=150, deadline=None)
@given(goal_systems())
def test_any_goal_system_survives_dump_and_load(goals: Goals) -> None:
    assert load(dump(goals)) == goals
