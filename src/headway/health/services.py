"""Keeping the organization's findings: run the checks in the worker, store what they found.

Running every check means reading the whole organization (`organization_goals`): seconds for a
thousand people, minutes for fifty thousand. So pages never run them: they read the findings
stored here, with the moment they were checked. Any write to a table the checks read marks the
organization's findings out of date (`health_changed`, after the write commits) and queues one
refresh; changes that come in while it runs queue the next. The daily snapshot refreshes them
too, since a finding can appear with the date alone (a key result going stale).

Check-ins and measurements, the bulk of the writes on a working day, change one rule's answer
only: whether a key result or a KPI is stale (HW006). They are remembered one by one
(`HealthSeriesChange`), and the worker checks again just those key results and KPIs
(`health_series_refresh`): a few index lookups instead of reading the organization.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django_tasks.backends.immediate import ImmediateBackend

from headway.core.checks import Finding, checked_objects, run_checks
from headway.core.model import Goals, Severity
from headway.goals.models import KeyResult, Objective, ResultArea
from headway.goals.snapshot import organization_goals, series_goals
from headway.health.models import HealthFinding, HealthSeriesChange, HealthState
from headway.health.selectors import organization_check_settings
from headway.indicators.models import Indicator
from headway.org.models import Organization, Person, Unit

logger = logging.getLogger(__name__)

# A check still marked running after this long died with its worker; another may start.
ABANDONED_AFTER = dt.timedelta(hours=1)
WRITE_BATCH = 2_000
# The one rule that reads the long series: a check-in or a measurement changes nothing else.
SERIES_CODES = frozenset({"HW006"})
# More key results and KPIs changed than this (an import): the full check is run instead.
SERIES_LIMIT = 10_000
FLAGGED = (str(Severity.WARNING), str(Severity.ERROR))


# -- marking out of date ---------------------------------------------------------------------
def health_changed(organization_id: int) -> bool:
    """Mark the organization's findings out of date and queue a refresh, unless a change is
    already waiting for one. Returns whether a refresh was queued. Cheap when one is waiting, as
    it is after every write but the first of a batch: one look up of the state by its
    organization."""
    now = timezone.now()
    state = HealthState.objects.filter(organization_id=organization_id)
    waiting = state.values_list("stale_since", flat=True).first()
    if waiting is not None:
        return False  # a change is waiting already
    # The UPDATE decides between writers that both saw no change waiting: one of them marks.
    marked = state.filter(stale_since__isnull=True).update(stale_since=now)
    if not marked:
        if state.exists():
            return False  # a change is waiting already
        if not Organization.objects.filter(pk=organization_id).exists():
            return False  # deleted in the transaction that marked it
        _, created = HealthState.objects.get_or_create(
            organization_id=organization_id, defaults={"stale_since": now}
        )
        if not created:
            return False
    _refresh_enqueue(organization_id)
    return True


def health_changed_after_commit(organization_id: int) -> None:
    """`health_changed` once the current transaction commits (at once outside one); a write
    that rolls back marks nothing. Called for every row a transaction writes, it marks once."""
    _once_after_commit(health_changed, organization_id)


def health_series_changed(
    organization_id: int, *, key_results: Iterable[int] = (), indicators: Iterable[int] = ()
) -> None:
    """Key results were checked in or KPIs measured, in the current transaction: remember which,
    with the write (a rollback forgets them too), and once it commits queue a check of their
    staleness (`health_series_marked`). More than SERIES_LIMIT of them (an import) are checked
    by the full check, and so is everything without a worker: changes wait for "Check now",
    which runs the full check, so there is nothing to remember."""
    rows = [
        *(HealthSeriesChange(organization_id=organization_id, key_result_id=pk) for pk in set(key_results)),
        *(HealthSeriesChange(organization_id=organization_id, indicator_id=pk) for pk in set(indicators)),
    ]  # fmt: skip
    if len(rows) > SERIES_LIMIT or (rows and health_checks_wait_for_asking()):
        _once_after_commit(health_changed, organization_id)
    elif rows:
        HealthSeriesChange.objects.bulk_create(rows, batch_size=WRITE_BATCH)
        _once_after_commit(health_series_marked, organization_id)


def health_series_marked(organization_id: int) -> bool:
    """After check-ins or measurements committed: queue a check of their staleness, unless a
    check is waiting already (a full one covers them). An organization never checked gets the
    full check. Returns whether a check was queued; one look up of the state when one waits."""
    state = HealthState.objects.filter(organization_id=organization_id)
    row = state.values_list("checked_at", "stale_since", "series_since").first()
    if row is None or row[0] is None:
        return health_changed(organization_id)
    if row[1] is not None or row[2] is not None:
        return False  # a check is waiting already
    marked = state.filter(stale_since__isnull=True, series_since__isnull=True).update(
        series_since=timezone.now()
    )
    if marked:
        _series_enqueue(organization_id)
    return bool(marked)


def _once_after_commit(mark: Any, organization_id: int) -> None:
    """`mark(organization_id)` once the current transaction commits (at once outside one),
    however many rows of the organization the transaction writes."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        mark(organization_id)
        return
    # Django replaces its list of commit callbacks on every commit and rollback (of a savepoint
    # too), so organizations remembered against the current list are those registered in it.
    pending = connection.run_on_commit
    remembered: tuple[list[Any], set[tuple[Any, int]]] | None = getattr(
        _registered, connection.alias, None
    )
    if remembered is None or remembered[0] is not pending:
        remembered = (pending, set())
        setattr(_registered, connection.alias, remembered)
    if (mark, organization_id) in remembered[1]:
        return
    remembered[1].add((mark, organization_id))
    transaction.on_commit(lambda: mark(organization_id), robust=True)


