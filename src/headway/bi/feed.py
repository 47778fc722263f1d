"""The BI feed's tables, defined once: name, grain, columns (type, description) and the portable
SQL that reads them. The SQL views (`bi_<table>`, see `headway.bi.views`), the exported CSV and
Parquet files (`headway.bi.export`) and the data dictionary (schema.json, README.md, docs/bi.md)
are all generated from the definitions below, so they cannot drift apart.

A star schema: dimensions (`dim_*`: who, where, when, what) and facts (`fact_*`: what happened,
one row per event or per measured thing), plus one bridge (`bridge_alignment`: the cascade).
Every table starts with `organization_id`. Names are snake_case and stable: a column is never
renamed or retyped; new columns are added at the end.

The SQL is plain SQL that SQLite and PostgreSQL both run (joins, CASE, COALESCE, NULLIF,
UNION ALL, a recursive CTE) and names every column it reads, so columns that later migrations add
to the tables never change a view. It uses no function Django adds to SQLite connections, so the
views also work from a plain `sqlite3` connection.

Privacy: a BI tool has no per-person access policy — whoever can open a report sees every row
of it — so private objectives (visibility `private`, seen in Headway only by their owner, the
owner's managers, HR and admins), their key results, check-ins, frozen scores and alignment
links are left out of the views always, and out of the files unless asked for.

This module knows no Django: it is definitions and text, tested without a database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Context, Decimal
from typing import Any, Literal

FORMAT = "headway-bi"
FORMAT_VERSION = 1
VIEW_PREFIX = "bi_"
KEEP_PUBLIC_AND_UNIT = "o.visibility <> 'private'"


# -- column types -----------------------------------------------------------------------------
@dataclass(frozen=True)
class ColumnType:
    """A column's type: how the database's value is read, and how it is written to CSV and
    Parquet. Decimals keep their scale (`precision`, `scale` as in SQL's DECIMAL(p, s))."""

    name: Literal["integer", "text", "boolean", "date", "timestamp", "decimal"]
    precision: int = 0
    scale: int = 0

    @property
    def label(self) -> str:
        if self.name == "decimal":
            return f"decimal({self.precision},{self.scale})"
        return self.name

    @property
    def parquet_label(self) -> str:
        return {
            "integer": "int64",
            "text": "string (UTF-8)",
            "boolean": "boolean",
            "date": "date32 (days)",
            "timestamp": "timestamp[us, UTC]",
            "decimal": f"decimal128({self.precision},{self.scale})",
        }[self.name]

    def reader(self) -> Callable[[Any], Any] | None:
        """How a value the database driver gave (never None) becomes the canonical Python value;
        None when it already is one (integers and text, on both databases).

        SQLite hands back dates and times as text or naive UTC datetimes (as Django stores
        them), booleans as 0/1 and decimals as floating point, read as Django reads them (15
        significant digits); PostgreSQL hands back the exact types. Both end up the same."""
        if self.name in ("integer", "text"):
            return None
        if self.name == "boolean":
            return bool
        if self.name == "date":
            return _date
        if self.name == "timestamp":
            return _timestamp
        places = Decimal(1).scaleb(-self.scale)

        def decimal(value: Any) -> Decimal:
            if isinstance(value, float):
                return _FLOAT_CONTEXT.create_decimal_from_float(value).quantize(places)
            return Decimal(value if isinstance(value, Decimal | int) else str(value)).quantize(
                places
            )

        return decimal

    def writer(self) -> Callable[[Any], str] | None:
        """How a canonical value (never None) is written in CSV: ISO 8601 dates, UTC timestamps,
        `true`/`false`, decimals as plain digits with a dot and no trailing zeros; None when
        `str` does (integers, text)."""
        if self.name == "boolean":
            return lambda value: "true" if value else "false"
        if self.name in ("date", "timestamp"):
            return lambda value: str(value.isoformat())
        if self.name == "decimal":
            return lambda value: "0" if value == 0 else format(value.normalize(), "f")
        return None

    def from_db(self, value: Any) -> Any:
        read = self.reader()
        return value if value is None or read is None else read(value)

    def to_text(self, value: Any) -> str:
        """A canonical value as CSV text; an empty field is no value."""
        if value is None:
            return ""
        write = self.writer()
        return str(value) if write is None else write(value)

    def from_text(self, text: str) -> Any:
        """The inverse of `to_text` (an empty field reads as no value)."""
        if text == "":
            return None
        if self.name == "boolean":
            return text == "true"
        if self.name == "integer":
            return int(text)
        if self.name == "decimal":
            return self.from_db(Decimal(text))
        return self.from_db(text)


_FLOAT_CONTEXT = Context(prec=15)  # how Django reads SQLite's floating-point decimals


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _timestamp(value: Any) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        value = dt.datetime.fromisoformat(str(value))
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


INTEGER = ColumnType("integer")
TEXT = ColumnType("text")
BOOLEAN = ColumnType("boolean")
DATE = ColumnType("date")
TIMESTAMP = ColumnType("timestamp")
VALUE = ColumnType("decimal", 20, 6)  # measured, target and current values
RATIO = ColumnType("decimal", 20, 10)  # progress and attainment: 1 = 100%
WEIGHT = ColumnType("decimal", 10, 4)  # key result and alignment weights
PERCENT_WEIGHT = ColumnType("decimal", 6, 2)  # a KRA's weight, in percent of its scope
GRADE = ColumnType("decimal", 2, 1)  # 0.0–1.0, the grade at the period's close


# -- tables -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    """One column: its name, type, meaning and the SQL expression that reads it (one expression
    per source when the table is a UNION ALL of several sources)."""

    name: str
    type: ColumnType
    description: str
    sql: str | tuple[str, ...]
    references: str = ""  # "dim_unit.unit_id": the dimension a key points to

    def expression(self, source: int) -> str:
        return self.sql if isinstance(self.sql, str) else self.sql[source]


@dataclass(frozen=True)
class Source:
    """Where a table's rows come from: the FROM clause, the column that holds the tenant, and
    the condition that keeps only rows of goals that are not private (if the table has any)."""

    from_: str
    tenant: str
    not_private: str = ""


@dataclass(frozen=True)
class Table:
    """One table of the feed, the same as a view, a CSV file and a Parquet file."""

    name: str
    kind: Literal["dimension", "fact", "bridge"]
    description: str
    grain: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    sources: tuple[Source, ...]
    order_by: str = ""  # defaults to the key
    with_: str = ""  # a WITH clause the sources read (a recursive tree)
    private_rule: str = ""  # what "private" leaves out of this table, for the dictionary

    def __post_init__(self) -> None:
        names = [column.name for column in self.columns]
        if names[0] != "organization_id" or len(set(names)) != len(names):
            raise ValueError(f"{self.name}: organization_id first, and every column once")
        if set(self.key) - set(names):
            raise ValueError(f"{self.name}: the key names a column it does not have")
        for column in self.columns:
            if not isinstance(column.sql, str) and len(column.sql) != len(self.sources):
                raise ValueError(f"{self.name}.{column.name}: one expression per source")

    @property
    def view(self) -> str:
        return f"{VIEW_PREFIX}{self.name}"

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]

    @property
    def has_private_rows(self) -> bool:
        return any(source.not_private for source in self.sources)


def _scope(alias: str) -> Column:
    return Column(
        "scope",
        TEXT,
        "Whose it is: `organization`, `unit` or `person`.",
        f"CASE WHEN {alias}.scope_person_id IS NOT NULL THEN 'person' "
        f"WHEN {alias}.scope_unit_id IS NOT NULL THEN 'unit' ELSE 'organization' END",
    )


def _scope_columns(alias: str, what: str) -> tuple[Column, ...]:
    return (
        _scope(alias),
        Column(
            "scope_unit_id",
            INTEGER,
            f"The unit the {what} belongs to, when its scope is a unit.",
            f"{alias}.scope_unit_id",
            "dim_unit.unit_id",
        ),
        Column(
            "scope_person_id",
            INTEGER,
            f"The person the {what} belongs to, when its scope is a person.",
            f"{alias}.scope_person_id",
            "dim_person.person_id",
        ),
        Column(
            "reporting_unit_id",
            INTEGER,
            f"The unit to report the {what} under: its unit, or its person's unit; "
            "empty at the organization's level.",
            f"COALESCE({alias}.scope_unit_id, sp.unit_id)",
            "dim_unit.unit_id",
        ),
    )


def _tenant(sql: str | tuple[str, ...]) -> Column:
    return Column(
        "organization_id",
        INTEGER,
        "The organization (tenant) the row belongs to.",
        sql,
        "dim_organization.organization_id",
    )


SCOPE_PERSON_JOIN = "LEFT JOIN org_person sp ON sp.id = {alias}.scope_person_id"

UNIT_TREE = """WITH RECURSIVE unit_tree (id, level, top_unit_id, full_name) AS (
  SELECT r.id, 1, r.id, CAST(r.name AS TEXT) FROM org_unit r WHERE r.parent_id IS NULL
  UNION ALL
  SELECT c.id, t.level + 1, t.top_unit_id, t.full_name || ' / ' || c.name
  FROM org_unit c JOIN unit_tree t ON c.parent_id = t.id
)
"""

TABLES: tuple[Table, ...] = (
    Table(
        name="dim_organization",
        kind="dimension",
        description="The organizations (tenants). An export of one organization holds one row.",
        grain="One row per organization.",
        key=("organization_id",),
        sources=(Source("org_organization o", tenant="o.id"),),
        columns=(
            Column("organization_id", INTEGER, "The organization's id.", "o.id"),
            Column("name", TEXT, "The organization's name.", "o.name"),
            Column("slug", TEXT, "Its short name in addresses and commands.", "o.slug"),
            Column(
                "fiscal_year_start_month",
                INTEGER,
                "The month (1–12) its fiscal year starts in.",
                "o.fiscal_year_start_month",
            ),
            Column("created_at", TIMESTAMP, "When it was created (UTC).", "o.created_at"),
        ),
    ),
    Table(
        name="dim_unit",
        kind="dimension",
        description=(
            "Divisions, departments and teams: a tree. `level`, `top_unit_id` and `full_name` "
            "flatten the tree for report hierarchies; `path` is the chain of ids from the top "
            "unit down (a unit's subtree is every unit whose path starts with its path)."
        ),
        grain="One row per unit.",
        key=("unit_id",),
        with_=UNIT_TREE,
        sources=(
            Source("org_unit u LEFT JOIN unit_tree t ON t.id = u.id", tenant="u.organization_id"),
        ),
        columns=(
            _tenant("u.organization_id"),
            Column("unit_id", INTEGER, "The unit's id.", "u.id"),
            Column("name", TEXT, "The unit's name (unique in its organization).", "u.name"),
            Column("kind", TEXT, "`division`, `department`, `team` or `other`.", "u.kind"),
            Column(
                "parent_unit_id",
                INTEGER,
                "The unit it is part of; empty for a top unit.",
                "u.parent_id",
                "dim_unit.unit_id",
            ),
            Column(
                "head_person_id",
                INTEGER,
                "The person heading the unit.",
                "u.head_id",
                "dim_person.person_id",
            ),
            Column("level", INTEGER, "1 for a top unit, 2 for a unit in it, and so on.", "t.level"),
            Column(
                "top_unit_id",
                INTEGER,
                "The top unit of its tree (itself for a top unit).",
                "t.top_unit_id",
                "dim_unit.unit_id",
            ),
            Column(
                "full_name",
                TEXT,
                "The names from the top unit down, joined by ` / ` (`Sales / Sales EMEA`).",
                "t.full_name",
            ),
            Column("path", TEXT, "The ids from the top unit down: `/3/17/42/`.", "u.path"),
            Column("created_at", TIMESTAMP, "When the unit was created (UTC).", "u.created_at"),
        ),
    ),
    Table(
        name="dim_person",
        kind="dimension",
        description=(
            "The people who own goals and record check-ins. No sign-in account data (user "
            "names, passwords, last log-in) is part of the feed."
        ),
        grain="One row per person, active or not.",
        key=("person_id",),
        sources=(Source("org_person p", tenant="p.organization_id"),),
        columns=(
            _tenant("p.organization_id"),
            Column("person_id", INTEGER, "The person's id.", "p.id"),
            Column("name", TEXT, "Full name.", "p.name"),
            Column("email", TEXT, "Work email (unique in the organization).", "p.email"),
            Column(
                "job_title", TEXT, "Job title; empty when not given.", "NULLIF(p.job_title, '')"
            ),
            Column("unit_id", INTEGER, "The unit they work in.", "p.unit_id", "dim_unit.unit_id"),
            Column(
                "manager_person_id",
                INTEGER,
                "Their manager.",
                "p.manager_id",
                "dim_person.person_id",
            ),
            Column("role", TEXT, "`admin`, `hr`, `leader`, `member` or `viewer`.", "p.role"),
            Column("active", BOOLEAN, "Whether they still work here.", "p.active"),
            Column("created_at", TIMESTAMP, "When the person was added (UTC).", "p.created_at"),
        ),
    ),
    Table(
        name="dim_period",
        kind="dimension",
        description="The time boxes goals and KPI targets are set for (years, quarters, …).",
        grain="One row per period.",
        key=("period_id",),
        sources=(Source("org_period p", tenant="p.organization_id"),),
        columns=(
            _tenant("p.organization_id"),
            Column("period_id", INTEGER, "The period's id.", "p.id"),
            Column("name", TEXT, "Its name, e.g. `2026-Q4`.", "p.name"),
            Column("kind", TEXT, "`year`, `half`, `quarter`, `month` or `custom`.", "p.kind"),
            Column("start_date", DATE, "First day (inclusive).", "p.start"),
            Column("end_date", DATE, "Last day (inclusive).", 'p."end"'),
            Column(
                "parent_period_id",
                INTEGER,
                "The period it is part of (a quarter's year).",
                "p.parent_id",
                "dim_period.period_id",
            ),
            Column("state", TEXT, "`planning`, `active` or `closed`.", "p.state"),
        ),
    ),
    Table(
        name="dim_kra",
        kind="dimension",
        description="Key Result Areas: the few vital areas of outcomes each scope answers for.",
        grain="One row per KRA.",
        key=("kra_id",),
        sources=(
            Source(
                "goals_resultarea k " + SCOPE_PERSON_JOIN.format(alias="k"),
                tenant="k.organization_id",
            ),
        ),
        columns=(
            _tenant("k.organization_id"),
            Column("kra_id", INTEGER, "The KRA's id.", "k.id"),
            Column("key", TEXT, "Its stable key in goals files and imports.", "k.key"),
            Column("name", TEXT, "Its name.", "k.name"),
            Column("description", TEXT, "Its description.", "NULLIF(k.description, '')"),
            *_scope_columns("k", "KRA"),
            Column(
                "owner_person_id",
                INTEGER,
                "The accountable person.",
                "k.owner_id",
                "dim_person.person_id",
            ),
            Column(
                "parent_kra_id",
                INTEGER,
                "The higher KRA it ladders up to.",
                "k.parent_id",
                "dim_kra.kra_id",
            ),
            Column("weight", PERCENT_WEIGHT, "Its weight in percent of its scope.", "k.weight"),
            Column(
                "review_cadence_days",
                INTEGER,
                "How often it should be reviewed, in days.",
                "k.review_cadence_days",
            ),
            Column(
                "last_reviewed_at",
                TIMESTAMP,
                "When it was last reviewed (UTC).",
                "k.last_reviewed_at",
            ),
            Column("state", TEXT, "`active` or `retired`.", "k.state"),
        ),
    ),
    Table(
        name="dim_indicator",
        kind="dimension",
        description="KPIs: metrics tracked over time against a target per period.",
        grain="One row per KPI.",
        key=("indicator_id",),
        sources=(
            Source(
                "indicators_indicator i " + SCOPE_PERSON_JOIN.format(alias="i"),
                tenant="i.organization_id",
            ),
        ),
        columns=(
            _tenant("i.organization_id"),
            Column("indicator_id", INTEGER, "The KPI's id.", "i.id"),
            Column("key", TEXT, "Its stable key in goals files and imports.", "i.key"),
            Column("name", TEXT, "Its name.", "i.name"),
            Column("description", TEXT, "Its description.", "NULLIF(i.description, '')"),
            Column(
                "unit_label",
                TEXT,
                "The unit its values are in (`%`, `EUR`, …).",
                "NULLIF(i.unit_label, '')",
            ),
            Column(
                "direction",
                TEXT,
                "`up` (higher is better), `down` (lower is better) or `range`.",
                "i.direction",
            ),
            Column(
                "frequency",
                TEXT,
                "How often it is measured: `day`, `week`, `month` or `quarter`.",
                "i.frequency",
            ),
            Column(
                "aggregation",
                TEXT,
                "How a period's value is made from its measurements: `last`, `sum`, `mean`, "
                "`min` or `max`.",
                "i.aggregation",
            ),
            Column(
                "is_leading",
                BOOLEAN,
                "Whether it is a leading indicator (predicts other outcomes).",
                "i.leading",
            ),
            Column(
                "kra_id",
                INTEGER,
                "The KRA it measures.",
                "i.result_area_id",
                "dim_kra.kra_id",
            ),
            *_scope_columns("i", "KPI"),
            Column(
                "owner_person_id",
                INTEGER,
                "The accountable person.",
                "i.owner_id",
                "dim_person.person_id",
            ),
            Column(
                "red_below",
                VALUE,
                "Direction up: values below this are red (default 90% of the target).",
                "i.red_below",
            ),
            Column("red_above", VALUE, "Direction down: values above this are red.", "i.red_above"),
            Column(
                "tolerance",
                VALUE,
                "Direction range: how far outside the range is still amber.",
                "i.tolerance",
            ),
            Column(
                "source",
                TEXT,
                "Where values come from: `manual`, `import`, `api` or `sql`.",
                "i.source",
            ),
        ),
    ),
    Table(
        name="dim_objective",
        kind="dimension",
        description=(
            "Objectives: a qualitative aim for one period. Their current progress is in "
            "`fact_progress`, their frozen grades in `fact_score_snapshot`."
        ),
        grain="One row per objective (private ones left out, see the privacy rule).",
        key=("objective_id",),
        sources=(
            Source(
                "goals_objective o " + SCOPE_PERSON_JOIN.format(alias="o"),
                tenant="o.organization_id",
                not_private=KEEP_PUBLIC_AND_UNIT,
            ),
        ),
        private_rule="private objectives",
        columns=(
            _tenant("o.organization_id"),
            Column("objective_id", INTEGER, "The objective's id.", "o.id"),
            Column("key", TEXT, "Its stable key in goals files and imports.", "o.key"),
            Column("title", TEXT, "Its title.", "o.title"),
            Column("description", TEXT, "Its description.", "NULLIF(o.description, '')"),
            Column(
                "period_id",
                INTEGER,
                "The period it is set for.",
                "o.period_id",
                "dim_period.period_id",
            ),
            *_scope_columns("o", "objective"),
            Column(
                "owner_person_id",
                INTEGER,
                "The accountable person.",
                "o.owner_id",
                "dim_person.person_id",
            ),
            Column(
                "kra_id",
                INTEGER,
                "The KRA it is filed under.",
                "o.result_area_id",
                "dim_kra.kra_id",
            ),
            Column(
                "visibility",
                TEXT,
                "`public` (everyone in the organization) or `unit` (its unit and the units "
                "below it); `private` only in files exported with --include-private.",
                "o.visibility",
            ),
            Column("state", TEXT, "`draft`, `active`, `closed` or `cancelled`.", "o.state"),
            Column(
                "rollup",
                TEXT,
                "What its progress is made of: `key_results`, `children` (aligned objectives) or "
                "`both`.",
                "o.rollup",
            ),
            Column("created_at", TIMESTAMP, "When it was created (UTC).", "o.created_at"),
        ),
    ),
    Table(
        name="dim_key_result",
        kind="dimension",
        description=(
            "Key results: the measurable outcomes of an objective, from a start value to a "
            "target. Their current value and progress are in `fact_progress`."
        ),
        grain="One row per key result (those of private objectives left out).",
        key=("key_result_id",),
        sources=(
            Source(
                "goals_keyresult kr JOIN goals_objective o ON o.id = kr.objective_id "
                "LEFT JOIN org_period pe ON pe.id = o.period_id",
                tenant="kr.organization_id",
                not_private=KEEP_PUBLIC_AND_UNIT,
            ),
        ),
        private_rule="the key results of private objectives",
        columns=(
            _tenant("kr.organization_id"),
            Column("key_result_id", INTEGER, "The key result's id.", "kr.id"),
            Column(
                "objective_id",
                INTEGER,
                "The objective it measures.",
                "kr.objective_id",
                "dim_objective.objective_id",
            ),
            Column(
                "period_id",
                INTEGER,
                "Its objective's period.",
                "o.period_id",
                "dim_period.period_id",
            ),
            Column("key", TEXT, "Its stable key in goals files and imports.", "kr.key"),
            Column("title", TEXT, "Its title.", "kr.title"),
            Column(
                "owner_person_id",
                INTEGER,
                "The accountable person.",
                "kr.owner_id",
                "dim_person.person_id",
            ),
            Column(
                "kind",
                TEXT,
                "`number`, `percent`, `currency`, `boolean` or `milestones`.",
                "kr.kind",
            ),
            Column("unit_label", TEXT, "The unit its values are in.", "NULLIF(kr.unit_label, '')"),
            Column(
                "direction",
                TEXT,
                "`increase`, `decrease`, `at_least`, `at_most` or `within`.",
                "kr.direction",
            ),
            Column("start_value", VALUE, "The value at the start (the baseline).", "kr.start"),
            Column("target_value", VALUE, "The value to reach.", "kr.target"),
            Column("lower_bound", VALUE, "Direction within: the lowest good value.", "kr.lower"),
            Column("upper_bound", VALUE, "Direction within: the highest good value.", "kr.upper"),
            Column(
                "weight", WEIGHT, "Its weight in its objective's progress (default 1).", "kr.weight"
            ),
            Column(
                "confidence_start",
                INTEGER,
                "The owner's confidence (0–10) at the start.",
                "kr.confidence_start",
            ),
            Column(
                "progress_source",
                TEXT,
                "What moves it: `check_ins`, `indicator` (a KPI), `children` (aligned "
                "objectives) or `milestones`.",
                "kr.progress_source",
            ),
            Column(
                "indicator_id",
                INTEGER,
                "The KPI it follows, when its progress source is `indicator`.",
                "kr.indicator_id",
                "dim_indicator.indicator_id",
            ),
            Column(
                "due_date",
                DATE,
                "When it is due: its own due date, or its period's last day.",
                'COALESCE(kr.due, pe."end")',
            ),
            Column("state", TEXT, "`active` or `cancelled`.", "kr.state"),
            Column("position", INTEGER, "Its place in its objective's list.", "kr.position"),
        ),
    ),
    Table(
        name="bridge_alignment",
        kind="bridge",
        description=(
            "The cascade: each link from a child objective up to the objective or key result "
            "it contributes to, with its weight. Follow the links from any objective to the "
            "organization's goals (the line of sight)."
        ),
        grain="One row per alignment link.",
        key=("alignment_id",),
        sources=(
            Source(
                "goals_alignment a JOIN goals_objective c ON c.id = a.child_id "
                "LEFT JOIN goals_objective po ON po.id = a.parent_objective_id "
                "LEFT JOIN goals_keyresult pk ON pk.id = a.parent_key_result_id "
                "LEFT JOIN goals_objective pko ON pko.id = pk.objective_id",
                tenant="a.organization_id",
                not_private=(
                    "c.visibility <> 'private' "
                    "AND COALESCE(po.visibility, pko.visibility) <> 'private'"
                ),
            ),
        ),
        private_rule="links from or to a private objective (or a key result of one)",
        columns=(
            _tenant("a.organization_id"),
            Column("alignment_id", INTEGER, "The link's id.", "a.id"),
            Column(
                "child_objective_id",
                INTEGER,
                "The objective that contributes.",
                "a.child_id",
                "dim_objective.objective_id",
            ),
            Column(
                "parent_objective_id",
                INTEGER,
                "The objective it rolls up into (for a link to a key result: that key "
                "result's objective).",
                "COALESCE(a.parent_objective_id, pk.objective_id)",
                "dim_objective.objective_id",
            ),
            Column(
                "parent_key_result_id",
                INTEGER,
                "The key result it contributes to, when the link is to a key result.",
                "a.parent_key_result_id",
                "dim_key_result.key_result_id",
            ),
            Column("weight", WEIGHT, "The link's weight (default 1).", "a.weight"),
        ),
    ),
    Table(
        name="fact_check_in",
        kind="fact",
        description=(
            "Check-ins: the values, confidence and status owners record against their key "
            "results, week by week. Append-only."
        ),
        grain="One row per check-in.",
        key=("check_in_id",),
        sources=(
            Source(
                "checkins_checkin c JOIN goals_keyresult kr ON kr.id = c.key_result_id "
                "JOIN goals_objective o ON o.id = kr.objective_id",
                tenant="c.organization_id",
                not_private=KEEP_PUBLIC_AND_UNIT,
            ),
        ),
        private_rule="check-ins of the key results of private objectives",
        columns=(
            _tenant("c.organization_id"),
            Column("check_in_id", INTEGER, "The check-in's id.", "c.id"),
            Column(
                "key_result_id",
                INTEGER,
                "The key result checked in on.",
                "c.key_result_id",
                "dim_key_result.key_result_id",
            ),
            Column(
                "objective_id",
                INTEGER,
                "That key result's objective.",
                "kr.objective_id",
                "dim_objective.objective_id",
            ),
            Column(
                "period_id",
                INTEGER,
                "That objective's period.",
                "o.period_id",
                "dim_period.period_id",
            ),
            Column("date", DATE, "The day the value is for.", "c.date"),
            Column("value", VALUE, "The value; empty for a check-in with only a note.", "c.value"),
            Column("confidence", INTEGER, "The owner's confidence (0–10).", "c.confidence"),
            Column(
                "owner_status",
                TEXT,
                "The status the owner chose: `on_track`, `at_risk`, `off_track`; empty when "
                "none was chosen.",
                "NULLIF(c.status, '')",
            ),
            Column("note", TEXT, "The owner's note.", "NULLIF(c.note, '')"),
            Column(
                "author_person_id",
                INTEGER,
                "Who recorded it.",
                "c.author_id",
                "dim_person.person_id",
            ),
            Column("recorded_at", TIMESTAMP, "When it was recorded (UTC).", "c.created_at"),
        ),
    ),
    Table(
        name="fact_measurement",
        kind="fact",
        description=(
            "KPI measurements: a time series per KPI. A new value for a date replaces the old "
            "one (the replacement is in Headway's audit trail)."
        ),
        grain="One row per KPI and date.",
        key=("measurement_id",),
        sources=(Source("indicators_measurement m", tenant="m.organization_id"),),
        columns=(
            _tenant("m.organization_id"),
            Column("measurement_id", INTEGER, "The measurement's id.", "m.id"),
            Column(
                "indicator_id",
                INTEGER,
                "The KPI measured.",
                "m.indicator_id",
                "dim_indicator.indicator_id",
            ),
            Column("date", DATE, "The day the value is for.", "m.date"),
            Column("value", VALUE, "The value, in the KPI's unit.", "m.value"),
            Column("note", TEXT, "A note.", "NULLIF(m.note, '')"),
            Column("source", TEXT, "`manual`, `import`, `api` or `sql`.", "m.source"),
            Column(
                "recorded_by_person_id",
                INTEGER,
                "Who recorded it, when a person did.",
                "m.recorded_by_id",
                "dim_person.person_id",
            ),
            Column("recorded_at", TIMESTAMP, "When the value was last set (UTC).", "m.updated_at"),
        ),
    ),
    Table(
        name="fact_target",
        kind="fact",
        description="KPI targets: what each KPI should reach in a period.",
        grain="One row per KPI and period.",
        key=("target_id",),
        sources=(Source("indicators_target t", tenant="t.organization_id"),),
        columns=(
            _tenant("t.organization_id"),
            Column("target_id", INTEGER, "The target's id.", "t.id"),
            Column(
                "indicator_id",
                INTEGER,
                "The KPI.",
                "t.indicator_id",
                "dim_indicator.indicator_id",
            ),
            Column("period_id", INTEGER, "The period.", "t.period_id", "dim_period.period_id"),
            Column("target_value", VALUE, "The target (directions up and down).", "t.value"),
            Column("lower_bound", VALUE, "Direction range: the lowest good value.", "t.lower"),
            Column("upper_bound", VALUE, "Direction range: the highest good value.", "t.upper"),
        ),
    ),
    Table(
        name="fact_progress",
        kind="fact",
        description=(
            "Where every objective and key result stands now: progress, status and (for key "
            "results) attainment, current value and confidence, as Headway keeps them after "
            "every check-in. Two kinds of row: filter on `subject` and never add or average "
            "objective rows and key result rows together."
        ),
        grain="One row per objective and one per key result (`subject` tells which).",
        key=("subject", "objective_id", "key_result_id"),
        order_by="objective_id, COALESCE(key_result_id, 0)",
        sources=(
            Source(
                "goals_objective o", tenant="o.organization_id", not_private=KEEP_PUBLIC_AND_UNIT
            ),
            Source(
                "goals_keyresult kr JOIN goals_objective o ON o.id = kr.objective_id",
                tenant="kr.organization_id",
                not_private=KEEP_PUBLIC_AND_UNIT,
            ),
        ),
        private_rule="private objectives and their key results",
        columns=(
            _tenant(("o.organization_id", "kr.organization_id")),
            Column(
                "subject", TEXT, "`objective` or `key_result`.", ("'objective'", "'key_result'")
            ),
            Column(
                "objective_id",
                INTEGER,
                "The objective (for a key result: its objective).",
                ("o.id", "kr.objective_id"),
                "dim_objective.objective_id",
            ),
            Column(
                "key_result_id",
                INTEGER,
                "The key result; empty on objective rows.",
                ("NULL", "kr.id"),
                "dim_key_result.key_result_id",
            ),
            Column(
                "period_id",
                INTEGER,
                "The objective's period.",
                ("o.period_id", "o.period_id"),
                "dim_period.period_id",
            ),
            Column(
                "owner_person_id",
                INTEGER,
                "The accountable person.",
                ("o.owner_id", "kr.owner_id"),
                "dim_person.person_id",
            ),
            Column(
                "state",
                TEXT,
                "The objective's or key result's state (`cancelled` ones do not count).",
                ("o.state", "kr.state"),
            ),
            Column(
                "progress",
                RATIO,
                "Progress from 0 to 1 (1 = 100%); empty when there is nothing to measure yet.",
                ("o.progress", "kr.progress"),
            ),
            Column(
                "attainment",
                RATIO,
                "Key results: how far the value has moved from start to target, not capped "
                "(1.5 = 150%, negative when it moved the wrong way).",
                ("NULL", "kr.attainment"),
            ),
            Column(
                "status",
                TEXT,
                "`not_started`, `on_track`, `at_risk`, `off_track` or `no_data`; once the "
                "period is closed, the grade's colour `green`, `yellow` or `red`.",
                ("o.status", "kr.status"),
            ),
            Column(
                "current_value",
                VALUE,
                "Key results: the current value.",
                ("NULL", "kr.current"),
            ),
            Column(
                "confidence",
                INTEGER,
                "Key results: the owner's latest confidence (0–10).",
                ("NULL", "kr.confidence"),
            ),
            Column(
                "last_check_in_at",
                TIMESTAMP,
                "Key results: when the latest check-in was recorded (UTC).",
                ("NULL", "kr.last_check_in_at"),
            ),
            Column(
                "updated_at",
                TIMESTAMP,
                "When the row last changed (UTC).",
                ("o.updated_at", "kr.updated_at"),
            ),
        ),
    ),
    Table(
        name="fact_score_snapshot",
        kind="fact",
        description=(
            'Scores frozen when a period closed, so "what was it then" stays answerable '
            "after the goals change. `fact_progress` is the same thing now."
        ),
        grain="One row per objective or key result and closing of its period.",
        key=("snapshot_id",),
        sources=(
            Source(
                "goals_scoresnapshot s LEFT JOIN goals_keyresult kr ON kr.id = s.key_result_id "
                "JOIN goals_objective o ON o.id = COALESCE(s.objective_id, kr.objective_id)",
                tenant="s.organization_id",
                not_private=KEEP_PUBLIC_AND_UNIT,
            ),
        ),
        private_rule="the frozen scores of private objectives and of their key results",
        columns=(
            _tenant("s.organization_id"),
            Column("snapshot_id", INTEGER, "The snapshot's id.", "s.id"),
            Column(
                "period_id",
                INTEGER,
                "The period that closed.",
                "s.period_id",
                "dim_period.period_id",
            ),
            Column(
                "taken_on",
                DATE,
                "The day the period was closed and the score frozen.",
                "s.taken_on",
            ),
            Column(
                "subject",
                TEXT,
                "`objective` or `key_result`.",
                "CASE WHEN s.key_result_id IS NULL THEN 'objective' ELSE 'key_result' END",
            ),
            Column(
                "objective_id",
                INTEGER,
                "The objective (for a key result: its objective).",
                "o.id",
                "dim_objective.objective_id",
            ),
            Column(
                "key_result_id",
                INTEGER,
                "The key result; empty on objective rows.",
                "s.key_result_id",
                "dim_key_result.key_result_id",
            ),
            Column("progress", RATIO, "Progress at the close, 0 to 1.", "s.progress"),
            Column(
                "grade",
                GRADE,
                "The grade: progress rounded to one decimal; 0.7–1.0 green, 0.4–0.6 yellow, "
                "0.0–0.3 red.",
                "s.grade",
            ),
            Column("status", TEXT, "The status at the close.", "s.status"),
            Column("current_value", VALUE, "Key results: the value at the close.", "s.current"),
            Column(
                "confidence", INTEGER, "Key results: the confidence at the close.", "s.confidence"
            ),
        ),
    ),
)

TABLES_BY_NAME = {table.name: table for table in TABLES}


# -- SQL --------------------------------------------------------------------------------------
def select_sql(table: Table, *, organization: bool = False, include_private: bool = False) -> str:
    """The SELECT that reads the table. With `organization`, it takes the organization's id as
    one `%s` parameter per source (see `parameter_count`)."""
    parts = []
    for index, source in enumerate(table.sources):
        columns = ",\n".join(
            f"  {column.expression(index)} AS {column.name}" for column in table.columns
        )
        where = []
        if organization:
            where.append(f"{source.tenant} = %s")
        if source.not_private and not include_private:
            where.append(source.not_private)
        clause = f"\nWHERE {' AND '.join(where)}" if where else ""
        parts.append(f"SELECT\n{columns}\nFROM {source.from_}{clause}")
    return table.with_ + "\nUNION ALL\n".join(parts)


def parameter_count(table: Table) -> int:
    return len(table.sources)


def ordered_sql(table: Table, *, organization: bool = False, include_private: bool = False) -> str:
    """The table's rows in a stable order (its key), as the files hold them."""
    names = ", ".join(table.column_names)
    order = table.order_by or ", ".join(table.key)
    inner = select_sql(table, organization=organization, include_private=include_private)
    return f"SELECT {names} FROM (\n{inner}\n) AS bi ORDER BY {order}"


