"""Goals: KRAs (result areas), objectives with key results, the alignment graph, and the work
(initiatives, milestones) done to move them. Progress and status are derived and stored for
speed; `headway recompute` rebuilds them and must agree."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Q

from headway.org.models import Period, Person, Scoped, TenantModel


def value_field(**options: Any) -> Any:
    """A measured or target value: up to 14 digits before the point and 6 after."""
    return models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True, **options)


def ratio_field() -> Any:
    """A derived ratio (progress, attainment): ten places, equal on every database."""
    return models.DecimalField(
        max_digits=20, decimal_places=10, null=True, blank=True, editable=False
    )


class Status(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    OFF_TRACK = "off_track", "Off track"
    NO_DATA = "no_data", "No data"
    GREEN = "green", "Green"
    YELLOW = "yellow", "Yellow"
    RED = "red", "Red"


class Visibility(models.TextChoices):
    PUBLIC = "public"
    UNIT = "unit"
    PRIVATE = "private"


class ResultArea(Scoped):
    """A KRA: one of the 3–5 vital areas of outcomes its scope is accountable for."""

    class State(models.TextChoices):
        ACTIVE = "active"
        RETIRED = "retired"

    key = models.SlugField(max_length=100, help_text="Stable id used by goals files and imports.")
    owner = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="result_areas"
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    weight = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    review_cadence_days = models.PositiveIntegerField(default=90)
    last_reviewed_at = models.DateTimeField(null=True, blank=True)
    last_reviewed_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    last_review_note = models.CharField(max_length=500, blank=True, editable=False)
    state = models.CharField(max_length=10, choices=State.choices, default=State.ACTIVE)
    # When the name, description, parent or state last changed: children reviewed earlier drift.
    definition_changed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = "KRA"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "key"], name="resultarea_key_unique_per_org"
            ),
            Scoped.scope_constraint("resultarea_one_scope"),
            models.CheckConstraint(
                condition=Q(weight__isnull=True) | Q(weight__gte=0, weight__lte=100),
                name="resultarea_weight_0_100",
            ),
        ]
        indexes = [
            models.Index(
                fields=["organization", "scope_unit", "scope_person"], name="kra_org_scope"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Objective(Scoped):
    """A qualitative aim for one period, measured by its key results or aligned objectives."""

    class State(models.TextChoices):
        DRAFT = "draft"
        ACTIVE = "active"
        CLOSED = "closed"
        CANCELLED = "cancelled"

    class Rollup(models.TextChoices):
        KEY_RESULTS = "key_results", "Key results"
        CHILDREN = "children", "Aligned objectives"
        BOTH = "both", "Both"

    key = models.SlugField(max_length=100)
    owner = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="objectives"
    )
    period = models.ForeignKey(
        Period, null=True, blank=True, on_delete=models.PROTECT, related_name="objectives"
    )
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    result_area = models.ForeignKey(
        ResultArea, null=True, blank=True, on_delete=models.SET_NULL, related_name="objectives"
    )
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.ACTIVE)
    rollup = models.CharField(max_length=12, choices=Rollup.choices, default=Rollup.KEY_RESULTS)
    progress = ratio_field()
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.NO_DATA, editable=False
    )

    class Meta:
        ordering = ["period__start", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "key"], name="objective_key_unique_per_org"
            ),
            Scoped.scope_constraint("objective_one_scope"),
        ]
        indexes = [
            models.Index(
                fields=["organization", "period", "owner"], name="objective_org_period_owner"
            ),
            models.Index(
                fields=["organization", "scope_unit", "period"], name="objective_org_unit_period"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class KeyResult(TenantModel):
    """A measurable outcome of an objective, from a start value to a target."""

    class Kind(models.TextChoices):
        NUMBER = "number"
        PERCENT = "percent"
        CURRENCY = "currency"
        BOOLEAN = "boolean"
        MILESTONES = "milestones"

    class Direction(models.TextChoices):
        INCREASE = "increase"
        DECREASE = "decrease"
        AT_LEAST = "at_least", "At least"
        AT_MOST = "at_most", "At most"
        WITHIN = "within"

    class Source(models.TextChoices):
        CHECK_INS = "check_ins", "Check-ins"
        INDICATOR = "indicator", "A KPI"
        CHILDREN = "children", "Aligned objectives"
        MILESTONES = "milestones", "Milestones"

    class State(models.TextChoices):
        ACTIVE = "active"
        CANCELLED = "cancelled"

    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="key_results")
    key = models.SlugField(max_length=100)
    owner = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="key_results"
    )
    title = models.CharField(max_length=300)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.NUMBER)
    unit_label = models.CharField(max_length=40, blank=True)
    direction = models.CharField(
        max_length=10, choices=Direction.choices, default=Direction.INCREASE
    )
    start = value_field()
    target = value_field()
    lower = value_field()
    upper = value_field()
    weight = models.DecimalField(max_digits=10, decimal_places=4, default=Decimal(1))
    confidence_start = models.PositiveSmallIntegerField(null=True, blank=True)
    progress_source = models.CharField(
        max_length=12, choices=Source.choices, default=Source.CHECK_INS
    )
    indicator = models.ForeignKey(
        "indicators.Indicator",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="key_results",
    )
    due = models.DateField(null=True, blank=True, help_text="Defaults to the period's end.")
    state = models.CharField(max_length=10, choices=State.choices, default=State.ACTIVE)
    position = models.PositiveIntegerField(default=0)
    # Derived from check-ins, the KPI, milestones or aligned objectives.
    current = value_field(editable=False)
    done = models.BooleanField(default=False, editable=False)
    confidence = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    progress = ratio_field()
    attainment = ratio_field()
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.NO_DATA, editable=False
    )
    last_check_in_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["objective", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "key"], name="keyresult_key_unique_per_org"
            ),
            models.CheckConstraint(
                condition=Q(confidence_start__isnull=True) | Q(confidence_start__lte=10),
                name="keyresult_confidence_0_10",
            ),
            models.CheckConstraint(
                condition=Q(weight__gte=0), name="keyresult_weight_not_negative"
            ),
            models.CheckConstraint(
                condition=~Q(direction="within")
                | Q(lower__isnull=True)
                | Q(upper__isnull=True)
                | Q(lower__lte=models.F("upper")),
                name="keyresult_within_lower_le_upper",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "owner"], name="keyresult_org_owner"),
            models.Index(fields=["organization", "indicator"], name="keyresult_org_indicator"),
        ]

    def __str__(self) -> str:
        return self.title


class Alignment(TenantModel):
    """A link from a child objective up to a parent objective or a parent key result."""

    child = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="alignments_up")
    parent_objective = models.ForeignKey(
        Objective, null=True, blank=True, on_delete=models.CASCADE, related_name="alignments_down"
    )
    parent_key_result = models.ForeignKey(
        KeyResult, null=True, blank=True, on_delete=models.CASCADE, related_name="alignments_down"
    )
    weight = models.DecimalField(max_digits=10, decimal_places=4, default=Decimal(1))

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(parent_objective__isnull=True, parent_key_result__isnull=False)
                | Q(parent_objective__isnull=False, parent_key_result__isnull=True),
                name="alignment_exactly_one_parent",
            ),
            models.CheckConstraint(
                condition=~Q(parent_objective=models.F("child")), name="alignment_not_to_itself"
            ),
            models.UniqueConstraint(
                fields=["child", "parent_objective"],
                condition=Q(parent_objective__isnull=False),
                name="alignment_unique_objective",
            ),
            models.UniqueConstraint(
                fields=["child", "parent_key_result"],
                condition=Q(parent_key_result__isnull=False),
                name="alignment_unique_key_result",
            ),
            models.CheckConstraint(
                condition=Q(weight__gte=0), name="alignment_weight_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["organization", "child"], name="alignment_org_child")]

    def __str__(self) -> str:
        parent = self.parent_objective or self.parent_key_result
        return f"{self.child} → {parent}"

    @property
    def parent_objective_id_effective(self) -> int | None:
        """The objective this link rolls up into (a key result's own objective)."""
        if self.parent_objective_id:
            return self.parent_objective_id
        return self.parent_key_result.objective_id if self.parent_key_result else None


class Initiative(Scoped):
    """The work done to move key results: never counted as progress by itself."""

    class State(models.TextChoices):
        PROPOSED = "proposed"
        ACTIVE = "active"
        DONE = "done"
        CANCELLED = "cancelled"

    owner = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="initiatives"
    )
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PROPOSED)
    effort_days = models.DecimalField(max_digits=10, decimal_places=1, null=True, blank=True)
    budget = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    key_results: models.ManyToManyField[KeyResult, InitiativeKeyResult] = models.ManyToManyField(
        KeyResult, blank=True, related_name="initiatives", through="InitiativeKeyResult"
    )
    result_area = models.ForeignKey(
        ResultArea, null=True, blank=True, on_delete=models.SET_NULL, related_name="initiatives"
    )

    class Meta:
        ordering = ["title"]
        constraints = [Scoped.scope_constraint("initiative_one_scope")]

    def __str__(self) -> str:
        return self.title


