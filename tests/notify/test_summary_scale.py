"""The current week's summary page reads stored rows, not the organization: it says what the full
evaluation says for the same data, never evaluates or checks the organization, costs the same
number of queries however large the organization and the scope grow, and shows nobody what they
may not see."""

from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from tests.conftest import Company, health_checked, signed_in
from tests.factories import PeriodFactory
from tests.notify.conftest import MONDAY, Clock, MakeKeyResult

from headway.checkins.services import checkin_record
from headway.core import checks, evaluate
from headway.goals import services as goals
from headway.goals import snapshot
from headway.goals.models import KeyResult, Milestone, Objective
from headway.health.models import HealthFinding
from headway.indicators.services import indicator_create
from headway.notify import summary
from headway.org.models import Person, Unit
from headway.org.services import person_create

pytestmark = pytest.mark.django_db

OCTOBER = dt.date(2026, 10, 1)


def check_in(kr: KeyResult, value: int, day: dt.date, clock: Clock) -> None:
    clock.set(day, 11)
    checkin_record(key_result=kr, value=Decimal(value), confidence=7, author=kr.owner, date=day)


def current_week(person: Person) -> summary.WeeklySummary:
    """The summary the page shows for the current week (from the stored rows)."""
    return summary.summary_for_page(person=person, week=None)


def evaluated_week(person: Person, now: dt.datetime) -> summary.WeeklySummary:
    """The same week from the organization's full evaluation and checks, as before."""
    week = summary.organization_week(person.organization, now.date())
    return summary.weekly_summary(person=person, day=now.date(), until=now, week=week)


def _ten_places(value: Decimal | None) -> Decimal | None:
    """Progress as stored: the evaluation's exact number has more digits than the column."""
    return None if value is None else value.quantize(Decimal("1e-10"))


def facts_of(week: summary.WeeklySummary) -> dict[str, Any]:
    return {
        "objectives": [
            (row.objective.pk, row.status, _ten_places(row.progress), row.expected)
            for row in week.objectives
        ],
        "key_results": week.key_result_count,
        "changes": [(c.title, c.before, c.after, c.times, c.url) for c in week.changes],
        "stale_days": week.stale_days,
        "stale": [
            (row.key_result.pk, row.owner, row.last, row.days, row.url, row.objective_title)
            for row in week.stale
        ],
        "stale_people": [(row.person, row.count) for row in week.stale_people],
        "findings": [
            (item.finding.code, item.severity, item.finding.message, item.finding.hint, item.url)
            for item in week.findings
        ],
        "findings_total": week.findings_total,
    }


def _team_member(company: Company, n: int, unit: Unit, manager: Person | None) -> Person:
    return person_create(
        organization=company.org, name=f"Person {n}", email=f"p{n}@acme.test", unit=unit,
        manager=manager,
    )  # fmt: skip


def _goals_of(company: Company, clock: Clock, person: Person, n: int) -> None:
    """An objective of two key results (one checked in, one stale and with no target: findings
    of its own), a KRA and a KPI of the person's."""
    clock.set(OCTOBER, 8)
    objective = goals.objective_create(
        organization=company.org, title=f"Objective {n}", owner=person, period=company.quarter
    )
    moved = goals.key_result_create(
        objective=objective, title=f"Close {n} deals", owner=person,
        start=Decimal(0), target=Decimal(10),
    )  # fmt: skip
    goals.key_result_create(objective=objective, title=f"Improve thing {n}", owner=person)
    goals.result_area_create(
        organization=company.org, name=f"Area {n}", owner=person, scope_person=person
    )
    indicator_create(
        organization=company.org, name=f"KPI {n}", owner=person, scope_person=person,
        unit_label="deals",
    )  # fmt: skip
    check_in(moved, 1, MONDAY - dt.timedelta(days=1), clock)


