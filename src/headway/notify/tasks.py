"""Background work of notifications, run by `headway worker`: the scheduled jobs (see
`headway.notify.schedule`) and one task per email. Each is safe to run twice."""

from __future__ import annotations

import datetime as dt
import importlib
import logging

from django_tasks import task

from headway.notify import prepared, reviews, services, summary

logger = logging.getLogger(__name__)
SNAPSHOTS = "headway.health.snapshots"


@task()
def checkin_reminders_send() -> int:
    """Hourly: every check-in reminder digest that is due (at most one per person and day)."""
    return services.checkin_digests_send()


@task()
def kra_reviews_send() -> str:
    """Hourly: KRA review reminders to owners, and overdue reviews told to their managers."""
    counts = reviews.kra_reviews_send()
    return f"reminders: {counts['reminders']}, escalations: {counts['escalations']}"


@task()
def weekly_summaries_send() -> int:
    """Hourly: each leader's weekly summary, on the organization's check-in day at its hour."""
    return summary.weekly_summaries_send()


@task()
def weekly_summary_prepare(person_id: int, day: str) -> str:
    """Prepare one leader's weekly summary for the page (a large scope's, or an earlier week's)."""
    row = prepared.summary_prepare(person_id=person_id, day=dt.date.fromisoformat(day))
    return "nobody to prepare it for" if row is None else f"prepared in {row.seconds or 0:.1f} s"


@task()
def notification_email_send(notification_id: int) -> str:
    """Email one notification; a second run finds it claimed and sends nothing."""
    return services.notification_email_send(notification_id=notification_id)


@task()
def notification_emails_send_due() -> int:
    """Hourly: emails held back by a quiet period that has ended, and any left pending."""
    return services.notification_emails_send_due()


@task()
def health_snapshots_take() -> str:
    """Daily: a snapshot of every organization's health score, for its trend. Skipped (with a
    log line) while the health snapshots module is not installed."""
    try:
        module = importlib.import_module(SNAPSHOTS)
    except ModuleNotFoundError as error:
        if error.name != SNAPSHOTS:
            raise  # the module is there but broken: that must show
        logger.warning("Health snapshots skipped: %s is not installed yet.", SNAPSHOTS)
        return f"skipped: {SNAPSHOTS} is not installed"
    result = module.health_snapshot_take_all()
    if isinstance(result, list | tuple):
        return f"taken: {len(result)}"
    return f"taken: {result}" if isinstance(result, int) else "taken"
