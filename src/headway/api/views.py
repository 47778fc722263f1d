"""The API's endpoints: thin over the selectors (reads) and the services (writes).

Every list is what the caller may see; an id outside it answers 404. Writes check the access
policy first (403 when the caller sees the row but may not change it).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from headway import access
from headway.api import serializers as s
from headway.api.authentication import api_person
from headway.api.errors import error_body
from headway.api.filters import (
    AlignmentFilter,
    CheckInFilter,
    IndicatorFilter,
    InitiativeFilter,
    KeyResultFilter,
    MeasurementFilter,
    ObjectiveFilter,
    PersonFilter,
    ResultAreaFilter,
    UnitFilter,
)
from headway.api.pagination import Pagination
from headway.api.permissions import IsPerson
from headway.checkins.models import CheckIn
from headway.checkins.services import checkin_record
from headway.goals import services as goals
from headway.goals.models import Alignment, Initiative, KeyResult, Objective, ResultArea
from headway.health.selectors import findings_visible, health_state_get
from headway.indicators import services as indicators
from headway.indicators.models import Indicator, Measurement
from headway.org import selectors as org
from headway.org.models import Period, Person, Unit

IF_MATCH = OpenApiParameter(
    "If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, description="The ETag you read."
)


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = (
        "Send the version you read: the ETag in an If-Match header, or the version field."
    )


class TenantViewSet(viewsets.GenericViewSet):
    """A resource of the caller's organization, filtered to what the caller may see."""

    permission_classes = [IsPerson]
    ordering = ["id"]
    model: Any = None

    @property
    def person(self) -> Person:
        person = api_person(self.request)
        if person is None:  # IsPerson let nobody without a person this far
            raise exceptions.PermissionDenied()
        return person

    def visible(self, person: Person) -> QuerySet[Any]:
        return self.model.objects.filter(organization_id=person.organization_id)

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        return self.visible(self.person)

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["person"] = api_person(self.request)
        return context

    def validated(self, serializer_class: Any = None, instance: Any = None) -> dict[str, Any]:
        serializer = (serializer_class or self.get_serializer_class())(
            instance, data=self.request.data, partial=instance is not None and
            self.request.method == "PATCH", context=self.get_serializer_context(),
        )  # fmt: skip
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def respond(self, instance: Any, code: int = status.HTTP_200_OK) -> Response:
        serializer = self.get_serializer(instance)
        response = Response(serializer.data, status=code)
        if isinstance(serializer, s.VersionedSerializer):
            response["ETag"] = f'"{s.version_of(instance)}"'
        return response

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.respond(self.get_object())


