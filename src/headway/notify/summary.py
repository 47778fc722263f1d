"""The weekly summary for leaders: their scope's progress against pace, what changed status in the
last seven days, what is stale, and the top health findings; read as a page and sent once a week.

A *leader* is an active person who heads a unit or has active people reporting to them. Their
*scope* is the objectives and key results of everyone below them in the manager chain, of the
units they head (with their subtrees) and their own, in the periods running on the summary's day,
and only those the access policy lets them see.

What a summary reads of its scope (objectives' progress against pace, check-in dates, health
findings) comes as `ScopeFacts` from one of two places, rendered by the same code:
- the organization's evaluation as of the summary's day (`organization_week`, check-ins dated up to
  that day): read for an earlier week on the page, which then reads as it stood;
- the stored rows, for the current week's page and for the worker's weekly send: the objectives'
  progress the rollup keeps, the check-in dates, the findings the worker stored (checked again
  before the send when a change waits for a check). A few queries over the scope's rows,
  whatever the size of the organization; for the same data they agree with the evaluation.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.db import connection
from django.db.models import (
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.lookups import StartsWith
from django.urls import reverse
from django.utils import timezone

from headway import access
from headway.bulk import batches
from headway.checkins.models import CheckIn
from headway.core import model as core
from headway.core.checks import RULES, Finding, run_checks
from headway.core.evaluate import ObjectiveScore, Scores, evaluate, score_objective
from headway.core.model import to_decimal
from headway.goals.models import KeyResult, Objective, ResultArea, Status, StatusChange
from headway.goals.rollup import core_period
from headway.goals.snapshot import organization_goals
from headway.health.models import HealthFinding
from headway.health.selectors import organization_check_settings
from headway.health.services import health_findings_current
from headway.indicators.models import Indicator
from headway.notify.cadence import Cadence
from headway.notify.models import Kind, Notification, NotificationSettings
from headway.notify.selectors import cadence_book, organization_now, organization_time_zone
from headway.notify.services import notification_send
from headway.org.models import Organization, Period, Person, Unit

logger = logging.getLogger(__name__)

WINDOW = dt.timedelta(days=7)
BEHIND_LIMIT = 10  # objectives furthest behind pace, on the page
FINDINGS_LIMIT = 5
STALE_PEOPLE_LIMIT = 5
# Ids one list in a query may hold, and values one query may name in all: SQLite takes 32,766
# parameters in a query, PostgreSQL 65,535.
IDS_IN_QUERY = 20_000 if connection.vendor == "postgresql" else 5_000
LISTED = 3 * IDS_IN_QUERY
EMAIL_LINES = 5  # lines per section in the email and the in-app notification
STATUS_ORDER = (
    Status.OFF_TRACK,
    Status.AT_RISK,
    Status.ON_TRACK,
    Status.NOT_STARTED,
    Status.NO_DATA,
    Status.RED,
    Status.YELLOW,
    Status.GREEN,
)
# How bad a status is; statuses with no rank (no data, not started) are neither better nor worse.
RANK: dict[str, int] = {
    Status.ON_TRACK: 0,
    Status.GREEN: 0,
    Status.AT_RISK: 1,
    Status.YELLOW: 1,
    Status.OFF_TRACK: 2,
    Status.RED: 2,
}
SEVERITY_ORDER: dict[str, int] = {
    core.Severity.ERROR: 0,
    core.Severity.WARNING: 1,
    core.Severity.INFO: 2,
}
SECTIONS = {
    "behind": "Furthest behind pace",
    "changes": "Changed status in the last 7 days",
    "stale": "No recent check-in",
    "health": "Health findings",
}


def _decimal(value: Fraction | None) -> Decimal | None:
    return None if value is None else to_decimal(value)


def _plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count} {word if count == 1 else (words or word + 's')}"


def _objective_url(objective_id: int) -> str:
    return reverse("objective", args=[objective_id])


def _key_result_url(objective_id: int, key_result_id: int) -> str:
    return f"{_objective_url(objective_id)}#kr-{key_result_id}-title"


def _person_url(person: Person) -> str:
    return reverse("scorecard-person", args=[person.pk])


# -- who leads what ---------------------------------------------------------------------------
@dataclass
class Scope:
    """What a person leads: the units they head (with the units below) and the people below them
    in the manager chain or in those units."""

    person: Person
    headed: list[Unit]  # the top-most units they head, for the title
    units: dict[str, Unit]  # every unit of their subtrees, by name
    people: dict[str, Person]  # everyone in scope but themselves, by email
    complete: bool = True  # False when `scope_of` was told to read at most so many people

    @functools.cached_property
    def emails(self) -> set[str]:
        """The emails of everyone in the scope, themselves included."""
        return {*self.people, self.person.email}

    @property
    def leads(self) -> bool:
        """Heads a unit, or has an active person reporting to them (someone with more people
        below them than were read surely has)."""
        return (
            bool(self.headed)
            or not self.complete
            or any(p.manager_id == self.person.pk and p.active for p in self.people.values())
        )

    @property
    def name(self) -> str:
        """'Sales', 'Sales and Support', 'Sales, Support and Legal'; '' for a team with no unit."""
        names = [unit.name for unit in self.headed]
        if len(names) <= 1:
            return "".join(names)
        return ", ".join(names[:-1]) + " and " + names[-1]

    @property
    def paths(self) -> list[str]:
        return [unit.path for unit in self.headed]

    @functools.cached_property
    def person_ids(self) -> list[int]:
        """The ids of everyone in the scope, the person first."""
        return [self.person.pk, *(p.pk for p in self.people.values())]

    @property
    def listed(self) -> bool:
        """Small enough for queries to name its people and units by id (index lookups); a
        larger scope is matched by paths, as subqueries."""
        return self.complete and len(self.person_ids) + len(self.units) <= IDS_IN_QUERY

    def people_q(self, prefix: str = "") -> Q:
        """People (through `prefix`) in the scope, the person themselves included."""
        if self.listed:
            return Q(**{f"{prefix}pk__in": self.person_ids})
        return Q(**{f"{prefix}pk": self.person.pk}) | _below_q(self.person, self.paths, prefix)

    def owners_q(self, prefix: str = "") -> Q:
        """Rows owned (through `prefix` + owner) by the person or by someone in their scope."""
        return self.people_q(f"{prefix}owner__")

    def objectives_q(self) -> Q:
        """The objectives of the scope: owned in it, or set for one of its units or people."""
        if self.listed:
            units = {unit.pk for unit in self.units.values()}
            members = [p.pk for p in (self.person, *self.people.values()) if p.unit_id in units]
            return (
                self.owners_q()
                | Q(scope_unit_id__in=sorted(units))
                | Q(scope_person_id__in=members)
            )
        q = self.owners_q()
        for path in self.paths:
            q |= Q(scope_unit__path__startswith=path)
            q |= Q(scope_person__unit__path__startswith=path)
        return q


def scope_of(person: Person, *, at_most: int | None = None) -> Scope:
    """The person's scope, in two queries: the units they head with every unit below them, and
    the people below them; `at_most` people, and the scope marked incomplete when there are
    more (to tell a large scope without reading all of it)."""
    org = person.organization_id
    headed_above = Unit.objects.filter(
        StartsWith(OuterRef("path"), F("path")), organization_id=org, head=person
    )
    units = list(
        Unit.objects.filter(organization_id=org)
        .filter(Exists(headed_above))
        .defer(*TIMESTAMPS)
        .order_by("path")
    )
    headed_paths = sorted(u.path for u in units if u.head_id == person.pk and u.path)
    top = [p for p in headed_paths if not any(p != o and p.startswith(o) for o in headed_paths)]
    in_subtree = {u.name: u for u in units if any(u.path.startswith(p) for p in top)}
    people = list(
        Person.objects.filter(organization_id=person.organization_id)
        .filter(_below_q(person, top))
        .exclude(pk=person.pk)
        .defer(*TIMESTAMPS)[: None if at_most is None else at_most + 1]
    )
    complete = at_most is None or len(people) <= at_most
    headed = [u for u in units if u.path in top]
    return Scope(person, headed, in_subtree, {p.email: p for p in people[:at_most]}, complete)


def _below_q(person: Person, paths: Iterable[str], prefix: str = "") -> Q:
    """People (through `prefix`) below the person in the manager chain or in the units at
    `paths` and under them."""
    q = Q(**{f"{prefix}manager_path__contains": f"/{person.pk}/"})
    for path in paths:
        q |= Q(**{f"{prefix}unit__path__startswith": path})
    return q


def leaders_of(organization: Organization) -> QuerySet[Person]:
    """The active people who head a unit or have an active person reporting to them."""
    return (
        Person.objects.filter(organization=organization, active=True)
        .filter(
            Exists(Unit.objects.filter(organization=organization, head=OuterRef("pk")))
            | Exists(Person.objects.filter(manager=OuterRef("pk"), active=True))
        )
        .select_related("organization", "unit")
        .order_by("pk")
    )


# -- the organization, read once per week -----------------------------------------------------
@dataclass(frozen=True)
class OrganizationWeek:
    """The organization's goals as of the summary's day, evaluated and checked once for every
    leader's summary."""

    day: dt.date
    goals: core.Goals
    scores: Scores
    findings: list[Finding]
    stale_days: int
    periods: dict[str, core.Period]
    key_results: dict[str, core.KeyResult]


