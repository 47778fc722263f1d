"""KPIs: metrics tracked over time against a target per period and red/amber/green thresholds."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from headway.goals.models import ResultArea, value_field
from headway.org.models import Period, Person, Scoped, TenantModel


class Indicator(Scoped):
    """A KPI. Thresholds: `red_below` (up), `red_above` (down), `tolerance` (range)."""

    class Direction(models.TextChoices):
        UP = "up"
        DOWN = "down"
        RANGE = "range"

    class Frequency(models.TextChoices):
        DAY = "day"
        WEEK = "week"
        MONTH = "month"
        QUARTER = "quarter"

    class Aggregation(models.TextChoices):
        LAST = "last"
        SUM = "sum"
        MEAN = "mean"
        MIN = "min"
        MAX = "max"

    class Source(models.TextChoices):
        MANUAL = "manual"
        IMPORT = "import"
        API = "api", "API"
        SQL = "sql", "SQL"

    key = models.SlugField(max_length=100)
    owner = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="indicators"
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    unit_label = models.CharField(max_length=40, blank=True)
    direction = models.CharField(max_length=5, choices=Direction.choices, default=Direction.UP)
    frequency = models.CharField(max_length=7, choices=Frequency.choices, default=Frequency.MONTH)
    aggregation = models.CharField(
        max_length=4, choices=Aggregation.choices, default=Aggregation.LAST
    )
    leading = models.BooleanField(default=False, help_text="Predicts other outcomes.")
    result_area = models.ForeignKey(
        ResultArea, null=True, blank=True, on_delete=models.SET_NULL, related_name="indicators"
    )
    red_below = value_field()
    red_above = value_field()
    tolerance = value_field()
    source = models.CharField(max_length=6, choices=Source.choices, default=Source.MANUAL)

    class Meta:
        ordering = ["name"]
        verbose_name = "KPI"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "key"], name="indicator_key_unique_per_org"
            ),
            Scoped.scope_constraint("indicator_one_scope"),
        ]
        indexes = [
            # The KPI list reads a page of KPIs by name: walked in order, not sorted whole.
            models.Index(fields=["organization", "name", "id"], name="indicator_org_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Target(TenantModel):
    """What an indicator should reach in one period: a value, or lower/upper for a range."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="targets")
    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="+")
    value = value_field()
    lower = value_field()
    upper = value_field()

    class Meta:
        ordering = ["period__start"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "period"], name="target_one_per_period"),
            models.CheckConstraint(
                condition=Q(value__isnull=False) | Q(lower__isnull=False, upper__isnull=False),
                name="target_has_value_or_range",
            ),
        ]

    def __str__(self) -> str:
        if self.value is not None:
            return f"{self.indicator}: {self.value} in {self.period}"
        return f"{self.indicator}: {self.lower}–{self.upper} in {self.period}"


class Measurement(TenantModel):
    """One value of an indicator on one date; a new value for the date replaces the old one."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="measurements")
    date = models.DateField()
    value = models.DecimalField(max_digits=20, decimal_places=6)
    note = models.CharField(max_length=500, blank=True)
    source = models.CharField(
        max_length=6, choices=Indicator.Source.choices, default=Indicator.Source.MANUAL
    )
    recorded_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["indicator", "date"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "date"], name="measurement_one_per_date")
        ]
        indexes = [
            models.Index(fields=["organization", "indicator", "-date"], name="measurement_latest")
        ]

    def __str__(self) -> str:
        return f"{self.indicator} on {self.date}: {self.value}"
