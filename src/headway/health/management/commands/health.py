"""`headway health`: the health checks of DESIGN §4 over the database, with the score's trend.

The findings and the JSON are those `headway check` gives for a goals file; on top come the
health score and its trend from the daily snapshots. Exit 1 when an error-level finding is
reported, so a scheduled job can alert on it; 2 when the arguments name nothing that exists.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import os
import sys
from argparse import ArgumentTypeError
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from headway.core.checks import Finding, checked_objects, health_score, run_checks
from headway.core.evaluate import evaluate
from headway.core.model import ORG_SCOPE, Goals, Severity
from headway.goals.snapshot import organization_goals
from headway.health.models import HealthSnapshot
from headway.health.selectors import organization_check_settings
from headway.health.snapshots import (
    PeriodScore,
    health_snapshot_save,
    health_trend,
    health_trend_by_period,
)
from headway.io.check import BOLD, GREEN, RED, RESET, YELLOW, findings_lines, render_json, summary
from headway.org.models import Organization

BAD_ARGUMENTS = 2
SPARK = "▁▂▃▄▅▆▇█"
MIN_SPAN = Fraction(1, 10)  # of the score: ten percentage points


def parse_day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ArgumentTypeError(f"{text!r} is not a date like 2026-11-15") from None


def organization_for(slug: str | None) -> Organization:
    """The organization named, or the only one there is; exit 2 with the known slugs otherwise."""
    slugs = list(Organization.objects.order_by("slug").values_list("slug", flat=True))
    known = ", ".join(slugs) or "none yet"
    if slug is not None:
        found = Organization.objects.filter(slug=slug).first()
        if found is None:
            raise CommandError(f'no organization "{slug}"; known: {known}', returncode=2)
        return found
    if not slugs:
        raise CommandError(
            "there is no organization yet; import a goals file or run `headway demo` first",
            returncode=BAD_ARGUMENTS,
        )
    if len(slugs) > 1:
        raise CommandError(
            f"{len(slugs)} organizations; choose one with --organization: {known}",
            returncode=BAD_ARGUMENTS,
        )
    return Organization.objects.get(slug=slugs[0])


# -- scope -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Scope:
    """Part of the organization: a unit with the units below it, or one person."""

    label: str  # "unit:Sales", "person:ana@acme.test"
    units: frozenset[str] = frozenset()  # a unit scope: the names of the units in its subtree
    email: str = ""  # a person scope: the email, case-folded


def _unit_path(name: str, parents: dict[str, str | None]) -> str:
    """The unit's name after those of the units above it: `Engineering/Platform`."""
    names = [name]
    seen = {name}
    while (parent := parents.get(names[0])) is not None and parent not in seen:
        names.insert(0, parent)
        seen.add(parent)
    return "/".join(names)


def _find_unit(wanted: str, parents: dict[str, str | None]) -> str | None:
    """The unit by its exact name or its path from the top, else either regardless of case."""
    paths = {_unit_path(name, parents): name for name in parents}
    path = wanted.strip("/")
    if wanted in parents:
        return wanted
    if path in paths:
        return paths[path]
    folded = {name.casefold(): name for name in parents}
    folded_paths = {key.casefold(): name for key, name in paths.items()}
    return folded.get(wanted.casefold()) or folded_paths.get(path.casefold())


def _unknown(kind: str, wanted: str, known: list[str], organization: str) -> CommandError:
    close = difflib.get_close_matches(wanted, known, n=3, cutoff=0.6)
    if close:
        hint = "did you mean " + " or ".join(f"{kind}:{name}" for name in close) + "?"
    elif known:
        shown = known[:12]
        more = f" and {len(known) - len(shown)} more" if len(known) > len(shown) else ""
        hint = f"known: {', '.join(shown)}{more}"
    else:
        hint = f"{organization} has none"
    return CommandError(f'no {kind} "{wanted}" in {organization}; {hint}', returncode=2)


