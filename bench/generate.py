"""Generate a large, realistic organization for the benchmarks, through bulk paths.

    .venv/bin/python -m bench.generate --size S|M|L [--db sqlite|postgres] [--database-url URL]

Sizes (DESIGN and issue 6): S 1,000 people, M 10,000, L 50,000 people in 5,000 units over
8 levels. Every person has 4 objectives of 3 key results in the current quarter, checked in
weekly for 13 weeks; every unit has 3 KRAs, 3 objectives and 10 KPIs measured daily for a year.

The database is always recreated first (a `headway_bench*` PostgreSQL database, or the SQLite
file in bench/.data/SIZE-sqlite/), then migrated. Rows are written with COPY on PostgreSQL
(psycopg's `cursor.copy`) and batched `executemany` INSERTs on SQLite, with ids assigned here so
that no row has to be read back. Derived values (progress, status, attainment of every key result
and objective) are then computed by the product's own `recompute_organization`, and timed: that
is the figure a full recompute costs. Nothing goes through the services (they take milliseconds
a row); the unit tree's `path`, people's `manager_path` and every key are written as the services
would write them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import resource
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from bench.cpu import others_during, process_ticks
from bench.progress import Progress, fmt_seconds
from bench.target import (
    Target,
    add_target_arguments,
    machine,
    recreate_database,
    save_result,
    setup_django,
    target_from_arguments,
)


@dataclass(frozen=True)
class Size:
    people: int
    units: int
    levels: int


SIZES = {
    "S": Size(people=1_000, units=100, levels=6),
    "M": Size(people=10_000, units=1_000, levels=7),
    "L": Size(people=50_000, units=5_000, levels=8),
}
ORG_OBJECTIVES = 5
UNIT_OBJECTIVES = 3
PERSON_OBJECTIVES = 4
KRS_PER_OBJECTIVE = 3
UNIT_KRAS = 3
UNIT_KPIS = 10
MEASUREMENT_DAYS = 365
CHECK_IN_WEEKS = 13
PASSWORD = "bench-password"

ORG_KRA_NAMES = (
    ("Revenue growth", 30),
    ("Customer success", 25),
    ("Product leadership", 20),
    ("Operational excellence", 15),
    ("People and culture", 10),
)
UNIT_KRA_NAMES = (("Delivery", 40), ("Quality", 35), ("Team health", 25))
AREAS = (
    "Sales", "Support", "Platform", "Finance", "Logistics", "Marketing", "Research", "Security",
    "Assembly", "Onboarding", "Analytics", "Procurement", "Mobile", "Billing", "Design", "Legal",
)  # fmt: skip
FIRST = (
    "Ava", "Liam", "Maya", "Noah", "Priya", "Ethan", "Sofia", "Lucas", "Amara", "Mateo", "Hannah",
    "Omar", "Chloe", "Kenji", "Isabel", "Daniel", "Aisha", "Leo", "Grace", "Ravi", "Elena", "Wei",
)  # fmt: skip
LAST = (
    "Okafor", "Lindqvist", "Nakamura", "Fernandez", "Patel", "Johansson", "Kowalski", "Mensah",
    "Rossi", "Dubois", "Schmidt", "Haddad", "Kim", "Silva", "Novak", "Andersen", "Mwangi", "Costa",
)  # fmt: skip
OBJECTIVE_TITLES = (
    "Delight the customers we serve",
    "Ship faster without breaking things",
    "Make our work predictable",
    "Grow the business in our market",
    "Build a team people want to join",
    "Cut waste out of how we work",
    "Make quality everyone's job",
    "Be the fastest helpful answer",
)
# (metric, unit label, kind): key results read "Increase <metric> from <start> to <target>".
METRICS = (
    ("customer satisfaction", "%", "percent"),
    ("weekly active users", "users", "number"),
    ("first response time", "minutes", "number"),
    ("qualified pipeline", "$k", "currency"),
    ("release frequency", "releases", "number"),
    ("defect escape rate", "%", "percent"),
    ("on-time delivery", "%", "percent"),
    ("net revenue retention", "%", "percent"),
    ("cost per order", "$", "currency"),
    ("test coverage", "%", "percent"),
)
KPI_NAMES = (
    "Orders shipped", "Tickets resolved", "Revenue booked", "Error rate", "Lead time",
    "Uptime", "Backlog size", "Satisfaction score", "Cost per unit", "Hours trained",
)  # fmt: skip
NOTES = (
    "Two deals slipped to next month.",
    "Steady week; the new playbook is working.",
    "Blocked on a supplier; recovering next sprint.",
    "Ahead of plan after the pilot went live.",
    "Short-staffed while we backfill a role.",
)


# -- the loader: COPY on PostgreSQL, executemany on SQLite -------------------------------------
class Loader:
    """Writes rows of one model in batches. Columns not given take the field's default (one
    constant per table); `created_at`/`updated_at` take the generation time."""

    def __init__(self) -> None:
        from django.db import connection
        from django.utils import timezone

        self.connection = connection
        self.postgres = connection.vendor == "postgresql"
        self.now = timezone.now()

    def ts(self, value: dt.datetime) -> Any:
        """A timezone-aware datetime as this database's driver takes it."""
        return self.connection.ops.adapt_datetimefield_value(value)

    def next_id(self, model: Any) -> int:
        from django.db.models import Max

        return (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1

    def load(
        self,
        model: Any,
        columns: Sequence[str],
        rows: Iterable[tuple],
        *,
        total: int,
        label: str,
        constants: dict[str, Any] | None = None,
        batch: int = 50_000,
    ) -> int:
        constants = constants or {}
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = (set(columns) | set(constants)) - set(fields)
        if unknown:
            raise ValueError(f"{model.__name__} has no field {sorted(unknown)}")
        tail_fields = [f for name, f in fields.items() if name not in columns and not f.primary_key]
        tail = tuple(self._constant(f, constants) for f in tail_fields)
        names = [fields[name].column for name in columns] + [f.column for f in tail_fields]
        table = model._meta.db_table
        quoted = ", ".join(f'"{name}"' for name in names)
        progress = Progress(label, total)
        written = 0
        iterator = iter(rows)
        from django.db import transaction

        while chunk := list(islice(iterator, batch)):
            with transaction.atomic(), self.connection.cursor() as cursor:
                if self.postgres:
                    with cursor.cursor.copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy:
                        write = copy.write_row
                        for row in chunk:
                            write(row + tail)
                else:
                    marks = ", ".join(["%s"] * len(names))
                    cursor.executemany(
                        f'INSERT INTO "{table}" ({quoted}) VALUES ({marks})',
                        [row + tail for row in chunk],
                    )
            written += len(chunk)
            progress.update(len(chunk))
        progress.close()
        return written

    def load_raw(self, table: str, width: int, rows: list[tuple], *, label: str) -> int:
        """Rows of a table that is not a model (every column given, in order)."""
        from django.db import transaction

        progress = Progress(label, len(rows))
        for begin in range(0, len(rows), 50_000):
            chunk = rows[begin : begin + 50_000]
            with transaction.atomic(), self.connection.cursor() as cursor:
                if self.postgres:
                    with cursor.cursor.copy(f"COPY {table} FROM STDIN") as copy:
                        for row in chunk:
                            copy.write_row(row)
                else:
                    marks = ", ".join(["%s"] * width)
                    cursor.executemany(f"INSERT INTO {table} VALUES ({marks})", chunk)
            progress.update(len(chunk))
        progress.close()
        return len(rows)

    def _constant(self, f: Any, constants: dict[str, Any]) -> Any:
        if f.attname in constants:
            value = constants[f.attname]
        elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            value = self.now
        else:
            value = f.get_default()
            if value is None and not f.null:
                raise ValueError(f"{f.model.__name__}.{f.name} needs a value")
        return f.get_db_prep_save(value, self.connection)


# -- shapes -------------------------------------------------------------------------------------
def level_sizes(units: int, levels: int) -> list[int]:
    """How many units on each level: one root, then geometric growth summing to `units`."""
    low, high = 1.0, float(units)
    for _ in range(200):
        ratio = (low + high) / 2
        if sum(ratio**i for i in range(levels)) < units:
            low = ratio
        else:
            high = ratio
    sizes = [1] + [max(1, round(ratio**i)) for i in range(1, levels)]
    sizes[-1] += units - sum(sizes)
    if sizes[-1] < 1:
        raise ValueError(f"cannot spread {units} units over {levels} levels")
    return sizes


def spread(total: int, weights: Sequence[float]) -> list[int]:
    """`total` split in proportion to `weights`, by largest remainder."""
    whole = sum(weights)
    exact = [total * w / whole for w in weights]
    counts = [int(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: exact[i] - counts[i], reverse=True)
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def quarter_of(today: dt.date) -> tuple[dt.date, dt.date]:
    """A 91-day quarter with 13 weekly check-in days behind `today` and four days ahead."""
    start = today - dt.timedelta(days=86)
    return start, start + dt.timedelta(days=90)


@dataclass
class Track:
    """A key result that receives check-ins, and how its quarter goes."""

    kr: int
    owner: int
    direction: str
    start: float
    target: float
    confidence: int
    pace: float  # share of the planned progress this key result makes


@dataclass
class Counts:
    rows: dict[str, int] = field(default_factory=dict)
    phases: list[dict[str, Any]] = field(default_factory=list)


# -- the generator ------------------------------------------------------------------------------
class Generator:
    def __init__(
        self, target: Target, size: Size, *, seed: int, today: dt.date, derive: str
    ) -> None:
        self.target = target
        self.derive = derive
        self.size = size
        self.rng = random.Random(seed)
        self.today = today
        self.loader = Loader()
        self.counts = Counts()
        self.start, self.end = quarter_of(today)

    # phases are timed one by one
    def phase(self, name: str, work: Any) -> Any:
        began = time.perf_counter()
        print(f"{name} …", file=sys.stderr, flush=True)
        result = work()
        seconds = time.perf_counter() - began
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.counts.phases.append({"phase": name, "seconds": round(seconds, 2), "peak_mib": peak})
        print(f"{name}: {fmt_seconds(seconds)} ({seconds:.1f} s)", file=sys.stderr, flush=True)
        return result

    def run(self, *, verify: bool) -> Counts:
        self.phase("organization", self.organization)
        self.phase("units and people", self.units_and_people)
        self.phase("KRAs", self.result_areas)
        self.phase("KPIs and targets", self.indicators)
        self.phase("measurements", self.measurements)
        self.phase("objectives and key results", self.goals)
        self.phase("check-ins", self.check_ins)
        if self.derive == "core":
            self.phase("derived values (core, set-based)", self.derived_values)
        self.phase("sequences and statistics", self.finish)
        if self.derive == "recompute" or verify:
            self.phase("recompute_organization", self.recompute)
        if verify and self.derive == "core":
            changed = (
                self.counts.rows["recomputed_key_results"],
                self.counts.rows["recomputed_objectives"],
            )
            if changed != (0, 0):
                raise SystemExit(
                    f"recompute_organization changed {changed[0]} key results and {changed[1]} "
                    "objectives: the generator's derived values disagree with the product's"
                )
            print("verified: recompute_organization finds nothing to change", file=sys.stderr)
        return self.counts

    # -- organization and period ---------------------------------------------------------------
    def organization(self) -> None:
        from headway.org.models import Organization, Period

        self.org = Organization.objects.create(
            name=f"Bench {self.target.size}", slug=self.target.slug
        )
        self.period = Period.objects.create(
            organization=self.org,
            name=f"{self.start:%Y-%m-%d} to {self.end:%Y-%m-%d}",
            kind=Period.Kind.QUARTER,
            start=self.start,
            end=self.end,
            state=Period.State.ACTIVE,
        )
        from bench.derive import Deriver

        self.deriver = Deriver(
            period_id=self.period.pk, start=self.start, end=self.end, today=self.today
        )

    # -- units, people and their sign-ins ------------------------------------------------------
    def units_and_people(self) -> None:
        from django.contrib.auth import get_user_model
        from django.contrib.auth.hashers import make_password
        from django.db import transaction

        from headway.org.models import Person, Unit

        user_model = get_user_model()
        size, rng, org = self.size, self.rng, self.org.pk
        unit_id, person_id, user_id = (
            self.loader.next_id(Unit),
            self.loader.next_id(Person),
            self.loader.next_id(user_model),
        )
        # The tree: level by level, each unit under the next parent in turn (balanced).
        self.levels: list[list[int]] = []
        self.unit_level: dict[int, int] = {}
        self.unit_parent: dict[int, int | None] = {}
        paths: dict[int, str] = {}
        unit_rows = []
        for level, count in enumerate(level_sizes(size.units, size.levels)):
            ids = list(range(unit_id, unit_id + count))
            unit_id += count
            above = self.levels[-1] if self.levels else []
            for n, pk in enumerate(ids):
                parent = above[n % len(above)] if above else None
                paths[pk] = (paths[parent] if parent else "/") + f"{pk}/"
                kind = ("other", "division", "department")[level] if level < 3 else "team"
                name = (
                    f"Bench {self.target.size}"
                    if parent is None
                    else f"{AREAS[pk % len(AREAS)]} {kind} {pk}"
                )
                self.unit_level[pk], self.unit_parent[pk] = level, parent
                unit_rows.append((pk, org, name, kind, parent, paths[pk]))
            self.levels.append(ids)
        units = [pk for level in self.levels for pk in level]
        # People: a head per unit (managed by the head above), members weighted to deep levels.
        members = spread(size.people - size.units, [1 + self.unit_level[u] for u in units])
        self.head: dict[int, int] = {}
        self.unit_people: dict[int, list[int]] = {}
        self.person_unit: dict[int, int] = {}
        manager_paths: dict[int, str] = {}
        person_rows, user_rows = [], []
        password = make_password(PASSWORD)
        now = self.loader.ts(self.loader.now)

        def add(unit: int, manager: int | None, role: str, title: str) -> int:
            nonlocal person_id, user_id
            pk, user = person_id, user_id
            person_id += 1
            user_id += 1
            first, last = FIRST[pk % len(FIRST)], LAST[(pk // len(FIRST)) % len(LAST)]
            email = f"{first.lower()}.{last.lower()}.{pk}@{self.target.slug}.test"
            path = manager_paths[manager] + f"{manager}/" if manager else "/"
            manager_paths[pk] = path
            staff = role == "admin" and manager is None
            user_rows.append((user, password, email, first, last, email, staff, staff, True, now))
            person_rows.append(
                (pk, org, user, f"{first} {last}", email, title, unit, manager, role, path)
            )
            self.unit_people.setdefault(unit, []).append(pk)
            self.person_unit[pk] = unit
            return pk

        for unit in units:
            parent = self.unit_parent[unit]
            role = "admin" if parent is None else "leader"
            title = "Chief Executive Officer" if parent is None else "Head of unit"
            self.head[unit] = add(unit, self.head[parent] if parent else None, role, title)
        for unit, count in zip(units, members, strict=True):
            for _ in range(count):
                n = person_id
                role = "hr" if n % 250 == 0 else "viewer" if n % 500 == 1 else "member"
                role = "admin" if n % 5000 == 7 else role
                add(unit, self.head[unit], role, "Specialist" if role != "hr" else "HR partner")
        rng.shuffle(person_rows)  # rows in any order; the manager FK is checked at commit
        with transaction.atomic():
            self.counts.rows["users"] = self.loader.load(
                user_model,
                [
                    "id",
                    "password",
                    "username",
                    "first_name",
                    "last_name",
                    "email",
                    "is_staff",
                    "is_superuser",
                    "is_active",
                    "date_joined",
                ],
                user_rows,
                total=len(user_rows),
                label="users",
            )
            self.counts.rows["units"] = self.loader.load(
                Unit,
                ["id", "organization_id", "name", "kind", "parent_id", "path"],
                unit_rows,
                total=len(unit_rows),
                label="units",
            )
            self.counts.rows["people"] = self.loader.load(
                Person,
                [
                    "id",
                    "organization_id",
                    "user_id",
                    "name",
                    "email",
                    "job_title",
                    "unit_id",
                    "manager_id",
                    "role",
                    "manager_path",
                ],
                person_rows,
                total=len(person_rows),
                label="people",
            )
            with self.loader.connection.cursor() as cursor:
                cursor.executemany(
                    f'UPDATE "{Unit._meta.db_table}" SET "head_id" = %s WHERE "id" = %s',
                    [(head, unit) for unit, head in self.head.items()],
                )
        self.units = units

    # -- KRAs ----------------------------------------------------------------------------------
    def result_areas(self) -> None:
        from headway.goals.models import ResultArea

        org, rng = self.org.pk, self.rng
        pk = self.loader.next_id(ResultArea)
        ceo = self.head[self.units[0]]
        reviewed = [
            self.loader.ts(self.loader.now - dt.timedelta(days=d)) for d in range(0, 120, 5)
        ]
        rows = []
        self.org_kras = []
        for n, (name, weight) in enumerate(ORG_KRA_NAMES):
            rows.append(
                (pk, org, None, f"kra-org-{n}", ceo, name, weight, None, rng.choice(reviewed))
            )
            self.org_kras.append(pk)
            pk += 1
        self.unit_kras: dict[int, list[int]] = {}
        for unit in self.units:
            parent = self.unit_parent[unit]
            above = self.unit_kras[parent] if parent else self.org_kras
            mine = []
            for n, (name, weight) in enumerate(UNIT_KRA_NAMES):
                rows.append(
                    (
                        pk, org, unit, f"kra-{unit}-{n}", self.head[unit], name, weight,
                        above[n % len(above)], rng.choice(reviewed),
                    )
                )  # fmt: skip
                mine.append(pk)
                pk += 1
            self.unit_kras[unit] = mine
        self.counts.rows["kras"] = self.loader.load(
            ResultArea,
            [
                "id",
                "organization_id",
                "scope_unit_id",
                "key",
                "owner_id",
                "name",
                "weight",
                "parent_id",
                "last_reviewed_at",
            ],
            rows,
            total=len(rows),
            label="KRAs",
            constants={"definition_changed_at": self.loader.now - dt.timedelta(days=300)},
        )

    # -- KPIs, their targets and a year of daily measurements -----------------------------------
    def indicators(self) -> None:
        from headway.indicators.models import Indicator, Target

        org, rng = self.org.pk, self.rng
        pk = self.loader.next_id(Indicator)
        first_day = self.today - dt.timedelta(days=MEASUREMENT_DAYS)
        at_start = (self.start - first_day).days
        at_end = (self.end - first_day).days
        indicator_rows, target_rows = [], []
        # (indicator, base, slope per day, noise, last day index, direction) for the series.
        self.series: list[tuple[int, float, float, float, int, str]] = []
        # unit → (its first KPI, value at the quarter's start, target) for KPI-fed key results
        self.unit_kpi: dict[int, tuple[int, float, float]] = {}
        self.kpi_units = {unit for unit in self.units if rng.random() < 0.1}
        for unit in self.units:
            for n in range(UNIT_KPIS):
                draw = rng.random()
                direction = "up" if n == 0 or draw < 0.6 else "down" if draw < 0.9 else "range"
                aggregation = "last" if n == 0 else rng.choice(("last", "last", "mean", "sum"))
                base = rng.uniform(50, 200)
                noise = base * rng.uniform(0.01, 0.04)
                red_below = red_above = tolerance = None
                value = lower = upper = None
                if direction == "range":
                    slope = 0.0
                    lower, upper = round(base * 0.95, 2), round(base * 1.05, 2)
                    tolerance = round(base * 0.03, 2)
                else:
                    slope = base * rng.uniform(0.1, 0.5) / MEASUREMENT_DAYS
                    slope = slope if direction == "up" else -slope
                    ambition = 1.04 if direction == "up" else 0.96
                    if aggregation == "sum":
                        days = range(at_start, at_end + 1)
                        value = round(sum(base + slope * d for d in days) * ambition, 2)
                    else:
                        value = round((base + slope * at_end) * ambition, 2)
                    if direction == "up":
                        red_below = round(value * 0.9, 2)
                    else:
                        red_above = round(value * 1.1, 2)
                stale = rng.random() < 0.02  # no measurement for the last month (HW006)
                last = MEASUREMENT_DAYS - (30 if stale else 0)
                indicator_rows.append(
                    (
                        pk, org, unit, f"kpi-{pk}", self.head[unit],
                        f"{KPI_NAMES[n]} ({AREAS[unit % len(AREAS)]} {unit})", "units",
                        direction, aggregation, n < 2, self.unit_kras[unit][n % UNIT_KRAS],
                        red_below, red_above, tolerance,
                    )
                )  # fmt: skip
                target_rows.append((org, pk, self.period.pk, value, lower, upper))
                self.series.append((pk, base, slope, noise, last, direction))
                if n == 0 and unit in self.kpi_units:
                    self.unit_kpi[unit] = (pk, round(base + slope * at_start, 2), value or 0.0)
                pk += 1
        self.counts.rows["kpis"] = self.loader.load(
            Indicator,
            [
                "id",
                "organization_id",
                "scope_unit_id",
                "key",
                "owner_id",
                "name",
                "unit_label",
                "direction",
                "aggregation",
                "leading",
                "result_area_id",
                "red_below",
                "red_above",
                "tolerance",
            ],
            indicator_rows,
            total=len(indicator_rows),
            label="KPIs",
            constants={"frequency": "day", "source": "api"},
        )
        self.counts.rows["targets"] = self.loader.load(
            Target,
            ["organization_id", "indicator_id", "period_id", "value", "lower", "upper"],
            target_rows,
            total=len(target_rows),
            label="targets",
        )

    def measurements(self) -> None:
        from bench.derive import exact
        from headway.core.model import Measurement as CoreMeasurement
        from headway.indicators.models import Measurement

        org, rnd = self.org.pk, self.rng.random
        first_day = self.today - dt.timedelta(days=MEASUREMENT_DAYS)
        days = [first_day + dt.timedelta(days=n) for n in range(MEASUREMENT_DAYS)]
        total = sum(last for *_, last, _ in self.series)

        followed = {kpi for kpi, _, _ in self.unit_kpi.values()}
        window = (self.start, min(self.end, self.today))

        def rows() -> Iterator[tuple]:
            for indicator, base, slope, noise, last, _direction in self.series:
                if indicator in followed:  # kept for the key results that follow it
                    kept = self.deriver.series[indicator] = []
                    for i in range(last):
                        value = base + slope * i + (rnd() + rnd() - 1.0) * noise
                        value = round(value if value > 0 else 0.0, 2)
                        if window[0] <= days[i] <= window[1]:
                            kept.append(CoreMeasurement(days[i], exact(value)))
                        yield (org, indicator, days[i], value)
                    continue
                for i in range(last):
                    value = base + slope * i + (rnd() + rnd() - 1.0) * noise
                    yield (org, indicator, days[i], round(value if value > 0 else 0.0, 2))

        self.counts.rows["measurements"] = self.loader.load(
            Measurement,
            ["organization_id", "indicator_id", "date", "value"],
            rows(),
            total=total,
            label="measurements",
            constants={"source": "api"},
            batch=100_000,
        )
        del self.series

    # -- objectives, key results and alignments -------------------------------------------------
    def goals(self) -> None:
        from bench.derive import KeyResultSpec
        from headway.goals.models import Alignment, KeyResult, Objective

        org, rng, period = self.org.pk, self.rng, self.period.pk
        deriver = self.deriver
        objective_id = self.loader.next_id(Objective)
        kr_id = self.loader.next_id(KeyResult)
        objectives: list[tuple] = []
        key_results: list[tuple] = []
        alignments: list[tuple] = []
        self.tracks: list[Track] = []

        def objective(
            scope_unit: int | None,
            scope_person: int | None,
            owner: int,
            result_area: int | None,
            visibility: str,
            rollup: str,
        ) -> int:
            nonlocal objective_id
            pk = objective_id
            objective_id += 1
            title = OBJECTIVE_TITLES[rng.randrange(len(OBJECTIVE_TITLES))]
            objectives.append(
                (
                    pk, org, scope_unit, scope_person, f"o-{pk}", owner, period, title,
                    result_area, visibility, rollup,
                )
            )  # fmt: skip
            deriver.add_objective(pk, rollup)
            return pk

        def key_result(objective: int, owner: int, position: int, source: str = "check_ins",
                       indicator: tuple[int, float, float] | None = None) -> int:  # fmt: skip
            nonlocal kr_id
            pk = kr_id
            kr_id += 1
            metric, unit_label, kind = METRICS[rng.randrange(len(METRICS))]
            draw = rng.random()
            confidence = rng.randint(5, 8)
            if indicator is not None:
                direction, start, target = "increase", indicator[1], indicator[2]
                title = f"Lift {metric} (KPI) from {start:g} to {target:g}"
            elif draw < 0.05:
                direction, start, target = "at_least", None, round(rng.uniform(50, 95))
                title = f"Keep {metric} at or above {target:g}"
            elif draw < 0.7:
                start = round(rng.uniform(10, 100))
                direction, target = "increase", round(start * rng.uniform(1.2, 2.0))
                title = f"Increase {metric} from {start:g} to {target:g}"
            else:
                start = round(rng.uniform(20, 200))
                direction, target = "decrease", round(start * rng.uniform(0.3, 0.8))
                title = f"Reduce {metric} from {start:g} to {target:g}"
            key_results.append(
                (
                    pk, org, objective, f"kr-{pk}", owner, title, kind, unit_label, direction,
                    start, target, 2 if position == 0 and rng.random() < 0.2 else 1, confidence,
                    source, indicator[0] if indicator else None, self.end, position,
                )
            )  # fmt: skip
            deriver.add_key_result(
                pk,
                KeyResultSpec(
                    objective, title, kind, direction, start, target, key_results[-1][11],
                    confidence, source, indicator[0] if indicator else None,
                ),
            )  # fmt: skip
            if source == "check_ins":
                draw = rng.random()
                pace = (
                    rng.uniform(0.9, 1.15) if draw < 0.45
                    else rng.uniform(0.65, 0.85) if draw < 0.7
                    else rng.uniform(0.3, 0.55) if draw < 0.9
                    else rng.uniform(0.0, 0.15)
                )  # fmt: skip
                self.tracks.append(
                    Track(pk, owner, direction, start or 0.0, target, confidence, pace)
                )
            return pk

        # The organization's objectives; every unit's three objectives align to the ones above,
        # and every person's objectives to their unit's (two to objectives, one to a key result
        # fed by its children, the fourth, when aligned, to the first): a chain as deep as the tree.
        ceo = self.head[self.units[0]]
        org_objectives = []
        for n in range(ORG_OBJECTIVES):
            pk = objective(None, None, ceo, self.org_kras[n], "public", "both")
            for position in range(KRS_PER_OBJECTIVE):
                key_result(pk, ceo, position)
            org_objectives.append(pk)
        unit_objectives: dict[int, list[int]] = {}
        fed_by_children: dict[int, int] = {}  # unit → its third objective's first key result
        for level in self.levels:
            for unit in level:
                head, parent = self.head[unit], self.unit_parent[unit]
                kpi = self.unit_kpi.get(unit)
                mine = []
                for n in range(UNIT_OBJECTIVES):
                    visibility = "unit" if rng.random() < 0.1 else "public"
                    pk = objective(unit, None, head, self.unit_kras[unit][n], visibility, "both")
                    above = org_objectives[(unit + n) % ORG_OBJECTIVES]
                    above = unit_objectives[parent][n] if parent else above
                    alignments.append((org, pk, above, None, 1))
                    deriver.add_alignment(pk, above, None, 1)
                    for position in range(KRS_PER_OBJECTIVE):
                        if n == 2 and position == 0:
                            fed_by_children[unit] = key_result(pk, head, 0, "children")
                        elif n == 1 and position == 2 and kpi:
                            key_result(pk, head, 2, "indicator", kpi)
                        else:
                            key_result(pk, head, position)
                    mine.append(pk)
                unit_objectives[unit] = mine
        for unit in self.units:
            for person in self.unit_people[unit]:
                draw = rng.random()
                for n in range(PERSON_OBJECTIVES):
                    visibility = "public" if draw < 0.8 else "unit" if draw < 0.95 else "private"
                    pk = objective(None, person, person, None, visibility, "key_results")
                    for position in range(KRS_PER_OBJECTIVE):
                        key_result(pk, person, position)
                    if n == 2:
                        alignments.append((org, pk, None, fed_by_children[unit], 1))
                        deriver.add_alignment(pk, None, fed_by_children[unit], 1)
                    elif n < 2 or rng.random() < 0.7:
                        alignments.append((org, pk, unit_objectives[unit][n % 2], None, 1))
                        deriver.add_alignment(pk, unit_objectives[unit][n % 2], None, 1)
        self.counts.rows["objectives"] = self.loader.load(
            Objective,
            [
                "id",
                "organization_id",
                "scope_unit_id",
                "scope_person_id",
                "key",
                "owner_id",
                "period_id",
                "title",
                "result_area_id",
                "visibility",
                "rollup",
            ],
            objectives,
            total=len(objectives),
            label="objectives",
        )
        objectives.clear()
        self.counts.rows["key_results"] = self.loader.load(
            KeyResult,
            [
                "id",
                "organization_id",
                "objective_id",
                "key",
                "owner_id",
                "title",
                "kind",
                "unit_label",
                "direction",
                "start",
                "target",
                "weight",
                "confidence_start",
                "progress_source",
                "indicator_id",
                "due",
                "position",
            ],
            key_results,
            total=len(key_results),
            label="key results",
        )
        key_results.clear()
        self.counts.rows["alignments"] = self.loader.load(
            Alignment,
            [
                "organization_id",
                "child_id",
                "parent_objective_id",
                "parent_key_result_id",
                "weight",
            ],
            alignments,
            total=len(alignments),
            label="alignments",
        )

    # -- weekly check-ins ------------------------------------------------------------------------
    def check_ins(self) -> None:
        from headway.checkins.models import CheckIn

        org, rnd = self.org.pk, self.rng.random
        days = [self.start + dt.timedelta(days=1 + 7 * week) for week in range(CHECK_IN_WEEKS)]
        days = [day for day in days if day <= self.today]
        # Recorded during the working day: 36 quarter-hour slots from 09:00, by key result.
        stamps = [
            [
                self.loader.ts(
                    dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC)
                    + dt.timedelta(minutes=15 * slot)
                )
                for slot in range(36)
            ]
            for day in days
        ]
        weeks = len(days)
        total = len(self.tracks) * weeks

        score = self.deriver.score_checked_in if self.derive == "core" else None

        def rows() -> Iterator[tuple]:
            for t in self.tracks:
                span = t.target - t.start
                closing = 8 if t.pace > 0.85 else 6 if t.pace > 0.6 else 3
                slot = t.kr % 36
                made = []
                for week in range(weeks):
                    share = (week + 1) / CHECK_IN_WEEKS
                    if t.direction == "at_least":
                        value = round(t.target * (1.05 if rnd() < t.pace else 0.9), 2)
                    else:
                        value = round(t.start + span * (t.pace * share + (rnd() - 0.5) * 0.06), 2)
                    confidence = round(t.confidence + (closing - t.confidence) * share)
                    draw = rnd()
                    status = (
                        ""
                        if draw < 0.2
                        else "on_track"
                        if t.pace > 0.85
                        else "at_risk"
                        if t.pace > 0.6
                        else "off_track"
                    )
                    note = NOTES[int(draw * 100) % len(NOTES)] if draw > 0.92 else ""
                    stamp = stamps[week][slot]
                    made.append((days[week], value, confidence, status, note))
                    yield (
                        org, t.kr, days[week], value, confidence, status, note, t.owner,
                        stamp, stamp,
                    )  # fmt: skip
                if score is not None:
                    score(t.kr, made, stamps[weeks - 1][slot] if weeks else None)

        self.counts.rows["check_ins"] = self.loader.load(
            CheckIn,
            [
                "organization_id",
                "key_result_id",
                "date",
                "value",
                "confidence",
                "status",
                "note",
                "author_id",
                "created_at",
                "updated_at",
            ],
            rows(),
            total=total,
            label="check-ins",
            batch=100_000,
        )
        del self.tracks

    # -- sequences, statistics, derived values --------------------------------------------------
    def finish(self) -> None:
        from django.apps import apps
        from django.core.management.color import no_style

        connection = self.loader.connection
        with connection.cursor() as cursor:
            if self.loader.postgres:
                models = [m for m in apps.get_models() if m._meta.managed]
                for sql in connection.ops.sequence_reset_sql(no_style(), models):
                    cursor.execute(sql)
            # As after any bulk load: fresh planner statistics (autovacuum would get there).
            cursor.execute("ANALYZE")
            if self.loader.postgres:
                cursor.execute("SELECT pg_database_size(current_database())")
                size = cursor.fetchone()[0]
            else:
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                size = self.target.sqlite_file.stat().st_size
        self.counts.rows["database_bytes"] = size

    def derived_values(self) -> None:
        began = time.perf_counter()
        self.deriver.finish()
        print(
            f"  scored: {self.deriver.scoring:.1f} s while writing check-ins, "
            f"{time.perf_counter() - began:.1f} s for the rest",
            file=sys.stderr,
        )
        written = self.deriver.write(self.loader)
        self.counts.rows["derived_key_results"] = written["key_results"]
        self.counts.rows["derived_objectives"] = written["objectives"]
        self.counts.phases.append(
            {
                "phase": "  of which scoring during check-ins",
                "seconds": round(self.deriver.scoring, 2),
            }
        )

    def recompute(self) -> None:
        from headway.goals.rollup import recompute_organization

        changed = recompute_organization(self.org, today=self.today)
        self.counts.rows["recomputed_key_results"] = changed["key_results"]
        self.counts.rows["recomputed_objectives"] = changed["objectives"]


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.generate", description=__doc__.split("\n\n")[0]
    )
    add_target_arguments(parser)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument(
        "--today", type=dt.date.fromisoformat, default=None, help="default: the real today"
    )
    parser.add_argument(
        "--derive",
        choices=("core", "recompute", "none"),
        default="core",
        help="derived values: scored while generating with the product's core and written "
        "set-based (default), by recompute_organization, or left empty",
    )
    parser.add_argument(
        "--verify",
        action="store_true",
        help="after --derive core, run recompute_organization: it must change nothing",
    )
    args = parser.parse_args(argv)
    target = target_from_arguments(args)
    size = SIZES[target.size]
    began = time.perf_counter()
    processes = process_ticks()
    database = target.database_name if target.engine == "postgres" else ""
    recreate_database(target)
    setup_django(target)
    from django.utils import timezone

    today = args.today or timezone.localdate()
    print(
        f"generating {target.label}: {size.people:,} people, {size.units:,} units, "
        f"{size.levels} levels, today {today}",
        file=sys.stderr,
    )
    migrate_began = time.perf_counter()
    migrate()
    migrate_seconds = time.perf_counter() - migrate_began
    generator = Generator(target, size, seed=args.seed, today=today, derive=args.derive)
    counts = generator.run(verify=args.verify)
    counts.phases.insert(
        0, {"phase": "create database and migrate", "seconds": round(migrate_seconds, 2)}
    )
    total = time.perf_counter() - began
    others = others_during(processes, total, database)
    print(f"\n{target.label}: built in {fmt_seconds(total)} ({total:.0f} s)")
    if others > 0.1:
        print(
            f"  WARNING: other processes used {others:.2f} cores on average during the build: "
            "its times are disturbed"
        )
    print(f"  {'phase':<38} {'seconds':>9}  {'peak RSS MiB':>12}")
    for phase in counts.phases:
        print(
            f"  {phase['phase']:<38} {phase['seconds']:>9.1f}  {phase.get('peak_mib', 0):>12,.0f}"
        )
    print(f"  {'rows':<38}")
    for name, count in counts.rows.items():
        print(f"  {name:<38} {count:>13,}")
    path = save_result(
        f"generate-{target.label}",
        {
            "target": target.label,
            "today": today.isoformat(),
            "seed": args.seed,
            "derive": args.derive,
            "verify": args.verify,
            "seconds": round(total, 1),
            "other_work_cores": others,
            "phases": counts.phases,
            "rows": counts.rows,
            "machine": machine(),
        },
    )
    print(f"  results: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
