"""The weekly summary for leaders: their scope's progress against pace, what changed status in the
last seven days, what is stale, and the top health findings; read as a page and sent once a week.

A *leader* is an active person who heads a unit or has active people reporting to them. Their
*scope* is the objectives and key results of everyone below them in the manager chain, of the
units they head (with their subtrees) and their own, in the periods running on the summary's day,
and only those the access policy lets them see.

Progress, status and expected pace are read from the core's evaluation of the organization as of
the summary's day (check-ins dated up to that day), so an earlier week reads as it stood then and a
full recompute agrees with the stored numbers today. The organization is read and checked once
(`organization_week`) and shared by every leader's summary: the number of queries does not grow with
the size of the scope.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from headway import access
from headway.core import model as core
from headway.core.checks import RULES, Finding, run_checks
from headway.core.evaluate import Scores, evaluate
from headway.core.model import to_decimal
from headway.goals.models import KeyResult, Objective, ResultArea, Status, StatusChange
from headway.goals.snapshot import organization_goals
from headway.health.selectors import organization_check_settings
from headway.indicators.models import Indicator
from headway.notify.cadence import Cadence
from headway.notify.models import Kind, Notification, NotificationSettings
from headway.notify.selectors import cadence_book, organization_now, organization_time_zone
from headway.notify.services import notification_send
from headway.org.models import Organization, Person, Unit

logger = logging.getLogger(__name__)

WINDOW = dt.timedelta(days=7)
BEHIND_LIMIT = 10  # objectives furthest behind pace, on the page
FINDINGS_LIMIT = 5
STALE_PEOPLE_LIMIT = 5
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
SEVERITY_ORDER = {core.Severity.ERROR: 0, core.Severity.WARNING: 1, core.Severity.INFO: 2}
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

    @property
    def leads(self) -> bool:
        """Heads a unit, or has an active person reporting to them."""
        return bool(self.headed) or any(
            p.manager_id == self.person.pk and p.active for p in self.people.values()
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

    def owners_q(self, prefix: str = "") -> Q:
        """Rows owned (through `prefix` + owner) by the person or by someone in their scope."""
        owner = f"{prefix}owner"
        q = Q(**{owner: self.person}) | Q(
            **{f"{owner}__manager_path__contains": f"/{self.person.pk}/"}
        )
        for path in self.paths:
            q |= Q(**{f"{owner}__unit__path__startswith": path})
        return q

    def objectives_q(self) -> Q:
        """The objectives of the scope: owned in it, or set for one of its units or people."""
        q = self.owners_q()
        for path in self.paths:
            q |= Q(scope_unit__path__startswith=path)
            q |= Q(scope_person__unit__path__startswith=path)
        return q


def scope_of(person: Person) -> Scope:
    """The person's scope, in two queries."""
    units = list(Unit.objects.filter(organization_id=person.organization_id).order_by("path"))
    headed_paths = sorted(u.path for u in units if u.head_id == person.pk and u.path)
    top = [p for p in headed_paths if not any(p != o and p.startswith(o) for o in headed_paths)]
    in_subtree = {u.name: u for u in units if any(u.path.startswith(p) for p in top)}
    people_q = Q(manager_path__contains=f"/{person.pk}/")
    for path in top:
        people_q |= Q(unit__path__startswith=path)
    people = (
        Person.objects.filter(organization_id=person.organization_id)
        .filter(people_q)
        .exclude(pk=person.pk)
    )
    headed = [u for u in units if u.path in top]
    return Scope(person, headed, in_subtree, {p.email: p for p in people})


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
    finding: Finding
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


def weekly_summary(
    *,
    person: Person,
    day: dt.date,
    until: dt.datetime,
    week: OrganizationWeek | None = None,
) -> WeeklySummary:
    """The person's summary for `day`: objectives and key results of their scope running that day,
    as they stood that day; status changes in the seven days up to `until`; stale key results;
    the top health findings. Everything filtered by what the person may see."""
    scope = scope_of(person)
    summary = WeeklySummary(person=person, scope=scope, day=day, since=until - WINDOW, until=until)
    if not scope.leads:
        return summary
    org = person.organization_id
    visible = access.objectives_visible_q(person)
    objectives_qs = (
        Objective.objects.filter(organization_id=org)
        .filter(visible)
        .filter(_running(day))
        .filter(scope.objectives_q())
    )
    objectives = list(objectives_qs.select_related("owner", "period").order_by("title", "pk"))
    key_results_qs = (
        KeyResult.objects.filter(organization_id=org, state=KeyResult.State.ACTIVE)
        .filter(access.key_results_visible_q(person))
        .filter(_running(day, "objective__"))
        .filter(Q(objective__in=objectives_qs.values("pk")) | scope.owners_q())
    )
    key_results = list(
        key_results_qs.annotate(
            objective_seen=Exists(Objective.objects.filter(visible, pk=OuterRef("objective_id")))
        )
        .select_related("owner", "objective__owner", "objective__period")
        .order_by("objective__title", "objective_id", "position", "pk")
    )
    summary.key_result_count = len(key_results)
    if not objectives and not key_results:
        return summary

    week = week or organization_week(person.organization, day)
    summary.stale_days = week.stale_days
    for objective in objectives:
        score = week.scores.objectives.get(objective.key)
        summary.objectives.append(
            PacedObjective(
                objective,
                str(score.status) if score else Status.NO_DATA,
                _decimal(score.progress) if score else None,
                _decimal(score.expected) if score else None,
            )
        )
    summary.changes = _changes(summary, objectives, key_results, objectives_qs, key_results_qs)
    _stale(summary, key_results, week)
    _health(summary, objectives, key_results, week)
    return summary


