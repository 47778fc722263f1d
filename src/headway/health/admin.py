"""Health snapshots in the admin: read-only, one a day per organization (the worker keeps them)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from headway.health.models import HealthSnapshot
from headway.org.admin import RelatedOnly, TenantScoped


@admin.register(HealthSnapshot)
class HealthSnapshotAdmin(TenantScoped, admin.ModelAdmin):
    """The health score and finding counts of one day; written by `headway health --snapshot`."""

    list_display = ("date", "organization", "score", "checked", "errors", "warnings", "notes")
    list_filter = (("organization", RelatedOnly),)
    list_select_related = ("organization",)
    date_hierarchy = "date"
    fields = ("date", "organization", "score", "checked", "errors", "warnings", "notes", "by_code")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
