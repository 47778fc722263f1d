"""Plain values the core reasons about: the whole goal system of one organization.

The database, the goals file and the API are adapters that build a `Goals` value and hand it
to the arithmetic (`headway.core.evaluate`) and the health checks (`headway.core.checks`).
Numbers are `Fraction`s so that every formula of DESIGN §3 is exact; adapters convert at the
edges (`to_number`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

Number = Fraction

ORG_SCOPE = "org"


def to_number(value: int | float | str | Decimal | Fraction | None) -> Fraction | None:
    """An exact number from whatever an adapter holds; floats are read as the decimal they print."""
    if value is None:
        return None
    if isinstance(value, Fraction):
        return value
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(value, int | Decimal):
        return Fraction(value)
    if isinstance(value, float):
        return Fraction(repr(value))
    return Fraction(Decimal(str(value).strip()))


def to_decimal(value: Fraction | None) -> Decimal | None:
    """An exact number as a Decimal for display and storage (division to 28 digits)."""
    if value is None:
        return None
    return Decimal(value.numerator) / Decimal(value.denominator)


def to_float(value: Fraction | Decimal | None) -> float | None:
    """A number for JSON (charts, exports), rounded to six places."""
    return None if value is None else round(float(value), 6)


def scope_key(kind: str, name: str = "") -> str:
    """`org`, `unit:NAME` or `person:EMAIL`, the way the goals file writes a scope."""
    return ORG_SCOPE if kind == ORG_SCOPE else f"{kind}:{name}"


class Direction(StrEnum):
    INCREASE = "increase"
    DECREASE = "decrease"
    AT_LEAST = "at_least"
    AT_MOST = "at_most"
    WITHIN = "within"


THRESHOLD_DIRECTIONS = frozenset({Direction.AT_LEAST, Direction.AT_MOST, Direction.WITHIN})


class KRKind(StrEnum):
    NUMBER = "number"
    PERCENT = "percent"
    CURRENCY = "currency"
    BOOLEAN = "boolean"
    MILESTONES = "milestones"


class ProgressSource(StrEnum):
    CHECK_INS = "check_ins"
    INDICATOR = "indicator"
    CHILDREN = "children"
    MILESTONES = "milestones"


class Rollup(StrEnum):
    KEY_RESULTS = "key_results"
    CHILDREN = "children"
    BOTH = "both"


class Status(StrEnum):
    NOT_STARTED = "not_started"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    NO_DATA = "no_data"
    # Once a period is closed the status is its grade's colour (DESIGN §3.5).
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


class IndicatorDirection(StrEnum):
    UP = "up"
    DOWN = "down"
    RANGE = "range"


class Frequency(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"


FREQUENCY_DAYS = {Frequency.DAY: 1, Frequency.WEEK: 7, Frequency.MONTH: 30, Frequency.QUARTER: 91}


class Aggregation(StrEnum):
    LAST = "last"
    SUM = "sum"
    MEAN = "mean"
    MIN = "min"
    MAX = "max"


class Rag(StrEnum):
    """Red/amber/green of an indicator or a KRA."""

    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    NO_DATA = "no_data"
    NO_TARGET = "no_target"
    UNMEASURED = "unmeasured"


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class Period:
    """A time box; both dates inclusive. `state` None means: derive it from the dates."""

    id: str
    start: dt.date
    end: dt.date
    state: str | None = None  # "closed" closes it early; otherwise the dates decide

    def state_on(self, today: dt.date) -> str:
        """Closed once closed explicitly or past its end; otherwise what the dates say."""
        if self.state == "closed":
            return "closed"
        if today < self.start:
            return "planning"
        return "closed" if today > self.end else "active"

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True, slots=True)  # slots: an organization holds millions of them
class CheckIn:
    """One recorded value of a key result (append-only)."""

    date: dt.date
    value: Fraction | None
    confidence: int | None = None
    status: str | None = None  # the owner's own reading: on_track, at_risk, off_track
    note: str = ""


@dataclass(frozen=True)
class Milestone:
    title: str
    done: bool = False
    weight: Fraction = Fraction(1)
    due: dt.date | None = None


@dataclass(frozen=True)
class Alignment:
    """A link from a child objective up to a parent objective or a parent key result."""

    parent_objective: str | None = None
    parent_key_result: str | None = None
    weight: Fraction = Fraction(1)


@dataclass
class KeyResult:
    """A measurable outcome of one objective."""

    id: str
    title: str
    owner: str | None = None
    kind: KRKind = KRKind.NUMBER
    direction: Direction | None = None
    start: Fraction | None = None
    target: Fraction | None = None  # the bound for at_least / at_most
    lower: Fraction | None = None  # within
    upper: Fraction | None = None  # within
    unit: str = ""
    weight: Fraction = Fraction(1)
    confidence_start: int | None = None
    source: ProgressSource = ProgressSource.CHECK_INS
    indicator: str | None = None
    due: dt.date | None = None
    done: bool = False  # boolean kind
    cancelled: bool = False
    milestones: list[Milestone] = field(default_factory=list)
    check_ins: list[CheckIn] = field(default_factory=list)
    # Where the title's numbers came from when start/target were not given: the parser's reading.
    parsed_from_title: bool = False


@dataclass
class Objective:
    """A qualitative aim for one period, measured by its key results or aligned children."""

    id: str
    title: str
    period: str | None
    scope: str
    owner: str | None = None
    result_area: str | None = None
    state: str = "active"  # draft, active, closed, cancelled
    visibility: str = "public"
    rollup: Rollup = Rollup.KEY_RESULTS
    description: str = ""
    aligns_to: list[Alignment] = field(default_factory=list)
    key_results: list[KeyResult] = field(default_factory=list)


@dataclass(frozen=True)
class Target:
    """An indicator's target for one period: `value`, or `lower`/`upper` for a range."""

    value: Fraction | None = None
    lower: Fraction | None = None
    upper: Fraction | None = None


