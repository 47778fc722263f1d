"""The BI feed: every table is the same as a view, a CSV file and a Parquet file; private
objectives never leave Headway by default; an organization's export holds only its rows; the
data dictionary and docs/bi.md describe every column; the views are plain SQL any client reads."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sqlite3
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import psycopg
import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from tests.conftest import Company

from headway.bi import export as bi_export_module
from headway.bi.export import BiExportError, arrow_type, bi_export
from headway.bi.feed import (
    RATIO,
    TABLES,
    TABLES_BY_NAME,
    VALUE,
    Table,
    create_view_sql,
    dictionary_markdown,
)
from headway.bi.views import (
    BiViewsError,
    views_after_migrate,
    views_before_migrate,
    views_grant,
    views_grants,
    views_present,
    views_sync,
)
from headway.checkins.models import CheckIn
from headway.checkins.services import checkin_record
from headway.goals.models import KeyResult, Objective
from headway.goals.services import (
    alignment_create,
    key_result_create,
    objective_create,
    period_close,
    result_area_create,
)
from headway.indicators.services import indicator_create, measurement_record, target_set
from headway.org.services import period_create

DOCS = Path(__file__).resolve().parents[2] / "docs" / "bi.md"
Row = tuple[Any, ...]


@dataclass
class Goals:
    """A company's goals with something in every table, and the private ones to look for."""

    private_objective: Objective
    private_key_result: KeyResult
    private_check_in: CheckIn


def build_goals(c: Company) -> Goals:
    """A KRA, a KPI with targets and measurements, public, unit-only and private objectives with
    key results and check-ins, alignments (one from a private objective), and a closed period
    whose scores are frozen."""
    kra = result_area_create(
        organization=c.org, name="Revenue growth", owner=c.admin, weight=Decimal("40.5")
    )
    mrr = indicator_create(
        organization=c.org, name="Monthly recurring revenue", owner=c.leader, result_area=kra,
        scope_unit=c.sales, unit_label="EUR", leading=True,
    )  # fmt: skip
    q3 = period_create(
        organization=c.org, name="2026-Q3", start=dt.date(2026, 7, 1), end=dt.date(2026, 9, 30)
    )
    target_set(indicator=mrr, period=c.quarter, value=Decimal("125000.5"))
    target_set(indicator=mrr, period=q3, value=Decimal(100000))
    for day, value in ((dt.date(2026, 9, 30), "98000.25"), (dt.date(2026, 10, 31), "110000")):
        measurement_record(indicator=mrr, date=day, value=Decimal(value))

    public = objective_create(
        organization=c.org, title="Grow revenue", owner=c.leader, period=c.quarter,
        scope_unit=c.sales, result_area=kra,
    )  # fmt: skip
    arr = key_result_create(
        objective=public, title="Grow ARR from 1.5M to 2M", start=Decimal("1.5"),
        target=Decimal(2), weight=Decimal(2), confidence_start=7,
    )  # fmt: skip
    churn = key_result_create(
        objective=public, title="Reduce churn from 8% to 5%", start=Decimal(8), target=Decimal(5)
    )
    checkin_record(
        key_result=arr, value=Decimal("1.6"), author=c.leader, confidence=6, status="at_risk",
        note='Slow month, "big" deal slipped', date=dt.date(2026, 11, 2),
    )  # fmt: skip
    checkin_record(key_result=churn, value=Decimal("7.25"), author=c.leader)

    team = objective_create(
        organization=c.org, title="Open the Nordics", owner=c.member, period=c.quarter,
        scope_unit=c.emea, visibility="unit",
    )  # fmt: skip
    deals = key_result_create(
        objective=team, title="Sign 4 deals", start=Decimal(0), target=Decimal(4)
    )
    checkin_record(key_result=deals, value=Decimal(1), author=c.member)
    alignment_create(child=team, parent_key_result=arr, weight=Decimal("0.5"))

    private = objective_create(
        organization=c.org, title="Get promoted", owner=c.member, period=c.quarter,
        scope_person=c.member, visibility="private",
    )  # fmt: skip
    secret = key_result_create(
        objective=private, title="Lead 3 customer workshops", start=Decimal(0), target=Decimal(3)
    )
    secret_check_in = checkin_record(key_result=secret, value=Decimal(1), author=c.member)
    alignment_create(child=private, parent_objective=public)

    earlier = objective_create(
        organization=c.org, title="Fix onboarding", owner=c.outsider, period=q3,
        scope_unit=c.support,
    )  # fmt: skip
    key_result_create(objective=earlier, title="Cut onboarding from 20 to 14 days",
                      start=Decimal(20), target=Decimal(14))  # fmt: skip
    hidden = objective_create(
        organization=c.org, title="Private Q3 goal", owner=c.outsider, period=q3,
        visibility="private",
    )  # fmt: skip
    key_result_create(objective=hidden, title="Read 6 books", start=Decimal(0), target=Decimal(6))
    period_close(period=q3, actor=c.admin, today=dt.date(2026, 10, 2))
    return Goals(private, secret, secret_check_in)


