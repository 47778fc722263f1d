"""Escalation of trouble: when a key result turns off track, or its confidence drops by 3 points
or more, its owner's manager hears of it (in Headway, by email, and through the organization's
webhooks), at most once per key result in any seven days.

The rollup calls `key_result_changed` with a key result's freshly computed values before it
writes them, so every path that moves a key result (a check-in, a KPI measurement, an edit, an
aligned objective, the passing of time in a recompute) escalates the same way. Everything is
written in the caller's transaction: a rolled-back check-in escalates nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from headway import access
from headway.goals import status_log
from headway.goals.models import KeyResult, Objective, Status
from headway.notify.models import Escalation, Kind
from headway.notify.selectors import organization_now
from headway.notify.services import notification_send
from headway.org.models import Organization, Person
from headway.webhooks import events as webhook_events

logger = logging.getLogger(__name__)

CONFIDENCE_DROP = 3  # points on the 0–10 scale
QUIET_FOR = dt.timedelta(days=7)  # after an escalation, none for the same key result
MAX_CHAIN = 50  # managers looked at, up the chain, for an active one


def escalation_reasons(kr: KeyResult, new: dict[str, Any]) -> list[str]:
    """Why the change from the stored values to `new` is worth a manager's attention."""
    reasons = []
    # A key result's first standing (from "no data") is where it starts, not a turn for the worse.
    turned = kr.status not in (Status.OFF_TRACK, Status.NO_DATA)
    if new.get("status") == Status.OFF_TRACK and turned:
        reasons.append(Escalation.Reason.OFF_TRACK.value)
    before, after = kr.confidence, new.get("confidence")
    if before is not None and after is not None and before - after >= CONFIDENCE_DROP:
        reasons.append(Escalation.Reason.CONFIDENCE.value)
    return reasons


def escalation_recipient(owner: Person) -> Person | None:
    """The owner's manager, or the first active one above when the manager has left."""
    seen = {owner.pk}
    manager_id = owner.manager_id
    while manager_id is not None and manager_id not in seen and len(seen) <= MAX_CHAIN:
        manager = Person.objects.filter(
            organization_id=owner.organization_id, pk=manager_id
        ).first()
        if manager is None:
            return None
        if manager.active:
            return manager
        seen.add(manager.pk)
        manager_id = manager.manager_id
    return None


def week_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def key_result_changed(kr: KeyResult, new: dict[str, Any]) -> Escalation | None:
    """Escalate when `new` turns the key result off track or drops its confidence by 3+."""
    reasons = escalation_reasons(kr, new)
    if not reasons or kr.pk is None or kr.state == KeyResult.State.CANCELLED:
        return None
    if not status_log.recording():
        return None
    objective = Objective.objects.select_related("owner", "period").get(pk=kr.objective_id)
    owner = (
        Person.objects.filter(pk=kr.owner_id).first() if kr.owner_id is not None else None
    ) or objective.owner
    if owner is None:
        return None
    manager = escalation_recipient(owner)
    if manager is None:
        return None  # the top of the organization: nobody above to tell
    now = timezone.now()
    if Escalation.objects.filter(
        organization_id=kr.organization_id, key_result_id=kr.pk, created_at__gt=now - QUIET_FOR
    ).exists():
        return None
    organization = Organization.objects.get(pk=kr.organization_id)
    escalation = Escalation(
        organization_id=kr.organization_id,
        key_result_id=kr.pk,
        owner=owner,
        manager=manager,
        reasons=reasons,
        status_before=kr.status,
        status_after=new.get("status") or "",
        confidence_before=kr.confidence,
        confidence_after=new.get("confidence"),
        week=week_of(organization_now(organization, now).date()),
    )
    try:
        with transaction.atomic():
            escalation.save()
    except IntegrityError:  # another check-in of this key result escalated it this week
        return None
    _tell_manager(escalation, kr, objective, owner, manager)
    webhook_events.key_result_escalated(
        escalation=escalation, kr=kr, new=new, objective=objective, owner=owner, manager=manager
    )
    return escalation


def _why(escalation: Escalation) -> str:
    parts = []
    if Escalation.Reason.OFF_TRACK in escalation.reasons:
        parts.append(f"turned off track (was {Status(escalation.status_before).label.lower()})")
    if Escalation.Reason.CONFIDENCE in escalation.reasons:
        parts.append(
            f"confidence fell from {escalation.confidence_before} to "
            f"{escalation.confidence_after} out of 10"
        )
    return " and ".join(parts)


def _tell_manager(
    escalation: Escalation, kr: KeyResult, objective: Objective, owner: Person, manager: Person
) -> None:
    sees_objective = access.objective_visible(manager, objective)
    url = (
        reverse("objective", args=[objective.pk])
        if sees_objective
        else reverse("scorecard-person", args=[owner.pk])
    )
    detail = _why(escalation)
    if sees_objective:
        detail += f" (objective: {objective.title})"
    title = (
        f"{owner.name}'s key result is off track"
        if Escalation.Reason.OFF_TRACK in escalation.reasons
        else f"{owner.name} is less confident about a key result"
    )
    notification_send(
        person=manager,
        kind=Kind.ESCALATION,
        title=title,
        body=(
            f"{owner.name} owns this key result and reports to you. A word from you this week "
            "can help: ask what is in the way, what help is needed, or whether the target "
            "should change."
        ),
        url=url,
        key=f"escalation:{escalation.pk}",
        items=[{"title": kr.title, "detail": detail}],
    )
