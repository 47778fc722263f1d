"""Spreadsheets in and out: the sheet kinds and their columns, reading .xlsx and .csv files
safely, writing them with formula injection neutralised, and the templates.

Reading never trusts the file: its size, its unzipped size and its row count are limited
(settings `HEADWAY_SHEET_MAX_BYTES`, `HEADWAY_SHEET_MAX_UNZIPPED_BYTES`, `HEADWAY_SHEET_MAX_ROWS`),
and the XML inside an .xlsx is parsed by defusedxml (openpyxl uses it when it is installed;
reading refuses to start when it is not), so entity expansion and external entities are refused.
Every problem is a `SheetReadError` with a message a person can act on.

Every cell is read as text (numbers as the spreadsheet shows them, dates as YYYY-MM-DD), so a
parsed sheet is plain JSON and `parse_cell` is the one place that turns text into values.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

FORMATS = ("xlsx", "csv")
# A cell that starts with one of these may run as a formula when a spreadsheet opens the file.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
MAX_COLUMNS = 100
MEGABYTE = 1024 * 1024
KEY_RE = re.compile(r"^[A-Za-z0-9_-]{1,100}$")
ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class SheetReadError(ValueError):
    """The file cannot be read as a sheet; the message says why and what to do."""


class CellError(ValueError):
    """One cell does not hold what its column needs; the message says what it should hold."""


# -- the sheet kinds and their columns ----------------------------------------------------------
@dataclass(frozen=True)
class Column:
    """One column of a sheet kind: what it holds, whether it is required, an example, help."""

    name: str
    type: str  # text, email, key, keys, number, integer, date, choice, yesno, unit, scope
    help: str
    example: str = ""
    required: bool = False
    choices: tuple[str, ...] = ()
    default: str = ""  # what an empty cell means, when that is a value
    max_length: int = 0
    places: int = 6  # decimal places a number column keeps
    digits: int = 20  # significant digits a number column keeps
    low: Decimal | None = None
    high: Decimal | None = None
    aliases: tuple[str, ...] = ()

    @property
    def type_label(self) -> str:
        if self.type == "choice":
            return "one of: " + ", ".join(self.choices)
        return {
            "text": "text",
            "email": "email address",
            "key": "key (letters, digits, - and _)",
            "keys": "keys separated by commas",
            "number": "number",
            "integer": "whole number",
            "date": "date (YYYY-MM-DD)",
            "yesno": "yes or no",
            "unit": "unit path (Parent/Child)",
            "scope": "org, unit:PATH or person:EMAIL",
        }[self.type]


@dataclass(frozen=True)
class SheetKind:
    """What one sheet holds: its rows, the natural key they are matched on, and the columns."""

    name: str
    title: str
    summary: str
    matched_on: str
    columns: tuple[Column, ...]
    aliases: tuple[str, ...] = ()

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


SCOPE_HELP = (
    "Whose it is: org (the organization), unit:PATH (a unit, e.g. unit:Sales/Sales EMEA) "
    "or person:EMAIL."
)
# Columns the KRA and KPI sheets share.
SCOPE = Column("scope", "scope", SCOPE_HELP, "unit:Sales", required=True)
OWNER = Column(
    "owner", "email", "The accountable person's email.", "leo@example.com",
    aliases=("owner_email",),
)  # fmt: skip

KINDS: dict[str, SheetKind] = {
    kind.name: kind
    for kind in (
        SheetKind(
            name="units",
            title="Units",
            summary="Divisions, departments and teams, as a tree.",
            matched_on="the unit's name (the last part of its path); unit names are unique",
            aliases=("unit", "org_units", "teams"),
            columns=(
                Column(
                    "path",
                    "unit",
                    "The unit's name after the names of the units above it, "
                    "separated by /. A unit with no parent is just its name. The units above "
                    "must exist or have their own rows.",
                    "Sales/Sales EMEA",
                    required=True,
                    max_length=200,
                    aliases=("unit", "unit_path", "name"),
                ),
                Column(
                    "kind",
                    "choice",
                    "What sort of unit it is.",
                    "team",
                    choices=("division", "department", "team", "other"),
                    default="team",
                ),
                Column(
                    "head",
                    "email",
                    "The email of the person heading it (a person who "
                    "exists already: import units, then people, then units again to set "
                    "heads of new people). Empty: no head.",
                    "leo@example.com",
                    aliases=("head_email",),
                ),
            ),
        ),
        SheetKind(
            name="people",
            title="People",
            summary="Everyone who owns goals, with their unit, manager and role.",
            matched_on="email (in any letter case)",
            aliases=("person", "persons", "employees", "staff"),
            columns=(
                Column(
                    "email",
                    "email",
                    "Their email address: how they are matched.",
                    "ana@example.com",
                    required=True,
                    aliases=("e_mail", "email_address"),
                ),
                Column(
                    "name",
                    "text",
                    "Their full name.",
                    "Ana Diaz",
                    required=True,
                    max_length=200,
                    aliases=("full_name",),
                ),
                Column(
                    "unit",
                    "unit",
                    "The path of their unit (it must exist). Empty: no unit.",
                    "Sales/Sales EMEA",
                    aliases=("unit_path", "team"),
                ),
                Column(
                    "manager",
                    "email",
                    "Their manager's email (an existing person or one "
                    "on another row). Empty: no manager.",
                    "leo@example.com",
                    aliases=("manager_email",),
                ),
                Column(
                    "title",
                    "text",
                    "Their job title.",
                    "Account executive",
                    max_length=200,
                    aliases=("job_title",),
                ),
                Column(
                    "role",
                    "choice",
                    "What they may do in Headway. Empty: unchanged "
                    "(member for someone new). Only an admin may give or take away the "
                    "admin role.",
                    "member",
                    choices=("admin", "hr", "leader", "member", "viewer"),
                ),
                Column(
                    "active",
                    "yesno",
                    "Whether they can sign in and own goals. Empty: "
                    "unchanged (yes for someone new).",
                    "yes",
                ),
            ),
        ),
        SheetKind(
            name="kras",
            title="KRAs",
            summary="Key result areas: the 3–5 vital areas of outcomes of each scope.",
            matched_on="key",
            aliases=("kra", "result_areas", "key_result_areas"),
            columns=(
                Column(
                    "key",
                    "key",
                    "A stable id you choose: how the row is matched.",
                    "kra-revenue",
                    required=True,
                    aliases=("id",),
                ),
                Column(
                    "name",
                    "text",
                    "The KRA's name.",
                    "Revenue growth",
                    required=True,
                    max_length=200,
                ),
                SCOPE,
                OWNER,
                Column(
                    "weight",
                    "number",
                    "Its share of its scope, in percent (0–100).",
                    "40",
                    places=2,
                    digits=6,
                    low=Decimal(0),
                    high=Decimal(100),
                ),
                Column(
                    "parent",
                    "key",
                    "The key of the higher KRA it ladders up to.",
                    "kra-growth",
                    aliases=("parent_key",),
                ),
                Column(
                    "review_cadence_days",
                    "integer",
                    "Days between reviews.",
                    "90",
                    default="90",
                    low=Decimal(1),
                    high=Decimal(3660),
                    aliases=("review_cadence", "cadence_days"),
                ),
                Column(
                    "state",
                    "choice",
                    "Whether it is in use.",
                    "active",
                    choices=("active", "retired"),
                    default="active",
                ),
                Column(
                    "description",
                    "text",
                    "What the area covers.",
                    "New and expanded business in EMEA.",
                ),
            ),
        ),
        SheetKind(
            name="kpis",
            title="KPIs with targets",
            summary="Indicators, one row per target period. Repeat the KPI's key on a row "
            "for each period; the other KPI cells may then be left empty or repeated.",
            matched_on="key (and the period, for a target)",
            aliases=("kpi", "indicators", "indicator", "targets"),
            columns=(
                Column(
                    "key",
                    "key",
                    "A stable id you choose: how the KPI is matched.",
                    "mrr",
                    required=True,
                    aliases=("id", "kpi"),
                ),
                Column(
                    "name",
                    "text",
                    "The KPI's name.",
                    "Monthly recurring revenue",
                    required=True,
                    max_length=200,
                ),
                SCOPE,
                OWNER,
                Column(
                    "unit",
                    "text",
                    "The unit its values are in.",
                    "EUR",
                    max_length=40,
                    aliases=("unit_label",),
                ),
                Column(
                    "direction",
                    "choice",
                    "Which way is good: up, down, or inside a range.",
                    "up",
                    choices=("up", "down", "range"),
                    default="up",
                ),
                Column(
                    "frequency",
                    "choice",
                    "How often it is measured.",
                    "month",
                    choices=("day", "week", "month", "quarter"),
                    default="month",
                ),
                Column(
                    "aggregation",
                    "choice",
                    "How a period's values combine.",
                    "last",
                    choices=("last", "sum", "mean", "min", "max"),
                    default="last",
                ),
                Column(
                    "leading", "yesno", "Whether it predicts other outcomes.", "no", default="no"
                ),
                Column(
                    "kra",
                    "key",
                    "The key of the KRA it measures.",
                    "kra-revenue",
                    aliases=("result_area", "kra_key"),
                ),
                Column(
                    "red_below",
                    "number",
                    "Up: red below this value (default 90% of the target).",
                    "100000",
                ),
                Column("red_above", "number", "Down: red above this value.", ""),
                Column(
                    "tolerance",
                    "number",
                    "Range: amber this far outside the range.",
                    "",
                ),
                Column(
                    "description",
                    "text",
                    "What it measures and where the numbers come from.",
                    "Sum of active subscriptions.",
                ),
                Column(
                    "period",
                    "text",
                    "The period of this row's target (it must exist). "
                    "Empty: no target on this row.",
                    "2026-Q4",
                    max_length=100,
                ),
                Column(
                    "target",
                    "number",
                    "The target for the period (up and down KPIs).",
                    "120000",
                    aliases=("target_value",),
                ),
                Column(
                    "target_lower",
                    "number",
                    "Range KPIs: the lowest good value.",
                    "",
                    aliases=("lower",),
                ),
                Column(
                    "target_upper",
                    "number",
                    "Range KPIs: the highest good value.",
                    "",
                    aliases=("upper",),
                ),
            ),
        ),
        SheetKind(
            name="measurements",
            title="KPI measurements",
            summary="KPI values over time, one row per KPI and date (long format). A value "
            "for a date already measured replaces it.",
            matched_on="the KPI's key and the date",
            aliases=("measurement", "values", "kpi_values", "kpi_measurements"),
            columns=(
                Column(
                    "kpi",
                    "key",
                    "The KPI's key.",
                    "mrr",
                    required=True,
                    aliases=("indicator", "key", "kpi_key"),
                ),
                Column("date", "date", "The day the value is for.", "2026-10-31", required=True),
                Column("value", "number", "The value.", "104500", required=True),
                Column(
                    "note",
                    "text",
                    "Where it comes from, or what explains it.",
                    "From the billing report.",
                    max_length=500,
                ),
            ),
        ),
        SheetKind(
            name="objectives",
            title="Objectives",
            summary="Qualitative aims for one period; their key results go on their own sheet.",
            matched_on="key",
            aliases=("objective", "okrs", "goals"),
            columns=(
                Column(
                    "key",
                    "key",
                    "A stable id you choose: how the row is matched.",
                    "o-emea-growth",
                    required=True,
                    aliases=("id",),
                ),
                Column(
                    "title",
                    "text",
                    "The objective.",
                    "Grow EMEA into our largest region",
                    required=True,
                    max_length=300,
                    aliases=("objective", "name"),
                ),
                Column(
                    "period",
                    "text",
                    "The period's name (it must exist).",
                    "2026-Q4",
                    max_length=100,
                ),
                Column("scope", "scope", SCOPE_HELP, "unit:Sales/Sales EMEA", required=True),
                Column(
                    "owner",
                    "email",
                    "The accountable person's email.",
                    "ana@example.com",
                    aliases=("owner_email",),
                ),
                Column(
                    "kra",
                    "key",
                    "The key of the KRA it is filed under.",
                    "kra-revenue",
                    aliases=("result_area", "kra_key"),
                ),
                Column(
                    "visibility",
                    "choice",
                    "Who sees it: everyone, its unit, or only its "
                    "owner, their managers, HR and admins.",
                    "public",
                    choices=("public", "unit", "private"),
                    default="public",
                ),
                Column(
                    "state",
                    "choice",
                    "Where it is in its life.",
                    "active",
                    choices=("draft", "active", "closed", "cancelled"),
                    default="active",
                ),
                Column(
                    "rollup",
                    "choice",
                    "What its progress is made of.",
                    "key_results",
                    choices=("key_results", "children", "both"),
                    default="key_results",
                ),
                Column("description", "text", "Why it matters.", "EMEA is where we grow fastest."),
                Column(
                    "aligns_to",
                    "keys",
                    "Keys of the higher objectives it aligns to; a key "
                    "result as kr:KEY. New links get weight 1; links are only ever added.",
                    "o-company-growth",
                    aliases=("aligned_to", "parents", "parent"),
                ),
            ),
        ),
        SheetKind(
            name="key_results",
            title="Key results",
            summary="Measurable outcomes of objectives, from a start value to a target.",
            matched_on="key",
            aliases=("key_result", "krs", "kr"),
            columns=(
                Column(
                    "key",
                    "key",
                    "A stable id you choose: how the row is matched.",
                    "kr-emea-arr",
                    required=True,
                    aliases=("id",),
                ),
                Column(
                    "objective",
                    "key",
                    "The key of its objective (it must exist).",
                    "o-emea-growth",
                    required=True,
                    aliases=("objective_key",),
                ),
                Column(
                    "title",
                    "text",
                    "The key result.",
                    "Grow EMEA ARR from 1.2M to 1.8M EUR",
                    required=True,
                    max_length=300,
                    aliases=("key_result", "name"),
                ),
                Column(
                    "owner",
                    "email",
                    "The accountable person's email. Empty: the "
                    "objective's owner for a new key result, unchanged for one that exists.",
                    "ana@example.com",
                    aliases=("owner_email",),
                ),
                Column(
                    "kind",
                    "choice",
                    "What sort of value it tracks.",
                    "currency",
                    choices=("number", "percent", "currency", "boolean", "milestones"),
                    default="number",
                ),
                Column(
                    "unit",
                    "text",
                    "The unit its values are in.",
                    "EUR",
                    max_length=40,
                    aliases=("unit_label",),
                ),
                Column(
                    "direction",
                    "choice",
                    "Which way is progress. Empty: decrease when the "
                    "target is below the start, else increase.",
                    "increase",
                    choices=("increase", "decrease", "at_least", "at_most", "within"),
                ),
                Column("start", "number", "The value at the start.", "1200000"),
                Column("target", "number", "The value to reach.", "1800000"),
                Column("lower", "number", "Within: the lowest good value.", ""),
                Column("upper", "number", "Within: the highest good value.", ""),
                Column(
                    "weight",
                    "number",
                    "Its weight in the objective's progress.",
                    "1",
                    default="1",
                    places=4,
                    digits=10,
                    low=Decimal(0),
                ),
                Column(
                    "confidence",
                    "integer",
                    "Confidence at the start, 0–10.",
                    "7",
                    low=Decimal(0),
                    high=Decimal(10),
                    aliases=("confidence_start",),
                ),
                Column(
                    "source",
                    "choice",
                    "Where its progress comes from.",
                    "check_ins",
                    choices=("check_ins", "indicator", "children", "milestones"),
                    default="check_ins",
                    aliases=("progress_source",),
                ),
                Column(
                    "kpi",
                    "key",
                    "The KPI it follows (source indicator).",
                    "",
                    aliases=("indicator", "kpi_key"),
                ),
                Column(
                    "due",
                    "date",
                    "Its due date. Empty: the period's end.",
                    "",
                    aliases=("due_date",),
                ),
                Column(
                    "state",
                    "choice",
                    "Whether it still counts.",
                    "active",
                    choices=("active", "cancelled"),
                    default="active",
                ),
            ),
        ),
    )
}


def normalise_name(text: str) -> str:
    """'Manager email' → 'manager_email': headers and sheet names compare this way."""
    return re.sub(r"[^a-z0-9]+", "_", text.strip().lower()).strip("_")


def kind_named(text: str) -> SheetKind | None:
    """The sheet kind a sheet (or file) name means, if any."""
    wanted = normalise_name(text)
    for kind in KINDS.values():
        if wanted == kind.name or wanted in kind.aliases:
            return kind
    return None


def kind_in_filename(filename: str) -> SheetKind | None:
    """The one kind a file name speaks of ("acme-people.csv" → people), if exactly one."""
    stem = f"_{normalise_name(PurePath(filename).stem)}_"
    found = [k for k in KINDS.values() if f"_{k.name}_" in stem]
    return found[0] if len(found) == 1 else None


def match_header(kind: SheetKind, text: str) -> Column | None:
    wanted = normalise_name(text)
    for column in kind.columns:
        if wanted == column.name or wanted in column.aliases:
            return column
    return None


# -- cells → values -----------------------------------------------------------------------------
YES = {"yes", "y", "true", "1", "x"}
NO = {"no", "n", "false", "0"}


def parse_number(text: str, column: Column) -> Decimal:
    """An exact decimal, never rounded: too many decimals is an error, not a silent change."""
    cleaned = text.replace(" ", "").replace("\u00a0", "")
    if "," in cleaned:
        whole, _, decimals = cleaned.partition(",")
        if "." in cleaned or "," in decimals or len(decimals) == 3:
            raise CellError(
                f'"{text}" is ambiguous: write numbers without thousands separators, '
                "with a point for decimals (1234.5)"
            )
        cleaned = f"{whole}.{decimals}"  # a decimal comma, as in 12,5
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise CellError(f'"{text}" is not a number') from None
    if not value.is_finite():
        raise CellError(f'"{text}" is not a number')
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    if -exponent > column.places and value != value.quantize(Decimal(1).scaleb(-column.places)):
        raise CellError(
            f"{text} has more than {column.places} decimals; round it (e.g. with ROUND)"
        )
    kept = value.quantize(Decimal(1).scaleb(-column.places))
    if len(kept.as_tuple().digits) > column.digits:
        raise CellError(f"{text} is too large")
    if column.low is not None and value < column.low:
        raise CellError(f"{text} is below {column.low}")
    if column.high is not None and value > column.high:
        raise CellError(f"{text} is above {column.high}")
    return value.normalize() if value == value.to_integral() else value


def parse_key(text: str) -> str:
    if not KEY_RE.match(text):
        raise CellError(f'"{text}" is not a key: use letters, digits, - and _ only (at most 100)')
    return text


def parse_scope(text: str) -> tuple[str, str]:
    """('org', ''), ('unit', 'Sales/Sales EMEA') or ('person', 'ana@example.com')."""
    kind, colon, rest = text.partition(":")
    kind = kind.strip().lower()
    rest = rest.strip()
    if not colon and kind in ("org", "organization", "organisation", "company"):
        return "org", ""
    if colon and kind == "unit" and rest:
        return "unit", parse_unit_path(rest)
    if colon and kind == "person" and rest:
        return "person", parse_email(rest)
    raise CellError(f'"{text}" is not a scope: write org, unit:PATH or person:EMAIL')


def parse_unit_path(text: str) -> str:
    parts = [p.strip() for p in text.split("/")]
    if not all(parts):
        raise CellError(f'"{text}" is not a unit path: write the names joined by /, e.g. A/B')
    return "/".join(parts)


def parse_email(text: str) -> str:
    email = text.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise CellError(f'"{text}" is not an email address') from None
    return email


def parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CellError(f'"{text}" is not a date: write it as YYYY-MM-DD') from None


def parse_cell(column: Column, raw: str) -> Any:
    """The value a cell holds for its column; None for an empty optional cell.

    Raises `CellError` with what the cell should hold.
    """
    text = raw.strip()
    if not text:
        if column.required:
            raise CellError("required: this cell is empty")
        if not column.default:
            return None
        text = column.default
    if column.type == "text":
        if column.max_length and len(text) > column.max_length:
            raise CellError(f"longer than {column.max_length} characters")
        return text
    if column.type == "email":
        return parse_email(text)
    if column.type == "key":
        return parse_key(text)
    if column.type == "keys":
        keys = [k.strip() for k in re.split(r"[,;\n]", text) if k.strip()]
        for key in keys:
            parse_key(key[3:] if key.lower().startswith("kr:") else key)
        return keys
    if column.type == "number":
        return parse_number(text, column)
    if column.type == "integer":
        number = parse_number(text, Column(column.name, "number", "", places=0, digits=12))
        if number != number.to_integral():
            raise CellError(f"{text} is not a whole number")
        if column.low is not None and number < column.low:
            raise CellError(f"{text} is below {column.low}")
        if column.high is not None and number > column.high:
            raise CellError(f"{text} is above {column.high}")
        return int(number)
    if column.type == "date":
        return parse_date(text)
    if column.type == "choice":
        wanted = normalise_name(text)
        if wanted in column.choices:
            return wanted
        raise CellError(f'"{text}" is not one of: {", ".join(column.choices)}')
    if column.type == "yesno":
        if text.lower() in YES:
            return True
        if text.lower() in NO:
            return False
        raise CellError(f'"{text}" is not yes or no')
    if column.type == "unit":
        return parse_unit_path(text)
    if column.type == "scope":
        return parse_scope(text)
    raise AssertionError(f"unknown column type {column.type}")


# -- reading files -------------------------------------------------------------------------------
@dataclass
class Table:
    """A sheet as read: the header cells and the non-empty rows, each with the line number the
    spreadsheet shows for it (the header is line 1). Every cell is text."""

    columns: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    sheet: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"columns": self.columns, "rows": self.rows, "sheet": self.sheet}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Table:
        return cls(
            columns=[str(c) for c in data["columns"]],
            rows=[(int(line), [str(c) for c in cells]) for line, cells in data["rows"]],
            sheet=str(data.get("sheet", "")),
        )


@dataclass
class SheetFile:
    """A file read: what kind of sheet it says it is (when it says), and its table."""

    kind: SheetKind | None
    table: Table
    format: str


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_unzipped_bytes: int
    max_rows: int


def limits() -> Limits:
    """The reading limits, each overridable in the settings."""
    return Limits(
        max_bytes=int(getattr(settings, "HEADWAY_SHEET_MAX_BYTES", 20 * MEGABYTE)),
        max_unzipped_bytes=int(
            getattr(settings, "HEADWAY_SHEET_MAX_UNZIPPED_BYTES", 200 * MEGABYTE)
        ),
        max_rows=int(getattr(settings, "HEADWAY_SHEET_MAX_ROWS", 200_000)),
    )


def size_label(size: int) -> str:
    """1.4 KB, 20 MB: as a person reads a file size."""
    for unit, scale in (("MB", MEGABYTE), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} bytes"


def too_big_message(size: int) -> str:
    return (
        f"The file is {size_label(size)}, over the limit of {size_label(limits().max_bytes)}. "
        "Split it into several files and import them one after the other."
    )


def format_of(filename: str, data: bytes) -> str:
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".xlsx" or (not suffix and data.startswith(b"PK\x03\x04")):
        return "xlsx"
    if suffix in (".csv", ".txt") or not suffix:
        return "csv"
    if suffix in (".xls", ".ods", ".numbers", ".xlsm", ".xlsb"):
        raise SheetReadError(
            f"{suffix} files are not read: save the sheet as .xlsx (Excel workbook) or .csv"
        )
    raise SheetReadError(f"{suffix} is not a spreadsheet: give an .xlsx or a .csv file")


def read_sheet(data: bytes, *, filename: str, kind: str | None = None) -> SheetFile:
    """Read an uploaded .xlsx or .csv file into a `Table`, within the limits.

    `kind` chooses the sheet of a workbook named like it (else the first sheet); without it,
    the file's own sheet name (or file name) may say which kind it holds.
    """
    lim = limits()
    if len(data) > lim.max_bytes:
        raise SheetReadError(too_big_message(len(data)))
    if not data.strip():
        raise SheetReadError("The file is empty.")
    wanted = KINDS.get(kind) if kind else None
    fmt = format_of(filename, data)
    if fmt == "xlsx":
        said, table = _read_xlsx(data, wanted, lim)
    else:
        said, table = None, _read_csv(data, lim)
    if said is None and wanted is None:
        said = kind_in_filename(filename)
    return SheetFile(kind=said, table=table, format=fmt)


def cell_text(value: Any) -> str:
    """A cell as text, as the spreadsheet shows it; the apostrophe an export put before a cell
    that starts like a formula is taken off again, so export → import changes nothing."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        # A spreadsheet keeps 15 significant digits; more is binary noise (0.1 + 0.2).
        return format(Decimal(format(value, ".15g")), "f")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    text = str(value)
    if len(text) > 1 and text[0] == "'" and text[1] in ("'", "\n", *FORMULA_TRIGGERS):
        return text[1:]
    return text