def scope_resolve(goals: Goals, text: str) -> Scope:
    """`unit:NAME`, `unit:PARENT/NAME` or `person:EMAIL` as a `Scope`; exit 2 if it names
    nothing in the organization."""
    kind, _, wanted = text.partition(":")
    wanted = wanted.strip()
    if kind == "unit" and wanted:
        parents = {u.name: u.parent for u in goals.units}
        match = _find_unit(wanted, parents)
        if match is None:
            raise _unknown("unit", wanted, sorted(parents), goals.organization)
        children: dict[str, list[str]] = {}
        for name, parent in parents.items():
            if parent is not None:
                children.setdefault(parent, []).append(name)
        subtree, todo = {match}, [match]
        while todo:
            for child in children.get(todo.pop(), []):
                if child not in subtree:
                    subtree.add(child)
                    todo.append(child)
        return Scope(label=f"unit:{match}", units=frozenset(subtree))
    if kind == "person" and wanted:
        emails = {p.email.casefold(): p.email for p in goals.people}
        if wanted.casefold() not in emails:
            raise _unknown("person", wanted, sorted(emails.values()), goals.organization)
        return Scope(label=f"person:{emails[wanted.casefold()]}", email=wanted.casefold())
    raise CommandError(
        f"--scope {text!r}: expected unit:NAME (or unit:PARENT/NAME) or person:EMAIL",
        returncode=BAD_ARGUMENTS,
    )


class ScopeMembers:
    """Which of a `Goals` value's objects (as findings name them) fall inside a scope.

    A unit scope holds what is scoped to its units or to the people in them; a person scope
    what is scoped to or owned by the person. A key result goes with its objective too.
    """

    def __init__(self, goals: Goals, scope: Scope) -> None:
        self.scope = scope
        self.unit_of = {p.email.casefold(): p.unit for p in goals.people}
        self.scope_of: dict[str, str] = {}
        self.owner_of: dict[str, str | None] = {}
        self.parent_of: dict[str, str] = {}
        for area in goals.result_areas:
            key = f"result_area:{area.id}"
            self.scope_of[key], self.owner_of[key] = area.scope, area.owner
        for indicator in goals.indicators:
            key = f"indicator:{indicator.id}"
            self.scope_of[key], self.owner_of[key] = indicator.scope, indicator.owner
        for objective in goals.objectives:
            key = f"objective:{objective.id}"
            self.scope_of[key], self.owner_of[key] = objective.scope, objective.owner
            for kr in objective.key_results:
                kr_key = f"key_result:{kr.id}"
                self.owner_of[kr_key], self.parent_of[kr_key] = kr.owner, key

    def scope_holds(self, scope: str) -> bool:
        """Whether a scope written like `unit:Sales` or `person:ana@acme.test` is inside."""
        if scope == ORG_SCOPE:
            return False
        kind, _, name = scope.partition(":")
        if self.scope.units:
            unit = name if kind == "unit" else self.unit_of.get(name.casefold())
            return unit in self.scope.units
        return kind == "person" and name.casefold() == self.scope.email

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        kind, _, rest = key.partition(":")
        if kind == "scope":
            return self.scope_holds(rest)
        if kind == "person":
            return self.scope_holds(key)
        owner = self.owner_of.get(key)
        if self.scope.email and owner and owner.casefold() == self.scope.email:
            return True
        if key in self.scope_of and self.scope_holds(self.scope_of[key]):
            return True
        parent = self.parent_of.get(key)
        return parent is not None and parent in self


def scoped_score(
    goals: Goals, findings: Sequence[Finding], members: ScopeMembers
) -> Fraction | None:
    """The health score counted over the scope's checked objects only."""
    checked = [key for key in checked_objects(goals) if key in members]
    if not checked:
        return None
    flagged = {f.object for f in findings if f.severity in (Severity.WARNING, Severity.ERROR)}
    return Fraction(sum(1 for key in checked if key not in flagged), len(checked))


# -- the report --------------------------------------------------------------------------------------
@dataclass
class Report:
    """What one run found, ready for either rendering."""

    organization: Organization
    goals: Goals  # the whole organization: scores are computed over all of it
    findings: list[Finding]  # those inside the scope when there is one
    score: Fraction | None  # over the scope's checked objects when there is one
    checked: int
    scope: Scope | None
    daily: list[HealthSnapshot]
    periods: list[PeriodScore]
    days: int
    members: ScopeMembers | None = None

    def shown_goals(self) -> Goals:
        """The goals whose objectives, KPIs and KRAs the JSON lists: the scope's only."""
        members = self.members
        if members is None:
            return self.goals
        return replace(
            self.goals,
            objectives=[o for o in self.goals.objectives if f"objective:{o.id}" in members],
            indicators=[i for i in self.goals.indicators if f"indicator:{i.id}" in members],
            result_areas=[a for a in self.goals.result_areas if f"result_area:{a.id}" in members],
        )


