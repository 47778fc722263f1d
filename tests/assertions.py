"""Expectations many tests share: a refusal naming its field, and the audit trail of a row."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import models

from headway.audit.models import AuditEvent


def refused(field: str) -> Any:
    """Expect a ValidationError naming `field`."""
    return pytest.raises(ValidationError, match=rf"'{field}'")


def events(instance: models.Model) -> list[AuditEvent]:
    """The audit events of one row, oldest first."""
    return list(
        AuditEvent.objects.filter(
            object_type=instance._meta.model_name, object_id=instance.pk
        ).order_by("pk")
    )
