"""Check-ins: append-only values recorded against a key result."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from headway.goals.models import KeyResult, value_field
from headway.org.models import Person, TenantModel


class CheckIn(TenantModel):
    """A key result's value, confidence and the owner's own status on one date. Never edited."""

    class OwnerStatus(models.TextChoices):
        ON_TRACK = "on_track", "On track"
        AT_RISK = "at_risk", "At risk"
        OFF_TRACK = "off_track", "Off track"

    key_result = models.ForeignKey(KeyResult, on_delete=models.CASCADE, related_name="check_ins")
    date = models.DateField()
    value = value_field()
    confidence = models.PositiveSmallIntegerField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=OwnerStatus.choices, blank=True)
    note = models.TextField(blank=True)
    author = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="check_ins"
    )

    class Meta:
        ordering = ["key_result", "date", "id"]
        verbose_name = "check-in"
        constraints = [
            models.CheckConstraint(
                condition=Q(confidence__isnull=True) | Q(confidence__lte=10),
                name="checkin_confidence_0_10",
            )
        ]
        indexes = [
            models.Index(fields=["organization", "key_result", "date"], name="checkin_org_kr_date")
        ]

    def __str__(self) -> str:
        return f"{self.key_result} on {self.date}: {self.value}"
