"""KRA review cadences: a reminder to the KRA's owner before its review is due, and the owner's
manager told once the review is overdue by more than a grace period.

A KRA's review is due `review_cadence_days` after its last review. A KRA never reviewed is due
from the day it was created, as the health check HW008 says ("never been reviewed"). The owner
is reminded from `remind_days` before the due day (once per due day); once the due day is
`grace_days` behind, the owner's manager (the first active one up the chain) is told (once per
due day). Marking the KRA reviewed moves the due day, and so starts the next round.

Both numbers are the organization's (`Organization.settings["kra_review"]`), set by an admin on
the KRA review settings page. The hourly job acts from the hour of the organization's check-in
cadence, on its own clock; every message has a key, so a second run sends nothing twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from headway.audit.models import AuditEvent
from headway.goals.models import ResultArea
from headway.notify.escalations import escalation_recipient
from headway.notify.models import Kind, Notification
from headway.notify.selectors import cadence_book, organization_now, organization_time_zone
from headway.notify.services import notification_send
from headway.org.models import Organization, Person

logger = logging.getLogger(__name__)

SETTINGS_KEY = "kra_review"
REMIND_DAYS, GRACE_DAYS = 7, 14  # the defaults
MAX_DAYS = 365


@dataclass(frozen=True)
class ReviewPolicy:
    remind_days: int = REMIND_DAYS  # how long before the due day the owner is reminded
    grace_days: int = GRACE_DAYS  # how long after it the owner's manager is told


def review_policy_of(organization: Organization) -> ReviewPolicy:
    """The organization's policy; a missing or broken setting falls back to the defaults."""
    stored = (organization.settings or {}).get(SETTINGS_KEY) or {}
    values = {}
    for name, default in (("remind_days", REMIND_DAYS), ("grace_days", GRACE_DAYS)):
        value = stored.get(name, default) if isinstance(stored, dict) else default
        values[name] = value if isinstance(value, int) and 0 <= value <= MAX_DAYS else default
    return ReviewPolicy(**values)


@transaction.atomic
def review_policy_set(
    *, organization: Organization, remind_days: int, grace_days: int, actor: Person | None
) -> ReviewPolicy:
    errors = {}
    if not 0 <= remind_days <= MAX_DAYS:
        errors["remind_days"] = f"From 0 to {MAX_DAYS} days."
    if not 0 <= grace_days <= MAX_DAYS:
        errors["grace_days"] = f"From 0 to {MAX_DAYS} days."
    if errors:
        raise ValidationError(errors)
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    before = review_policy_of(organization)
    after = ReviewPolicy(remind_days=remind_days, grace_days=grace_days)
    if before == after and SETTINGS_KEY in (organization.settings or {}):
        return after
    organization.settings = {
        **(organization.settings or {}),
        SETTINGS_KEY: {"remind_days": remind_days, "grace_days": grace_days},
    }
    organization.save(update_fields=["settings", "updated_at"])
    AuditEvent.objects.create(
        organization_id=organization.pk,
        actor=actor,
        actor_label=str(actor) if actor else "system",
        action=AuditEvent.Action.UPDATE,
        object_type="organization",
        object_id=organization.pk,
        object_repr=str(organization)[:300],
        changes={
            f"kra_review.{name}": [getattr(before, name), getattr(after, name)]
            for name in ("remind_days", "grace_days")
            if getattr(before, name) != getattr(after, name)
        },
    )
    return after


# -- when -------------------------------------------------------------------------------------
def review_due_on(area: ResultArea, organization: Organization) -> dt.date:
    """The day the KRA's next review is due, on the organization's calendar."""
    zone = organization_time_zone(organization)
    if area.last_reviewed_at is None:
        return area.created_at.astimezone(zone).date()
    reviewed = area.last_reviewed_at.astimezone(zone).date()
    return reviewed + dt.timedelta(days=area.review_cadence_days)


def responsible_for(area: ResultArea) -> Person | None:
    """Who answers for the KRA's review: its owner, else the person whose KRA it is, else the
    head of its unit."""
    if area.owner is not None:
        return area.owner
    if area.scope_person is not None:
        return area.scope_person
    if area.scope_unit is not None:
        return area.scope_unit.head
    return None


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


