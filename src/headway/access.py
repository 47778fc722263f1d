"""The access policy: who may see and change what. Every view, API call and admin page asks here.

Roles (Person.role): admin (everything in the organization), hr (sees everything, changes
people), leader (heads units: changes their subtree's goals), member, viewer (reads only).
Visibility of an objective: public (the whole organization), unit (people of its unit and
the units below it, and the leaders heading it or a unit above), private (its owner, the owner's manager chain, HR and admins). The owner
and the owner's managers always see and may change their goals.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Exists, OuterRef, Q

from headway.goals.models import (
    Initiative,
    InitiativeKeyResult,
    KeyResult,
    Objective,
    ResultArea,
    Visibility,
)
from headway.indicators.models import Indicator
from headway.org.models import Organization, Person, Scoped, Unit


def person_for_user(user: Any, organization: Organization) -> Person | None:
    """The active person a signed-in user is in this organization, if any."""
    if user is None or not user.is_authenticated:
        return None
    return Person.objects.filter(organization=organization, user=user, active=True).first()


def is_admin(person: Person | None) -> bool:
    return person is not None and person.active and person.role == Person.Role.ADMIN


def sees_everything(person: Person | None) -> bool:
    return (
        person is not None and person.active and person.role in (Person.Role.ADMIN, Person.Role.HR)
    )


def same_tenant(person: Person | None, obj: Any) -> bool:
    return person is not None and person.organization_id == obj.organization_id


def manages(manager: Person, person: Person | None) -> bool:
    """Whether `manager` is anywhere in `person`'s manager chain."""
    return person is not None and manager.pk in person.manager_ids


def owns_or_manages(person: Person, owner: Person | None) -> bool:
    return owner is not None and (owner.pk == person.pk or manages(person, owner))