def organization_week(organization: Organization, day: dt.date) -> OrganizationWeek:
    goals = organization_goals(organization, today=day)
    settings = organization_check_settings(organization)
    return OrganizationWeek(
        day=day,
        goals=goals,
        scores=evaluate(goals),
        findings=run_checks(goals, settings),
        stale_days=settings.stale_days,
        periods={p.id: p for p in goals.periods},
        key_results={kr.id: kr for o in goals.objectives for kr in o.key_results},
    )


# -- the summary ------------------------------------------------------------------------------
@dataclass(frozen=True)
class PacedObjective:
    """An objective with where it is and where it should be on the summary's day."""

    objective: Objective
    status: str
    progress: Decimal | None
    expected: Decimal | None

    @property
    def gap(self) -> Decimal | None:
        if self.progress is None or self.expected is None:
            return None
        return self.expected - self.progress

    @property
    def url(self) -> str:
        return _objective_url(self.objective.pk)


@dataclass(frozen=True)
class Change:
    """An objective's or key result's status over the window: from its status before the first
    change to its status after the last one."""

    title: str
    kind: str  # "objective" or "key result"
    owner: Person | None
    before: str
    after: str
    at: dt.datetime
    url: str | None  # None: a key result whose objective the reader may not see
    times: int = 1

    @property
    def direction(self) -> str:
        """'worse', 'better', or '' when either side has no rank (no data, not started)."""
        before, after = RANK.get(self.before), RANK.get(self.after)
        if before is None or after is None or before == after:
            return ""
        return "worse" if after > before else "better"

    @property
    def words(self) -> str:
        return f"{Status(self.before).label.lower()} → {Status(self.after).label.lower()}"


@dataclass(frozen=True)
class StaleKeyResult:
    key_result: KeyResult
    owner: Person | None
    last: dt.date | None  # the latest check-in on or before the day
    days: int  # since the last check-in, or since the period started
    url: str | None
    objective_title: str | None  # None when the reader may not see the objective


@dataclass(frozen=True)
class StalePerson:
    person: Person
    count: int

    @property
    def url(self) -> str:
        return _person_url(self.person)


@dataclass(frozen=True)
class HealthItem:
    finding: Finding | HealthFinding  # the stored row reads the same
    url: str | None

    @property
    def severity(self) -> str:
        return str(self.finding.severity).capitalize()

    @property
    def rule(self) -> str:
        return RULES.get(self.finding.code, (self.finding.name, ""))[0]


