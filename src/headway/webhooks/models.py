"""Outgoing webhooks an organization registers, and the log of every delivery to them."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import models

from headway.org.models import Person, TenantModel


class Event(models.TextChoices):
    """What a webhook can subscribe to (`ping` is the test event, sent only on request)."""

    CHECK_IN_RECORDED = "check_in.recorded", "A check-in is recorded"
    KEY_RESULT_STATUS_CHANGED = (
        "key_result.status_changed",
        "A key result turns at risk or off track",
    )
    OBJECTIVE_STATUS_CHANGED = (
        "objective.status_changed",
        "An objective turns at risk or off track",
    )
    KEY_RESULT_ESCALATED = (
        "key_result.escalated",
        "A key result's trouble is escalated to its owner's manager",
    )
    MEASUREMENT_RECORDED = "measurement.recorded", "A KPI measurement is recorded"
    OBJECTIVE_CLOSED = "objective.closed", "An objective is closed (or its period is)"
    PING = "ping", "Test event"


SUBSCRIBABLE = [event for event in Event if event != Event.PING]


def validate_webhook_url(value: str) -> None:
    """http or https with a host. Private and internal hosts are allowed on purpose: self-hosted
    installs post to receivers on their own network (see docs/webhooks.md)."""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise ValidationError("That is not a valid URL.") from None
    if parts.scheme not in ("http", "https"):
        raise ValidationError("The URL must start with https:// (or http://).")
    if not parts.hostname:
        raise ValidationError("The URL needs a host name.")
    if any(ch.isspace() for ch in value):
        raise ValidationError("The URL cannot contain spaces.")


class Webhook(TenantModel):
    """An endpoint that receives the organization's events, signed with its secret."""

    class Format(models.TextChoices):
        HEADWAY = "headway", "Headway JSON (signed event payload)"
        SLACK = "slack", "Slack incoming webhook"
        TEAMS = "teams", "Microsoft Teams incoming webhook"

    name = models.CharField(max_length=200)
    url = models.CharField("URL", max_length=2000, validators=[validate_webhook_url])
    # Kept as given (not hashed): every delivery is signed with it.
    secret = models.CharField(max_length=200)
    events = models.JSONField(
        default=list, blank=True, help_text='A list of event names, e.g. ["check_in.recorded"].'
    )
    format = models.CharField(max_length=10, choices=Format.choices, default=Format.HEADWAY)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], name="webhook_name_unique_per_org"
            )
        ]
        indexes = [models.Index(fields=["organization", "active"], name="webhook_org_active")]

    def __str__(self) -> str:
        return self.name

    def subscribes_to(self, event: str) -> bool:
        return event in (self.events or [])


class Delivery(TenantModel):
    """One event sent (or to be sent) to one webhook: its payload and how the attempts went."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SUCCEEDED = "succeeded", "Delivered"
        FAILED = "failed", "Failed, will retry"
        GIVEN_UP = "given_up", "Gave up"

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=60, choices=Event.choices)
    # The idempotency key receivers deduplicate on: the same for every attempt of a delivery.
    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    payload = models.JSONField(default=dict)
    attempts = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=1000, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "deliveries"
        indexes = [
            models.Index(
                fields=["organization", "webhook", "-created_at"], name="delivery_org_hook_created"
            ),
            models.Index(fields=["status", "next_attempt_at"], name="delivery_status_next"),
        ]

    def __str__(self) -> str:
        return f"{self.event} to {self.webhook_id} ({self.status})"
