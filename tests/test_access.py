"""The access policy, persona by persona: who sees and who may change each kind of row."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from headway import access
from headway.goals.models import KeyResult, Objective, ResultArea
from headway.goals.services import key_result_create, objective_create, result_area_create
from headway.indicators.models import Indicator
from headway.indicators.services import indicator_create
from headway.org.models import Person
from headway.org.services import person_create, person_update
from tests.conftest import Company

pytestmark = pytest.mark.django_db


PERSONAS = ["admin", "hr", "leader", "member", "colleague", "outsider", "viewer", "other_admin"]


@dataclass
class Tenants:
    """The first company, seen from inside, and another tenant's admin looking in."""

    c: Company
    other: Company

    def __call__(self, name: str) -> Person:
        """The persona called `name`; `other_admin` is the other tenant's admin."""
        return self.other.admin if name == "other_admin" else getattr(self.c, name)


@pytest.fixture
def who(company: Company, other_company: Company) -> Tenants:
    return Tenants(company, other_company)


def objective(c: Company, owner: Person | None, visibility: str, **scope: Any) -> Objective:
    return objective_create(
        organization=c.org, title=f"{visibility} of {owner}", owner=owner, period=c.quarter,
        visibility=visibility, **scope,
    )  # fmt: skip


def deactivate(person: Person) -> Person:
    return person_update(person=person, active=False)


# -- who a signed-in user is ------------------------------------------------------------------
def test_a_user_is_their_active_person_in_that_organization_only(who: Tenants) -> None:
    c = who.c
    assert access.person_for_user(c.member.user, c.org) == c.member
    assert access.person_for_user(c.member.user, who.other.org) is None
    assert access.person_for_user(AnonymousUser(), c.org) is None
    assert access.person_for_user(None, c.org) is None
    deactivate(c.member)
    assert access.person_for_user(c.member.user, c.org) is None


@pytest.mark.parametrize(
    ("name", "admin", "everything"),
    [("admin", True, True), ("hr", False, True), ("leader", False, False),
     ("member", False, False), ("viewer", False, False), ("outsider", False, False)],
)  # fmt: skip
def test_only_admins_are_admins_and_only_admins_and_hr_see_everything(
    who: Tenants, name: str, admin: bool, everything: bool
) -> None:
    person = who(name)
    assert (access.is_admin(person), access.sees_everything(person)) == (admin, everything)
    deactivate(person)
    assert (access.is_admin(person), access.sees_everything(person)) == (False, False)


def test_nobody_is_no_admin_and_sees_nothing() -> None:
    assert access.is_admin(None) is False
    assert access.sees_everything(None) is False
    assert access.people_editable(None) is False


def test_same_tenant_compares_organizations(who: Tenants) -> None:
    c = who.c
    assert access.same_tenant(c.member, c.sales)
    assert not access.same_tenant(who("other_admin"), c.sales)
    assert not access.same_tenant(None, c.sales)


def test_the_manager_chain_runs_all_the_way_up(who: Tenants) -> None:
    c = who.c
    assert access.manages(c.leader, c.member)
    assert access.manages(c.admin, c.member)  # the leader reports to the admin
    assert not access.manages(c.colleague, c.member)
    assert not access.manages(c.member, c.leader)
    assert not access.manages(c.leader, None)
    assert access.owns_or_manages(c.member, c.member)
    assert access.owns_or_manages(c.leader, c.member)
    assert not access.owns_or_manages(c.outsider, c.member)
    assert not access.owns_or_manages(c.member, None)


def test_a_units_path_prefixes_are_itself_and_every_unit_above(who: Tenants) -> None:
    c = who.c
    assert access.unit_path_prefixes(c.emea) == [c.sales.path, c.emea.path]
    assert access.unit_path_prefixes(c.sales) == [f"/{c.sales.pk}/"]
    assert access.unit_path_prefixes(None) == []


