"""Reads for the people directory and the scorecards; access comes from `headway.access`."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.db.models import Avg, Count, Q, QuerySet
from django.http import Http404

from headway.core.indicators import capped
from headway.core.kra import kra_health
from headway.core.model import to_decimal
from headway.goals.models import Objective, ResultArea
from headway.goals.selectors import objective_list
from headway.indicators.models import Indicator
from headway.indicators.selectors import indicator_readings
from headway.org.models import Organization, Period, Person, Unit

RAG_WORDS = {
    "green": "Green",
    "amber": "Amber",
    "red": "Red",
    "no_data": "No data",
    "no_target": "No target",
    "unmeasured": "Unmeasured",
}
RAG_BADGES = {"green": "text-bg-success", "amber": "text-bg-warning", "red": "text-bg-danger"}


@dataclass(frozen=True)
class Rag:
    """A red/amber/green word and the colour that goes with it."""

    code: str

    @property
    def label(self) -> str:
        return RAG_WORDS.get(self.code, self.code.replace("_", " ").capitalize())

    @property
    def badge(self) -> str:
        return RAG_BADGES.get(self.code, "text-bg-light border")


@dataclass(frozen=True)
class KpiRow:
    """A KPI under its KRA: this period's value against its target."""

    indicator: Indicator
    value: Decimal | None
    target: Decimal | None
    rag: Rag


@dataclass
class KraRow:
    """A KRA of the scope with its health (DESIGN §3.7), KPIs and objectives."""

    area: ResultArea
    health: Decimal | None
    rag: Rag
    indicators: list[KpiRow] = field(default_factory=list)
    objectives: list[Objective] = field(default_factory=list)


@dataclass(frozen=True)
class BelowRow:
    """A person or unit below the scope, with their visible objectives' average progress."""

    name: str
    url: str
    detail: str
    progress: Decimal | None
    objectives: int


@dataclass
class Scorecard:
    areas: list[KraRow]
    people: list[BelowRow]
    units: list[BelowRow]


def period_default(*, organization: Organization, today: dt.date) -> Period | None:
    """The shortest period containing today; else the latest that has started; else the first."""
    return period_default_of(list(Period.objects.filter(organization=organization)), today=today)


def period_default_of(periods: list[Period], *, today: dt.date) -> Period | None:
    """`period_default` among periods already read."""
    current = [p for p in periods if p.start <= today <= p.end]
    if current:
        return min(current, key=lambda p: ((p.end - p.start).days, p.name))
    started = [p for p in periods if p.start <= today]
    if started:
        return max(started, key=lambda p: p.start)
    return periods[0] if periods else None


def period_choices(*, organization: Organization) -> list[Period]:
    return list(Period.objects.filter(organization=organization).order_by("start", "name"))


def unit_get(*, person: Person, pk: int) -> Unit:
    """A unit of the person's organization; another tenant's is 404."""
    unit = (
        Unit.objects.select_related("head", "parent")
        .filter(organization_id=person.organization_id, pk=pk)
        .first()
    )
    if unit is None:
        raise Http404("No such unit.")
    return unit


def person_get(*, person: Person, pk: int) -> Person:
    """A person of the viewer's organization; another tenant's is 404."""
    found = (
        Person.objects.select_related("unit", "manager")
        .filter(organization_id=person.organization_id, pk=pk)
        .first()
    )
    if found is None:
        raise Http404("No such person.")
    return found


def manager_chain(*, person: Person) -> list[Person]:
    """The person's managers from the top down, in one query."""
    ids = person.manager_ids
    found = {
        p.pk: p for p in Person.objects.filter(organization_id=person.organization_id, pk__in=ids)
    }
    return [found[pk] for pk in ids if pk in found]


def people_search(*, organization: Organization, q: str = "") -> QuerySet[Person]:
    """Active people matching `q` by name, email, job title or unit name (case-insensitive)."""
    people = Person.objects.filter(organization=organization, active=True).select_related(
        "unit", "manager"
    )
    q = q.strip()
    if q:
        people = people.filter(
            Q(name__icontains=q)
            | Q(email__icontains=q)
            | Q(job_title__icontains=q)
            | Q(unit__name__icontains=q)
        )
    return people.order_by("name", "id")


def unit_tree(*, organization: Organization, q: str = "") -> list[Unit]:
    """The units in tree order (materialized path) with their head and active member count."""
    units = (
        Unit.objects.filter(organization=organization)
        .select_related("head")
        .annotate(member_count=Count("members", filter=Q(members__active=True)))
        .order_by("path", "name")
    )
    if q.strip():
        units = units.filter(name__icontains=q.strip())
    return list(units)


