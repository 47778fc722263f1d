"""Every write to KRAs, objectives, key results, alignments, milestones and initiatives.

Each service validates, runs in one transaction, refreshes the derived values that depend on
what changed, and writes an audit row.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from headway.audit.models import AuditEvent
from headway.audit.services import audit_record, snapshot
from headway.core.pace import grade
from headway.core.progress import infer_direction
from headway.goals.models import (
    Alignment,
    Initiative,
    InitiativeKeyResult,
    KeyResult,
    Milestone,
    Objective,
    ResultArea,
    ScoreSnapshot,
)
from headway.goals.rollup import number, recompute_organization, rollup_key_result, rollup_objective
from headway.org.keys import unique_key
from headway.org.models import Organization, Period, Person, Unit
from headway.org.services import period_update, same_organization
from headway.webhooks import events as webhook_events

# Fields whose change moves derived values.
KEY_RESULT_DERIVED_INPUTS = {
    "kind", "direction", "start", "target", "lower", "upper", "weight", "progress_source",
    "indicator", "indicator_id", "due", "state", "confidence_start",
}  # fmt: skip
OBJECTIVE_DERIVED_INPUTS = {"period", "period_id", "state", "rollup"}
RESULT_AREA_DEFINITION = {"name", "description", "parent", "parent_id", "state"}


def _validate_scope(scope_unit: Unit | None, scope_person: Person | None) -> None:
    if scope_unit is not None and scope_person is not None:
        raise ValidationError({"scope_unit": "Choose a unit or a person as the scope, not both."})


def _full_clean(instance: Any) -> None:
    instance.full_clean(exclude=["organization"], validate_unique=False, validate_constraints=True)


# -- KRAs -------------------------------------------------------------------------------------
@transaction.atomic
def result_area_create(
    *,
    organization: Organization,
    name: str,
    owner: Person | None,
    actor: Person | None = None,
    scope_unit: Unit | None = None,
    scope_person: Person | None = None,
    key: str = "",
    description: str = "",
    weight: Decimal | None = None,
    parent: ResultArea | None = None,
    review_cadence_days: int = 90,
    last_reviewed_at: dt.datetime | None = None,
    state: str = ResultArea.State.ACTIVE,
) -> ResultArea:
    same_organization(
        organization.pk,
        owner=owner,
        scope_unit=scope_unit,
        scope_person=scope_person,
        parent=parent,
    )
    _validate_scope(scope_unit, scope_person)
    key = key or unique_key(ResultArea, organization_id=organization.pk, text=name, prefix="kra")
    if ResultArea.objects.filter(organization=organization, key=key).exists():
        raise ValidationError({"key": f"Another KRA already has the key {key!r}."})
    area = ResultArea(
        organization=organization,
        key=key,
        name=name,
        owner=owner,
        scope_unit=scope_unit,
        scope_person=scope_person,
        description=description,
        weight=weight,
        parent=parent,
        review_cadence_days=review_cadence_days,
        last_reviewed_at=last_reviewed_at,
        state=state,
        definition_changed_at=timezone.now(),
    )
    _full_clean(area)
    area.save()
    audit_record(instance=area, action=AuditEvent.Action.CREATE, actor=actor)
    return area


def _check_kra_parent(area: ResultArea, parent: ResultArea | None) -> None:
    seen = {area.pk}
    node = parent
    while node is not None:
        if node.pk in seen:
            raise ValidationError(
                {"parent": "A KRA cannot ladder up to itself or to a KRA below it."}
            )
        seen.add(node.pk)
        node = node.parent


@transaction.atomic
def result_area_update(
    *, area: ResultArea, actor: Person | None = None, **fields: Any
) -> ResultArea:
    before = snapshot(area)
    if "parent" in fields:
        same_organization(area.organization_id, parent=fields["parent"])
        _check_kra_parent(area, fields["parent"])
    for field in ("owner", "scope_unit", "scope_person"):
        if field in fields:
            same_organization(area.organization_id, **{field: fields[field]})
    for name, value in fields.items():
        setattr(area, name, value)
    _validate_scope(area.scope_unit, area.scope_person)
    if any(
        before.get(name) != snapshot(area).get(name)
        for name in ("name", "description", "parent", "state")
    ):
        area.definition_changed_at = timezone.now()
    _full_clean(area)
    area.save()
    audit_record(instance=area, action=AuditEvent.Action.UPDATE, actor=actor, before=before)
    return area


@transaction.atomic
def result_area_review(*, area: ResultArea, actor: Person | None, note: str = "") -> ResultArea:
    """Mark a KRA reviewed now (feeds HW008 unreviewed and HW015 drifted)."""
    before = snapshot(area)
    area.last_reviewed_at = timezone.now()
    area.last_reviewed_by = actor
    area.last_review_note = note.strip()[:500]
    area.save(
        update_fields=["last_reviewed_at", "last_reviewed_by", "last_review_note", "updated_at"]
    )
    audit_record(instance=area, action=AuditEvent.Action.UPDATE, actor=actor, before=before)
    return area


# -- objectives -------------------------------------------------------------------------------
@transaction.atomic
def objective_create(
    *,
    organization: Organization,
    title: str,
    owner: Person | None,
    period: Period | None,
    actor: Person | None = None,
    scope_unit: Unit | None = None,
    scope_person: Person | None = None,
    key: str = "",
    description: str = "",
    result_area: ResultArea | None = None,
    visibility: str = "public",
    state: str = Objective.State.ACTIVE,
    rollup: str = Objective.Rollup.KEY_RESULTS,
) -> Objective:
    same_organization(
        organization.pk,
        owner=owner,
        period=period,
        scope_unit=scope_unit,
        scope_person=scope_person,
        result_area=result_area,
    )
    _validate_scope(scope_unit, scope_person)
    key = key or unique_key(Objective, organization_id=organization.pk, text=title, prefix="o")
    if Objective.objects.filter(organization=organization, key=key).exists():
        raise ValidationError({"key": f"Another objective already has the key {key!r}."})
    objective = Objective(
        organization=organization,
        key=key,
        title=title,
        owner=owner,
        period=period,
        scope_unit=scope_unit,
        scope_person=scope_person,
        description=description,
        result_area=result_area,
        visibility=visibility,
        state=state,
        rollup=rollup,
    )
    _full_clean(objective)
    objective.save()
    audit_record(instance=objective, action=AuditEvent.Action.CREATE, actor=actor)
    rollup_objective(objective)
    return objective


@transaction.atomic
def objective_update(
    *, objective: Objective, actor: Person | None = None, **fields: Any
) -> Objective:
    before = snapshot(objective)
    related = {
        k: v
        for k, v in fields.items()
        if k in {"owner", "period", "scope_unit", "scope_person", "result_area"}
    }
    same_organization(objective.organization_id, **related)
    for name, value in fields.items():
        setattr(objective, name, value)
    _validate_scope(objective.scope_unit, objective.scope_person)
    _full_clean(objective)
    objective.save()
    audit_record(instance=objective, action=AuditEvent.Action.UPDATE, actor=actor, before=before)
    if OBJECTIVE_DERIVED_INPUTS & set(fields):
        # A new period or state moves every key result's status, then the chain above.
        for kr in objective.key_results.all():
            rollup_key_result(kr)
        rollup_objective(objective)
    webhook_events.objective_closed(objective, state_before=before["state"])
    return objective


@transaction.atomic
def objective_delete(*, objective: Objective, actor: Person | None = None) -> None:
    parents = list(Alignment.objects.filter(child=objective))
    before = snapshot(objective)
    audit_record(instance=objective, action=AuditEvent.Action.DELETE, actor=actor, before=before)
    objective.delete()
    for link in parents:
        if link.parent_objective_id:
            rollup_objective(Objective.objects.get(pk=link.parent_objective_id))
        elif link.parent_key_result_id:
            rollup_key_result(KeyResult.objects.get(pk=link.parent_key_result_id))


# -- key results ------------------------------------------------------------------------------
def _validate_key_result(kr: KeyResult) -> None:
    errors: dict[str, str] = {}
    numeric = kr.kind not in (KeyResult.Kind.BOOLEAN, KeyResult.Kind.MILESTONES)
    if numeric and kr.progress_source == KeyResult.Source.CHECK_INS:
        if kr.direction == KeyResult.Direction.WITHIN:
            if kr.lower is None or kr.upper is None:
                errors["lower"] = "A 'within' key result needs a lower and an upper bound."
            elif kr.lower > kr.upper:
                errors["upper"] = "The upper bound is below the lower bound."
        elif kr.direction == KeyResult.Direction.INCREASE and None not in (kr.start, kr.target):
            if kr.target < kr.start:
                errors["target"] = "An increasing key result needs a target above its start."
        elif kr.direction == KeyResult.Direction.DECREASE and None not in (kr.start, kr.target):
            if kr.target > kr.start:
                errors["target"] = "A decreasing key result needs a target below its start."
    if kr.progress_source == KeyResult.Source.INDICATOR and not kr.indicator_id:
        errors["indicator"] = "Choose the KPI this key result follows."
    if kr.confidence_start is not None and not 0 <= kr.confidence_start <= 10:
        errors["confidence_start"] = "Confidence is a whole number from 0 to 10."
    # A key result due after its period ends is allowed but reported (HW011 not-time-bound).
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def key_result_create(
    *,
    objective: Objective,
    title: str,
    actor: Person | None = None,
    owner: Person | None = None,
    key: str = "",
    **fields: Any,
) -> KeyResult:
    same_organization(objective.organization_id, owner=owner, indicator=fields.get("indicator"))
    key = key or unique_key(
        KeyResult, organization_id=objective.organization_id, text=title, prefix="kr"
    )
    if KeyResult.objects.filter(organization_id=objective.organization_id, key=key).exists():
        raise ValidationError({"key": f"Another key result already has the key {key!r}."})
    if "position" not in fields:
        fields["position"] = objective.key_results.count()
    if "direction" not in fields:  # DESIGN §6: a target below the start means decrease
        start, target = fields.get("start"), fields.get("target")
        fields["direction"] = str(infer_direction(number(start), number(target)))
    kr = KeyResult(
        organization_id=objective.organization_id,
        objective=objective,
        key=key,
        title=title,
        owner=owner or objective.owner,
        **fields,
    )
    _validate_key_result(kr)
    _full_clean(kr)
    kr.save()
    audit_record(instance=kr, action=AuditEvent.Action.CREATE, actor=actor)
    rollup_key_result(kr)
    return kr


@transaction.atomic
def key_result_update(
    *, key_result: KeyResult, actor: Person | None = None, **fields: Any
) -> KeyResult:
    before = snapshot(key_result)
    same_organization(
        key_result.organization_id, owner=fields.get("owner"), indicator=fields.get("indicator")
    )
    for name, value in fields.items():
        setattr(key_result, name, value)
    _validate_key_result(key_result)
    _full_clean(key_result)
    key_result.save()
    audit_record(instance=key_result, action=AuditEvent.Action.UPDATE, actor=actor, before=before)
    if KEY_RESULT_DERIVED_INPUTS & set(fields):
        rollup_key_result(key_result)
    return key_result


@transaction.atomic
def key_result_delete(*, key_result: KeyResult, actor: Person | None = None) -> None:
    objective = key_result.objective
    audit_record(
        instance=key_result,
        action=AuditEvent.Action.DELETE,
        actor=actor,
        before=snapshot(key_result),
    )
    key_result.delete()
    rollup_objective(objective)


# -- alignment --------------------------------------------------------------------------------
def _objective_ancestors(objective_id: int) -> set[int]:
    """Every objective above this one through alignments (a key result counts as its objective)."""
    seen: set[int] = set()
    frontier = [objective_id]
    while frontier:
        links = Alignment.objects.filter(child_id__in=frontier).select_related("parent_key_result")
        next_frontier = []
        for link in links:
            parent = link.parent_objective_id or link.parent_key_result.objective_id  # type: ignore[union-attr]
            if parent not in seen:
                seen.add(parent)
                next_frontier.append(parent)
        frontier = next_frontier
    return seen


@transaction.atomic
def alignment_create(
    *,
    child: Objective,
    parent_objective: Objective | None = None,
    parent_key_result: KeyResult | None = None,
    weight: Decimal = Decimal(1),
    actor: Person | None = None,
) -> Alignment:
    """Align an objective under a higher objective or key result; cycles are refused."""
    if (parent_objective is None) == (parent_key_result is None):
        raise ValidationError({"parent_objective": "Align to one objective or one key result."})
    same_organization(
        child.organization_id,
        parent_objective=parent_objective,
        parent_key_result=parent_key_result,
    )
    if weight < 0:
        raise ValidationError({"weight": "A weight cannot be negative."})
    target = parent_objective.pk if parent_objective else parent_key_result.objective_id  # type: ignore[union-attr]
    if target == child.pk or child.pk in _objective_ancestors(target):
        raise ValidationError(
            {
                "parent_objective": "That would make a cycle: the parent is already aligned below this objective."
            }
        )
    exists = Alignment.objects.filter(
        child=child, parent_objective=parent_objective, parent_key_result=parent_key_result
    )
    if exists.exists():
        raise ValidationError({"parent_objective": "This objective is already aligned there."})
    link = Alignment.objects.create(
        organization_id=child.organization_id,
        child=child,
        parent_objective=parent_objective,
        parent_key_result=parent_key_result,
        weight=weight,
    )
    audit_record(instance=link, action=AuditEvent.Action.CREATE, actor=actor)
    _rollup_parent_of(link)
    return link


def _rollup_parent_of(link: Alignment) -> None:
    if link.parent_objective_id:
        rollup_objective(
            Objective.objects.select_related("period").get(pk=link.parent_objective_id)
        )
    elif link.parent_key_result_id:
        rollup_key_result(KeyResult.objects.get(pk=link.parent_key_result_id))


@transaction.atomic
def alignment_update(
    *, alignment: Alignment, weight: Decimal, actor: Person | None = None
) -> Alignment:
    if weight < 0:
        raise ValidationError({"weight": "A weight cannot be negative."})
    before = snapshot(alignment)
    alignment.weight = weight
    alignment.save(update_fields=["weight", "updated_at"])
    audit_record(instance=alignment, action=AuditEvent.Action.UPDATE, actor=actor, before=before)
    _rollup_parent_of(alignment)
    return alignment


@transaction.atomic
def alignment_delete(*, alignment: Alignment, actor: Person | None = None) -> None:
    audit_record(
        instance=alignment, action=AuditEvent.Action.DELETE, actor=actor, before=snapshot(alignment)
    )
    alignment.delete()
    _rollup_parent_of(alignment)


# -- milestones and initiatives ---------------------------------------------------------------
@transaction.atomic
def milestone_save(
    *, milestone: Milestone, actor: Person | None = None, before: dict[str, Any] | None = None
) -> Milestone:
    """Create or change a milestone; a key result's progress follows its milestones."""
    if (milestone.key_result_id is None) == (milestone.initiative_id is None):
        raise ValidationError(
            {"key_result": "A milestone belongs to one key result or one initiative."}
        )
    created = milestone.pk is None
    if created:
        parent = milestone.key_result or milestone.initiative
        milestone.organization_id = parent.organization_id  # type: ignore[union-attr]
    _full_clean(milestone)
    milestone.save()
    audit_record(
        instance=milestone,
        action=AuditEvent.Action.CREATE if created else AuditEvent.Action.UPDATE,
        actor=actor,
        before=before,
    )
    if milestone.key_result_id:
        rollup_key_result(milestone.key_result)  # type: ignore[arg-type]
    return milestone


