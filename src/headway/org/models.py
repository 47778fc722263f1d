"""The tenant and its structure: units, people and the periods goals are set for."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q


class TimeStamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Organization(TimeStamped):
    """A tenant: every other row belongs to exactly one organization."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    fiscal_year_start_month = models.PositiveSmallIntegerField(default=1)
    settings = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(fiscal_year_start_month__gte=1, fiscal_year_start_month__lte=12),
                name="organization_fiscal_month_1_12",
            )
        ]

    def __str__(self) -> str:
        return self.name


class TenantModel(TimeStamped):
    """A row that carries its organization; every query is scoped by it."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")

    class Meta:
        abstract = True


class Unit(TenantModel):
    """A division, department or team; a tree with a materialized path for subtree reads."""

    class Kind(models.TextChoices):
        DIVISION = "division"
        DEPARTMENT = "department"
        TEAM = "team"
        OTHER = "other"

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.TEAM)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    head = models.ForeignKey(
        "org.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="headed_units"
    )
    # "/3/17/42/": the ids from the root down to this unit, for subtree reads with one LIKE.
    path = models.CharField(max_length=1000, blank=True, default="", editable=False)

    class Meta:
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], name="unit_name_unique_per_org"
            )
        ]
        indexes = [models.Index(fields=["organization", "path"], name="unit_org_path")]

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return self.path.count("/") - 1 if self.path else 0


class Person(TenantModel):
    """Someone who owns goals; may exist before they have a user account."""

    class Role(models.TextChoices):
        ADMIN = "admin"
        HR = "hr", "HR"
        LEADER = "leader"
        MEMBER = "member"
        VIEWER = "viewer"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="people",
    )
    name = models.CharField(max_length=200)
    email = models.EmailField()
    job_title = models.CharField(max_length=200, blank=True)
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    manager = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    active = models.BooleanField(default=True)
    # "/1/7/": the ids of this person's managers from the top down, for "everyone below me".
    manager_path = models.CharField(max_length=1000, blank=True, default="", editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "email"], name="person_email_unique_per_org"
            ),
            models.UniqueConstraint(
                fields=["organization", "user"],
                condition=Q(user__isnull=False),
                name="person_user_unique_per_org",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "manager_path"], name="person_org_manager_path"),
            # The directory and the people picker list people by name, a page at a time.
            models.Index(fields=["organization", "name", "id"], name="person_org_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    @property
    def manager_ids(self) -> list[int]:
        return [int(part) for part in self.manager_path.strip("/").split("/") if part]


class Period(TenantModel):
    """A time box goals are set for; both dates inclusive."""

    class Kind(models.TextChoices):
        YEAR = "year"
        HALF = "half"
        QUARTER = "quarter"
        MONTH = "month"
        CUSTOM = "custom"

    class State(models.TextChoices):
        PLANNING = "planning"
        ACTIVE = "active"
        CLOSED = "closed"

    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.QUARTER)
    start = models.DateField()
    end = models.DateField()
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.ACTIVE)

    class Meta:
        ordering = ["start", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], name="period_name_unique_per_org"
            ),
            models.CheckConstraint(
                condition=Q(end__gte=models.F("start")), name="period_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Scoped(TenantModel):
    """Belongs to one scope: the organization (no unit, no person), a unit, or a person."""

    scope_unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    scope_person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        abstract = True

    @classmethod
    def scope_constraint(cls, name: str) -> models.CheckConstraint:
        return models.CheckConstraint(
            condition=Q(scope_unit__isnull=True) | Q(scope_person__isnull=True), name=name
        )

    @property
    def scope_label(self) -> str:
        if self.scope_person_id:
            return f"person:{self.scope_person.email}"  # type: ignore[union-attr]
        if self.scope_unit_id:
            return f"unit:{self.scope_unit.name}"  # type: ignore[union-attr]
        return "org"

    def scope_filter(self) -> dict[str, Any]:
        return {"scope_unit_id": self.scope_unit_id, "scope_person_id": self.scope_person_id}