def _table(rows: Iterable[Sequence[Any]], sheet: str, lim: Limits) -> Table:
    iterator = iter(rows)
    header = [cell_text(c).strip() for c in next(iterator, ())]
    while header and not header[-1]:
        header.pop()
    if not header:
        raise SheetReadError(
            "The sheet is empty: its first row must name the columns (download a template)."
        )
    if len(header) > MAX_COLUMNS:
        raise SheetReadError(f"The sheet has more than {MAX_COLUMNS} columns.")
    width = len(header)
    table = Table(columns=header, sheet=sheet)
    for line, row in enumerate(iterator, start=2):
        cells = [cell_text(c) for c in row[:width]]
        if not any(c.strip() for c in cells):
            continue
        if len(table.rows) >= lim.max_rows:
            raise SheetReadError(
                f"The sheet has more than {lim.max_rows:,} rows, the limit. Split it into "
                "several files and import them one after the other."
            )
        cells.extend([""] * (width - len(cells)))
        table.rows.append((line, cells))
    return table


def _read_csv(data: bytes, lim: Limits) -> Table:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SheetReadError(
            f"The file is not UTF-8 text (byte {error.start + 1}). In your spreadsheet, save it "
            'as "CSV UTF-8", or upload the .xlsx workbook instead.'
        ) from None
    if "\x00" in text:
        raise SheetReadError("The file is not a CSV text file: it holds binary data.")
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _table(reader, "", lim)
    except csv.Error as error:
        raise SheetReadError(f"line {reader.line_num}: the CSV cannot be read: {error}") from None