@dataclass
class WeeklySummary:
    """One leader's week. `leads` is False for someone who leads nobody (then it is empty)."""

    person: Person
    scope: Scope
    day: dt.date
    since: dt.datetime
    until: dt.datetime
    stale_days: int = 14
    objectives: list[PacedObjective] = field(default_factory=list)
    key_result_count: int = 0
    changes: list[Change] = field(default_factory=list)
    stale: list[StaleKeyResult] = field(default_factory=list)
    stale_people: list[StalePerson] = field(default_factory=list)
    findings: list[HealthItem] = field(default_factory=list)
    findings_total: int = 0

    @property
    def leads(self) -> bool:
        return self.scope.leads

    @property
    def empty(self) -> bool:
        """Nothing at all in the scope in a period running on the day."""
        return not self.objectives and not self.key_result_count

    @property
    def counts(self) -> list[tuple[str, str, int]]:
        """(status, label, count) of the objectives, worst first, statuses with none left out."""
        found = Counter(row.status for row in self.objectives)
        return [(s.value, str(s.label), found[s]) for s in STATUS_ORDER if found[s]]

    def count(self, status: str) -> int:
        return sum(1 for row in self.objectives if row.status == status)

    @property
    def progress(self) -> Decimal | None:
        """The mean progress of the objectives that have one."""
        known = [row.progress for row in self.objectives if row.progress is not None]
        return sum(known, Decimal(0)) / len(known) if known else None

    @property
    def expected(self) -> Decimal | None:
        """The mean expected pace of the same objectives."""
        known = [
            row.expected
            for row in self.objectives
            if row.progress is not None and row.expected is not None
        ]
        return sum(known, Decimal(0)) / len(known) if known else None

    @property
    def overall_status(self) -> str:
        """The §3.3 status of the mean progress against the mean pace."""
        progress, expected = self.progress, self.expected
        if progress is None or expected is None:
            return Status.NO_DATA
        gap = expected - progress
        if gap <= Decimal("0.10"):
            return Status.ON_TRACK
        return Status.AT_RISK if gap <= Decimal("0.25") else Status.OFF_TRACK

    @property
    def behind(self) -> list[PacedObjective]:
        """The objectives furthest behind pace, furthest first."""
        late = [row for row in self.objectives if row.gap is not None and row.gap > 0]
        late.sort(key=lambda row: (-(row.gap or 0), row.objective.title, row.objective.pk))
        return late[:BEHIND_LIMIT]

    @property
    def worse(self) -> int:
        return sum(1 for c in self.changes if c.direction == "worse")

    @property
    def better(self) -> int:
        return sum(1 for c in self.changes if c.direction == "better")

    @property
    def url(self) -> str:
        """The page of this summary."""
        return f"{reverse('weekly-summary')}?week={self.day.isoformat()}"

    @property
    def scope_label(self) -> str:
        return self.scope.name or "your team"

    # -- as a notification --------------------------------------------------------------------
    def headline(self) -> str:
        off, risk = self.count(Status.OFF_TRACK), self.count(Status.AT_RISK)
        total = len(self.objectives)
        if off:
            text = f"{_plural(off, 'objective')} off track"
            return f"{text}, {risk} at risk" if risk else text
        if risk:
            return f"{_plural(risk, 'objective')} at risk"
        if total:
            if self.count(Status.ON_TRACK) == total:
                return "all on track" if total > 1 else "1 objective, on track"
            return f"{_plural(total, 'objective')}, none behind"
        stale = len(self.stale)
        text = _plural(self.key_result_count, "key result")
        return f"{text}, {stale} without a recent check-in" if stale else text

    def title(self) -> str:
        if self.scope.name:
            return f"Your week in {self.scope.name}: {self.headline()}"
        return f"Your team's week: {self.headline()}"

    def body(self) -> str:
        lines = []
        if self.objectives:
            pace = ""
            if self.progress is not None and self.expected is not None:
                pace = (
                    f", {_percent(self.progress)} done against {_percent(self.expected)} "
                    f"expected by {self.day.day} {self.day:%B}"
                )
            counts = ", ".join(f"{n} {label.lower()}" for _, label, n in self.counts)
            lines.append(
                f"{self.scope_label[:1].upper()}{self.scope_label[1:]} has "
                f"{_plural(len(self.objectives), 'objective')} running{pace}: {counts}."
            )
        changed = "objectives and key results"
        lines.append(
            f"In the last 7 days {_plural(len(self.changes), 'objective or key result', changed)} "
            f"changed status ({self.worse} for the worse, {self.better} for the better); "
            f"{_plural(len(self.stale), 'key result has', 'key results have')} had no check-in for "
            f"more than {self.stale_days} days; "
            f"{_plural(self.findings_total, 'health finding')} in your scope."
        )
        return "\n".join(lines)

    def items(self) -> list[dict[str, str]]:
        """The lines under the body, by section, at most EMAIL_LINES each."""
        items: list[dict[str, str]] = []

        def section(key: str, rows: list[dict[str, str]], total: int) -> None:
            for row in rows[:EMAIL_LINES]:
                items.append({"section": SECTIONS[key], **row})
            if total > EMAIL_LINES:
                more = total - EMAIL_LINES
                items.append(
                    {
                        "section": SECTIONS[key],
                        "title": f"… and {more} more on the summary page",
                        "detail": "",
                        "url": self.url,
                    }
                )

        behind = self.behind
        section(
            "behind",
            [
                {
                    "title": row.objective.title,
                    "detail": f"{Status(row.status).label}: {_percent(row.progress)} done, "
                    f"{_percent(row.expected)} expected"
                    + (f" · {row.objective.owner.name}" if row.objective.owner else ""),
                    "url": row.url,
                }
                for row in behind
            ],
            len(behind),
        )
        section(
            "changes",
            [
                {
                    "title": change.title,
                    "detail": f"{change.words}"
                    + (f" ({change.direction})" if change.direction else "")
                    + (f" · {change.owner.name}" if change.owner else ""),
                    "url": change.url or "",
                }
                for change in self.changes
            ],
            len(self.changes),
        )
        section(
            "stale",
            [
                {
                    "title": row.key_result.title,
                    "detail": (
                        f"last check-in {row.days} days ago"
                        if row.last
                        else f"no check-in yet, {row.days} days into the period"
                    )
                    + (f" · {row.owner.name}" if row.owner else ""),
                    "url": row.url or "",
                }
                for row in self.stale
            ],
            len(self.stale),
        )
        section(
            "health",
            [
                {
                    "title": f"{item.severity}: {item.finding.message}",
                    "detail": f"{item.finding.code} {item.rule}",
                    "url": item.url or "",
                }
                for item in self.findings
            ],
            self.findings_total,
        )
        return items


def _percent(value: Decimal | None) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"


def _running(day: dt.date, prefix: str = "") -> Q:
    return Q(
        **{
            f"{prefix}state": Objective.State.ACTIVE,
            f"{prefix}period__start__lte": day,
            f"{prefix}period__end__gte": day,
        }
    )