def test_a_scoped_row_lives_in_its_unit_or_its_persons_unit(who: Tenants) -> None:
    c = who.c
    assert access.scope_unit_of(objective(c, c.leader, "unit", scope_unit=c.sales)) == c.sales
    assert access.scope_unit_of(objective(c, c.member, "unit", scope_person=c.member)) == c.emea
    assert access.scope_unit_of(objective(c, c.admin, "unit")) is None


def test_a_leader_leads_the_scopes_of_the_units_they_head_and_below(who: Tenants) -> None:
    c = who.c
    in_emea = objective(c, c.outsider, "public", scope_unit=c.emea)
    of_member = objective(c, c.member, "public", scope_person=c.member)
    in_support = objective(c, c.outsider, "public", scope_unit=c.support)
    org_wide = objective(c, c.admin, "public")

    assert access.leads_scope(c.leader, in_emea)
    assert access.leads_scope(c.leader, of_member)
    assert not access.leads_scope(c.leader, in_support)
    assert not access.leads_scope(c.leader, org_wide)
    assert not access.leads_scope(c.member, in_emea)  # not a leader
    assert not access.leads_scope(who("other_admin"), in_emea)


# -- seeing objectives ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "sees"),
    [("member", True), ("leader", True), ("admin", True), ("hr", True), ("colleague", False),
     ("outsider", False), ("viewer", False), ("other_admin", False)],
)  # fmt: skip
def test_a_private_objective_is_seen_by_its_owner_their_managers_hr_and_admins_only(
    who: Tenants, name: str, sees: bool
) -> None:
    private = objective(who.c, who.c.member, "private", scope_person=who.c.member)

    assert access.objective_visible(who(name), private) is sees
    assert (
        access.key_result_visible(
            who(name), key_result_create(objective=private, title="Close 3 deals")
        )
        is sees
    )


def test_a_member_cannot_see_another_persons_private_objective(who: Tenants) -> None:
    private = objective(who.c, who.c.colleague, "private", scope_person=who.c.colleague)

    assert not access.objective_visible(who.c.member, private)


@pytest.mark.parametrize(
    ("name", "sees"),
    [("member", True), ("colleague", True), ("viewer", True), ("leader", True), ("admin", True),
     ("hr", True), ("outsider", False), ("other_admin", False)],
)  # fmt: skip
def test_a_unit_objective_of_sales_is_seen_in_sales_and_the_units_below_it(
    who: Tenants, name: str, sees: bool
) -> None:
    # Owned by HR, whom nobody manages: only the unit rule speaks.
    of_sales = objective(who.c, who.c.hr, "unit", scope_unit=who.c.sales)

    assert access.objective_visible(who(name), of_sales) is sees


@pytest.mark.parametrize("name", PERSONAS)
def test_a_public_objective_is_seen_by_everyone_in_the_organization_only(
    who: Tenants, name: str
) -> None:
    public = objective(who.c, who.c.outsider, "public", scope_unit=who.c.support)

    assert access.objective_visible(who(name), public) is (name != "other_admin")


@pytest.mark.parametrize("name", PERSONAS[:-1])
def test_inactive_people_see_nothing(who: Tenants, name: str) -> None:
    c = who.c
    own = objective(c, who(name), "public")
    area = result_area_create(organization=c.org, name="Growth", owner=who(name))
    kpi = indicator_create(organization=c.org, name="ARR", owner=who(name))
    kr = key_result_create(objective=own, title="Grow", owner=who(name))
    person = deactivate(who(name))

    assert not access.objective_visible(person, own)
    assert not Objective.objects.filter(access.objectives_visible_q(person)).exists()
    assert not access.objective_editable(person, own)
    assert not access.key_result_editable(person, kr)
    assert not access.check_in_allowed(person, kr)
    assert not access.result_area_visible(person, area)
    assert not access.result_area_editable(person, area)
    assert not access.indicator_visible(person, kpi)
    assert not access.indicator_editable(person, kpi)
    assert not access.measurement_allowed(person, kpi)
    assert not access.may_create_in_scope(person, unit=None, owner_scope=person)
    assert not access.people_editable(person)


