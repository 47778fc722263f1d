"""`headway check FILE`: validate a goals file, score it and run the health checks.

No database and no Django: it reads the file, applies the pure core and prints. The renderers
are separate functions so the database side can print the same report for its own `Goals`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from fractions import Fraction
from pathlib import Path
from typing import Any

from headway.core.checks import Finding, health_score, run_checks
from headway.core.evaluate import KeyResultScore, Scores, evaluate
from headway.core.model import (
    Direction,
    Goals,
    Indicator,
    KeyResult,
    KRKind,
    Objective,
    ProgressSource,
    Severity,
    Status,
)
from headway.core.pace import grade
from headway.io.goalsfile import GoalsFileError, load

BAR_WIDTH = 20
CLOSED_COLOURS = frozenset({Status.GREEN, Status.YELLOW, Status.RED})
CURRENCY_SYMBOLS = frozenset({"$", "€", "£", "¥", "₹"})
NO_CURRENT_KINDS = frozenset({KRKind.BOOLEAN, KRKind.MILESTONES})
NO_CURRENT_SOURCES = frozenset({ProgressSource.CHILDREN, ProgressSource.MILESTONES})

# ANSI colours by status word; the word itself is always printed too.
GREEN, YELLOW, RED, DIM, BOLD, RESET = (
    "\033[32m",
    "\033[33m",
    "\033[31m",
    "\033[2m",
    "\033[1m",
    "\033[0m",
)
STATUS_COLOURS = {
    "on_track": GREEN,
    "green": GREEN,
    "at_risk": YELLOW,
    "amber": YELLOW,
    "yellow": YELLOW,
    "off_track": RED,
    "red": RED,
}
SEVERITY_COLOURS = {Severity.ERROR: RED, Severity.WARNING: YELLOW, Severity.INFO: DIM}
SEVERITY_TITLES = {Severity.ERROR: "Errors", Severity.WARNING: "Warnings", Severity.INFO: "Notes"}


# -- JSON ----------------------------------------------------------------------------------------
def _float(value: Fraction | None) -> float | None:
    return None if value is None else float(value)


def effective_current(kr: KeyResult, score: KeyResultScore) -> Fraction | None:
    """The value progress was computed from: the start when nothing was recorded (§3.1)."""
    if score.current is not None:
        return score.current
    if kr.kind in NO_CURRENT_KINDS or kr.source in NO_CURRENT_SOURCES:
        return None
    if score.direction in (Direction.INCREASE, Direction.DECREASE):
        return kr.start
    return None


def _key_result_json(kr: KeyResult, score: KeyResultScore) -> dict[str, Any]:
    within = score.direction == Direction.WITHIN
    return {
        "id": kr.id,
        "title": kr.title,
        "direction": score.direction.value,
        "start": _float(kr.start),
        "target": None if within else _float(kr.target),
        "unit": kr.unit,
        "current": _float(effective_current(kr, score)),
        "progress": _float(score.progress),
        "attainment": _float(score.attainment),
        "status": score.status.value,
        "forecast": _float(score.forecast),
    }


def render_json(goals: Goals, scores: Scores, findings: Sequence[Finding]) -> dict[str, Any]:
    """The `--json` report: a stable shape scripts and CI can read (numbers as JSON numbers)."""
    objectives = []
    for objective in goals.objectives:
        score = scores.objectives[objective.id]
        objectives.append(
            {
                "id": objective.id,
                "title": objective.title,
                "progress": _float(score.progress),
                "status": score.status.value,
                "expected": _float(score.expected),
                "forecast": _float(score.forecast),
                "key_results": [
                    _key_result_json(kr, scores.key_results[kr.id]) for kr in objective.key_results
                ],
            }
        )
    indicators = []
    for indicator in goals.indicators:
        ind = scores.indicators[indicator.id]
        indicators.append(
            {
                "id": indicator.id,
                "value": _float(ind.value),
                # A range has no single target number; its midpoint would mislead.
                "target": _float(ind.target.value) if ind.target is not None else None,
                "status": ind.status.value,
                "attainment": _float(ind.attainment),
            }
        )
    areas = [
        {
            "id": area.id,
            "health": _float(scores.result_areas[area.id].health),
            "status": scores.result_areas[area.id].status.value,
        }
        for area in goals.result_areas
    ]
    return {
        "today": scores.today.isoformat(),
        "objectives": objectives,
        "indicators": indicators,
        "result_areas": areas,
        "findings": [
            {"code": f.code, "severity": f.severity.value, "object": f.object, "message": f.message}
            for f in findings
        ],
    }


# -- text ----------------------------------------------------------------------------------------
class _Text:
    """Formatting helpers for one report, with or without ANSI colour."""

    def __init__(self, colour: bool) -> None:
        self.colour = colour

    def paint(self, text: str, code: str | None) -> str:
        return f"{code}{text}{RESET}" if self.colour and code else text

    def status(self, status: str, progress: Fraction | None = None) -> str:
        """A status in words; a closed period's colour comes with its grade (§3.5)."""
        word = status.replace("_", " ")
        if status in CLOSED_COLOURS and progress is not None:
            word = f"grade {grade(progress)} ({status})"
        return self.paint(word, STATUS_COLOURS.get(status, DIM))

    def bar(self, progress: Fraction | None, status: str) -> str:
        if progress is None:
            return self.paint("░" * BAR_WIDTH, DIM) + "   n/a"
        filled = round(progress * BAR_WIDTH)
        blocks = self.paint("█" * filled, STATUS_COLOURS.get(status)) + "░" * (BAR_WIDTH - filled)
        return f"{blocks} {_percent(progress):>4}"


