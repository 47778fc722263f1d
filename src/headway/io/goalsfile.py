"""The `headway.yaml` goals file (DESIGN §6): read it into a `Goals` value, write one back.

`load` reports every problem at once, each with the file, the line and the key path, so a
user fixes a file in one pass; `dump` writes the same format, and `load(dump(g)) == g`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import InvalidOperation
from enum import StrEnum
from fractions import Fraction
from typing import Any, TypeVar

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from headway.core.indicators import ThresholdError, Thresholds, validate_thresholds
from headway.core.krtext import KeyResultParseError, parse_key_result
from headway.core.model import (
    ORG_SCOPE,
    Aggregation,
    Alignment,
    CheckIn,
    Direction,
    Frequency,
    Goals,
    Indicator,
    IndicatorDirection,
    KeyResult,
    KRKind,
    Measurement,
    Milestone,
    Objective,
    Period,
    Person,
    ProgressSource,
    ResultArea,
    Rollup,
    Target,
    Unit,
    to_number,
)

E = TypeVar("E", bound=StrEnum)

NULL_TAG = "tag:yaml.org,2002:null"
BOOL_TAG = "tag:yaml.org,2002:bool"
INT_TAG = "tag:yaml.org,2002:int"
FLOAT_TAG = "tag:yaml.org,2002:float"
STR_TAG = "tag:yaml.org,2002:str"
TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
MERGE_TAG = "tag:yaml.org,2002:merge"

PERIOD_KINDS = ("year", "half", "quarter", "month", "custom")
PERIOD_STATES = ("planning", "active", "closed")
UNIT_KINDS = ("division", "department", "team", "other")
ROLES = ("admin", "hr", "leader", "member", "viewer")
AREA_STATES = ("active", "retired")
OBJECTIVE_STATES = ("draft", "active", "closed", "cancelled")
VISIBILITIES = ("public", "unit", "private")
KR_STATES = ("active", "cancelled")
OWNER_STATUSES = ("on_track", "at_risk", "off_track")
NUMERIC_KINDS = frozenset({KRKind.NUMBER, KRKind.PERCENT, KRKind.CURRENCY})
MAX_CONFIDENCE = 10
GOAL_IDS = "objective or key result id"  # one id space: an alignment names either


def _keys(words: str) -> tuple[str, ...]:
    return tuple(words.split())


TOP_KEYS = _keys("organization today periods units people result_areas indicators objectives")
ORGANIZATION_KEYS = ("name", "slug", "fiscal_year_start_month")
PERIOD_KEYS = ("name", "start", "end", "kind", "parent", "state")
UNIT_KEYS = ("name", "parent", "head", "kind")
PERSON_KEYS = ("email", "name", "unit", "manager", "title", "role", "active")
AREA_KEYS = _keys(
    "id name scope owner weight parent state review_cadence_days last_reviewed changed description"
)
INDICATOR_KEYS = _keys(
    "id name scope owner unit direction frequency aggregation leading result_area "
    "targets red_below red_above tolerance measurements description"
)
RANGE_KEYS = ("lower", "upper")
MEASUREMENT_KEYS = ("date", "value", "note")
OBJECTIVE_KEYS = _keys(
    "id title period scope owner result_area state visibility rollup description "
    "aligns_to key_results"
)
ALIGNMENT_KEYS = ("objective", "key_result", "weight")
# `parsed_from_title` is written by `dump` when the title supplied start and target.
KEY_RESULT_KEYS = _keys(
    "id title owner kind direction start target lower upper unit weight confidence "
    "source indicator due done state milestones check_ins parsed_from_title"
)
MILESTONE_KEYS = ("title", "done", "weight", "due")
CHECK_IN_KEYS = ("date", "value", "confidence", "status", "note")

FRACTION_TEXT = re.compile(r"^\s*[-+]?\d+\s*/\s*\d+\s*$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a goals file, where a user would go to fix it."""

    filename: str
    line: int
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.filename}:{self.line}"
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