@pytest.fixture
def goals(company: Company, other_company: Company, frozen_today: dt.date) -> Goals:
    build_goals(other_company)
    return build_goals(company)


def view_rows(table: Table, organization_id: int) -> list[Row]:
    columns = ", ".join(table.column_names)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM {table.view} WHERE organization_id = %s", [organization_id]
        )
        fetched = cursor.fetchall()
    return [
        tuple(column.type.from_db(value) for column, value in zip(table.columns, row, strict=True))
        for row in fetched
    ]


def csv_rows(directory: Path, table: Table) -> tuple[list[str], list[Row]]:
    with (directory / f"{table.name}.csv").open(encoding="utf-8", newline="") as stream:
        header, *lines = list(csv.reader(stream))
    return header, [
        tuple(column.type.from_text(text) for column, text in zip(table.columns, line, strict=True))
        for line in lines
    ]


def parquet_rows(directory: Path, table: Table) -> list[Row]:
    data = pq.read_table(directory / f"{table.name}.parquet")
    assert data.column_names == table.column_names
    return [tuple(row[name] for name in table.column_names) for row in data.to_pylist()]


def ids(directory: Path, table: str, column: str) -> set[int]:
    chosen = TABLES_BY_NAME[table]
    _header, rows = csv_rows(directory, chosen)
    position = chosen.column_names.index(column)
    return {row[position] for row in rows} - {None}


# -- views and files ----------------------------------------------------------------------------
@pytest.mark.django_db
def test_every_view_holds_the_rows_of_its_csv_and_parquet_file(
    goals: Goals, company: Company, tmp_path: Path
) -> None:
    # given
    exported = bi_export(tmp_path, organization=company.org)

    # then
    assert set(views_present(connection)) == {table.view for table in TABLES}
    for table in TABLES:
        in_view = view_rows(table, company.org.pk)
        header, in_csv = csv_rows(tmp_path, table)
        in_parquet = parquet_rows(tmp_path, table)
        assert header == table.column_names, table.name
        assert in_view, f"{table.name}: the test data should fill every table"
        assert Counter(in_csv) == Counter(in_view), table.name
        assert in_parquet == in_csv, table.name  # and in the same (key) order
        assert exported.rows[table.name] == len(in_view)


@pytest.mark.django_db
def test_the_files_hold_exact_values_in_documented_forms(
    goals: Goals, company: Company, tmp_path: Path
) -> None:
    bi_export(tmp_path, organization=company.org)

    text = (tmp_path / "fact_check_in.csv").read_text("utf-8")
    assert '2026-11-02,1.6,6,at_risk,"Slow month, ""big"" deal slipped"' in text
    target_lines = (tmp_path / "fact_target.csv").read_text("utf-8").splitlines()
    assert any(line.endswith(",125000.5,,") for line in target_lines)
    people = (tmp_path / "dim_person.csv").read_text("utf-8")
    assert "pw-for-tests-only" not in people
    assert "password" not in people
    schema = pq.read_schema(tmp_path / "fact_progress.parquet")
    assert schema.field("progress").type == arrow_type(RATIO)
    assert str(schema.field("current_value").type) == "decimal128(20, 6)"
    assert (
        str(pq.read_schema(tmp_path / "fact_check_in.parquet").field("date").type) == "date32[day]"
    )
    assert schema.field("progress").metadata[b"description"].startswith(b"Progress from 0 to 1")
    [arr] = [
        row
        for row in parquet_rows(tmp_path, TABLES_BY_NAME["dim_key_result"])
        if row[5].startswith("Grow ARR")
    ]
    assert arr[10:12] == (Decimal("1.500000"), Decimal("2.000000"))
    assert VALUE.to_text(Decimal("-0.000000")) == "0"


