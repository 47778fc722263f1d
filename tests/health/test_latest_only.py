"""The health checks read only the ends of the long series: each key result's latest check-in
up to the day it is read on and its latest with a value, each KPI's latest measurement up to
today (`organization_goals(latest_only=True)`). They must find exactly what they find on the
whole organization, and the series kept must be exactly those ends."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from fractions import Fraction
from pathlib import Path

import pytest
from django.core.management import call_command
from tests.conftest import TODAY

from headway.core import model as core
from headway.core.checks import health_score, run_checks
from headway.demo.builder import SLUG
from headway.goals.snapshot import organization_goals
from headway.io.goalsfile import load
from headway.io.importer import goals_import
from headway.org.models import Organization

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]
FIXTURES = Path(__file__).parents[1] / "io" / "fixtures"

# Series whose ends are easy to get wrong: two check-ins on one day, a latest without a value,
# yes/no key results done and undone, check-ins after today and after a closed period's end,
# measurements after today, a KPI never measured.
ENDS = """
organization: {name: Initech, slug: initech}
today: 2026-11-15
periods:
  - {name: 2026-Q3, start: 2026-07-01, end: 2026-09-30, state: closed}
  - {name: 2026-Q4, start: 2026-10-01, end: 2026-12-31}
people:
  - {email: pat@initech.test, name: Pat Lead, role: admin}
result_areas:
  - {id: kra-ops, name: Operations, scope: org, owner: pat@initech.test, last_reviewed: 2026-10-01}
indicators:
  - id: uptime
    name: Uptime
    scope: org
    owner: pat@initech.test
    direction: up
    frequency: day
    result_area: kra-ops
    measurements:
      - {date: 2026-10-01, value: 99}
      - {date: 2026-10-20, value: 98}
      - {date: 2026-11-20, value: 97}
  - {id: nps, name: NPS, scope: org, owner: pat@initech.test, direction: up, frequency: month,
     result_area: kra-ops}
objectives:
  - id: o-now
    title: Run a dependable service
    period: 2026-Q4
    scope: org
    owner: pat@initech.test
    result_area: kra-ops
    key_results:
      - id: kr-same-day
        title: Raise uptime from 98 to 99.9 percent
        start: 98
        target: 99.9
        check_ins:
          - {date: 2026-10-05, value: 98.5}
          - {date: 2026-10-20, value: 98.7}
          - {date: 2026-10-20, value: 98.9}
          - {date: 2026-10-20, confidence: 4}
      - id: kr-future
        title: Cut open incidents from 40 to 10
        start: 40
        target: 10
        check_ins:
          - {date: 2026-10-10, value: 30}
          - {date: 2026-11-16, value: 20}
      - id: kr-bool-done
        title: Failover region live
        kind: boolean
        check_ins: [{date: 2026-10-12, value: 1}, {date: 2026-11-10, confidence: 8}]
      - id: kr-bool-undone
        title: Runbooks reviewed by every on-call engineer
        kind: boolean
        check_ins: [{date: 2026-10-12, value: 1}, {date: 2026-10-14, value: 0}]
      - id: kr-never
        title: Reach 12 on-call engineers from 8
        start: 8
        target: 12
  - id: o-before
    title: Move to the new data centre
    period: 2026-Q3
    scope: org
    owner: pat@initech.test
    result_area: kra-ops
    key_results:
      - id: kr-closed
        title: Data centre contract signed
        kind: boolean
        check_ins: [{date: 2026-09-01, value: 1}, {date: 2026-10-03, value: 0}]
"""


def _ends(goals: core.Goals) -> dict[str, list[core.CheckIn] | list[core.Measurement]]:
    """From a whole reading: the series the latest-only reading must keep, worked out by hand."""
    periods = {p.id: p for p in goals.periods}
    kept: dict[str, list[core.CheckIn] | list[core.Measurement]] = {}
    for objective in goals.objectives:
        period = periods.get(objective.period or "")
        as_of = min(goals.today, period.end) if period else goals.today
        for kr in objective.key_results:
            dated = [c for c in kr.check_ins if c.date <= as_of]  # in recording order
            valued = [c for c in dated if c.value is not None]
            ends = [*valued[-1:], *dated[-1:]]
            kept[kr.id] = [c for i, c in enumerate(ends) if c not in ends[:i]]
    for indicator in goals.indicators:
        kept[indicator.id] = [m for m in indicator.measurements if m.date <= goals.today][-1:]
    return kept


def _series(goals: core.Goals) -> dict[str, list[core.CheckIn] | list[core.Measurement]]:
    series: dict[str, list[core.CheckIn] | list[core.Measurement]] = {
        i.id: i.measurements for i in goals.indicators
    }
    series.update({kr.id: kr.check_ins for o in goals.objectives for kr in o.key_results})
    return series


def _without_series(goals: core.Goals) -> core.Goals:
    objectives = [
        dataclasses.replace(
            o, key_results=[dataclasses.replace(kr, check_ins=[]) for kr in o.key_results]
        )
        for o in goals.objectives
    ]
    indicators = [dataclasses.replace(i, measurements=[]) for i in goals.indicators]
    return dataclasses.replace(goals, objectives=objectives, indicators=indicators)


def assert_checks_read_the_same(organization: Organization) -> core.Goals:
    whole = organization_goals(organization, today=TODAY)
    latest = organization_goals(organization, today=TODAY, latest_only=True)

    assert _series(latest) == _ends(whole)
    assert _without_series(latest) == _without_series(whole)
    findings = run_checks(whole)
    assert run_checks(latest) == findings
    assert health_score(latest, run_checks(latest)) == health_score(whole, findings)
    return latest


def test_the_ends_of_tricky_series_are_kept_and_the_checks_find_the_same() -> None:
    organization = goals_import(goals=load(ENDS, filename="ends.yaml")).organization

    latest = assert_checks_read_the_same(organization)

    series = _series(latest)
    same_day = series["kr-same-day"]
    assert [(c.date, c.value) for c in same_day] == [  # type: ignore[union-attr]
        (dt.date(2026, 10, 20), Fraction("98.9")),
        (dt.date(2026, 10, 20), None),
    ]
    assert [c.date for c in series["kr-future"]] == [dt.date(2026, 10, 10)]
    assert [c.date for c in series["kr-closed"]] == [dt.date(2026, 9, 1)]  # the period's end
    assert [m.date for m in series["uptime"]] == [dt.date(2026, 10, 20)]
    assert series["nps"] == []
    assert series["kr-never"] == []
    done = {kr.id: kr.done for o in latest.objectives for kr in o.key_results}
    assert (done["kr-bool-done"], done["kr-bool-undone"], done["kr-closed"]) == (True, False, True)
    codes = {(f.code, f.object) for f in run_checks(latest)}
    assert ("HW006", "key_result:kr-future") in codes  # 36 days since the check-in up to today
    assert ("HW006", "indicator:uptime") in codes
    assert ("HW006", "indicator:nps") in codes


def test_a_rich_goals_file_reads_the_same_for_the_checks() -> None:
    text = (FIXTURES / "rich.yaml").read_text(encoding="utf-8")
    organization = goals_import(goals=load(text, filename="rich.yaml")).organization

    assert_checks_read_the_same(organization)


def test_the_demo_company_reads_the_same_for_the_checks() -> None:
    call_command("demo", today=TODAY, stdout=io.StringIO())

    latest = assert_checks_read_the_same(Organization.objects.get(slug=SLUG))

    assert sum(len(s) for s in _series(latest).values()) > 100  # it has series to cut