class GoalsFileError(ValueError):
    """A goals file that cannot be read; `problems` holds every problem found, in line order."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


def _is_null(node: Node | None) -> bool:
    return node is None or (isinstance(node, ScalarNode) and node.tag == NULL_TAG)


def _describe(node: Node) -> str:
    """How a value reads in a message: `"abc"`, `true`, `a list`."""
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if node.tag == STR_TAG:
        return '"' + str(node.value) + '"'
    return str(node.value)


def _a(word: str) -> str:
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"


def _suggest(word: str, choices: Any, *, emails: bool = False) -> str:
    """`; did you mean "x"?` for a near miss, else the known names (a few of them)."""
    names = [str(c) for c in choices]
    if emails:  # `max@` is not a near miss of `ana@` just because the domains agree
        by_local = {name.partition("@")[0]: name for name in names}
        close = difflib.get_close_matches(word.partition("@")[0], list(by_local), n=1, cutoff=0.8)
        close = [by_local[c] for c in close]
    else:
        close = difflib.get_close_matches(word, names, n=1, cutoff=0.8)
    if close:
        return f'; did you mean "{close[0]}"?'
    if not names:
        return ""
    shown = ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")
    return f"; known: {shown}"


@dataclass
class _Ref:
    """A name one part of the file uses for another, resolved once everything is read."""

    kind: str  # period, unit, person, result_area, indicator, objective, key_result
    name: str
    node: Node
    path: str


class _Fields:
    """The keys of one YAML mapping, read into typed values with problems reported by path."""

    def __init__(self, reader: _Reader, node: Node, path: str, values: dict[str, Node]) -> None:
        self.reader = reader
        self.node = node
        self.path = path
        self.values = values

    def __contains__(self, key: str) -> bool:
        return key in self.values

    def given(self, key: str) -> bool:
        return not _is_null(self.values.get(key))

    def at(self, key: str) -> Node:
        """The value's node, or the mapping itself when the key is absent (for line numbers)."""
        return self.values.get(key, self.node)

    def key(self, key: str) -> str:
        return _join(self.path, key)

    def text(self, key: str, default: str | None = None) -> str | None:
        node = self.values.get(key)
        if _is_null(node):
            return default
        assert node is not None
        return self.reader.text(node, self.key(key))

    def number(self, key: str, *, negative: bool = True) -> Fraction | None:
        node = self.values.get(key)
        if node is None:
            return None
        value = self.reader.number(node, self.key(key))
        if value is not None and not negative and value < 0:
            self.reader.problem(
                node, self.key(key), f"cannot be negative; got {_number_text(value)}"
            )
        return value

    def weight(self, key: str = "weight") -> Fraction:
        value = self.number(key, negative=False)
        return Fraction(1) if value is None else value

    def integer(self, key: str) -> int | None:
        node = self.values.get(key)
        return None if node is None else self.reader.integer(node, self.key(key))

    def date(self, key: str) -> dt.date | None:
        node = self.values.get(key)
        return None if node is None else self.reader.date(node, self.key(key))

    def boolean(self, key: str, default: bool = False) -> bool:
        node = self.values.get(key)
        if _is_null(node):
            return default
        assert node is not None
        value = self.reader.boolean(node, self.key(key))
        return default if value is None else value

    def choice(self, key: str, choices: tuple[str, ...], default: str) -> str:
        node = self.values.get(key)
        if _is_null(node):
            return default
        assert node is not None
        return self.reader.choice(node, self.key(key), choices) or default

    def enum(self, key: str, enum: type[E], default: E) -> E:
        return enum(self.choice(key, tuple(e.value for e in enum), default.value))

    def items(self, key: str) -> Iterator[tuple[Node, str]]:
        """The entries of a list, each with its path (`key_results[2]`); null reads as empty."""
        node = self.values.get(key)
        if _is_null(node):
            return
        assert node is not None
        if not isinstance(node, SequenceNode):
            self.reader.problem(node, self.key(key), f"expected a list, got {_describe(node)}")
            return
        for index, item in enumerate(node.value):
            yield item, f"{self.key(key)}[{index}]"

    def ident(self, key: str, space: str) -> str:
        """An id or a name other parts refer to; its uniqueness is checked within `space`."""
        value = self.text(key, "") or ""
        if value:
            self.reader.ids.setdefault(space, []).append((value, self.values[key], self.key(key)))
        return value

    def ref(self, key: str, kind: str) -> str | None:
        """A reference to another object by id or name, checked once the whole file is read."""
        value = self.text(key)
        if value is not None:
            self.reader.refs.append(_Ref(kind, value, self.values[key], self.key(key)))
        return value