@pytest.fixture
def quarter(company: Company, clock: Clock, make_key_result: MakeKeyResult) -> dict[str, Any]:
    """Sales' quarter with every kind of objective, key result and finding the summary reads:
    behind and on pace, in a period closed early (graded), rolled up from aligned objectives,
    with no key results; yes/no key results answered yes and no, milestones, a due date before
    the period's end, stale and fresh; KRAs and a KPI of the scope, owners with too many
    objectives; and an outsider's goals with findings of their own."""
    org = company.org
    org.settings = {"health": {"max_objectives_per_owner": 2}}
    org.save()
    clock.set(OCTOBER, 8)
    half = PeriodFactory(
        organization=org, name="2026-H2", start=dt.date(2026, 7, 1), end=dt.date(2026, 12, 31)
    )
    deals = make_key_result(company.member, "Close 10 deals", objective_title="Win the north")
    partners = make_key_result(
        company.colleague, "Sign 5 partners", target=Decimal(5), objective_title="Grow channels"
    )
    due = make_key_result(
        company.member, "Hire 4 reps", target=Decimal(4), due=dt.date(2026, 11, 10),
        objective_title="Build the team",
    )  # fmt: skip
    signed = make_key_result(
        company.member, "Sign the lease", kind="boolean", start=None, target=None,
        objective_title="Open the Lisbon office",
    )  # fmt: skip
    opened = goals.key_result_create(
        objective=signed.objective, title="Open the doors", owner=company.member,
        kind="boolean", start=None, target=None,
    )  # fmt: skip
    steps = make_key_result(
        company.colleague, "Roll out the CRM", kind="milestones", start=None, target=None,
        progress_source="milestones", objective_title="Tidy the pipeline",
    )  # fmt: skip
    for title, done in (("Pick a vendor", True), ("Migrate", False)):
        goals.milestone_save(milestone=Milestone(key_result=steps, title=title, done=done))
    make_key_result(company.member, "Reach 30% share", target=None, confidence_start=5)
    make_key_result(company.colleague, "Launch the new website", confidence_start=5)
    goals.objective_create(
        organization=org, title="Think about culture", owner=company.member, period=company.quarter
    )
    parent = goals.objective_create(
        organization=org, title="Grow Sales", owner=company.leader, period=company.quarter,
        scope_unit=company.sales, rollup=Objective.Rollup.CHILDREN,
    )  # fmt: skip
    platform = goals.objective_create(
        organization=org, title="Ship the platform", owner=company.colleague, period=half
    )
    customers = goals.key_result_create(
        objective=platform, title="Reach 40 customers", owner=company.colleague,
        start=Decimal(0), target=Decimal(40),
    )  # fmt: skip
    for area_name, unit, weight in (("Revenue", company.sales, 30), ("Hiring", company.emea, None)):
        goals.result_area_create(
            organization=org, name=area_name, owner=company.leader, scope_unit=unit,
            weight=None if weight is None else Decimal(weight),
        )  # fmt: skip
    indicator_create(
        organization=org, name="Win rate", owner=company.member, scope_unit=company.emea,
        unit_label="%",
    )  # fmt: skip
    make_key_result(company.outsider, "Outsider's own thing", target=None)
    goals.result_area_create(
        organization=org, name="Outsider's area", owner=company.outsider, scope_unit=company.support
    )

    check_in(customers, 10, dt.date(2026, 10, 15), clock)
    check_in(partners, 1, dt.date(2026, 10, 20), clock)
    check_in(signed, 1, dt.date(2026, 10, 5), clock)  # answered yes: done, never stale
    check_in(opened, 0, dt.date(2026, 10, 5), clock)  # answered no: stale
    check_in(due, 1, MONDAY - dt.timedelta(days=20), clock)
    check_in(deals, 0, dt.date(2026, 11, 1), clock)
    check_in(deals, 5, MONDAY - dt.timedelta(days=9), clock)
    check_in(deals, 1, MONDAY - dt.timedelta(days=1), clock)
    clock.set(MONDAY - dt.timedelta(days=1), 12)
    goals.alignment_create(child=deals.objective, parent_objective=parent, weight=Decimal(2))
    goals.alignment_create(child=partners.objective, parent_objective=parent)
    goals.period_close(period=half)  # closed early: its objectives are graded, not paced
    clock.set(MONDAY, 9, 20)
    health_checked(org)
    return {"deals": deals, "parent": parent, "platform": platform}