# -- the list filter agrees with the rule, pair by pair ---------------------------------------
def visibility_cases(c: Company, other: Company) -> dict[str, Objective]:
    """One objective of every shape the visibility rule distinguishes."""
    return {
        "private of a member": objective(c, c.member, "private", scope_person=c.member),
        "private of the leader": objective(c, c.leader, "private", scope_unit=c.sales),
        "private without an owner": objective(c, None, "private"),
        "unit of Sales": objective(c, c.hr, "unit", scope_unit=c.sales),
        "unit of EMEA": objective(c, c.colleague, "unit", scope_unit=c.emea),
        "unit of EMEA, owned outside Sales": objective(c, c.outsider, "unit", scope_unit=c.emea),
        "unit of Support": objective(c, c.outsider, "unit", scope_unit=c.support),
        "unit, organization-wide": objective(c, c.admin, "unit"),
        "unit of a person in EMEA": objective(c, c.leader, "unit", scope_person=c.colleague),
        "unit of a person without a unit": objective(c, c.hr, "unit", scope_person=c.hr),
        "public of the outsider": objective(c, c.outsider, "public", scope_unit=c.support),
        "public of another tenant": objective(other, other.member, "public"),
    }


VISIBILITY_CASES = [
    "private of a member", "private of the leader", "private without an owner", "unit of Sales",
    "unit of EMEA", "unit of EMEA, owned outside Sales", "unit of Support", "unit, organization-wide", "unit of a person in EMEA",
    "unit of a person without a unit",
    "public of the outsider", "public of another tenant",
]  # fmt: skip


def everyone(who: Tenants) -> list[Person | None]:
    """Every persona, an inactive person of the company, and nobody at all."""
    c = who.c
    gone = person_create(
        organization=c.org, name="Gus Gone", email="gone@acme.test", unit=c.emea,
        manager=c.leader, active=False,
    )  # fmt: skip
    return [who(name) for name in PERSONAS] + [gone, None]


def listed(person: Person | None, subject: Objective) -> bool:
    """Whether the list filter lets `person` see `subject`."""
    return Objective.objects.filter(access.objectives_visible_q(person), pk=subject.pk).exists()


@pytest.mark.parametrize("case", VISIBILITY_CASES)
def test_the_list_filter_gives_the_same_answer_as_the_rule_for_every_persona(
    who: Tenants, case: str
) -> None:
    subject = visibility_cases(who.c, who.other)[case]

    disagreements = [
        (str(person), access.objective_visible(person, subject), listed(person, subject))
        for person in everyone(who)
        if access.objective_visible(person, subject) != listed(person, subject)
    ]

    assert disagreements == []


CHANGE_CASES = [
    "private of a member", "private of the leader", "unit of Sales", "unit of EMEA",
    "unit of EMEA, owned outside Sales",
    "unit of Support", "unit, organization-wide", "unit of a person in EMEA",
    "public of the outsider", "public of another tenant",
]  # fmt: skip


@pytest.mark.parametrize("case", CHANGE_CASES)
def test_whoever_may_change_an_objective_may_see_it(who: Tenants, case: str) -> None:
    subject = visibility_cases(who.c, who.other)[case]

    blind = [
        str(person)
        for person in everyone(who)
        if access.objective_editable(person, subject)
        and not access.objective_visible(person, subject)
    ]

    assert blind == []


def test_the_owner_of_a_key_result_sees_it_under_someone_elses_private_objective(
    who: Tenants,
) -> None:
    c = who.c
    private = objective(c, c.colleague, "private", scope_person=c.colleague)
    kr = key_result_create(objective=private, title="Book 5 demos", owner=c.member)

    assert access.check_in_allowed(c.member, kr)
    assert access.key_result_visible(c.member, kr)


# -- changing objectives and key results ------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "may"),
    [("member", True), ("leader", True), ("admin", True), ("hr", False), ("colleague", False),
     ("outsider", False), ("viewer", False), ("other_admin", False)],
)  # fmt: skip
def test_a_members_objective_is_changed_by_them_their_managers_and_admins(
    who: Tenants, name: str, may: bool
) -> None:
    own = objective(who.c, who.c.member, "public", scope_person=who.c.member)

    assert access.objective_editable(who(name), own) is may