@dataclass(frozen=True, slots=True)  # slots: an organization holds millions of them
class Measurement:
    date: dt.date
    value: Fraction
    note: str = ""


@dataclass
class Indicator:
    """A KPI: a metric tracked over time against a target per period."""

    id: str
    name: str
    scope: str
    owner: str | None = None
    unit: str = ""
    direction: IndicatorDirection = IndicatorDirection.UP
    frequency: Frequency = Frequency.MONTH
    aggregation: Aggregation = Aggregation.LAST
    leading: bool = False
    result_area: str | None = None
    targets: dict[str, Target] = field(default_factory=dict)  # period id -> target
    red_below: Fraction | None = None  # up
    red_above: Fraction | None = None  # down
    tolerance: Fraction | None = None  # range
    measurements: list[Measurement] = field(default_factory=list)
    description: str = ""


@dataclass
class ResultArea:
    """A KRA: a vital area of outcomes one scope is accountable for."""

    id: str
    name: str
    scope: str
    owner: str | None = None
    weight: Fraction | None = None
    parent: str | None = None
    state: str = "active"  # active, retired
    review_cadence_days: int = 90
    last_reviewed: dt.date | None = None
    # When this KRA's definition last changed (or it was retired): a child KRA reviewed before
    # that date has drifted (HW015).
    changed: dt.date | None = None
    description: str = ""


@dataclass(frozen=True)
class Unit:
    name: str
    parent: str | None = None
    head: str | None = None
    kind: str = "team"


@dataclass(frozen=True)
class Person:
    email: str
    name: str
    unit: str | None = None
    manager: str | None = None
    title: str = ""
    role: str = "member"
    active: bool = True


@dataclass
class Goals:
    """An organization's whole goal system at one moment."""

    organization: str
    today: dt.date
    periods: list[Period] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    result_areas: list[ResultArea] = field(default_factory=list)
    indicators: list[Indicator] = field(default_factory=list)
    objectives: list[Objective] = field(default_factory=list)
    slug: str = ""
    fiscal_year_start_month: int = 1

    def period(self, period_id: str | None) -> Period | None:
        return next((p for p in self.periods if p.id == period_id), None)
