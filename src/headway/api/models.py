"""Personal API tokens: shown once, stored hashed, revocable."""

from __future__ import annotations

from django.db import models

from headway.org.models import Person, TenantModel


class ApiToken(TenantModel):
    """A person's token for scripts and other systems. Only a SHA-256 digest of the secret is
    kept; the prefix (public) finds the row, the digest proves the secret."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What it is for, e.g. 'CRM sync'.")
    prefix = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API token"
        indexes = [models.Index(fields=["organization", "person"], name="apitoken_org_person")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def active(self) -> bool:
        return self.revoked_at is None
