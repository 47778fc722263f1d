"""Filters of the list endpoints: period, scope, owner, status, updated since."""

from __future__ import annotations

import django_filters as filters

from headway.checkins.models import CheckIn
from headway.goals.models import Alignment, Initiative, KeyResult, Objective, ResultArea, Status
from headway.indicators.models import Indicator, Measurement
from headway.org.models import Period, Person, Unit


class _Updated(filters.FilterSet):
    updated_since = filters.IsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", help_text="Changed at or after (ISO 8601)."
    )


class UnitFilter(_Updated):
    class Meta:
        model = Unit
        fields = ["parent", "kind"]


class PersonFilter(_Updated):
    q = filters.CharFilter(field_name="name", lookup_expr="icontains", help_text="Name contains.")

    class Meta:
        model = Person
        fields = ["unit", "manager", "role", "active", "email"]


class ResultAreaFilter(_Updated):
    class Meta:
        model = ResultArea
        fields = ["scope_unit", "scope_person", "owner", "state", "parent"]


class IndicatorFilter(_Updated):
    class Meta:
        model = Indicator
        fields = ["scope_unit", "scope_person", "owner", "result_area", "direction"]


class MeasurementFilter(_Updated):
    since = filters.DateFilter(field_name="date", lookup_expr="gte")
    until = filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = Measurement
        fields = ["date"]


class ObjectiveFilter(_Updated):
    status = filters.ChoiceFilter(choices=Status.choices)

    class Meta:
        model = Objective
        fields = ["period", "scope_unit", "scope_person", "owner", "result_area", "state",
                  "visibility"]  # fmt: skip


class KeyResultFilter(_Updated):
    status = filters.ChoiceFilter(choices=Status.choices)
    period = filters.ModelChoiceFilter(
        field_name="objective__period", queryset=Period.objects.all(), help_text="The period's id."
    )

    class Meta:
        model = KeyResult
        fields = ["objective", "owner", "state", "indicator", "progress_source"]


class CheckInFilter(_Updated):
    since = filters.DateFilter(field_name="date", lookup_expr="gte")
    until = filters.DateFilter(field_name="date", lookup_expr="lte")
    period = filters.ModelChoiceFilter(
        field_name="key_result__objective__period",
        queryset=Period.objects.all(),
        help_text="The period's id.",
    )

    class Meta:
        model = CheckIn
        fields = ["key_result", "author"]


class AlignmentFilter(_Updated):
    class Meta:
        model = Alignment
        fields = ["child", "parent_objective", "parent_key_result"]


class InitiativeFilter(_Updated):
    class Meta:
        model = Initiative
        fields = ["state", "owner", "scope_unit", "scope_person", "result_area"]
