"""One organization's whole goal system read from the database as plain core values.

The health checks, `headway export` and anything else that reasons over a `core.Goals` value
read the database through `organization_goals`. Ids are the natural keys a goals file uses
(period and unit names, emails, KRA/KPI/objective/key result keys), so `dump` of a snapshot is
a goals file that imports back into the same rows. Every table is read once: the number of
queries does not grow with the size of the organization.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection
from fractions import Fraction
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from headway.checkins.models import CheckIn
from headway.checkins.selectors import latest_check_ins
from headway.core import model as core
from headway.core.progress import exact, number
from headway.goals.models import Alignment, KeyResult, Milestone, Objective, ResultArea
from headway.indicators.models import Indicator, Measurement, Target
from headway.org.models import Organization, Period, Person, Unit

# What the core reads of the two largest tables, as named rows rather than model instances
# (at 645,000 key results the instances alone took 20 s to build).
_OBJECTIVE_FIELDS = (
    "pk", "key", "title", "period_id", "scope_unit_id", "scope_person_id", "owner_id",
    "result_area_id", "state", "visibility", "rollup", "description",
)  # fmt: skip
_KEY_RESULT_FIELDS = (
    "pk", "objective_id", "key", "title", "owner_id", "kind", "direction", "start", "target",
    "lower", "upper", "unit_label", "weight", "confidence_start", "progress_source",
    "indicator_id", "due", "state",
)  # fmt: skip


def _local_date(moment: dt.datetime | None) -> dt.date | None:
    """The calendar day a stored moment falls on where the organization works."""
    return None if moment is None else timezone.localtime(moment).date()


class _Names:
    """Database ids to natural keys, filled from the rows already read (no extra queries)."""

    def __init__(self) -> None:
        self.periods: dict[int, str] = {}
        self.units: dict[int, str] = {}
        self.people: dict[int, str] = {}
        self.areas: dict[int, str] = {}
        self.indicators: dict[int, str] = {}
        self.objectives: dict[int, str] = {}
        self.key_results: dict[int, str] = {}

    def scope(self, unit_id: int | None, person_id: int | None) -> str:
        if person_id is not None:
            return core.scope_key("person", self.people[person_id])
        if unit_id is not None:
            return core.scope_key("unit", self.units[unit_id])
        return core.ORG_SCOPE

    @staticmethod
    def get(names: dict[int, str], pk: int | None) -> str | None:
        return None if pk is None else names[pk]


def _boolean_done(check_ins: list[core.CheckIn], as_of: dt.date) -> bool:
    """A yes/no key result is done when its latest check-in up to `as_of` says a non-zero value;
    the stored `done` column is derived from exactly that, so it is not read back."""
    valued = [c for c in check_ins if c.date <= as_of and c.value is not None]
    return bool(valued) and valued[-1].value != 0


def _key_result(
    kr: Any,  # a named row of _KEY_RESULT_FIELDS
    names: _Names,
    check_ins: list[core.CheckIn],
    milestones: list[core.Milestone],
    period: core.Period | None,
    today: dt.date,
) -> core.KeyResult:
    kind = core.KRKind(kr.kind)
    as_of = min(today, period.end) if period is not None else today
    return core.KeyResult(
        id=kr.key,
        title=kr.title,
        owner=names.get(names.people, kr.owner_id),
        kind=kind,
        direction=core.Direction(kr.direction),
        start=number(kr.start),
        target=number(kr.target),
        lower=number(kr.lower),
        upper=number(kr.upper),
        unit=kr.unit_label,
        weight=exact(kr.weight),
        confidence_start=kr.confidence_start,
        source=core.ProgressSource(kr.progress_source),
        indicator=names.get(names.indicators, kr.indicator_id),
        due=kr.due,
        done=kind == core.KRKind.BOOLEAN and _boolean_done(check_ins, as_of),
        cancelled=kr.state == KeyResult.State.CANCELLED,
        milestones=milestones,
        check_ins=check_ins,
    )


STREAM_CHUNK = 10_000  # rows per fetch when a long series is streamed


def _latest_measurements(
    organization_id: int, today: dt.date, *, indicators: Collection[int] | None = None
) -> QuerySet[Measurement]:
    """Each KPI's latest measurement up to today (or those of `indicators`), through the index
    on (organization, KPI, date)."""
    recent = Measurement.objects.filter(
        organization_id=organization_id, indicator_id=OuterRef("pk"), date__lte=today
    ).order_by("-date", "-id")
    rows = Indicator.objects.filter(organization_id=organization_id).order_by()
    if indicators is not None:
        rows = rows.filter(pk__in=list(indicators))
    latest = rows.annotate(found=Subquery(recent.values("id")[:1])).values("found")
    return Measurement.objects.filter(pk__in=latest, organization_id=organization_id)


def _indicator(
    i: Indicator,
    names: _Names,
    targets: dict[str, core.Target],
    measurements: list[core.Measurement],
) -> core.Indicator:
    return core.Indicator(
        id=i.key,
        name=i.name,
        scope=names.scope(i.scope_unit_id, i.scope_person_id),
        owner=names.get(names.people, i.owner_id),
        unit=i.unit_label,
        direction=core.IndicatorDirection(i.direction),
        frequency=core.Frequency(i.frequency),
        aggregation=core.Aggregation(i.aggregation),
        leading=i.leading,
        result_area=names.get(names.areas, i.result_area_id),
        targets=targets,
        red_below=number(i.red_below),
        red_above=number(i.red_above),
        tolerance=number(i.tolerance),
        measurements=measurements,
        description=i.description,
    )


def _objective(o: Any, names: _Names, links: list[core.Alignment]) -> core.Objective:
    """A named row of _OBJECTIVE_FIELDS as a core objective, its key results not yet added."""
    return core.Objective(
        id=o.key,
        title=o.title,
        period=names.get(names.periods, o.period_id),
        scope=names.scope(o.scope_unit_id, o.scope_person_id),
        owner=names.get(names.people, o.owner_id),
        result_area=names.get(names.areas, o.result_area_id),
        state=o.state,
        visibility=o.visibility,
        rollup=core.Rollup(o.rollup),
        description=o.description,
        aligns_to=links,
    )


def _objectives(
    objective_rows: list[Any],
    kr_rows: list[Any],
    names: _Names,
    links: dict[int, list[core.Alignment]],
    check_ins: dict[int, list[core.CheckIn]],
    milestones: dict[int, list[core.Milestone]],
    period_by_name: dict[str, core.Period],
    today: dt.date,
) -> list[core.Objective]:
    """Named rows of objectives and key results as core objectives holding their key results."""
    objectives = {o.pk: _objective(o, names, links[o.pk]) for o in objective_rows}
    for kr in kr_rows:
        objective = objectives[kr.objective_id]
        box = period_by_name.get(objective.period or "")
        objective.key_results.append(
            _key_result(kr, names, check_ins[kr.pk], milestones[kr.pk], box, today)
        )
    return list(objectives.values())


def _targets(rows: QuerySet[Target], names: _Names) -> dict[int, dict[str, core.Target]]:
    targets: dict[int, dict[str, core.Target]] = defaultdict(dict)
    for t in rows.order_by("id"):
        targets[t.indicator_id][names.periods[t.period_id]] = core.Target(
            value=number(t.value), lower=number(t.lower), upper=number(t.upper)
        )
    return targets


def _periods(org: int, names: _Names) -> list[core.Period]:
    periods = []
    for period in Period.objects.filter(organization_id=org).order_by("id"):
        names.periods[period.pk] = period.name
        state = "closed" if period.state == Period.State.CLOSED else None
        periods.append(core.Period(id=period.name, start=period.start, end=period.end, state=state))
    return periods


def _streamed_check_ins(rows: QuerySet[CheckIn]) -> dict[int, list[core.CheckIn]]:
    check_ins: dict[int, list[core.CheckIn]] = defaultdict(list)
    for key_result_id, day, amount, confidence, status, note in (
        rows.order_by("date", "id")
        .values_list("key_result_id", "date", "value", "confidence", "status", "note")
        .iterator(chunk_size=STREAM_CHUNK)
    ):
        check_ins[key_result_id].append(
            core.CheckIn(day, number(amount), confidence, status or None, note)
        )
    return check_ins


def _streamed_measurements(rows: QuerySet[Measurement]) -> dict[int, list[core.Measurement]]:
    measurements: dict[int, list[core.Measurement]] = defaultdict(list)
    for indicator_id, day, value, note in (
        rows.order_by("date", "id")
        .values_list("indicator_id", "date", "value", "note")
        .iterator(chunk_size=STREAM_CHUNK)
    ):
        measurements[indicator_id].append(core.Measurement(day, Fraction(value), note))
    return measurements


def _milestones(rows: QuerySet[Milestone]) -> dict[int, list[core.Milestone]]:
    milestones: dict[int, list[core.Milestone]] = defaultdict(list)
    for ms in rows.filter(key_result__isnull=False).order_by("id"):
        assert ms.key_result_id is not None
        milestones[ms.key_result_id].append(
            core.Milestone(ms.title, ms.done, exact(ms.weight), ms.due)
        )
    return milestones


def organization_goals(
    organization: Organization, *, today: dt.date | None = None, latest_only: bool = False
) -> core.Goals:
    """Everything the core reasons about for one organization, in a fixed number of queries.

    Lists come in creation order (an imported file's own order); key results by position,
    check-ins and measurements by date in recording order.

    `latest_only` reads, of the long series, what the health checks read and nothing more: of
    each key result's check-ins up to the day it is read on, the latest and the latest with a
    value (how stale it is; whether a yes/no one is done), and of each KPI's measurements the
    latest up to today (how stale it is). At 50,000 people that is 8 million check-ins and 18
    million measurements fewer in memory. Such a value runs the checks exactly as the whole
    does, but must never be scored, exported or summarized: its series are cut.
    """
    org = organization.pk
    today = today or timezone.localdate()
    names = _Names()

    periods = _periods(org, names)
    period_by_name = {p.id: p for p in periods}

    unit_rows = list(Unit.objects.filter(organization_id=org).order_by("id"))
    names.units = {u.pk: u.name for u in unit_rows}
    people_rows = list(Person.objects.filter(organization_id=org).order_by("id"))
    names.people = {p.pk: p.email for p in people_rows}
    units = [
        core.Unit(
            name=u.name,
            parent=names.get(names.units, u.parent_id),
            head=names.get(names.people, u.head_id),
            kind=u.kind,
        )
        for u in unit_rows
    ]
    people = [
        core.Person(
            email=p.email,
            name=p.name,
            unit=names.get(names.units, p.unit_id),
            manager=names.get(names.people, p.manager_id),
            title=p.job_title,
            role=p.role,
            active=p.active,
        )
        for p in people_rows
    ]

    area_rows = list(ResultArea.objects.filter(organization_id=org).order_by("id"))
    names.areas = {a.pk: a.key for a in area_rows}
    areas = [
        core.ResultArea(
            id=a.key,
            name=a.name,
            scope=names.scope(a.scope_unit_id, a.scope_person_id),
            owner=names.get(names.people, a.owner_id),
            weight=number(a.weight),
            parent=names.get(names.areas, a.parent_id),
            state=a.state,
            review_cadence_days=a.review_cadence_days,
            last_reviewed=_local_date(a.last_reviewed_at),
            changed=_local_date(a.definition_changed_at),
            description=a.description,
        )
        for a in area_rows
    ]

    indicator_rows = list(Indicator.objects.filter(organization_id=org).order_by("id"))
    names.indicators = {i.pk: i.key for i in indicator_rows}
    targets = _targets(Target.objects.filter(organization_id=org), names)
    # The long series are streamed as tuples (`iterator`), never held as model instances: at
    # 18 million measurements those alone took more than 12 GiB.
    measurements = _streamed_measurements(
        _latest_measurements(org, today)
        if latest_only
        else Measurement.objects.filter(organization_id=org)
    )
    indicators = [_indicator(i, names, targets[i.pk], measurements[i.pk]) for i in indicator_rows]

    objective_rows = list(
        Objective.objects.filter(organization_id=org)
        .order_by("id")
        .values_list(*_OBJECTIVE_FIELDS, named=True)
    )
    names.objectives = {o.pk: o.key for o in objective_rows}
    kr_rows = list(
        KeyResult.objects.filter(organization_id=org)
        .order_by("position", "id")
        .values_list(*_KEY_RESULT_FIELDS, named=True)
    )
    names.key_results = {kr.pk: kr.key for kr in kr_rows}
    milestones = _milestones(Milestone.objects.filter(organization_id=org))
    check_ins = _streamed_check_ins(
        latest_check_ins(org, today) if latest_only else CheckIn.objects.filter(organization_id=org)
    )
    links: dict[int, list[core.Alignment]] = defaultdict(list)
    for link in Alignment.objects.filter(organization_id=org).order_by("id"):
        links[link.child_id].append(
            core.Alignment(
                parent_objective=names.get(names.objectives, link.parent_objective_id),
                parent_key_result=names.get(names.key_results, link.parent_key_result_id),
                weight=exact(link.weight),
            )
        )

    objectives = _objectives(
        objective_rows, kr_rows, names, links, check_ins, milestones, period_by_name, today
    )

    return core.Goals(
        organization=organization.name,
        today=today,
        periods=periods,
        units=units,
        people=people,
        result_areas=areas,
        indicators=indicators,
        objectives=objectives,
        slug=organization.slug,
        fiscal_year_start_month=organization.fiscal_year_start_month,
    )


def series_goals(
    organization: Organization,
    *,
    key_results: Collection[int],
    indicators: Collection[int],
    today: dt.date | None = None,
) -> core.Goals:
    """The part of the organization whose long series changed, for the staleness check (HW006)
    alone: the named key results in their objectives, the named KPIs, every period, and of the
    series their ends, exactly as `organization_goals(latest_only=True)` reads them. A dozen
    index lookups however large the organization. Objectives hold only the named key results
    and no links, and people, units and KRAs only appear as names: this value answers HW006
    for those key results and KPIs and must not be checked by any other rule."""
    org = organization.pk
    today = today or timezone.localdate()
    names = _Names()
    periods = _periods(org, names)
    period_by_name = {p.id: p for p in periods}
    kr_rows = list(
        KeyResult.objects.filter(organization_id=org, pk__in=list(key_results))
        .order_by("position", "id")
        .values_list(*_KEY_RESULT_FIELDS, named=True)
    )
    objective_rows = list(
        Objective.objects.filter(organization_id=org, pk__in={kr.objective_id for kr in kr_rows})
        .order_by("id")
        .values_list(*_OBJECTIVE_FIELDS, named=True)
    )
    indicator_rows = list(
        Indicator.objects.filter(organization_id=org, pk__in=list(indicators)).order_by("id")
    )
    scoped = [*objective_rows, *indicator_rows]
    unit_ids = {row.scope_unit_id for row in scoped} - {None}
    person_ids = {row.scope_person_id for row in scoped} | {o.owner_id for o in objective_rows}
    person_ids |= {kr.owner_id for kr in kr_rows} | {i.owner_id for i in indicator_rows}
    area_ids = {row.result_area_id for row in scoped} - {None}
    names.units = dict(
        Unit.objects.filter(organization_id=org, pk__in=unit_ids).values_list("pk", "name")
    )
    names.people = dict(
        Person.objects.filter(organization_id=org, pk__in=person_ids - {None}).values_list(
            "pk", "email"
        )
    )
    names.areas = dict(
        ResultArea.objects.filter(organization_id=org, pk__in=area_ids).values_list("pk", "key")
    )
    names.indicators = dict(
        Indicator.objects.filter(
            organization_id=org, pk__in={kr.indicator_id for kr in kr_rows} - {None}
        ).values_list("pk", "key")
    )
    targets = _targets(
        Target.objects.filter(organization_id=org, indicator__in=indicator_rows), names
    )
    measurements = _streamed_measurements(
        _latest_measurements(org, today, indicators=[i.pk for i in indicator_rows])
    )
    milestones = _milestones(
        Milestone.objects.filter(organization_id=org, key_result_id__in=[kr.pk for kr in kr_rows])
    )
    check_ins = _streamed_check_ins(
        latest_check_ins(org, today, key_results=[kr.pk for kr in kr_rows])
    )
    objectives = _objectives(
        objective_rows,
        kr_rows,
        names,
        defaultdict(list),
        check_ins,
        milestones,
        period_by_name,
        today,
    )
    return core.Goals(
        organization=organization.name,
        today=today,
        periods=periods,
        indicators=[
            _indicator(i, names, targets[i.pk], measurements[i.pk]) for i in indicator_rows
        ],
        objectives=objectives,
        slug=organization.slug,
        fiscal_year_start_month=organization.fiscal_year_start_month,
    )