class _Reader:
    """Turns the composed YAML tree into model values, collecting every problem on the way."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.problems: list[Problem] = []
        self.refs: list[_Ref] = []
        self.constructor = SafeConstructor()
        # For the checks across sections: ids by id space, and child -> parent links.
        self.ids: dict[str, list[tuple[str, Node, str]]] = {}
        self.parents: dict[str, list[tuple[str, str, Node, str]]] = {
            "alignment": [],
            "unit parent": [],
            "result area parent": [],
        }
        self.kr_owners: list[tuple[str, str]] = []

    # -- reporting and scalars ---------------------------------------------------------------
    def problem(self, node: Node, key: str, message: str) -> None:
        self.problems.append(Problem(self.filename, _line(node), key, message))

    def fields(
        self, node: Node, path: str, known: tuple[str, ...], required: tuple[str, ...] = ()
    ) -> _Fields | None:
        if not isinstance(node, MappingNode):
            self.problem(node, path, f"expected a mapping, got {_describe(node)}")
            return None
        explicit: set[str] = set()
        for key_node, _ in node.value:
            if isinstance(key_node, ScalarNode) and key_node.tag != MERGE_TAG:
                if key_node.value in explicit:
                    self.problem(key_node, _join(path, key_node.value), "this key is given twice")
                explicit.add(key_node.value)
        try:
            self.constructor.flatten_mapping(node)  # YAML merge keys (`<<: *defaults`)
        except ConstructorError as error:
            self.problem(node, path, str(error.problem))
            return None
        values: dict[str, Node] = {}
        unknown: set[str] = set()
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode) or _is_null(key_node):
                self.problem(key_node, path, f"expected a key name, got {_describe(key_node)}")
                continue
            key = str(key_node.value)
            if key not in known:
                if key not in unknown:
                    unknown.add(key)
                    hint = _suggest(key, known)
                    if "did you mean" not in hint:
                        hint = "; expected one of " + ", ".join(known)
                    self.problem(key_node, _join(path, key), f'unknown key "{key}"{hint}')
                continue
            values[key] = value_node  # merged keys come first, so the mapping's own win
        for key in required:
            if _is_null(values.get(key)):
                self.problem(values.get(key, node), _join(path, key), f'"{key}" is required')
        return _Fields(self, node, path, values)

    def text(self, node: Node, path: str) -> str | None:
        if not isinstance(node, ScalarNode):
            self.problem(node, path, f"expected text, got {_describe(node)}")
            return None
        return str(node.value)  # as written: `title: 2026` is the text "2026", not a number

    def number(self, node: Node, path: str) -> Fraction | None:
        """Ints, decimals (read exactly from the text as written), "1.5" and "1/3" strings."""
        if _is_null(node):
            return None
        if not isinstance(node, ScalarNode) or node.tag == BOOL_TAG:
            self.problem(node, path, f"expected a number, got {_describe(node)}")
            return None
        raw = str(node.value)
        try:
            if node.tag == INT_TAG:
                return Fraction(self.constructor.construct_yaml_int(node))
            if node.tag in (FLOAT_TAG, STR_TAG):
                if FRACTION_TEXT.match(raw):
                    return Fraction(raw.replace(" ", ""))
                value = to_number(raw.replace("_", "") if node.tag == FLOAT_TAG else raw)
                if value is not None:
                    return value
        except (InvalidOperation, ValueError, ZeroDivisionError, TypeError, ConstructorError):
            pass
        self.problem(node, path, f"expected a number, got {_describe(node)}")
        return None

    def integer(self, node: Node, path: str) -> int | None:
        value = self.number(node, path)
        if value is None:
            return None
        if value.denominator != 1:
            self.problem(node, path, f"expected a whole number, got {_describe(node)}")
            return None
        return int(value)

    def date(self, node: Node, path: str) -> dt.date | None:
        if _is_null(node):
            return None
        if isinstance(node, ScalarNode):
            try:
                if node.tag == TIMESTAMP_TAG:
                    value = self.constructor.construct_yaml_timestamp(node)
                    return value.date() if isinstance(value, dt.datetime) else value
                if node.tag == STR_TAG:
                    return dt.date.fromisoformat(str(node.value).strip())
            except (ValueError, ConstructorError):
                pass
        self.problem(node, path, f"expected a date (YYYY-MM-DD), got {_describe(node)}")
        return None

    def boolean(self, node: Node, path: str) -> bool | None:
        if isinstance(node, ScalarNode) and node.tag == BOOL_TAG:
            return bool(self.constructor.construct_yaml_bool(node))
        self.problem(node, path, f"expected true or false, got {_describe(node)}")
        return None

    def choice(self, node: Node, path: str, choices: tuple[str, ...]) -> str | None:
        value = self.text(node, path)
        if value is None:
            return None
        if value not in choices:
            self.problem(node, path, f"expected one of {', '.join(choices)}; got {_describe(node)}")
            return None
        return value

    def confidence(self, node: Node | None, path: str) -> int | None:
        if _is_null(node):
            return None
        assert node is not None
        value = self.number(node, path)
        if value is None:
            return None
        if value.denominator != 1 or not 0 <= value <= MAX_CONFIDENCE:
            self.problem(
                node, path, f"confidence is a whole number from 0 to 10; got {_describe(node)}"
            )
            return None
        return int(value)

    def scope(self, fields: _Fields, key: str = "scope") -> str:
        value = fields.text(key)
        if value is None:
            return ""
        node = fields.at(key)
        if value == ORG_SCOPE:
            return value
        kind, _, name = value.partition(":")
        if kind in ("unit", "person") and name:
            self.refs.append(_Ref(kind, name, node, fields.key(key)))
            return value
        self.problem(
            node, fields.key(key), f'expected org, unit:NAME or person:EMAIL; got "{value}"'
        )
        return value

    # -- sections ----------------------------------------------------------------------------
    def goals(self, root: Node) -> Goals:
        top = self.fields(root, "", TOP_KEYS)
        if top is None:
            raise GoalsFileError(self.problems)
        organization, slug, fiscal_month = self.organization(top)
        today = top.date("today") or dt.date.today()
        periods = [p for node, path in top.items("periods") if (p := self.period(node, path))]
        units = [u for node, path in top.items("units") if (u := self.unit(node, path))]
        people = [h for node, path in top.items("people") if (h := self.person(node, path))]
        areas = [
            a for node, path in top.items("result_areas") if (a := self.result_area(node, path))
        ]
        indicators = [
            i for node, path in top.items("indicators") if (i := self.indicator(node, path))
        ]
        objectives = [
            o for node, path in top.items("objectives") if (o := self.objective(node, path))
        ]
        return Goals(
            organization=organization,
            today=today,
            periods=periods,
            units=units,
            people=people,
            result_areas=areas,
            indicators=indicators,
            objectives=objectives,
            slug=slug,
            fiscal_year_start_month=fiscal_month,
        )

    def organization(self, top: _Fields) -> tuple[str, str, int]:
        node = top.values.get("organization")
        if _is_null(node):
            return "", "", 1
        assert node is not None
        if not isinstance(node, MappingNode):
            return self.text(node, "organization") or "", "", 1
        fields = self.fields(node, "organization", ORGANIZATION_KEYS, ("name",))
        if fields is None:
            return "", "", 1
        month = fields.integer("fiscal_year_start_month")
        if month is not None and not 1 <= month <= 12:
            self.problem(
                fields.at("fiscal_year_start_month"),
                fields.key("fiscal_year_start_month"),
                "expected a month from 1 to 12",
            )
            month = None
        return fields.text("name", "") or "", fields.text("slug", "") or "", month or 1

    def period(self, node: Node, path: str) -> Period | None:
        fields = self.fields(node, path, PERIOD_KEYS, ("name", "start", "end"))
        if fields is None:
            return None
        start, end = fields.date("start"), fields.date("end")
        if start and end and end < start:
            self.problem(fields.at("end"), fields.key("end"), f"end {end} is before start {start}")
        fields.choice("kind", PERIOD_KINDS, "quarter")
        fields.ref("parent", "period")
        state = fields.choice("state", PERIOD_STATES, "") or None
        if start is None or end is None:
            return None
        return Period(id=fields.ident("name", "period name"), start=start, end=end, state=state)

    def unit(self, node: Node, path: str) -> Unit | None:
        fields = self.fields(node, path, UNIT_KEYS, ("name",))
        if fields is None:
            return None
        unit = Unit(
            name=fields.ident("name", "unit name"),
            parent=fields.ref("parent", "unit"),
            head=fields.ref("head", "person"),
            kind=fields.choice("kind", UNIT_KINDS, "team"),
        )
        if unit.parent is not None:
            self.parents["unit parent"].append(
                (unit.name, unit.parent, fields.at("parent"), fields.key("parent"))
            )
        return unit

    def person(self, node: Node, path: str) -> Person | None:
        fields = self.fields(node, path, PERSON_KEYS, ("email", "name"))
        if fields is None:
            return None
        return Person(
            email=fields.ident("email", "email"),
            name=fields.text("name", "") or "",
            unit=fields.ref("unit", "unit"),
            manager=fields.ref("manager", "person"),
            title=fields.text("title", "") or "",
            role=fields.choice("role", ROLES, "member"),
            active=fields.boolean("active", True),
        )

    def result_area(self, node: Node, path: str) -> ResultArea | None:
        fields = self.fields(node, path, AREA_KEYS, ("id", "name", "scope"))
        if fields is None:
            return None
        cadence = fields.integer("review_cadence_days")
        if cadence is not None and cadence <= 0:
            self.problem(
                fields.at("review_cadence_days"),
                fields.key("review_cadence_days"),
                "expected a number of days above 0",
            )
            cadence = None
        area = ResultArea(
            id=fields.ident("id", "result area id"),
            name=fields.text("name", "") or "",
            scope=self.scope(fields),
            owner=fields.ref("owner", "person"),
            weight=fields.number("weight", negative=False),
            parent=fields.ref("parent", "result_area"),
            state=fields.choice("state", AREA_STATES, "active"),
            review_cadence_days=cadence or 90,
            last_reviewed=fields.date("last_reviewed"),
            changed=fields.date("changed"),
            description=fields.text("description", "") or "",
        )
        if area.parent is not None:
            self.parents["result area parent"].append(
                (area.id, area.parent, fields.at("parent"), fields.key("parent"))
            )
        return area

    def indicator(self, node: Node, path: str) -> Indicator | None:
        fields = self.fields(node, path, INDICATOR_KEYS, ("id", "name", "scope"))
        if fields is None:
            return None
        direction_text = fields.choice("direction", tuple(d.value for d in IndicatorDirection), "")
        direction_ok = bool(direction_text) or not fields.given("direction")
        direction = IndicatorDirection(direction_text or IndicatorDirection.UP)
        indicator = Indicator(
            id=fields.ident("id", "indicator id"),
            name=fields.text("name", "") or "",
            scope=self.scope(fields),
            owner=fields.ref("owner", "person"),
            unit=fields.text("unit", "") or "",
            direction=direction,
            frequency=fields.enum("frequency", Frequency, Frequency.MONTH),
            aggregation=fields.enum("aggregation", Aggregation, Aggregation.LAST),
            leading=fields.boolean("leading"),
            result_area=fields.ref("result_area", "result_area"),
            red_below=fields.number("red_below"),
            red_above=fields.number("red_above"),
            tolerance=fields.number("tolerance"),
            description=fields.text("description", "") or "",
        )
        indicator.targets = self.targets(fields, direction if direction_ok else None)
        seen: dict[dt.date, int] = {}
        for item, item_path in fields.items("measurements"):
            measurement = self.measurement(item, item_path)
            if measurement is None:
                continue
            if measurement.date in seen:
                self.problem(
                    item,
                    item_path,
                    f"a second measurement on {measurement.date} (the first is at line "
                    f"{seen[measurement.date]}); keep one value per date",
                )
                continue
            seen[measurement.date] = _line(item)
            indicator.measurements.append(measurement)
        if direction_ok:
            self.thresholds(fields, indicator)
        return indicator

    def targets(self, fields: _Fields, direction: IndicatorDirection | None) -> dict[str, Target]:
        node = fields.values.get("targets")
        if _is_null(node):
            return {}
        assert node is not None
        if not isinstance(node, MappingNode):
            self.problem(
                node,
                fields.key("targets"),
                f"expected a mapping of period to target, got {_describe(node)}",
            )
            return {}
        targets: dict[str, Target] = {}
        for key_node, value_node in node.value:
            period = self.text(key_node, fields.key("targets"))
            if period is None:
                continue
            path = f"{fields.key('targets')}.{period}"
            if period in targets:
                self.problem(key_node, path, "this period's target is given twice")
                continue
            self.refs.append(_Ref("period", period, key_node, path))
            if isinstance(value_node, MappingNode):
                bounds = self.fields(value_node, path, RANGE_KEYS, RANGE_KEYS)
                if bounds is None:
                    continue
                target = Target(lower=bounds.number("lower"), upper=bounds.number("upper"))
                if direction is not None and direction != IndicatorDirection.RANGE:
                    self.problem(
                        value_node,
                        path,
                        f"{_a(direction)} indicator takes one number as its target, "
                        "not lower/upper",
                    )
            else:
                target = Target(value=self.number(value_node, path))
                if direction == IndicatorDirection.RANGE:
                    self.problem(
                        value_node,
                        path,
                        "a range indicator takes {lower: ..., upper: ...} as its target",
                    )
            targets[period] = target
        return targets

    def thresholds(self, fields: _Fields, indicator: Indicator) -> None:
        """Thresholds that contradict the direction, then each target against them (§3.6)."""
        wrong = {
            IndicatorDirection.UP: ("red_above", "tolerance"),
            IndicatorDirection.DOWN: ("red_below", "tolerance"),
            IndicatorDirection.RANGE: ("red_below", "red_above"),
        }[indicator.direction]
        right = {
            IndicatorDirection.UP: "red_below",
            IndicatorDirection.DOWN: "red_above",
            IndicatorDirection.RANGE: "tolerance",
        }[indicator.direction]
        mismatched = [key for key in wrong if fields.given(key)]
        for key in mismatched:
            self.problem(
                fields.at(key),
                fields.key(key),
                f"{_a(indicator.direction)} indicator takes {right}, not {key}",
            )
        if mismatched:
            return
        thresholds = Thresholds(indicator.red_below, indicator.red_above, indicator.tolerance)
        node = fields.values.get("targets")
        for period, target in indicator.targets.items():
            ranged = indicator.direction == IndicatorDirection.RANGE
            if (target.value is not None) == ranged or (target.value is None and not ranged):
                continue  # a target of the wrong shape was reported already
            try:
                validate_thresholds(indicator.direction, target, thresholds)
            except ThresholdError as error:
                self.problem(node or fields.node, f"{fields.key('targets')}.{period}", str(error))

    def measurement(self, node: Node, path: str) -> Measurement | None:
        fields = self.fields(node, path, MEASUREMENT_KEYS, ("date", "value"))
        if fields is None:
            return None
        day, value = fields.date("date"), fields.number("value")
        note = fields.text("note", "") or ""
        if day is None or value is None:
            return None
        return Measurement(date=day, value=value, note=note)

    def objective(self, node: Node, path: str) -> Objective | None:
        fields = self.fields(node, path, OBJECTIVE_KEYS, ("id", "title", "scope"))
        if fields is None:
            return None
        objective = Objective(
            id=fields.ident("id", GOAL_IDS),
            title=fields.text("title", "") or "",
            period=fields.ref("period", "period"),
            scope=self.scope(fields),
            owner=fields.ref("owner", "person"),
            result_area=fields.ref("result_area", "result_area"),
            state=fields.choice("state", OBJECTIVE_STATES, "active"),
            visibility=fields.choice("visibility", VISIBILITIES, "public"),
            rollup=fields.enum("rollup", Rollup, Rollup.KEY_RESULTS),
            description=fields.text("description", "") or "",
        )
        for item, item_path in fields.items("aligns_to"):
            link = self.alignment(item, item_path)
            if link is not None:
                objective.aligns_to.append(link)
                parent = link.parent_objective or f"kr:{link.parent_key_result}"
                self.parents["alignment"].append((objective.id, parent, item, item_path))
        for item, item_path in fields.items("key_results"):
            kr = self.key_result(item, item_path, objective.owner)
            if kr is not None:
                objective.key_results.append(kr)
                self.kr_owners.append((objective.id, kr.id))
        return objective

    def alignment(self, node: Node, path: str) -> Alignment | None:
        fields = self.fields(node, path, ALIGNMENT_KEYS)
        if fields is None:
            return None
        parent_objective = fields.ref("objective", "objective")
        parent_kr = fields.ref("key_result", "key_result")
        weight = fields.weight()
        if (parent_objective is None) == (parent_kr is None):
            self.problem(
                node, path, "an alignment names exactly one of objective: ID or key_result: ID"
            )
            return None
        return Alignment(
            parent_objective=parent_objective, parent_key_result=parent_kr, weight=weight
        )

    def key_result(self, node: Node, path: str, objective_owner: str | None) -> KeyResult | None:
        fields = self.fields(node, path, KEY_RESULT_KEYS, ("id", "title"))
        if fields is None:
            return None
        # An explicit `owner: null` means "nobody yet"; an absent owner is the objective's.
        owner = fields.ref("owner", "person") if "owner" in fields else objective_owner
        kind = fields.enum("kind", KRKind, KRKind.NUMBER)
        direction_text = fields.choice("direction", tuple(d.value for d in Direction), "")
        kr = KeyResult(
            id=fields.ident("id", GOAL_IDS),
            title=fields.text("title", "") or "",
            owner=owner,
            kind=kind,
            direction=Direction(direction_text) if direction_text else None,
            start=fields.number("start"),
            target=fields.number("target"),
            lower=fields.number("lower"),
            upper=fields.number("upper"),
            unit=fields.text("unit", "") or "",
            weight=fields.weight(),
            confidence_start=self.confidence(
                fields.values.get("confidence"), fields.key("confidence")
            ),
            source=fields.enum("source", ProgressSource, ProgressSource.CHECK_INS),
            indicator=fields.ref("indicator", "indicator"),
            due=fields.date("due"),
            done=fields.boolean("done"),
            cancelled=fields.choice("state", KR_STATES, "active") == "cancelled",
            parsed_from_title=fields.boolean("parsed_from_title"),
        )
        for item, item_path in fields.items("milestones"):
            milestone = self.milestone(item, item_path)
            if milestone is not None:
                kr.milestones.append(milestone)
        for item, item_path in fields.items("check_ins"):
            check_in = self.check_in(item, item_path, kr.kind)
            if check_in is not None:
                kr.check_ins.append(check_in)
        self.key_result_defaults(fields, kr)
        self.key_result_consistency(fields, kr)
        return kr

    def key_result_defaults(self, fields: _Fields, kr: KeyResult) -> None:
        """Fill what the file leaves implicit: source from `indicator`, kind from milestones,
        and start/target/unit from the title when no numbers are given."""
        if kr.indicator is not None and "source" not in fields:
            kr.source = ProgressSource.INDICATOR
        # Keys, not values: `start: null` says "no start, on purpose", and stops the guessing.
        no_numbers = not any(key in fields for key in ("start", "target", "lower", "upper"))
        if "kind" not in fields and kr.milestones and no_numbers:
            kr.kind = KRKind.MILESTONES
        if kr.lower is not None and kr.upper is not None and kr.direction is None:
            kr.direction = Direction.WITHIN
        measured_by_numbers = kr.source in (ProgressSource.CHECK_INS, ProgressSource.INDICATOR)
        if not (no_numbers and kr.kind in NUMERIC_KINDS and measured_by_numbers):
            return
        try:
            parsed = parse_key_result(kr.title)
        except KeyResultParseError:
            return  # the health checks report it (HW004, HW009); the file itself is fine
        if parsed.target is None and (parsed.lower is None or parsed.upper is None):
            return
        kr.start, kr.target, kr.lower, kr.upper = (
            parsed.start,
            parsed.target,
            parsed.lower,
            parsed.upper,
        )
        if "unit" not in fields:
            kr.unit = parsed.unit
        if "kind" not in fields and parsed.kind in (KRKind.PERCENT, KRKind.CURRENCY):
            kr.kind = parsed.kind
        if kr.direction is None:
            kr.direction = parsed.direction
        kr.parsed_from_title = True

    def key_result_consistency(self, fields: _Fields, kr: KeyResult) -> None:
        start, target = kr.start, kr.target
        if start is not None and target is not None:
            wrong_way = (kr.direction == Direction.INCREASE and target < start) or (
                kr.direction == Direction.DECREASE and target > start
            )
            if wrong_way:
                side = "below" if kr.direction == Direction.INCREASE else "above"
                self.problem(
                    fields.at("direction"),
                    fields.key("direction"),
                    f'"{kr.direction}" contradicts start {_number_text(start)} and target '
                    f"{_number_text(target)} (the target is {side} the start)",
                )
        if kr.direction == Direction.WITHIN and kr.kind in NUMERIC_KINDS:
            if kr.lower is None or kr.upper is None:
                self.problem(
                    fields.at("direction"), fields.key("lower"), "within needs both lower and upper"
                )
            elif kr.lower > kr.upper:
                self.problem(
                    fields.at("lower"),
                    fields.key("lower"),
                    f"within needs lower <= upper; got lower {_number_text(kr.lower)} and upper "
                    f"{_number_text(kr.upper)}",
                )
        elif kr.direction is not None and (fields.given("lower") or fields.given("upper")):
            self.problem(
                fields.at("lower" if fields.given("lower") else "upper"),
                fields.key("lower"),
                f'lower and upper belong to direction "within", not "{kr.direction}"',
            )
        if kr.source == ProgressSource.INDICATOR and kr.indicator is None:
            self.problem(
                fields.at("source"), fields.key("indicator"), "source indicator needs indicator: ID"
            )
        if kr.indicator is not None and kr.source != ProgressSource.INDICATOR:
            self.problem(
                fields.at("indicator"),
                fields.key("indicator"),
                f'an indicator is only read with source indicator, not "{kr.source}"',
            )

    def milestone(self, node: Node, path: str) -> Milestone | None:
        fields = self.fields(node, path, MILESTONE_KEYS, ("title",))
        if fields is None:
            return None
        return Milestone(
            title=fields.text("title", "") or "",
            done=fields.boolean("done"),
            weight=fields.weight(),
            due=fields.date("due"),
        )

    def check_in(self, node: Node, path: str, kind: KRKind) -> CheckIn | None:
        fields = self.fields(node, path, CHECK_IN_KEYS, ("date",))
        if fields is None:
            return None
        value_node = fields.values.get("value")
        if (
            kind == KRKind.BOOLEAN
            and isinstance(value_node, ScalarNode)
            and value_node.tag == BOOL_TAG
        ):
            value: Fraction | None = Fraction(int(self.constructor.construct_yaml_bool(value_node)))
        else:
            value = fields.number("value")
        day = fields.date("date")
        check_in = CheckIn(
            date=day or dt.date.min,
            value=value,
            confidence=self.confidence(fields.values.get("confidence"), fields.key("confidence")),
            status=fields.choice("status", OWNER_STATUSES, "") or None,
            note=fields.text("note", "") or "",
        )
        return check_in if day is not None else None

    # -- across sections ---------------------------------------------------------------------
    def resolve(self, goals: Goals, people_listed: bool, units_listed: bool) -> None:
        """Every reference names something the file defines (emails in any letter case)."""
        known: dict[str, list[str]] = {
            "period": [p.id for p in goals.periods],
            "unit": [u.name for u in goals.units],
            "person": [p.email for p in goals.people],
            "result_area": [a.id for a in goals.result_areas],
            "indicator": [i.id for i in goals.indicators],
            "objective": [o.id for o in goals.objectives],
            "key_result": [kr.id for o in goals.objectives for kr in o.key_results],
        }
        sets = {kind: set(names) for kind, names in known.items()}
        sets["person"] = {email.casefold() for email in known["person"]}
        other = {"objective": "key_result", "key_result": "objective"}
        for ref in self.refs:
            if (ref.kind == "person" and not people_listed) or (
                ref.kind == "unit" and not units_listed
            ):
                continue
            name = ref.name.casefold() if ref.kind == "person" else ref.name
            if name in sets[ref.kind]:
                continue
            word = ref.kind.replace("_", " ")
            if ref.kind in other and ref.name in sets[other[ref.kind]]:
                right = other[ref.kind]
                hint = f"; it is a {right.replace('_', ' ')}: write {right}: {ref.name}"
            else:
                hint = _suggest(ref.name, known[ref.kind], emails=ref.kind == "person")
            self.problem(ref.node, ref.path, f'unknown {word} "{ref.name}"{hint}')

    def duplicates(self) -> None:
        """Objectives and key results share one id space; the other kinds each have their own."""
        for space, entries in self.ids.items():
            seen: dict[str, int] = {}
            for name, node, path in entries:
                key = name.casefold() if space == "email" else name
                if key in seen:
                    self.problem(
                        node, path, f'{space} "{name}" is used twice (first at line {seen[key]})'
                    )
                else:
                    seen[key] = _line(node)

    def cycles(self) -> None:
        """Alignment cycles (a child aligned to a key result sits under that KR's objective),
        and cycles in the unit tree and the KRA ladder."""
        owner_of_kr = {kr: objective for objective, kr in self.kr_owners}
        for kind, edges in self.parents.items():
            graph: dict[str, list[tuple[str, Node, str]]] = {}
            for child, parent, node, path in edges:
                if kind == "alignment" and parent.startswith("kr:"):
                    parent = owner_of_kr.get(parent[3:], "")
                if parent:
                    graph.setdefault(child, []).append((parent, node, path))
            self._report_cycles(graph, f"{kind} cycle")

    def _report_cycles(self, graph: dict[str, list[tuple[str, Node, str]]], label: str) -> None:
        on_path: list[str] = []
        done: set[str] = set()
        reported: set[frozenset[str]] = set()

        def visit(name: str) -> None:
            on_path.append(name)
            for parent, node, path in graph.get(name, []):
                if parent in on_path:
                    cycle = [*on_path[on_path.index(parent) :], parent]
                    if frozenset(cycle) not in reported:
                        reported.add(frozenset(cycle))
                        self.problem(node, path, f"{label}: {' → '.join(cycle)}")
                elif parent not in done:
                    visit(parent)
            on_path.pop()
            done.add(name)

        for name in list(graph):
            if name not in done:
                visit(name)


def load(text: str, *, filename: str = "headway.yaml") -> Goals:
    """Read a goals file; raise `GoalsFileError` listing every problem, each with line and key."""
    reader = _Reader(filename)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 1
        # "Found the end of the file" points past the text: the last line written is the culprit.
        line = max(1, min(line, len(text.rstrip().splitlines())))
        detail = " ".join(str(part) for part in (error.context, error.problem) if part)
        raise GoalsFileError([Problem(filename, line, "", f"not valid YAML: {detail}")]) from error
    except yaml.YAMLError as error:
        position = getattr(error, "position", None)
        line = text.count("\n", 0, position) + 1 if isinstance(position, int) else 1
        raise GoalsFileError([Problem(filename, line, "", f"not valid YAML: {error}")]) from error
    if root is None:
        raise GoalsFileError(
            [
                Problem(
                    filename,
                    1,
                    "",
                    "the file is empty; expected organization, periods, objectives, ...",
                )
            ]
        )
    goals = reader.goals(root)
    reader.resolve(goals, people_listed=bool(goals.people), units_listed=bool(goals.units))
    reader.duplicates()
    reader.cycles()
    if reader.problems:
        problems = sorted(reader.problems, key=lambda p: p.line)
        raise GoalsFileError(problems)
    return goals


# -- writing -----------------------------------------------------------------------------------
class _Flow(dict[str, Any]):
    """A small mapping written on one line: `{date: 2026-10-15, value: 48}`."""


class _Dumper(yaml.SafeDumper):
    """Safe YAML with exact numbers, one-line small mappings and indented lists."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_fraction(dumper: yaml.SafeDumper, value: Fraction) -> yaml.ScalarNode:
    text = _number_text(value)
    if value.denominator == 1:
        return dumper.represent_scalar(INT_TAG, text)
    if "/" in text:
        return dumper.represent_scalar(STR_TAG, text)
    return dumper.represent_scalar(FLOAT_TAG, text)


def _represent_flow(dumper: yaml.SafeDumper, value: _Flow) -> yaml.MappingNode:
    return dumper.represent_mapping("tag:yaml.org,2002:map", value.items(), flow_style=True)


_Dumper.add_representer(Fraction, _represent_fraction)
_Dumper.add_representer(_Flow, _represent_flow)


def _number_text(value: Fraction) -> str:
    """Whole numbers as ints, else the shortest exact decimal; `1/3` when no decimal is exact."""
    if value.denominator == 1:
        return str(value.numerator)
    rest, twos, fives = value.denominator, 0, 0
    while rest % 2 == 0:
        rest, twos = rest // 2, twos + 1
    while rest % 5 == 0:
        rest, fives = rest // 5, fives + 1
    if rest != 1:
        return f"{value.numerator}/{value.denominator}"
    places = max(twos, fives)
    digits = str(abs(value.numerator * 10**places // value.denominator)).rjust(places + 1, "0")
    sign = "-" if value < 0 else ""
    return f"{sign}{digits[:-places]}.{digits[-places:]}"


def _put(out: dict[str, Any], key: str, value: Any, default: Any = None) -> None:
    """Write `key` unless it holds its default, so the file shows only what was chosen."""
    if value != default:
        out[key] = value


def _organization(goals: Goals) -> Any:
    if not goals.slug and goals.fiscal_year_start_month == 1:
        return goals.organization
    out: dict[str, Any] = {"name": goals.organization}
    _put(out, "slug", goals.slug, "")
    _put(out, "fiscal_year_start_month", goals.fiscal_year_start_month, 1)
    return out


def _dump_indicator(indicator: Indicator) -> dict[str, Any]:
    out: dict[str, Any] = {"id": indicator.id, "name": indicator.name, "scope": indicator.scope}
    _put(out, "owner", indicator.owner)
    _put(out, "unit", indicator.unit, "")
    out["direction"] = indicator.direction.value
    out["frequency"] = indicator.frequency.value
    out["aggregation"] = indicator.aggregation.value
    _put(out, "leading", indicator.leading, False)
    _put(out, "result_area", indicator.result_area)
    targets = _Flow()
    for period, target in indicator.targets.items():
        if target.lower is not None or target.upper is not None:
            targets[period] = _Flow(lower=target.lower, upper=target.upper)
        else:
            targets[period] = target.value
    _put(out, "targets", targets, _Flow())
    _put(out, "red_below", indicator.red_below)
    _put(out, "red_above", indicator.red_above)
    _put(out, "tolerance", indicator.tolerance)
    measurements = []
    for m in indicator.measurements:
        entry = _Flow(date=m.date, value=m.value)
        _put(entry, "note", m.note, "")
        measurements.append(entry)
    _put(out, "measurements", measurements, [])
    _put(out, "description", indicator.description, "")
    return out


def _dump_key_result(kr: KeyResult, objective_owner: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {"id": kr.id, "title": kr.title}
    if kr.owner != objective_owner:
        out["owner"] = kr.owner  # `owner: null` keeps "nobody" from inheriting the objective's
    if kr.kind != KRKind.NUMBER or kr.milestones:  # milestones alone would read as that kind
        out["kind"] = kr.kind.value
    _put(out, "direction", kr.direction.value if kr.direction else None)
    if kr.kind in NUMERIC_KINDS:
        # Always written, so the file stands on its own even when the title supplied them.
        if kr.direction == Direction.WITHIN:
            _put(out, "start", kr.start)
            out["lower"], out["upper"] = kr.lower, kr.upper
        elif kr.direction in (Direction.AT_LEAST, Direction.AT_MOST):
            _put(out, "start", kr.start)  # a baseline is optional where only a bound counts
            out["target"] = kr.target
        else:
            out["start"], out["target"] = kr.start, kr.target
        out["unit"] = kr.unit
    else:
        _put(out, "start", kr.start)
        _put(out, "target", kr.target)
        _put(out, "unit", kr.unit, "")
    if kr.direction != Direction.WITHIN or kr.kind not in NUMERIC_KINDS:
        _put(out, "lower", kr.lower)
        _put(out, "upper", kr.upper)
    _put(out, "parsed_from_title", kr.parsed_from_title, False)
    _put(out, "weight", kr.weight, Fraction(1))
    _put(out, "confidence", kr.confidence_start)
    default_source = (
        ProgressSource.INDICATOR if kr.indicator is not None else ProgressSource.CHECK_INS
    )
    _put(out, "source", kr.source.value, default_source.value)
    _put(out, "indicator", kr.indicator)
    _put(out, "due", kr.due)
    _put(out, "done", kr.done, False)
    _put(out, "state", "cancelled" if kr.cancelled else "active", "active")
    milestones = []
    for m in kr.milestones:
        entry = _Flow(title=m.title)
        _put(entry, "done", m.done, False)
        _put(entry, "weight", m.weight, Fraction(1))
        _put(entry, "due", m.due)
        milestones.append(entry)
    _put(out, "milestones", milestones, [])
    check_ins = []
    for c in kr.check_ins:
        entry = _Flow(date=c.date, value=c.value)
        _put(entry, "confidence", c.confidence)
        _put(entry, "status", c.status)
        _put(entry, "note", c.note, "")
        check_ins.append(entry)
    _put(out, "check_ins", check_ins, [])
    return out


def _dump_objective(objective: Objective) -> dict[str, Any]:
    out: dict[str, Any] = {"id": objective.id, "title": objective.title}
    _put(out, "period", objective.period)
    out["scope"] = objective.scope
    _put(out, "owner", objective.owner)
    _put(out, "result_area", objective.result_area)
    _put(out, "state", objective.state, "active")
    _put(out, "visibility", objective.visibility, "public")
    _put(out, "rollup", objective.rollup.value, Rollup.KEY_RESULTS.value)
    _put(out, "description", objective.description, "")
    links = []
    for link in objective.aligns_to:
        entry = (
            _Flow(objective=link.parent_objective)
            if link.parent_objective is not None
            else _Flow(key_result=link.parent_key_result)
        )
        _put(entry, "weight", link.weight, Fraction(1))
        links.append(entry)
    _put(out, "aligns_to", links, [])
    out["key_results"] = [_dump_key_result(kr, objective.owner) for kr in objective.key_results]
    return out


def dump(goals: Goals) -> str:
    """Write `goals` as a goals file: stable key order, defaults left out, numbers exact."""
    doc: dict[str, Any] = {}
    _put(doc, "organization", _organization(goals), "")
    doc["today"] = goals.today
    periods = []
    for p in goals.periods:
        entry = _Flow(name=p.id, start=p.start, end=p.end)
        _put(entry, "state", p.state)
        periods.append(entry)
    _put(doc, "periods", periods, [])
    units = []
    for u in goals.units:
        entry = _Flow(name=u.name)
        _put(entry, "kind", u.kind, "team")
        _put(entry, "parent", u.parent)
        _put(entry, "head", u.head)
        units.append(entry)
    _put(doc, "units", units, [])
    people = []
    for person in goals.people:
        entry = _Flow(email=person.email, name=person.name)
        _put(entry, "unit", person.unit)
        _put(entry, "manager", person.manager)
        _put(entry, "title", person.title, "")
        _put(entry, "role", person.role, "member")
        _put(entry, "active", person.active, True)
        people.append(entry)
    _put(doc, "people", people, [])
    areas = []
    for area in goals.result_areas:
        out: dict[str, Any] = {"id": area.id, "name": area.name, "scope": area.scope}
        _put(out, "owner", area.owner)
        _put(out, "weight", area.weight)
        _put(out, "parent", area.parent)
        _put(out, "state", area.state, "active")
        _put(out, "review_cadence_days", area.review_cadence_days, 90)
        _put(out, "last_reviewed", area.last_reviewed)
        _put(out, "changed", area.changed)
        _put(out, "description", area.description, "")
        areas.append(out)
    _put(doc, "result_areas", areas, [])
    _put(doc, "indicators", [_dump_indicator(i) for i in goals.indicators], [])
    _put(doc, "objectives", [_dump_objective(o) for o in goals.objectives], [])
    return yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
