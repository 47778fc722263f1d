"""The health score kept day by day, so its trend can be shown without recomputing the past."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

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


class HealthState(TenantModel):
    """Where an organization's stored findings stand: when they were checked, the score they
    give, and whether a change has come in since (the worker then checks again)."""

    # The moment the stored check started: the findings describe the data as of then.
    checked_at = models.DateTimeField(null=True, blank=True)
    checked_for = models.DateField(null=True, blank=True)  # the day dates were judged against
    seconds = models.FloatField(null=True, blank=True)  # how long that check took
    checked = models.PositiveIntegerField(default=0)  # objects checked: the score's denominator
    healthy = models.PositiveIntegerField(default=0)  # of them, with no warning or error
    stale_since = models.DateTimeField(null=True, blank=True)  # first change not yet checked
    # First check-in or measurement not yet checked, when nothing else changed: only the
    # staleness of those key results and KPIs is checked again (`health_series_refresh`).
    series_since = models.DateTimeField(null=True, blank=True)
    series_checked_at = models.DateTimeField(null=True, blank=True)  # when that last ran
    running_since = models.DateTimeField(null=True, blank=True)  # a check under way

    class Meta:
        ordering = ["organization_id"]
        constraints = [
            models.UniqueConstraint(fields=["organization"], name="health_state_one_per_org"),
            models.CheckConstraint(
                condition=Q(healthy__lte=models.F("checked")),
                name="health_state_healthy_le_checked",
            ),
        ]

    def __str__(self) -> str:
        return f"health of {self.organization_id} checked at {self.checked_at}"

    def due(self, day: dt.date | None = None) -> str | None:
        """Which check would bring the stored findings up to date: "full" when they were never
        checked, a change other than a check-in or a measurement is waiting, or (given `day`)
        they were judged against another day (a key result goes stale with the date alone);
        "series" when only check-ins or measurements came in since; None when they are
        current."""
        if self.checked_at is None or self.stale_since is not None:
            return "full"
        if day is not None and self.checked_for != day:
            return "full"
        return "series" if self.series_since is not None else None

    def current(self, day: dt.date | None = None) -> bool:
        """Whether the stored findings say how things stand (see `due`)."""
        return self.due(day) is None

    @property
    def score(self) -> Fraction | None:
        """The share of checked objects with no warning or error (DESIGN §4), exact."""
        return Fraction(self.healthy, self.checked) if self.checked else None

    @property
    def pending(self) -> bool:
        """A change is waiting to be checked, or a check is running."""
        waiting = self.stale_since is not None or self.series_since is not None
        return waiting or self.running_since is not None


class HealthFinding(TenantModel):
    """One finding of the organization's latest check, with where its object lives, so pages
    filter and count findings in the database instead of running the checks per request."""

    code = models.CharField(max_length=8)  # "HW006"
    name = models.CharField(max_length=40)  # "stale"
    severity = models.CharField(max_length=8)  # "error", "warning", "info"
    object = models.CharField(max_length=400)  # "key_result:kr-nps", "scope:unit:Support"
    message = models.TextField()
    hint = models.TextField(blank=True)
    # An objective's or key result's finding is seen only by those who may see the objective.
    objective = models.ForeignKey(
        "goals.Objective", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    unit = models.ForeignKey(  # the object's unit, for the "findings about" filter
        "org.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    url = models.CharField(max_length=200, blank=True)  # the object's page, if it has one

    class Meta:
        ordering = ["organization_id", "code", "object", "id"]
        indexes = [
            models.Index(fields=["organization", "code", "object"], name="healthfinding_org_code"),
            models.Index(fields=["organization", "object"], name="healthfinding_org_object"),
            models.Index(fields=["organization", "unit"], name="healthfinding_org_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.object}"


class HealthSeriesChange(TenantModel):
    """A key result checked in or a KPI measured since the organization's findings were last
    checked: its staleness (HW006) is checked again, alone. Written in the transaction of the
    check-in or measurement, so it exists exactly when the change does; the check that reads it
    deletes it. One of the two ids is set; plain ids, as a change of a deleted row is moot."""

    key_result_id = models.BigIntegerField(null=True, blank=True)
    indicator_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["organization_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(key_result_id__isnull=False, indicator_id__isnull=True)
                | Q(key_result_id__isnull=True, indicator_id__isnull=False),
                name="health_series_change_one_subject",
            )
        ]

    def __str__(self) -> str:
        if self.key_result_id is not None:
            return f"key result {self.key_result_id} checked in"
        return f"KPI {self.indicator_id} measured"