@pytest.mark.parametrize(
    ("name", "may"),
    [("leader", True), ("outsider", True), ("admin", True), ("member", False),
     ("colleague", False), ("viewer", False), ("hr", False), ("other_admin", False)],
)  # fmt: skip
def test_a_leader_changes_the_objectives_of_their_subtree_even_when_not_the_manager(
    who: Tenants, name: str, may: bool
) -> None:
    in_emea = objective(who.c, who.c.outsider, "public", scope_unit=who.c.emea)

    assert access.objective_editable(who(name), in_emea) is may


@pytest.mark.parametrize(
    ("name", "may"),
    [("outsider", True), ("admin", True), ("leader", False), ("member", False), ("hr", False),
     ("viewer", False), ("other_admin", False)],
)  # fmt: skip
def test_a_leader_cannot_change_objectives_outside_their_subtree(
    who: Tenants, name: str, may: bool
) -> None:
    in_support = objective(who.c, who.c.outsider, "public", scope_unit=who.c.support)

    assert access.objective_editable(who(name), in_support) is may


def test_a_viewer_never_changes_anything_not_even_their_own(who: Tenants) -> None:
    c = who.c
    own = objective(c, c.viewer, "public", scope_person=c.viewer)
    kr = key_result_create(objective=own, title="Read more", owner=c.viewer)
    area = result_area_create(organization=c.org, name="Reading", owner=c.viewer)
    kpi = indicator_create(organization=c.org, name="Pages", owner=c.viewer)

    assert access.objective_visible(c.viewer, own)
    assert not access.objective_editable(c.viewer, own)
    assert not access.key_result_editable(c.viewer, kr)
    assert not access.check_in_allowed(c.viewer, kr)
    assert not access.result_area_editable(c.viewer, area)
    assert not access.indicator_editable(c.viewer, kpi)
    assert not access.measurement_allowed(c.viewer, kpi)
    assert not access.may_create_in_scope(c.viewer, unit=c.emea, owner_scope=None)


@pytest.mark.parametrize(
    ("name", "may"),
    [("member", True), ("colleague", True), ("leader", True), ("admin", True),
     ("outsider", False), ("viewer", False), ("hr", False), ("other_admin", False)],
)  # fmt: skip
def test_the_owner_of_a_key_result_checks_in_on_it_under_someone_elses_objective(
    who: Tenants, name: str, may: bool
) -> None:
    c = who.c
    theirs = objective(c, c.colleague, "public", scope_person=c.colleague)
    kr: KeyResult = key_result_create(objective=theirs, title="Book 5 demos", owner=c.member)

    assert access.key_result_editable(who(name), kr) is may
    assert access.check_in_allowed(who(name), kr) is may


@pytest.mark.parametrize(
    ("name", "may"),
    [("admin", True), ("leader", False), ("member", False), ("hr", False), ("outsider", False),
     ("viewer", False), ("other_admin", False)],
)  # fmt: skip
def test_only_admins_change_an_organization_wide_objective(
    who: Tenants, name: str, may: bool
) -> None:
    org_wide = objective(who.c, who.c.admin, "public")
    kr = key_result_create(objective=org_wide, title="Grow ARR")

    assert access.objective_editable(who(name), org_wide) is may
    assert access.check_in_allowed(who(name), kr) is may


# -- KRAs and KPIs ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", PERSONAS)
def test_kras_and_kpis_are_seen_by_everyone_in_the_organization_only(
    who: Tenants, name: str
) -> None:
    c = who.c
    area = result_area_create(organization=c.org, name="Retention", owner=c.admin)
    kpi = indicator_create(organization=c.org, name="Churn", owner=c.admin)

    assert access.result_area_visible(who(name), area) is (name != "other_admin")
    assert access.indicator_visible(who(name), kpi) is (name != "other_admin")


