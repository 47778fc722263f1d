"""Admin pages for check-ins: recorded through `checkin_record` (which rolls the key result and
everything aligned above it up), never changed or deleted afterwards."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone

from headway.checkins.models import CheckIn
from headway.checkins.services import checkin_record
from headway.org.admin import HeadwayAdmin, RelatedOnly
from headway.org.models import Organization, Person


@admin.register(CheckIn)
class CheckInAdmin(HeadwayAdmin):
    list_display = ("key_result", "date", "value", "confidence", "status", "author", "organization")
    list_filter = (("organization", RelatedOnly), "status")
    list_select_related = ("organization", "key_result", "author")
    search_fields = ("key_result__title", "note", "author__name")
    autocomplete_fields = ("key_result",)
    exclude = ("organization",)
    readonly_fields = ("author",)
    date_hierarchy = "date"

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # append-only

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # append-only

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {"date": timezone.localdate(), **super().get_changeform_initial_data(request)}

    def organization_of(self, data: dict[str, Any]) -> Organization | None:
        key_result = data.get("key_result")
        return key_result.organization if key_result is not None else None

    def create(self, actor: Person | None, data: dict[str, Any]) -> CheckIn:
        # The author is whoever records it: the signed-in user's person in the organization.
        return checkin_record(author=actor, **data)