def _changes(
    summary: WeeklySummary,
    objectives: list[Objective],
    key_results: Sequence[KeyResult],
    objectives_qs: QuerySet[Objective],
    key_results_qs: QuerySet[KeyResult],
) -> list[Change]:
    """Each objective's and key result's net change of status in the window, newest first; one
    that came back to where it started is left out."""
    by_objective = {o.pk: o for o in objectives}
    by_key_result = {kr.pk: kr for kr in key_results}
    rows = (
        StatusChange.objects.filter(
            organization_id=summary.person.organization_id,
            created_at__gt=summary.since,
            created_at__lte=summary.until,
        )
        .filter(
            Q(objective__in=objectives_qs.values("pk"))
            | Q(key_result__in=key_results_qs.values("pk"))
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


def _stale(
    summary: WeeklySummary, key_results: Sequence[KeyResult], week: OrganizationWeek
) -> None:
    """Key results taking check-ins with none for more than the organization's stale days (the
    rule of health check HW006), longest first, and the people who own the most of them."""
    periods = week.periods
    day = week.day
    stale = []
    for kr in key_results:
        core_kr = week.key_results.get(kr.key)
        period = periods.get(kr.objective.period.name) if kr.objective.period else None
        if (
            core_kr is None
            or period is None
            or period.state_on(day) != "active"
            or kr.progress_source != KeyResult.Source.CHECK_INS
            or (core_kr.kind == core.KRKind.BOOLEAN and core_kr.done)
        ):
            continue
        dates = [c.date for c in core_kr.check_ins if c.date <= day]
        last = max(dates) if dates else None
        days = (day - (last or period.start)).days
        if days <= week.stale_days:
            continue
        seen = kr.objective_seen  # type: ignore[attr-defined]
        stale.append(
            StaleKeyResult(
                kr,
                kr.owner or (kr.objective.owner if seen else None),
                last,
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


def _in_scope(scope: Scope, scoped: str, owner: str | None) -> bool:
    """Whether a KRA or KPI with this scope ('unit:Sales', 'person:a@b') and owner is the
    scope's."""
    kind, _, name = scoped.partition(":")
    emails = {*scope.people, scope.person.email}
    return (
        (kind == "unit" and name in scope.units)
        or (kind == "person" and name in emails)
        or (owner is not None and owner in emails)
    )


def _health(
    summary: WeeklySummary,
    objectives: list[Objective],
    key_results: Sequence[KeyResult],
    week: OrganizationWeek,
) -> None:
    """The findings about the scope's objects, errors first; stale key results (HW006) are left
    out, listed above already."""
    scope = summary.scope
    objective_ids = {o.key: o.pk for o in objectives}
    key_result_at = {
        kr.key: _key_result_url(kr.objective_id, kr.pk) if kr.objective_seen else None  # type: ignore[attr-defined]
        for kr in key_results
    }
    areas = {a.id: a for a in week.goals.result_areas}
    indicators = {i.id: i for i in week.goals.indicators}
    emails = {*scope.people, scope.person.email}
    found: list[tuple[Finding, str | None, str | None]] = []  # finding, url, key to look up
    for finding in week.findings:
        kind, _, key = finding.object.partition(":")
        if kind == "objective" and key in objective_ids:
            found.append((finding, _objective_url(objective_ids[key]), None))
        elif kind == "key_result" and key in key_result_at and finding.code != "HW006":
            found.append((finding, key_result_at[key], None))
        elif kind == "result_area" and key in areas:
            area = areas[key]
            if _in_scope(scope, area.scope, area.owner):
                found.append((finding, None, finding.object))
        elif kind == "indicator" and key in indicators:
            indicator = indicators[key]
            if _in_scope(scope, indicator.scope, indicator.owner):
                found.append((finding, None, finding.object))
        elif kind == "person" and key in emails:
            person = scope.people.get(key, scope.person)
            found.append((finding, _person_url(person), None))
        elif kind == "scope" and key.startswith("unit:") and key[5:] in scope.units:
            found.append((finding, reverse("scorecard-unit", args=[scope.units[key[5:]].pk]), None))
        elif kind == "scope" and key.startswith("person:") and key[7:] in emails:
            person = scope.people.get(key[7:], scope.person)
            found.append((finding, _person_url(person), None))
    found.sort(key=lambda row: SEVERITY_ORDER.get(row[0].severity, 9))
    summary.findings_total = len(found)
    top = found[:FINDINGS_LIMIT]
    urls = _kra_and_kpi_urls(summary.person, [key for _, _, key in top if key])
    summary.findings = [
        HealthItem(finding, url or (urls.get(key) if key else None)) for finding, url, key in top
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


def summary_for_page(*, person: Person, week: dt.date | None) -> WeeklySummary:
    """The summary the page shows: this week's up to now, or the one sent on an earlier day."""
    now = organization_now(person.organization)
    today = now.date()
    if week is None or week >= today:
        return weekly_summary(person=person, day=today, until=now)
    cadence = cadence_book(organization_id=person.organization_id).organization
    return weekly_summary(
        person=person, day=week, until=summary_moment(person.organization, cadence, week)
    )


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
        week = organization_week(organization, day)
        for leader in leaders:
            summary = weekly_summary(person=leader, day=day, until=until, week=week)
            if weekly_summary_send(summary=summary) is not None:
                count += 1
    logger.info("Sent %s weekly summar%s", count, "y" if count == 1 else "ies")
    return count