def _percent(value: Fraction | None) -> str:
    return "n/a" if value is None else f"{round(value * 100)}%"


def _number(value: Fraction | None) -> str:
    """Whole numbers as they are, others to at most two decimals."""
    if value is None:
        return "?"
    if value.denominator == 1:
        return f"{value.numerator:,}"
    return f"{float(value):,.2f}".rstrip("0").rstrip(".")


def _amount(value: Fraction | None, unit: str) -> str:
    text = _number(value)
    if value is None or not unit:
        return text
    if unit in CURRENCY_SYMBOLS:
        return f"{unit}{text}"
    return f"{text}{unit}" if unit == "%" else f"{text} {unit}"


def _values(kr: KeyResult, score: KeyResultScore) -> str:
    """start → current → target, in the KR's own unit and direction."""
    if kr.kind == KRKind.BOOLEAN:
        return "done" if score.progress == 1 else "not done yet"
    if kr.kind == KRKind.MILESTONES or kr.source == ProgressSource.MILESTONES:
        done = sum(1 for m in kr.milestones if m.done)
        return f"{done} of {len(kr.milestones)} milestones done"
    if kr.source == ProgressSource.CHILDREN:
        return "measured by the objectives aligned to it"
    current = effective_current(kr, score)
    shown = _amount(current, kr.unit) if current is not None else "no value yet"
    if score.direction == Direction.WITHIN:
        bounds = f"{_amount(kr.lower, kr.unit)} to {_amount(kr.upper, kr.unit)}"
        return f"{shown}, to stay within {bounds}"
    if score.direction == Direction.AT_LEAST:
        return f"{shown}, to stay at least {_amount(kr.target, kr.unit)}"
    if score.direction == Direction.AT_MOST:
        return f"{shown}, to stay at most {_amount(kr.target, kr.unit)}"
    return " → ".join(_amount(v, kr.unit) for v in (kr.start, current, kr.target))


def _forecast(value: Fraction | None) -> str:
    return f"forecast {_percent(value)}" if value is not None else "no forecast yet"


def _key_result_lines(
    kr: KeyResult, score: KeyResultScore, objective: Objective, text: _Text
) -> list[str]:
    owner = f"  owner {kr.owner}" if kr.owner != objective.owner else ""
    if not kr.owner:
        owner = "  no owner"
    cancelled = "  (cancelled: not counted)" if kr.cancelled else ""
    lines = [f"    • {kr.title}  [{kr.id}]{owner}{cancelled}", f"      {_values(kr, score)}"]
    lines.append(
        f"      {text.bar(score.progress, score.status)}  attainment {_percent(score.attainment)}"
        f"  expected {_percent(score.expected)}  {text.status(score.status, score.progress)}"
        f"  {_forecast(score.forecast)}"
    )
    said = []
    if score.owner_status:
        said.append(f"owner says {score.owner_status.replace('_', ' ')}")
    if score.confidence is not None:
        said.append(f"confidence {score.confidence}/10")
    if kr.parsed_from_title:
        said.append("numbers read from the title")
    if said:
        lines.append("      " + " · ".join(said))
    return lines


def _objective_lines(objective: Objective, scores: Scores, text: _Text) -> list[str]:
    score = scores.objectives[objective.id]
    owner = f"  owner {objective.owner}" if objective.owner else "  no owner"
    state = f"  ({objective.state})" if objective.state != "active" else ""
    lines = [
        "",
        f"  {text.paint(objective.title, BOLD)}  [{objective.id}]{owner}{state}",
        f"  {text.bar(score.progress, score.status)}  expected {_percent(score.expected)}"
        f"  {text.status(score.status, score.progress)}  {_forecast(score.forecast)}",
    ]
    for kr in objective.key_results:
        lines += _key_result_lines(kr, scores.key_results[kr.id], objective, text)
    return lines