def create_view_sql(table: Table) -> str:
    """`CREATE VIEW bi_<table> (columns) AS SELECT …`: the same on SQLite and PostgreSQL.
    Views never hold private objectives."""
    return f"CREATE VIEW {table.view} ({', '.join(table.column_names)}) AS\n{select_sql(table)}"


def fingerprint(table: Table) -> str:
    """A short hash of the view's definition, to tell whether a database's view is current."""
    return hashlib.sha256(create_view_sql(table).encode()).hexdigest()[:16]


# -- the data dictionary ----------------------------------------------------------------------
CONVENTIONS = {
    "csv": (
        "UTF-8 without a byte order mark, comma-separated, one header row of column names, "
        "fields quoted only when needed (RFC 4180), lines ending in LF. An empty field is no "
        "value. Dates are ISO 8601 (2026-11-15); timestamps ISO 8601 in UTC "
        "(2026-11-15T09:30:00.123456+00:00); booleans true/false; decimals plain digits with "
        "a dot and no thousands separator or trailing zeros (0.5, 1250, -12.75)."
    ),
    "parquet": (
        "One file per table, Snappy-compressed, rows in row groups of up to 100,000. Integers "
        "are int64, text UTF-8 strings, dates date32, timestamps timestamp[us, UTC], booleans "
        "boolean, and decimals exact decimal128 with the column's precision and scale (not "
        "float64, so 0.1 stays 0.1 and sums are exact). Each field's description is in its "
        "Parquet metadata."
    ),
    "numbers": (
        "Progress, attainment and grades are ratios: 1 = 100%. On SQLite the database keeps "
        "decimals as floating point (15 significant digits); on PostgreSQL they are exact."
    ),
    "privacy": (
        "Private objectives, their key results, check-ins, frozen scores and alignment links "
        "are not in the views, and not in the files unless exported with --include-private: "
        "a BI tool has no per-person access policy, so everyone who can open a report would "
        "see them. Objectives visible to a unit only are included (see `visibility`)."
    ),
}


