"""Every write of notifications, notification settings and check-in cadences, and the check-in
reminder digest.

`notification_send` is the one way to tell a person something: it respects their settings, keeps
one notification per (person, key) however often it is called, and emails after the caller's
transaction commits, from the background worker. Each email is claimed by one conditional UPDATE
before it is sent, so a task run twice sends nothing twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from headway import access
from headway.audit.models import AuditEvent
from headway.audit.services import audit_record, snapshot
from headway.goals.models import KeyResult
from headway.goals.selectors import check_in_stale_before, check_ins_due_by_owner
from headway.notify.cadence import Cadence
from headway.notify.mail import notification_email
from headway.notify.models import CheckInCadence, Kind, Notification, NotificationSettings
from headway.notify.selectors import (
    CadenceBook,
    cadence_book,
    is_quiet,
    key_results_due,
    notification_settings_of,
    organization_now,
)
from headway.notify.unsubscribe import DIGEST, EMAIL, SUMMARY
from headway.org.models import Organization, Person, Unit
from headway.web.templatetags.headway import number

logger = logging.getLogger(__name__)

# A pending email older than this was never sent (the queue refused it, or a worker died).
STRANDED_AFTER = dt.timedelta(minutes=15)
SETTINGS_FIELDS = {"email", "in_app", "digest", "weekly_summary", "paused_until"}
KEY_LENGTH, KIND_LENGTH, URL_LENGTH = 200, 40, 500  # the columns of Notification


# -- sending ----------------------------------------------------------------------------------
def notification_send(
    *,
    person: Person,
    kind: str,
    title: str,
    body: str,
    url: str,
    key: str,
    email: bool = True,
    items: Iterable[dict[str, str]] = (),
) -> Notification | None:
    """Tell a person something: listed in Headway (unless they turned that off) and emailed
    (unless `email` is False or they turned email off; held back through a quiet period).

    `key` identifies the message ("checkin-digest:2026-11-16"): a second call with the same key
    for the same person does nothing and returns None, as it does for an inactive person."""
    if not key or len(key) > KEY_LENGTH or len(kind) > KIND_LENGTH or len(url) > URL_LENGTH:
        raise ValueError("notification_send: key (1–200), kind (≤ 40) or url (≤ 500) too long")
    if not person.active:
        return None
    if Notification.objects.filter(person=person, key=key).exists():
        return None
    prefs = notification_settings_of(person)
    today = organization_now(person.organization).date()
    status = Notification.Email.NONE
    if email and prefs.email and person.email:
        quiet = is_quiet(prefs, today)
        status = Notification.Email.DEFERRED if quiet else Notification.Email.PENDING
    notification = Notification(
        organization_id=person.organization_id,
        person=person,
        kind=kind,
        title=title[:200],
        body=body,
        url=url,
        items=list(items),
        key=key,
        in_app=prefs.in_app,
        email_status=status,
    )
    try:
        with transaction.atomic():
            notification.save()
    except IntegrityError:  # another worker sent it a moment ago
        return None
    if status == Notification.Email.PENDING:
        # robust: a queue that refuses must not undo the caller's write; the hourly
        # `notification_emails_send_due` job sends what was left pending.
        transaction.on_commit(partial(_email_enqueue, notification.pk), robust=True)
    return notification


def _email_enqueue(notification_id: int) -> None:
    from headway.notify.tasks import notification_email_send

    notification_email_send.enqueue(notification_id)


def notification_email_send(*, notification_id: int) -> str:
    """Email one notification, at most once: claimed by moving it from pending to sent."""
    claimed = Notification.objects.filter(
        pk=notification_id, email_status=Notification.Email.PENDING
    ).update(email_status=Notification.Email.SENT, emailed_at=timezone.now())
    if not claimed:
        return "nothing to send"
    notification = Notification.objects.select_related("person").get(pk=notification_id)
    person = notification.person
    if not person.active or not notification_settings_of(person).email:
        Notification.objects.filter(pk=notification_id).update(
            email_status=Notification.Email.NONE, emailed_at=None
        )
        return "not wanted any more"
    try:
        notification_email(notification, person).send()
    except Exception:
        logger.exception("Email of notification %s to %s failed", notification_id, person.email)
        Notification.objects.filter(pk=notification_id).update(
            email_status=Notification.Email.FAILED
        )
        return "failed"
    return "sent"


def notification_emails_send_due(*, now: dt.datetime | None = None) -> int:
    """Send the emails held back for a quiet period that is over (unless the notification was
    read in Headway meanwhile), and any left pending by a queue outage. Returns how many."""
    now = now or timezone.now()
    sent = 0
    held = list(
        Notification.objects.filter(email_status=Notification.Email.DEFERRED).select_related(
            "person__organization"
        )
    )
    prefs = {
        p.person_id: p
        for p in NotificationSettings.objects.filter(person_id__in={n.person_id for n in held})
    }
    for notification in held:
        person = notification.person
        today = organization_now(person.organization, now).date()
        mine = prefs.get(person.pk) or NotificationSettings(person_id=person.pk)
        if is_quiet(mine, today):
            continue
        after = Notification.Email.PENDING
        if notification.in_app and notification.read_at is not None:
            after = Notification.Email.NONE  # read already: no need to email it
        moved = Notification.objects.filter(
            pk=notification.pk, email_status=Notification.Email.DEFERRED
        ).update(email_status=after)
        if moved and after == Notification.Email.PENDING:
            sent += notification_email_send(notification_id=notification.pk) == "sent"
    stranded = Notification.objects.filter(
        email_status=Notification.Email.PENDING, created_at__lt=now - STRANDED_AFTER
    ).values_list("pk", flat=True)
    for pk in list(stranded):
        sent += notification_email_send(notification_id=pk) == "sent"
    return sent


# -- reading ----------------------------------------------------------------------------------
def notification_mark_read(*, notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at", "updated_at"])
    return notification


def notifications_mark_all_read(*, person: Person) -> int:
    return Notification.objects.filter(
        organization_id=person.organization_id, person=person, read_at__isnull=True
    ).update(read_at=timezone.now(), updated_at=timezone.now())


# -- settings ---------------------------------------------------------------------------------
@transaction.atomic
def notification_settings_update(*, person: Person, **fields: Any) -> NotificationSettings:
    """Change what the person hears about: email, in_app, digest (on/off), paused_until."""
    unknown = set(fields) - SETTINGS_FIELDS
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This cannot be changed here."))
    prefs, _ = NotificationSettings.objects.select_for_update().get_or_create(
        person=person, defaults={"organization_id": person.organization_id}
    )
    for name, value in fields.items():
        setattr(prefs, name, value)
    prefs.save()
    return prefs


def unsubscribe_apply(*, person: Person, purpose: str) -> NotificationSettings:
    """What an unsubscribe link does: stop the check-in reminders, the weekly summary, or every
    email."""
    if purpose == DIGEST:
        return notification_settings_update(person=person, digest=False)
    if purpose == SUMMARY:
        return notification_settings_update(person=person, weekly_summary=False)
    if purpose == EMAIL:
        return notification_settings_update(person=person, email=False)
    raise ValidationError({"purpose": "Unknown unsubscribe purpose."})


# -- cadences ---------------------------------------------------------------------------------
@transaction.atomic
def cadence_set(
    *,
    organization: Organization,
    unit: Unit | None = None,
    weekday: int = 0,
    every_weeks: int = 1,
    hour: int = 9,
    starts_on: dt.date | None = None,
    actor: Person | None = None,
) -> CheckInCadence:
    """Set the organization's check-in cadence, or a unit's override (for its whole subtree)."""
    errors = {}
    if not 0 <= weekday <= 6:
        errors["weekday"] = "Choose a day of the week."
    if not 1 <= every_weeks <= 12:
        errors["every_weeks"] = "Every 1 to 12 weeks."
    if not 0 <= hour <= 23:
        errors["hour"] = "An hour from 0 to 23."
    if unit is not None and unit.organization_id != organization.pk:
        errors["unit"] = "That unit is not in this organization."
    if errors:
        raise ValidationError(errors)
    row = CheckInCadence.objects.filter(organization=organization, unit=unit).first()
    before = snapshot(row) if row else None
    row = row or CheckInCadence(organization=organization, unit=unit)
    row.weekday, row.every_weeks, row.hour, row.starts_on = weekday, every_weeks, hour, starts_on
    row.save()
    action = AuditEvent.Action.UPDATE if before else AuditEvent.Action.CREATE
    audit_record(instance=row, action=action, actor=actor, before=before)
    return row


@transaction.atomic
def cadence_remove(*, cadence: CheckInCadence, actor: Person | None = None) -> None:
    """Drop an override (its unit follows the cadence above it again) or the organization's
    own cadence (back to weekly on Monday)."""
    audit_record(instance=cadence, action=AuditEvent.Action.DELETE, actor=actor,
                 before=snapshot(cadence))  # fmt: skip
    cadence.delete()


# -- the check-in reminder digest -------------------------------------------------------------
@dataclass(frozen=True)
class DigestDue:
    """A person whose digest for the check-in day `day` is due `today` (later than `day` when a
    quiet period deferred it)."""

    person: Person
    cadence: Cadence
    day: dt.date
    today: dt.date


def digest_key(day: dt.date) -> str:
    return f"checkin-digest:{day.isoformat()}"


def digest_day(
    cadence: Cadence, prefs: NotificationSettings, now_local: dt.datetime
) -> dt.date | None:
    """The check-in day whose digest should go out now, if any: today once the cadence's hour has
    come, or the latest check-in day when a quiet period covered it and has just ended."""
    if now_local.hour < cadence.hour:
        return None
    today = now_local.date()
    if is_quiet(prefs, today):
        return None  # deferred: sent after the quiet period
    day = cadence.latest_day(today)
    if day is None:
        return None
    if day == today:
        return day
    paused = prefs.paused_until
    if paused is not None and day <= paused < today:
        return day
    return None


def _target_text(kr: KeyResult) -> str:
    unit = f" {kr.unit_label}" if kr.unit_label and kr.unit_label != "%" else kr.unit_label
    if kr.kind == KeyResult.Kind.BOOLEAN:
        return "done" if kr.done else "not done yet"
    if kr.kind == KeyResult.Kind.MILESTONES:
        progress = f"{Decimal(kr.progress or 0) * 100:.0f}%"
        return f"{progress} of its milestones done"
    now = number(kr.current if kr.current is not None else kr.start)
    if kr.direction == KeyResult.Direction.WITHIN:
        target = f"{number(kr.lower)}–{number(kr.upper)}"
    elif kr.direction == KeyResult.Direction.AT_LEAST:
        target = f"at least {number(kr.target)}"
    elif kr.direction == KeyResult.Direction.AT_MOST:
        target = f"at most {number(kr.target)}"
    else:
        target = number(kr.target)
    return f"now {now}{unit}, target {target}{unit}"


def digest_items(person: Person, key_results: list[KeyResult]) -> list[dict[str, str]]:
    """One line per key result: its title, the objective (only when the person may see it),
    its current value and its target."""
    items = []
    for kr in key_results:
        detail = _target_text(kr)
        if access.objective_visible(person, kr.objective):
            detail = f"{detail} (objective: {kr.objective.title})"
        items.append({"title": kr.title, "detail": detail})
    return items


def digest_title(count: int) -> str:
    return f"{count} key result{'' if count == 1 else 's'} to check in on"


def checkin_digest_send(
    *, person: Person, cadence: Cadence, day: dt.date, today: dt.date | None = None
) -> Notification | None:
    """The reminder for one check-in day: exactly the key results the person owns that are due
    (as of `today`, the day itself unless it was deferred), and one link to the check-in page.
    Nothing due, nothing sent."""
    due = key_results_due(person=person, today=today or day, cadence=cadence)
    if not due:
        return None
    return notification_send(
        person=person,
        kind=Kind.CHECKIN_DIGEST,
        title=digest_title(len(due)),
        body=(
            "Time to check in. Give "
            + ("this key result" if len(due) == 1 else f"these {len(due)} key results")
            + " a new value and your confidence: it takes a minute, on one screen."
        ),
        url=reverse("check-in"),
        key=digest_key(day),
        items=digest_items(person, due),
    )


def digests_due(*, organization: Organization, now: dt.datetime) -> list[DigestDue]:
    """Active people of the organization whose digest is due now and not sent yet."""
    now_local = organization_now(organization, now)
    today = now_local.date()
    book: CadenceBook = cadence_book(organization_id=organization.pk)
    # Who owns a key result due at the shortest cadence, in one query: nobody else can have one
    # due, and on a check-in day that is everyone who checked in already (each hour, again).
    shortest = min(c.days for c in [book.organization, *book.by_unit_path.values()])
    oldest = check_ins_due_by_owner(
        organization_id=organization.pk, today=today, cadence_days=shortest
    )
    if not oldest:
        return []
    people = Person.objects.filter(organization=organization, active=True).select_related(
        "unit", "organization"
    )
    prefs = {p.person_id: p for p in NotificationSettings.objects.filter(organization=organization)}
    candidates = []
    for person in people:
        if person.pk not in oldest:
            continue
        mine = prefs.get(person.pk) or NotificationSettings(person_id=person.pk)
        if not mine.digest:
            continue
        cadence = book.for_unit(person.unit)
        if oldest[person.pk] >= check_in_stale_before(today, cadence.days):
            continue  # due at a shorter cadence than theirs: nothing due for them
        day = digest_day(cadence, mine, now_local)
        if day is not None:
            candidates.append(DigestDue(person, cadence, day, today))
    sent = set(
        Notification.objects.filter(
            organization=organization,
            person_id__in=[c.person.pk for c in candidates],
            key__in={digest_key(c.day) for c in candidates},
        ).values_list("person_id", "key")
    )
    return [c for c in candidates if (c.person.pk, digest_key(c.day)) not in sent]


def checkin_digests_send(*, now: dt.datetime | None = None) -> int:
    """Every organization's check-in reminders that are due now (run hourly by the worker).
    Returns how many digests were sent."""
    now = now or timezone.now()
    count = 0
    for organization in Organization.objects.order_by("pk"):
        for due in digests_due(organization=organization, now=now):
            sent = checkin_digest_send(
                person=due.person, cadence=due.cadence, day=due.day, today=due.today
            )
            if sent is not None:
                count += 1
    logger.info("Sent %s check-in reminder digest(s)", count)
    return count
