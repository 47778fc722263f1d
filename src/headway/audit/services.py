"""Writing the audit trail. Every service that changes a goal, key result, check-in, KRA,
indicator or measurement calls `audit_record` inside its transaction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import models

from headway.audit.models import AuditEvent
from headway.org.models import Person

Snapshot = dict[str, Any]


def _plain(value: Any) -> Any:
    """A JSON-safe rendering of a field value that still reads well in the history."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(value)
    return value


def snapshot(instance: models.Model) -> Snapshot:
    """The audited fields of a row: every concrete, non-automatic field."""
    values: Snapshot = {}
    for field in instance._meta.concrete_fields:
        if field.name in {"id", "organization", "created_at", "updated_at"}:
            continue
        values[field.name] = _plain(getattr(instance, field.attname))
    return values


def changes_between(before: Snapshot | None, after: Snapshot | None) -> dict[str, list[Any]]:
    """{field: [before, after]} for every field whose value differs."""
    before = before or {}
    after = after or {}
    return {
        name: [before.get(name), after.get(name)]
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    }


def audit_record(
    *,
    instance: models.Model,
    action: str,
    actor: Person | None,
    before: Snapshot | None = None,
    actor_label: str = "",
) -> AuditEvent | None:
    """Append one audit row; an update that changed nothing writes nothing."""
    after = None if action == AuditEvent.Action.DELETE else snapshot(instance)
    changes = changes_between(before, after)
    if action == AuditEvent.Action.UPDATE and not changes:
        return None
    return AuditEvent.objects.create(
        organization_id=instance.organization_id,  # type: ignore[attr-defined]
        actor=actor,
        actor_label=actor_label or (str(actor) if actor else "system"),
        action=action,
        object_type=instance._meta.model_name or "",
        object_id=instance.pk,
        object_repr=str(instance)[:300],
        changes=changes,
    )