class InitiativeKeyResult(TenantModel):
    """That an initiative serves a key result: a tenant row like any other."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="links")
    key_result = models.ForeignKey(KeyResult, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["id"]
        verbose_name = "key result served"
        verbose_name_plural = "key results served"
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "key_result"], name="initiative_key_result_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.initiative} → {self.key_result}"


class Milestone(TenantModel):
    """A step of a key result (kind milestones) or of an initiative."""

    key_result = models.ForeignKey(
        KeyResult, null=True, blank=True, on_delete=models.CASCADE, related_name="milestones"
    )
    initiative = models.ForeignKey(
        Initiative, null=True, blank=True, on_delete=models.CASCADE, related_name="milestones"
    )
    title = models.CharField(max_length=300)
    due = models.DateField(null=True, blank=True)
    done = models.BooleanField(default=False)
    weight = models.DecimalField(max_digits=10, decimal_places=4, default=Decimal(1))

    class Meta:
        ordering = ["due", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(key_result__isnull=True, initiative__isnull=False)
                | Q(key_result__isnull=False, initiative__isnull=True),
                name="milestone_exactly_one_parent",
            ),
            models.CheckConstraint(
                condition=Q(weight__gte=0), name="milestone_weight_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ScoreSnapshot(TenantModel):
    """A score frozen when its period closed, so "what was it then" stays answerable."""

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="+")
    taken_on = models.DateField()
    objective = models.ForeignKey(
        Objective, null=True, blank=True, on_delete=models.CASCADE, related_name="snapshots"
    )
    key_result = models.ForeignKey(
        KeyResult, null=True, blank=True, on_delete=models.CASCADE, related_name="snapshots"
    )
    progress = ratio_field()
    grade = models.DecimalField(max_digits=2, decimal_places=1, null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices)
    current = value_field()
    confidence = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["period", "objective", "key_result"]
        constraints = [
            models.CheckConstraint(
                condition=Q(objective__isnull=True, key_result__isnull=False)
                | Q(objective__isnull=False, key_result__isnull=True),
                name="snapshot_exactly_one_subject",
            ),
            models.UniqueConstraint(
                fields=["period", "objective"],
                condition=Q(objective__isnull=False),
                name="snapshot_one_per_objective",
            ),
            models.UniqueConstraint(
                fields=["period", "key_result"],
                condition=Q(key_result__isnull=False),
                name="snapshot_one_per_key_result",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.objective or self.key_result} at the close of {self.period}: {self.grade}"


class StatusChange(TenantModel):
    """A derived status that changed, written by the rollup: the history behind "what changed
    this week" (the weekly summary) and the reason behind an escalation."""

    objective = models.ForeignKey(
        Objective, null=True, blank=True, on_delete=models.CASCADE, related_name="status_changes"
    )
    key_result = models.ForeignKey(
        KeyResult, null=True, blank=True, on_delete=models.CASCADE, related_name="status_changes"
    )
    before = models.CharField(max_length=12, choices=Status.choices)
    after = models.CharField(max_length=12, choices=Status.choices)
    progress = ratio_field()  # the progress that came with the new status

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(objective__isnull=True, key_result__isnull=False)
                | Q(objective__isnull=False, key_result__isnull=True),
                name="statuschange_exactly_one_subject",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "created_at"], name="statuschange_org_time"),
        ]

    def __str__(self) -> str:
        return f"{self.objective_id or self.key_result_id}: {self.before} → {self.after}"
