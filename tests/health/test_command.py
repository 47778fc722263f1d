"""`headway health`: the findings of `headway check` over the database, the score, its trend,
and exit codes a scheduled job can act on."""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections
from tests.conftest import TODAY, Company

from headway.cli import main as cli_main
from headway.core.checks import run_checks
from headway.core.model import Goals
from headway.goals.services import objective_create
from headway.health.management.commands.health import Command, sparkline
from headway.health.models import HealthSnapshot
from headway.io.check import main as check_main
from headway.io.check import summary
from headway.io.goalsfile import load
from headway.io.importer import goals_import
from headway.org.models import Organization

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]
FIXTURES = Path(__file__).parents[1] / "io" / "fixtures"


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def json(self) -> dict[str, Any]:
        return json.loads(self.out)


def health(*args: str) -> Run:
    """Run the command as `headway health` would, and its exit code: 2 for a CommandError."""
    command, out, err = Command(), io.StringIO(), io.StringIO()
    try:
        call_command(command, *args, stdout=out, stderr=err)
    except CommandError as error:
        return Run(error.returncode, out.getvalue(), str(error))
    return Run(command.exit_code, out.getvalue(), err.getvalue())


def imported(name: str) -> Organization:
    return goals_import(goals=from_file(name)).organization


def from_file(name: str) -> Goals:
    return load((FIXTURES / name).read_text(encoding="utf-8"), filename=name)