# -- the scope's goals ------------------------------------------------------------------------
@dataclass(frozen=True)
class ScopeGoals:
    """The objectives and key results of a scope in the periods running on a day, those the
    reader may see: as querysets (to filter other tables by) and as rows."""

    objectives_qs: QuerySet[Objective]
    key_results_qs: QuerySet[KeyResult]
    objectives: list[Objective]  # with their owner and period
    key_results: list[KeyResult]  # with owners and period; `objective_seen` by the reader


def scope_goals(person: Person, scope: Scope, day: dt.date) -> ScopeGoals:
    """The scope's goals running on `day` that the person may see: objectives of the scope, and
    key results under them (seen with them) or owned in the scope under other objectives, kept
    when the person may see that objective or owns or manages the key result
    (`key_result_visible`). A scope small enough is named by ids, in index lookups; a larger
    one is matched by subqueries."""
    org = person.organization_id
    objectives_qs = (
        Objective.objects.filter(organization_id=org)
        .filter(access.objectives_visible_q(person))
        .filter(_running(day))
        .filter(scope.objectives_q())
    )
    objectives = list(objectives_qs.defer(*TIMESTAMPS).order_by("title", "pk"))
    ids = {o.pk for o in objectives}
    under: Any = objectives_qs.values("pk")
    if scope.listed and len(ids) <= IDS_IN_QUERY:
        under = sorted(ids)
        objectives_qs = Objective.objects.filter(organization_id=org, pk__in=under)
    active = KeyResult.objects.filter(organization_id=org, state=KeyResult.State.ACTIVE)
    candidates = list(
        active.filter(Q(objective__in=under) | (scope.owners_q() & _running(day, "objective__")))
        .only(*KEY_RESULT_FIELDS)
        .order_by(*KEY_RESULT_ORDER)
    )
    elsewhere = sorted({kr.objective_id for kr in candidates if kr.objective_id not in ids})
    others = [
        objective
        for chunk in batches(elsewhere, IDS_IN_QUERY)
        for objective in Objective.objects.filter(organization_id=org, pk__in=chunk).defer(
            *TIMESTAMPS
        )
    ]
    candidates = _attach(org, scope, [*objectives, *others], candidates)
    seen = ids | {
        pk
        for chunk in batches(elsewhere, IDS_IN_QUERY)
        for pk in access.visible_objective_ids(person, chunk)
    }
    key_results = []
    for kr in candidates:
        kr.objective_seen = kr.objective_id in seen  # type: ignore[attr-defined]
        if kr.objective_seen or (person.active and access.owns_or_manages(person, kr.owner)):  # type: ignore[attr-defined]
            key_results.append(kr)
    outside = [kr.pk for kr in key_results if kr.objective_id not in ids]
    key_results_qs = active.filter(Q(objective__in=under) | Q(pk__in=outside))
    if len(outside) > IDS_IN_QUERY:
        key_results_qs = (
            active.filter(access.key_results_visible_q(person))
            .filter(_running(day, "objective__"))
            .filter(Q(objective__in=under) | scope.owners_q())
        )
    return ScopeGoals(objectives_qs, key_results_qs, objectives, key_results)


TIMESTAMPS = ("created_at", "updated_at")  # which no summary reads: parsing them costs
KEY_RESULT_ORDER = ("objective__title", "objective_id", "position", "pk")
# What a summary reads of a key result: a division's page makes tens of thousands of them.
KEY_RESULT_FIELDS = (
    "organization_id", "objective_id", "key", "owner_id", "title", "kind", "progress_source",
    "position",
)  # fmt: skip


def _attach(
    org: int, scope: Scope, objectives: list[Objective], key_results: list[KeyResult]
) -> list[KeyResult]:
    """Give objectives their owner and period, and key results their objective and owner, from
    rows read once (the scope's people, the periods, the objectives), reading only the owners
    from outside the scope: a large scope's page was mostly the making of the same people,
    periods and objectives again for every row. The key results whose objective is gone since
    they were read are left out."""
    people = {p.pk: p for p in (scope.person, *scope.people.values())}
    owners = {o.owner_id for o in objectives} | {kr.owner_id for kr in key_results}
    strangers = {pk for pk in owners if pk and pk not in people}
    people.update(
        (p.pk, p)
        for chunk in batches(sorted(strangers), IDS_IN_QUERY)
        for p in Person.objects.filter(organization_id=org, pk__in=chunk).defer(*TIMESTAMPS)
    )
    periods = {
        p.pk: p
        for p in Period.objects.filter(
            organization_id=org, pk__in={o.period_id for o in objectives if o.period_id}
        ).defer(*TIMESTAMPS)
    }
    for objective in objectives:
        objective.owner = people.get(objective.owner_id) if objective.owner_id else None
        objective.period = periods.get(objective.period_id) if objective.period_id else None
    by_id = {o.pk: o for o in objectives}
    kept = []
    for kr in key_results:
        if kr.objective_id in by_id:
            kr.objective = by_id[kr.objective_id]
            kr.owner = people.get(kr.owner_id) if kr.owner_id else None
            kept.append(kr)
    return kept


def weekly_summary(
    *,
    person: Person,
    day: dt.date,
    until: dt.datetime,
    week: OrganizationWeek | None = None,
    scope: Scope | None = None,
    stored: bool = False,
) -> WeeklySummary:
    """The person's summary for `day`: objectives and key results of their scope running that day,
    as they stood that day; status changes in the seven days up to `until`; stale key results;
    the top health findings. Everything filtered by what the person may see.

    Today's summary reads the stored rows (`facts_stored`), and so does any with `stored` (the
    worker's weekly send, whose day is the organization's today even when the send runs past
    midnight); an earlier day's reads `week`, the organization's evaluation on that day, or
    evaluates the organization as of then (`organization_week`)."""
    scope = scope or scope_of(person)
    summary = WeeklySummary(person=person, scope=scope, day=day, since=until - WINDOW, until=until)
    if not scope.leads:
        return summary
    goals = scope_goals(person, scope, day)
    summary.key_result_count = len(goals.key_results)
    if not goals.objectives and not goals.key_results:
        return summary
    facts = scope_facts(person=person, scope=scope, goals=goals, day=day, week=week, stored=stored)
    summary.stale_days = facts.stale_days
    summary.objectives = [
        _paced(objective, facts.paces.get(objective.pk, NO_PACE)) for objective in goals.objectives
    ]
    summary.changes = _changes(summary, goals)
    _stale(summary, goals.key_results, facts)
    _health(summary, facts.findings)
    return summary


