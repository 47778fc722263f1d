"""What the API reads and writes. Writes go through the services; every related id is looked up
in the caller's organization only, so another tenant's id is simply "not found"."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from headway.checkins.models import CheckIn
from headway.goals.models import Alignment, Initiative, KeyResult, Milestone, Objective, ResultArea
from headway.indicators.models import Indicator, Measurement, Target
from headway.org.models import Period, Person, Unit


def version_of(instance: Any) -> str:
    """The row's version: its last change to the microsecond. Send it back to update."""
    return instance.updated_at.strftime("%Y%m%dT%H%M%S.%fZ")


class TenantSerializer(serializers.ModelSerializer):
    """Related ids resolve only within the caller's organization."""

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        person = self.context.get("person")
        org = person.organization_id if person is not None else None
        for field in fields.values():
            if isinstance(field, serializers.PrimaryKeyRelatedField) and not field.read_only:
                field.queryset = field.queryset.filter(organization_id=org)  # type: ignore[union-attr]
        return fields


class VersionedSerializer(TenantSerializer):
    version = serializers.SerializerMethodField(
        help_text="Send it back (If-Match header or this field) to update; a newer row answers 409."
    )

    def get_version(self, instance: Any) -> str:
        return version_of(instance)


# -- the organization -------------------------------------------------------------------------
class UnitSerializer(TenantSerializer):
    class Meta:
        model = Unit
        fields = ["id", "name", "kind", "parent", "head", "path", "created_at", "updated_at"]
        read_only_fields = fields