@pytest.mark.django_db
def test_big_tables_are_read_in_chunks_and_written_in_row_groups(
    goals: Goals, company: Company, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bi_export_module, "READ_CHUNK", 2)
    monkeypatch.setattr(bi_export_module, "ROW_GROUP", 3)

    bi_export(tmp_path, organization=company.org, formats=["parquet", "csv"])

    table = TABLES_BY_NAME["fact_progress"]
    assert pq.ParquetFile(tmp_path / "fact_progress.parquet").num_row_groups > 1
    assert parquet_rows(tmp_path, table) == csv_rows(tmp_path, table)[1]
    assert Counter(parquet_rows(tmp_path, table)) == Counter(view_rows(table, company.org.pk))


# -- privacy and tenants ------------------------------------------------------------------------
@pytest.mark.django_db
def test_private_objectives_never_appear_in_the_views_or_the_default_files(
    goals: Goals, company: Company, tmp_path: Path
) -> None:
    # given
    bi_export(tmp_path)
    private = goals.private_objective.pk
    secret_kr = goals.private_key_result.pk
    hidden = set(Objective.objects.filter(visibility="private").values_list("pk", flat=True))
    assert private in hidden
    assert len(hidden) == 4  # two per company

    # then: not in the files...
    assert not hidden & ids(tmp_path, "dim_objective", "objective_id")
    assert not hidden & ids(tmp_path, "fact_progress", "objective_id")
    assert not hidden & ids(tmp_path, "fact_score_snapshot", "objective_id")
    assert not hidden & ids(tmp_path, "dim_key_result", "objective_id")
    assert not hidden & ids(tmp_path, "fact_check_in", "objective_id")
    assert not hidden & ids(tmp_path, "bridge_alignment", "child_objective_id")
    assert secret_kr not in ids(tmp_path, "fact_progress", "key_result_id")
    assert goals.private_check_in.pk not in ids(tmp_path, "fact_check_in", "check_in_id")
    assert "Get promoted" not in "".join(p.read_text("utf-8") for p in tmp_path.glob("*.csv"))
    # ...nor in the views, read straight from the database
    with connection.cursor() as cursor:
        for view, column in [
            ("bi_dim_objective", "objective_id"),
            ("bi_dim_key_result", "objective_id"),
            ("bi_fact_check_in", "objective_id"),
            ("bi_fact_progress", "objective_id"),
            ("bi_fact_score_snapshot", "objective_id"),
            ("bi_bridge_alignment", "child_objective_id"),
            ("bi_bridge_alignment", "parent_objective_id"),
        ]:
            cursor.execute(f"SELECT DISTINCT {column} FROM {view}")
            assert not hidden & {row[0] for row in cursor.fetchall()}, view


@pytest.mark.django_db
def test_private_objectives_are_exported_only_when_asked_for(
    goals: Goals, company: Company, tmp_path: Path
) -> None:
    exported = bi_export(tmp_path, organization=company.org, include_private=True)

    assert goals.private_objective.pk in ids(tmp_path, "dim_objective", "objective_id")
    assert goals.private_key_result.pk in ids(tmp_path, "fact_progress", "key_result_id")
    assert goals.private_check_in.pk in ids(tmp_path, "fact_check_in", "check_in_id")
    assert goals.private_objective.pk in ids(tmp_path, "bridge_alignment", "child_objective_id")
    schema = json.loads((tmp_path / "schema.json").read_text("utf-8"))
    assert schema["include_private"] is True
    assert "Includes private objectives" in (tmp_path / "README.md").read_text("utf-8")
    assert (
        exported.rows["dim_objective"] == Objective.objects.filter(organization=company.org).count()
    )


@pytest.mark.django_db
def test_an_organizations_files_leave_the_other_tenant_out(
    goals: Goals, company: Company, other_company: Company, tmp_path: Path
) -> None:
    # when
    bi_export(tmp_path / "acme", organization="acme")
    bi_export(tmp_path / "all")

    # then
    for table in TABLES:
        _header, rows = csv_rows(tmp_path / "acme", table)
        assert {row[0] for row in rows} == {company.org.pk}, table.name
        _header, everything = csv_rows(tmp_path / "all", table)
        assert {row[0] for row in everything} == {company.org.pk, other_company.org.pk}
    theirs = Objective.objects.get(organization=other_company.org, title="Grow revenue").pk
    assert theirs not in ids(tmp_path / "acme", "dim_objective", "objective_id")
    assert theirs in ids(tmp_path / "all", "dim_objective", "objective_id")