def _changes(summary: WeeklySummary, goals: ScopeGoals) -> list[Change]:
    """Each objective's and key result's net change of status in the window, newest first; one
    that came back to where it started is left out."""
    by_objective = {o.pk: o for o in goals.objectives}
    by_key_result = {kr.pk: kr for kr in goals.key_results}
    rows = (
        StatusChange.objects.filter(
            organization_id=summary.person.organization_id,
            created_at__gt=summary.since,
            created_at__lte=summary.until,
        )
        .filter(
            Q(objective__in=goals.objectives_qs.values("pk"))
            | Q(key_result__in=goals.key_results_qs.values("pk"))
        )
        .order_by("created_at", "id")
        .values_list("objective_id", "key_result_id", "before", "after", "created_at")
    )
    first: dict[tuple[str, int], tuple[str, str, dt.datetime, int]] = {}
    for objective_id, key_result_id, before, after, at in rows:
        subject = ("o", objective_id) if objective_id else ("k", key_result_id)
        if subject in first:
            start, _, _, times = first[subject]
            first[subject] = (start, after, at, times + 1)
        else:
            first[subject] = (before, after, at, 1)
    changes = []
    for (kind, pk), (before, after, at, times) in first.items():
        if before == after:
            continue
        if kind == "o" and pk in by_objective:
            objective = by_objective[pk]
            changes.append(
                Change(
                    objective.title,
                    "objective",
                    objective.owner,
                    before,
                    after,
                    at,
                    _objective_url(objective.pk),
                    times,
                )
            )
        elif kind == "k" and pk in by_key_result:
            kr = by_key_result[pk]
            url = _key_result_url(kr.objective_id, kr.pk) if kr.objective_seen else None  # type: ignore[attr-defined]
            changes.append(
                Change(
                    kr.title,
                    "key result",
                    kr.owner or kr.objective.owner,
                    before,
                    after,
                    at,
                    url,
                    times,
                )
            )
    changes.sort(key=lambda c: c.at, reverse=True)
    return changes


# -- the facts a summary reads ----------------------------------------------------------------
@dataclass(frozen=True)
class Pace:
    """Where an objective is and where it should be on the summary's day."""

    status: str
    progress: Decimal | None
    expected: Decimal | None


NO_PACE = Pace(Status.NO_DATA, None, None)


@dataclass(frozen=True)
class CheckInState:
    """What the stale rule (HW006) reads of a key result on the summary's day."""

    period: core.Period | None
    done: bool  # a yes/no key result answered yes: nothing left to check in
    last: dt.date | None  # its latest check-in on or before the day


@dataclass(frozen=True)
class ScopeFinding:
    """A health finding about one of the scope's objects, with its page; `lookup` names a KRA
    or KPI whose page is looked up only if the finding makes the top."""

    finding: Finding | HealthFinding
    url: str | None
    lookup: str | None = None


@dataclass(frozen=True)
class ScopeFacts:
    """What a summary reads of its scope's objects on its day, wherever it was read from: the
    organization's evaluation (`facts_evaluated`) or the rows the rollup and the worker keep
    (`facts_stored`). For the same data both give the same facts."""

    stale_days: int
    paces: dict[int, Pace]  # by objective id
    check_ins: dict[int, CheckInState]  # by key result id; one left out is never stale
    findings: list[ScopeFinding]  # in the checks' order: by code, then by object


def scope_facts(
    *,
    person: Person,
    scope: Scope,
    goals: ScopeGoals,
    day: dt.date,
    week: OrganizationWeek | None,
    stored: bool = False,
) -> ScopeFacts:
    """Today's (or with `stored`) from the stored rows, which say how things stand now; an
    earlier day's from `week` when given, else from the organization evaluated as of then."""
    if stored or (week is None and day >= organization_now(person.organization).date()):
        return facts_stored(person=person, scope=scope, goals=goals, day=day)
    week = week or organization_week(person.organization, day)
    return facts_evaluated(week=week, scope=scope, goals=goals)


def _pace(score: ObjectiveScore) -> Pace:
    return Pace(str(score.status), _decimal(score.progress), _decimal(score.expected))


def _paced(objective: Objective, pace: Pace) -> PacedObjective:
    return PacedObjective(objective, pace.status, pace.progress, pace.expected)


def _key_result_urls(key_results: Iterable[KeyResult]) -> dict[str, str | None]:
    """Key result keys to their place on the objective's page; None when the reader may not
    see the objective."""
    return {
        kr.key: _key_result_url(kr.objective_id, kr.pk) if kr.objective_seen else None  # type: ignore[attr-defined]
        for kr in key_results
    }


def _scope_object_url(scope: Scope, obj: str) -> str | None:
    """The page of a person or scope finding's object ('person:EMAIL', 'scope:unit:NAME',
    'scope:person:EMAIL') when it is the scope's; None otherwise."""
    kind, _, key = obj.partition(":")
    if kind == "scope" and key.startswith("unit:") and key[5:] in scope.units:
        return reverse("scorecard-unit", args=[scope.units[key[5:]].pk])
    if kind == "scope" and key.startswith("person:"):
        kind, key = "person", key[7:]
    if kind == "person" and key in scope.emails:
        return _person_url(scope.people.get(key, scope.person))
    return None


# -- from the organization's evaluation (the worker, earlier weeks) ---------------------------
def facts_evaluated(*, week: OrganizationWeek, scope: Scope, goals: ScopeGoals) -> ScopeFacts:
    """The facts of the scope read off the organization's evaluation and checks on the week's
    day: as things stood that day."""
    return ScopeFacts(
        stale_days=week.stale_days,
        paces={
            o.pk: _pace(week.scores.objectives[o.key])
            for o in goals.objectives
            if o.key in week.scores.objectives
        },
        check_ins=_check_ins_evaluated(week, goals.key_results),
        findings=_findings_evaluated(week, scope, goals),
    )


def _check_ins_evaluated(
    week: OrganizationWeek, key_results: Sequence[KeyResult]
) -> dict[int, CheckInState]:
    states = {}
    for kr in key_results:
        core_kr = week.key_results.get(kr.key)
        if core_kr is None:
            continue
        period = week.periods.get(kr.objective.period.name) if kr.objective.period else None
        dates = [c.date for c in core_kr.check_ins if c.date <= week.day]
        done = core_kr.kind == core.KRKind.BOOLEAN and core_kr.done
        states[kr.pk] = CheckInState(period, done, max(dates, default=None))
    return states


