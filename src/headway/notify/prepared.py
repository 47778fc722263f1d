"""Weekly summaries the worker prepares for the page: an earlier week's (stored as it was sent,
or prepared when first asked for: it means evaluating the organization as of then) and the
current week's of a scope too large to read during a request (a division's or the whole
organization's at 50,000 people: tens of seconds). The page shows the prepared one and, while
a newer one is prepared, says so and updates itself."""

from __future__ import annotations

import datetime as dt
import logging
import time

from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from headway.notify.models import PreparedSummary
from headway.notify.summary import Scope, WeeklySummary, summary_for_page
from headway.org.models import Person

logger = logging.getLogger(__name__)

BODY = "notify/_summary_body.html"
# People in a scope above which its current week is prepared by the worker: a scope of 1,000
# people (about 4,000 objectives) reads in about a second at 50,000 people (BENCHMARKS.md).
PREPARE_ABOVE = 1_000
FRESH = dt.timedelta(minutes=15)  # a current week's prepared summary is shown this long
ABANDONED_AFTER = dt.timedelta(minutes=30)  # a preparation asked for longer ago is asked again


def summary_body(summary: WeeklySummary) -> SafeString:
    """The summary's sections as the page shows them."""
    return mark_safe(render_to_string(BODY, {"summary": summary}))  # the template escapes


def prepared_by_worker(scope: Scope, *, current: bool) -> bool:
    """Whether the page shows a prepared summary: every earlier week, and the current week of a
    large scope (read with `scope_of(person, at_most=PREPARE_ABOVE)`)."""
    return not current or not scope.complete or len(scope.people) > PREPARE_ABOVE


def summary_prepared(*, person: Person, day: dt.date, current: bool) -> PreparedSummary:
    """The person's prepared summary for `day`, asking the worker for one (once) when there is
    none yet or the current week's is older than FRESH. With tasks run at once (no worker) it
    is prepared before this returns."""
    row = _row(person, day)
    now = timezone.now()
    due = row.prepared_at is None or (current and row.prepared_at < now - FRESH)
    asked = row.requested_at is not None and row.requested_at > now - ABANDONED_AFTER
    if due and not asked:
        from headway.notify.tasks import weekly_summary_prepare

        PreparedSummary.objects.filter(pk=row.pk).update(requested_at=now)
        weekly_summary_prepare.enqueue(person.pk, day.isoformat())
        row.refresh_from_db()
    return row


def _row(person: Person, day: dt.date) -> PreparedSummary:
    row = PreparedSummary.objects.filter(
        organization_id=person.organization_id, person=person, day=day
    ).first()
    if row is not None:
        return row
    try:
        with transaction.atomic():
            return PreparedSummary.objects.create(
                organization_id=person.organization_id, person=person, day=day
            )
    except IntegrityError:  # another request made it meanwhile
        return PreparedSummary.objects.get(
            organization_id=person.organization_id, person=person, day=day
        )


def summary_prepare(*, person_id: int, day: dt.date) -> PreparedSummary | None:
    """Prepare and store the person's summary for `day` (the current week's up to now when `day`
    is today). Nothing for someone gone or inactive."""
    person = (
        Person.objects.select_related("organization", "unit").filter(pk=person_id, active=True)
    ).first()
    if person is None:
        return None
    began = time.perf_counter()
    summary = summary_for_page(person=person, week=day)  # today's: the current week up to now
    return summary_store(summary, seconds=time.perf_counter() - began)


def summary_store(summary: WeeklySummary, *, seconds: float | None = None) -> PreparedSummary:
    """Keep a summary as the page shows it (the worker's weekly send keeps each one it sends)."""
    person = summary.person
    row, _ = PreparedSummary.objects.update_or_create(
        organization_id=person.organization_id,
        person=person,
        day=summary.day,
        defaults={
            "since": summary.since,
            "html": summary_body(summary),
            "prepared_at": timezone.now(),
            "seconds": seconds,
            "requested_at": None,
        },
    )
    logger.info("Prepared the weekly summary of %s for %s", person.pk, summary.day)
    return row
