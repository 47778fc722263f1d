"""Admin pages for KRAs, objectives, key results, alignments, initiatives and milestones; every
save and delete goes through the goals services (see `headway.org.admin`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from headway.audit.services import snapshot
from headway.goals import services
from headway.goals.models import (
    Alignment,
    Initiative,
    InitiativeKeyResult,
    KeyResult,
    Milestone,
    Objective,
    ResultArea,
)
from headway.goals.rollup import rollup_key_result
from headway.org.admin import (
    HeadwayAdmin,
    HeadwayInline,
    RelatedOnly,
    ServiceWriter,
    audited_delete,
)
from headway.org.models import Organization, Person


def as_percent(value: Decimal | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def tenant_of(*related: Any) -> Organization | None:
    """The organization of the first related row given (new rows take their parent's)."""
    return next((obj.organization for obj in related if obj is not None), None)


# -- KRAs -------------------------------------------------------------------------------------
@admin.register(ResultArea)
class ResultAreaAdmin(HeadwayAdmin):
    list_display = ("name", "key", "organization", "scope", "owner", "weight", "state")
    list_filter = (("organization", RelatedOnly), "state")
    list_select_related = ("organization", "owner", "scope_unit", "scope_person")
    search_fields = ("name", "key", "description")
    autocomplete_fields = ("organization", "owner", "scope_unit", "scope_person", "parent")
    readonly_fields = ("definition_changed_at",)

    @admin.display(description="Scope")
    def scope(self, obj: ResultArea) -> str:
        return obj.scope_label

    def create(self, actor: Person | None, data: dict[str, Any]) -> ResultArea:
        return services.result_area_create(actor=actor, **data)

    def update(self, actor: Person | None, obj: ResultArea, changes: dict[str, Any]) -> ResultArea:
        return services.result_area_update(area=obj, actor=actor, **changes)

    def delete(self, actor: Person | None, obj: ResultArea) -> None:
        audited_delete(obj, actor)


# -- objectives -------------------------------------------------------------------------------
class KeyResultSummaryInline(admin.TabularInline):
    """The objective's key results at a glance; each is changed on its own page."""

    model = KeyResult
    fields = ("title", "owner", "direction", "start", "target", "current", "progress_percent",
              "status", "confidence", "state")  # fmt: skip
    readonly_fields = fields
    show_change_link = True
    extra = 0
    can_delete = False

    @admin.display(description="Progress")
    def progress_percent(self, obj: KeyResult) -> str:
        return as_percent(obj.progress)

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("owner")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AlignmentWrites(ServiceWriter):
    """Alignments are created and deleted; only a link's weight can change in place."""

    def create(self, actor: Person | None, data: dict[str, Any]) -> Alignment:
        return services.alignment_create(actor=actor, **data)

    def update(self, actor: Person | None, obj: Alignment, changes: dict[str, Any]) -> Alignment:
        moved = set(changes) - {"weight"}
        if moved:
            raise ValidationError(
                dict.fromkeys(moved, "To align elsewhere, delete this link and add a new one.")
            )
        return services.alignment_update(alignment=obj, weight=changes["weight"], actor=actor)

    def delete(self, actor: Person | None, obj: Alignment) -> None:
        services.alignment_delete(alignment=obj, actor=actor)

    def organization_of(self, data: dict[str, Any]) -> Organization | None:
        return tenant_of(data.get("child"))


class AlignmentInline(AlignmentWrites, HeadwayInline):
    """The higher objectives and key results this objective aligns to."""

    model = Alignment
    fk_name = "child"
    fields = ("parent_objective", "parent_key_result", "weight")
    autocomplete_fields = ("parent_objective", "parent_key_result")
    verbose_name = "alignment up"
    verbose_name_plural = "aligned to"


@admin.register(Objective)
class ObjectiveAdmin(HeadwayAdmin):
    list_display = ("title", "organization", "period", "owner", "scope", "visibility", "state",
                    "progress_percent", "status")  # fmt: skip
    list_filter = (("organization", RelatedOnly), ("period", RelatedOnly), "state", "status",
                   "visibility")  # fmt: skip
    list_select_related = ("organization", "period", "owner", "scope_unit", "scope_person")
    search_fields = ("title", "key", "owner__name")
    autocomplete_fields = ("organization", "owner", "period", "scope_unit", "scope_person",
                           "result_area")  # fmt: skip
    readonly_fields = ("progress_percent", "status")
    inlines = (KeyResultSummaryInline, AlignmentInline)

    @admin.display(description="Scope")
    def scope(self, obj: Objective) -> str:
        return obj.scope_label

    @admin.display(description="Progress", ordering="progress")
    def progress_percent(self, obj: Objective) -> str:
        return as_percent(obj.progress)

    def create(self, actor: Person | None, data: dict[str, Any]) -> Objective:
        return services.objective_create(actor=actor, **data)

    def update(self, actor: Person | None, obj: Objective, changes: dict[str, Any]) -> Objective:
        return services.objective_update(objective=obj, actor=actor, **changes)

    def delete(self, actor: Person | None, obj: Objective) -> None:
        services.objective_delete(objective=obj, actor=actor)


# -- key results and milestones ---------------------------------------------------------------
class MilestoneWrites(ServiceWriter):
    """Milestones save through `milestone_save`, which rolls their key result up."""

    def create(self, actor: Person | None, data: dict[str, Any]) -> Milestone:
        return services.milestone_save(milestone=Milestone(**data), actor=actor)

    def update(self, actor: Person | None, obj: Milestone, changes: dict[str, Any]) -> Milestone:
        before = snapshot(obj)
        for name, value in changes.items():
            setattr(obj, name, value)
        return services.milestone_save(milestone=obj, actor=actor, before=before)

    def delete(self, actor: Person | None, obj: Milestone) -> None:
        # No milestone_delete service yet: audit, delete, then roll the key result up.
        key_result = obj.key_result
        audited_delete(obj, actor)
        if key_result is not None:
            rollup_key_result(key_result)

    def organization_of(self, data: dict[str, Any]) -> Organization | None:
        return tenant_of(data.get("key_result"), data.get("initiative"))


class MilestoneInline(MilestoneWrites, HeadwayInline):
    model = Milestone
    fk_name = "key_result"
    fields = ("title", "due", "done", "weight")


class InitiativeMilestoneInline(MilestoneInline):
    fk_name = "initiative"


@admin.register(KeyResult)
class KeyResultAdmin(HeadwayAdmin):
    list_display = ("title", "objective", "owner", "direction", "start", "target", "current",
                    "progress_percent", "status", "confidence", "state")  # fmt: skip
    list_filter = (("organization", RelatedOnly), ("objective__period", RelatedOnly), "status",
                   "state", "progress_source", "kind")  # fmt: skip
    list_select_related = ("objective", "owner")
    search_fields = ("title", "key", "objective__title")
    autocomplete_fields = ("objective", "owner", "indicator")
    exclude = ("organization",)
    readonly_fields = ("current", "progress_percent", "attainment", "status", "confidence", "done",
                       "last_check_in_at")  # fmt: skip
    change_readonly_fields = ("objective",)
    add_exclude = ("position",)
    inlines = (MilestoneInline,)

    @admin.display(description="Progress", ordering="progress")
    def progress_percent(self, obj: KeyResult) -> str:
        return as_percent(obj.progress)

    def organization_of(self, data: dict[str, Any]) -> Organization | None:
        return tenant_of(data.get("objective"))

    def create(self, actor: Person | None, data: dict[str, Any]) -> KeyResult:
        return services.key_result_create(actor=actor, **data)

    def update(self, actor: Person | None, obj: KeyResult, changes: dict[str, Any]) -> KeyResult:
        return services.key_result_update(key_result=obj, actor=actor, **changes)

    def delete(self, actor: Person | None, obj: KeyResult) -> None:
        services.key_result_delete(key_result=obj, actor=actor)


@admin.register(Milestone)
class MilestoneAdmin(MilestoneWrites, HeadwayAdmin):
    list_display = ("title", "key_result", "initiative", "due", "done", "weight")
    list_filter = (("organization", RelatedOnly), "done")
    list_select_related = ("key_result", "initiative")
    search_fields = ("title", "key_result__title", "initiative__title")
    autocomplete_fields = ("key_result", "initiative")
    exclude = ("organization",)
    change_readonly_fields = ("key_result", "initiative")


# -- alignments and initiatives ---------------------------------------------------------------
@admin.register(Alignment)
class AlignmentAdmin(AlignmentWrites, HeadwayAdmin):
    list_display = ("child", "parent_objective", "parent_key_result", "weight", "organization")
    list_filter = (("organization", RelatedOnly),)
    list_select_related = ("organization", "child", "parent_objective", "parent_key_result")
    search_fields = ("child__title", "parent_objective__title", "parent_key_result__title")
    autocomplete_fields = ("child", "parent_objective", "parent_key_result")
    exclude = ("organization",)
    change_readonly_fields = ("child", "parent_objective", "parent_key_result")


class InitiativeKeyResultInline(HeadwayInline):
    """The key results an initiative serves, added and removed through the services."""

    model = InitiativeKeyResult
    fk_name = "initiative"
    fields = ("key_result",)
    autocomplete_fields = ("key_result",)

    def create(self, actor: Person | None, data: dict[str, Any]) -> InitiativeKeyResult:
        return services.initiative_key_result_add(
            initiative=data["initiative"], key_result=data["key_result"], actor=actor
        )

    def update(
        self, actor: Person | None, obj: InitiativeKeyResult, changes: dict[str, Any]
    ) -> InitiativeKeyResult:
        services.initiative_key_result_remove(link=obj, actor=actor)
        return services.initiative_key_result_add(
            initiative=obj.initiative, key_result=changes["key_result"], actor=actor
        )

    def delete(self, actor: Person | None, obj: InitiativeKeyResult) -> None:
        services.initiative_key_result_remove(link=obj, actor=actor)

    def organization_of(self, data: dict[str, Any]) -> Organization | None:
        return tenant_of(data.get("initiative"))


@admin.register(Initiative)
class InitiativeAdmin(HeadwayAdmin):
    list_display = ("title", "organization", "owner", "state", "effort_days", "budget")
    list_filter = (("organization", RelatedOnly), "state")
    list_select_related = ("organization", "owner")
    search_fields = ("title", "description")
    autocomplete_fields = ("organization", "owner", "scope_unit", "scope_person", "result_area")
    inlines = (InitiativeKeyResultInline, InitiativeMilestoneInline)

    def create(self, actor: Person | None, data: dict[str, Any]) -> Initiative:
        data["key_results"] = list(data.get("key_results") or [])
        return services.initiative_create(actor=actor, **data)

    def update(self, actor: Person | None, obj: Initiative, changes: dict[str, Any]) -> Initiative:
        return services.initiative_update(initiative=obj, actor=actor, **changes)

    def delete(self, actor: Person | None, obj: Initiative) -> None:
        audited_delete(obj, actor)
