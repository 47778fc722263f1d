"""Import one sheet of rows into an organization, all or nothing; and export the same sheets.

`sheet_import` checks every row (its cells, the rows and objects it names, and whether the
actor may make the change), then makes the changes through the services in one transaction,
one savepoint per row so one run names every bad row. When any row is bad, or on a dry run,
everything is rolled back. Rows are matched on natural keys (a person's email, a unit's name,
a KRA's, KPI's, objective's or key result's key, a measurement's KPI and date) inside the
organization only; a row that matches what is stored calls no service at all, so importing
the same file again writes nothing, not even an audit row.

`sheet_export` writes what a person may see, in the columns `sheet_import` reads back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from decimal import Decimal
from fractions import Fraction
from typing import Any, NoReturn

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Max

from headway import access
from headway.audit.models import AuditEvent
from headway.bulk import batches
from headway.core.progress import infer_direction
from headway.goals import services as goal_services
from headway.goals.bulk import KeyResultRow, key_results_check, key_results_create
from headway.goals.models import Alignment, KeyResult, Objective, ResultArea
from headway.indicators import bulk as indicator_bulk
from headway.indicators import services as indicator_services
from headway.indicators.bulk import MeasurementRow
from headway.indicators.models import Indicator, Measurement, Target
from headway.io.importer import parents_first
from headway.io.sheets import KINDS, CellError, SheetKind, Table, match_header, parse_cell
from headway.org import services as org_services
from headway.org.models import Organization, Period, Person, Unit

ACTIONS = ("create", "update", "unchanged")
RANK = {"unchanged": 0, "update": 1, "create": 2}
KPI_TARGET_COLUMNS = ("period", "target", "target_lower", "target_upper")

# Model field → the column a person sees it in, for the services' messages and the plan.
FIELD_COLUMNS: dict[str, str] = {
    "job_title": "title",
    "unit_label": "unit",
    "result_area": "kra",
    "indicator": "kpi",
    "progress_source": "source",
    "confidence_start": "confidence",
    "scope_unit": "scope",
    "scope_person": "scope",
}
KIND_FIELD_COLUMNS: dict[str, dict[str, str]] = {
    "units": {"name": "path", "parent": "path"},
    "kpis": {"value": "target", "lower": "target_lower", "upper": "target_upper"},
    "objectives": {"parent_objective": "aligns_to", "parent_key_result": "aligns_to"},
}


# -- results ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RowError:
    """A bad row: its line as the spreadsheet shows it (the header is line 1; None for the
    whole sheet), the column, and why."""

    line: int | None
    column: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "sheet"
        return (
            f"{where}: {self.column}: {self.message}" if self.column else f"{where}: {self.message}"
        )


@dataclass
class PlannedRow:
    """What one row does: create, update (naming the columns that change) or nothing."""

    line: int
    action: str
    what: str
    changes: list[str] = field(default_factory=list)


@dataclass
class SheetImportResult:
    """The plan for every good row, every bad row, and whether the changes were saved."""

    kind: SheetKind
    plan: list[PlannedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, action: str) -> int:
        return sum(1 for row in self.plan if row.action == action)

    @property
    def counts(self) -> dict[str, int]:
        return {action: self.count(action) for action in ACTIONS}

    @property
    def changed(self) -> int:
        return self.count("create") + self.count("update")

    @property
    def bad_lines(self) -> int:
        return len({e.line for e in self.errors})


# -- who may import what ------------------------------------------------------------------------
def kind_importable(person: Person, kind: str) -> bool:
    """People and units: admins and HR; the rest: anyone but a viewer (each row is then checked
    against the access policy for the object it changes)."""
    if not person.active or person.role == Person.Role.VIEWER:
        return False
    if kind in ("people", "units"):
        return access.people_editable(person)
    return True


def refusal(person: Person, kind: str) -> str:
    if person.role == Person.Role.VIEWER or not person.active:
        return "Viewers may export but not import."
    return f"Only admins and HR may import {KINDS[kind].title.lower()}."


# -- the import ----------------------------------------------------------------------------------
class _Refused(Exception):
    """Leave this row: its problem has been recorded."""


class _AtLine(Exception):
    """A service refused what another line of the same object asked (a KPI's target)."""

    def __init__(self, line: int, error: ValidationError) -> None:
        self.line = line
        self.error = error


@dataclass
class _Row:
    line: int
    values: dict[str, Any]  # the columns the sheet has, parsed (None when empty)
    blank: set[str]

    def has(self, name: str) -> bool:
        return name in self.values

    def get(self, name: str) -> Any:
        return self.values.get(name)


def _changes(instance: models.Model, desired: dict[str, Any]) -> dict[str, Any]:
    """The desired fields whose value differs from the row's (relations compared by id)."""
    changed: dict[str, Any] = {}
    for name, value in desired.items():
        model_field = instance._meta.get_field(name)
        if model_field.is_relation:
            current = getattr(instance, model_field.attname)  # type: ignore[union-attr]
            wanted = value.pk if value is not None else None
        else:
            current, wanted = getattr(instance, name), value
        if current != wanted:
            changed[name] = value
    return changed


def _unit_name(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def _email(person: Person | None) -> str | None:
    return person.email if person is not None else None


class _Import:
    """One import of one sheet: the organization's rows by natural key, the errors, the plan."""

    def __init__(
        self, organization: Organization, kind: SheetKind, table: Table, actor: Person | None
    ) -> None:
        self.org = organization
        self.kind = kind
        self.table = table
        self.actor = actor
        self.errors: list[RowError] = []
        self.warnings: list[str] = []
        self.plan: dict[int, PlannedRow] = {}
        self.bad: set[int] = set()
        self.sheet_keys: dict[str, int] = {}  # natural key → its line, bad rows included
        self.field_columns = {**FIELD_COLUMNS, **KIND_FIELD_COLUMNS.get(kind.name, {})}
        self._units: dict[str, Unit] | None = None
        self._unit_paths: dict[int, str] = {}
        self._people: dict[str, Person] | None = None
        self.write = True  # False for a dry run: kinds that write in bulk then only compare

    # -- bookkeeping ----------------------------------------------------------------------------
    def error(self, line: int | None, column: str, message: str) -> None:
        self.errors.append(RowError(line, column, message))
        if line is not None:
            self.bad.add(line)

    def refuse(self, line: int, column: str, message: str) -> NoReturn:
        self.error(line, column, message)
        raise _Refused

    def planned(self, line: int, action: str, what: str, changed: dict[str, Any]) -> None:
        columns = sorted({self.field_columns.get(name, name) for name in changed})
        known = self.plan.get(line)
        if known is not None and RANK[known.action] >= RANK[action]:
            known.changes = sorted({*known.changes, *columns})
            return
        self.plan[line] = PlannedRow(line, action, what, columns if action == "update" else [])

    def messages(self, error: ValidationError) -> list[tuple[str, str]]:
        if not hasattr(error, "error_dict"):
            return [("", message) for message in error.messages]
        found = []
        for name, messages in error.message_dict.items():
            for message in messages:
                if name == NON_FIELD_ERRORS:
                    found.append(("", message))
                elif name in self.field_columns or name in self.kind.names:
                    found.append((self.field_columns.get(name, name), message))
                else:
                    found.append(("", f"{name.replace('_', ' ')}: {message}"))
        return found

    @contextmanager
    def row(self, line: int, *, writes: bool = True) -> Iterator[None]:
        """One row in its own savepoint: a refusal is recorded and the import goes on. A row
        that only reads and plans (`writes=False`: a new key result, created later in bulk)
        needs none: two statements fewer per row."""
        try:
            with transaction.atomic() if writes else nullcontext():
                yield
        except _Refused:
            pass
        except _AtLine as refused:
            for column, message in self.messages(refused.error):
                self.error(refused.line, column, message)
        except ValidationError as error:
            for column, message in self.messages(error):
                self.error(line, column, message)
        except IntegrityError as error:
            self.error(line, "", f"the database refused it: {error}")

    def unknown(self, line: int, column: str, label: str, key: str) -> NoReturn:
        """Refuse a reference to something that does not exist (or that another bad row of
        this sheet would have made)."""
        other = self.sheet_keys.get(key)
        if other is not None and other != line and other in self.bad:
            self.refuse(line, column, f'{label} "{key}" is on line {other}, which has an error')
        self.refuse(line, column, f'unknown {label} "{key}"')

    def allowed(self, check: bool, line: int, column: str, message: str) -> None:
        """The command line (no actor) may do anything; a person only what the policy says."""
        if self.actor is not None and not check:
            self.refuse(line, column, message)

    # -- the organization's rows ----------------------------------------------------------------
    @property
    def units(self) -> dict[str, Unit]:
        if self._units is None:
            self._units = {u.name: u for u in Unit.objects.filter(organization_id=self.org.pk)}
            self._unit_paths = {}
        return self._units

    def reload_units(self) -> None:
        """After a unit moved: the paths below it changed in the database."""
        self._units = None

    def add_unit(self, unit: Unit) -> None:
        self.units[unit.name] = unit

    @property
    def people(self) -> dict[str, Person]:
        if self._people is None:
            self._people = {
                p.email.lower(): p for p in Person.objects.filter(organization_id=self.org.pk)
            }
        return self._people

    def unit_path(self, unit: Unit) -> str:
        """ "Sales/Sales EMEA": the names from the top down to the unit."""
        units = self.units
        known = self._unit_paths.get(unit.pk)
        if known is None:
            by_id = {u.pk: u for u in units.values()}
            ids = [int(part) for part in unit.path.strip("/").split("/") if part]
            known = "/".join(by_id[i].name if i in by_id else "?" for i in ids) or unit.name
            self._unit_paths[unit.pk] = known
        return known

    def find_unit(self, path: str, line: int, column: str) -> Unit:
        unit = self.units.get(path) or self.units.get(_unit_name(path))
        if unit is None:
            self.unknown(line, column, "unit", _unit_name(path))
        if unit.name != path:
            actual = self.unit_path(unit)
            if actual != path:
                self.refuse(line, column, f'"{path}" does not match: the unit is at "{actual}"')
        return unit

    def find_person(self, email: str, line: int, column: str) -> Person:
        person = self.people.get(email)
        if person is None:
            self.unknown(line, column, "person", email)
        return person

    def scope(self, row: _Row) -> tuple[Unit | None, Person | None]:
        kind, name = row.get("scope")
        if kind == "unit":
            return self.find_unit(name, row.line, "scope"), None
        if kind == "person":
            return None, self.find_person(name, row.line, "scope")
        return None, None

    def may_create(self, unit: Unit | None, person: Person | None) -> bool:
        return access.may_create_in_scope(self.actor, unit=unit, owner_scope=person)

    def owner(self, row: _Row, desired: dict[str, Any], name: str = "owner") -> None:
        if row.has(name):
            email = row.get(name)
            desired[name] = self.find_person(email, row.line, name) if email else None

    # -- reading the sheet ----------------------------------------------------------------------
    def header(self) -> dict[str, int] | None:
        positions: dict[str, int] = {}
        for index, text in enumerate(self.table.columns):
            if not text.strip():
                continue
            column = match_header(self.kind, text)
            if column is None:
                self.warnings.append(
                    f'The column "{text}" is not one Headway reads for {self.kind.title}; '
                    "it is ignored."
                )
                continue
            if column.name in positions:
                self.error(1, column.name, f'the column "{column.name}" appears twice')
                continue
            positions[column.name] = index
        for column in self.kind.columns:
            if column.required and column.name not in positions:
                self.error(1, column.name, f'the sheet has no "{column.name}" column (required)')
        return None if self.errors else positions

    def parse(self, positions: dict[str, int]) -> list[_Row]:
        key_column = {"units": "path", "people": "email", "measurements": ""}.get(
            self.kind.name, "key"
        )
        rows = []
        for line, cells in self.table.rows:
            values: dict[str, Any] = {}
            blank: set[str] = set()
            # A KPI's later rows (one per target period) may leave its definition empty.
            continued = False
            for name in sorted(positions, key=lambda n: n != key_column):
                index = positions[name]
                raw = cells[index] if index < len(cells) else ""
                if not raw.strip():
                    blank.add(name)
                column = self.kind.column(name)
                if continued and column.required:
                    column = replace(column, required=False, default="")
                try:
                    values[name] = parse_cell(column, raw)
                except CellError as problem:
                    self.error(line, name, str(problem))
                    values[name] = None
                if name == key_column and values[name]:
                    key = values[name]
                    natural = _unit_name(key) if key_column == "path" else key
                    continued = self.kind.name == "kpis" and natural in self.sheet_keys
                    self.sheet_keys.setdefault(natural, line)
            if line not in self.bad:
                rows.append(_Row(line, values, blank))
        if not self.table.rows:
            self.warnings.append("The sheet has no rows under its header: nothing to import.")
        return rows

    def run(self) -> None:
        positions = self.header()
        if positions is None:
            return
        rows = self.parse(positions)
        getattr(self, f"import_{self.kind.name}")(rows)

    def duplicates(self, rows: list[_Row], key_of: Any, label: str) -> dict[Any, _Row]:
        """The rows by key; a key on two rows is an error on the later one."""
        by_key: dict[Any, _Row] = {}
        for row in rows:
            key = key_of(row)
            if key in by_key:
                self.error(row.line, "", f"{label} is also on line {by_key[key].line}")
                continue
            by_key[key] = row
        return by_key

    # -- units ----------------------------------------------------------------------------------
    def import_units(self, rows: list[_Row]) -> None:
        by_name = self.duplicates(rows, lambda r: _unit_name(r.get("path")), "this unit")
        parent_of = {
            name: (
                _unit_name(row.get("path").rsplit("/", 1)[0]) if "/" in row.get("path") else None
            )
            for name, row in by_name.items()
        }
        order, cyclic = parents_first(list(parent_of.items()))
        for name in cyclic:
            self.error(by_name[name].line, "path", "its parent units form a cycle")
        for name in order:
            row = by_name[name]
            with self.row(row.line):
                self.import_unit(row, name)

    def import_unit(self, row: _Row, name: str) -> None:
        path: str = row.get("path")
        if len(name) > 200:
            self.refuse(row.line, "path", "a unit name is at most 200 characters")
        parent = self.find_unit(path.rsplit("/", 1)[0], row.line, "path") if "/" in path else None
        desired: dict[str, Any] = {"parent": parent}
        if row.has("kind"):
            desired["kind"] = row.get("kind")
        if row.has("head"):
            email = row.get("head")
            desired["head"] = self.find_person(email, row.line, "head") if email else None
        existing = self.units.get(name)
        if existing is None:
            created = org_services.unit_create(organization=self.org, name=name, **desired)
            self.add_unit(created)
            self.planned(row.line, "create", f"unit {path}", {})
            return
        existing.refresh_from_db()
        changed = _changes(existing, desired)
        if changed:
            org_services.unit_update(unit=existing, **changed)
            if "parent" in changed:  # the paths below it moved
                self.reload_units()
        self.planned(row.line, "update" if changed else "unchanged", f"unit {path}", changed)

    # -- people ---------------------------------------------------------------------------------
    def import_people(self, rows: list[_Row]) -> None:
        by_email = self.duplicates(rows, lambda r: r.get("email"), "this email")
        order, cyclic = parents_first([(e, r.get("manager")) for e, r in by_email.items()])
        for email in cyclic:
            self.error(by_email[email].line, "manager", "the managers form a cycle")
        for email in order:
            row = by_email[email]
            with self.row(row.line):
                self.import_person(row, email)

    def import_person(self, row: _Row, email: str) -> None:
        desired: dict[str, Any] = {"name": row.get("name")}
        if row.has("unit"):
            path = row.get("unit")
            desired["unit"] = self.find_unit(path, row.line, "unit") if path else None
        self.owner(row, desired, "manager")
        if row.has("title"):
            desired["job_title"] = row.get("title") or ""
        if row.get("role"):  # empty: unchanged, so a sheet without roles demotes nobody
            desired["role"] = row.get("role")
        if row.get("active") is not None:
            desired["active"] = row.get("active")
        existing = self.people.get(email)
        if existing is not None:
            existing.refresh_from_db()
        self.check_admin_change(row, existing, desired)
        if existing is None:
            created = org_services.person_create(organization=self.org, email=email, **desired)
            self.people[email] = created
            self.planned(row.line, "create", f"person {email}", {})
            return
        changed = _changes(existing, desired)
        if changed:
            org_services.person_update(person=existing, **changed)
            if "manager" in changed:  # their reports' manager paths moved
                self._people = None
        self.planned(row.line, "update" if changed else "unchanged", f"person {email}", changed)

    def check_admin_change(
        self, row: _Row, existing: Person | None, desired: dict[str, Any]
    ) -> None:
        """Only an admin may make someone an admin, or change an admin's role or sign-in: HR
        manages people, but may not raise itself (or anyone) above HR."""
        for name, reason in access.person_change_refusals(self.actor, existing, desired).items():
            self.refuse(row.line, name, reason)

    # -- KRAs -----------------------------------------------------------------------------------
    def import_kras(self, rows: list[_Row]) -> None:
        self.areas = {a.key: a for a in ResultArea.objects.filter(organization_id=self.org.pk)}
        by_key = self.duplicates(rows, lambda r: r.get("key"), "this key")
        order, cyclic = parents_first([(k, r.get("parent")) for k, r in by_key.items()])
        for key in cyclic:
            self.error(by_key[key].line, "parent", "the parent KRAs form a cycle")
        for key in order:
            row = by_key[key]
            with self.row(row.line):
                self.import_kra(row, key)

    def import_kra(self, row: _Row, key: str) -> None:
        scope_unit, scope_person = self.scope(row)
        desired: dict[str, Any] = {
            "name": row.get("name"),
            "scope_unit": scope_unit,
            "scope_person": scope_person,
        }
        self.owner(row, desired)
        for name in ("weight", "review_cadence_days", "state"):
            if row.has(name):
                desired[name] = row.get(name)
        if row.has("description"):
            desired["description"] = row.get("description") or ""
        if row.has("parent"):
            parent_key = row.get("parent")
            desired["parent"] = None
            if parent_key:
                desired["parent"] = self.areas.get(parent_key)
                if desired["parent"] is None:
                    self.unknown(row.line, "parent", "KRA", parent_key)
        existing = self.areas.get(key)
        if existing is None:
            self.allowed(
                self.may_create(scope_unit, scope_person), row.line, "scope",
                "you may not add KRAs to this scope",
            )  # fmt: skip
            owner = desired.pop("owner", None)  # a sheet without owners: none
            self.areas[key] = goal_services.result_area_create(
                organization=self.org, key=key, actor=self.actor, owner=owner, **desired
            )
            self.planned(row.line, "create", f"KRA {key}", {})
            return
        self.allowed(
            access.result_area_editable(self.actor, existing), row.line, "",
            f'you may not change the KRA "{key}"',
        )  # fmt: skip
        changed = _changes(existing, desired)
        if {"scope_unit", "scope_person"} & set(changed):
            self.allowed(
                self.may_create(scope_unit, scope_person), row.line, "scope",
                "you may not move the KRA to this scope",
            )  # fmt: skip
        if changed:
            goal_services.result_area_update(area=existing, actor=self.actor, **changed)
        self.planned(row.line, "update" if changed else "unchanged", f"KRA {key}", changed)

    # -- KPIs and their targets -----------------------------------------------------------------
    def import_kpis(self, rows: list[_Row]) -> None:
        self.areas = {a.key: a for a in ResultArea.objects.filter(organization_id=self.org.pk)}
        self.periods = {p.name: p for p in Period.objects.filter(organization_id=self.org.pk)}
        self.indicators = {i.key: i for i in Indicator.objects.filter(organization_id=self.org.pk)}
        self.targets = {
            (t.indicator_id, t.period_id): t
            for t in Target.objects.filter(organization_id=self.org.pk)
        }
        groups: dict[str, list[_Row]] = {}
        for row in rows:
            groups.setdefault(row.get("key"), []).append(row)
        definition = [c for c in self.kind.names if c not in (*KPI_TARGET_COLUMNS, "key")]
        for key, group in groups.items():
            first = group[0]
            defined = self.sheet_keys.get(key, first.line)
            if defined != first.line:
                for row in group:
                    self.error(
                        row.line, "key", f"the KPI is defined on line {defined}, which has an error"
                    )
                continue
            consistent = True
            for later in group[1:]:
                for name in definition:
                    if later.has(name) and name not in later.blank:
                        if later.get(name) != first.get(name):
                            self.error(
                                later.line, name,
                                f"differs from line {first.line}, where this KPI is defined",
                            )  # fmt: skip
                            consistent = False
            if consistent:
                with self.row(first.line):
                    self.import_kpi(key, group)

    def import_kpi(self, key: str, group: list[_Row]) -> None:
        first = group[0]
        wanted = self.kpi_targets(group)
        scope_unit, scope_person = self.scope(first)
        desired: dict[str, Any] = {
            "name": first.get("name"),
            "scope_unit": scope_unit,
            "scope_person": scope_person,
        }
        self.owner(first, desired)
        for column, name in (("unit", "unit_label"), ("description", "description")):
            if first.has(column):
                desired[name] = first.get(column) or ""
        for name in (
            "direction", "frequency", "aggregation", "leading", "red_below", "red_above",
            "tolerance",
        ):  # fmt: skip
            if first.has(name):
                desired[name] = first.get(name)
        if first.has("kra"):
            area_key = first.get("kra")
            desired["result_area"] = None
            if area_key:
                desired["result_area"] = self.areas.get(area_key)
                if desired["result_area"] is None:
                    self.unknown(first.line, "kra", "KRA", area_key)
        existing = self.indicators.get(key)
        if existing is None:
            self.allowed(
                self.may_create(scope_unit, scope_person), first.line, "scope",
                "you may not add KPIs to this scope",
            )  # fmt: skip
            created = indicator_services.indicator_create(
                organization=self.org, key=key, actor=self.actor, owner=desired.pop("owner", None),
                source=Indicator.Source.IMPORT, **desired,
            )  # fmt: skip
            actions = self.set_targets(created, wanted)
            self.indicators[key] = created
            changed: dict[str, Any] = {}
        else:
            self.allowed(
                access.indicator_editable(self.actor, existing), first.line, "",
                f'you may not change the KPI "{key}"',
            )  # fmt: skip
            changed = _changes(existing, desired)
            if {"scope_unit", "scope_person"} & set(changed):
                self.allowed(
                    self.may_create(scope_unit, scope_person), first.line, "scope",
                    "you may not move the KPI to this scope",
                )  # fmt: skip
            actions = self.update_kpi(existing, changed, wanted)
        for row in group:
            action, changes = actions.get(row.line, ("unchanged", {}))
            if existing is None:
                action, changes = "create", {}
            elif action == "create":  # a new target of a KPI that exists
                action = "update"
            if row.line == first.line and existing is not None and changed:
                action, changes = "update", {**changed, **changes}
            what = f"KPI {key}" + (f", target {row.get('period')}" if row.get("period") else "")
            self.planned(row.line, action, what, changes)

    def kpi_targets(
        self, group: list[_Row]
    ) -> list[tuple[int, Period, Decimal | None, Decimal | None, Decimal | None]]:
        wanted = []
        seen: dict[str, int] = {}
        failed = False
        for row in group:
            name = row.get("period")
            numbers = (row.get("target"), row.get("target_lower"), row.get("target_upper"))
            if not name:
                if any(n is not None for n in numbers):
                    self.error(row.line, "period", "give the period this target is for")
                    failed = True
                continue
            if name in seen:
                self.error(row.line, "period", f"this KPI's target for {name} is also on line {seen[name]}")  # fmt: skip
                failed = True
                continue
            seen[name] = row.line
            period = self.periods.get(name)
            if period is None:
                self.error(row.line, "period", f'unknown period "{name}"')
                failed = True
                continue
            wanted.append((row.line, period, *numbers))
        if failed:
            raise _Refused
        return wanted

    def update_kpi(
        self,
        indicator: Indicator,
        changed: dict[str, Any],
        wanted: list[tuple[int, Period, Decimal | None, Decimal | None, Decimal | None]],
    ) -> dict[int, tuple[str, dict[str, Any]]]:
        """New thresholds are checked against the stored targets and new targets against the
        thresholds, so when both move, one order may be refused where the other is fine."""
        try:
            with transaction.atomic():
                if changed:
                    indicator_services.indicator_update(
                        indicator=indicator, actor=self.actor, **changed
                    )
                return self.set_targets(indicator, wanted)
        except (ValidationError, _AtLine) as first:
            if not changed:
                raise
            indicator.refresh_from_db()
            try:
                with transaction.atomic():
                    actions = self.set_targets(indicator, wanted)
                    indicator_services.indicator_update(
                        indicator=indicator, actor=self.actor, **changed
                    )
                    return actions
            except (ValidationError, _AtLine):
                raise first from None

    def set_targets(
        self,
        indicator: Indicator,
        wanted: list[tuple[int, Period, Decimal | None, Decimal | None, Decimal | None]],
    ) -> dict[int, tuple[str, dict[str, Any]]]:
        actions: dict[int, tuple[str, dict[str, Any]]] = {}
        for line, period, value, lower, upper in wanted:
            known = self.targets.get((indicator.pk, period.pk))
            desired = {"value": value, "lower": lower, "upper": upper}
            changed = _changes(known, desired) if known is not None else desired
            if known is not None and not changed:
                actions[line] = ("unchanged", {})
                continue
            try:
                indicator_services.target_set(
                    indicator=indicator, period=period, actor=self.actor, **desired
                )
            except ValidationError as error:
                raise _AtLine(line, error) from None
            if known is not None:
                actions[line] = ("update", changed)
            else:
                given = {k: v for k, v in desired.items() if v is not None}
                actions[line] = ("create", {"period": period, **given})
        return actions

    # -- measurements ---------------------------------------------------------------------------
    def import_measurements(self, rows: list[_Row]) -> None:
        """Every row checked first; then the good ones compared with what is stored, and
        written in one set-based pass (`indicators.bulk`) when no row is bad: a million values
        cost seconds, not one service call each."""
        indicators = {i.key: i for i in Indicator.objects.filter(organization_id=self.org.pk)}
        may: dict[int, bool] = {}
        seen: dict[tuple[str, dt.date], int] = {}
        good: list[tuple[_Row, MeasurementRow]] = []
        for row in rows:
            key, day = row.get("kpi"), row.get("date")
            if (key, day) in seen:
                self.error(row.line, "date", f"this KPI and date are also on line {seen[key, day]}")
                continue
            seen[key, day] = row.line
            indicator = indicators.get(key)
            if indicator is None:
                self.error(row.line, "kpi", f'unknown KPI "{key}"')
                continue
            if indicator.pk not in may:
                may[indicator.pk] = self.actor is None or access.measurement_allowed(
                    self.actor, indicator
                )
            if not may[indicator.pk]:
                self.error(row.line, "kpi", f'you may not record values of the KPI "{key}"')
                continue
            note = (row.get("note") or "") if row.has("note") else None
            good.append((row, MeasurementRow(indicator, day, row.get("value"), note)))
        values = [value for _, value in good]
        if self.write and not self.errors:
            outcomes = indicator_bulk.measurements_record(
                organization=self.org, rows=values, actor=self.actor
            ).outcomes
        else:  # a preview, or a sheet with bad rows: nothing will be saved, nothing is written
            outcomes = indicator_bulk.measurements_compare(organization=self.org, rows=values)
        for (row, value), outcome in zip(good, outcomes, strict=True):
            what = f"{value.indicator.key} on {value.date}"
            self.planned(row.line, outcome.action, what, dict.fromkeys(outcome.changed))

    # -- objectives -----------------------------------------------------------------------------
    def import_objectives(self, rows: list[_Row]) -> None:
        self.areas = {a.key: a for a in ResultArea.objects.filter(organization_id=self.org.pk)}
        self.periods = {p.name: p for p in Period.objects.filter(organization_id=self.org.pk)}
        self.objectives = {o.key: o for o in Objective.objects.filter(organization_id=self.org.pk)}
        by_key = self.duplicates(rows, lambda r: r.get("key"), "this key")
        for key, row in by_key.items():
            with self.row(row.line):
                self.import_objective(row, key)
        linking = [r for r in by_key.values() if r.has("aligns_to") and r.line not in self.bad]
        if linking:
            self.links = {
                (a.child_id, a.parent_objective_id, a.parent_key_result_id)
                for a in Alignment.objects.filter(organization_id=self.org.pk)
            }
            self.key_results = {
                kr.key: kr
                for kr in KeyResult.objects.filter(organization_id=self.org.pk).select_related(
                    "objective", "owner"
                )
            }
        for row in linking:
            with self.row(row.line):
                self.import_alignments(row)

    def import_objective(self, row: _Row, key: str) -> None:
        scope_unit, scope_person = self.scope(row)
        desired: dict[str, Any] = {
            "title": row.get("title"),
            "scope_unit": scope_unit,
            "scope_person": scope_person,
        }
        self.owner(row, desired)
        if row.has("period"):
            name = row.get("period")
            desired["period"] = self.periods.get(name) if name else None
            if name and desired["period"] is None:
                self.refuse(row.line, "period", f'unknown period "{name}"')
        if row.has("kra"):
            area_key = row.get("kra")
            desired["result_area"] = self.areas.get(area_key) if area_key else None
            if area_key and desired["result_area"] is None:
                self.unknown(row.line, "kra", "KRA", area_key)
        for name in ("visibility", "state", "rollup"):
            if row.has(name):
                desired[name] = row.get(name)
        if row.has("description"):
            desired["description"] = row.get("description") or ""
        existing = self.objectives.get(key)
        if existing is None:
            self.allowed(
                self.may_create(scope_unit, scope_person), row.line, "scope",
                "you may not add objectives to this scope",
            )  # fmt: skip
            self.objectives[key] = goal_services.objective_create(
                organization=self.org, key=key, actor=self.actor,
                owner=desired.pop("owner", None), period=desired.pop("period", None), **desired,
            )  # fmt: skip
            self.planned(row.line, "create", f"objective {key}", {})
            return
        existing.refresh_from_db()  # rollups move its derived columns
        self.allowed(
            access.objective_editable(self.actor, existing), row.line, "",
            f'you may not change the objective "{key}"',
        )  # fmt: skip
        changed = _changes(existing, desired)
        if {"scope_unit", "scope_person"} & set(changed):
            self.allowed(
                self.may_create(scope_unit, scope_person), row.line, "scope",
                "you may not move the objective to this scope",
            )  # fmt: skip
        if changed:
            goal_services.objective_update(objective=existing, actor=self.actor, **changed)
        self.planned(row.line, "update" if changed else "unchanged", f"objective {key}", changed)

    def import_alignments(self, row: _Row) -> None:
        key = row.get("key")
        child = self.objectives[key]
        added = False
        for reference in row.get("aligns_to") or []:
            parent_objective = parent_kr = None
            if reference.lower().startswith("kr:"):
                kr_key = reference[3:].strip()
                parent_kr = self.key_results.get(kr_key)
                if parent_kr is None or (
                    self.actor is not None and not access.key_result_visible(self.actor, parent_kr)
                ):
                    self.refuse(row.line, "aligns_to", f'unknown key result "{kr_key}"')
            else:
                parent_objective = self.objectives.get(reference)
                if parent_objective is None or (
                    self.actor is not None
                    and not access.objective_visible(self.actor, parent_objective)
                ):
                    self.unknown(row.line, "aligns_to", "objective", reference)
            link = (
                child.pk,
                parent_objective.pk if parent_objective else None,
                parent_kr.pk if parent_kr else None,
            )
            if link in self.links:
                continue
            if self.actor is not None and not access.objective_editable(self.actor, child):
                self.refuse(row.line, "aligns_to", f'you may not change the objective "{key}"')
            goal_services.alignment_create(
                child=child, parent_objective=parent_objective, parent_key_result=parent_kr,
                actor=self.actor,
            )  # fmt: skip
            self.links.add(link)
            added = True
        if added:
            self.planned(row.line, "update", f"objective {key}", {"aligns_to": True})

    # -- key results ----------------------------------------------------------------------------
    def import_key_results(self, rows: list[_Row]) -> None:
        # Only the objectives, KPIs and key results the sheet names: an organization has
        # hundreds of thousands of them.
        org = self.org.pk
        self.objectives = _by_key(
            Objective.objects.filter(organization_id=org).select_related("owner"),
            {r.get("objective") for r in rows},
        )
        self.indicators = _by_key(
            Indicator.objects.filter(organization_id=org), {r.get("kpi") for r in rows}
        )
        self.key_results = _by_key(
            KeyResult.objects.filter(organization_id=org), {r.get("key") for r in rows}
        )
        by_key = self.duplicates(rows, lambda r: r.get("key"), "this key")
        self.new_key_results: list[tuple[_Row, KeyResultRow]] = []
        for key, row in by_key.items():
            with self.row(row.line, writes=key in self.key_results):
                self.import_key_result(row, key)
        self.create_key_results()

    def create_key_results(self) -> None:
        """The new key results, checked together and created in one pass (`goals.bulk`) when
        no row of the sheet is bad; on a preview, only checked."""
        new = self.new_key_results
        for (row, _), refused in zip(
            new, key_results_check(rows=[kr for _, kr in new]), strict=True
        ):
            if refused is not None:
                self.plan.pop(row.line, None)
                for column, message in self.messages(refused):
                    self.error(row.line, column, message)
        if self.write and not self.errors and new:
            key_results_create(rows=[kr for _, kr in new], actor=self.actor)

    def import_key_result(self, row: _Row, key: str) -> None:
        objective_key = row.get("objective")
        objective = self.objectives.get(objective_key)
        if objective is None or (
            self.actor is not None and not access.objective_visible(self.actor, objective)
        ):
            self.refuse(row.line, "objective", f'unknown objective "{objective_key}"')
        existing = self.key_results.get(key)
        desired: dict[str, Any] = {"title": row.get("title")}
        if row.get("owner"):
            desired["owner"] = self.find_person(row.get("owner"), row.line, "owner")
        elif row.has("owner") and existing is None:
            desired["owner"] = objective.owner
        for column, name in (
            ("kind", "kind"), ("start", "start"), ("target", "target"), ("lower", "lower"),
            ("upper", "upper"), ("weight", "weight"), ("confidence", "confidence_start"),
            ("source", "progress_source"), ("due", "due"), ("state", "state"),
        ):  # fmt: skip
            if row.has(column):
                desired[name] = row.get(column)
        if row.has("unit"):
            desired["unit_label"] = row.get("unit") or ""
        if row.has("kpi"):
            kpi = row.get("kpi")
            desired["indicator"] = self.indicators.get(kpi) if kpi else None
            if kpi and desired["indicator"] is None:
                self.refuse(row.line, "kpi", f'unknown KPI "{kpi}"')
        if row.has("direction"):
            direction = row.get("direction")
            if direction is None:  # empty: inferred, as for a key result typed in a form
                start = desired.get("start", existing.start if existing else None)
                target = desired.get("target", existing.target if existing else None)
                direction = str(infer_direction(_fraction(start), _fraction(target)))
            desired["direction"] = direction
        if existing is None:
            self.allowed(
                access.objective_editable(self.actor, objective), row.line, "objective",
                f'you may not add key results to the objective "{objective_key}"',
            )  # fmt: skip
            title = desired.pop("title")
            owner = desired.pop("owner", None)
            self.new_key_results.append(
                (row, KeyResultRow(objective, key, title, owner=owner, fields=desired))
            )
            self.planned(row.line, "create", f"key result {key}", {})
            return
        if existing.objective_id != objective.pk:
            self.refuse(
                row.line, "objective",
                "a key result cannot move to another objective by import",
            )  # fmt: skip
        existing.refresh_from_db()  # check-ins and rollups move its derived columns
        self.allowed(
            access.key_result_editable(self.actor, existing), row.line, "",
            f'you may not change the key result "{key}"',
        )  # fmt: skip
        changed = _changes(existing, desired)
        if changed:
            goal_services.key_result_update(key_result=existing, actor=self.actor, **changed)
        self.planned(row.line, "update" if changed else "unchanged", f"key result {key}", changed)


def _by_key(rows: models.QuerySet[Any], keys: set[Any]) -> dict[str, Any]:
    """The rows of these keys (empty ones left out), by key, in a query per 10,000 keys."""
    wanted = sorted(str(key) for key in keys if key)
    found: dict[str, Any] = {}
    for some in batches(wanted):
        found.update((row.key, row) for row in rows.filter(key__in=some))
    return found


def _fraction(value: Decimal | None) -> Fraction | None:
    return None if value is None else Fraction(value)


def sheet_import(
    *,
    organization: Organization,
    kind: str,
    rows: Table,
    actor: Person | None,
    dry_run: bool,
    label: str = "spreadsheet import",
) -> SheetImportResult:
    """Check every row of the sheet, then apply them all in one transaction, or none.

    `actor` is the person importing (every row is checked against what they may do); None is
    the command line, which may do anything and is named `label` in the audit trail. With
    `dry_run`, or when any row is bad, nothing is saved; the result's plan says what would be.
    """
    sheet_kind = KINDS[kind]
    result = SheetImportResult(kind=sheet_kind)
    if actor is not None and (
        actor.organization_id != organization.pk or not kind_importable(actor, kind)
    ):
        message = (
            refusal(actor, kind)
            if actor.organization_id == organization.pk
            else "You are not a member of this organization."
        )
        result.errors.append(RowError(None, "", message))
        return result
    with transaction.atomic():
        first_event = AuditEvent.objects.aggregate(last=Max("id"))["last"] or 0
        run = _Import(organization, sheet_kind, rows, actor)
        run.write = not dry_run
        run.run()
        result.errors = sorted(run.errors, key=lambda e: e.line or 0)
        result.warnings = run.warnings
        result.plan = [run.plan[line] for line in sorted(run.plan)]
        if result.errors or dry_run:
            transaction.set_rollback(True)
        else:
            result.applied = True
            if actor is None:
                # The services take a person, not a label: name the import on its own rows.
                AuditEvent.objects.filter(
                    organization=organization, id__gt=first_event, actor__isnull=True,
                    actor_label="system",
                ).update(actor_label=label[:300])  # fmt: skip
    return result


# -- exports -------------------------------------------------------------------------------------
def _unit_paths(organization: Organization) -> dict[int, str]:
    units = list(Unit.objects.filter(organization_id=organization.pk))
    by_id = {u.pk: u for u in units}
    paths = {}
    for unit in units:
        ids = [int(part) for part in unit.path.strip("/").split("/") if part]
        paths[unit.pk] = "/".join(by_id[i].name for i in ids if i in by_id) or unit.name
    return paths


def _scope(obj: Any, unit_paths: dict[int, str]) -> str:
    if obj.scope_person_id:
        return f"person:{obj.scope_person.email}"
    if obj.scope_unit_id:
        return f"unit:{unit_paths[obj.scope_unit_id]}"
    return "org"


def _key(obj: Any) -> str | None:
    return obj.key if obj is not None else None


def visible_key_results(
    person: Person | None, organization: Organization
) -> models.QuerySet[KeyResult]:
    """The key results a person may see (all of them for the command line, which has no person)."""
    rows = KeyResult.objects.filter(organization_id=organization.pk)
    return rows if person is None else rows.filter(access.key_results_visible_q(person))


def sheet_export(
    *, organization: Organization, kind: str, person: Person | None
) -> list[list[Any]]:
    """The rows of one kind a person may see, in the kind's columns, as `sheet_import` reads
    them (None: the command line, which sees everything)."""
    if person is not None and (person.organization_id != organization.pk or not person.active):
        return []
    org = organization.pk
    paths = _unit_paths(organization)
    rows: list[list[Any]] = []
    if kind == "units":
        for unit in Unit.objects.filter(organization_id=org).select_related("head"):
            rows.append([paths[unit.pk], unit.kind, _email(unit.head)])
    elif kind == "people":
        for p in Person.objects.filter(organization_id=org).select_related("manager").order_by("email"):  # fmt: skip
            rows.append([
                p.email, p.name, paths.get(p.unit_id) if p.unit_id else None,
                _email(p.manager), p.job_title, p.role, p.active,
            ])  # fmt: skip
    elif kind == "kras":
        for a in (
            ResultArea.objects.filter(organization_id=org)
            .select_related("owner", "parent", "scope_person")
            .order_by("key")
        ):
            rows.append([
                a.key, a.name, _scope(a, paths), _email(a.owner), a.weight, _key(a.parent),
                a.review_cadence_days, a.state, a.description,
            ])  # fmt: skip
    elif kind == "kpis":
        targets: dict[int, list[Target]] = {}
        for t in (
            Target.objects.filter(organization_id=org)
            .select_related("period")
            .order_by("period__start", "period__name")
        ):
            targets.setdefault(t.indicator_id, []).append(t)
        for i in (
            Indicator.objects.filter(organization_id=org)
            .select_related("owner", "result_area", "scope_person")
            .order_by("key")
        ):
            definition = [
                i.key, i.name, _scope(i, paths), _email(i.owner), i.unit_label, i.direction,
                i.frequency, i.aggregation, i.leading, _key(i.result_area), i.red_below,
                i.red_above, i.tolerance, i.description,
            ]  # fmt: skip
            for t in targets.get(i.pk, []):
                rows.append([*definition, t.period.name, t.value, t.lower, t.upper])
            if i.pk not in targets:
                rows.append([*definition, None, None, None, None])
    elif kind == "measurements":
        measured = Measurement.objects.filter(organization_id=org).order_by(
            "indicator__key", "date"
        )
        for key, day, value, note in measured.values_list("indicator__key", "date", "value", "note").iterator():  # fmt: skip
            rows.append([key, day, value, note])
    elif kind == "objectives":
        objectives = Objective.objects.filter(organization_id=org)
        if person is not None:
            objectives = objectives.filter(access.objectives_visible_q(person))
        seen_objectives = set(objectives.values_list("pk", flat=True))
        seen_krs = set(visible_key_results(person, organization).values_list("pk", flat=True))
        parents: dict[int, list[str]] = {}
        for link in (
            Alignment.objects.filter(organization_id=org)
            .select_related("parent_objective", "parent_key_result")
            .order_by("id")
        ):
            if link.parent_objective_id in seen_objectives:
                parents.setdefault(link.child_id, []).append(link.parent_objective.key)  # type: ignore[union-attr]
            elif link.parent_key_result_id in seen_krs:
                parents.setdefault(link.child_id, []).append(f"kr:{link.parent_key_result.key}")  # type: ignore[union-attr]
        for o in objectives.select_related("owner", "period", "result_area", "scope_person").order_by("key"):  # fmt: skip
            rows.append([
                o.key, o.title, o.period.name if o.period else None, _scope(o, paths),
                _email(o.owner), _key(o.result_area), o.visibility, o.state, o.rollup,
                o.description, ", ".join(parents.get(o.pk, [])),
            ])  # fmt: skip
    elif kind == "key_results":
        for kr in (
            visible_key_results(person, organization)
            .select_related("objective", "owner", "indicator")
            .order_by("objective__key", "position", "id")
        ):
            rows.append([
                kr.key, kr.objective.key, kr.title, _email(kr.owner), kr.kind, kr.unit_label,
                kr.direction, kr.start, kr.target, kr.lower, kr.upper, kr.weight,
                kr.confidence_start, kr.progress_source, _key(kr.indicator), kr.due, kr.state,
            ])  # fmt: skip
    else:
        raise KeyError(kind)
    return rows
