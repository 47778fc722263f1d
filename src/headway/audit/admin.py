"""The audit trail in the admin: read-only, scoped to the organizations the user administers."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html

from headway.audit.models import AuditEvent
from headway.org.admin import RelatedOnly, TenantScoped


@admin.register(AuditEvent)
class AuditEventAdmin(TenantScoped, admin.ModelAdmin):
    """Who did what, when: never added, changed or deleted by hand."""

    list_display = ("at", "organization", "actor_label", "action", "object_type", "object_repr")
    list_filter = (("organization", RelatedOnly), "action", "object_type")
    list_select_related = ("organization",)
    search_fields = ("object_repr", "actor_label")
    date_hierarchy = "at"
    fields = ("at", "organization", "actor", "actor_label", "action", "object_type", "object_id",
              "object_repr", "changes_table")  # fmt: skip
    readonly_fields = fields

    @admin.display(description="Changes ([before, after])")
    def changes_table(self, obj: AuditEvent) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.changes, indent=2, ensure_ascii=False))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