# Per thread, as connections are: the commit-callback list seen last, the (mark, organization)
# pairs registered in it.
_registered = threading.local()


def health_check_request(organization_id: int) -> None:
    """Someone asked for a check now: queue one, whatever the state says (a queued refresh may
    have been lost). A check that starts after another has answered the request is skipped.
    Without a worker (`HEADWAY_TASKS=immediate`) it runs here, as the person asked."""
    now = timezone.now()
    HealthState.objects.filter(organization_id=organization_id, stale_since__isnull=True).update(
        stale_since=now
    )
    _refresh_enqueue(organization_id, now, asked=True)


def health_checks_wait_for_asking() -> bool:
    """Without a worker, tasks run inside the request that queues them: a change must not run
    every check in the request that made it. Its findings wait for "Check now"."""
    from headway.health.tasks import health_findings_refresh_task

    return isinstance(health_findings_refresh_task.get_backend(), ImmediateBackend)


def _refresh_enqueue(
    organization_id: int, requested: dt.datetime | None = None, *, asked: bool = False
) -> None:
    from headway.health.tasks import health_findings_refresh_task

    if not asked and health_checks_wait_for_asking():
        return
    moment = (requested or timezone.now()).isoformat()
    health_findings_refresh_task.enqueue(organization_id, moment)


def _series_enqueue(organization_id: int) -> None:
    from headway.health.tasks import health_series_refresh_task

    health_series_refresh_task.enqueue(organization_id)


# -- refreshing --------------------------------------------------------------------------------
def health_findings_refresh(
    *,
    organization: Organization,
    today: dt.date | None = None,
    requested: dt.datetime | None = None,
) -> HealthState | None:
    """Run the checks on the organization now and store their findings. None when another check
    of it is running (the changes it has not seen queue their own refresh), or when a check
    that started after `requested` has stored findings and nothing changed since."""
    started = _claim(organization.pk, requested)
    if started is None:
        return None
    began = time.monotonic()
    try:
        goals = organization_goals(organization, today=today, latest_only=True)
        findings = run_checks(goals, organization_check_settings(organization))
    except BaseException:
        HealthState.objects.filter(organization=organization).update(running_since=None)
        raise
    return health_findings_store(
        organization=organization,
        goals=goals,
        findings=findings,
        started=started,
        seconds=time.monotonic() - began,
    )