def _in_scope(scope: Scope, scoped: str, owner: str | None) -> bool:
    """Whether a KRA or KPI with this scope ('unit:Sales', 'person:a@b') and owner is the
    scope's."""
    kind, _, name = scoped.partition(":")
    return (
        (kind == "unit" and name in scope.units)
        or (kind == "person" and name in scope.emails)
        or (owner is not None and owner in scope.emails)
    )


def _findings_evaluated(
    week: OrganizationWeek, scope: Scope, goals: ScopeGoals
) -> list[ScopeFinding]:
    """The week's findings about the scope's objects, in the checks' order; stale key results
    (HW006) are left out: the summary lists them already."""
    objective_urls = {o.key: _objective_url(o.pk) for o in goals.objectives}
    key_result_urls = _key_result_urls(goals.key_results)
    areas = {a.id: a for a in week.goals.result_areas}
    indicators = {i.id: i for i in week.goals.indicators}
    found = []
    for finding in week.findings:
        kind, _, key = finding.object.partition(":")
        if kind == "objective" and key in objective_urls:
            found.append(ScopeFinding(finding, objective_urls[key]))
        elif kind == "key_result" and key in key_result_urls and finding.code != "HW006":
            found.append(ScopeFinding(finding, key_result_urls[key]))
        elif kind == "result_area" and key in areas:
            area = areas[key]
            if _in_scope(scope, area.scope, area.owner):
                found.append(ScopeFinding(finding, None, finding.object))
        elif kind == "indicator" and key in indicators:
            indicator = indicators[key]
            if _in_scope(scope, indicator.scope, indicator.owner):
                found.append(ScopeFinding(finding, None, finding.object))
        elif kind in ("person", "scope"):
            url = _scope_object_url(scope, finding.object)
            if url is not None:
                found.append(ScopeFinding(finding, url))
    return found


# -- from the stored rows (the current week's page) -------------------------------------------
def facts_stored(*, person: Person, scope: Scope, goals: ScopeGoals, day: dt.date) -> ScopeFacts:
    """The facts of the scope today from what is stored: objectives' progress as the rollup
    keeps it, check-in dates, and the findings of the worker's latest check. A few queries over
    the scope's rows, whatever the size of the organization."""
    settings = organization_check_settings(person.organization)
    return ScopeFacts(
        stale_days=settings.stale_days,
        paces=_paces_stored(goals.objectives, day),
        check_ins=_check_ins_stored(person.organization_id, goals.key_results, day),
        findings=_findings_stored(person, scope, goals),
    )


def _paces_stored(objectives: Sequence[Objective], day: dt.date) -> dict[int, Pace]:
    """Each objective's stored progress against its period's pace on `day`. Scored by the very
    function the evaluation scores objectives with, given that progress as its one item: the
    stored status is the one of the rollup's day, and the expected pace moves every day. Once
    per distinct progress, period and state: a division's objectives share many."""
    periods: dict[int | None, core.Period | None] = {}
    scored: dict[tuple[Decimal | None, int | None, bool], Pace] = {}
    paces = {}
    for objective in objectives:
        closed = objective.state == Objective.State.CLOSED
        key = (objective.progress, objective.period_id, closed)
        if key not in scored:
            if objective.period_id not in periods:
                periods[objective.period_id] = core_period(objective.period)
            progress = None if objective.progress is None else Fraction(objective.progress)
            scored[key] = _pace(
                score_objective(
                    objective.key,
                    [(Fraction(1), progress, None)],
                    period=periods[objective.period_id],
                    today=day,
                    closed=closed,
                )
            )
        paces[objective.pk] = scored[key]
    return paces


def _check_ins_stored(
    organization_id: int, key_results: Sequence[KeyResult], day: dt.date
) -> dict[int, CheckInState]:
    """The key results taking check-ins in a period active on `day`, with their latest check-in
    date up to the day (one grouped query) and, for yes/no ones, whether they were answered
    yes (one more)."""
    by_period: dict[int | None, core.Period | None] = {}
    for kr in key_results:
        period_id = kr.objective.period_id
        if period_id not in by_period:
            period = core_period(kr.objective.period)
            by_period[period_id] = period if period and period.state_on(day) == "active" else None
    periods = {kr.pk: by_period[kr.objective.period_id] for kr in key_results}
    watched = [
        kr
        for kr in key_results
        if kr.progress_source == KeyResult.Source.CHECK_INS and periods[kr.pk] is not None
    ]
    if not watched:
        return {}
    last: dict[int, dt.date] = {}
    for chunk in batches([kr.pk for kr in watched], IDS_IN_QUERY):
        last.update(
            CheckIn.objects.filter(
                organization_id=organization_id, key_result__in=chunk, date__lte=day
            )
            .order_by()
            .values("key_result_id")
            .annotate(last=Max("date"))
            .values_list("key_result_id", "last")
        )
    yes = _answered_yes(
        organization_id, [kr.pk for kr in watched if kr.kind == KeyResult.Kind.BOOLEAN], day
    )
    return {kr.pk: CheckInState(periods[kr.pk], kr.pk in yes, last.get(kr.pk)) for kr in watched}


def _answered_yes(organization_id: int, key_result_ids: list[int], day: dt.date) -> set[int]:
    """The yes/no key results whose latest check-in with a value, up to `day`, is not zero: the
    snapshot's rule for `done` (`_boolean_done`)."""
    if not key_result_ids:
        return set()
    latest = (
        CheckIn.objects.filter(key_result=OuterRef("pk"), date__lte=day, value__isnull=False)
        .order_by("-date", "-id")
        .values("value")[:1]
    )
    return {
        pk
        for chunk in batches(key_result_ids, IDS_IN_QUERY)
        for pk, answer in KeyResult.objects.filter(organization_id=organization_id, pk__in=chunk)
        .annotate(answer=Subquery(latest))
        .values_list("pk", "answer")
        if answer is not None and answer != 0
    }