def _describe(area: ResultArea, due: dt.date, today: dt.date) -> str:
    if area.last_reviewed_at is None:
        return "never reviewed"
    last = f"last reviewed on {_day(due - dt.timedelta(days=area.review_cadence_days))}"
    if due > today:
        return f"{last}; the review is due on {_day(due)}"
    if due == today:
        return f"{last}; the review is due today"
    late = (today - due).days
    return f"{last}; the review is {late} day{'' if late == 1 else 's'} overdue"


def reminder_key(area: ResultArea, due: dt.date) -> str:
    return f"kra-review:{area.pk}:{due.isoformat()}"


def escalation_key(area: ResultArea, due: dt.date) -> str:
    return f"kra-review-overdue:{area.pk}:{due.isoformat()}"


# -- sending ----------------------------------------------------------------------------------
def _remind(area: ResultArea, owner: Person, due: dt.date, today: dt.date) -> Notification | None:
    if due > today:
        title = f"Your KRA “{area.name}” is due for review on {_day(due)}"
    elif area.last_reviewed_at is None:
        title = f"Your KRA “{area.name}” has never been reviewed"
    else:
        title = f"Your KRA “{area.name}” is due for review"
    return notification_send(
        person=owner,
        kind=Kind.KRA_REVIEW,
        title=title,
        body=(
            "Is it still one of the few vital areas, is it measured by the right KPIs, and is "
            "it owned? Open it, look, and mark it reviewed with a short note."
        ),
        url=reverse("result-area", args=[area.pk]),
        key=reminder_key(area, due),
        items=[{"title": area.name, "detail": _describe(area, due, today)}],
    )


def _escalate(
    area: ResultArea, owner: Person, manager: Person, due: dt.date, today: dt.date
) -> Notification | None:
    return notification_send(
        person=manager,
        kind=Kind.KRA_REVIEW_OVERDUE,
        title=f"{owner.name}'s KRA “{area.name}” is overdue for review",
        body=(
            f"{owner.name} answers for this KRA and reports to you. Its review is overdue: "
            "a KRA nobody reviews drifts from what matters. Ask them to review it, or review "
            "it together."
        ),
        url=reverse("result-area", args=[area.pk]),
        key=escalation_key(area, due),
        items=[{"title": area.name, "detail": _describe(area, due, today)}],
    )


def organization_reviews_send(*, organization: Organization, now: dt.datetime) -> dict[str, int]:
    """The review reminders and escalations of one organization that are due now."""
    counts = {"reminders": 0, "escalations": 0}
    now_local = organization_now(organization, now)
    if now_local.hour < cadence_book(organization_id=organization.pk).organization.hour:
        return counts
    today = now_local.date()
    policy = review_policy_of(organization)
    areas = ResultArea.objects.filter(
        organization=organization, state=ResultArea.State.ACTIVE
    ).select_related("owner", "scope_person", "scope_unit__head")
    candidates: list[tuple[str, ResultArea, dt.date]] = []
    for area in areas:
        due = review_due_on(area, organization)
        if today >= due - dt.timedelta(days=policy.remind_days):
            candidates.append(("remind", area, due))
        if today >= due + dt.timedelta(days=policy.grace_days):
            candidates.append(("escalate", area, due))
    if not candidates:
        return counts
    keys = {
        reminder_key(area, due) if what == "remind" else escalation_key(area, due)
        for what, area, due in candidates
    }
    sent = set(
        Notification.objects.filter(organization=organization, key__in=keys).values_list(
            "key", flat=True
        )
    )
    for what, area, due in candidates:
        owner = responsible_for(area)
        if owner is None:
            continue
        if what == "remind":
            if reminder_key(area, due) not in sent and _remind(area, owner, due, today):
                counts["reminders"] += 1
            continue
        if escalation_key(area, due) in sent:
            continue
        manager = escalation_recipient(owner)
        if manager is not None and _escalate(area, owner, manager, due, today):
            counts["escalations"] += 1
    return counts


def kra_reviews_send(*, now: dt.datetime | None = None) -> dict[str, Any]:
    """Every organization's KRA review reminders and escalations due now (hourly, worker)."""
    now = now or timezone.now()
    total = {"reminders": 0, "escalations": 0}
    for organization in Organization.objects.order_by("pk"):
        for name, count in organization_reviews_send(organization=organization, now=now).items():
            total[name] += count
    logger.info(
        "Sent %s KRA review reminder(s) and %s escalation(s)",
        total["reminders"],
        total["escalations"],
    )
    return total