@transaction.atomic
def milestone_delete(*, milestone: Milestone, actor: Person | None = None) -> None:
    """Remove a milestone (the history keeps it); a key result's progress follows at once."""
    key_result = milestone.key_result
    audit_record(
        instance=milestone, action=AuditEvent.Action.DELETE, actor=actor, before=snapshot(milestone)
    )
    milestone.delete()
    if key_result is not None:
        rollup_key_result(key_result)


@transaction.atomic
def initiative_create(
    *,
    organization: Organization,
    title: str,
    owner: Person | None,
    actor: Person | None = None,
    key_results: list[KeyResult] | None = None,
    **fields: Any,
) -> Initiative:
    same_organization(
        organization.pk,
        owner=owner,
        result_area=fields.get("result_area"),
        scope_unit=fields.get("scope_unit"),
        scope_person=fields.get("scope_person"),
    )
    initiative = Initiative(organization=organization, title=title, owner=owner, **fields)
    _validate_scope(initiative.scope_unit, initiative.scope_person)
    _full_clean(initiative)
    initiative.save()
    if key_results:
        for kr in key_results:
            same_organization(organization.pk, key_results=kr)
        initiative.key_results.set(key_results, through_defaults={"organization": organization})
    audit_record(instance=initiative, action=AuditEvent.Action.CREATE, actor=actor)
    return initiative


