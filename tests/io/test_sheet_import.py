"""Importing spreadsheets: every row checked first, all or nothing, matched on natural keys,
idempotent, within what the importing person may do, and never across tenants."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import models
from tests.conftest import Company

from headway.audit.models import AuditEvent
from headway.goals.models import Alignment, KeyResult, Objective, ResultArea
from headway.goals.services import objective_create, result_area_create
from headway.indicators.models import Indicator, Measurement, Target
from headway.io.sheet_import import SheetImportResult, sheet_export, sheet_import
from headway.io.sheets import KINDS, Table, read_sheet, write_csv, write_xlsx
from headway.org.models import Person, Unit
from headway.org.services import period_create, person_update

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]
ORDER = ["units", "people", "kras", "kpis", "measurements", "objectives", "key_results"]
TRACKED: tuple[type[models.Model], ...] = (
    Unit, Person, ResultArea, Indicator, Target, Measurement, Objective, KeyResult, Alignment,
)  # fmt: skip

SHEETS: dict[str, list[list[Any]]] = {
    "units": [
        ["path", "kind", "head"],
        ["Marketing/Brand", "team", ""],  # its parent comes on a later row
        ["Marketing", "department", "admin@acme.test"],
        ["Sales/Sales APAC", "", "leader@acme.test"],
    ],
    "people": [
        ["email", "name", "unit", "manager", "title", "role", "active"],
        ["bo@acme.test", "Bo Berg", "Sales EMEA", "ana@acme.test", "", "", ""],
        ["Ana@Acme.test", "Ana Diaz", "Sales/Sales EMEA", "leader@acme.test", "AE", "member", "yes"],
    ],
    "kras": [
        ["key", "name", "scope", "owner", "weight", "parent", "review_cadence_days", "state",
         "description"],
        ["kra-revenue", "Revenue growth", "unit:Sales", "leader@acme.test", Decimal(40),
         "kra-growth", "", "", "New business."],
        ["kra-growth", "Company growth", "org", "admin@acme.test", Decimal(100), "", 90,
         "active", ""],
    ],
    "kpis": [
        ["key", "name", "scope", "owner", "unit", "direction", "frequency", "aggregation",
         "leading", "kra", "red_below", "red_above", "tolerance", "description", "period",
         "target", "target_lower", "target_upper"],
        ["mrr", "Monthly recurring revenue", "unit:Sales", "leader@acme.test", "EUR", "up",
         "month", "last", "no", "kra-revenue", Decimal(90000), "", "", "", "2026-Q4",
         Decimal(120000), "", ""],
        ["mrr", "", "", "", "", "", "", "", "", "", "", "", "", "", "2027-Q1", Decimal(130000),
         "", ""],
        ["temp", "Office temperature", "org", "admin@acme.test", "°C", "range", "day", "mean",
         "yes", "", "", "", Decimal(2), "", "2026-Q4", "", Decimal(19), Decimal("23.5")],
    ],
    "measurements": [
        ["kpi", "date", "value", "note"],
        ["mrr", dt.date(2026, 10, 31), Decimal(104500), "billing"],
        ["mrr", dt.date(2026, 11, 30), Decimal("110000.25"), ""],
        ["temp", dt.date(2026, 11, 2), Decimal(-1), "freezing"],
    ],
    "objectives": [
        ["key", "title", "period", "scope", "owner", "kra", "visibility", "state", "rollup",
         "description", "aligns_to"],
        ["o-emea", "Grow EMEA into our largest region", "2026-Q4", "unit:Sales/Sales EMEA",
         "member@acme.test", "kra-revenue", "public", "", "", "", "o-growth"],
        ["o-growth", "Grow the company", "2026-Q4", "org", "admin@acme.test", "kra-growth", "",
         "", "both", "Why: =the long run", ""],
        ["o-private", "Learn Spanish", "2026-Q4", "person:member@acme.test", "member@acme.test",
         "", "private", "", "", "", ""],
    ],
    "key_results": [
        ["key", "objective", "title", "owner", "kind", "unit", "direction", "start", "target",
         "lower", "upper", "weight", "confidence", "source", "kpi", "due", "state"],
        ["kr-arr", "o-emea", "Grow EMEA ARR from 1.2M to 1.8M EUR", "", "currency", "EUR", "",
         Decimal(1200000), Decimal(1800000), "", "", "", 7, "", "", "", ""],
        ["kr-churn", "o-emea", "Reduce churn from 8% to 5%", "colleague@acme.test", "percent",
         "%", "", Decimal(8), Decimal(5), "", "", Decimal("0.5"), "", "", "", "", ""],
        ["kr-mrr", "o-growth", "Keep MRR at 120k EUR at least", "", "", "EUR", "at_least", "",
         Decimal(120000), "", "", Decimal(2), "", "indicator", "mrr", dt.date(2026, 12, 15), ""],
        ["kr-temp", "o-growth", "Keep the office between 19 and 23 degrees", "", "", "",
         "within", "", "", Decimal(19), Decimal(23), "", "", "", "", "", ""],
    ],
}  # fmt: skip


def sheet(rows: list[list[Any]], fmt: str = "csv", kind: str = "s") -> Table:
    """The rows as a person would upload them, through the real file reader."""
    columns, body = rows[0], rows[1:]
    data = write_xlsx(columns, body, sheet_name=kind) if fmt == "xlsx" else write_csv(columns, body)
    return read_sheet(data, filename=f"upload.{fmt}").table


def csv_sheet(text: str) -> Table:
    return read_sheet(text.encode(), filename="upload.csv").table


def run(
    company: Company,
    kind: str,
    rows: list[list[Any]] | Table,
    *,
    actor: Person | None = None,
    dry_run: bool = False,
    fmt: str = "csv",
) -> SheetImportResult:
    table = rows if isinstance(rows, Table) else sheet(rows, fmt, kind)
    return sheet_import(
        organization=company.org, kind=kind, rows=table, actor=actor, dry_run=dry_run
    )


def load_all(company: Company, fmt: str = "csv") -> None:
    period_create(
        organization=company.org, name="2027-Q1", start=dt.date(2027, 1, 1),
        end=dt.date(2027, 3, 31), state="planning",
    )  # fmt: skip
    for kind in ORDER:
        result = run(company, kind, SHEETS[kind], fmt=fmt)
        assert result.errors == [], kind
        assert result.applied


def state() -> dict[tuple[str, int], Any]:
    """Every tracked row's last change, and the audit trail's length."""
    seen: dict[tuple[str, int], Any] = {
        (model.__name__, pk): updated
        for model in TRACKED
        for pk, updated in model.objects.values_list("pk", "updated_at")  # type: ignore[attr-defined]
    }
    seen[("AuditEvent", 0)] = AuditEvent.objects.count()
    return seen


def exported(company: Company, kind: str, fmt: str, person: Person | None = None) -> Table:
    rows = sheet_export(organization=company.org, kind=kind, person=person)
    names = KINDS[kind].names
    data = write_xlsx(names, rows, sheet_name=kind) if fmt == "xlsx" else write_csv(names, rows)
    return read_sheet(data, filename=f"{kind}.{fmt}", kind=kind).table


def messages(result: SheetImportResult) -> list[tuple[int | None, str, str]]:
    return [(e.line, e.column, e.message) for e in result.errors]


# -- good files ----------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_every_kind_imports(company: Company, fmt: str) -> None:
    load_all(company, fmt)

    org = company.org
    brand = Unit.objects.get(organization=org, name="Brand")
    assert brand.parent is not None
    assert brand.parent.name == "Marketing"
    assert Unit.objects.get(organization=org, name="Sales APAC").head == company.leader
    bo = Person.objects.get(organization=org, email="bo@acme.test")
    assert (bo.manager.email, bo.unit, bo.role, bo.active) == (  # type: ignore[union-attr]
        "ana@acme.test", company.emea, "member", True,
    )  # fmt: skip
    revenue = ResultArea.objects.get(organization=org, key="kra-revenue")
    assert (revenue.scope_unit, revenue.weight, revenue.parent.key) == (  # type: ignore[union-attr]
        company.sales, Decimal(40), "kra-growth",
    )  # fmt: skip
    mrr = Indicator.objects.get(organization=org, key="mrr")
    assert (mrr.source, mrr.red_below, mrr.result_area) == ("import", Decimal(90000), revenue)
    assert sorted(t.value for t in Target.objects.filter(indicator=mrr)) == [120000, 130000]  # type: ignore[type-var]
    temp = Target.objects.get(indicator__key="temp")
    assert (temp.lower, temp.upper) == (Decimal(19), Decimal("23.5"))
    assert Measurement.objects.get(indicator=mrr, date=dt.date(2026, 11, 30)).value == Decimal(
        "110000.25"
    )
    assert Measurement.objects.get(indicator__key="temp").value == Decimal(-1)
    emea = Objective.objects.get(organization=org, key="o-emea")
    assert (emea.scope_unit, emea.owner, emea.state) == (company.emea, company.member, "active")
    assert Alignment.objects.get(child=emea).parent_objective.key == "o-growth"  # type: ignore[union-attr]
    assert Objective.objects.get(key="o-growth").description == "Why: =the long run"
    arr = KeyResult.objects.get(organization=org, key="kr-arr")
    assert (arr.owner, arr.direction, arr.confidence_start) == (company.member, "increase", 7)
    assert KeyResult.objects.get(key="kr-churn").direction == "decrease"  # inferred
    follows = KeyResult.objects.get(key="kr-mrr")
    assert (follows.indicator, follows.due, follows.weight) == (mrr, dt.date(2026, 12, 15), 2)


def test_the_command_line_import_is_named_in_the_audit_trail(company: Company) -> None:
    load_all(company)

    labels = set(AuditEvent.objects.filter(organization=company.org).values_list("actor_label", flat=True))  # fmt: skip
    assert labels == {"spreadsheet import"}


def test_a_dry_run_plans_and_writes_nothing(company: Company) -> None:
    before = state()

    result = run(company, "people", SHEETS["people"], dry_run=True)

    assert result.ok
    assert not result.applied
    assert [(r.line, r.action, r.what) for r in result.plan] == [
        (2, "create", "person bo@acme.test"),
        (3, "create", "person ana@acme.test"),
    ]
    assert state() == before


# -- bad rows ------------------------------------------------------------------------------------
def test_a_bad_row_in_the_middle_writes_nothing_and_is_named(company: Company) -> None:
    rows = [
        ["email", "name"],
        ["one@acme.test", "One"],
        ["not-an-email", "Two"],
        ["three@acme.test", "Three"],
    ]
    before = state()

    result = run(company, "people", rows)

    assert messages(result) == [(3, "email", '"not-an-email" is not an email address')]
    assert not result.applied
    assert state() == before
    assert not Person.objects.filter(email="one@acme.test").exists()


def test_every_bad_row_is_named_with_its_line_and_reason(company: Company) -> None:
    text = (
        "email,name,unit,manager,role\n"
        "a@acme.test,A,Nowhere,,\n"  # 2: unknown unit
        "b@acme.test,,Sales,,\n"  # 3: no name
        "c@acme.test,C,Sales,ghost@acme.test,\n"  # 4: unknown manager
        "ok@acme.test,OK,Sales,,\n"  # 5: fine
        "a@acme.test,A again,,,\n"  # 6: the same email as line 2
        "d@acme.test,D,Support/Sales EMEA,,chief\n"  # 7: two bad cells
        "e@acme.test,E,Support/Sales EMEA,,\n"  # 8: a unit path that does not match
    )

    result = run(company, "people", csv_sheet(text))

    assert messages(result) == [
        (2, "unit", 'unknown unit "Nowhere"'),
        (3, "name", "required: this cell is empty"),
        (4, "manager", 'unknown person "ghost@acme.test"'),
        (6, "", "this email is also on line 2"),
        (7, "role", '"chief" is not one of: admin, hr, leader, member, viewer'),
        (8, "unit", '"Support/Sales EMEA" does not match: the unit is at "Sales/Sales EMEA"'),
    ]
    assert result.bad_lines == 6
    assert not Person.objects.filter(email="ok@acme.test").exists()


def test_a_row_that_needs_a_bad_row_says_so(company: Company) -> None:
    text = "path,kind\nMarketing,galaxy\nMarketing/Brand,team\n"

    result = run(company, "units", csv_sheet(text))

    assert messages(result) == [
        (2, "kind", '"galaxy" is not one of: division, department, team, other'),
        (3, "path", 'unit "Marketing" is on line 2, which has an error'),
    ]


def test_what_the_services_refuse_is_named_on_its_line(company: Company) -> None:
    rows = [r[:] for r in SHEETS["kpis"]]
    rows[1][10] = Decimal(150000)  # red below 150k, above the 120k target
    period_create(
        organization=company.org, name="2027-Q1", start=dt.date(2027, 1, 1),
        end=dt.date(2027, 3, 31),
    )  # fmt: skip
    run(company, "kras", SHEETS["kras"])

    result = run(company, "kpis", rows)

    assert [(e.line, e.column) for e in result.errors] == [(2, "red_below")]
    assert "2026-Q4" in result.errors[0].message
    assert not Indicator.objects.exists()


def test_cycles_are_refused(company: Company) -> None:
    units = run(company, "units", csv_sheet("path\nA/B\nB/A\n"))
    kras = run(company, "kras", csv_sheet("key,name,scope,parent\nk1,K1,org,k2\nk2,K2,org,k1\n"))

    assert {(e.line, e.message) for e in units.errors} == {
        (2, "its parent units form a cycle"), (3, "its parent units form a cycle"),
    }  # fmt: skip
    assert {e.line for e in kras.errors} == {2, 3}


def test_the_header_is_checked_first(company: Company) -> None:
    result = run(company, "kras", csv_sheet("Key,Name,Colour,name\nk,K,red,K\n"))

    assert messages(result) == [
        (1, "name", 'the column "name" appears twice'),
        (1, "scope", 'the sheet has no "scope" column (required)'),
    ]
    assert result.warnings == [
        'The column "Colour" is not one Headway reads for KRAs; it is ignored.'
    ]


def test_headers_are_matched_loosely(company: Company) -> None:
    text = "E-mail,Full name,Unit path,Manager email,Job title\nz@acme.test,Zoe,Sales,admin@acme.test,CFO\n"  # fmt: skip

    result = run(company, "people", csv_sheet(text))

    assert result.ok
    zoe = Person.objects.get(email="z@acme.test")
    assert (zoe.name, zoe.unit, zoe.manager, zoe.job_title) == (
        "Zoe", company.sales, company.admin, "CFO",
    )  # fmt: skip


def test_a_kpi_defined_twice_differently_is_refused(company: Company) -> None:
    period_create(organization=company.org, name="2027-Q1", start=dt.date(2027, 1, 1), end=dt.date(2027, 3, 31))  # fmt: skip
    text = (
        "key,name,scope,period,target\n"
        "mrr,MRR,org,2026-Q4,10\n"
        "mrr,Other name,,2027-Q1,12\n"
        "mrr,,,2026-Q4,14\n"
        "mrr,,,2099-Q9,1\n"
        "mrr,,,,5\n"
    )

    result = run(company, "kpis", csv_sheet(text))

    assert messages(result) == [
        (3, "name", "differs from line 2, where this KPI is defined"),
    ]
    result = run(company, "kpis", csv_sheet(text.replace("Other name", "")))
    assert messages(result) == [
        (4, "period", "this KPI's target for 2026-Q4 is also on line 2"),
        (5, "period", 'unknown period "2099-Q9"'),
        (6, "period", "give the period this target is for"),
    ]


# -- idempotence ---------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_importing_the_same_files_again_changes_nothing(company: Company, fmt: str) -> None:
    load_all(company, fmt)
    before = state()

    for kind in ORDER:
        result = run(company, kind, SHEETS[kind], fmt=fmt)

        assert result.ok, kind
        assert {r.action for r in result.plan} == {"unchanged"}, kind
        assert result.count("unchanged") == len(SHEETS[kind]) - 1
    assert state() == before  # no audit row, no updated_at moved


@pytest.mark.parametrize("kind", ORDER)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_changes_nothing(company: Company, kind: str, fmt: str) -> None:
    load_all(company)
    before = state()

    table = exported(company, kind, fmt)
    result = run(company, kind, table)

    assert result.ok
    assert len(result.plan) == len(table.rows) > 0
    assert {r.action for r in result.plan} == {"unchanged"}
    assert state() == before


def test_an_export_of_objects_made_elsewhere_reads_back_unchanged(company: Company) -> None:
    area = result_area_create(
        organization=company.org, name="=cmd|' /C calc'!A0", owner=company.leader,
        scope_unit=company.sales, description="-5 users\nand a second line",
    )  # fmt: skip
    objective_create(
        organization=company.org, title="+ more", owner=None, period=None, result_area=area
    )
    before = state()

    for kind in ("kras", "objectives"):
        body = write_csv(KINDS[kind].names, sheet_export(organization=company.org, kind=kind, person=None))  # fmt: skip
        assert b"'=cmd" in body or b"'+ more" in body  # neutralised in the file
        result = run(company, kind, read_sheet(body, filename="x.csv").table)
        assert result.ok
        assert {r.action for r in result.plan} == {"unchanged"}
    assert state() == before
    assert ResultArea.objects.get(pk=area.pk).name == "=cmd|' /C calc'!A0"


# -- updates -------------------------------------------------------------------------------------
def test_changed_rows_are_updated_and_the_plan_names_the_columns(company: Company) -> None:
    load_all(company)
    rows = [r[:] for r in SHEETS["kras"]]
    rows[1][1], rows[1][4] = "Revenue", Decimal(50)

    result = run(company, "kras", rows, actor=company.admin)

    assert [(r.line, r.action, r.changes) for r in result.plan] == [
        (2, "update", ["name", "weight"]),
        (3, "unchanged", []),
    ]
    event = AuditEvent.objects.filter(object_type="resultarea").latest("id")
    assert (event.actor, event.changes["weight"]) == (company.admin, ["40", "50"])


def test_a_new_value_for_a_measured_date_replaces_it(company: Company) -> None:
    load_all(company)
    text = "kpi,date,value\nmrr,2026-10-31,104500\nmrr,2026-10-31,1\nmrr,2026-11-30,111000\n"

    result = run(company, "measurements", csv_sheet(text))
    assert messages(result) == [(3, "date", "this KPI and date are also on line 2")]

    result = run(company, "measurements", csv_sheet(text.replace("mrr,2026-10-31,1\n", "")))
    assert [(r.line, r.action) for r in result.plan] == [(2, "unchanged"), (3, "update")]
    measured = Measurement.objects.get(indicator__key="mrr", date=dt.date(2026, 11, 30))
    assert (measured.value, measured.note) == (Decimal(111000), "")  # the note column is absent


def test_a_column_left_out_leaves_that_field_alone(company: Company) -> None:
    load_all(company)

    result = run(company, "people", csv_sheet("email,name\nana@acme.test,Ana Diaz\n"))

    assert [r.action for r in result.plan] == ["unchanged"]
    ana = Person.objects.get(email="ana@acme.test")
    assert (ana.job_title, ana.unit) == ("AE", company.emea)


def test_a_unit_moves_when_its_path_says_so(company: Company) -> None:
    result = run(company, "units", csv_sheet("path\nSupport/Sales EMEA\n"))

    assert [(r.action, r.changes) for r in result.plan] == [("update", ["path"])]
    company.emea.refresh_from_db()
    assert company.emea.parent == company.support


# -- who may import what --------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ORDER)
def test_a_viewer_may_not_import(company: Company, kind: str) -> None:
    result = run(company, kind, SHEETS[kind], actor=company.viewer)

    assert messages(result) == [(None, "", "Viewers may export but not import.")]


@pytest.mark.parametrize("kind", ["people", "units"])
def test_only_admins_and_hr_import_people_and_units(company: Company, kind: str) -> None:
    for persona in (company.member, company.leader):
        result = run(company, kind, SHEETS[kind], actor=persona)
        assert result.errors[0].message.startswith("Only admins and HR may import")
    assert run(company, kind, SHEETS[kind], actor=company.hr, dry_run=True).ok


def test_hr_may_not_make_anyone_an_admin_or_change_an_admin(company: Company) -> None:
    roles = (
        "email,name,role\n"
        "member@acme.test,Mia Member,admin\n"
        "admin@acme.test,Ada Admin,member\n"
        "new@acme.test,New,admin\n"
    )
    deactivate = "email,name,active\nadmin@acme.test,Ada Admin,no\n"

    assert messages(run(company, "people", csv_sheet(roles), actor=company.hr)) == [
        (2, "role", "only an admin may give the admin role"),
        (3, "role", "only an admin may change an admin's role"),
        (4, "role", "only an admin may give the admin role"),
    ]
    assert messages(run(company, "people", csv_sheet(deactivate), actor=company.hr)) == [
        (2, "active", "only an admin may deactivate an admin"),
    ]
    assert run(company, "people", csv_sheet(roles), actor=company.admin).ok
    assert Person.objects.get(email="new@acme.test").role == "admin"


def test_each_row_is_checked_against_what_the_person_may_change(company: Company) -> None:
    load_all(company)
    text = (
        "key,name,scope,owner\n"
        "kra-mine,Mine,person:member@acme.test,member@acme.test\n"  # their own scope
        "kra-org,Org wide,org,member@acme.test\n"  # only admins
        "kra-growth,Company growth renamed,org,admin@acme.test\n"  # the admin's KRA
        "kra-team,Team,unit:Sales/Sales EMEA,member@acme.test\n"  # their own unit
    )

    result = run(company, "kras", csv_sheet(text), actor=company.member)

    assert messages(result) == [
        (3, "scope", "you may not add KRAs to this scope"),
        (4, "", 'you may not change the KRA "kra-growth"'),
    ]
    assert run(company, "kras", csv_sheet(text), actor=company.admin).ok


def test_a_member_may_not_record_values_of_someone_elses_kpi(company: Company) -> None:
    load_all(company)
    text = "kpi,date,value\nmrr,2026-11-01,1\n"

    result = run(company, "measurements", csv_sheet(text), actor=company.member)

    assert messages(result) == [(2, "kpi", 'you may not record values of the KPI "mrr"')]
    assert run(company, "measurements", csv_sheet(text), actor=company.leader).ok


def test_objectives_one_cannot_see_are_neither_changed_nor_aligned_to(company: Company) -> None:
    load_all(company)
    change = "key,title,scope\no-private,Learn French,person:member@acme.test\n"
    align = "key,title,scope,aligns_to\no-mine,Mine,person:colleague@acme.test,o-private\n"

    changed = run(company, "objectives", csv_sheet(change), actor=company.colleague)
    aligned = run(company, "objectives", csv_sheet(align), actor=company.colleague)

    assert messages(changed) == [(2, "", 'you may not change the objective "o-private"')]
    assert messages(aligned) == [(2, "aligns_to", 'unknown objective "o-private"')]
    key_results = "key,objective,title\nkr-x,o-private,Say hola\n"
    result = run(company, "key_results", csv_sheet(key_results), actor=company.colleague)
    assert messages(result) == [(2, "objective", 'unknown objective "o-private"')]


def test_a_member_adds_key_results_to_their_own_objective(company: Company) -> None:
    load_all(company)
    text = "key,objective,title,start,target\nkr-new,o-private,Read 3 books,0,3\n"

    result = run(company, "key_results", csv_sheet(text), actor=company.member)

    assert result.applied
    created = KeyResult.objects.get(key="kr-new")
    assert created.owner == company.member
    assert AuditEvent.objects.filter(object_type="keyresult", object_id=created.pk).get().actor == company.member  # fmt: skip


# -- tenants -------------------------------------------------------------------------------------
def test_another_tenants_keys_and_people_are_never_matched(
    company: Company, other_company: Company
) -> None:
    theirs = result_area_create(
        organization=other_company.org, name="Theirs", owner=other_company.admin, key="kra-growth"
    )
    events = AuditEvent.objects.filter(organization=other_company.org).count()
    text = (
        "key,name,scope,owner\nkra-growth,Ours,org,admin@acme.test\nkra-x,X,org,admin@globex.test\n"
    )

    result = run(company, "kras", csv_sheet(text))
    assert messages(result) == [(3, "owner", 'unknown person "admin@globex.test"')]

    result = run(company, "kras", csv_sheet(text.replace("admin@globex.test", "admin@acme.test")))
    assert [r.action for r in result.plan] == ["create", "create"]
    theirs.refresh_from_db()
    assert theirs.name == "Theirs"
    assert AuditEvent.objects.filter(organization=other_company.org).count() == events
    assert ResultArea.objects.get(organization=company.org, key="kra-growth").name == "Ours"


def test_a_person_of_another_tenant_may_not_import_here(
    company: Company, other_company: Company
) -> None:
    result = run(company, "kras", SHEETS["kras"], actor=other_company.admin)

    assert messages(result) == [(None, "", "You are not a member of this organization.")]


def test_exports_hold_only_what_the_person_may_see(company: Company) -> None:
    load_all(company)

    for persona in (company.viewer, company.colleague, company.outsider):
        keys = {row[0] for row in sheet_export(organization=company.org, kind="objectives", person=persona)}  # fmt: skip
        assert keys == {"o-emea", "o-growth"}
    for persona in (company.member, company.leader, company.hr, company.admin):
        keys = {row[0] for row in sheet_export(organization=company.org, kind="objectives", person=persona)}  # fmt: skip
        assert "o-private" in keys


def test_an_alignment_to_a_hidden_objective_is_left_out_of_an_export(company: Company) -> None:
    load_all(company)
    person_update(person=company.colleague, manager=None)
    run(company, "objectives", csv_sheet("key,title,scope,owner,aligns_to\no-mine,Mine,person:member@acme.test,member@acme.test,o-private\n"))  # fmt: skip

    rows = sheet_export(organization=company.org, kind="objectives", person=company.colleague)
    assert {r[0]: r[-1] for r in rows}["o-mine"] == ""
    rows = sheet_export(organization=company.org, kind="objectives", person=company.member)
    assert {r[0]: r[-1] for r in rows}["o-mine"] == "o-private"


# -- the command ---------------------------------------------------------------------------------
def write(tmp_path: Path, name: str, rows: list[list[Any]], sheet_name: str = "Sheet1") -> Path:
    path = tmp_path / name
    if name.endswith(".xlsx"):
        path.write_bytes(write_xlsx(rows[0], rows[1:], sheet_name=sheet_name))
    else:
        path.write_bytes(write_csv(rows[0], rows[1:]))
    return path


def test_the_command_imports_a_spreadsheet_and_prints_the_plan(
    company: Company, tmp_path: Path
) -> None:
    path = write(tmp_path, "staff.xlsx", SHEETS["people"], sheet_name="people")
    out, err = io.StringIO(), io.StringIO()

    call_command("import", str(path), stdout=out, stderr=err)  # the sheet says "people"

    assert "imported People into Acme [acme]" in out.getvalue()
    assert "line 2: create person bo@acme.test" in out.getvalue()
    assert "2 created, 0 updated, 0 unchanged" in out.getvalue()
    out = io.StringIO()
    call_command("import", str(path), stdout=out)
    assert "nothing changed: the database already holds this file" in out.getvalue()


def test_the_command_names_every_bad_row_and_exits_2(company: Company, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("email,name\nok@acme.test,OK\nbad,Bad\nalso-bad,\n", encoding="utf-8")
    err = io.StringIO()

    with pytest.raises(CommandError) as raised:
        call_command("import", str(path), "--kind", "people", stdout=io.StringIO(), stderr=err)

    assert raised.value.returncode == 2
    assert "2 bad row(s); nothing was imported" in str(raised.value)
    assert err.getvalue().splitlines() == [
        f'{path}:3: email: "bad" is not an email address',
        f'{path}:4: email: "also-bad" is not an email address',
        f"{path}:4: name: required: this cell is empty",
    ]
    assert not Person.objects.filter(email="ok@acme.test").exists()


def test_the_command_dry_run_saves_nothing(company: Company, tmp_path: Path) -> None:
    path = write(tmp_path, "units.csv", SHEETS["units"])
    out = io.StringIO()

    call_command("import", str(path), "--dry-run", "--organization", "acme", stdout=out)

    assert "would import Units" in out.getvalue()
    assert "dry run: nothing was saved" in out.getvalue()
    assert not Unit.objects.filter(name="Marketing").exists()


@pytest.mark.parametrize(
    ("name", "args", "message", "code"),
    [("book.csv", [], "say which kind of rows the file holds with --kind", 1),
     ("people.csv", ["--organization", "nope"], 'no organization "nope"', 1),
     ("missing.xlsx", [], "cannot read the file", 1),
     ("huge.csv", ["--kind", "people"], "over the limit of 1 KB", 2),
     ("people.yaml", ["--kind", "people"], "--kind is for spreadsheets", 1)],
)  # fmt: skip
def test_the_command_refuses_clearly(
    company: Company, tmp_path: Path, settings: Any, name: str, args: list[str], message: str,
    code: int,
) -> None:  # fmt: skip
    settings.HEADWAY_SHEET_MAX_BYTES = 1024
    path = tmp_path / name
    if name != "missing.xlsx":
        path.write_text("email,name\n" + ("a@acme.test,A\n" * (100 if name == "huge.csv" else 1)))

    with pytest.raises(CommandError, match=message) as raised:
        call_command("import", str(path), *args, stdout=io.StringIO(), stderr=io.StringIO())

    assert raised.value.returncode == code


def test_the_command_refuses_a_malicious_workbook(company: Company, tmp_path: Path) -> None:
    from tests.io.test_sheets import BILLION_LAUGHS, replace_part, workbook

    path = tmp_path / "people.xlsx"
    path.write_bytes(
        replace_part(workbook([["email"]]), "xl/worksheets/sheet1.xml", BILLION_LAUGHS)
    )

    with pytest.raises(CommandError, match="entity declarations") as raised:
        call_command("import", str(path), stdout=io.StringIO(), stderr=io.StringIO())

    assert raised.value.returncode == 2


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_command_exports_a_sheet_that_imports_back_unchanged(
    company: Company, tmp_path: Path, fmt: str
) -> None:
    load_all(company)
    path = tmp_path / f"kpis.{fmt}"
    call_command("export", "--sheet", "kpis", "--output", str(path), stderr=io.StringIO())
    before = state()

    out = io.StringIO()
    call_command("import", str(path), stdout=out)

    assert "nothing changed" in out.getvalue()
    assert state() == before
    if fmt == "xlsx":
        assert openpyxl.load_workbook(path).sheetnames == ["kpis"]


def test_the_command_exports_csv_to_standard_output(company: Company) -> None:
    out = io.StringIO()

    call_command("export", "--sheet", "units", stdout=out)

    assert out.getvalue().splitlines() == [
        "path,kind,head", "Sales,division,leader@acme.test", "Sales/Sales EMEA,team,",
        "Support,department,",
    ]  # fmt: skip


def test_the_goals_file_export_is_still_the_default(company: Company) -> None:
    out = io.StringIO()

    call_command("export", stdout=out)

    assert out.getvalue().startswith("organization:\n  name: Acme")
    with pytest.raises(CommandError, match="--format is for spreadsheets"):
        call_command("export", "--format", "csv", stdout=io.StringIO())