@pytest.mark.parametrize(
    ("name", "may"),
    [("member", True), ("leader", True), ("admin", True), ("colleague", False), ("hr", False),
     ("outsider", False), ("viewer", False), ("other_admin", False)],
)  # fmt: skip
def test_a_members_kra_and_kpi_are_changed_by_them_their_managers_and_admins(
    who: Tenants, name: str, may: bool
) -> None:
    c = who.c
    area = result_area_create(
        organization=c.org, name="My pipeline", owner=c.member, scope_person=c.member
    )
    kpi = indicator_create(organization=c.org, name="My calls", owner=c.member)

    assert access.result_area_editable(who(name), area) is may
    assert access.indicator_editable(who(name), kpi) is may
    assert access.measurement_allowed(who(name), kpi) is may


@pytest.mark.parametrize(
    ("name", "may"),
    [("leader", True), ("admin", True), ("member", False), ("hr", False), ("outsider", False),
     ("viewer", False), ("other_admin", False)],
)  # fmt: skip
def test_a_sales_kra_and_kpi_are_changed_by_the_head_of_sales_and_admins(
    who: Tenants, name: str, may: bool
) -> None:
    c = who.c
    area: ResultArea = result_area_create(
        organization=c.org, name="Sales revenue", owner=c.admin, scope_unit=c.sales
    )
    kpi: Indicator = indicator_create(
        organization=c.org, name="Bookings", owner=c.admin, scope_unit=c.sales
    )

    assert access.result_area_editable(who(name), area) is may
    assert access.indicator_editable(who(name), kpi) is may


# -- creating in a scope ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "may"),
    [("admin", True), ("hr", False), ("leader", False), ("member", False), ("viewer", False)],
)
def test_only_admins_create_in_the_organizations_own_scope(
    who: Tenants, name: str, may: bool
) -> None:
    assert access.may_create_in_scope(who(name), unit=None, owner_scope=None) is may


@pytest.mark.parametrize(
    ("name", "unit", "may"),
    [("member", "emea", True), ("member", "sales", True), ("member", "support", False),
     ("leader", "emea", True), ("leader", "support", False), ("outsider", "support", True),
     ("outsider", "emea", False), ("viewer", "emea", False), ("hr", "emea", False),
     ("admin", "support", True)],
)  # fmt: skip
def test_a_unit_takes_new_goals_from_its_members_its_leaders_and_admins(
    who: Tenants, name: str, unit: str, may: bool
) -> None:
    scope = getattr(who.c, unit)

    assert access.may_create_in_scope(who(name), unit=scope, owner_scope=None) is may


@pytest.mark.parametrize(
    ("name", "may"),
    [("member", True), ("leader", True), ("admin", True), ("colleague", False), ("hr", False),
     ("outsider", False), ("viewer", False)],
)  # fmt: skip
def test_a_persons_scope_takes_new_goals_from_them_their_managers_and_admins(
    who: Tenants, name: str, may: bool
) -> None:
    assert access.may_create_in_scope(who(name), unit=None, owner_scope=who.c.member) is may


def test_another_tenants_admin_may_not_create_in_this_tenants_scopes(who: Tenants) -> None:
    other_admin = who("other_admin")

    assert not access.may_create_in_scope(other_admin, unit=who.c.sales, owner_scope=None)
    assert not access.may_create_in_scope(other_admin, unit=None, owner_scope=who.c.member)


def test_another_tenants_members_and_leaders_may_not_create_in_this_tenants_scopes(
    who: Tenants,
) -> None:
    for name in ("member", "leader"):
        theirs = getattr(who.other, name)
        assert not access.may_create_in_scope(theirs, unit=who.c.emea, owner_scope=None)
        assert not access.may_create_in_scope(theirs, unit=None, owner_scope=who.c.member)


# -- people -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "may"),
    [("admin", True), ("hr", True), ("leader", False), ("member", False), ("viewer", False)],
)
def test_only_admins_and_hr_change_people(who: Tenants, name: str, may: bool) -> None:
    assert access.people_editable(who(name)) is may
