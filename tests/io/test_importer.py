"""Importing a goals file: all or nothing, matched on keys, idempotent, audited as the import."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from tests.conftest import TODAY, Company

from headway.audit.models import AuditEvent
from headway.checkins.models import CheckIn
from headway.core import model as core
from headway.goals.models import Alignment, KeyResult, Milestone, Objective, ResultArea
from headway.indicators.models import Indicator, Measurement
from headway.io.goalsfile import load
from headway.io.importer import GoalsImportError, ImportResult, goals_import
from headway.org.models import Organization, Period, Person, Unit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]
FIXTURES = Path(__file__).parent / "fixtures"
ROW_MODELS = (Organization, Unit, Person, Period, ResultArea, Indicator, Measurement, Objective,
              KeyResult, Alignment, Milestone, CheckIn, AuditEvent)  # fmt: skip


def fixture(name: str) -> core.Goals:
    return load((FIXTURES / name).read_text(encoding="utf-8"), filename=name)


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in ROW_MODELS}


def totals(result: ImportResult) -> tuple[int, int, int]:
    counts = result.counts.values()
    return (
        sum(c.created for c in counts),
        sum(c.updated for c in counts),
        sum(c.unchanged for c in counts),
    )


def key_result(goals: core.Goals, key: str) -> core.KeyResult:
    return next(kr for o in goals.objectives for kr in o.key_results if kr.id == key)


# -- a first import -------------------------------------------------------------------------------
def test_it_imports_the_design_example() -> None:
    result = goals_import(goals=fixture("acme.yaml"))

    org = Organization.objects.get(slug="acme")
    assert result.organization == org
    assert result.organization_created
    assert result.counts["key_results"].created == 3
    assert result.counts["check_ins"].created == 1
    nps = KeyResult.objects.get(organization=org, key="kr-nps")
    assert (nps.start, nps.target, nps.unit_label) == (Decimal(45), Decimal(60), "points")
    assert nps.owner.email == "ana@acme.test"  # type: ignore[union-attr]
    assert nps.current == Decimal(48)
    assert nps.progress == Decimal("0.2")
    churn = KeyResult.objects.get(organization=org, key="kr-churn")
    assert churn.direction == KeyResult.Direction.DECREASE  # inferred, then kept explicit
    support = Unit.objects.get(organization=org, name="Support")
    assert support.head is not None
    assert support.head.email == "ana@acme.test"
    measurement = Measurement.objects.get(indicator__key="nps")
    assert (measurement.value, measurement.source) == (Decimal(48), "import")


def test_it_imports_every_kind_of_the_rich_file() -> None:
    goals_import(goals=fixture("rich.yaml"))

    org = Organization.objects.get(slug="globex")
    assert (org.name, org.fiscal_year_start_month) == ("Globex", 4)
    year, q3, q4 = (
        Period.objects.get(organization=org, name=n) for n in ("2026", "2026-Q3", "2026-Q4")
    )
    assert (year.kind, q3.kind, q3.state, q3.parent) == ("year", "quarter", "closed", year)
    assert (q4.state, q4.parent) == ("active", year)
    bo = Person.objects.get(organization=org, email="bo@globex.test")
    assert bo.manager is not None
    assert bo.manager.email == "dee@globex.test"
    assert bo.manager_path == f"/{bo.manager.pk}/"
    sales = Unit.objects.get(organization=org, name="Sales")
    assert sales.path == f"{sales.parent.path}{sales.pk}/"  # type: ignore[union-attr]
    refunds = KeyResult.objects.get(organization=org, key="kr-refunds")
    assert refunds.state == KeyResult.State.CANCELLED
    docs = KeyResult.objects.get(organization=org, key="kr-docs")
    assert [m.title for m in docs.milestones.order_by("id")] == [
        "Draft the answers", "Review with the agents", "Publish",
    ]  # fmt: skip
    assert docs.progress == Decimal("0.5")  # 2 of 4 weight done
    links = Alignment.objects.filter(child__key="o-support").order_by("id")
    assert [(a.parent_objective_id is not None, a.weight) for a in links] == [
        (True, Decimal(1)), (False, Decimal(1)),
    ]  # fmt: skip
    sales_kra = ResultArea.objects.get(organization=org, key="kra-sales")
    assert sales_kra.parent is not None
    assert sales_kra.parent.key == "kra-growth"
    # The file's history, not the moment of the import: no change of the parent to drift from.
    assert sales_kra.parent.definition_changed_at is None


def test_the_audit_trail_names_the_import() -> None:
    goals_import(goals=fixture("acme.yaml"), actor_label="import of acme.yaml by ci")

    events = AuditEvent.objects.all()
    assert events.count() > 0
    assert set(events.values_list("actor_label", flat=True)) == {"import of acme.yaml by ci"}
    assert set(events.values_list("object_type", flat=True)) >= {
        "resultarea", "indicator", "measurement", "objective", "keyresult", "checkin",
    }  # fmt: skip


# -- idempotence -------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["acme.yaml", "rich.yaml"])
def test_importing_the_same_file_again_changes_nothing(name: str) -> None:
    first = goals_import(goals=fixture(name))
    before = row_counts()

    again = goals_import(goals=fixture(name))

    assert again.changed == 0
    created, updated, unchanged = totals(again)
    assert (created, updated) == (0, 0)
    assert unchanged == sum(totals(first))
    assert row_counts() == before


def test_a_changed_file_changes_only_what_changed() -> None:
    goals_import(goals=fixture("acme.yaml"))
    events = AuditEvent.objects.count()
    goals = fixture("acme.yaml")
    nps = key_result(goals, "kr-nps")
    nps.title = "Increase NPS from 45 to 65"
    nps.target = Fraction(65)
    nps.check_ins.append(core.CheckIn(dt.date(2026, 11, 1), Fraction(52), 7))
    indicator = goals.indicators[0]
    indicator.measurements = [core.Measurement(dt.date(2026, 10, 31), Fraction(49))]

    result = goals_import(goals=goals)

    assert result.counts["key_results"].updated == 1
    assert result.counts["key_results"].unchanged == 2
    assert result.counts["check_ins"].created == 1
    assert result.counts["check_ins"].unchanged == 1
    assert result.counts["measurements"].updated == 1
    kr = KeyResult.objects.get(key="kr-nps")
    assert (kr.target, kr.current) == (Decimal(65), Decimal(52))
    assert Measurement.objects.get().value == Decimal(49)
    # one update of the KR, one check-in, one replaced measurement
    assert AuditEvent.objects.count() == events + 3


def test_an_identical_check_in_twice_is_kept_twice_and_matched_once_each() -> None:
    goals = fixture("acme.yaml")
    nps = key_result(goals, "kr-nps")
    nps.check_ins.append(nps.check_ins[0])
    goals_import(goals=goals)

    again = goals_import(goals=goals)

    assert CheckIn.objects.filter(key_result__key="kr-nps").count() == 2
    assert again.counts["check_ins"].unchanged == 2


# -- all or nothing ------------------------------------------------------------------------------------
def test_it_reports_every_problem_and_writes_nothing() -> None:
    # given: a valid file with two bad items in the middle
    goals = fixture("rich.yaml")
    key_result(goals, "kr-mrr").indicator = "arr"
    goals.people[2] = replace(goals.people[2], manager="ghost@globex.test")
    before = row_counts()

    # when
    with pytest.raises(GoalsImportError) as caught:
        goals_import(goals=goals)

    # then
    problems = {(p.object, p.message) for p in caught.value.problems}
    assert problems == {
        ("key_result:kr-mrr", 'unknown indicator "arr"'),
        ("person:cy@globex.test", 'unknown person "ghost@globex.test"'),
    }
    assert 'key result "kr-mrr": unknown indicator "arr"' in str(caught.value)
    assert row_counts() == before


def test_what_the_services_refuse_is_reported_with_its_object() -> None:
    goals = fixture("acme.yaml")
    key_result(goals, "kr-resp").title = "Cut response time " * 20  # longer than 300 characters
    before = row_counts()

    with pytest.raises(GoalsImportError) as caught:
        goals_import(goals=goals)

    [problem] = caught.value.problems
    assert problem.object == "key_result:kr-resp"
    assert "at most 300 characters" in problem.message
    assert row_counts() == before


def test_a_number_the_database_cannot_keep_exactly_is_refused() -> None:
    goals = fixture("acme.yaml")
    key_result(goals, "kr-churn").weight = Fraction(1, 3)

    with pytest.raises(GoalsImportError) as caught:
        goals_import(goals=goals)

    assert [p.object for p in caught.value.problems] == ["key_result:kr-churn"]
    assert "cannot be stored exactly" in caught.value.problems[0].message
    assert not Organization.objects.exists()


def test_dependents_of_a_refused_object_are_not_reported_twice() -> None:
    goals = fixture("rich.yaml")
    goals.objectives[0].period = "2027-Q1"  # o-grow: its key results cannot be stored either

    with pytest.raises(GoalsImportError) as caught:
        goals_import(goals=goals)

    assert [p.object for p in caught.value.problems] == ["objective:o-grow"]


def test_managers_that_report_to_each_other_are_refused() -> None:
    goals = fixture("rich.yaml")
    goals.people[0] = replace(goals.people[0], manager="cy@globex.test")  # dee ↔ cy

    with pytest.raises(GoalsImportError) as caught:
        goals_import(goals=goals)

    assert {(p.object, p.message) for p in caught.value.problems} == {
        ("person:dee@globex.test", "the managers form a cycle"),
        ("person:cy@globex.test", "the managers form a cycle"),
    }


def test_a_huge_number_is_refused_not_rounded() -> None:
    goals = fixture("acme.yaml")
    key_result(goals, "kr-nps").target = Fraction(10**30)

    with pytest.raises(GoalsImportError, match="too large to store"):
        goals_import(goals=goals)


def test_moving_units_and_people_keeps_their_paths_right() -> None:
    # given
    goals_import(goals=fixture("rich.yaml"))
    goals = fixture("rich.yaml")
    goals.units[2] = replace(goals.units[2], parent="Sales")  # Support moves under Sales
    goals.people[2] = replace(goals.people[2], manager="bo@globex.test")  # cy reports to bo

    # when
    result = goals_import(goals=goals)

    # then
    assert (result.counts["units"].updated, result.counts["people"].updated) == (1, 1)
    globex, sales, support = (Unit.objects.get(name=n) for n in ("Globex", "Sales", "Support"))
    assert support.path == f"/{globex.pk}/{sales.pk}/{support.pk}/"
    dee, bo, cy = (Person.objects.get(email=f"{n}@globex.test") for n in ("dee", "bo", "cy"))
    assert cy.manager_path == f"/{dee.pk}/{bo.pk}/"


# -- matching an existing organization ----------------------------------------------------------------
def test_it_imports_into_an_existing_organization_by_its_keys(
    company: Company, other_company: Company
) -> None:
    # given: a file naming people, units and a period the organization already has
    text = """