def report_build(
    *,
    organization: Organization,
    goals: Goals,
    findings: list[Finding],
    scope: Scope | None,
    days: int,
    period_count: int,
) -> Report:
    """Findings, score and trend of the organization, or of the part of it `scope` names."""
    daily = health_trend(organization=organization, today=goals.today, days=days)
    periods = health_trend_by_period(
        organization=organization, today=goals.today, count=period_count
    )
    checked = checked_objects(goals)
    members = ScopeMembers(goals, scope) if scope is not None else None
    if members is None:
        shown, score = findings, health_score(goals, findings)
    else:
        shown = [f for f in findings if f.object in members]
        score = scoped_score(goals, findings, members)
        checked = [key for key in checked if key in members]
    return Report(
        organization=organization,
        goals=goals,
        findings=shown,
        score=score,
        checked=len(checked),
        scope=scope,
        daily=daily,
        periods=periods,
        days=days,
        members=members,
    )


def _float(value: Fraction | Decimal | None) -> float | None:
    return None if value is None else float(value)


def _percent(value: Fraction | Decimal | None) -> str:
    """0.625 -> "62%" (half to even, as `headway check` rounds)."""
    return "n/a" if value is None else f"{round(Fraction(value) * 100)}%"


def report_json(report: Report) -> dict[str, Any]:
    """`headway check --json`'s shape for the same goals, plus the score and its trend."""
    data = render_json(report.shown_goals(), evaluate(report.goals), report.findings)
    data["score"] = _float(report.score)
    data["trend"] = trend_json(report)
    return data


def trend_json(report: Report) -> dict[str, Any]:
    return {
        "organization": report.organization.slug,
        "days": [
            {
                "date": s.date.isoformat(),
                "score": _float(s.score),
                "errors": s.errors,
                "warnings": s.warnings,
                "notes": s.notes,
            }
            for s in report.daily
        ],
        "periods": [
            {
                "period": p.period,
                "start": p.start.isoformat(),
                "end": p.end.isoformat(),
                "date": p.date.isoformat() if p.date else None,
                "score": _float(p.score),
                "running": p.running,
            }
            for p in report.periods
        ],
    }


def _score_colour(score: Fraction | Decimal | None) -> str | None:
    """The health page's thresholds: green from 70%, amber from 40%."""
    if score is None:
        return None
    return GREEN if score >= Fraction(7, 10) else YELLOW if score >= Fraction(2, 5) else RED


class _Paint:
    def __init__(self, colour: bool) -> None:
        self.colour = colour

    def __call__(self, text: str, code: str | None) -> str:
        return f"{code}{text}{RESET}" if self.colour and code else text


def spark_blocks(scores: Sequence[Decimal | None]) -> list[str]:
    """One block per day, ▁ for the lowest score of the window up to █ for the highest; · for a
    day without a score. The scale spans at least ten points, so that noise stays flat."""
    known = [Fraction(s) for s in scores if s is not None]
    if not known:
        return ["·"] * len(scores)
    high = max(known)
    low = max(Fraction(0), min(min(known), high - MIN_SPAN))
    span = (high - low) or Fraction(1)
    top = len(SPARK) - 1
    return ["·" if s is None else SPARK[round((Fraction(s) - low) / span * top)] for s in scores]


def sparkline(scores: Sequence[Decimal | None]) -> str:
    return "".join(spark_blocks(scores))


def trend_lines(report: Report, today: dt.date, paint: _Paint) -> list[str]:
    whose = " (the whole organization)" if report.scope else ""
    if not report.daily:
        return [
            f"  trend{whose}: no snapshots yet; the worker keeps one a day, or run "
            "`headway health --snapshot`"
        ]
    by_day = {s.date: s.score for s in report.daily}
    days = [today - dt.timedelta(days=n) for n in range(report.days - 1, -1, -1)]
    scores = [by_day.get(day) for day in days]
    blocks = "".join(
        paint(block, _score_colour(score))
        for block, score in zip(spark_blocks(scores), scores, strict=True)
    )
    scored = [s for s in report.daily if s.score is not None]
    moves = (
        f"{_percent(scored[0].score)} on {scored[0].date} → {_percent(scored[-1].score)} "
        f"on {scored[-1].date}"
        if scored
        else "nothing checked yet"
    )
    lines = [f"  trend{whose}  {blocks}  {moves}  (daily, last {report.days} days)"]
    if report.periods:
        cells = []
        for p in report.periods:
            so_far = " so far" if p.running and p.score is not None else ""
            shown = "no snapshot" if p.score is None else _percent(p.score)
            cells.append(f"{p.period} {paint(shown, _score_colour(p.score))}{so_far}")
        lines.append("  by period  " + "  ·  ".join(cells))
    return lines


