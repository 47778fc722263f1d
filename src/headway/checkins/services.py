"""Recording a check-in: the weekly heartbeat of a key result."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from headway.audit.models import AuditEvent
from headway.audit.services import audit_record
from headway.checkins.models import CheckIn
from headway.goals.models import KeyResult
from headway.goals.rollup import rollup_key_result
from headway.org.models import Person
from headway.webhooks import events as webhook_events
from headway.webhooks.services import webhooks_cached


@transaction.atomic
def checkin_record(
    *,
    key_result: KeyResult,
    value: Decimal | None,
    author: Person | None,
    confidence: int | None = None,
    status: str = "",
    note: str = "",
    date: dt.date | None = None,
) -> CheckIn:
    """Append a check-in, then refresh the key result, its objective and every aligned ancestor
    in the same transaction."""
    errors: dict[str, str] = {}
    if confidence is not None and not 0 <= confidence <= 10:
        errors["confidence"] = "Confidence is a whole number from 0 to 10."
    if status and status not in CheckIn.OwnerStatus.values:
        errors["status"] = f"Status must be one of {', '.join(CheckIn.OwnerStatus.values)}."
    numeric = key_result.kind not in (KeyResult.Kind.MILESTONES,)
    if value is None and numeric and confidence is None and not note:
        errors["value"] = "Give a value, a confidence or a note."
    if key_result.state == KeyResult.State.CANCELLED:
        errors["key_result"] = "This key result was cancelled; it takes no more check-ins."
    if author is not None and author.organization_id != key_result.organization_id:
        errors["author"] = "That person is not in this organization."
    if errors:
        raise ValidationError(errors)
    with webhooks_cached():  # the rollup and the check-in's own event read the webhooks once
        check_in = CheckIn.objects.create(
            organization_id=key_result.organization_id,
            key_result=key_result,
            date=date or timezone.localdate(),
            value=value,
            confidence=confidence,
            status=status,
            note=note,
            author=author,
        )
        audit_record(instance=check_in, action=AuditEvent.Action.CREATE, actor=author)
        rollup_key_result(key_result)
        webhook_events.check_in_recorded(check_in)
    return check_in


@transaction.atomic
def checkin_record_many(*, author: Person, entries: list[dict]) -> list[CheckIn]:
    """Several check-ins in one go (the one-screen check-in): all are recorded or none.

    Each entry holds `key_result` and the keyword arguments of `checkin_record`. A refusal names
    the entry's position: {"0.value": [...]} so the page can put it next to the right field.
    """
    recorded = []
    errors: dict[str, list[str]] = {}
    for position, entry in enumerate(entries):
        try:
            with transaction.atomic():
                recorded.append(checkin_record(author=author, **entry))
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                errors[f"{position}.{field}"] = messages
    if errors:
        raise ValidationError(errors)
    return recorded
