"""`headway check FILE`: the numbers of DESIGN §3 on real files, the report, and the exit codes."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from headway.core.checks import run_checks
from headway.core.evaluate import evaluate
from headway.io.check import main, render_json, render_text
from headway.io.goalsfile import load

FIXTURES = Path(__file__).parent / "fixtures"
ACME = FIXTURES / "acme.yaml"
RICH = FIXTURES / "rich.yaml"


def check_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code = main([*args, "--json"])
    return code, json.loads(capsys.readouterr().out)


def by_id(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in items}


def f(numerator: int, denominator: int = 1) -> float:
    return float(Fraction(numerator, denominator))


# -- the DESIGN §6 example -----------------------------------------------------------------------
def test_the_design_example_reads_as_design_section_3_says(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, report = check_json(capsys, str(ACME), "--today", "2026-11-15")

    assert code == 0  # warnings only
    assert list(report) == ["today", "objectives", "indicators", "result_areas", "findings"]
    assert report["today"] == "2026-11-15"
    assert report["objectives"] == [
        {
            "id": "o-cx",
            "title": "Deliver an exceptional customer experience",
            # The mean of 0.2, 0 and 0.
            "progress": f(1, 15),
            # 2026-10-01..2026-12-31 on 2026-11-15: 46/92; 0.5 - 1/15 is more than 0.25 behind.
            "status": "off_track",
            "expected": 0.5,
            "forecast": None,  # two values (the start and one check-in): too few to fit a line
            "key_results": [
                {
                    "id": "kr-nps",
                    "title": "Increase NPS from 45 to 60",
                    "direction": "increase",
                    "start": 45,
                    "target": 60,
                    "unit": "points",
                    "current": 48,
                    "progress": 0.2,  # (48 - 45) / (60 - 45)
                    "attainment": 0.2,
                    "status": "off_track",  # 0.5 - 0.2 = 0.3 > 0.25
                    "forecast": None,
                },
                {
                    "id": "kr-churn",
                    "title": "Reduce customer churn rate from 8% to 5%",
                    "direction": "decrease",  # inferred: the target is below the start
                    "start": 8,
                    "target": 5,
                    "unit": "%",
                    "current": 8,  # no check-in yet: current = start
                    "progress": 0,
                    "attainment": 0,
                    "status": "off_track",
                    "forecast": None,
                },
                {
                    "id": "kr-resp",
                    "title": "Improve average support response time from 2 hours to 30 minutes",
                    "direction": "decrease",
                    "start": 120,
                    "target": 30,
                    "unit": "minutes",
                    "current": 120,
                    "progress": 0,
                    "attainment": 0,
                    "status": "off_track",
                    "forecast": None,
                },
            ],
        }
    ]
    # 48 is below red_below 50; attainment 48 / 60.
    assert report["indicators"] == [
        {"id": "nps", "value": 48, "target": 60, "status": "red", "attainment": 0.8}
    ]
    # KRA health: the mean of the KPI's attainment 0.8 and the objective's 1/15 = 13/30: amber.
    assert report["result_areas"] == [{"id": "kra-cx", "health": f(13, 30), "status": "amber"}]
    assert report["findings"]
    for finding in report["findings"]:
        assert list(finding) == ["code", "severity", "object", "message"]
        assert finding["severity"] == "warning"


def test_numbers_are_json_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    main([str(ACME), "--today", "2026-11-15", "--json"])

    out = capsys.readouterr().out

    assert '"progress": 0.2,' in out
    assert '"expected": 0.5,' in out
    assert '"forecast": null' in out


def test_the_today_option_overrides_the_file(capsys: pytest.CaptureFixture[str]) -> None:
    _, report = check_json(capsys, str(ACME), "--today", "2026-09-15")

    objective = report["objectives"][0]
    assert report["today"] == "2026-09-15"
    assert (objective["status"], objective["expected"]) == ("not_started", 0)


def test_without_today_anywhere_it_is_the_real_today(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "headway.yaml"
    path.write_text(ACME.read_text().replace("today: 2026-11-15", ""), encoding="utf-8")

    _, report = check_json(capsys, str(path))

    assert report["today"] == dt.date.today().isoformat()


def test_it_reads_standard_input(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(ACME.read_text()))

    code, report = check_json(capsys, "-")

    assert code == 0
    assert report["objectives"][0]["id"] == "o-cx"


# -- the rich fixture ----------------------------------------------------------------------------
@pytest.fixture
def rich(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    code, report = check_json(capsys, str(RICH))
    assert code == 0
    return report


def key_results(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {kr["id"]: kr for o in report["objectives"] for kr in o["key_results"]}


def test_every_kind_and_direction_has_its_progress(rich: dict[str, Any]) -> None:
    krs = key_results(rich)

    def numbers(kr_id: str) -> tuple[Any, ...]:
        kr = krs[kr_id]
        return kr["direction"], kr["start"], kr["target"], kr["current"], kr["progress"]

    # increase, currency: (1,400,000 - 1,000,000) / (2,000,000 - 1,000,000)
    assert numbers("kr-arr") == ("increase", 1000000, 2000000, 1400000, 0.4)
    assert krs["kr-arr"]["unit"] == "$"
    # at_least 60%, and 62 is at least 60
    assert numbers("kr-margin") == ("at_least", None, 60, 62, 1)
    # boolean, not done: no current value
    assert numbers("kr-soc")[3:] == (None, 0)
    # increase from 0: 18 / 40
    assert numbers("kr-deals") == ("increase", 0, 40, 18, 0.45)
    # decrease read from the title "from 60 to 45 days": (54 - 60) / (45 - 60)
    assert numbers("kr-cycle") == ("decrease", 60, 45, 54, 0.4)
    assert krs["kr-cycle"]["unit"] == "days"
    # source indicator: MRR's last value in the quarter, (102,000 - 90,000) / 20,000
    assert numbers("kr-mrr") == ("increase", 90000, 110000, 102000, 0.6)
    # source children: o-support's progress; no value of its own
    assert numbers("kr-cx-teams")[3:] == (None, 0.5)
    # within 20..40 minutes: 35 is inside; a within KR reports no single target
    assert numbers("kr-response") == ("within", None, None, 35, 1)
    # at_most 50, and 65 is more
    assert numbers("kr-backlog") == ("at_most", None, 50, 65, 0)
    # milestones: done weights 1 + 1 of 1 + 1 + 2
    assert numbers("kr-docs")[3:] == (None, 0.5)


def test_statuses_follow_the_pace_and_a_due_date(rich: dict[str, Any]) -> None:
    krs = key_results(rich)

    # 0.5 - 0.4 = 0.1: still on track (the boundary is inclusive)
    assert (krs["kr-arr"]["status"], krs["kr-deals"]["status"]) == ("on_track", "on_track")
    assert krs["kr-backlog"]["status"] == "off_track"
    assert krs["kr-soc"]["status"] == "off_track"
    # kr-soc is due 2026-11-30, so its pace runs to then: 46 of 61 days
    scores = evaluate(load(RICH.read_text()))
    assert scores.key_results["kr-soc"].expected == Fraction(46, 61)


def test_the_forecast_is_the_least_squares_line_at_the_period_end(rich: dict[str, Any]) -> None:
    krs = key_results(rich)

    # kr-deals: points (day 0, 0), (30, 10), (44, 18); mean x 74/3, mean y 28/3;
    # Sxx 3032/3, Sxy 1204/3, slope 301/758; at day 91: 28/3 + 301/758 * 199/3 = 27041/758
    # customers, so the forecast progress is 27041/758 / 40 = 27041/30320.
    assert krs["kr-deals"]["forecast"] == f(27041, 30320)
    # kr-arr: points (0, 1.0M), (14, 1.1M), (31, 1.3M), (44, 1.4M); at day 91 the line reads
    # 8228700000/4451, so (8228700000/4451 - 1000000) / 1000000 = 37777/44510.
    assert krs["kr-arr"]["forecast"] == f(37777, 44510)
    # kr-mrr: the indicator's values (0, 90000), (30, 95000), (40, 102000) project past the
    # target: progress is clamped to 1.
    assert krs["kr-mrr"]["forecast"] == 1
    # two values only: no forecast
    assert krs["kr-cycle"]["forecast"] is None


def test_objectives_honour_weights_and_rollups(rich: dict[str, Any]) -> None:
    objectives = by_id(rich["objectives"])

    # o-sales: the mean of 0.45, 0.4 and 0.6
    assert objectives["o-sales"]["progress"] == f(29, 60)
    # o-grow rolls up both: kr-arr weight 3, kr-margin 1, kr-soc 1 and o-sales aligned with
    # weight 2: (3 * 0.4 + 1 + 0 + 2 * 29/60) / 7 = 19/42
    assert objectives["o-grow"]["progress"] == f(19, 42)
    assert objectives["o-grow"]["status"] == "on_track"
    # Forecasts roll up the same way; an item without one stays where it is.
    sales_forecast = (Fraction(27041, 30320) + Fraction(2, 5) + 1) / 3
    assert objectives["o-sales"]["forecast"] == float(sales_forecast)
    grow_forecast = (3 * Fraction(37777, 44510) + 1 + 0 + 2 * sales_forecast) / 7
    assert objectives["o-grow"]["forecast"] == float(grow_forecast)
    # o-support: (1 + 0 + 0.5) / 3; the cancelled kr-refunds is left out
    assert objectives["o-support"]["progress"] == 0.5
    # o-cx rolls up its children only: o-support
    assert objectives["o-cx"]["progress"] == 0.5
    assert objectives["o-cx"]["forecast"] is None


def test_a_closed_period_shows_the_grade_colour(rich: dict[str, Any]) -> None:
    q3 = by_id(rich["objectives"])["o-q3"]

    assert q3["expected"] == 1
    # 0.7 is green; 0.4 is yellow; the objective's 0.55 rounds half up to 0.6: yellow
    assert [(kr["progress"], kr["status"]) for kr in q3["key_results"]] == [
        (0.7, "green"),
        (0.4, "yellow"),
    ]
    assert (q3["progress"], q3["status"]) == (0.55, "yellow")


def test_indicators_are_green_amber_and_red(rich: dict[str, Any]) -> None:
    assert rich["indicators"] == [
        # up: 102000 >= 100000
        {"id": "mrr", "value": 102000, "target": 100000, "status": "green", "attainment": 1.02},
        # up: red below 80, so 85 is amber; 85 / 90
        {"id": "csat", "value": 85, "target": 90, "status": "amber", "attainment": f(17, 18)},
        # down, summed over the quarter: 130 > red_above 120; 100 / 130
        {"id": "tickets", "value": 130, "target": 100, "status": "red", "attainment": f(10, 13)},
        # range 200..300, the mean of 250 and 330 is 290: inside; a range has no single target
        {"id": "latency", "value": 290, "target": None, "status": "green", "attainment": 1},
    ]


def test_result_areas_weigh_kpis_and_objectives(rich: dict[str, Any]) -> None:
    # kra-growth: MRR's attainment capped at 1, and o-grow's 19/42
    growth = (1 + Fraction(19, 42)) / 2
    # kra-cx: CSAT 17/18, tickets 10/13, o-cx and o-support 0.5 each; o-q3 is not in the
    # period read today, so it does not count
    cx = (Fraction(17, 18) + Fraction(10, 13) + Fraction(1, 2) + Fraction(1, 2)) / 4
    assert rich["result_areas"] == [
        {"id": "kra-growth", "health": float(growth), "status": "green"},
        {"id": "kra-cx", "health": float(cx), "status": "amber"},
        {"id": "kra-sales", "health": f(29, 60), "status": "amber"},
    ]


# -- the text report -----------------------------------------------------------------------------
def test_the_text_report_has_bars_words_and_fixes(capsys: pytest.CaptureFixture[str]) -> None:
    code = main([str(ACME), "--today", "2026-11-15"])

    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("Acme on 2026-11-15  ·  health ")
    assert "Deliver an exceptional customer experience  [o-cx]  owner ana@acme.test" in out
    assert "█" * 4 + "░" * 16 + "  20%" in out  # kr-nps at 0.2
    assert "45 points → 48 points → 60 points" in out
    assert "8% → 8% → 5%" in out
    assert "expected 50%" in out
    assert "off track" in out
    assert "Net Promoter Score  [nps]  48 points vs target 60 points (2026-Q4)  red" in out
    assert "Customer satisfaction  [kra-cx]  health 43%  amber" in out
    assert "Warnings (" in out
    assert "\n    fix: " in out
    assert re.search(r"\n0 errors, \d+ warnings\n$", out)
    assert "\033[" not in out  # not a terminal: no colour


def test_the_text_report_of_the_rich_fixture(capsys: pytest.CaptureFixture[str]) -> None:
    main([str(RICH)])

    out = capsys.readouterr().out
    assert "2026-Q3  2026-07-01 → 2026-09-30  (closed)" in out
    assert "grade 0.6 (yellow)" in out
    assert "grade 0.7 (green)" in out
    assert "$1,000,000 → $1,400,000 → $2,000,000" in out
    assert "forecast 89%" in out  # kr-deals
    assert "owner says at risk · confidence 7/10" in out
    assert "numbers read from the title" in out
    assert "35 minutes, to stay within 20 minutes to 40 minutes" in out
    assert "2 of 3 milestones done" in out
    assert "(cancelled: not counted)" in out
    assert "Page latency  [latency]  290 ms vs target 200 ms to 300 ms (2026-Q4)  green" in out


def test_colour_is_ansi_and_keeps_the_words() -> None:
    goals = load(ACME.read_text())
    findings = run_checks(goals)

    out = render_text(goals, evaluate(goals), findings, colour=True)

    assert "\033[31moff track\033[0m" in out
    assert "\033[33mamber\033[0m" in out


def test_render_json_is_reusable_without_the_command() -> None:
    goals = load(ACME.read_text())

    report = render_json(goals, evaluate(goals), [])

    assert report["findings"] == []
    assert report["objectives"][0]["key_results"][0]["progress"] == 0.2


# -- exit codes ----------------------------------------------------------------------------------
def test_an_error_finding_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "headway.yaml"
    text = ACME.read_text() + "      - {id: kr-vague, title: Improve onboarding}\n"
    path.write_text(text, encoding="utf-8")

    code, report = check_json(capsys, str(path), "--today", "2026-11-15")

    assert code == 1
    errors = [f for f in report["findings"] if f["severity"] == "error"]
    assert [(f["code"], f["object"]) for f in errors] == [("HW004", "key_result:kr-vague")]
    vague = key_results(report)["kr-vague"]
    assert (vague["start"], vague["target"], vague["progress"]) == (None, None, None)


def test_an_invalid_file_prints_every_problem_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.yaml"
    text = ACME.read_text().replace("start: 45, target: 60", "start: 45, target: abc")
    text = text.replace("period: 2026-Q4", "period: 2026-Q5")
    path.write_text(text, encoding="utf-8")

    code = main([str(path)])

    captured = capsys.readouterr()
    lines = text.splitlines()
    period_line = next(i for i, line in enumerate(lines, 1) if "2026-Q5" in line)
    target_line = next(i for i, line in enumerate(lines, 1) if "target: abc" in line)
    assert code == 2
    assert captured.out == ""
    assert captured.err.splitlines() == [
        f'{path}:{period_line}: objectives[0].period: unknown period "2026-Q5"; '
        'did you mean "2026-Q4"?',
        f'{path}:{target_line}: objectives[0].key_results[0].target: expected a number, got "abc"',
        f"2 problems in {path}; nothing was checked",
    ]


def test_a_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nowhere.yaml"

    code = main([str(missing)])

    assert code == 2
    assert capsys.readouterr().err == (
        f"headway check: cannot read {missing}: No such file or directory\n"
    )


def test_a_bad_today_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code = main([str(ACME), "--today", "15/11/2026"])

    assert code == 2
    assert "expected a date as YYYY-MM-DD" in capsys.readouterr().err


CASES = [
    # (the file after "organization: Acme", the line, the key, part of the message)
    ("objectives: [", 2, "", "not valid YAML"),
    (
        "objectives:\n  - {id: o, titel: t, scope: org}",
        3,
        "objectives[0].titel",
        'did you mean "title"',
    ),
    ("objectives:\n  - {id: o, scope: org}", 3, "objectives[0].title", '"title" is required'),
    (
        "periods:\n  - {name: Q1, start: 2026-03-01, end: 2026-01-01}",
        3,
        "periods[0].end",
        "before start",
    ),
    (
        "objectives:\n  - {id: o, title: t, scope: org, rollup: all}",
        3,
        "objectives[0].rollup",
        "expected one of",
    ),
    (
        "objectives:\n  - {id: o, title: t, scope: org}\n  - {id: o, title: u, scope: org}",
        4,
        "objectives[1].id",
        "used twice",
    ),
    (
        "objectives:\n  - {id: o, title: t, scope: org, period: Q9}",
        3,
        "objectives[0].period",
        'unknown period "Q9"',
    ),
    (
        "objectives:\n  - {id: o, title: t, scope: everyone}",
        3,
        "objectives[0].scope",
        "expected org, unit:NAME",
    ),
    (
        "objectives:\n  - {id: o, title: t, scope: org, aligns_to: [{objective: o}]}",
        3,
        "objectives[0].aligns_to[0]",
        "alignment cycle: o → o",
    ),
    (
        "objectives:\n  - {id: o, title: t, scope: org, key_results: [{id: k, title: a, confidence: 11}]}",
        3,
        "objectives[0].key_results[0].confidence",
        "from 0 to 10",
    ),
    (
        "objectives:\n  - {id: o, title: t, scope: org, key_results: [{id: k, title: a, weight: -1}]}",
        3,
        "objectives[0].key_results[0].weight",
        "cannot be negative",
    ),
    (
        "objectives:\n  - {id: o, title: t, scope: org, key_results: [{id: k, title: a, direction: increase, start: 9, target: 1}]}",
        3,
        "objectives[0].key_results[0].direction",
        "contradicts",
    ),
    (
        "periods: [{name: Q4, start: 2026-10-01, end: 2026-12-31}]\nindicators:\n  - {id: i, name: I, scope: org, targets: {Q4: 5}, red_below: 9}",
        4,
        "indicators[0].targets.Q4",
        "red_below is above the target",
    ),
    (
        "indicators:\n  - {id: i, name: I, scope: org, measurements: [{date: 2026-10-01, value: 1}, {date: 2026-10-01, value: 2}]}",
        3,
        "indicators[0].measurements[1]",
        "a second measurement on 2026-10-01",
    ),
]


@pytest.mark.parametrize(("body", "line", "key", "message"), CASES)
def test_each_kind_of_problem_exits_2_naming_file_line_and_key(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    body: str,
    line: int,
    key: str,
    message: str,
) -> None:
    path = tmp_path / "goals.yaml"
    path.write_text(f"organization: Acme\n{body}\n", encoding="utf-8")

    code = main([str(path)])

    first = capsys.readouterr().err.splitlines()[0]
    assert code == 2
    assert first.startswith(f"{path}:{line}: {key}: " if key else f"{path}:{line}: "), first
    assert message in first


def test_a_terminal_gets_colour_unless_no_color_is_set(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    main([str(ACME), "--today", "2026-11-15"])
    coloured = capsys.readouterr().out

    monkeypatch.setenv("NO_COLOR", "1")
    main([str(ACME), "--today", "2026-11-15"])
    plain = capsys.readouterr().out

    assert "\033[31moff track\033[0m" in coloured
    assert "\033[" not in plain
    assert "off track" in plain


def test_a_file_with_only_objectives_is_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "headway.yaml"
    path.write_text(
        "today: 2026-11-15\nobjectives:\n"
        "  - id: o1\n    title: Be loved\n    scope: org\n    owner: me@x.test\n"
        "    key_results: [{id: k1, title: Raise NPS from 40 to 50}]\n",
        encoding="utf-8",
    )

    code = main([str(path)])

    out = capsys.readouterr().out
    assert code == 1  # HW011: an objective with no period is not time-bound
    assert "No period" in out
    assert "40 → 40 → 50" in out
    assert "HW011" in out