def _averages(objectives: QuerySet[Objective], by: str) -> dict[int, tuple[Decimal | None, int]]:
    rows = objectives.order_by().values(by).annotate(avg=Avg("progress"), n=Count("id"))
    return {
        row[by]: (None if row["avg"] is None else Decimal(str(row["avg"])), row["n"])
        for row in rows
    }


def kra_rows(
    *, organization: Organization, areas: list[ResultArea], today: dt.date
) -> dict[int, KraRow]:
    """KRAs with their health (DESIGN §3.7) and KPIs, reading only what is linked to them: the
    KPIs' readings (`indicator_readings`) and the stored progress of the objectives filed under
    them. Queries stay the same however large the organization is."""
    rows: dict[int, KraRow] = {}
    if not areas:
        return rows
    indicators = list(
        Indicator.objects.filter(organization=organization, result_area__in=areas).order_by(
            "name", "id"
        )
    )
    readings = indicator_readings(indicators=indicators, today=today)
    one = Fraction(1)
    items: dict[int, list[tuple[Fraction, Fraction | None]]] = {a.pk: [] for a in areas}
    for indicator in indicators:
        assert indicator.result_area_id is not None
        reading = readings[indicator.pk]
        items[indicator.result_area_id].append((one, capped(reading.share)))
    objectives = (
        Objective.objects.filter(organization=organization, result_area__in=areas)
        .exclude(state=Objective.State.CANCELLED)
        .values_list("result_area_id", "period__start", "period__end", "progress")
    )
    progresses: dict[int, list[tuple[Fraction, Fraction | None]]] = defaultdict(list)
    for area_id, start, end, progress in objectives:
        running = start is not None and start <= today <= end
        # Linked, but not in the period read today: counted with no value (as `evaluate`).
        value = Fraction(progress) if running and progress is not None else None
        progresses[area_id].append((one, value))
    for area in areas:
        health = kra_health(
            indicator_attainments=items[area.pk], objective_progresses=progresses[area.pk]
        )
        rows[area.pk] = KraRow(area, to_decimal(health.value), Rag(str(health.status)))
    for indicator in indicators:
        assert indicator.result_area_id is not None
        reading = readings[indicator.pk]
        target = reading.target.value if reading.target is not None else None
        rows[indicator.result_area_id].indicators.append(
            KpiRow(indicator, reading.value, target, Rag(str(reading.status)))
        )
    return rows


def scorecard(
    *,
    viewer: Person,
    period: Period | None,
    today: dt.date,
    unit: Unit | None = None,
    subject: Person | None = None,
) -> Scorecard:
    """One scope's KRAs with their KPIs and objectives, and the people and units below it.

    KRA health comes from one evaluation of the whole organization; queries do not grow with it.
    """
    organization = viewer.organization
    areas = list(
        ResultArea.objects.filter(
            organization=organization,
            state=ResultArea.State.ACTIVE,
            scope_unit=unit,
            scope_person=subject,
        )
        .select_related("owner")
        .order_by("name", "id")
    )
    rows = kra_rows(organization=organization, areas=areas, today=today)
    visible = objective_list(person=viewer, period=period).exclude(state=Objective.State.CANCELLED)
    if period is not None:
        for objective in visible.filter(result_area__in=list(rows)):
            assert objective.result_area_id is not None
            rows[objective.result_area_id].objectives.append(objective)

    people_q = Person.objects.filter(organization=organization, active=True)
    units_q = Unit.objects.filter(organization=organization)
    if unit is not None:
        people_q, units_q = people_q.filter(unit=unit), units_q.filter(parent=unit)
    elif subject is not None:
        people_q, units_q = people_q.filter(manager=subject), units_q.filter(head=subject)
    else:
        people_q, units_q = (
            people_q.filter(manager__isnull=True),
            units_q.filter(parent__isnull=True),
        )
    people = list(people_q.select_related("unit").order_by("name", "id"))
    units = list(units_q.select_related("head").order_by("name", "id"))
    by_owner: dict[int, tuple[Decimal | None, int]] = {}
    by_unit: dict[int, tuple[Decimal | None, int]] = {}
    if period is not None:
        by_owner = _averages(visible.filter(owner__in=people), "owner_id")
        by_unit = _averages(visible.filter(scope_unit__in=units), "scope_unit_id")
    return Scorecard(
        areas=list(rows.values()),
        people=[
            BelowRow(
                p.name,
                f"/scorecard/person/{p.pk}/",
                p.job_title or (p.unit.name if p.unit else ""),
                *by_owner.get(p.pk, (None, 0)),
            )
            for p in people
        ],
        units=[
            BelowRow(
                u.name,
                f"/scorecard/unit/{u.pk}/",
                f"Head: {u.head.name}" if u.head else "No head",
                *by_unit.get(u.pk, (None, 0)),
            )
            for u in units
        ],
    )