organization: {name: Acme, slug: acme}
today: 2026-11-15
periods: [{name: 2026-Q4, start: 2026-10-01, end: 2026-12-31}]
objectives:
  - id: o-sell
    title: Sell in EMEA
    period: 2026-Q4
    scope: unit:Sales EMEA
    owner: Member@Acme.test
    key_results:
      - {id: kr-deals, title: Win 10 deals, start: 0, target: 10, owner: leader@acme.test}
"""
    others = row_counts()

    # when
    result = goals_import(goals=load(text))

    # then
    assert not result.organization_created
    assert result.counts["periods"].unchanged == 1
    objective = Objective.objects.get(key="o-sell")
    assert objective.organization == company.org
    assert (objective.owner, objective.scope_unit) == (company.member, company.emea)
    assert KeyResult.objects.get(key="kr-deals").owner == company.leader
    assert Objective.objects.count() == others["Objective"] + 1
    assert not Objective.objects.filter(organization=other_company.org).exists()


def test_the_organization_option_chooses_where_to_import(other_company: Company) -> None:
    goals_import(goals=fixture("acme.yaml"), organization_slug="globex")

    assert Objective.objects.get(key="o-cx").organization == other_company.org
    assert not Organization.objects.filter(slug="acme").exists()


# -- what a file says that the database keeps its own way ---------------------------------------------
def test_a_key_result_with_no_owner_stays_without_one() -> None:
    goals = fixture("acme.yaml")
    key_result(goals, "kr-churn").owner = None

    goals_import(goals=goals)
    again = goals_import(goals=goals)

    assert KeyResult.objects.get(key="kr-churn").owner is None
    assert again.changed == 0


def test_a_yes_no_key_result_marked_done_is_kept_as_a_check_in_of_one() -> None:
    goals = fixture("rich.yaml")
    key_result(goals, "kr-soc").done = True

    goals_import(goals=goals)
    again = goals_import(goals=goals)

    soc = KeyResult.objects.get(key="kr-soc")
    [check_in] = soc.check_ins.all()
    assert (check_in.date, check_in.value) == (TODAY, Decimal(1))
    assert (soc.done, soc.progress) == (True, Decimal(1))
    assert again.changed == 0


def test_a_cancelled_key_result_keeps_the_check_ins_it_had() -> None:
    goals = fixture("rich.yaml")
    refunds = key_result(goals, "kr-refunds")
    refunds.check_ins = [core.CheckIn(dt.date(2026, 10, 20), Fraction(4), 5)]

    goals_import(goals=goals)
    again = goals_import(goals=goals)

    kr = KeyResult.objects.get(key="kr-refunds")
    assert kr.state == KeyResult.State.CANCELLED
    assert [c.value for c in kr.check_ins.all()] == [Decimal(4)]
    assert again.changed == 0


# -- the command ------------------------------------------------------------------------------------------
def test_the_import_command_prints_a_summary() -> None:
    out, err = io.StringIO(), io.StringIO()

    call_command("import", str(FIXTURES / "acme.yaml"), stdout=out, stderr=err)

    assert "imported into Acme [acme] (new organization)" in out.getvalue()
    assert "key results: 3 created, 0 updated, 0 unchanged" in out.getvalue()
    assert "objectives: 1" in err.getvalue()  # progress goes to stderr
    assert KeyResult.objects.count() == 3


def test_the_import_command_says_when_nothing_changed() -> None:
    call_command("import", str(FIXTURES / "acme.yaml"), stdout=io.StringIO())
    out = io.StringIO()

    call_command("import", str(FIXTURES / "acme.yaml"), stdout=out, verbosity=0)

    assert "key results: 0 created, 0 updated, 3 unchanged" in out.getvalue()
    assert "nothing changed" in out.getvalue()


def test_a_dry_run_validates_and_saves_nothing() -> None:
    out = io.StringIO()

    call_command("import", str(FIXTURES / "rich.yaml"), "--dry-run", stdout=out, verbosity=0)

    assert "would import into Globex [globex] (new organization)" in out.getvalue()
    assert "dry run: nothing was saved" in out.getvalue()
    assert all(count == 0 for count in row_counts().values())


def test_an_invalid_file_exits_with_code_2_and_every_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    text = (FIXTURES / "acme.yaml").read_text(encoding="utf-8")
    bad.write_text(text.replace("indicators:", "indicators:\n  - {id: x}"), encoding="utf-8")
    err = io.StringIO()

    with pytest.raises(CommandError) as caught:
        call_command("import", str(bad), stderr=err)

    assert caught.value.returncode == 2
    assert f'{bad}:12: indicators[0].name: "name" is required' in err.getvalue()
    assert '"scope" is required' in err.getvalue()
    assert not Organization.objects.exists()


def test_a_file_the_database_refuses_exits_with_code_2(tmp_path: Path) -> None:
    bad = tmp_path / "long.yaml"
    text = (FIXTURES / "acme.yaml").read_text(encoding="utf-8")
    long_title = "Improve average support response time " * 10
    bad.write_text(
        text.replace("Improve average support response time", long_title.strip()), "utf-8"
    )
    err = io.StringIO()

    with pytest.raises(CommandError) as caught:
        call_command("import", str(bad), stderr=err, verbosity=0)

    assert caught.value.returncode == 2
    assert 'key result "kr-resp": title:' in err.getvalue()
    assert "at most 300 characters" in err.getvalue()
    assert not Organization.objects.exists()


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="cannot read the file"):
        call_command("import", str(tmp_path / "nope.yaml"))