@pytest.mark.django_db
def test_an_unknown_organization_is_refused(company: Company, tmp_path: Path) -> None:
    with pytest.raises(BiExportError, match='no organization "nope"; known: acme'):
        bi_export(tmp_path, organization="nope")
    with pytest.raises(BiExportError, match="formats are csv, parquet"):
        bi_export(tmp_path, formats=["xlsx"])


# -- the data dictionary ------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_data_dictionary_lists_every_column_of_every_table(
    goals: Goals, company: Company, tmp_path: Path
) -> None:
    exported = bi_export(tmp_path, organization=company.org)

    schema = json.loads((tmp_path / "schema.json").read_text("utf-8"))
    readme = (tmp_path / "README.md").read_text("utf-8")
    assert [entry["name"] for entry in schema["tables"]] == [table.name for table in TABLES]
    assert schema["organization"] == "acme"
    assert schema["include_private"] is False
    for entry, table in zip(schema["tables"], TABLES, strict=True):
        names = [column["name"] for column in entry["columns"]]
        assert names == csv_rows(tmp_path, table)[0]
        assert names == pq.read_schema(tmp_path / f"{table.name}.parquet").names
        assert names[0] == "organization_id"
        assert all(column["description"] and column["type"] for column in entry["columns"])
        assert entry["rows"] == exported.rows[table.name]
        assert f"### `{table.name}`" in readme
        for name in names:
            assert f"| `{name}` |" in readme


def test_docs_bi_md_describes_the_feed_as_it_is() -> None:
    text = DOCS.read_text("utf-8")
    start, end = "<!-- bi-tables:start -->\n", "<!-- bi-tables:end -->"
    section = text[text.index(start) + len(start) : text.index(end)]

    assert section == dictionary_markdown(), "regenerate with: python -m headway.bi.feed"
    for table in TABLES:
        assert f"`{table.name}`" in text
    for command in ("headway bi_export", "headway bi_grant", "--include-private"):
        assert command in text


def test_every_table_starts_with_the_tenant_and_names_its_columns_once() -> None:
    for table in TABLES:
        assert table.column_names[0] == "organization_id"
        assert len(set(table.column_names)) == len(table.column_names)
        assert all(name == name.lower() and " " not in name for name in table.column_names)
        assert create_view_sql(table).startswith(f"CREATE VIEW bi_{table.name} (organization_id,")


# -- the views in the database ------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_the_views_answer_a_plain_database_connection(
    company: Company, frozen_today: dt.date
) -> None:
    """No Django in between: the views must be plain SQL (no function Django adds to SQLite)."""
    goals = build_goals(company)
    sql = (
        "SELECT p.name, f.subject, count(*) FROM bi_fact_progress f "
        "JOIN bi_dim_period p ON p.period_id = f.period_id "
        "WHERE f.organization_id = {0} GROUP BY p.name, f.subject ORDER BY p.name, f.subject"
    )
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        name = str(settings["NAME"])
        plain: Any = sqlite3.connect(name, uri=name.startswith("file:"))
        marker = "?"
    else:
        plain = psycopg.connect(
            dbname=settings["NAME"], user=settings["USER"] or None,
            password=settings["PASSWORD"] or None, host=settings["HOST"] or None,
            port=settings["PORT"] or None,
        )  # fmt: skip
        marker = "%s"
    try:
        rows = plain.execute(sql.format(marker), [company.org.pk]).fetchall()
        [[titles]] = plain.execute(
            f"SELECT count(*) FROM bi_dim_objective WHERE title = {marker}", ["Get promoted"]
        ).fetchall()
        [[check_ins]] = plain.execute("SELECT count(*) FROM bi_fact_check_in").fetchall()
    finally:
        plain.close()

    assert [tuple(row) for row in rows] == [
        ("2026-Q3", "key_result", 1),
        ("2026-Q3", "objective", 1),
        ("2026-Q4", "key_result", 3),
        ("2026-Q4", "objective", 2),
    ]
    assert titles == 0
    assert check_ins == CheckIn.objects.exclude(key_result=goals.private_key_result).count() == 3