def _findings_stored(person: Person, scope: Scope, goals: ScopeGoals) -> list[ScopeFinding]:
    """The stored findings about the scope's objects, in the checks' order, with their pages;
    stale key results (HW006) are left out: the summary lists them already. Three queries, and
    one more when the owners of several objectives have findings. A scope's findings are found
    by their objectives' ids and their objects' names, in index lookups."""
    org = person.organization_id
    scoped = (
        Q(scope_unit__in=[unit.pk for unit in scope.units.values()])
        | scope.people_q("scope_person__")
        | scope.owners_q()
    )
    areas = ResultArea.objects.filter(organization_id=org).filter(scoped)
    indicators = Indicator.objects.filter(organization_id=org).filter(scoped)
    objects = _ScopeObjects(scope, goals, areas, indicators)
    objectives = sorted(
        {o.pk for o in goals.objectives} | {kr.objective_id for kr in goals.key_results}
    )
    named = sorted(objects.named())
    found = HealthFinding.objects.filter(organization_id=org)
    if len(objectives) + len(named) <= LISTED:
        queries = [found.filter(Q(objective_id__in=objectives) | Q(object__in=named))]
    else:
        # Too many to name in one query: the goals' findings by objective, a list at a time,
        # and every finding not about a goal (those are the organization's few), picked below.
        queries = [
            found.filter(objective_id__in=chunk) for chunk in batches(objectives, IDS_IN_QUERY)
        ]
        queries.append(found.filter(objective__isnull=True))
    rows = [row for query in queries for row in query if objects.includes(row)]
    objects.owners = _owners_order(org, [r.object for r in rows if r.object.startswith("person:")])
    rows.sort(key=lambda row: (row.code, objects.place(row.object), row.pk))
    return [ScopeFinding(row, objects.url(row.object)) for row in rows]


LAST = (9,)  # an object the checks do not list: `run_checks` puts it after those they do


class _ScopeObjects:
    """The scope's objects that stored findings are about: which they are, each one's page, and
    its place in the order `run_checks` gives a rule's findings (where the object comes in the
    organization's goals: scopes, KRAs, KPIs, objectives each followed by its key results,
    owners)."""

    def __init__(
        self,
        scope: Scope,
        goals: ScopeGoals,
        areas: QuerySet[ResultArea],
        indicators: QuerySet[Indicator],
    ) -> None:
        self.scope = scope
        self.owners: dict[str, int] = {}  # an owner's email to their first objective
        self.objectives = {o.key: o for o in goals.objectives}
        self.key_results = {kr.key: kr for kr in goals.key_results}
        self.areas: dict[str, tuple[int, bool]] = {}
        self.scopes: dict[str, int] = {}  # scope to its first active KRA: the checks' order
        for pk, key, state, unit, email in areas.order_by("pk").values_list(
            "pk", "key", "state", "scope_unit__name", "scope_person__email"
        ):
            active = state == ResultArea.State.ACTIVE
            self.areas[key] = (pk, active)
            if active:
                scoped = f"person:{email}" if email else f"unit:{unit}" if unit else "org"
                self.scopes.setdefault(scoped, pk)
        self.indicators = dict(indicators.values_list("key", "pk"))

    def named(self) -> set[str]:
        """The objects, other than goals, whose findings are the scope's."""
        return {
            *(f"result_area:{key}" for key in self.areas),
            *(f"indicator:{key}" for key in self.indicators),
            *(f"person:{email}" for email in self.scope.emails),
            *(f"scope:person:{email}" for email in self.scope.emails),
            *(f"scope:unit:{name}" for name in self.scope.units),
        }

    def includes(self, row: HealthFinding) -> bool:
        """Whether a stored finding is about one of the scope's objects (stale key results
        aside)."""
        kind, _, key = row.object.partition(":")
        if kind == "objective":
            return key in self.objectives
        if kind == "key_result":
            return key in self.key_results and row.code != "HW006"
        if kind in ("result_area", "indicator"):
            return key in (self.areas if kind == "result_area" else self.indicators)
        if kind == "person":
            return key in self.scope.emails
        if kind == "scope":
            scope_kind, _, name = key.partition(":")
            return name in (self.scope.units if scope_kind == "unit" else self.scope.emails)
        return False

    # A finding about a row written between this page's queries gets no page and the last
    # place, rather than an error.
    def url(self, obj: str) -> str | None:
        kind, _, key = obj.partition(":")
        if kind == "objective" and key in self.objectives:
            return _objective_url(self.objectives[key].pk)
        if kind == "key_result" and key in self.key_results:
            kr = self.key_results[key]
            return _key_result_url(kr.objective_id, kr.pk) if kr.objective_seen else None  # type: ignore[attr-defined]
        if kind == "result_area" and key in self.areas:
            return reverse("result-area", args=[self.areas[key][0]])
        if kind == "indicator" and key in self.indicators:
            return reverse("indicator", args=[self.indicators[key]])
        return _scope_object_url(self.scope, obj)

    def place(self, obj: str) -> tuple[int, ...]:
        kind, _, key = obj.partition(":")
        area = self.areas.get(key) if kind == "result_area" else None
        if kind == "scope" and key in self.scopes:
            return (0, self.scopes[key])
        if area is not None and area[1]:
            return (1, area[0])
        if kind == "indicator" and key in self.indicators:
            return (2, self.indicators[key])
        if kind == "objective" and key in self.objectives:
            return (3, self.objectives[key].pk, 0, 0, 0)
        if kind == "key_result" and key in self.key_results:
            kr = self.key_results[key]
            return (3, kr.objective_id, 1, kr.position, kr.pk)
        if kind == "person" and key in self.owners:
            return (4, self.owners[key])
        return LAST


def _owners_order(organization_id: int, objects: list[str]) -> dict[str, int]:
    """The owners named by these 'person:EMAIL' objects, to their first objective (the checks
    list owners in that order); no query unless there are several to order."""
    emails = {obj.partition(":")[2] for obj in objects}
    if len(emails) < 2:
        return {}
    return dict(
        Objective.objects.filter(
            organization_id=organization_id, owner__email__in=emails, period__isnull=False
        )
        .exclude(state=Objective.State.CANCELLED)
        .order_by()
        .values("owner__email")
        .annotate(first=Min("pk"))
        .values_list("owner__email", "first")
    )


