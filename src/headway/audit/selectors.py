"""Reading the audit trail."""

from __future__ import annotations

from django.db import models
from django.db.models import QuerySet

from headway.audit.models import AuditEvent


def audit_history(*, instance: models.Model, limit: int = 100) -> QuerySet[AuditEvent]:
    """The latest events of one object, newest first."""
    return AuditEvent.objects.filter(
        organization_id=instance.organization_id,  # type: ignore[attr-defined]
        object_type=instance._meta.model_name,
        object_id=instance.pk,
    ).select_related("actor")[:limit]
