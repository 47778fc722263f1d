"""The health score kept day by day, so its trend can be shown without recomputing the past."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from headway.org.models import TenantModel


class HealthSnapshot(TenantModel):
    """One organization's health on one day: its score and how many findings of each kind."""

    date = models.DateField()
    # The share of checked objects with no warning or error (DESIGN §4); none when nothing was
    # checked. Four decimals: a tenth of a percentage point is more than a trend needs.
    score = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True)
    checked = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    warnings = models.PositiveIntegerField(default=0)
    notes = models.PositiveIntegerField(default=0)
    by_code = models.JSONField(default=dict, blank=True)  # {"HW006": 12, ...}

    class Meta:
        ordering = ["organization_id", "date"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "date"], name="health_snapshot_one_per_day"
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=1),
                name="health_snapshot_score_0_1",
            ),
        ]

    def __str__(self) -> str:
        return f"health of {self.organization_id} on {self.date}: {self.score}"