def shape(value: Any) -> Any:
    """The keys of a JSON value, all the way down; lists by the shape of their first item."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return None


def an_error(company: Company, title: str = "No deadline", **kwargs: Any) -> None:
    """An objective without a period: HW011, an error."""
    objective_create(
        organization=company.org, title=title, owner=company.member, period=None, **kwargs
    )


# -- exit codes ----------------------------------------------------------------------------------
def test_it_exits_zero_when_no_finding_is_an_error() -> None:
    imported("acme.yaml")  # warnings only

    run = health("--today", "2026-11-15")

    assert run.code == 0
    assert "Warnings (" in run.out
    assert "Errors (" not in run.out
    assert run.out.rstrip().endswith("\n" + summary(run_checks(from_file("acme.yaml"))))


def test_it_exits_one_when_an_error_is_found(company: Company) -> None:
    an_error(company)

    run = health()

    assert run.code == 1
    assert "HW011 not-time-bound  objective:o-no-deadline" in run.out
    assert "fix: Put it in a period" in run.out


def test_a_bad_argument_exits_two_with_a_clear_message(
    company: Company, other_company: Company
) -> None:
    several = health()
    unknown = health("--organization", "initech")
    unit = health("--organization", "acme", "--scope", "unit:Sails")
    person = health("--organization", "acme", "--scope", "person:nobody@acme.test")
    kind = health("--organization", "acme", "--scope", "Sales")

    assert several.code == unknown.code == unit.code == person.code == kind.code == 2
    assert several.err == "2 organizations; choose one with --organization: acme, globex"
    assert unknown.err == 'no organization "initech"; known: acme, globex'
    assert unit.err == 'no unit "Sails" in Acme; did you mean unit:Sales?'
    assert person.err.startswith('no person "nobody@acme.test" in Acme; ')
    assert "expected unit:NAME" in kind.err


def test_an_empty_database_is_a_bad_argument_too() -> None:
    run = health()

    assert run.code == 2
    assert "no organization yet" in run.err


def test_with_one_organization_the_slug_may_be_left_out(company: Company) -> None:
    assert health().out == health("--organization", "acme").out


def test_headway_health_reaches_the_command_and_sets_the_process_exit_code(
    company: Company, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The real command line closes the connections when it is done; the test's must stay open.
    monkeypatch.setattr(connections, "close_all", lambda: None)

    assert cli_main(["health", "--skip-checks"]) == 0
    assert capsys.readouterr().out.rstrip().endswith("0 errors, 0 warnings")

    an_error(company)
    with pytest.raises(SystemExit) as failed:
        cli_main(["health", "--skip-checks"])
    assert failed.value.code == 1

    with pytest.raises(SystemExit) as bad:
        cli_main(["health", "--skip-checks", "--organization", "initech"])
    assert bad.value.code == 2
    assert 'CommandError: no organization "initech"' in capsys.readouterr().err


# -- the same report as `headway check` ---------------------------------------------------------
@pytest.mark.parametrize("name", ["acme.yaml", "rich.yaml"])
def test_the_json_is_headway_checks_for_the_same_goals_plus_score_and_trend(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # given: the file in the database, and `headway check --json` on the file itself
    imported(name)
    assert check_main([str(FIXTURES / name), "--json", "--today", "2026-11-15"]) == 0
    expected = json.loads(capsys.readouterr().out)

    # when
    run = health("--json", "--today", "2026-11-15")

    # then
    report = run.json
    assert list(report) == [*expected, "score", "trend"]
    assert shape({k: v for k, v in report.items() if k in expected}) == shape(expected)
    assert {k: v for k, v in report.items() if k in expected} == expected
    assert 0 < report["score"] <= 1
    assert report["trend"]["days"] == []


def test_the_text_report_leads_with_the_score_and_ends_with_the_summary() -> None:
    imported("acme.yaml")

    lines = health("--today", "2026-11-15").out.splitlines()

    assert lines[0].startswith("Acme on 2026-11-15  ·  health ")
    assert lines[0].endswith("% of checked objects without a warning or error")
    assert "objects checked" in lines[1]
    assert "no snapshots yet" in lines[2]
    assert lines[-1] == summary(run_checks(from_file("acme.yaml")))
    assert "\033[" not in "\n".join(lines)  # not a terminal: no colour


def test_colour_can_be_forced_for_a_terminal_that_is_not_detected(company: Company) -> None:
    an_error(company)

    assert "\033[31m" in health("--force-color").out
    assert "\033[" not in health("--no-color").out


# -- scope ---------------------------------------------------------------------------------------
def test_a_unit_scope_keeps_that_unit_and_the_units_below_it(company: Company) -> None:
    an_error(company, "EMEA deadline", scope_unit=company.emea, key="o-emea")
    an_error(company, "Support deadline", scope_unit=company.support, key="o-support")

    sales = health("--scope", "unit:Sales", "--json").json
    emea = health("--scope", "unit:Sales/Sales EMEA", "--json").json
    support = health("--scope", "unit:support")

    assert {f["object"] for f in sales["findings"]} == {"objective:o-emea"}
    assert [o["id"] for o in sales["objectives"]] == ["o-emea"]
    assert emea["findings"] == sales["findings"]
    assert "objective:o-support" in support.out
    assert "o-emea" not in support.out
    assert support.out.startswith("Acme · unit:Support on 2026-11-15")
    assert support.code == 1


def test_a_person_scope_keeps_what_they_own_or_is_scoped_to_them(company: Company) -> None:
    an_error(company, "Mine", key="o-mine")
    objective_create(
        organization=company.org, title="Theirs", owner=company.colleague, period=None,
        key="o-theirs",
    )  # fmt: skip

    run = health("--scope", "person:MEMBER@acme.test", "--json")

    assert {f["object"] for f in run.json["findings"]} == {"objective:o-mine"}


def test_a_scope_with_nothing_wrong_exits_zero_even_if_elsewhere_is_broken(
    company: Company,
) -> None:
    an_error(company, scope_unit=company.support)

    run = health("--scope", "unit:Sales")

    assert run.code == 0
    assert run.out.rstrip().endswith("0 errors, 0 warnings")


# -- tenants -------------------------------------------------------------------------------------
def test_one_organizations_report_never_shows_anothers_findings(
    company: Company, other_company: Company
) -> None:
    an_error(company, "Acme secret", key="o-acme-secret")
    objective_create(
        organization=other_company.org, title="Globex secret", owner=None, period=None,
        key="o-globex-secret",
    )  # fmt: skip
    HealthSnapshot.objects.create(organization=other_company.org, date=TODAY, score=Decimal("0.1"))

    text = health("--organization", "acme").out
    report = health("--organization", "acme", "--json").json

    assert "Acme secret" in text
    assert "globex" not in text.lower()
    assert "globex" not in json.dumps(report).lower()
    assert report["trend"]["days"] == []


# -- snapshots and trend -------------------------------------------------------------------------
def test_snapshot_keeps_one_row_a_day_however_often_it_runs(company: Company) -> None:
    an_error(company)

    health("--snapshot")
    health("--snapshot")
    health("--snapshot", "--today", "2026-11-16")

    rows = list(HealthSnapshot.objects.values_list("date", "errors"))
    assert rows == [(TODAY, 1), (TODAY + dt.timedelta(days=1), 1)]


def test_a_scoped_run_snapshots_the_whole_organization(company: Company) -> None:
    an_error(company, scope_unit=company.support)

    health("--snapshot", "--scope", "unit:Sales")

    assert HealthSnapshot.objects.get().errors == 1


def test_the_trend_shows_the_daily_scores_and_the_periods(company: Company) -> None:
    for days_ago, score in ((3, "0.5"), (1, "0.75"), (0, "1")):
        HealthSnapshot.objects.create(
            organization=company.org, date=TODAY - dt.timedelta(days=days_ago), score=Decimal(score)
        )

    text = health("--days", "4").out
    report = health("--json").json

    assert "  trend  ▁·▅█  50% on 2026-11-12 → 100% on 2026-11-15  (daily, last 4 days)" in text
    assert "by period  2026-Q4 100% so far" in text
    assert [(d["date"], d["score"]) for d in report["trend"]["days"]] == [
        ("2026-11-12", 0.5),
        ("2026-11-14", 0.75),
        ("2026-11-15", 1.0),
    ]
    assert report["trend"]["periods"] == [
        {
            "period": "2026-Q4",
            "start": "2026-10-01",
            "end": "2026-12-31",
            "date": "2026-11-15",
            "score": 1.0,
            "running": True,
        }
    ]


def test_the_sparkline_spans_at_least_ten_points() -> None:
    assert sparkline([Decimal("0.95"), Decimal("0.96"), None]) == "▇█·"
    assert sparkline([Decimal("0"), Decimal("0.5"), Decimal("1")]) == "▁▅█"
    assert sparkline([None, None]) == "··"
