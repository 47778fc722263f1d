"""Daily health snapshots and the trend they make.

The score of a past day cannot be recomputed faithfully (goals change, rows are deleted), so
each day's is kept: the worker's daily job calls `health_snapshot_take_all`, and
`headway health --snapshot` stores one by hand. Taking the same day twice updates its row. The
same run replaces the findings the pages show, which the date alone can change overnight.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

from django.db import transaction
from django.utils import timezone

from headway.core.checks import Finding, checked_objects, health_score, run_checks
from headway.core.model import Goals, Severity
from headway.goals.snapshot import organization_goals
from headway.health.models import HealthSnapshot
from headway.health.selectors import organization_check_settings
from headway.health.services import health_findings_store
from headway.org.models import Organization, Period

logger = logging.getLogger(__name__)

SCORE_PLACES = Decimal("0.0001")


def score_decimal(score: Fraction | None) -> Decimal | None:
    """A score as stored: four decimals, rounded half to even."""
    if score is None:
        return None
    exact = Decimal(score.numerator) / Decimal(score.denominator)
    return exact.quantize(SCORE_PLACES, rounding=ROUND_HALF_EVEN)


def health_snapshot_save(
    *, organization: Organization, goals: Goals, findings: Sequence[Finding]
) -> HealthSnapshot:
    """Keep the findings of the whole organization's `goals` as the snapshot of `goals.today`;
    a snapshot of that day already kept is replaced."""
    severities = Counter(f.severity for f in findings)
    by_code = Counter(f.code for f in findings)
    with transaction.atomic():
        snapshot, _ = HealthSnapshot.objects.update_or_create(
            organization=organization,
            date=goals.today,
            defaults={
                "score": score_decimal(health_score(goals, findings)),
                "checked": len(checked_objects(goals)),
                "errors": severities[Severity.ERROR],
                "warnings": severities[Severity.WARNING],
                "notes": severities[Severity.INFO],
                "by_code": dict(sorted(by_code.items())),
            },
        )
    return snapshot


def health_snapshot_take(
    *, organization: Organization, today: dt.date, store: bool = True
) -> HealthSnapshot:
    """Run the checks on the organization as of `today` and keep the result as that day's;
    with `store`, the findings the pages show are replaced by the same run's."""
    started, began = timezone.now(), time.monotonic()
    goals = organization_goals(organization, today=today, latest_only=True)
    findings = run_checks(goals, organization_check_settings(organization))
    if store:
        health_findings_store(
            organization=organization, goals=goals, findings=findings, started=started,
            seconds=time.monotonic() - began,
        )  # fmt: skip
    return health_snapshot_save(organization=organization, goals=goals, findings=findings)


def health_snapshot_take_all(*, today: dt.date | None = None) -> int:
    """Take today's snapshot of every organization; returns how many were taken.

    One organization whose checks fail (a contradictory setting, say) is logged and skipped, so
    it cannot cost the others their day.
    """
    today = today or timezone.localdate()
    taken = 0
    for organization in Organization.objects.order_by("id"):
        try:
            health_snapshot_take(organization=organization, today=today)
        except Exception:
            logger.exception("health snapshot of %s on %s failed", organization.slug, today)
            continue
        taken += 1
    return taken


def health_trend(
    *, organization: Organization, today: dt.date | None = None, days: int = 30
) -> list[HealthSnapshot]:
    """The snapshots of the `days` days up to and including `today`, oldest first.

    A day without a snapshot (the worker was down) is simply missing, not guessed.
    """
    today = today or timezone.localdate()
    first = today - dt.timedelta(days=days - 1)
    return list(
        HealthSnapshot.objects.filter(
            organization=organization, date__gte=first, date__lte=today
        ).order_by("date")
    )


@dataclass(frozen=True)
class PeriodScore:
    """The score at the end of one period: its last snapshot, or None without one."""

    period: str
    start: dt.date
    end: dt.date
    date: dt.date | None  # the snapshot's day; before `end` while the period runs
    score: Decimal | None
    running: bool


def _trend_kind(periods: list[Period], today: dt.date) -> str | None:
    """The kind of period to compare: the shortest one running today (a quarter inside a
    year), else the kind of the latest one that has started."""
    running = [p for p in periods if p.start <= today <= p.end]
    if running:
        return min(running, key=lambda p: (p.end - p.start, p.start)).kind
    started = [p for p in periods if p.start <= today]
    return max(started, key=lambda p: p.start).kind if started else None


def health_trend_by_period(
    *, organization: Organization, today: dt.date | None = None, count: int = 4
) -> list[PeriodScore]:
    """The score at the end of each of the last `count` periods of one kind, oldest first.

    A period still running shows its latest snapshot so far. Two queries, whatever the history.
    """
    today = today or timezone.localdate()
    periods = list(
        Period.objects.filter(organization=organization, start__lte=today).order_by("start", "id")
    )
    kind = _trend_kind(periods, today)
    chosen = [p for p in periods if p.kind == kind][-count:] if count > 0 else []
    if not chosen:
        return []
    rows = list(
        HealthSnapshot.objects.filter(
            organization=organization, date__gte=chosen[0].start, date__lte=today
        )
        .order_by("date")
        .values_list("date", "score")
    )
    scores = []
    for period in chosen:
        last = min(period.end, today)
        inside = [(date, score) for date, score in rows if period.start <= date <= last]
        date, score = inside[-1] if inside else (None, None)
        scores.append(
            PeriodScore(
                period=period.name,
                start=period.start,
                end=period.end,
                date=date,
                score=score,
                running=period.end >= today,
            )
        )
    return scores
