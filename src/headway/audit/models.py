"""One row per write to a goal, key result, check-in, KRA, indicator or measurement."""

from __future__ import annotations

from django.db import models

from headway.org.models import Organization, Person


class AuditEvent(models.Model):
    """Who did what to which object, with every changed field as [before, after]."""

    class Action(models.TextChoices):
        CREATE = "create"
        UPDATE = "update"
        DELETE = "delete"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept even when the person is gone, or when the actor was a command or an import.
    actor_label = models.CharField(max_length=300, blank=True)
    action = models.CharField(max_length=6, choices=Action.choices)
    object_type = models.CharField(max_length=40)
    object_id = models.BigIntegerField()
    object_repr = models.CharField(max_length=300)
    changes = models.JSONField(default=dict)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(
                fields=["organization", "object_type", "object_id", "-at"], name="audit_object"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.actor_label} {self.action} {self.object_type} {self.object_repr}"