MALICIOUS = (
    "The workbook contains XML entity declarations or references to outside files, which "
    "Headway refuses to read (they are how malicious files attack). Save it again from your "
    "spreadsheet, or export it as .csv."
)
UNREADABLE = "The file is not a readable .xlsx workbook ({}). Save it again as .xlsx or .csv."


def _unreadable(error: BaseException) -> SheetReadError:
    """The message for a workbook openpyxl could not read; defusedxml's refusals arrive
    wrapped in openpyxl's own errors, so the whole chain of causes is searched."""
    from defusedxml import DefusedXmlException

    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, DefusedXmlException):
            return SheetReadError(MALICIOUS)
        seen = seen.__cause__ or seen.__context__
    return SheetReadError(UNREADABLE.format(type(error).__name__))


def _check_zip(data: bytes, lim: Limits) -> None:
    """Refuse a zip bomb before openpyxl unpacks it: the declared sizes bound what zipfile
    will inflate, so their sum is checked."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise SheetReadError(UNREADABLE.format(error)) from None
    if unzipped > lim.max_unzipped_bytes:
        raise SheetReadError(
            f"The workbook unpacks to {size_label(unzipped)}, over the limit of "
            f"{size_label(lim.max_unzipped_bytes)}. Split it into several files."
        )


def _choose_sheet(names: list[str], wanted: SheetKind | None) -> tuple[str, SheetKind | None]:
    named = [(name, kind_named(name)) for name in names]
    if wanted is not None:
        for name, kind in named:
            if kind is wanted:
                return name, kind
        data_sheets = [n for n in names if normalise_name(n) not in ("notes", "read_me")]
        return (data_sheets or names)[0], None
    kinds = [(name, kind) for name, kind in named if kind is not None]
    if len(kinds) > 1:
        listed = ", ".join(name for name, _ in kinds)
        raise SheetReadError(
            f"The workbook has sheets for several kinds ({listed}): say which kind to import."
        )
    if kinds:
        return kinds[0]
    return names[0], None


def _read_xlsx(
    data: bytes, wanted: SheetKind | None, lim: Limits
) -> tuple[SheetKind | None, Table]:
    import openpyxl
    from openpyxl import xml as openpyxl_xml

    if not openpyxl_xml.DEFUSEDXML:  # e.g. OPENPYXL_DEFUSEDXML=False in the environment
        raise SheetReadError(
            ".xlsx files cannot be read safely here (defusedxml is not active); upload a .csv."
        )
    _check_zip(data, lim)
    # openpyxl raises many kinds of errors on a damaged file; any of them means "unreadable",
    # and none may escape as a crash.
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:
        raise _unreadable(error) from None
    try:
        name, said = _choose_sheet(list(workbook.sheetnames), wanted)
        sheet: Any = workbook[name]
        if not hasattr(sheet, "iter_rows"):
            raise SheetReadError(f'"{name}" is a chart, not a sheet of rows.')
        sheet.reset_dimensions()  # the stated dimensions may be wrong; read what is there
        header = next(sheet.iter_rows(max_row=1, max_col=MAX_COLUMNS + 1, values_only=True), ())
        width = len(header)
        while width and cell_text(header[width - 1]).strip() == "":
            width -= 1
        body: Iterator[Sequence[Any]] = sheet.iter_rows(
            min_row=2, max_col=max(width, 1), values_only=True
        )
        table = _table(_chain([header], body), name, lim)
    except SheetReadError:
        raise
    except Exception as error:
        raise _unreadable(error) from None
    finally:
        workbook.close()
    return said, table


def _chain(first: list[Sequence[Any]], rest: Iterator[Sequence[Any]]) -> Iterator[Sequence[Any]]:
    yield from first
    yield from rest


# -- writing files -------------------------------------------------------------------------------
def neutralise(text: str) -> str:
    """Text that a spreadsheet could run as a formula gets a leading apostrophe (and so does
    text that starts with one, so reading takes exactly one off)."""
    if text.startswith((*FORMULA_TRIGGERS, "'")):
        return "'" + text
    return text


def plain_number(value: Decimal) -> str:
    """45.000000 → "45", 0.500 → "0.5": as a person writes it."""
    if value == value.to_integral():
        return format(value.quantize(Decimal(1)), "f")
    return format(value.normalize(), "f")


def _text_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return plain_number(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return neutralise(str(value))


def write_csv(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 with a byte order mark (so Excel reads the accents), comma separated."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(c) for c in columns])
    for row in rows:
        writer.writerow([_text_cell(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")


def _xlsx_cell(sheet: Any, value: Any) -> Any:
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, bool) or value is None:
        return _text_cell(value) or None
    if isinstance(value, Decimal | int):
        number = Decimal(value)
        as_float = float(number)
        # A number cell only when a spreadsheet keeps it exactly; else the digits as text.
        if math.isfinite(as_float) and Decimal(format(as_float, ".15g")) == number:
            return int(number) if number == number.to_integral() else as_float
        return plain_number(number)
    if isinstance(value, dt.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    return ILLEGAL_XML.sub("", neutralise(str(value)))


def write_xlsx(
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    sheet_name: str,
    notes: SheetKind | None = None,
) -> bytes:
    """One sheet of rows under a bold, frozen header; with `notes`, a Notes sheet that explains
    each column of that kind."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = openpyxl.Workbook(write_only=True)
    sheet: Any = workbook.create_sheet(sheet_name)
    sheet.freeze_panes = "A2"
    for index, name in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, min(40, len(name) + 6))
    bold = Font(bold=True)
    header = []
    for name in columns:
        cell = WriteOnlyCell(sheet, value=neutralise(name))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append([_xlsx_cell(sheet, v) for v in row])
    if notes is not None:
        _notes_sheet(workbook, notes)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


