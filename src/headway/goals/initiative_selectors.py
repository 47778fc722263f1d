"""Reads of initiatives and milestones for their pages; visibility is `access`'s rule, as a filter
(`access.initiatives_visible_q`) so lists cost the same for 3 or 3,000 rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.db.models import F, Prefetch, Q, QuerySet
from django.http import Http404

from headway import access
from headway.audit.models import AuditEvent
from headway.core.model import to_decimal
from headway.core.progress import milestones_progress
from headway.goals.models import Initiative, InitiativeKeyResult, KeyResult, Milestone, Objective
from headway.org.models import Period, Person


# -- the work's progress ------------------------------------------------------------------------
@dataclass(frozen=True)
class WorkProgress:
    """How far the milestones of one initiative or key result are: Σ weight done ÷ Σ weight."""

    done: int
    total: int
    share: Decimal | None  # None: no milestones, or none with a weight


def work_progress(milestones: Iterable[Milestone]) -> WorkProgress:
    """The same arithmetic a key result of kind milestones uses (DESIGN §3.1)."""
    items = list(milestones)
    progress = milestones_progress((Fraction(m.weight), m.done) for m in items)
    return WorkProgress(
        done=sum(1 for m in items if m.done),
        total=len(items),
        share=to_decimal(progress.progress),
    )


def _milestones_in_order() -> QuerySet[Milestone]:
    """Due first (undated last on every database), then in the order they were added."""
    return Milestone.objects.order_by(F("due").asc(nulls_last=True), "id")


# -- initiatives --------------------------------------------------------------------------------
def initiative_list(
    *, person: Person, state: str = "", owner: Person | None = None, q: str = ""
) -> QuerySet[Initiative]:
    """The initiatives a person may see, filtered; milestones and the key results the person may
    see come with them in two more queries, whatever the page size."""
    initiatives = Initiative.objects.filter(access.initiatives_visible_q(person))
    if state:
        initiatives = initiatives.filter(state=state)
    if owner is not None:
        initiatives = initiatives.filter(owner=owner)
    if q:
        initiatives = initiatives.filter(Q(title__icontains=q) | Q(description__icontains=q))
    served = (
        InitiativeKeyResult.objects.filter(
            key_result__in=KeyResult.objects.filter(access.key_results_visible_q(person)).values(
                "pk"
            )
        )
        .select_related("key_result__objective")
        .order_by("key_result__title", "id")
    )
    return (
        initiatives.select_related("owner", "scope_unit", "scope_person", "result_area")
        .prefetch_related(
            Prefetch("milestones", queryset=_milestones_in_order(), to_attr="milestone_rows"),
            Prefetch("links", queryset=served, to_attr="visible_links"),
        )
        .order_by("title", "id")
    )


def initiative_get(*, person: Person | None, pk: Any) -> Initiative:
    """One initiative the person may see; anything else (another tenant's too) is 404."""
    initiative = (
        Initiative.objects.select_related(
            "owner", "scope_unit", "scope_person__unit", "result_area"
        )
        .filter(pk=pk)
        .first()
    )
    if initiative is None or not access.initiative_visible(person, initiative):
        raise Http404("No such initiative.")
    return initiative


def initiative_key_results(*, person: Person, initiative: Initiative) -> list[KeyResult]:
    """The key results an initiative serves that the person may see, with their objectives."""
    return list(
        KeyResult.objects.filter(access.key_results_visible_q(person), initiatives=initiative)
        .select_related("objective__period", "owner")
        .order_by("objective__title", "position", "id")
    )


def initiative_milestones(*, initiative: Initiative) -> list[Milestone]:
    return list(_milestones_in_order().filter(initiative=initiative))


def key_results_linkable(
    *, person: Person, today: dt.date, exclude: Iterable[int] = ()
) -> QuerySet[KeyResult]:
    """Key results the person may see in running periods: what an initiative may be said to
    serve."""
    return (
        KeyResult.objects.filter(
            access.key_results_visible_q(person),
            state=KeyResult.State.ACTIVE,
            objective__state__in=[Objective.State.ACTIVE, Objective.State.DRAFT],
            objective__period__start__lte=today,
            objective__period__end__gte=today,
        )
        .exclude(objective__period__state=Period.State.CLOSED)
        .exclude(pk__in=list(exclude))
        .select_related("objective__period")
        .order_by("objective__title", "position", "id")
    )


@dataclass(frozen=True)
class HistoryRow:
    """One audit event of an initiative, worded for the page."""

    event: AuditEvent
    what: str  # "initiative", "milestone" or "key result served"
    label: str  # the object's name, or a placeholder when the person may not see it


def initiative_history(
    *, person: Person, initiative: Initiative, limit: int = 50
) -> list[HistoryRow]:
    """Changes to the initiative, its milestones (removed ones too) and the key results it serves,
    newest first, in three queries. A key result the person may not see is not named."""
    pk = initiative.pk
    tenant = AuditEvent.objects.filter(organization_id=initiative.organization_id)
    # Audit rows name a milestone's initiative by id when it is created or removed.
    ever = tenant.filter(
        Q(changes__initiative__1=pk) | Q(changes__initiative__0=pk), object_type="milestone"
    ).values("object_id")
    current = Milestone.objects.filter(initiative=initiative).values("pk")
    events = list(
        tenant.filter(
            Q(object_type="initiative", object_id=pk)
            | Q(object_type="milestone", object_id__in=current)
            | Q(object_type="milestone", object_id__in=ever)
            | Q(object_type="initiativekeyresult", changes__initiative__1=pk)
            | Q(object_type="initiativekeyresult", changes__initiative__0=pk)
        )
        .select_related("actor")
        .order_by("-at", "-id")[:limit]
    )
    kr_ids: set[int] = set()
    for event in events:
        if event.object_type == "initiativekeyresult":
            kr_ids.update(v for v in event.changes.get("key_result", []) if v is not None)
    seen: dict[int, str] = {}
    if kr_ids:
        seen = dict(
            KeyResult.objects.filter(
                access.key_results_visible_q(person), pk__in=kr_ids
            ).values_list("pk", "title")
        )
    rows = []
    for event in events:
        if event.object_type == "initiativekeyresult":
            ids = [v for v in event.changes.get("key_result", []) if v is not None]
            title = seen.get(ids[0]) if ids else None
            rows.append(
                HistoryRow(event, "key result served", title or "a key result you cannot see")
            )
        else:
            rows.append(HistoryRow(event, event.object_type, event.object_repr))
    return rows


# -- key results ----------------------------------------------------------------------------------
def key_result_milestones(*, key_result: KeyResult) -> list[Milestone]:
    return list(_milestones_in_order().filter(key_result=key_result))


def milestone_get(*, person: Person, pk: Any) -> Milestone:
    """A milestone of the person's organization with what deciding access to it needs; 404 when
    the person may not see its initiative or key result."""
    milestone = (
        Milestone.objects.select_related(
            "initiative__owner",
            "key_result__owner",
            "key_result__objective__owner",
            "key_result__objective__scope_unit",
            "key_result__objective__scope_person__unit",
        )
        .filter(pk=pk, organization_id=person.organization_id)
        .first()
    )
    if milestone is None:
        raise Http404("No such milestone.")
    if milestone.initiative is not None:
        visible = access.initiative_visible(person, milestone.initiative)
    else:
        visible = access.key_result_visible(person, milestone.key_result)  # type: ignore[arg-type]
    if not visible:
        raise Http404("No such milestone.")
    return milestone