@pytest.mark.django_db
def test_migrate_drops_the_views_first_and_makes_them_again_after(company: Company) -> None:
    # when a plan is about to run
    views_before_migrate(using="default", plan=[("any migration", False)])
    # then
    assert views_present(connection) == {}

    # when every migration has run
    views_after_migrate(using="default", verbosity=0)
    # then
    assert set(views_present(connection)) == {table.view for table in TABLES}


@pytest.mark.django_db
def test_a_stale_or_unknown_view_is_replaced_and_current_ones_are_left_alone() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DROP VIEW bi_dim_period")
        cursor.execute("CREATE VIEW bi_dim_period (organization_id) AS SELECT 1")
        cursor.execute("CREATE VIEW bi_dim_gone (organization_id) AS SELECT 1")

    assert views_sync(connection) == ["bi_dim_period"]
    assert views_sync(connection) == []
    assert set(views_present(connection)) == {table.view for table in TABLES}
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM bi_dim_period")
        assert [column[0] for column in cursor.description] == TABLES_BY_NAME[
            "dim_period"
        ].column_names


@pytest.mark.django_db
def test_bi_grant_refuses_on_sqlite_with_a_reason() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's refusal")
    with pytest.raises(CommandError, match=r"PostgreSQL only.*no roles.*bi_export"):
        call_command("bi_grant", "headway_bi")


@pytest.mark.django_db
def test_bi_grant_gives_a_role_the_views_and_migrate_keeps_the_grant() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("roles are PostgreSQL's")
    # given: a role (created in the test's transaction, so it goes away with it)
    with connection.cursor() as cursor:
        cursor.execute("CREATE ROLE headway_bi_test NOLOGIN")

    # when
    out = StringIO()
    call_command("bi_grant", "headway_bi_test", stdout=out)

    # then
    assert "SELECT on 14 views granted to headway_bi_test" in out.getvalue()
    assert all("headway_bi_test" in roles for roles in views_grants(connection).values())
    assert len(views_grants(connection)) == len(TABLES)
    # and a migrate that re-creates the views gives the grant back
    views_before_migrate(using="default", plan=[("any migration", False)])
    views_after_migrate(using="default", verbosity=0)
    assert len(views_grants(connection)) == len(TABLES)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL ROLE headway_bi_test")
        cursor.execute("SELECT count(*) FROM bi_dim_organization")
        with pytest.raises(Exception, match="permission denied"):
            cursor.execute("SELECT count(*) FROM goals_objective")


@pytest.mark.django_db
def test_bi_grant_names_a_missing_role() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("roles are PostgreSQL's")
    with pytest.raises(BiViewsError, match='role "nobody_here" does not exist'):
        views_grant(connection, "nobody_here")


@pytest.mark.django_db
def test_no_column_name_is_a_reserved_word_in_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's keywords")
    with connection.cursor() as cursor:
        cursor.execute("SELECT word FROM pg_get_keywords() WHERE catcode IN ('R', 'T')")
        reserved = {row[0] for row in cursor.fetchall()}
    for table in TABLES:
        assert not reserved & set(table.column_names), table.name


# -- the command --------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_command_writes_the_chosen_format_and_reports_every_table(
    goals: Goals, company: Company, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("bi_export", str(tmp_path), "--organization", "acme", "--format", "csv")

    out, err = capsys.readouterr()
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        [f"{table.name}.csv" for table in TABLES] + ["README.md", "schema.json"]
    )
    for table in TABLES:
        assert table.name in err
    assert "scope organization acme" in out
    assert f"in {len(TABLES)} tables, {len(TABLES) + 2} files" in out
    with pytest.raises(CommandError, match='no organization "nope"'):
        call_command("bi_export", str(tmp_path), "--organization", "nope")


def test_a_type_reads_back_what_it_writes() -> None:
    samples = [
        (VALUE, Decimal("125000.500000"), "125000.5"),
        (VALUE, Decimal("100"), "100"),
        (RATIO, Decimal("-0.25"), "-0.25"),
    ]
    for kind, value, text in samples:
        assert kind.to_text(value) == text
        assert kind.from_text(text) == value
    assert VALUE.from_db(0.1) == Decimal("0.100000")  # SQLite's float, read as Django reads it