def unit_path_prefixes(unit: Unit | None) -> list[str]:
    """'/1/5/9/' → ['/1/', '/1/5/', '/1/5/9/']: the paths of a unit and every unit above it."""
    if unit is None or not unit.path:
        return []
    parts = [p for p in unit.path.strip("/").split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def scope_unit_of(obj: Scoped) -> Unit | None:
    """The unit a scoped object lives in: its unit scope, or its person's unit."""
    if obj.scope_unit_id:
        return obj.scope_unit
    if obj.scope_person_id:
        return obj.scope_person.unit  # type: ignore[union-attr]
    return None


def leads_unit(person: Person, unit: Unit | None) -> bool:
    """A leader who heads this unit or a unit above it."""
    if person.role != Person.Role.LEADER or unit is None:
        return False
    return Unit.objects.filter(
        organization_id=person.organization_id, head=person, path__in=unit_path_prefixes(unit)
    ).exists()


def leads_scope(person: Person, obj: Scoped) -> bool:
    """A leader who heads the object's unit or a unit above it."""
    return leads_unit(person, scope_unit_of(obj))


def headed_unit_paths(person: Person) -> list[str]:
    """The paths of the units a leader heads: their subtrees are theirs to see."""
    if person.role != Person.Role.LEADER:
        return []
    return list(
        Unit.objects.filter(organization_id=person.organization_id, head=person).values_list(
            "path", flat=True
        )
    )


# -- objectives -------------------------------------------------------------------------------
def objective_visible(person: Person | None, objective: Objective) -> bool:
    if not same_tenant(person, objective) or not person or not person.active:
        return False
    if sees_everything(person) or owns_or_manages(person, objective.owner):
        return True
    if objective.visibility == Visibility.PUBLIC:
        return True
    if objective.visibility == Visibility.UNIT:
        if not objective.scope_unit_id and not objective.scope_person_id:
            return True  # an organization-wide objective shown to its units is everyone's
        unit = scope_unit_of(objective)
        if unit is None:  # a person with no unit: only their manager chain, HR and admins
            return False
        if person.unit is not None and unit.path in unit_path_prefixes(person.unit):
            return True
        return leads_unit(person, unit)
    return False


def objectives_visible_q(person: Person | None) -> Q:
    """The same rule as `objective_visible`, as a filter for lists."""
    if person is None or not person.active:
        return Q(pk__in=[])
    tenant = Q(organization_id=person.organization_id)
    if sees_everything(person):
        return tenant
    mine = Q(owner=person) | Q(owner__manager_path__contains=f"/{person.pk}/")
    public = Q(visibility=Visibility.PUBLIC)
    prefixes = unit_path_prefixes(person.unit)
    in_unit = (
        Q(scope_unit__isnull=True, scope_person__isnull=True)
        | Q(scope_unit__path__in=prefixes)
        | Q(scope_unit__isnull=True, scope_person__unit__path__in=prefixes)
    )
    for path in headed_unit_paths(person):
        in_unit |= Q(scope_unit__path__startswith=path)
        in_unit |= Q(scope_unit__isnull=True, scope_person__unit__path__startswith=path)
    return tenant & (mine | public | (Q(visibility=Visibility.UNIT) & in_unit))


def visible_objective_ids(person: Person | None, ids: Iterable[int]) -> set[int]:
    """Which of these objectives the person may see, in one query (for lists that name them)."""
    wanted = set(ids)
    if not wanted:
        return set()
    return set(
        Objective.objects.filter(objectives_visible_q(person), pk__in=wanted).values_list(
            "pk", flat=True
        )
    )


def objective_editable(person: Person | None, objective: Objective) -> bool:
    if not same_tenant(person, objective) or not person or not person.active:
        return False
    if person.role == Person.Role.VIEWER or not objective_visible(person, objective):
        return False
    return (
        is_admin(person)
        or owns_or_manages(person, objective.owner)
        or leads_scope(person, objective)
    )


def key_result_visible(person: Person | None, key_result: KeyResult) -> bool:
    """Seen with its objective, and always by its own owner and the owner's managers."""
    if objective_visible(person, key_result.objective):
        return True
    return (
        person is not None
        and person.active
        and same_tenant(person, key_result)
        and owns_or_manages(person, key_result.owner)
    )


def key_result_editable(
    person: Person | None, key_result: KeyResult, *, objective_editable_: bool | None = None
) -> bool:
    """Its owner and their managers, and whoever may change its objective (pass that answer as
    `objective_editable_` when it is already known, to save asking again per key result)."""
    if person is not None and key_result.owner_id and person.role != Person.Role.VIEWER:
        if same_tenant(person, key_result) and owns_or_manages(person, key_result.owner):
            return person.active
    if objective_editable_ is not None:
        return objective_editable_
    return objective_editable(person, key_result.objective)


def check_in_allowed(person: Person | None, key_result: KeyResult) -> bool:
    """Owners of the key result or its objective, their managers, leaders above, admins."""
    return key_result_editable(person, key_result)


# -- initiatives ------------------------------------------------------------------------------
def initiative_visible(person: Person | None, initiative: Initiative) -> bool:
    """Seen by whoever may see one of the key results it serves (everyone in the organization when
    it serves none yet), and always by its owner, the owner's managers, HR and admins."""
    if not same_tenant(person, initiative) or not person or not person.active:
        return False
    if sees_everything(person) or owns_or_manages(person, initiative.owner):
        return True
    served = list(initiative.key_results.select_related("objective__owner", "owner"))
    return not served or any(key_result_visible(person, kr) for kr in served)


def initiative_editable(person: Person | None, initiative: Initiative) -> bool:
    """Its owner and their managers, leaders of its scope, admins, and whoever may change a key
    result it serves."""
    if not initiative_visible(person, initiative) or person is None:
        return False
    if person.role == Person.Role.VIEWER:
        return False
    if is_admin(person) or owns_or_manages(person, initiative.owner):
        return True
    if leads_scope(person, initiative):
        return True
    served = initiative.key_results.select_related("objective__owner", "owner")
    return any(key_result_editable(person, kr) for kr in served)


# -- visibility as filters (lists: the same rules as above, as one query) ---------------------
def key_results_visible_q(person: Person | None) -> Q:
    """`key_result_visible` as a filter on key results: seen with its objective, and
    always by its owner and the owner's managers."""
    if person is None or not person.active:
        return Q(pk__in=[])
    tenant = Q(organization_id=person.organization_id)
    if sees_everything(person):
        return tenant
    objectives = Objective.objects.filter(objectives_visible_q(person)).values("pk")
    mine = Q(owner=person) | Q(owner__manager_path__contains=f"/{person.pk}/")
    return tenant & (Q(objective__in=objectives) | mine)


def initiatives_visible_q(person: Person | None) -> Q:
    """`initiative_visible` as a filter: whoever sees a key result it serves (everyone in
    the organization while it serves none), its owner, the owner's managers, HR and admins."""
    if person is None or not person.active:
        return Q(pk__in=[])
    tenant = Q(organization_id=person.organization_id)
    if sees_everything(person):
        return tenant
    mine = Q(owner=person) | Q(owner__manager_path__contains=f"/{person.pk}/")
    serves = InitiativeKeyResult.objects.filter(initiative=OuterRef("pk"))
    visible = KeyResult.objects.filter(key_results_visible_q(person)).values("pk")
    return tenant & (mine | ~Q(Exists(serves)) | Q(Exists(serves.filter(key_result__in=visible))))


# -- KRAs and KPIs ----------------------------------------------------------------------------
def result_area_visible(person: Person | None, area: ResultArea) -> bool:
    return same_tenant(person, area) and person is not None and person.active


def result_area_editable(person: Person | None, area: ResultArea) -> bool:
    if not same_tenant(person, area) or not person or not person.active:
        return False
    if person.role == Person.Role.VIEWER:
        return False
    return is_admin(person) or owns_or_manages(person, area.owner) or leads_scope(person, area)


def indicator_visible(person: Person | None, indicator: Indicator) -> bool:
    return same_tenant(person, indicator) and person is not None and person.active


def indicator_editable(person: Person | None, indicator: Indicator) -> bool:
    if not same_tenant(person, indicator) or not person or not person.active:
        return False
    if person.role == Person.Role.VIEWER:
        return False
    return (
        is_admin(person)
        or owns_or_manages(person, indicator.owner)
        or leads_scope(person, indicator)
    )


def measurement_allowed(person: Person | None, indicator: Indicator) -> bool:
    return indicator_editable(person, indicator)


# -- creating in a scope ----------------------------------------------------------------------
def may_create_in_scope(
    person: Person | None, *, unit: Unit | None, owner_scope: Person | None
) -> bool:
    """Who may add a KRA, KPI or objective to a scope: admins anywhere; for a person's scope the
    person and their managers; for a unit its leaders and the unit's members; the organization's
    scope only admins."""
    if person is None or not person.active or person.role == Person.Role.VIEWER:
        return False
    for scope in (unit, owner_scope):
        if scope is not None and scope.organization_id != person.organization_id:
            return False
    if is_admin(person):
        return True
    if owner_scope is not None:
        return owns_or_manages(person, owner_scope)
    if unit is not None:
        if person.unit is not None and unit.path in unit_path_prefixes(person.unit):
            return True
        return leads_unit(person, unit)
    return False


# -- people -----------------------------------------------------------------------------------
def people_editable(person: Person | None) -> bool:
    return (
        person is not None and person.active and person.role in (Person.Role.ADMIN, Person.Role.HR)
    )


def person_change_refusals(
    actor: Person | None, person: Person | None, changes: dict[str, Any]
) -> dict[str, str]:
    """What of a change to a person (None: a new one) the actor may not make, field → reason.
    HR manages people but may not raise anyone (itself included) to admin, nor change or
    deactivate an admin: only admins may."""
    if actor is None or is_admin(actor):
        return {}
    refusals = {}
    was_admin = person is not None and person.role == Person.Role.ADMIN
    if changes.get("role") == Person.Role.ADMIN and not was_admin:
        refusals["role"] = "only an admin may give the admin role"
    if was_admin and person is not None:
        for name, message in (
            ("role", "only an admin may change an admin's role"),
            ("active", "only an admin may deactivate an admin"),
        ):
            if name in changes and changes[name] != getattr(person, name):
                refusals[name] = message
    return refusals