def health_findings_current(*, organization: Organization, today: dt.date) -> None:
    """Before something reads the stored findings as of `today` (the weekly send): check the
    organization now unless they are current for that day. When another check is running, it
    stores what the pages show; the reader gets the findings stored before it."""
    health_series_refresh(organization=organization, today=today)  # whichever check is due


def _claim(organization_id: int, requested: dt.datetime | None) -> dt.datetime | None:
    """Start a check: the change marks it answers are cleared now, so a change that commits
    while it runs marks the findings out of date again and queues the next refresh."""
    now = timezone.now()
    with transaction.atomic():
        state, _ = HealthState.objects.select_for_update().get_or_create(
            organization_id=organization_id
        )
        if state.running_since is not None and now - state.running_since < ABANDONED_AFTER:
            return None
        answered = (
            requested is not None
            and state.stale_since is None
            and state.checked_at is not None
            and state.checked_at >= requested
        )
        if answered:
            return None
        state.running_since = now
        state.stale_since = None
        # The check reads after this commits: it sees every check-in and measurement remembered
        # so far. Those written from now on are remembered for the check after it.
        state.series_since = None
        HealthSeriesChange.objects.filter(organization_id=organization_id).delete()
        state.save(update_fields=["running_since", "stale_since", "series_since", "updated_at"])
    return now


def health_series_refresh(
    *, organization: Organization, today: dt.date | None = None
) -> HealthState | None:
    """Check again the staleness (HW006) of the key results checked in and the KPIs measured
    since the findings were stored, and replace only their findings and the score's count. The
    full check runs instead when one is due: the findings were never checked, a change of
    another kind waits, they were judged against another day, or more than SERIES_LIMIT key
    results and KPIs changed. None when another check is running (the check-ins it has not
    seen stay remembered for the next) or nothing waits. So it runs whichever check is due."""
    today = today or timezone.localdate()
    claim = _claim_series(organization.pk, today)
    if isinstance(claim, str):  # "full"
        return health_findings_refresh(organization=organization, today=today)
    if claim is None:
        return None
    started, changes = claim
    began = time.monotonic()
    try:
        goals = series_goals(
            organization,
            key_results={kr for _, kr, _ in changes if kr is not None},
            indicators={kpi for _, _, kpi in changes if kpi is not None},
            today=today,
        )
        settings = organization_check_settings(organization)
        findings = run_checks(goals, settings, codes=SERIES_CODES)
    except BaseException:
        HealthState.objects.filter(organization=organization).update(running_since=None)
        raise
    subjects = [f"indicator:{i.id}" for i in goals.indicators]
    subjects += [f"key_result:{kr.id}" for o in goals.objectives for kr in o.key_results]
    with transaction.atomic():
        state = HealthState.objects.select_for_update().get(organization=organization)
        state.running_since = None
        stored = HealthFinding.objects.filter(organization=organization, object__in=subjects)
        before = set(stored.filter(severity__in=FLAGGED).values_list("object", flat=True))
        _replace(
            organization,
            _rows(organization, findings, named_only=True),
            stored.filter(code__in=SERIES_CODES),
        )
        after = set(stored.filter(severity__in=FLAGGED).values_list("object", flat=True))
        healed, fell = len(before - after), len(after - before)
        state.healthy = min(max(state.healthy + healed - fell, 0), state.checked)
        state.series_checked_at = started
        HealthSeriesChange.objects.filter(pk__in=[pk for pk, _, _ in changes]).delete()
        state.save(update_fields=["running_since", "healthy", "series_checked_at", "updated_at"])
    logger.info(
        "health of %s: staleness of %d key results and KPIs checked in %.2f s",
        organization.slug,
        len(subjects),
        time.monotonic() - began,
    )
    return state


Change = tuple[int, int | None, int | None]  # (id, key result, KPI) of a HealthSeriesChange