def _changes(instance: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Only the fields whose value differs: an update that changes nothing writes nothing."""
    return {name: value for name, value in data.items() if getattr(instance, name) != value}


class VersionedUpdate:
    """PUT/PATCH must name the version read; a row changed since answers 409 with its state."""

    versioned = True
    refusal = "You may not change this."

    def may_change(self, person: Person, instance: Any) -> bool:
        raise NotImplementedError

    def apply(self, instance: Any, person: Person, changes: dict[str, Any]) -> None:
        """Write the changes through the resource's service."""
        raise NotImplementedError

    @extend_schema(parameters=[IF_MATCH])
    def update(self: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        instance = self.get_object()
        if not self.may_change(self.person, instance):
            raise exceptions.PermissionDenied(self.refusal)
        with transaction.atomic():
            conflict = self.claim(instance)
            if conflict is not None:
                return conflict
            changes = _changes(instance, self.validated(instance=instance))
            if changes:
                self.apply(instance, self.person, changes)
        instance.refresh_from_db()
        return self.respond(instance)

    @extend_schema(parameters=[IF_MATCH])
    def partial_update(self: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, **kwargs)

    def claim(self: Any, instance: Any) -> Response | None:
        sent = self.request.headers.get("If-Match") or self.request.data.get("version")
        if not sent:
            raise PreconditionRequired()
        sent = str(sent).strip().removeprefix("W/").strip('"')
        if sent != s.version_of(instance):
            return self.conflict(instance)
        # Compare-and-set: only one of two concurrent updates of the same version gets the row.
        claimed = type(instance).objects.filter(pk=instance.pk, updated_at=instance.updated_at)
        if not claimed.update(updated_at=timezone.now()):
            instance.refresh_from_db()
            return self.conflict(instance)
        return None

    def conflict(self: Any, instance: Any) -> Response:
        body = error_body(
            "Someone changed this since you read it; here is its current state. Apply your "
            "change to it and send its version.",
            {"version": ["Out of date."]},
        )
        body["current"] = self.get_serializer(instance).data
        response = Response(body, status=status.HTTP_409_CONFLICT)
        response["ETag"] = f'"{s.version_of(instance)}"'
        return response


# -- the organization (read only) -------------------------------------------------------------
@extend_schema_view(list=extend_schema(responses={200: s.UnitSerializer(many=True)}))
class UnitViewSet(TenantViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """The organization's units (divisions, departments, teams) as a tree: `parent`, `path`."""

    model = Unit
    serializer_class = s.UnitSerializer
    filterset_class = UnitFilter
    ordering_fields = ["id", "name", "path", "updated_at"]


class PersonViewSet(TenantViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """The organization's people with their unit, manager and role."""

    model = Person
    serializer_class = s.PersonSerializer
    filterset_class = PersonFilter
    ordering_fields = ["id", "name", "email", "updated_at"]


class PeriodViewSet(TenantViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Quarters and years goals are set for."""

    model = Period
    serializer_class = s.PeriodSerializer
    filterset_fields = ["state", "kind"]
    ordering_fields = ["id", "start", "name"]


@extend_schema(responses={200: s.PersonSerializer})
@api_view(["GET"])
@permission_classes([IsPerson])
def me(request: Request) -> Response:
    """The person the token or session belongs to."""
    return Response(s.PersonSerializer(api_person(request)).data)


# -- KRAs -------------------------------------------------------------------------------------
class ResultAreaViewSet(
    TenantViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
):  # fmt: skip
    """KRAs: the few vital areas each scope is accountable for."""

    model = ResultArea
    serializer_class = s.ResultAreaSerializer
    filterset_class = ResultAreaFilter
    ordering_fields = ["id", "name", "weight", "updated_at"]

    def get_serializer_class(self) -> Any:
        if self.action in ("update", "partial_update"):
            return s.ResultAreaUpdateSerializer
        return s.ResultAreaSerializer

    @extend_schema(
        examples=[
            OpenApiExample(
                "A team KRA",
                value={"name": "Customer retention", "scope_unit": 4, "owner": 12, "weight": 30},
                request_only=True,
            )
        ],
        responses={201: s.ResultAreaSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        person = self.person
        data = self.validated()
        unit, subject = data.get("scope_unit"), data.get("scope_person")
        if not access.may_create_in_scope(person, unit=unit, owner_scope=subject):
            raise exceptions.PermissionDenied("You may not add KRAs to that scope.")
        data.setdefault("owner", person)
        area = goals.result_area_create(organization=person.organization, actor=person, **data)
        return self.respond(area, status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        area = self.get_object()
        if not access.result_area_editable(self.person, area):
            raise exceptions.PermissionDenied("Only the KRA's owner, their managers and admins.")
        changes = _changes(area, self.validated(instance=area))
        if changes:
            area = goals.result_area_update(area=area, actor=self.person, **changes)
        return self.respond(area)

    @extend_schema(
        request=s.ReviewSerializer,
        responses={200: s.ResultAreaSerializer},
        examples=[
            OpenApiExample(
                "Reviewed", value={"note": "Still vital; KPIs unchanged."}, request_only=True
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: Any = None) -> Response:
        """Mark the KRA reviewed now, with an optional note."""
        area = self.get_object()
        if not access.result_area_editable(self.person, area):
            raise exceptions.PermissionDenied("Only the KRA's owner, their managers and admins.")
        note = self.validated(s.ReviewSerializer).get("note", "")
        return self.respond(goals.result_area_review(area=area, actor=self.person, note=note))


# -- KPIs -------------------------------------------------------------------------------------
class IndicatorViewSet(
    TenantViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
):  # fmt: skip
    """KPIs with their targets per period; their measurements under /measurements/."""

    model = Indicator
    filterset_class = IndicatorFilter
    ordering_fields = ["id", "name", "updated_at"]

    def visible(self, person: Person) -> QuerySet[Any]:
        return super().visible(person).prefetch_related("targets")

    def get_serializer_class(self) -> Any:
        if self.action in ("update", "partial_update"):
            return s.IndicatorUpdateSerializer
        if self.action == "measurements":
            return s.MeasurementSerializer
        if self.action == "targets":
            return s.TargetSerializer
        return s.IndicatorSerializer

    @extend_schema(
        examples=[
            OpenApiExample(
                "A team KPI with a red threshold",
                value={
                    "name": "Net revenue retention",
                    "unit_label": "%",
                    "direction": "up",
                    "frequency": "month",
                    "scope_unit": 4,
                    "result_area": 9,
                    "red_below": "95",
                },
                request_only=True,
            )
        ],
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        person = self.person
        data = self.validated()
        unit, subject = data.get("scope_unit"), data.get("scope_person")
        if not access.may_create_in_scope(person, unit=unit, owner_scope=subject):
            raise exceptions.PermissionDenied("You may not add KPIs to that scope.")
        data.setdefault("owner", person)
        indicator = indicators.indicator_create(
            organization=person.organization, actor=person, **data
        )
        return self.respond(indicator, status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        indicator = self.get_object()
        if not access.indicator_editable(self.person, indicator):
            raise exceptions.PermissionDenied("Only the KPI's owner, their managers and admins.")
        changes = _changes(indicator, self.validated(instance=indicator))
        if changes:
            indicator = indicators.indicator_update(
                indicator=indicator, actor=self.person, **changes
            )
        return self.respond(indicator)

    @extend_schema(
        methods=["GET"],
        parameters=[
            OpenApiParameter("since", OpenApiTypes.DATE),
            OpenApiParameter("until", OpenApiTypes.DATE),
        ],
        responses={200: s.MeasurementSerializer(many=True)},
    )
    @extend_schema(
        methods=["POST"],
        examples=[
            OpenApiExample(
                "Yesterday's value",
                value={"date": "2026-11-21", "value": "8.4", "note": "from the CRM"},
                request_only=True,
            )
        ],
        responses={201: s.MeasurementSerializer},
    )
    @action(detail=True, methods=["get", "post"])
    def measurements(self, request: Request, pk: Any = None) -> Response:
        """The KPI's values (GET, newest first, filter since/until) or record one (POST; a
        value for a date already measured replaces it)."""
        indicator = self.get_object()
        if request.method == "GET":
            rows = MeasurementFilter(
                request.query_params, queryset=Measurement.objects.filter(indicator=indicator)
            )
            if not rows.is_valid():
                raise exceptions.ValidationError(rows.errors)
            page = self.paginate_queryset(rows.qs.order_by("-date", "-id"))
            return self.get_paginated_response(s.MeasurementSerializer(page, many=True).data)
        if not access.measurement_allowed(self.person, indicator):
            raise exceptions.PermissionDenied("Only the KPI's owner, their managers and admins.")
        data = self.validated(s.MeasurementSerializer)
        measurement = indicators.measurement_record(
            indicator=indicator, actor=self.person, source=Indicator.Source.API, **data
        )
        return Response(s.MeasurementSerializer(measurement).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=s.TargetSerializer,
        responses={200: s.TargetSerializer},
        examples=[
            OpenApiExample("A value", value={"period": 5, "value": "110"}, request_only=True),
            OpenApiExample(
                "A range", value={"period": 5, "lower": "95", "upper": "99"}, request_only=True
            ),
        ],
    )
    @action(detail=True, methods=["put"])
    def targets(self, request: Request, pk: Any = None) -> Response:
        """Set (or replace) the KPI's target for a period: `value`, or `lower` and `upper`."""
        indicator = self.get_object()
        if not access.indicator_editable(self.person, indicator):
            raise exceptions.PermissionDenied("Only the KPI's owner, their managers and admins.")
        data = self.validated(s.TargetSerializer)
        target = indicators.target_set(indicator=indicator, actor=self.person, **data)
        return Response(s.TargetSerializer(target).data)


# -- objectives and key results ---------------------------------------------------------------
def visible_key_results(person: Person) -> QuerySet[KeyResult]:
    return KeyResult.objects.filter(access.key_results_visible_q(person))


class ObjectiveViewSet(
    TenantViewSet, VersionedUpdate, mixins.ListModelMixin, mixins.RetrieveModelMixin,
    mixins.CreateModelMixin, mixins.UpdateModelMixin, mixins.DestroyModelMixin,
):  # fmt: skip
    """Objectives the caller may see (private ones only for their owner, managers, HR, admins)."""

    model = Objective
    filterset_class = ObjectiveFilter
    ordering_fields = ["id", "title", "progress", "updated_at"]

    def visible(self, person: Person) -> QuerySet[Any]:
        return Objective.objects.filter(access.objectives_visible_q(person))

    def get_serializer_class(self) -> Any:
        if self.action in ("update", "partial_update"):
            return s.ObjectiveUpdateSerializer
        return s.ObjectiveSerializer

    @extend_schema(
        examples=[
            OpenApiExample(
                "A personal objective this quarter",
                value={
                    "title": "Make our largest customers successful",
                    "period": 5,
                    "scope_person": 54,
                    "visibility": "public",
                },
                request_only=True,
            )
        ],
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        person = self.person
        data = self.validated()
        unit, subject = data.get("scope_unit"), data.get("scope_person")
        if not access.may_create_in_scope(person, unit=unit, owner_scope=subject):
            raise exceptions.PermissionDenied("You may not add objectives to that scope.")
        data.setdefault("owner", person)
        data.setdefault("period", None)
        objective = goals.objective_create(organization=person.organization, actor=person, **data)
        return self.respond(objective, status.HTTP_201_CREATED)

    refusal = "Only the objective's owner, managers and admins."

    def may_change(self, person: Person, instance: Any) -> bool:
        return access.objective_editable(person, instance)

    def apply(self, instance: Any, person: Person, changes: dict[str, Any]) -> None:
        goals.objective_update(objective=instance, actor=person, **changes)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        objective = self.get_object()
        if not access.objective_editable(self.person, objective):
            raise exceptions.PermissionDenied("Only the objective's owner, managers and admins.")
        goals.objective_delete(objective=objective, actor=self.person)
        return Response(status=status.HTTP_204_NO_CONTENT)


class KeyResultViewSet(
    TenantViewSet, VersionedUpdate, mixins.ListModelMixin, mixins.RetrieveModelMixin,
    mixins.CreateModelMixin, mixins.UpdateModelMixin, mixins.DestroyModelMixin,
):  # fmt: skip
    """Key results: from a start to a target; progress, status and attainment are derived."""

    model = KeyResult
    filterset_class = KeyResultFilter
    ordering_fields = ["id", "title", "progress", "updated_at", "position"]

    def visible(self, person: Person) -> QuerySet[Any]:
        return visible_key_results(person)

    def get_serializer_class(self) -> Any:
        if self.action in ("update", "partial_update"):
            return s.KeyResultUpdateSerializer
        return s.KeyResultSerializer

    @extend_schema(
        examples=[
            OpenApiExample(
                "Reduce churn",
                value={
                    "objective": 7,
                    "title": "Reduce monthly churn from 8% to 5%",
                    "kind": "percent",
                    "start": "8",
                    "target": "5",
                    "unit_label": "%",
                },
                request_only=True,
            )
        ],
        responses={201: s.KeyResultSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        person = self.person
        data = self.validated()
        objective = data.pop("objective")
        if not access.objective_visible(person, objective):
            raise exceptions.ValidationError({"objective": ["No such objective."]})
        if not access.objective_editable(person, objective):
            raise exceptions.PermissionDenied("Only the objective's owner, managers and admins.")
        title = data.pop("title")
        kr = goals.key_result_create(objective=objective, title=title, actor=person, **data)
        return self.respond(kr, status.HTTP_201_CREATED)

    refusal = "Only the key result's owner, managers and admins."

    def may_change(self, person: Person, instance: Any) -> bool:
        return access.key_result_editable(person, instance)

    def apply(self, instance: Any, person: Person, changes: dict[str, Any]) -> None:
        goals.key_result_update(key_result=instance, actor=person, **changes)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        kr = self.get_object()
        if not access.objective_editable(self.person, kr.objective):
            raise exceptions.PermissionDenied("Only the objective's owner, managers and admins.")
        goals.key_result_delete(key_result=kr, actor=self.person)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CheckInViewSet(
    TenantViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin
):
    """Check-ins on key results: append-only, newest last."""

    model = CheckIn
    serializer_class = s.CheckInSerializer
    filterset_class = CheckInFilter
    ordering_fields = ["id", "date", "created_at"]

    def visible(self, person: Person) -> QuerySet[Any]:
        return CheckIn.objects.filter(key_result__in=visible_key_results(person))

    @extend_schema(
        examples=[
            OpenApiExample(
                "A weekly check-in",
                value={"key_result": 42, "value": "6.5", "confidence": 7, "note": "Two deals"},
                request_only=True,
            )
        ],
        responses={201: s.CheckInSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        person = self.person
        data = self.validated()
        kr = data.pop("key_result")
        if not access.key_result_visible(person, kr):
            raise exceptions.ValidationError({"key_result": ["No such key result."]})
        if not access.check_in_allowed(person, kr):
            raise exceptions.PermissionDenied(
                "Only the key result's owner, the objective's owner, their managers and admins."
            )
        data.setdefault("value", None)
        check_in = checkin_record(key_result=kr, author=person, **data)
        return self.respond(check_in, status.HTTP_201_CREATED)


class AlignmentViewSet(
    TenantViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
):  # fmt: skip
    """Links from an objective up to the objective or key result it moves."""

    model = Alignment
    serializer_class = s.AlignmentSerializer
    filterset_class = AlignmentFilter
    ordering_fields = ["id"]

    def visible(self, person: Person) -> QuerySet[Any]:
        objectives = Objective.objects.filter(access.objectives_visible_q(person))
        return Alignment.objects.filter(
            Q(parent_objective__in=objectives) | Q(parent_key_result__objective__in=objectives),
            organization_id=person.organization_id,
            child__in=objectives,
        )

    @extend_schema(
        examples=[
            OpenApiExample(
                "Align under a key result",
                value={"child": 31, "parent_key_result": 87},
                request_only=True,
            )
        ],
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        person = self.person
        data = self.validated()
        child = data["child"]
        parent = data.get("parent_objective") or getattr(
            data.get("parent_key_result"), "objective", None
        )
        for field, objective in (("child", child), ("parent", parent)):
            if objective is not None and not access.objective_visible(person, objective):
                raise exceptions.ValidationError({field: ["No such objective."]})
        if not access.objective_editable(person, child):
            raise exceptions.PermissionDenied("Only the child objective's owner, managers, admins.")
        link = goals.alignment_create(actor=person, **data)
        return self.respond(link, status.HTTP_201_CREATED)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        link = self.get_object()
        if not access.objective_editable(self.person, link.child):
            raise exceptions.PermissionDenied("Only the child objective's owner, managers, admins.")
        goals.alignment_delete(alignment=link, actor=self.person)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InitiativeViewSet(
    TenantViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
):  # fmt: skip
    """The work done to move key results, with its milestones (never counted as progress)."""

    model = Initiative
    serializer_class = s.InitiativeSerializer
    filterset_class = InitiativeFilter
    ordering_fields = ["id", "title", "updated_at"]

    def visible(self, person: Person) -> QuerySet[Any]:
        return (
            Initiative.objects.filter(access.initiatives_visible_q(person))
            .prefetch_related("milestones", "key_results")
            .order_by("id")
        )

    def _check_key_results(self, person: Person, key_results: list[KeyResult]) -> None:
        for kr in key_results:
            if not access.key_result_visible(person, kr):
                raise exceptions.ValidationError({"key_results": [f"No such key result: {kr.pk}."]})

    @extend_schema(
        examples=[
            OpenApiExample(
                "Work serving a key result",
                value={
                    "title": "Onboarding revamp",
                    "state": "active",
                    "key_results": [87],
                    "effort_days": "20",
                },
                request_only=True,
            )
        ],
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        person = self.person
        data = self.validated()
        key_results = data.get("key_results") or []
        self._check_key_results(person, key_results)
        unit, subject = data.get("scope_unit"), data.get("scope_person")
        serves_own = any(access.key_result_editable(person, kr) for kr in key_results)
        if not serves_own and not access.may_create_in_scope(
            person, unit=unit, owner_scope=subject
        ):
            raise exceptions.PermissionDenied(
                "Add initiatives to a scope you may change, or to a key result you may change."
            )
        data.setdefault("owner", person)
        initiative = goals.initiative_create(organization=person.organization, actor=person, **data)
        return self.respond(initiative, status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        initiative = self.get_object()
        if not access.initiative_editable(self.person, initiative):
            raise exceptions.PermissionDenied("Only the initiative's owner, managers and admins.")
        data = self.validated(instance=initiative)
        if "key_results" in data:
            self._check_key_results(self.person, data["key_results"])
            if set(data["key_results"]) == set(initiative.key_results.all()):
                del data["key_results"]
        changes = {
            k: v for k, v in data.items() if k == "key_results" or getattr(initiative, k) != v
        }
        if changes:
            initiative = goals.initiative_update(
                initiative=initiative, actor=self.person, **changes
            )
        return self.respond(self.get_queryset().get(pk=initiative.pk))


# -- reads that are not rows ------------------------------------------------------------------
@extend_schema(
    parameters=[
        OpenApiParameter("unit", OpenApiTypes.INT, description="Only findings in this unit."),
        OpenApiParameter("rule", OpenApiTypes.STR, description="Only this rule's, e.g. HW006."),
        OpenApiParameter("page", OpenApiTypes.INT, description="The page, from 1."),
        OpenApiParameter("page_size", OpenApiTypes.INT, description="Rows per page, up to 500."),
    ],
    responses={200: s.HealthSerializer},
)
@api_view(["GET"])
@permission_classes([IsPerson])
def health(request: Request) -> Response:
    """The health checks' findings (DESIGN §4) the caller may see, page by page, and the health
    score, as the background worker last checked them (`checked_at`; `pending` while a change
    waits for the next check)."""
    person = api_person(request)
    assert person is not None
    unit = None
    if request.query_params.get("unit"):
        unit_id = _int(request.query_params["unit"], "unit")
        unit = get_object_or_404(Unit, organization_id=person.organization_id, pk=unit_id)
    rule = request.query_params.get("rule") or None
    state = health_state_get(organization_id=person.organization_id)
    findings = findings_visible(person, unit=unit, code=rule)
    paginator = Pagination()
    page = paginator.paginate_queryset(findings, request) or []
    count = paginator.page.paginator.count if paginator.page else 0
    rows = [
        {
            "code": f.code, "name": f.name, "severity": f.severity, "object": f.object,
            "message": f.message, "hint": f.hint, "url": f.url or None,
        }
        for f in page
    ]  # fmt: skip
    score = state.score if state else None
    return Response(
        {
            "score": None if score is None else float(score),
            "checked_at": state.checked_at if state else None,
            "series_checked_at": state.series_checked_at if state else None,
            "pending": state.pending if state else True,
            "count": count,
            "next": paginator.get_next_link(),
            "previous": paginator.get_previous_link(),
            "findings": rows,
        }
    )


def _int(value: str, field: str) -> int:
    if not value.isdigit() or len(value) > 18:
        raise exceptions.ValidationError({field: ["A whole number is required."]})
    return int(value)


@extend_schema(
    parameters=[
        OpenApiParameter("unit", OpenApiTypes.INT, description="A unit's scorecard."),
        OpenApiParameter("person", OpenApiTypes.INT, description="A person's scorecard."),
        OpenApiParameter("period", OpenApiTypes.INT, description="Default: the current one."),
    ],
    responses={200: s.ScorecardSerializer},
)
@api_view(["GET"])
@permission_classes([IsPerson])
def scorecard(request: Request) -> Response:
    """A scope's KRAs with health, KPIs and objectives, and the people and units below it."""
    person = api_person(request)
    assert person is not None
    params = request.query_params
    unit = subject = None
    scope = "organization"
    if params.get("unit"):
        unit = org.unit_get(person=person, pk=_int(params["unit"], "unit"))
        scope = f"unit:{unit.pk}"
    if params.get("person"):
        if unit is not None:
            raise exceptions.ValidationError({"person": ["Ask for a unit or a person, not both."]})
        subject = org.person_get(person=person, pk=_int(params["person"], "person"))
        scope = f"person:{subject.pk}"
    today = timezone.localdate()
    period: Period | None
    if params.get("period"):
        period = get_object_or_404(
            Period, organization_id=person.organization_id, pk=_int(params["period"], "period")
        )
    else:
        period = org.period_default(organization=person.organization, today=today)
    card = org.scorecard(viewer=person, period=period, today=today, unit=unit, subject=subject)
    below = lambda row: {  # noqa: E731
        "name": row.name, "detail": row.detail, "progress": row.progress,
        "objectives": row.objectives,
    }  # fmt: skip
    data = {
        "period": period.name if period else None,
        "scope": scope,
        "areas": [
            {
                "id": row.area.pk,
                "name": row.area.name,
                "weight": row.area.weight,
                "owner": row.area.owner_id,
                "health": row.health,
                "status": row.rag.code,
                "indicators": [
                    {
                        "id": k.indicator.pk,
                        "name": k.indicator.name,
                        "value": k.value,
                        "target": k.target,
                        "status": k.rag.code,
                    }
                    for k in row.indicators
                ],
                "objectives": [
                    {"id": o.pk, "title": o.title, "progress": o.progress, "status": o.status}
                    for o in row.objectives
                ],
            }
            for row in card.areas
        ],
        "people": [below(row) for row in card.people],
        "units": [below(row) for row in card.units],
    }
    return Response(s.ScorecardSerializer(data).data)