def render_report(report: Report, *, colour: bool) -> str:
    paint = _Paint(colour)
    today = report.goals.today
    where = f" · {report.scope.label}" if report.scope else ""
    flagged = {
        f.object for f in report.findings if f.severity in (Severity.WARNING, Severity.ERROR)
    }
    lines = [
        paint(f"{report.goals.organization}{where} on {today.isoformat()}", BOLD)
        + f"  ·  health {paint(_percent(report.score), _score_colour(report.score))} of checked "
        "objects without a warning or error",
        f"  {report.checked} objects checked, {len(flagged)} with a warning or error",
        *trend_lines(report, today, paint),
    ]
    lines += findings_lines(report.findings, colour=colour)
    lines += ["", summary(report.findings)]
    return "\n".join(lines) + "\n"


class Command(BaseCommand):
    help = (
        "Run the health checks over an organization's goals in the database and print the "
        "findings (as `headway check` does for a file), the health score and its trend. "
        "Exits 1 when an error-level finding is reported, 2 on bad arguments."
    )

    exit_code = 0

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organization", metavar="SLUG", help="needed when there are several")
        parser.add_argument(
            "--scope",
            metavar="unit:NAME|person:EMAIL",
            help="only what belongs to a unit (and the units below it; NAME may be a path "
            "like Sales/Sales EMEA) or to one person",
        )
        parser.add_argument("--json", action="store_true", help="print the report as JSON")
        parser.add_argument(
            "--today",
            type=parse_day,
            metavar="YYYY-MM-DD",
            help="the day to check as of (default: today)",
        )
        parser.add_argument(
            "--snapshot",
            action="store_true",
            help="also keep the organization's score as the snapshot of that day",
        )
        parser.add_argument(
            "--days", type=int, default=8, metavar="N", help="daily scores to show (default 8)"
        )
        parser.add_argument(
            "--periods", type=int, default=4, metavar="N", help="periods to show (default 4)"
        )

    def run_from_argv(self, argv: list[str]) -> None:
        super().run_from_argv(argv)
        if self.exit_code:
            sys.exit(self.exit_code)

    def handle(self, *args: Any, **options: Any) -> None:
        today = options["today"] or timezone.localdate()
        if isinstance(today, str):  # call_command(today="2026-11-15") skips the parser
            today = parse_day(today)
        days, period_count = options["days"], options["periods"]
        if days < 1 or period_count < 0:
            raise CommandError("--days must be at least 1 and --periods at least 0", returncode=2)
        organization = organization_for(options["organization"])
        try:
            settings = organization_check_settings(organization)
        except (TypeError, ValueError) as error:
            raise CommandError(
                f"{organization.slug}: the health settings are invalid: {error}",
                returncode=BAD_ARGUMENTS,
            ) from None
        goals = organization_goals(organization, today=today)
        findings = run_checks(goals, settings)
        scope = scope_resolve(goals, options["scope"]) if options["scope"] else None
        if options["snapshot"]:
            health_snapshot_save(organization=organization, goals=goals, findings=findings)
        report = report_build(
            organization=organization,
            goals=goals,
            findings=findings,
            scope=scope,
            days=days,
            period_count=period_count,
        )
        if options["json"]:
            self.stdout.write(json.dumps(report_json(report), indent=2, ensure_ascii=False))
        else:
            self.stdout.write(render_report(report, colour=self.colour(options)), ending="")
        self.exit_code = 1 if any(f.severity == Severity.ERROR for f in report.findings) else 0

    def colour(self, options: dict[str, Any]) -> bool:
        if options.get("force_color"):
            return True
        if options.get("no_color") or "NO_COLOR" in os.environ:
            return False
        return self.stdout.isatty()