def dictionary(*, include_private: bool = False) -> dict[str, Any]:
    """The data dictionary as plain data (schema.json holds this, plus what was exported)."""
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "include_private": include_private,
        "conventions": CONVENTIONS,
        "tables": [
            {
                "name": table.name,
                "view": table.view,
                "kind": table.kind,
                "description": table.description,
                "grain": table.grain,
                "key": list(table.key),
                "private_rows_left_out": (
                    table.private_rule if table.has_private_rows and not include_private else ""
                ),
                "columns": [
                    {
                        "name": column.name,
                        "type": column.type.label,
                        "parquet_type": column.type.parquet_label,
                        "description": column.description,
                        "references": column.references,
                    }
                    for column in table.columns
                ],
            }
            for table in TABLES
        ],
    }


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def dictionary_markdown(tables: Iterable[Table] = TABLES) -> str:
    """The tables and their columns as Markdown: the README of an export and docs/bi.md."""
    lines: list[str] = []
    for table in tables:
        lines += [
            f"### `{table.name}` ({table.kind})",
            "",
            table.description,
            "",
            f"- Grain: {table.grain}",
            f"- Key: {', '.join(f'`{name}`' for name in table.key)}",
            f"- View: `{table.view}`; files: `{table.name}.csv`, `{table.name}.parquet`",
        ]
        if table.has_private_rows:
            lines.append(f"- Private: leaves out {table.private_rule}.")
        lines += ["", "| column | type | description |", "|---|---|---|"]
        for column in table.columns:
            meaning = column.description
            if column.references:
                meaning += f" → `{column.references}`"
            lines.append(f"| `{column.name}` | {column.type.label} | {_cell(meaning)} |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":  # `python -m headway.bi.feed`: print the dictionary (for docs/bi.md)
    if sys.argv[1:] == ["--json"]:
        print(json.dumps(dictionary(), indent=2, ensure_ascii=False))
    else:
        print(dictionary_markdown(), end="")
