"""Load a `core.Goals` value (a goals file) into the database, all or nothing.

Rows are matched on natural keys (unit name, email, period name, KRA/KPI/objective/key result
key), so importing the same file twice changes nothing. Every write goes through the services,
so the audit trail records the import. Problems are collected across the whole file and raised
together in `GoalsImportError`; the transaction is rolled back and nothing is written.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Context, Decimal
from fractions import Fraction
from typing import Any, TypeVar

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import validate_slug
from django.db import IntegrityError, models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from headway.audit.models import AuditEvent
from headway.audit.services import snapshot
from headway.checkins.models import CheckIn
from headway.checkins.services import checkin_record
from headway.core import model as core
from headway.core.evaluate import kr_direction
from headway.goals import services as goal_services
from headway.goals.models import Alignment, KeyResult, Milestone, Objective, ResultArea
from headway.goals.rollup import recompute_organization
from headway.indicators import services as indicator_services
from headway.indicators.models import Indicator, Measurement, Target
from headway.org import services as org_services
from headway.org.models import Organization, Period, Person, Unit

M = TypeVar("M", bound=models.Model)

ENTITIES = (
    "units", "people", "periods", "result_areas", "indicators", "targets", "measurements",
    "objectives", "key_results", "alignments", "milestones", "check_ins",
)  # fmt: skip
DONE_NOTE = "Marked done in the imported goals file."
PROGRESS_EVERY = 500  # a progress line every so many check-ins or measurements

# (max_digits, decimal_places) of the columns numbers land in.
VALUE = (20, 6)
WEIGHT = (10, 4)
KRA_WEIGHT = (6, 2)


@dataclass
class Counts:
    """How many objects of one kind the import created, changed or found as they were."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class ImportResult:
    """What an import did, entity by entity; `changed` is 0 when the file was already in."""

    organization: Organization
    organization_created: bool = False
    counts: dict[str, Counts] = field(default_factory=lambda: {e: Counts() for e in ENTITIES})
    recomputed: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> int:
        return sum(c.created + c.updated for c in self.counts.values()) + int(
            self.organization_created
        )

    def summary(self) -> list[str]:
        """One line per entity that the file mentions, for the command's report."""
        lines = []
        for entity, c in self.counts.items():
            if c.created or c.updated or c.unchanged:
                name = entity.replace("_", " ").replace("check ins", "check-ins")
                lines.append(
                    f"{name}: {c.created} created, {c.updated} updated, {c.unchanged} unchanged"
                )
        return lines


@dataclass(frozen=True)
class ImportProblem:
    """One object of the file the database refused, and why."""

    kind: str  # unit, person, period, result_area, indicator, objective, key_result, ...
    key: str
    message: str

    @property
    def object(self) -> str:
        return f"{self.kind}:{self.key}"

    def __str__(self) -> str:
        return f'{self.kind.replace("_", " ")} "{self.key}": {self.message}'


