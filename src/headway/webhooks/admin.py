"""Admin pages for webhooks (saved through the webhooks services) and their read-only delivery
log, scoped to the organizations the staff user administers."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from headway.org.admin import HeadwayAdmin, RelatedOnly, TenantScoped
from headway.org.models import Person
from headway.webhooks import services
from headway.webhooks.models import Delivery, Webhook


@admin.register(Webhook)
class WebhookAdmin(HeadwayAdmin):
    list_display = ("name", "organization", "url", "format", "active", "created_at")
    list_filter = (("organization", RelatedOnly), "format", "active")
    list_select_related = ("organization",)
    search_fields = ("name", "url")
    autocomplete_fields = ("organization",)
    readonly_fields = ("created_by",)

    def create(self, actor: Person | None, data: dict[str, Any]) -> Webhook:
        data = {k: v for k, v in data.items() if k != "created_by"}
        return services.webhook_create(actor=actor, **data)

    def update(self, actor: Person | None, obj: Webhook, changes: dict[str, Any]) -> Webhook:
        return services.webhook_update(webhook=obj, actor=actor, **changes)

    def delete(self, actor: Person | None, obj: Webhook) -> None:
        services.webhook_delete(webhook=obj, actor=actor)


@admin.register(Delivery)
class DeliveryAdmin(TenantScoped, admin.ModelAdmin):
    """The delivery log: written by the worker only."""

    list_display = ("created_at", "organization", "webhook", "event", "status", "attempts",
                    "last_status_code")  # fmt: skip
    list_filter = (("organization", RelatedOnly), "status", "event")
    list_select_related = ("organization", "webhook")
    search_fields = ("event_id", "webhook__name", "last_error")
    date_hierarchy = "created_at"
    readonly_fields = ("organization", "webhook", "event", "event_id", "payload", "attempts",
                       "status", "last_status_code", "last_error", "last_attempt_at",
                       "next_attempt_at", "delivered_at", "duration_ms")  # fmt: skip

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