def _claim_series(
    organization_id: int, today: dt.date
) -> str | tuple[dt.datetime, list[Change]] | None:
    """Start a check of the remembered check-ins and measurements: the moment it started and
    the changes it answers; "full" when the full check is due instead; None when another check
    runs or nothing waits."""
    now = timezone.now()
    with transaction.atomic():
        state, _ = HealthState.objects.select_for_update().get_or_create(
            organization_id=organization_id
        )
        if state.running_since is not None and now - state.running_since < ABANDONED_AFTER:
            return None
        due = state.due(today)
        if due is None:
            return None
        remembered = HealthSeriesChange.objects.filter(organization_id=organization_id)
        changes = list(
            remembered.values_list("pk", "key_result_id", "indicator_id")[: SERIES_LIMIT + 1]
        )
        if due == "full" or len(changes) > SERIES_LIMIT:
            return "full"
        state.running_since = now
        state.series_since = None
        state.save(update_fields=["running_since", "series_since", "updated_at"])
    return now, changes


def health_findings_store(
    *,
    organization: Organization,
    goals: Goals,
    findings: Sequence[Finding],
    started: dt.datetime,
    seconds: float | None = None,
) -> HealthState:
    """Replace the stored findings with these, taken from `goals` as of `started`. Only what
    changed is written: a refresh after one check-in rewrites a handful of rows, not all.

    A check that started before the stored one is older news and is dropped."""
    wanted = _rows(organization, findings)
    checked = checked_objects(goals)
    flagged = {f.object for f in findings if f.severity in (Severity.WARNING, Severity.ERROR)}
    with transaction.atomic():
        state, _ = HealthState.objects.select_for_update().get_or_create(organization=organization)
        if state.running_since == started:
            state.running_since = None
        if state.checked_at is not None and state.checked_at > started:
            state.save(update_fields=["running_since", "updated_at"])
            return state
        _replace(organization, wanted)
        state.checked_at = started
        state.checked_for = goals.today
        state.seconds = seconds
        state.checked = len(checked)
        state.healthy = sum(1 for key in checked if key not in flagged)
        state.save()
    return state


Row = tuple[str, str, str, str, str, str, int | None, int | None, str]


def _replace(
    organization: Organization, wanted: list[Row], among: QuerySet[HealthFinding] | None = None
) -> None:
    """Delete the stored rows (`among` them, or all) that are not wanted, insert the wanted ones
    not stored."""
    fields = ("code", "name", "severity", "object", "message", "hint", "objective_id", "unit_id")
    stored: dict[Row, list[int]] = defaultdict(list)
    if among is None:
        among = HealthFinding.objects.filter(organization=organization)
    for pk, *values in among.values_list("pk", *fields, "url"):
        stored[tuple(values)].append(pk)
    missing: list[Row] = []
    for row in wanted:
        ids = stored.get(row)
        if ids:
            ids.pop()
        else:
            missing.append(row)
    gone = [pk for ids in stored.values() for pk in ids]
    for start in range(0, len(gone), WRITE_BATCH):
        HealthFinding.objects.filter(pk__in=gone[start : start + WRITE_BATCH]).delete()
    HealthFinding.objects.bulk_create(
        (
            HealthFinding(
                organization=organization,
                code=code,
                name=name,
                severity=severity,
                object=obj,
                message=message,
                hint=hint,
                objective_id=objective_id,
                unit_id=unit_id,
                url=url,
            )
            for code, name, severity, obj, message, hint, objective_id, unit_id, url in missing
        ),
        batch_size=WRITE_BATCH,
    )


def _rows(
    organization: Organization, findings: Sequence[Finding], *, named_only: bool = False
) -> list[Row]:
    """Each finding with its object's objective, unit and page, read in one query per kind (of
    the objects the findings name only, when few are named)."""
    places = _Places(organization.pk, findings, named_only=named_only)
    rows = []
    for finding in findings:
        objective_id, unit_id, url = places.of(finding.object)
        rows.append(
            (
                finding.code,
                finding.name,
                str(finding.severity),
                finding.object,
                finding.message,
                finding.hint,
                objective_id,
                unit_id,
                url,
            )
        )
    return rows


