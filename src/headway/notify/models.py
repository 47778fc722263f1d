"""Notifications, each person's settings for them, check-in cadences, and the worker's claims on
the slots of its schedule."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from headway.goals.models import KeyResult
from headway.org.models import Person, TenantModel, TimeStamped, Unit


class Weekday(models.IntegerChoices):
    MONDAY = 0
    TUESDAY = 1
    WEDNESDAY = 2
    THURSDAY = 3
    FRIDAY = 4
    SATURDAY = 5
    SUNDAY = 6


class Kind:
    """The kinds of notification Headway sends (free text in the table, so a new kind needs no
    migration)."""

    CHECKIN_DIGEST = "checkin_digest"
    ESCALATION = "escalation"  # a report's key result turned off track or lost confidence
    KRA_REVIEW = "kra_review"  # a KRA of yours is due for its review
    KRA_REVIEW_OVERDUE = "kra_review_overdue"  # a report's KRA review is overdue
    WEEKLY_SUMMARY = "weekly_summary"  # a leader's week in their scope


class CheckInCadence(TenantModel):
    """When people are asked to check in: the organization's rule, or a unit's override that
    applies to the unit's whole subtree."""

    unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Empty: the whole organization's cadence.",
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices, default=Weekday.MONDAY)
    every_weeks = models.PositiveSmallIntegerField(
        default=1, help_text="1 for every week, 2 for every other week, and so on."
    )
    hour = models.PositiveSmallIntegerField(
        default=9, help_text="Hour of the day (0–23, the organization's time zone) to remind."
    )
    # Which weeks count when every_weeks > 1: the weeks a multiple of every_weeks after this one.
    starts_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["organization", "unit", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(unit__isnull=True),
                name="cadence_one_per_org",
            ),
            models.UniqueConstraint(
                fields=["organization", "unit"],
                condition=Q(unit__isnull=False),
                name="cadence_one_per_unit",
            ),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="cadence_weekday_0_6"),
            models.CheckConstraint(
                condition=Q(every_weeks__gte=1, every_weeks__lte=12),
                name="cadence_every_weeks_1_12",
            ),
            models.CheckConstraint(condition=Q(hour__lte=23), name="cadence_hour_0_23"),
        ]

    def __str__(self) -> str:
        where = f"unit {self.unit_id}" if self.unit_id else "the organization"
        return f"Check-ins of {where}: weekday {self.weekday} every {self.every_weeks} week(s)"


class NotificationSettings(TenantModel):
    """What one person wants to hear about and how; no row means the defaults (all on)."""

    person = models.OneToOneField(
        Person, on_delete=models.CASCADE, related_name="notification_settings"
    )
    email = models.BooleanField("email", default=True)
    in_app = models.BooleanField("in Headway", default=True)
    digest = models.BooleanField("check-in reminders", default=True)
    weekly_summary = models.BooleanField("weekly summary", default=True)  # for leaders
    # A quiet period (holiday, leave): nothing is emailed through this day; reminders and held-back
    # emails come after it.
    paused_until = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["organization", "person"]
        verbose_name_plural = "notification settings"

    def __str__(self) -> str:
        return f"Notification settings of {self.person_id}"


class Notification(TenantModel):
    """One message to one person: listed in Headway and, unless they said otherwise, emailed.
    `key` makes sending idempotent: one notification per person and key, ever."""

    class Email(models.TextChoices):
        NONE = "none", "Not emailed"
        PENDING = "pending", "Being sent"
        SENT = "sent", "Emailed"
        DEFERRED = "deferred", "Held back until the quiet period ends"
        FAILED = "failed", "Email failed"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    # Lines listed under the body: [{"title": ..., "detail": ...}] (the key results of a digest).
    items = models.JSONField(default=list, blank=True)
    key = models.CharField(max_length=200)
    in_app = models.BooleanField(default=True)
    read_at = models.DateTimeField(null=True, blank=True)
    email_status = models.CharField(max_length=10, choices=Email.choices, default=Email.NONE)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "key"], name="notification_key_unique_per_person"
            )
        ]
        indexes = [
            models.Index(
                fields=["organization", "person", "in_app", "read_at"],
                name="notification_org_person_unread",
            ),
            models.Index(fields=["email_status"], name="notification_email_status"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def unread(self) -> bool:
        return self.read_at is None


class Escalation(TenantModel):
    """A key result's trouble told to its owner's manager: it turned off track, or its
    confidence fell by 3 points or more. At most one per key result per week."""

    class Reason(models.TextChoices):
        OFF_TRACK = "off_track", "turned off track"
        CONFIDENCE = "confidence", "confidence dropped"

    key_result = models.ForeignKey(KeyResult, on_delete=models.CASCADE, related_name="+")
    owner = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    manager = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reasons = models.JSONField(default=list)  # Reason values, in the order found
    status_before = models.CharField(max_length=12, blank=True)
    status_after = models.CharField(max_length=12, blank=True)
    confidence_before = models.PositiveSmallIntegerField(null=True, blank=True)
    confidence_after = models.PositiveSmallIntegerField(null=True, blank=True)
    # The Monday of the week (organization's clock) it was sent in: one per key result and week,
    # even when two check-ins race; the rolling seven days are checked before that.
    week = models.DateField()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["key_result", "week"], name="escalation_one_per_key_result_week"
            )
        ]
        indexes = [
            models.Index(
                fields=["organization", "key_result", "created_at"], name="escalation_org_kr_time"
            )
        ]

    def __str__(self) -> str:
        return f"Escalation of key result {self.key_result_id}: {', '.join(self.reasons)}"


class PreparedSummary(TenantModel):
    """A leader's weekly summary as the worker prepared it, for the page to show at once: an
    earlier week's (stored when it was sent, or prepared when first asked for) and the current
    week's of a scope too large to read during a request. Only its person sees it."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()  # the summary's day
    since = models.DateTimeField(null=True, blank=True)  # the start of its seven days
    html = models.TextField(blank=True)  # the summary's sections, rendered
    prepared_at = models.DateTimeField(null=True, blank=True)  # none until first prepared
    seconds = models.FloatField(null=True, blank=True)  # how long preparing it took
    requested_at = models.DateTimeField(null=True, blank=True)  # a preparation under way

    class Meta:
        ordering = ["organization_id", "person_id", "-day"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "person", "day"], name="prepared_summary_one_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"summary of {self.person_id} on {self.day}"

    @property
    def pending(self) -> bool:
        return self.requested_at is not None


class InstallationRow:
    """A row of the installation's own bookkeeping, not of a tenant: a backup of one organization
    leaves it out (see `headway.io.backup`). A base class, so migrations keep it."""

    backup_scope = "installation"


class ScheduledRun(InstallationRow, TimeStamped):
    """A slot of a scheduled job, claimed by the worker that queued it: the unique (job, slot)
    makes each slot run once, however many workers share the database. Not a tenant's row."""

    job = models.CharField(max_length=100)
    slot = models.DateTimeField()
    task_id = models.CharField(max_length=64, blank=True)
    worker_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-slot", "job"]
        constraints = [
            models.UniqueConstraint(fields=["job", "slot"], name="scheduledrun_job_slot_unique")
        ]

    def __str__(self) -> str:
        return f"{self.job} at {self.slot:%Y-%m-%d %H:%M}"