def _indicator_line(indicator: Indicator, scores: Scores, text: _Text) -> str:
    score = scores.indicators[indicator.id]
    value = _amount(score.value, indicator.unit) if score.value is not None else "no value"
    target = score.target
    if target is None:
        goal = "no target"
    elif target.value is not None:
        goal = f"target {_amount(target.value, indicator.unit)}"
    else:
        lower, upper = _amount(target.lower, indicator.unit), _amount(target.upper, indicator.unit)
        goal = f"target {lower} to {upper}"
    period = f" ({score.period})" if score.period else ""
    return (
        f"  {indicator.name}  [{indicator.id}]  {value} vs {goal}{period}  "
        f"{text.status(score.status)}  attainment {_percent(score.attainment)}"
    )


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary(findings: Sequence[Finding]) -> str:
    """`3 errors, 5 warnings` (and notes when there are any)."""
    counts = {s: sum(1 for f in findings if f.severity == s) for s in Severity}
    parts = [_plural(counts[Severity.ERROR], "error"), _plural(counts[Severity.WARNING], "warning")]
    if counts[Severity.INFO]:
        parts.append(_plural(counts[Severity.INFO], "note"))
    return ", ".join(parts)


def render_text(
    goals: Goals, scores: Scores, findings: Sequence[Finding], *, colour: bool = False
) -> str:
    """The readable report: progress and pace per objective and KR, KPIs, KRAs, findings."""
    text = _Text(colour)
    score = health_score(goals, findings)
    title = goals.organization or "Goals"
    lines = [
        text.paint(f"{title} on {scores.today.isoformat()}", BOLD)
        + f"  ·  health {_percent(score)} of checked objects without a warning or error"
    ]
    placed = {p.id for p in goals.periods}
    for period in goals.periods:
        objectives = [o for o in goals.objectives if o.period == period.id]
        if not objectives:
            continue
        state = period.state_on(scores.today)
        lines += ["", text.paint(f"{period.id}  {period.start} → {period.end}  ({state})", BOLD)]
        for objective in objectives:
            lines += _objective_lines(objective, scores, text)
    loose = [o for o in goals.objectives if o.period not in placed]
    if loose:
        lines += ["", text.paint("No period", BOLD)]
        for objective in loose:
            lines += _objective_lines(objective, scores, text)
    if goals.indicators:
        lines += ["", text.paint("Indicators", BOLD)]
        lines += [_indicator_line(i, scores, text) for i in goals.indicators]
    if goals.result_areas:
        lines += ["", text.paint("Result areas", BOLD)]
        for area in goals.result_areas:
            area_score = scores.result_areas[area.id]
            lines.append(
                f"  {area.name}  [{area.id}]  health {_percent(area_score.health)}"
                f"  {text.status(area_score.status)}"
            )
    lines += findings_lines(findings, colour=colour)
    lines += ["", summary(findings)]
    return "\n".join(lines) + "\n"


def findings_lines(findings: Sequence[Finding], *, colour: bool = False) -> list[str]:
    """The findings by severity, errors first, each with its fix hint (`headway health` too)."""
    text = _Text(colour)
    lines: list[str] = []
    for severity in (Severity.ERROR, Severity.WARNING, Severity.INFO):
        group = [f for f in findings if f.severity == severity]
        if not group:
            continue
        heading = f"{SEVERITY_TITLES[severity]} ({len(group)})"
        lines += ["", text.paint(heading, SEVERITY_COLOURS[severity])]
        for finding in group:
            code = text.paint(f"{finding.code} {finding.name}", SEVERITY_COLOURS[severity])
            lines.append(f"  {code}  {finding.object}")
            lines.append(f"    {finding.message}")
            if finding.hint:
                lines.append(f"    fix: {finding.hint}")
    return lines


# -- command -------------------------------------------------------------------------------------
def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {value!r}") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="headway check",
        description="Validate a headway.yaml goals file, score it and run the health checks.",
    )
    parser.add_argument("file", help="the goals file; - reads standard input")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--today", type=_date, help="the day to compute status for (YYYY-MM-DD); overrides the file"
    )
    return parser


def _read(name: str) -> str:
    if name == "-":
        return sys.stdin.read()
    return Path(name).read_text(encoding="utf-8")


def _use_colour() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def main(argv: list[str] | None = None) -> int:
    """Exit 0 with no error finding, 1 with one, 2 when the file cannot be read or is invalid."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exit_:  # argparse has printed its usage message
        return exit_.code if isinstance(exit_.code, int) else 2
    filename = "<stdin>" if args.file == "-" else args.file
    try:
        text = _read(args.file)
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        print(f"headway check: cannot read {filename}: {reason}", file=sys.stderr)
        return 2
    try:
        goals = load(text, filename=filename)
    except GoalsFileError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        count = len(error.problems)
        print(f"{_plural(count, 'problem')} in {filename}; nothing was checked", file=sys.stderr)
        return 2
    if args.today is not None:
        goals = replace(goals, today=args.today)
    scores = evaluate(goals)
    findings = run_checks(goals)
    if args.json:
        print(json.dumps(render_json(goals, scores, findings), indent=2, ensure_ascii=False))
    else:
        sys.stdout.write(render_text(goals, scores, findings, colour=_use_colour()))
    return 1 if any(f.severity == Severity.ERROR for f in findings) else 0