# -- the sections both read the same way ------------------------------------------------------
def _stale(summary: WeeklySummary, key_results: Sequence[KeyResult], facts: ScopeFacts) -> None:
    """Key results taking check-ins with none for more than the organization's stale days (the
    rule of health check HW006), longest first, and the people who own the most of them."""
    day = summary.day
    stale = []
    for kr in key_results:
        state = facts.check_ins.get(kr.pk)
        if (
            state is None
            or state.period is None
            or state.period.state_on(day) != "active"
            or kr.progress_source != KeyResult.Source.CHECK_INS
            or state.done
        ):
            continue
        days = (day - (state.last or state.period.start)).days
        if days <= facts.stale_days:
            continue
        seen = kr.objective_seen  # type: ignore[attr-defined]
        stale.append(
            StaleKeyResult(
                kr,
                kr.owner or (kr.objective.owner if seen else None),
                state.last,
                days,
                _key_result_url(kr.objective_id, kr.pk) if seen else None,
                kr.objective.title if seen else None,
            )
        )
    stale.sort(key=lambda row: (-row.days, row.key_result.title, row.key_result.pk))
    summary.stale = stale
    owners = Counter(row.owner.pk for row in stale if row.owner is not None)
    people = {row.owner.pk: row.owner for row in stale if row.owner is not None}
    summary.stale_people = [
        StalePerson(people[pk], count)
        for pk, count in sorted(owners.items(), key=lambda item: (-item[1], people[item[0]].name))
    ][:STALE_PEOPLE_LIMIT]


def _health(summary: WeeklySummary, found: Sequence[ScopeFinding]) -> None:
    """The top findings about the scope, errors first (otherwise in the checks' order)."""
    ranked = sorted(found, key=lambda row: SEVERITY_ORDER.get(row.finding.severity, 9))
    summary.findings_total = len(ranked)
    top = ranked[:FINDINGS_LIMIT]
    urls = _kra_and_kpi_urls(summary.person, [row.lookup for row in top if row.lookup])
    summary.findings = [
        HealthItem(row.finding, row.url or (urls.get(row.lookup) if row.lookup else None))
        for row in top
    ]


def _kra_and_kpi_urls(person: Person, objects: Iterable[str]) -> dict[str, str]:
    """'result_area:KEY' and 'indicator:KEY' to their pages (KRAs and KPIs are the whole
    organization's to see)."""
    keys: dict[str, set[str]] = {"result_area": set(), "indicator": set()}
    for obj in objects:
        kind, _, key = obj.partition(":")
        keys[kind].add(key)
    urls = {}
    if keys["result_area"]:
        for key, pk in ResultArea.objects.filter(
            organization_id=person.organization_id, key__in=keys["result_area"]
        ).values_list("key", "pk"):
            urls[f"result_area:{key}"] = reverse("result-area", args=[pk])
    if keys["indicator"]:
        for key, pk in Indicator.objects.filter(
            organization_id=person.organization_id, key__in=keys["indicator"]
        ).values_list("key", "pk"):
            urls[f"indicator:{key}"] = reverse("indicator", args=[pk])
    return urls


# -- when --------------------------------------------------------------------------------------
def summary_key(day: dt.date) -> str:
    return f"weekly-summary:{day.isoformat()}"


def summary_moment(organization: Organization, cadence: Cadence, day: dt.date) -> dt.datetime:
    """When the summary of `day` goes out: the cadence's hour on the organization's clocks."""
    zone = organization_time_zone(organization)
    return dt.datetime.combine(day, dt.time(cadence.hour), tzinfo=zone)


def summary_due(
    organization: Organization, cadence: Cadence, now: dt.datetime
) -> dt.datetime | None:
    """The moment of this week's summary when it is due now: on the organization's check-in
    weekday, once its hour has come (whatever `every_weeks` says: the summary is weekly)."""
    local = organization_now(organization, now)
    if local.weekday() != cadence.weekday or local.hour < cadence.hour:
        return None
    return summary_moment(organization, cadence, local.date())


def summary_for_page(
    *, person: Person, week: dt.date | None, scope: Scope | None = None
) -> WeeklySummary:
    """The summary the page shows: this week's up to now, or the one sent on an earlier day."""
    return weekly_summary(person=person, scope=scope, **summary_window(person, week))


def summary_window(person: Person, week: dt.date | None) -> dict[str, Any]:
    """The day and the end of the seven days of the page's summary for `week`."""
    now = organization_now(person.organization)
    today = now.date()
    if week is None or week >= today:
        return {"day": today, "until": now}
    cadence = cadence_book(organization_id=person.organization_id).organization
    return {"day": week, "until": summary_moment(person.organization, cadence, week)}


# -- sending -----------------------------------------------------------------------------------
def weekly_summary_send(*, summary: WeeklySummary) -> Notification | None:
    """Tell the leader their week (in Headway and by email); nothing when the scope is empty."""
    if summary.empty or not summary.leads:
        return None
    return notification_send(
        person=summary.person,
        kind=Kind.WEEKLY_SUMMARY,
        title=summary.title(),
        body=summary.body(),
        url=summary.url,
        key=summary_key(summary.day),
        items=summary.items(),
    )


def weekly_summaries_send(*, now: dt.datetime | None = None) -> int:
    """Every organization's weekly summaries that are due now (run hourly by the worker): on the
    organization's check-in weekday at its hour, one per leader. Returns how many were sent."""
    now = now or timezone.now()
    count = 0
    for organization in Organization.objects.order_by("pk"):
        cadence = cadence_book(organization_id=organization.pk).organization
        until = summary_due(organization, cadence, now)
        if until is None:
            continue
        day = until.date()
        done = set(
            Notification.objects.filter(
                organization=organization, key=summary_key(day)
            ).values_list("person_id", flat=True)
        )
        done |= set(
            NotificationSettings.objects.filter(
                organization=organization, weekly_summary=False
            ).values_list("person_id", flat=True)
        )  # those who turned it off
        leaders = [p for p in leaders_of(organization) if p.pk not in done]
        if not leaders:
            continue
        from headway.notify.prepared import summary_store  # it renders summaries of this module

        health_findings_current(organization=organization, today=day)
        for leader in leaders:
            # Each from the stored rows of its scope, as the page reads today's: the send never
            # holds the organization's evaluation (8.6 GiB at 50,000 people, BENCHMARKS.md).
            summary = weekly_summary(person=leader, day=day, until=until, stored=True)
            summary_store(summary)  # the page of that week shows it as it was sent
            if weekly_summary_send(summary=summary) is not None:
                count += 1
    logger.info("Sent %s weekly summar%s", count, "y" if count == 1 else "ies")
    return count
