"""Admin pages for KPIs, their targets and their measurements; every save and delete goes through
the indicators services (see `headway.org.admin`)."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib import admin
from django.core.exceptions import ValidationError

from headway.goals.models import KeyResult
from headway.goals.rollup import rollup_key_result
from headway.indicators import services
from headway.indicators.models import Indicator, Measurement, Target
from headway.org.admin import (
    HeadwayAdmin,
    HeadwayInline,
    RelatedOnly,
    ServiceWriter,
    audited_delete,
)
from headway.org.models import Organization, Person


def indicator_tenant(data: dict[str, Any]) -> Organization | None:
    indicator = data.get("indicator")
    return indicator.organization if indicator is not None else None


def rollup_followers(indicator_id: int, delete: Any) -> None:
    """Run a delete, then refresh the key results that follow the KPI (they move with it)."""
    followers = list(
        KeyResult.objects.filter(
            indicator_id=indicator_id, progress_source=KeyResult.Source.INDICATOR
        )
    )
    delete()
    for key_result in followers:
        rollup_key_result(key_result)


class TargetWrites(ServiceWriter):
    """Targets are set per indicator and period with `target_set`; the pair never changes."""

    def create(self, actor: Person | None, data: dict[str, Any]) -> Target:
        return services.target_set(actor=actor, **data)

    def update(self, actor: Person | None, obj: Target, changes: dict[str, Any]) -> Target:
        moved = set(changes) & {"indicator", "period"}
        if moved:
            raise ValidationError(
                dict.fromkeys(moved, "To target another period, add a new target.")
            )
        values = {
            name: changes.get(name, getattr(obj, name)) for name in ("value", "lower", "upper")
        }
        return services.target_set(
            indicator=obj.indicator, period=obj.period, actor=actor, **values
        )

    def delete(self, actor: Person | None, obj: Target) -> None:
        audited_delete(obj, actor)  # no target_delete service yet

    def organization_of(self, data: dict[str, Any]) -> Organization | None:
        return indicator_tenant(data)


class TargetInline(TargetWrites, HeadwayInline):
    model = Target
    fields = ("period", "value", "lower", "upper")
    autocomplete_fields = ("period",)


@admin.register(Indicator)
class IndicatorAdmin(HeadwayAdmin):
    list_display = ("name", "key", "organization", "owner", "direction", "frequency",
                    "aggregation", "leading", "source")  # fmt: skip
    list_filter = (("organization", RelatedOnly), "direction", "frequency", "leading", "source")
    list_select_related = ("organization", "owner")
    search_fields = ("name", "key", "description")
    autocomplete_fields = ("organization", "owner", "scope_unit", "scope_person", "result_area")
    inlines = (TargetInline,)

    def create(self, actor: Person | None, data: dict[str, Any]) -> Indicator:
        return services.indicator_create(actor=actor, **data)

    def update(self, actor: Person | None, obj: Indicator, changes: dict[str, Any]) -> Indicator:
        return services.indicator_update(indicator=obj, actor=actor, **changes)

    def delete(self, actor: Person | None, obj: Indicator) -> None:
        # No indicator_delete service yet: its followers lose their source and must roll up.
        rollup_followers(obj.pk, lambda: audited_delete(obj, actor))


@admin.register(Target)
class TargetAdmin(TargetWrites, HeadwayAdmin):
    list_display = ("indicator", "period", "value", "lower", "upper", "organization")
    list_filter = (("organization", RelatedOnly), ("period", RelatedOnly))
    list_select_related = ("organization", "indicator", "period")
    search_fields = ("indicator__name", "period__name")
    autocomplete_fields = ("indicator", "period")
    exclude = ("organization",)
    change_readonly_fields = ("indicator", "period")


@admin.register(Measurement)
class MeasurementAdmin(HeadwayAdmin):
    list_display = ("indicator", "date", "value", "source", "recorded_by", "organization")
    list_filter = (("organization", RelatedOnly), "source")
    list_select_related = ("organization", "indicator", "recorded_by")
    search_fields = ("indicator__name", "note")
    autocomplete_fields = ("indicator",)
    exclude = ("organization",)
    readonly_fields = ("recorded_by",)
    change_readonly_fields = ("indicator", "date")
    date_hierarchy = "date"
    # A value for a date already measured replaces the old one (the service audits it).
    unvalidated_fields: ClassVar[set[str]] = {"date"}

    def organization_of(self, data: dict[str, Any]) -> Organization | None:
        return indicator_tenant(data)

    def create(self, actor: Person | None, data: dict[str, Any]) -> Measurement:
        return services.measurement_record(actor=actor, **data)

    def update(
        self, actor: Person | None, obj: Measurement, changes: dict[str, Any]
    ) -> Measurement:
        values = {
            name: changes.get(name, getattr(obj, name)) for name in ("value", "note", "source")
        }
        return services.measurement_record(
            indicator=obj.indicator, date=obj.date, actor=actor, **values
        )

    def delete(self, actor: Person | None, obj: Measurement) -> None:
        # No measurement_delete service yet: audit, delete, and move the KPI's followers.
        rollup_followers(obj.indicator_id, lambda: audited_delete(obj, actor))
