"""Read-only admin pages for notifications, settings, cadences and the worker's schedule claims:
for looking into "did Mia get her reminder?". Changes go through the pages (and services)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from headway.notify.models import CheckInCadence, Notification, NotificationSettings, ScheduledRun
from headway.org.admin import RelatedOnly, TenantScoped


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(TenantScoped, ReadOnly):
    list_display = ("created_at", "organization", "person", "kind", "title", "read_at",
                    "email_status")  # fmt: skip
    list_filter = (("organization", RelatedOnly), "kind", "email_status")
    list_select_related = ("organization", "person")
    search_fields = ("title", "key", "person__name", "person__email")
    date_hierarchy = "created_at"


@admin.register(NotificationSettings)
class NotificationSettingsAdmin(TenantScoped, ReadOnly):
    list_display = ("person", "organization", "email", "in_app", "digest", "paused_until")
    list_filter = (("organization", RelatedOnly), "email", "digest")
    list_select_related = ("organization", "person")
    search_fields = ("person__name", "person__email")


@admin.register(CheckInCadence)
class CheckInCadenceAdmin(TenantScoped, ReadOnly):
    list_display = ("organization", "unit", "weekday", "every_weeks", "hour", "starts_on")
    list_filter = (("organization", RelatedOnly),)
    list_select_related = ("organization", "unit")


@admin.register(ScheduledRun)
class ScheduledRunAdmin(ReadOnly):
    """Slots the worker queued: not a tenant's row, so superusers only."""

    list_display = ("slot", "job", "worker_id", "task_id", "created_at")
    list_filter = ("job",)
    date_hierarchy = "slot"

    def get_queryset(self, request: HttpRequest) -> QuerySet[ScheduledRun]:
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.none()