class GoalsImportError(ValueError):
    """The goals could not be stored; `problems` lists every one, and nothing was written."""

    def __init__(self, problems: list[ImportProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class _Skip(Exception):
    """Abandon the current object: its problem is recorded (or its dependency failed)."""


def _messages(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [
            message if name == NON_FIELD_ERRORS else f"{name}: {message}"
            for name, messages in error.message_dict.items()
            for message in messages
        ]
    return list(error.messages)


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


def _aware(day: dt.date | None) -> dt.datetime | None:
    """A date as the start of that day where the organization works."""
    return None if day is None else timezone.make_aware(dt.datetime.combine(day, dt.time()))


def _email(text: str) -> str:
    """People are matched on their email in any letter case, as the services store it."""
    return text.strip().lower()


def _local_date(moment: dt.datetime | None) -> dt.date | None:
    return None if moment is None else timezone.localtime(moment).date()


def _period_kind(start: dt.date, end: dt.date) -> str:
    """The kind a period's length suggests; the goals file does not carry it into `Goals`."""
    days = (end - start).days + 1
    for kind, low, high in (
        (Period.Kind.MONTH, 28, 31),
        (Period.Kind.QUARTER, 89, 92),
        (Period.Kind.HALF, 181, 184),
        (Period.Kind.YEAR, 365, 366),
    ):
        if low <= days <= high:
            return kind
    return Period.Kind.CUSTOM


def parents_first(items: list[tuple[str, str | None]]) -> tuple[list[str], list[str]]:
    """Keys ordered so each comes after its parent (when listed); and the keys in cycles."""
    parent_of = dict(items)
    order: list[str] = []
    state: dict[str, int] = {}  # 1 visiting, 2 done
    cyclic: list[str] = []
    for key, _ in items:
        path: list[str] = []
        node: str | None = key
        while node is not None and node in parent_of and state.get(node) != 2:
            if state.get(node) == 1:
                cyclic.extend(path[path.index(node) :])
                break
            state[node] = 1
            path.append(node)
            node = parent_of[node]
        for done in reversed(path):
            if done not in cyclic:
                order.append(done)
            state[done] = 2
    return order, cyclic


class _Importer:
    """One import: the organization's rows by natural key, the problems, and the tallies."""

    def __init__(
        self,
        goals: core.Goals,
        organization: Organization,
        result: ImportResult,
        progress: Callable[[str], None],
    ) -> None:
        self.goals = goals
        self.org = organization
        self.result = result
        self.say = progress
        self.problems: list[ImportProblem] = []
        self.failed: set[tuple[str, str]] = set()
        self.outcome: dict[str, dict[str, str]] = defaultdict(dict)
        org = organization.pk
        self.units = {u.name: u for u in Unit.objects.filter(organization_id=org)}
        self.people = {_email(p.email): p for p in Person.objects.filter(organization_id=org)}
        self.periods = {p.name: p for p in Period.objects.filter(organization_id=org)}
        self.areas = {a.key: a for a in ResultArea.objects.filter(organization_id=org)}
        self.indicators = {i.key: i for i in Indicator.objects.filter(organization_id=org)}
        self.objectives = {o.key: o for o in Objective.objects.filter(organization_id=org)}
        self.key_results = {
            kr.key: kr
            for kr in KeyResult.objects.filter(organization_id=org).select_related(
                "objective__period"
            )
        }
        # Check-ins still to record, and key results to cancel once they are in.
        self.pending: list[tuple[dt.date, int, KeyResult, core.CheckIn]] = []
        self.cancel_later: list[KeyResult] = []

    # -- bookkeeping --------------------------------------------------------------------------
    def problem(self, kind: str, key: str, message: str) -> None:
        self.problems.append(ImportProblem(kind, key, message))

    def mark(self, entity: str, key: str, outcome: str) -> None:
        """created beats updated beats unchanged: an object counts once, by what happened most."""
        rank = {"unchanged": 0, "updated": 1, "created": 2}
        known = self.outcome[entity].get(key)
        if known is None or rank[outcome] > rank[known]:
            self.outcome[entity][key] = outcome

    def tally(self) -> None:
        for entity, outcomes in self.outcome.items():
            counts = self.result.counts[entity]
            for outcome in outcomes.values():
                setattr(counts, outcome, getattr(counts, outcome) + 1)

    @contextmanager
    def item(self, kind: str, key: str) -> Iterator[None]:
        """One object in its own savepoint: a refusal is recorded and the import goes on, so
        one run reports every problem; the caller rolls everything back if there were any."""
        try:
            with transaction.atomic():
                yield
        except _Skip:
            self.failed.add((kind, key))
        except ValidationError as error:
            for message in _messages(error):
                self.problem(kind, key, message)
            self.failed.add((kind, key))
        except IntegrityError as error:
            self.problem(kind, key, f"the database refused it: {error}")
            self.failed.add((kind, key))

    def first(self, kind: str, key: str, seen: set[str]) -> bool:
        """False (and a problem) when a hand-built `Goals` lists the same object twice."""
        if key in seen:
            self.problem(kind, key, "listed twice")
            return False
        seen.add(key)
        return True

    # -- reading values -----------------------------------------------------------------------
    def ref(
        self, table: dict[str, M], kind: str, name: str | None, owner: tuple[str, str]
    ) -> M | None:
        """The row a reference names, or a problem on `owner` and `_Skip`."""
        if name is None:
            return None
        key = _email(name) if kind == "person" else name
        found = table.get(key)
        if found is not None:
            return found
        if (kind, key) not in self.failed:
            self.problem(*owner, f'unknown {kind.replace("_", " ")} "{name}"')
        raise _Skip

    def scope(self, text: str, owner: tuple[str, str]) -> tuple[Unit | None, Person | None]:
        if text == core.ORG_SCOPE:
            return None, None
        kind, _, name = text.partition(":")
        if kind == "unit" and name:
            return self.ref(self.units, "unit", name, owner), None
        if kind == "person" and name:
            return None, self.ref(self.people, "person", name, owner)
        self.problem(*owner, f'scope: expected org, unit:NAME or person:EMAIL; got "{text}"')
        raise _Skip

    def decimal(
        self, value: Fraction | None, size: tuple[int, int], owner: tuple[str, str], name: str
    ) -> Decimal | None:
        """The exact decimal the column keeps, or a problem: the database never rounds a file."""
        if value is None:
            return None
        digits, places = size
        context = Context(prec=80)
        exact = context.divide(Decimal(value.numerator), Decimal(value.denominator))
        kept = exact.quantize(Decimal(1).scaleb(-places), context=context)
        if Fraction(kept) != value:
            self.problem(
                *owner, f"{name}: {value} cannot be stored exactly (at most {places} decimals)"
            )
            raise _Skip
        if len(kept.as_tuple().digits) > digits:
            self.problem(*owner, f"{name}: {value} is too large to store")
            raise _Skip
        return kept

    def text(self, value: str, limit: int, owner: tuple[str, str], name: str) -> str:
        if len(value) > limit:
            self.problem(*owner, f"{name}: longer than {limit} characters")
            raise _Skip
        return value

    # -- the organization's structure ---------------------------------------------------------
    def import_units(self) -> None:
        seen: set[str] = set()
        listed = [u for u in self.goals.units if self.first("unit", u.name, seen)]
        by_name = {u.name: u for u in listed}
        order, cyclic = parents_first([(u.name, u.parent) for u in listed])
        for name in cyclic:
            self.problem("unit", name, "its parent units form a cycle")
            self.failed.add(("unit", name))
        for name in order:
            unit = by_name[name]
            owner = ("unit", name)
            with self.item(*owner):
                parent = self.ref(self.units, "unit", unit.parent, owner)
                existing = self.units.get(name)
                if existing is None:
                    self.text(name, 200, owner, "name")
                    self.units[name] = org_services.unit_create(
                        organization=self.org, name=name, kind=unit.kind, parent=parent
                    )
                    self.mark("units", name, "created")
                    continue
                changed = _changes(existing, {"kind": unit.kind, "parent": parent})
                if changed:
                    org_services.unit_update(unit=existing, **changed)
                    if "parent" in changed:  # descendants' paths moved in the database
                        self.units = {
                            u.name: u for u in Unit.objects.filter(organization_id=self.org.pk)
                        }
                self.mark("units", name, "updated" if changed else "unchanged")
        self.say(f"units: {len(listed)}")

    def import_unit_heads(self) -> None:
        """Heads are people, and people belong to units: heads are set once both exist."""
        for unit in self.goals.units:
            owner = ("unit", unit.name)
            existing = self.units.get(unit.name)
            if existing is None or owner in self.failed:
                continue
            with self.item(*owner):
                head = self.ref(self.people, "person", unit.head, owner)
                if existing.head_id != (head.pk if head else None):
                    org_services.unit_update(unit=existing, head=head)
                    self.mark("units", unit.name, "updated")

    def import_people(self) -> None:
        seen: set[str] = set()
        listed = [p for p in self.goals.people if self.first("person", _email(p.email), seen)]
        by_email = {_email(p.email): p for p in listed}
        order, cyclic = parents_first(
            [(email, _email(p.manager) if p.manager else None) for email, p in by_email.items()]
        )
        for email in cyclic:
            self.problem("person", email, "the managers form a cycle")
            self.failed.add(("person", email))
        for email in order:
            person = by_email[email]
            owner = ("person", email)
            with self.item(*owner):
                unit = self.ref(self.units, "unit", person.unit, owner)
                manager = self.ref(self.people, "person", person.manager, owner)
                desired: dict[str, Any] = {
                    "name": person.name,
                    "job_title": person.title,
                    "unit": unit,
                    "manager": manager,
                    "role": person.role,
                    "active": person.active,
                }
                existing = self.people.get(email)
                if existing is None:
                    self.people[email] = org_services.person_create(
                        organization=self.org, email=email, **desired
                    )
                    self.mark("people", email, "created")
                    continue
                changed = _changes(existing, desired)
                if changed:
                    org_services.person_update(person=existing, **changed)
                    if "manager" in changed:  # reports' manager paths moved in the database
                        self.people = {
                            _email(p.email): p
                            for p in Person.objects.filter(organization_id=self.org.pk)
                        }
                self.mark("people", email, "updated" if changed else "unchanged")
        self.say(f"people: {len(listed)}")

    def import_periods(self) -> None:
        seen: set[str] = set()
        listed = [p for p in self.goals.periods if self.first("period", p.id, seen)]
        # Longest first, so a quarter finds the year it sits in as its parent.
        for period in sorted(listed, key=lambda p: (p.start - p.end, p.start)):
            owner = ("period", period.id)
            with self.item(*owner):
                existing = self.periods.get(period.id)
                if existing is None:
                    self.text(period.id, 100, owner, "name")
                    state = period.state or (
                        Period.State.PLANNING
                        if self.goals.today < period.start
                        else Period.State.ACTIVE
                    )
                    self.periods[period.id] = org_services.period_create(
                        organization=self.org,
                        name=period.id,
                        start=period.start,
                        end=period.end,
                        kind=_period_kind(period.start, period.end),
                        parent=self.enclosing_period(period),
                        state=state,
                    )
                    self.mark("periods", period.id, "created")
                    continue
                state = period.state or (
                    existing.state if existing.state != Period.State.CLOSED else Period.State.ACTIVE
                )
                changed = _changes(
                    existing, {"start": period.start, "end": period.end, "state": state}
                )
                if changed:
                    org_services.period_update(period=existing, **changed)
                self.mark("periods", period.id, "updated" if changed else "unchanged")
        self.say(f"periods: {len(listed)}")

    def enclosing_period(self, period: core.Period) -> Period | None:
        """The shortest longer period that contains this one: a quarter's year."""
        around = [
            p
            for p in self.periods.values()
            if p.start <= period.start
            and period.end <= p.end
            and (p.end - p.start) > (period.end - period.start)
        ]
        return min(around, key=lambda p: p.end - p.start, default=None)

    # -- KRAs and KPIs ------------------------------------------------------------------------
    def import_result_areas(self) -> None:
        seen: set[str] = set()
        listed = [a for a in self.goals.result_areas if self.first("result_area", a.id, seen)]
        by_key = {a.id: a for a in listed}
        order, cyclic = parents_first([(a.id, a.parent) for a in listed])
        for key in cyclic:
            self.problem("result_area", key, "its parent KRAs form a cycle")
            self.failed.add(("result_area", key))
        for key in order:
            area = by_key[key]
            owner = ("result_area", key)
            with self.item(*owner):
                scope_unit, scope_person = self.scope(area.scope, owner)
                desired: dict[str, Any] = {
                    "name": area.name,
                    "owner": self.ref(self.people, "person", area.owner, owner),
                    "scope_unit": scope_unit,
                    "scope_person": scope_person,
                    "description": area.description,
                    "weight": self.decimal(area.weight, KRA_WEIGHT, owner, "weight"),
                    "parent": self.ref(self.areas, "result_area", area.parent, owner),
                    "review_cadence_days": area.review_cadence_days,
                    "state": area.state,
                }
                existing = self.areas.get(key)
                if existing is None:
                    row = goal_services.result_area_create(
                        organization=self.org,
                        key=key,
                        last_reviewed_at=_aware(area.last_reviewed),
                        **desired,
                    )
                    self.areas[key] = row
                    self.set_definition_changed(row, area.changed, created=True)
                    self.mark("result_areas", key, "created")
                    continue
                if _local_date(existing.last_reviewed_at) != area.last_reviewed:
                    desired["last_reviewed_at"] = _aware(area.last_reviewed)
                changed = _changes(existing, desired)
                if changed:
                    goal_services.result_area_update(area=existing, **changed)
                moved = self.set_definition_changed(existing, area.changed, created=False)
                self.mark("result_areas", key, "updated" if changed or moved else "unchanged")
        self.say(f"KRAs: {len(listed)}")

    @staticmethod
    def set_definition_changed(area: ResultArea, day: dt.date | None, *, created: bool) -> bool:
        """Keep the file's `changed` date (HW015 drift) rather than the moment of the import.

        No service takes it, so the column is written directly; a created KRA without one
        has no definition change after its import to report.
        """
        if not created and (day is None or _local_date(area.definition_changed_at) == day):
            return False
        area.definition_changed_at = _aware(day)
        ResultArea.objects.filter(pk=area.pk).update(definition_changed_at=_aware(day))
        return True

    def import_indicators(self) -> None:
        seen: set[str] = set()
        listed = [i for i in self.goals.indicators if self.first("indicator", i.id, seen)]
        targets = {
            (t.indicator_id, t.period_id): t
            for t in Target.objects.filter(organization_id=self.org.pk)
        }
        measured = {
            (m.indicator_id, m.date): m
            for m in Measurement.objects.filter(organization_id=self.org.pk)
        }
        recorded = 0
        for indicator in listed:
            owner = ("indicator", indicator.id)
            with self.item(*owner):
                scope_unit, scope_person = self.scope(indicator.scope, owner)
                desired: dict[str, Any] = {
                    "name": indicator.name,
                    "owner": self.ref(self.people, "person", indicator.owner, owner),
                    "scope_unit": scope_unit,
                    "scope_person": scope_person,
                    "result_area": self.ref(
                        self.areas, "result_area", indicator.result_area, owner
                    ),
                    "description": indicator.description,
                    "unit_label": indicator.unit,
                    "direction": indicator.direction.value,
                    "frequency": indicator.frequency.value,
                    "aggregation": indicator.aggregation.value,
                    "leading": indicator.leading,
                    "red_below": self.decimal(indicator.red_below, VALUE, owner, "red_below"),
                    "red_above": self.decimal(indicator.red_above, VALUE, owner, "red_above"),
                    "tolerance": self.decimal(indicator.tolerance, VALUE, owner, "tolerance"),
                }
                wanted_targets = {
                    period: (
                        self.ref(self.periods, "period", period, owner),
                        self.decimal(target.value, VALUE, owner, f"targets.{period}"),
                        self.decimal(target.lower, VALUE, owner, f"targets.{period}.lower"),
                        self.decimal(target.upper, VALUE, owner, f"targets.{period}.upper"),
                    )
                    for period, target in indicator.targets.items()
                }
                existing = self.indicators.get(indicator.id)
                if existing is None:
                    created = indicator_services.indicator_create(
                        organization=self.org,
                        key=indicator.id,
                        source=Indicator.Source.IMPORT,
                        **desired,
                    )
                    self.indicators[indicator.id] = created
                    self.set_targets(created, indicator.id, wanted_targets, targets)
                    self.mark("indicators", indicator.id, "created")
                else:
                    changed = _changes(existing, desired)
                    self.update_indicator(existing, indicator.id, changed, wanted_targets, targets)
                    self.mark("indicators", indicator.id, "updated" if changed else "unchanged")
            row = self.indicators.get(indicator.id)
            if row is None or owner in self.failed:
                continue
            for m in indicator.measurements:
                key = f"{indicator.id} {m.date}"
                with self.item("measurement", key):
                    value = self.decimal(m.value, VALUE, ("measurement", key), "value")
                    note = self.text(m.note, 500, ("measurement", key), "note")
                    known = measured.get((row.pk, m.date))
                    if known is not None and (known.value, known.note) == (value, note):
                        self.result.counts["measurements"].unchanged += 1
                        continue
                    assert value is not None
                    indicator_services.measurement_record(
                        indicator=row,
                        date=m.date,
                        value=value,
                        note=note,
                        source=Indicator.Source.IMPORT,
                    )
                    counts = self.result.counts["measurements"]
                    if known is None:
                        counts.created += 1
                    else:
                        counts.updated += 1
                    recorded += 1
                    if recorded % PROGRESS_EVERY == 0:
                        self.say(f"measurements: {recorded} recorded")
        self.say(f"KPIs: {len(listed)}")

    def update_indicator(
        self,
        row: Indicator,
        key: str,
        changed: dict[str, Any],
        wanted: dict[str, tuple[Period | None, Decimal | None, Decimal | None, Decimal | None]],
        targets: dict[tuple[int, int], Target],
    ) -> None:
        """New thresholds are checked against the targets and the other way round, so when
        both move, one order may be refused where the other is fine: try both."""
        try:
            with transaction.atomic():
                if changed:
                    indicator_services.indicator_update(indicator=row, **changed)
                self.set_targets(row, key, wanted, targets)
        except ValidationError as first:
            if not changed:
                raise
            row.refresh_from_db()
            try:
                with transaction.atomic():
                    self.set_targets(row, key, wanted, targets)
                    indicator_services.indicator_update(indicator=row, **changed)
            except ValidationError:
                raise first from None

    def set_targets(
        self,
        row: Indicator,
        key: str,
        wanted: dict[str, tuple[Period | None, Decimal | None, Decimal | None, Decimal | None]],
        targets: dict[tuple[int, int], Target],
    ) -> None:
        for name, (period, value, lower, upper) in wanted.items():
            assert period is not None
            target_key = f"{key} {name}"
            known = targets.get((row.pk, period.pk))
            if known is not None and (known.value, known.lower, known.upper) == (
                value,
                lower,
                upper,
            ):
                self.mark("targets", target_key, "unchanged")
                continue
            indicator_services.target_set(
                indicator=row, period=period, value=value, lower=lower, upper=upper
            )
            self.mark("targets", target_key, "updated" if known else "created")

    # -- objectives and key results -----------------------------------------------------------
    def import_objectives(self) -> None:
        seen: set[str] = set()
        stored: dict[int, Counter[tuple[Any, ...]]] = defaultdict(Counter)
        latest: dict[int, tuple[dt.date, Fraction]] = {}
        for c in CheckIn.objects.filter(organization_id=self.org.pk).order_by("date", "id"):
            value = None if c.value is None else Fraction(c.value)
            stored[c.key_result_id][(c.date, value, c.confidence, c.status, c.note)] += 1
            if value is not None:
                latest[c.key_result_id] = (c.date, value)
        listed = [o for o in self.goals.objectives if self.first("objective", o.id, seen)]
        for objective in listed:
            owner = ("objective", objective.id)
            with self.item(*owner):
                row = self.import_objective(objective, owner)
            for position, kr in enumerate(objective.key_results):
                if not self.first("key_result", kr.id, seen):
                    continue
                if owner in self.failed:  # its key results go with it, without a second word
                    self.failed.add(("key_result", kr.id))
                    continue
                with self.item("key_result", kr.id):
                    self.import_key_result(kr, objective, row, position, stored, latest)
        self.say(f"objectives: {len(listed)}")

    def import_objective(self, objective: core.Objective, owner: tuple[str, str]) -> Objective:
        scope_unit, scope_person = self.scope(objective.scope, owner)
        desired: dict[str, Any] = {
            "title": objective.title,
            "owner": self.ref(self.people, "person", objective.owner, owner),
            "period": self.ref(self.periods, "period", objective.period, owner),
            "scope_unit": scope_unit,
            "scope_person": scope_person,
            "description": objective.description,
            "result_area": self.ref(self.areas, "result_area", objective.result_area, owner),
            "visibility": objective.visibility,
            "state": objective.state,
            "rollup": objective.rollup.value,
        }
        existing = self.objectives.get(objective.id)
        if existing is None:
            row = goal_services.objective_create(organization=self.org, key=objective.id, **desired)
            self.objectives[objective.id] = row
            self.mark("objectives", objective.id, "created")
            return row
        existing.refresh_from_db()  # check-ins and rollups move its derived columns
        changed = _changes(existing, desired)
        if changed:
            goal_services.objective_update(objective=existing, **changed)
        self.mark("objectives", objective.id, "updated" if changed else "unchanged")
        return existing

    def import_key_result(
        self,
        kr: core.KeyResult,
        objective: core.Objective,
        parent: Objective,
        position: int,
        stored: dict[int, Counter[tuple[Any, ...]]],
        latest: dict[int, tuple[dt.date, Fraction]],
    ) -> None:
        owner = ("key_result", kr.id)
        desired: dict[str, Any] = {
            "objective": parent,
            "title": kr.title,
            "owner": self.ref(self.people, "person", kr.owner, owner),
            "kind": kr.kind.value,
            "unit_label": kr.unit,
            # The file may leave the direction to be inferred; the database keeps it explicit.
            "direction": kr_direction(kr).value,
            "start": self.decimal(kr.start, VALUE, owner, "start"),
            "target": self.decimal(kr.target, VALUE, owner, "target"),
            "lower": self.decimal(kr.lower, VALUE, owner, "lower"),
            "upper": self.decimal(kr.upper, VALUE, owner, "upper"),
            "weight": self.decimal(kr.weight, WEIGHT, owner, "weight"),
            "confidence_start": kr.confidence_start,
            "progress_source": kr.source.value,
            "indicator": self.ref(self.indicators, "indicator", kr.indicator, owner),
            "due": kr.due,
            "state": KeyResult.State.CANCELLED if kr.cancelled else KeyResult.State.ACTIVE,
            "position": position,
        }
        existing = self.key_results.get(kr.id)
        new = self.new_check_ins(kr, stored[existing.pk] if existing is not None else Counter())
        if kr.kind == core.KRKind.BOOLEAN and kr.done:
            done = self.done_check_in(
                objective, new, latest.get(existing.pk) if existing is not None else None
            )
            if done is not None:
                new.append(done)
        if kr.cancelled and new:
            desired["state"] = KeyResult.State.ACTIVE  # a cancelled key result takes no check-ins
        if existing is None:
            fields = {k: v for k, v in desired.items() if k not in ("objective", "title", "owner")}
            row = goal_services.key_result_create(
                objective=parent, title=kr.title, owner=desired["owner"], key=kr.id, **fields
            )
            if desired["owner"] is None and row.owner_id is not None:
                # key_result_create gives an ownerless key result its objective's owner.
                row.refresh_from_db()
                goal_services.key_result_update(key_result=row, owner=None)
            self.key_results[kr.id] = row
            self.mark("key_results", kr.id, "created")
        else:
            row = existing
            row.refresh_from_db()  # check-ins and rollups move its derived columns
            changed = _changes(row, desired)
            if changed:
                goal_services.key_result_update(key_result=row, **changed)
            self.mark("key_results", kr.id, "updated" if changed else "unchanged")
        if kr.cancelled and new:
            self.cancel_later.append(row)
        for check_in in new:
            self.pending.append((check_in.date, len(self.pending), row, check_in))
        for key, milestone, known in self.match_milestones(kr, row):
            with self.item("milestone", key):
                self.import_milestone(key, milestone, known, row)

    def new_check_ins(
        self, kr: core.KeyResult, stored: Counter[tuple[Any, ...]]
    ) -> list[core.CheckIn]:
        """The file's check-ins the database does not hold yet (an identical one matches once)."""
        left = Counter(stored)
        new: list[core.CheckIn] = []
        for c in kr.check_ins:
            value = self.decimal(c.value, VALUE, ("key_result", kr.id), f"check-in {c.date} value")
            key = (
                c.date,
                None if value is None else Fraction(value),
                c.confidence,
                c.status or "",
                c.note,
            )
            if left[key] > 0:
                left[key] -= 1
                self.result.counts["check_ins"].unchanged += 1
            else:
                new.append(c)
        return new

    def done_check_in(
        self,
        objective: core.Objective,
        new: list[core.CheckIn],
        stored_latest: tuple[dt.date, Fraction] | None,
    ) -> core.CheckIn | None:
        """`done: true` on a yes/no key result, kept the way the database knows it: a check-in
        of 1 on the file's date, unless the latest check-in says done already."""
        # On one date, what is still to be recorded comes after what is stored.
        valued = [(c.date, 1, c.value) for c in new if c.value is not None]
        if stored_latest is not None:
            valued.append((stored_latest[0], 0, stored_latest[1]))
        last = max(valued, key=lambda item: item[:2], default=None)
        if last is not None and last[2] != 0:
            return None
        period = self.goals.period(objective.period)
        day = min(self.goals.today, period.end) if period is not None else self.goals.today
        if last is not None:
            day = max(day, last[0])
        return core.CheckIn(date=day, value=Fraction(1), note=DONE_NOTE)

    def match_milestones(
        self, kr: core.KeyResult, row: KeyResult
    ) -> Iterable[tuple[str, core.Milestone, Milestone | None]]:
        """Milestones have no key: the n-th one of a title matches the n-th stored one."""
        stored: dict[str, list[Milestone]] = defaultdict(list)
        for m in Milestone.objects.filter(key_result=row).order_by("id"):
            stored[m.title].append(m)
        for milestone in kr.milestones:
            known = stored[milestone.title].pop(0) if stored[milestone.title] else None
            yield f"{kr.id} {milestone.title}", milestone, known

    def import_milestone(
        self, key: str, milestone: core.Milestone, known: Milestone | None, row: KeyResult
    ) -> None:
        owner = ("milestone", key)
        title = self.text(milestone.title, 300, owner, "title")
        weight = self.decimal(milestone.weight, WEIGHT, owner, "weight")
        assert weight is not None
        if known is None:
            goal_services.milestone_save(
                milestone=Milestone(
                    key_result=row,
                    title=title,
                    due=milestone.due,
                    done=milestone.done,
                    weight=weight,
                )
            )
            self.result.counts["milestones"].created += 1
            return
        changed = _changes(known, {"due": milestone.due, "done": milestone.done, "weight": weight})
        if changed:
            before = snapshot(known)
            for name, value in changed.items():
                setattr(known, name, value)
            goal_services.milestone_save(milestone=known, before=before)
            self.result.counts["milestones"].updated += 1
        else:
            self.result.counts["milestones"].unchanged += 1

    def import_alignments(self) -> None:
        """After every objective and key result exists, so a link may point forward."""
        existing = {
            (a.child_id, a.parent_objective_id, a.parent_key_result_id): a
            for a in Alignment.objects.filter(organization_id=self.org.pk)
        }
        for objective in self.goals.objectives:
            child = self.objectives.get(objective.id)
            if child is None or ("objective", objective.id) in self.failed:
                continue
            for link in objective.aligns_to:
                target = link.parent_objective or f"key result {link.parent_key_result}"
                key = f"{objective.id} → {target}"
                owner = ("alignment", key)
                with self.item(*owner):
                    parent_objective = self.ref(
                        self.objectives, "objective", link.parent_objective, owner
                    )
                    parent_kr = self.ref(
                        self.key_results, "key_result", link.parent_key_result, owner
                    )
                    weight = self.decimal(link.weight, WEIGHT, owner, "weight")
                    assert weight is not None
                    known = existing.get(
                        (
                            child.pk,
                            parent_objective.pk if parent_objective else None,
                            parent_kr.pk if parent_kr else None,
                        )
                    )
                    if known is None:
                        goal_services.alignment_create(
                            child=child,
                            parent_objective=parent_objective,
                            parent_key_result=parent_kr,
                            weight=weight,
                        )
                        self.mark("alignments", key, "created")
                    elif known.weight != weight:
                        goal_services.alignment_update(alignment=known, weight=weight)
                        self.mark("alignments", key, "updated")
                    else:
                        self.mark("alignments", key, "unchanged")

    def import_check_ins(self) -> None:
        """In date order across the organization, as they would have been recorded."""
        total = len(self.pending)
        counts = self.result.counts["check_ins"]
        for number, (day, _, row, check_in) in enumerate(
            sorted(self.pending, key=lambda p: p[:2]), 1
        ):
            key = f"{row.key} {day}"
            with self.item("check_in", key):
                checkin_record(
                    key_result=row,
                    value=self.decimal(check_in.value, VALUE, ("check_in", key), "value"),
                    author=None,
                    confidence=check_in.confidence,
                    status=check_in.status or "",
                    note=check_in.note,
                    date=day,
                )
                counts.created += 1
            if number % PROGRESS_EVERY == 0:
                self.say(f"check-ins: {number}/{total}")
        for row in self.cancel_later:
            with self.item("key_result", row.key):
                row.refresh_from_db()
                goal_services.key_result_update(key_result=row, state=KeyResult.State.CANCELLED)
        if total:
            self.say(f"check-ins: {total} recorded")

    def run(self) -> None:
        self.import_units()
        self.import_people()
        self.import_unit_heads()
        self.import_periods()
        self.import_result_areas()
        self.import_indicators()
        self.import_objectives()
        self.import_alignments()
        self.import_check_ins()
        self.tally()


def _organization(goals: core.Goals, slug: str) -> tuple[Organization, bool]:
    """The organization with that slug, or a new one named as the file names it."""
    found = Organization.objects.filter(slug=slug).first()
    if found is not None:
        return found, False
    try:
        validate_slug(slug)
        created = org_services.organization_create(
            name=goals.organization or slug,
            slug=slug,
            fiscal_year_start_month=goals.fiscal_year_start_month,
        )
    except ValidationError as error:
        problems = [ImportProblem("organization", slug, m) for m in _messages(error)]
        raise GoalsImportError(problems) from None
    return created, True


def goals_import(
    *,
    goals: core.Goals,
    organization_slug: str | None = None,
    actor_label: str = "import",
    progress: Callable[[str], None] | None = None,
) -> ImportResult:
    """Store `goals` in the organization with that slug (created if missing), all or nothing.

    Raises `GoalsImportError` listing every problem; nothing is written then. Importing the
    same goals again changes nothing and writes no audit row.
    """
    slug = organization_slug or slugify(goals.slug or goals.organization)[:80]
    if not slug:
        raise GoalsImportError(
            [ImportProblem("organization", "", "give the organization a name or a slug")]
        )
    with transaction.atomic():
        first_event = AuditEvent.objects.aggregate(last=Max("id"))["last"] or 0
        organization, created = _organization(goals, slug)
        result = ImportResult(organization=organization, organization_created=created)
        importer = _Importer(goals, organization, result, progress or (lambda _: None))
        importer.run()
        if importer.problems:
            raise GoalsImportError(importer.problems)
        if result.changed:
            # One bulk pass, so the stored numbers equal a full recompute whatever order the
            # per-check-in rollups ran in.
            result.recomputed = recompute_organization(organization)
        # The services take an actor person, not a label: name the import on its own rows.
        AuditEvent.objects.filter(
            organization=organization, id__gt=first_event, actor__isnull=True, actor_label="system"
        ).update(actor_label=actor_label[:300])
    return result