@transaction.atomic
def initiative_update(
    *, initiative: Initiative, actor: Person | None = None, **fields: Any
) -> Initiative:
    before = snapshot(initiative)
    key_results = fields.pop("key_results", None)
    related = {
        k: v
        for k, v in fields.items()
        if k in {"owner", "scope_unit", "scope_person", "result_area"}
    }
    same_organization(initiative.organization_id, **related)
    for kr in key_results or []:
        same_organization(initiative.organization_id, key_results=kr)
    for name, value in fields.items():
        setattr(initiative, name, value)
    _full_clean(initiative)
    initiative.save()
    if key_results is not None:
        initiative.key_results.set(
            key_results, through_defaults={"organization_id": initiative.organization_id}
        )
    audit_record(instance=initiative, action=AuditEvent.Action.UPDATE, actor=actor, before=before)
    return initiative


# -- closing a period -------------------------------------------------------------------------
@transaction.atomic
def period_close(
    *, period: Period, actor: Person | None = None, today: dt.date | None = None
) -> int:
    """Close a period: grade every objective and key result in it and freeze their scores.

    Returns how many scores were frozen. Closing again (after reopening) takes a new snapshot.
    """
    before = snapshot(period)
    period_update(period=period, state=Period.State.CLOSED)
    audit_record(instance=period, action=AuditEvent.Action.UPDATE, actor=actor, before=before)
    today = today or timezone.localdate()
    recompute_organization(period.organization, today=today)  # a closed period reads as of its end
    ScoreSnapshot.objects.filter(period=period).delete()

    def graded(progress: Decimal | None) -> Decimal | None:
        value = number(progress)
        return None if value is None else grade(value)

    rows = []
    objectives = Objective.objects.filter(organization_id=period.organization_id, period=period)
    for objective in objectives.exclude(state=Objective.State.CANCELLED):
        webhook_events.objective_graded(objective)
        rows.append(
            ScoreSnapshot(
                organization_id=period.organization_id,
                period=period,
                taken_on=today,
                objective=objective,
                progress=objective.progress,
                grade=graded(objective.progress),
                status=objective.status,
            )
        )
    key_results = KeyResult.objects.filter(objective__in=objectives).exclude(
        state=KeyResult.State.CANCELLED
    )
    for kr in key_results:
        rows.append(
            ScoreSnapshot(
                organization_id=period.organization_id,
                period=period,
                taken_on=today,
                key_result=kr,
                progress=kr.progress,
                grade=graded(kr.progress),
                status=kr.status,
                current=kr.current,
                confidence=kr.confidence,
            )
        )
    ScoreSnapshot.objects.bulk_create(rows, batch_size=500)
    return len(rows)


@transaction.atomic
def initiative_key_result_add(
    *, initiative: Initiative, key_result: KeyResult, actor: Person | None = None
) -> InitiativeKeyResult:
    """Say that an initiative serves one more key result."""
    same_organization(initiative.organization_id, key_result=key_result)
    if InitiativeKeyResult.objects.filter(initiative=initiative, key_result=key_result).exists():
        raise ValidationError({"key_result": "The initiative already serves this key result."})
    link = InitiativeKeyResult.objects.create(
        organization_id=initiative.organization_id, initiative=initiative, key_result=key_result
    )
    audit_record(instance=link, action=AuditEvent.Action.CREATE, actor=actor)
    return link


@transaction.atomic
def initiative_key_result_remove(*, link: InitiativeKeyResult, actor: Person | None = None) -> None:
    audit_record(instance=link, action=AuditEvent.Action.DELETE, actor=actor, before=snapshot(link))
    link.delete()