class PersonSerializer(TenantSerializer):
    class Meta:
        model = Person
        fields = [
            "id", "name", "email", "job_title", "unit", "manager", "role", "active",
            "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class PeriodSerializer(TenantSerializer):
    class Meta:
        model = Period
        fields = ["id", "name", "kind", "start", "end", "parent", "state", "updated_at"]
        read_only_fields = fields


# -- KRAs and KPIs ----------------------------------------------------------------------------
class ResultAreaSerializer(TenantSerializer):
    class Meta:
        model = ResultArea
        fields = [
            "id", "key", "name", "description", "scope_unit", "scope_person", "owner", "weight",
            "parent", "review_cadence_days", "last_reviewed_at", "last_reviewed_by",
            "last_review_note", "state", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = [
            "id", "last_reviewed_at", "last_reviewed_by", "last_review_note", "created_at",
            "updated_at",
        ]  # fmt: skip
        extra_kwargs = {"key": {"required": False}}


class ResultAreaUpdateSerializer(ResultAreaSerializer):
    class Meta(ResultAreaSerializer.Meta):
        read_only_fields = [*ResultAreaSerializer.Meta.read_only_fields, "key", "scope_unit",
                            "scope_person"]  # fmt: skip


class ReviewSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")


class TargetSerializer(TenantSerializer):
    class Meta:
        model = Target
        fields = ["id", "period", "value", "lower", "upper", "updated_at"]
        read_only_fields = ["id", "updated_at"]


class IndicatorSerializer(TenantSerializer):
    targets = TargetSerializer(many=True, read_only=True)

    class Meta:
        model = Indicator
        fields = [
            "id", "key", "name", "description", "unit_label", "direction", "frequency",
            "aggregation", "leading", "result_area", "scope_unit", "scope_person", "owner",
            "red_below", "red_above", "tolerance", "source", "targets", "created_at",
            "updated_at",
        ]  # fmt: skip
        read_only_fields = ["id", "targets", "created_at", "updated_at"]
        extra_kwargs = {"key": {"required": False}}


class IndicatorUpdateSerializer(IndicatorSerializer):
    class Meta(IndicatorSerializer.Meta):
        read_only_fields = [*IndicatorSerializer.Meta.read_only_fields, "key", "scope_unit",
                            "scope_person"]  # fmt: skip


class MeasurementSerializer(TenantSerializer):
    class Meta:
        model = Measurement
        fields = ["id", "indicator", "date", "value", "note", "source", "recorded_by", "updated_at"]
        read_only_fields = ["id", "indicator", "source", "recorded_by", "updated_at"]


# -- objectives and key results ---------------------------------------------------------------
class ObjectiveSerializer(VersionedSerializer):
    class Meta:
        model = Objective
        fields = [
            "id", "key", "title", "description", "period", "scope_unit", "scope_person", "owner",
            "result_area", "visibility", "state", "rollup", "progress", "status", "version",
            "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["id", "progress", "status", "version", "created_at", "updated_at"]
        extra_kwargs = {"key": {"required": False}}


class ObjectiveUpdateSerializer(ObjectiveSerializer):
    class Meta(ObjectiveSerializer.Meta):
        read_only_fields = [*ObjectiveSerializer.Meta.read_only_fields, "key", "scope_unit",
                            "scope_person"]  # fmt: skip


class KeyResultSerializer(VersionedSerializer):
    class Meta:
        model = KeyResult
        fields = [
            "id", "key", "objective", "title", "owner", "kind", "unit_label", "direction",
            "start", "target", "lower", "upper", "weight", "confidence_start", "progress_source",
            "indicator", "due", "state", "position", "current", "done", "confidence", "progress",
            "attainment", "status", "last_check_in_at", "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = [
            "id", "current", "done", "confidence", "progress", "attainment", "status",
            "last_check_in_at", "version", "created_at", "updated_at",
        ]  # fmt: skip
        extra_kwargs = {"key": {"required": False}, "direction": {"required": False}}


class KeyResultUpdateSerializer(KeyResultSerializer):
    class Meta(KeyResultSerializer.Meta):
        read_only_fields = [*KeyResultSerializer.Meta.read_only_fields, "key", "objective"]


class CheckInSerializer(TenantSerializer):
    class Meta:
        model = CheckIn
        fields = [
            "id", "key_result", "date", "value", "confidence", "status", "note", "author",
            "created_at",
        ]  # fmt: skip
        read_only_fields = ["id", "author", "created_at"]
        extra_kwargs = {"date": {"required": False}}

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        key_result = fields["key_result"]  # writable: TenantSerializer kept it in the tenant
        # The access checks read the key result's owner and its objective's: in this query.
        key_result.queryset = key_result.queryset.select_related("objective__owner", "owner")  # type: ignore[attr-defined]
        return fields


class AlignmentSerializer(TenantSerializer):
    class Meta:
        model = Alignment
        fields = ["id", "child", "parent_objective", "parent_key_result", "weight", "created_at"]
        read_only_fields = ["id", "created_at"]


class MilestoneSerializer(TenantSerializer):
    class Meta:
        model = Milestone
        fields = ["id", "title", "due", "done", "weight"]
        read_only_fields = fields


class InitiativeSerializer(TenantSerializer):
    milestones = MilestoneSerializer(many=True, read_only=True)
    key_results = serializers.PrimaryKeyRelatedField(
        many=True, required=False, queryset=KeyResult.objects.all()
    )

    class Meta:
        model = Initiative
        fields = [
            "id", "title", "description", "state", "owner", "scope_unit", "scope_person",
            "result_area", "effort_days", "budget", "key_results", "milestones", "created_at",
            "updated_at",
        ]  # fmt: skip
        read_only_fields = ["id", "milestones", "created_at", "updated_at"]

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        person = self.context.get("person")
        many = fields["key_results"]
        org = person.organization_id if person else -1
        many.child_relation.queryset = KeyResult.objects.filter(organization_id=org)  # type: ignore[attr-defined]
        return fields


# -- reads that are not rows ------------------------------------------------------------------
class FindingSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="The rule, e.g. HW006.")
    name = serializers.CharField(help_text="The rule's short name, e.g. stale.")
    severity = serializers.CharField()
    object = serializers.CharField(help_text="kind:key of what the finding is about.")
    message = serializers.CharField()
    hint = serializers.CharField(help_text="How to fix it.")
    url = serializers.CharField(allow_null=True, help_text="The page of the object, if any.")


class HealthSerializer(serializers.Serializer):
    score = serializers.FloatField(allow_null=True, help_text="The health score, 0 to 1.")
    checked_at = serializers.DateTimeField(
        allow_null=True, help_text="When the findings were checked; null before the first check."
    )
    series_checked_at = serializers.DateTimeField(
        allow_null=True,
        help_text="When the check-ins and measurements made since `checked_at` were last checked "
        "(their staleness only); null when none were.",
    )
    pending = serializers.BooleanField(help_text="A change made since waits to be checked.")
    count = serializers.IntegerField(help_text="Findings on every page.")
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    findings = FindingSerializer(many=True)


class ScorecardKpiSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    value = serializers.DecimalField(max_digits=26, decimal_places=6, allow_null=True)
    target = serializers.DecimalField(max_digits=26, decimal_places=6, allow_null=True)
    status = serializers.CharField()


class ScorecardObjectiveSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    progress = serializers.DecimalField(max_digits=10, decimal_places=6, allow_null=True)
    status = serializers.CharField()


class ScorecardAreaSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    weight = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    owner = serializers.IntegerField(allow_null=True)
    health = serializers.DecimalField(max_digits=10, decimal_places=6, allow_null=True)
    status = serializers.CharField()
    indicators = ScorecardKpiSerializer(many=True)
    objectives = ScorecardObjectiveSerializer(many=True)


class ScorecardBelowSerializer(serializers.Serializer):
    name = serializers.CharField()
    detail = serializers.CharField()
    progress = serializers.DecimalField(max_digits=10, decimal_places=6, allow_null=True)
    objectives = serializers.IntegerField()


class ScorecardSerializer(serializers.Serializer):
    period = serializers.CharField(allow_null=True)
    scope = serializers.CharField(help_text="organization, unit:<id> or person:<id>")
    areas = ScorecardAreaSerializer(many=True)
    people = ScorecardBelowSerializer(many=True)
    units = ScorecardBelowSerializer(many=True)