GENERAL_NOTES = (
    "The first row names the columns; their order does not matter, and columns Headway does "
    "not know are ignored.",
    "A column left out of the sheet leaves that field of existing rows as it is; an empty cell "
    "in a column that is there means empty (or the default named below).",
    "Rows are matched on their key: a new key creates, a known one updates, and a row that "
    "matches what is stored changes nothing. Importing the same file twice changes nothing.",
    "Nothing is ever deleted by an import.",
    "Every row is checked before anything is saved: when one row is wrong, nothing is saved, "
    "and every wrong row is listed with its line number.",
    "Write dates as YYYY-MM-DD and numbers with a point for decimals, without thousands "
    "separators.",
)


def _notes_sheet(workbook: Any, kind: SheetKind) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font

    sheet: Any = workbook.create_sheet("Notes")
    for letter, width in zip("ABCDE", (22, 10, 30, 26, 90), strict=True):
        sheet.column_dimensions[letter].width = width
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    title = WriteOnlyCell(sheet, value=f"{kind.title}: {kind.summary}")
    title.font = bold
    sheet.append([title])
    sheet.append([f"Rows are matched on {kind.matched_on}."])
    sheet.append([])
    head = []
    for text in ("Column", "Required", "Type", "Example", "What it holds"):
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        head.append(cell)
    sheet.append(head)
    for column in kind.columns:
        helptext = column.help
        if column.default and "Empty:" not in helptext:
            helptext += f" Empty: {column.default}."
        cell = WriteOnlyCell(sheet, value=helptext)
        cell.alignment = wrap
        sheet.append(
            [
                column.name,
                "yes" if column.required else "no",
                column.type_label,
                neutralise(column.example),
                cell,
            ]
        )
    sheet.append([])
    sheet.append([WriteOnlyCell(sheet, value="Rules")])
    for rule in GENERAL_NOTES:
        sheet.append([rule])


def example_row(kind: SheetKind) -> list[Any]:
    """The template's example row: numbers and dates typed as an export writes them, the rest
    as written in the column's example."""
    row: list[Any] = []
    for column in kind.columns:
        value: Any = column.example or None
        if value is not None and column.type in ("number", "integer", "date"):
            value = parse_cell(column, column.example)
        row.append(value)
    return row


def template(kind: SheetKind, fmt: str) -> bytes:
    """A file to fill in: the header, one example row, and (xlsx) the notes on each column."""
    if fmt == "xlsx":
        return write_xlsx(kind.names, [example_row(kind)], sheet_name=kind.name, notes=kind)
    return write_csv(kind.names, [example_row(kind)])


CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