class _Places:
    """Where the objects of the findings live. Only the kinds the findings name are read."""

    def __init__(
        self, organization_id: int, findings: Iterable[Finding], *, named_only: bool = False
    ) -> None:
        org = organization_id
        named: dict[str, set[str]] = defaultdict(set)
        for finding in findings:
            kind, _, key = finding.object.partition(":")
            named[kind].add(key)
        kinds = set(named)
        scopes = {key.split(":", 1)[0] for key in named["scope"]}

        def only(rows: QuerySet[Any], keys: set[str]) -> QuerySet[Any]:
            return rows.filter(key__in=sorted(keys)) if named_only else rows

        self.key_results: dict[str, str] = {}
        if "key_result" in kinds:
            self.key_results = dict(
                only(
                    KeyResult.objects.filter(organization_id=org), named["key_result"]
                ).values_list("key", "objective__key")
            )
        self.objectives: dict[str, tuple[int, int | None]] = {}
        if kinds & {"objective", "key_result"}:
            keys = named["objective"] | set(self.key_results.values())
            self.objectives = {
                key: (pk, unit or person_unit)
                for key, pk, unit, person_unit in only(
                    Objective.objects.filter(organization_id=org), keys
                ).values_list("key", "pk", "scope_unit_id", "scope_person__unit_id")
            }
        indicators, areas = (
            Indicator.objects.filter(organization_id=org),
            ResultArea.objects.filter(organization_id=org),
        )
        self.indicators = (
            self._scoped(only(indicators, named["indicator"])) if "indicator" in kinds else {}
        )
        self.areas = (
            self._scoped(only(areas, named["result_area"])) if "result_area" in kinds else {}
        )
        self.people: dict[str, int | None] = {}
        if "person" in kinds or "person" in scopes:
            self.people = dict(
                Person.objects.filter(organization_id=org).values_list("email", "unit_id")
            )
        self.units: dict[str, int] = {}
        if "unit" in scopes:
            self.units = dict(Unit.objects.filter(organization_id=org).values_list("name", "pk"))

    @staticmethod
    def _scoped(rows: QuerySet[Any]) -> dict[str, tuple[int, int | None]]:
        return {
            key: (pk, unit or person_unit)
            for key, pk, unit, person_unit in rows.values_list(
                "key", "pk", "scope_unit_id", "scope_person__unit_id"
            )
        }

    def of(self, obj: str) -> tuple[int | None, int | None, str]:
        """(objective id, unit id, page) of one finding's object."""
        kind, _, key = obj.partition(":")
        if kind == "key_result":
            kind, key = "objective", self.key_results.get(key, "")
        if kind == "objective" and key in self.objectives:
            pk, unit = self.objectives[key]
            return pk, unit, f"/objectives/{pk}/"
        if kind == "indicator" and key in self.indicators:
            pk, unit = self.indicators[key]
            return None, unit, f"/kpis/{pk}/"
        if kind == "result_area" and key in self.areas:
            pk, unit = self.areas[key]
            return None, unit, f"/kras/{pk}/"
        if kind == "person":
            return None, self.people.get(key), ""
        if kind == "scope":
            scope_kind, _, name = key.partition(":")
            if scope_kind == "person":
                return None, self.people.get(name), ""
            if scope_kind == "unit":
                return None, self.units.get(name), ""
        return None, None, ""


def health_findings_refresh_due() -> int:
    """Refresh every organization whose findings are out of date or were never checked: the
    safety net under the queued refreshes (a lost task, a bulk write that marked nothing)."""
    refreshed = 0
    for organization in Organization.objects.order_by("pk"):
        state = HealthState.objects.filter(organization=organization).first()
        if state is not None and state.current():
            continue
        try:  # whichever check is due: the full one, or the check-ins' alone
            if health_series_refresh(organization=organization) is not None:
                refreshed += 1
        except Exception:
            logger.exception("health findings of %s failed", organization.slug)
    return refreshed