@pytest.fixture(params=["listed", "matched"])
def scope_size(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """A scope small enough to name its rows by ids (index lookups), and, by making the limit
    one, one too large for that (matched by subqueries): both must say the same."""
    if request.param == "matched":
        monkeypatch.setattr(summary, "IDS_IN_QUERY", 1)
        monkeypatch.setattr(summary, "LISTED", 0)
    return str(request.param)


# -- the same as the full evaluation ------------------------------------------------------------
def test_the_current_week_says_what_the_full_evaluation_says(
    company: Company, clock: Clock, quarter: dict[str, Any], scope_size: str
) -> None:
    # when
    stored = current_week(company.leader)
    evaluated = evaluated_week(company.leader, clock.now)

    # then: the same facts, and the same words in the email and the notification
    assert facts_of(stored) == facts_of(evaluated)
    assert stored.body() == evaluated.body()
    assert stored.items() == evaluated.items()
    # and the data has every case in it: statuses computed each way, every kind of finding
    rows = {row.objective.title: row for row in stored.objectives}
    assert rows["Win the north"].status == "off_track"
    assert rows["Ship the platform"].status == "red"  # graded: its period was closed early
    assert rows["Grow Sales"].status == "off_track"  # from its aligned objectives
    assert rows["Grow Sales"].progress == Decimal("0.1333333333")  # (2 × 0.1 + 0.2) / 3
    assert rows["Think about culture"].status == "no_data"
    assert rows["Build the team"].expected == Decimal(47) / Decimal(92)  # the period's, not due
    stale = [row.key_result.title for row in stored.stale]
    assert "Open the doors" in stale
    assert "Sign the lease" not in stale
    assert "Roll out the CRM" not in stale
    assert stored.findings_total > summary.FINDINGS_LIMIT
    codes = {item.finding.code for item in stored.findings}
    assert {"HW004"} <= codes
    assert "Outsider" not in " ".join(item.finding.message for item in stored.findings)


def test_every_finding_of_the_scope_is_the_evaluations_in_its_order(
    company: Company,
    clock: Clock,
    quarter: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    scope_size: str,
) -> None:
    # given: every finding shown, not only the top; stored in the reverse of the checks' order
    # (a refresh adds only what is new, so the order rows were stored in says nothing)
    monkeypatch.setattr(summary, "FINDINGS_LIMIT", 1000)
    stored_rows = list(HealthFinding.objects.filter(organization=company.org).order_by("-pk"))
    HealthFinding.objects.filter(organization=company.org).delete()
    for row in stored_rows:
        row.pk = None
    HealthFinding.objects.bulk_create(stored_rows)

    # when
    stored = current_week(company.leader)
    evaluated = evaluated_week(company.leader, clock.now)

    # then: findings of objectives, key results, KRAs, KPIs, people and scopes, in one order
    assert facts_of(stored)["findings"] == facts_of(evaluated)["findings"]
    objects = {item.finding.object.split(":")[0] for item in stored.findings}
    assert objects == {"objective", "key_result", "result_area", "indicator", "person", "scope"}
    owners = [item for item in stored.findings if item.finding.code == "HW013"]
    assert len(owners) >= 2  # several owners with too many objectives: ordered like the checks
    scopes = [item for item in stored.findings if item.finding.object.startswith("scope:")]
    assert len(scopes) >= 2
    assert all(item.url for item in stored.findings if "key_result:" not in item.finding.object)


# -- what it never does -------------------------------------------------------------------------
def _forbid(monkeypatch: pytest.MonkeyPatch, *functions: Any) -> None:
    """Make these functions raise wherever they were imported."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the current week's page read the whole organization")

    for module in list(sys.modules.values()):
        if not getattr(module, "__name__", "").startswith("headway"):
            continue
        for function in functions:
            if getattr(module, function.__name__, None) is function:
                monkeypatch.setattr(module, function.__name__, refuse)


def test_the_page_never_evaluates_or_checks_the_organization(
    company: Company, clock: Clock, quarter: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # given
    _forbid(monkeypatch, snapshot.organization_goals, evaluate.evaluate, checks.run_checks)

    # when
    client = signed_in(company.leader)
    response = client.get("/summary/")

    # then
    assert response.status_code == 200
    page = response.content.decode()
    assert "Win the north" in page
    assert "Open the doors" in page  # stale
    assert "Top health findings" in page
    assert "HW004" in page
    with pytest.raises(AssertionError, match="whole organization"):
        summary.organization_week(company.org, MONDAY)  # the forbidding works


# -- what it costs ------------------------------------------------------------------------------
def _page_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/summary/")
    assert response.status_code == 200
    return len(captured.captured_queries)


PAGE_QUERIES = 17  # the session, the user, the person, the bell; the summary's own 13


def test_the_pages_queries_grow_neither_with_the_organization_nor_with_the_scope(
    company: Company,
    clock: Clock,
    quarter: dict[str, Any],
    django_assert_max_num_queries: Any,
) -> None:
    # given: what the page costs for Sales' quarter
    client = signed_in(company.leader)
    client.get("/summary/")  # signed in for good: the session is written once
    before = _page_queries(client)
    objectives = len(current_week(company.leader).objectives)

    # when: the organization grows outside the leader's scope, findings and all
    for n in range(40):
        person = _team_member(company, n, company.support, company.outsider)
        _goals_of(company, clock, person, n)
    clock.set(MONDAY, 9, 20)
    health_checked(company.org)

    # then
    with django_assert_max_num_queries(PAGE_QUERIES):
        client.get("/summary/")
    assert _page_queries(client) == before == PAGE_QUERIES
    assert len(current_week(company.leader).objectives) == objectives

    # when: the scope grows
    for n in range(40, 60):
        person = _team_member(company, n, company.emea, company.leader)
        _goals_of(company, clock, person, n)
    clock.set(MONDAY, 9, 20)
    health_checked(company.org)

    # then
    with django_assert_max_num_queries(PAGE_QUERIES):
        client.get("/summary/")
    assert _page_queries(client) == PAGE_QUERIES
    week = current_week(company.leader)
    assert len(week.objectives) == objectives + 20
    assert facts_of(week) == facts_of(evaluated_week(company.leader, clock.now))


# -- what nobody may read -----------------------------------------------------------------------
@pytest.mark.parametrize(("visibility", "seen"), [("private", False), ("public", True)])
def test_a_private_objective_and_its_findings_never_appear(
    company: Company, clock: Clock, visibility: str, seen: bool, scope_size: str
) -> None:
    # given: the outsider's objective for Sales EMEA (the leader's unit), with one key result of
    # their own worded without a number (findings on both); and Mia's own key result under it
    clock.set(OCTOBER, 8)
    secret = goals.objective_create(
        organization=company.org, title="Secret EMEA reorganisation", owner=company.outsider,
        period=company.quarter, scope_unit=company.emea, visibility=visibility,
    )  # fmt: skip
    goals.key_result_create(objective=secret, title="Restructure quietly", owner=company.outsider)
    hire = goals.key_result_create(
        objective=secret, title="Hire 3 managers", owner=company.member,
        start=Decimal(0), target=Decimal(3),
    )  # fmt: skip
    check_in(hire, 1, MONDAY - dt.timedelta(days=2), clock)
    clock.set(MONDAY, 9, 20)
    health_checked(company.org)
    assert any(
        "Secret EMEA reorganisation" in (finding.message + finding.hint)
        for finding in summary.organization_week(company.org, MONDAY).findings
    )

    # when
    week = current_week(company.leader)
    page = signed_in(company.leader).get("/summary/").content.decode()

    # then
    shown = page + week.body() + str(week.items())
    shown += " ".join(item.finding.message + item.finding.hint for item in week.findings)
    assert ("Secret EMEA reorganisation" in shown) is seen
    assert ("Restructure quietly" in shown) is seen
    assert (f"/objectives/{secret.pk}/" in shown) is seen
    assert "Hire 3 managers" in page  # Mia's own: hers to show her manager
    assert facts_of(week) == facts_of(evaluated_week(company.leader, clock.now))
