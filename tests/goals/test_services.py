"""Writes to KRAs, objectives, key results, alignments, milestones and initiatives: each one
validates, keeps derived values current and leaves an audit event."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from tests.assertions import events, refused
from tests.conftest import Company

from headway.audit.models import AuditEvent
from headway.checkins.services import checkin_record
from headway.goals.models import Alignment, Initiative, KeyResult, Milestone, Objective, ResultArea
from headway.goals.services import (
    alignment_create,
    alignment_delete,
    alignment_update,
    initiative_create,
    initiative_update,
    key_result_create,
    key_result_delete,
    key_result_update,
    milestone_save,
    objective_create,
    objective_delete,
    objective_update,
    result_area_create,
    result_area_review,
    result_area_update,
)
from headway.indicators.services import indicator_create

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]


def sales_objective(c: Company, title: str = "Grow revenue", **fields: Any) -> Objective:
    fields.setdefault("owner", c.leader)
    return objective_create(
        organization=c.org, title=title, period=c.quarter, scope_unit=c.sales, **fields
    )


def increase(objective: Objective, title: str = "Increase ARR from 0 to 100", **f: Any) -> Any:
    return key_result_create(
        objective=objective, title=title, start=Decimal(0), target=Decimal(100), **f
    )


# -- KRAs -------------------------------------------------------------------------------------
def test_a_kra_is_created_with_a_derived_key_and_audited(company: Company) -> None:
    area = result_area_create(
        organization=company.org, name="Revenue growth", owner=company.admin, actor=company.admin
    )

    assert area.key == "kra-revenue-growth"
    [event] = events(area)
    assert (event.action, event.actor, event.organization) == ("create", company.admin, company.org)
    assert event.changes["name"] == [None, "Revenue growth"]
    assert event.changes["owner"] == [None, company.admin.pk]


@pytest.mark.parametrize("field", ["owner", "scope_unit", "scope_person", "parent"])
def test_a_kra_refuses_another_tenants_rows(
    company: Company, other_company: Company, field: str
) -> None:
    theirs: dict[str, Any] = {
        "owner": other_company.member,
        "scope_unit": other_company.sales,
        "scope_person": other_company.member,
        "parent": result_area_create(organization=other_company.org, name="Theirs", owner=None),
    }

    fields: dict[str, Any] = {"owner": None, field: theirs[field]}

    with refused(field):
        result_area_create(organization=company.org, name="Growth", **fields)
    mine = result_area_create(organization=company.org, name="Growth", owner=None)
    with refused(field):
        result_area_update(area=mine, **{field: theirs[field]})


def test_a_kra_belongs_to_a_unit_or_a_person_not_both(company: Company) -> None:
    with refused("scope_unit"):
        result_area_create(
            organization=company.org, name="Growth", owner=None, scope_unit=company.sales,
            scope_person=company.member,
        )  # fmt: skip


def test_a_kra_key_is_unique_in_its_organization_only(
    company: Company, other_company: Company
) -> None:
    result_area_create(organization=company.org, name="Growth", owner=None, key="growth")

    with refused("key"):
        result_area_create(organization=company.org, name="Other", owner=None, key="growth")
    assert result_area_create(organization=other_company.org, name="G", owner=None, key="growth")


def test_a_kra_weight_is_a_percentage(company: Company) -> None:
    with pytest.raises(ValidationError):
        result_area_create(organization=company.org, name="Growth", owner=None, weight=Decimal(120))
    assert not ResultArea.objects.exists()


def test_a_kra_update_is_audited_with_before_and_after(company: Company) -> None:
    area = result_area_create(organization=company.org, name="Growth", owner=company.admin)

    result_area_update(area=area, actor=company.hr, name="Revenue growth", weight=Decimal(40))

    event = events(area)[-1]
    assert (event.action, event.actor) == ("update", company.hr)
    assert event.changes["name"] == ["Growth", "Revenue growth"]
    assert event.changes["weight"] == [None, "40"]
    assert "definition_changed_at" in event.changes  # a new definition: children may drift


def test_a_kra_update_that_changes_nothing_writes_no_event(company: Company) -> None:
    area = result_area_create(organization=company.org, name="Growth", owner=company.admin)

    result_area_update(area=area, actor=company.admin, name="Growth", owner=company.admin)

    assert [e.action for e in events(area)] == ["create"]


def test_a_kra_cannot_ladder_up_to_itself_or_to_a_kra_below_it(company: Company) -> None:
    top = result_area_create(organization=company.org, name="Top", owner=None)
    middle = result_area_create(organization=company.org, name="Middle", owner=None, parent=top)
    bottom = result_area_create(organization=company.org, name="Bottom", owner=None, parent=middle)

    with refused("parent"):
        result_area_update(area=top, parent=top)
    with refused("parent"):
        result_area_update(area=top, parent=bottom)
    assert ResultArea.objects.get(pk=top.pk).parent is None


def test_reviewing_a_kra_stamps_it_and_keeps_the_note(company: Company) -> None:
    area = result_area_create(organization=company.org, name="Growth", owner=company.admin)

    result_area_review(area=area, actor=company.admin, note="Still vital")

    area.refresh_from_db()
    assert area.last_reviewed_at is not None
    event = events(area)[-1]
    assert (event.action, event.actor) == ("update", company.admin)
    assert event.changes["last_review_note"] == ["", "Still vital"]
    assert event.changes["last_reviewed_at"][0] is None


# -- objectives -------------------------------------------------------------------------------
def test_an_objective_is_created_with_a_derived_key_and_audited(company: Company) -> None:
    objective = sales_objective(company, actor=company.leader)

    assert objective.key == "o-grow-revenue"
    assert sales_objective(company).key == "o-grow-revenue-2"
    [event] = events(objective)
    assert (event.action, event.actor) == ("create", company.leader)
    assert event.changes["title"] == [None, "Grow revenue"]
    assert event.changes["scope_unit"] == [None, company.sales.pk]


@pytest.mark.parametrize("field", ["owner", "period", "scope_unit", "scope_person", "result_area"])
def test_an_objective_refuses_another_tenants_rows(
    company: Company, other_company: Company, field: str
) -> None:
    o = other_company
    theirs: dict[str, Any] = {
        "owner": o.member, "period": o.quarter, "scope_unit": o.sales, "scope_person": o.member,
        "result_area": result_area_create(organization=o.org, name="Theirs", owner=None),
    }  # fmt: skip
    fields: dict[str, Any] = {
        "owner": company.member,
        "period": company.quarter,
        field: theirs[field],
    }

    with refused(field):
        objective_create(organization=company.org, title="Grow", **fields)
    mine = objective_create(
        organization=company.org, title="Grow", owner=company.member, period=company.quarter
    )
    with refused(field):
        objective_update(objective=mine, **{field: theirs[field]})


def test_an_objective_belongs_to_a_unit_or_a_person_not_both(company: Company) -> None:
    with refused("scope_unit"):
        sales_objective(company, scope_person=company.member)


def test_an_objective_key_is_unique_in_its_organization(company: Company) -> None:
    sales_objective(company, key="o-grow")

    with refused("key"):
        sales_objective(company, key="o-grow")


def test_an_objective_update_is_audited_with_before_and_after(company: Company) -> None:
    objective = sales_objective(company)

    objective_update(
        objective=objective, actor=company.admin, title="Grow revenue fast", visibility="private"
    )

    event = events(objective)[-1]
    assert (event.action, event.actor) == ("update", company.admin)
    assert event.changes == {
        "title": ["Grow revenue", "Grow revenue fast"],
        "visibility": ["public", "private"],
    }


def test_an_objective_update_that_changes_nothing_writes_no_event(company: Company) -> None:
    objective = sales_objective(company)

    objective_update(objective=objective, actor=company.admin, title="Grow revenue")

    assert [e.action for e in events(objective)] == ["create"]


def test_cancelling_an_objective_is_audited_and_its_status_follows(company: Company) -> None:
    objective = sales_objective(company)
    kr = increase(objective)
    checkin_record(key_result=kr, value=Decimal(90), author=company.leader)

    objective_update(objective=objective, actor=company.leader, state="closed")

    objective.refresh_from_db()
    assert events(objective)[-1].changes["state"] == ["active", "closed"]
    assert objective.progress == Decimal("0.9")


def test_deleting_an_objective_is_audited_and_its_parent_rolls_up(company: Company) -> None:
    # given: a parent that rolls up its children, with one child at 50%
    parent = sales_objective(company, title="Top", rollup=Objective.Rollup.CHILDREN)
    child = sales_objective(company, title="Child")
    alignment_create(child=child, parent_objective=parent)
    checkin_record(key_result=increase(child), value=Decimal(50), author=company.leader)
    parent.refresh_from_db()
    assert parent.progress == Decimal("0.5")

    # when
    objective_delete(objective=child, actor=company.admin)

    # then
    parent.refresh_from_db()
    assert parent.progress is None
    event = AuditEvent.objects.get(object_type="objective", action="delete")
    assert (event.actor, event.object_repr) == (company.admin, "Child")
    assert event.changes["title"] == ["Child", None]


# -- key results ------------------------------------------------------------------------------
def test_a_key_result_is_owned_by_its_objectives_owner_unless_told_and_audited(
    company: Company,
) -> None:
    objective = sales_objective(company)

    first = increase(objective, actor=company.leader)
    second = increase(objective, title="Win 10 logos", owner=company.member)

    assert (first.owner, second.owner) == (company.leader, company.member)
    assert (first.position, second.position) == (0, 1)
    assert first.organization == company.org
    [event] = events(first)
    assert (event.action, event.actor) == ("create", company.leader)
    assert event.changes["target"] == [None, "100"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"direction": "increase", "start": Decimal(50), "target": Decimal(10)}, "target"),
        ({"direction": "decrease", "start": Decimal(8), "target": Decimal(10)}, "target"),
        ({"direction": "within", "lower": Decimal(1)}, "lower"),
        ({"direction": "within", "lower": Decimal(5), "upper": Decimal(1)}, "upper"),
        ({"progress_source": "indicator"}, "indicator"),
        ({"confidence_start": 11}, "confidence_start"),
    ],
    ids=["increase below start", "decrease above start", "within without upper",
         "within upside down", "kpi without a kpi", "confidence 11"],
)  # fmt: skip
def test_a_key_result_refuses_contradictions(
    company: Company, fields: dict[str, Any], field: str
) -> None:
    objective = sales_objective(company)

    with refused(field):
        key_result_create(objective=objective, title="Bad", **fields)
    assert not KeyResult.objects.exists()


def test_a_key_result_within_bounds_takes_a_lower_and_an_upper(company: Company) -> None:
    kr = key_result_create(
        objective=sales_objective(company), title="Keep latency in 100–200 ms",
        direction="within", lower=Decimal(100), upper=Decimal(200),
    )  # fmt: skip

    assert (kr.lower, kr.upper) == (Decimal(100), Decimal(200))


@pytest.mark.parametrize("field", ["owner", "indicator"])
def test_a_key_result_refuses_another_tenants_owner_or_kpi(
    company: Company, other_company: Company, field: str
) -> None:
    o = other_company
    theirs: dict[str, Any] = {
        "owner": o.member,
        "indicator": indicator_create(organization=o.org, name="Theirs", owner=None),
    }
    objective = sales_objective(company)

    with refused(field):
        increase(objective, **{field: theirs[field]})
    kr = increase(objective)
    with refused(field):
        key_result_update(key_result=kr, **{field: theirs[field]})


def test_a_key_result_key_is_unique_in_its_organization(company: Company) -> None:
    objective = sales_objective(company)
    increase(objective, key="kr-arr")

    with refused("key"):
        increase(objective, key="kr-arr")


def test_a_key_result_update_is_audited_and_rolls_up(company: Company) -> None:
    objective = sales_objective(company)
    kr = increase(objective)
    checkin_record(key_result=kr, value=Decimal(50), author=company.leader)

    key_result_update(key_result=kr, actor=company.leader, target=Decimal(200))

    kr.refresh_from_db()
    objective.refresh_from_db()
    assert (kr.progress, objective.progress) == (Decimal("0.25"), Decimal("0.25"))
    event = events(kr)[-1]
    assert (event.action, event.actor) == ("update", company.leader)
    assert event.changes == {"target": ["100", "200"]}


def test_a_key_result_update_that_changes_nothing_writes_no_event(company: Company) -> None:
    kr = increase(sales_objective(company))

    key_result_update(key_result=kr, actor=company.leader, target=Decimal(100))

    assert [e.action for e in events(kr)] == ["create"]


def test_a_refused_key_result_update_changes_nothing(company: Company) -> None:
    kr = increase(sales_objective(company))

    with refused("target"):
        key_result_update(key_result=kr, start=Decimal(500))

    assert KeyResult.objects.get(pk=kr.pk).start == Decimal(0)
    assert [e.action for e in events(kr)] == ["create"]


def test_deleting_a_key_result_is_audited_and_its_objective_rolls_up(company: Company) -> None:
    objective = sales_objective(company)
    done = increase(objective)
    checkin_record(key_result=done, value=Decimal(100), author=company.leader)
    idle = increase(objective, title="Win 10 logos")
    objective.refresh_from_db()
    assert objective.progress == Decimal("0.5")

    key_result_delete(key_result=idle, actor=company.leader)

    objective.refresh_from_db()
    assert objective.progress == Decimal(1)
    event = AuditEvent.objects.get(object_type="keyresult", action="delete")
    assert (event.actor, event.object_repr) == (company.leader, "Win 10 logos")


# -- alignment --------------------------------------------------------------------------------
def test_an_alignment_rolls_the_child_into_its_parent_and_is_audited(company: Company) -> None:
    parent = sales_objective(company, title="Top", rollup=Objective.Rollup.CHILDREN)
    child = sales_objective(company, title="Child")
    checkin_record(key_result=increase(child), value=Decimal(40), author=company.leader)

    link = alignment_create(child=child, parent_objective=parent, actor=company.admin)

    parent.refresh_from_db()
    assert parent.progress == Decimal("0.4")
    [event] = events(link)
    assert (event.action, event.actor) == ("create", company.admin)
    assert event.changes["parent_objective"] == [None, parent.pk]


def test_an_objective_cannot_align_to_itself(company: Company) -> None:
    objective = sales_objective(company)

    with refused("parent_objective"):
        alignment_create(child=objective, parent_objective=objective)
    with refused("parent_objective"):
        alignment_create(child=objective, parent_key_result=increase(objective))


def test_an_alignment_cycle_is_refused(company: Company) -> None:
    a, b, c = (sales_objective(company, title=t) for t in "ABC")
    alignment_create(child=a, parent_objective=b)
    alignment_create(child=b, parent_objective=c)

    with refused("parent_objective"):
        alignment_create(child=b, parent_objective=a)
    with refused("parent_objective"):
        alignment_create(child=c, parent_objective=a)
    assert Alignment.objects.count() == 2


def test_an_alignment_cycle_through_a_key_result_is_refused(company: Company) -> None:
    # given: A aligns to a key result of B, and B to a key result of C
    a, b, c = (sales_objective(company, title=t) for t in "ABC")
    alignment_create(child=a, parent_key_result=increase(b, title="B's KR"))
    alignment_create(child=b, parent_key_result=increase(c, title="C's KR"))

    # then: nothing above may align below
    with refused("parent_objective"):
        alignment_create(child=b, parent_objective=a)
    with refused("parent_objective"):
        alignment_create(child=c, parent_key_result=increase(a, title="A's KR"))
    assert Alignment.objects.count() == 2


def test_an_objective_aligns_once_to_the_same_parent(company: Company) -> None:
    parent, child = sales_objective(company, title="P"), sales_objective(company, title="C")
    kr = increase(parent)
    alignment_create(child=child, parent_objective=parent)
    alignment_create(child=child, parent_key_result=kr)

    with refused("parent_objective"):
        alignment_create(child=child, parent_objective=parent)
    with refused("parent_objective"):
        alignment_create(child=child, parent_key_result=kr)


def test_an_alignment_has_exactly_one_parent_and_a_weight_not_below_zero(
    company: Company,
) -> None:
    parent, child = sales_objective(company, title="P"), sales_objective(company, title="C")

    with refused("parent_objective"):
        alignment_create(child=child)
    with refused("parent_objective"):
        alignment_create(child=child, parent_objective=parent, parent_key_result=increase(parent))
    with refused("weight"):
        alignment_create(child=child, parent_objective=parent, weight=Decimal(-1))


def test_an_alignment_refuses_another_tenants_parent(
    company: Company, other_company: Company
) -> None:
    theirs = sales_objective(other_company)
    child = sales_objective(company)

    with refused("parent_objective"):
        alignment_create(child=child, parent_objective=theirs)
    with refused("parent_key_result"):
        alignment_create(child=child, parent_key_result=increase(theirs))


def test_an_alignment_weight_change_is_audited_and_rolls_up(company: Company) -> None:
    parent = sales_objective(company, title="Top", rollup=Objective.Rollup.CHILDREN)
    done, idle = sales_objective(company, title="Done"), sales_objective(company, title="Idle")
    checkin_record(key_result=increase(done), value=Decimal(100), author=company.leader)
    increase(idle)
    link = alignment_create(child=done, parent_objective=parent)
    alignment_create(child=idle, parent_objective=parent)

    alignment_update(alignment=link, weight=Decimal(3), actor=company.admin)

    parent.refresh_from_db()
    assert parent.progress == Decimal("0.75")
    event = events(link)[-1]
    assert (event.action, event.actor, event.changes) == (
        "update", company.admin, {"weight": ["1", "3"]},
    )  # fmt: skip
    with refused("weight"):
        alignment_update(alignment=link, weight=Decimal(-1))


def test_an_alignment_weight_update_that_changes_nothing_writes_no_event(
    company: Company,
) -> None:
    link = alignment_create(
        child=sales_objective(company, title="C"), parent_objective=sales_objective(company)
    )

    alignment_update(alignment=link, weight=Decimal(1), actor=company.admin)

    assert [e.action for e in events(link)] == ["create"]


def test_deleting_an_alignment_is_audited_and_its_parent_rolls_up(company: Company) -> None:
    parent = sales_objective(company, title="Top", rollup=Objective.Rollup.CHILDREN)
    child = sales_objective(company, title="Child")
    checkin_record(key_result=increase(child), value=Decimal(40), author=company.leader)
    link = alignment_create(child=child, parent_objective=parent)
    pk = link.pk

    alignment_delete(alignment=link, actor=company.admin)

    parent.refresh_from_db()
    assert parent.progress is None
    event = AuditEvent.objects.get(object_type="alignment", object_id=pk, action="delete")
    assert event.actor == company.admin


# -- milestones and initiatives ---------------------------------------------------------------
def test_milestones_move_their_key_result_and_are_audited(company: Company) -> None:
    kr = key_result_create(objective=sales_objective(company), title="Launch", kind="milestones")
    beta = milestone_save(milestone=Milestone(key_result=kr, title="Beta"), actor=company.leader)
    milestone_save(milestone=Milestone(key_result=kr, title="GA", weight=Decimal(3)))

    before = {"done": beta.done}
    beta.done = True
    milestone_save(milestone=beta, actor=company.member, before=before)

    kr.refresh_from_db()
    assert kr.progress == Decimal("0.25")
    created, updated = events(beta)
    assert (created.action, created.actor) == ("create", company.leader)
    assert (updated.action, updated.actor) == ("update", company.member)
    assert updated.changes["done"] == [False, True]


def test_a_milestone_belongs_to_one_key_result_or_one_initiative(company: Company) -> None:
    kr = increase(sales_objective(company))
    work = initiative_create(organization=company.org, title="Partners", owner=None)

    with refused("key_result"):
        milestone_save(milestone=Milestone(title="Orphan"))
    with refused("key_result"):
        milestone_save(milestone=Milestone(key_result=kr, initiative=work, title="Both"))


def test_an_initiative_serves_key_results_and_is_audited(company: Company) -> None:
    kr = increase(sales_objective(company))

    work = initiative_create(
        organization=company.org, title="Partner programme", owner=company.leader,
        key_results=[kr], actor=company.leader, effort_days=Decimal(20),
    )  # fmt: skip
    initiative_update(initiative=work, actor=company.admin, state="active", key_results=[])

    assert list(work.key_results.all()) == []
    created, updated = events(work)
    assert (created.action, created.actor) == ("create", company.leader)
    assert (updated.action, updated.actor) == ("update", company.admin)
    assert updated.changes == {"state": ["proposed", "active"]}


def test_the_key_results_an_initiative_serves_are_tenant_rows_and_audited(
    company: Company,
) -> None:
    from headway.goals.models import InitiativeKeyResult
    from headway.goals.services import initiative_key_result_add, initiative_key_result_remove

    kr = increase(sales_objective(company))
    work = initiative_create(
        organization=company.org, title="Partners", owner=company.leader, key_results=[kr]
    )
    link = InitiativeKeyResult.objects.get(initiative=work)
    assert link.organization_id == company.org.pk

    link_id = link.pk
    initiative_key_result_remove(link=link, actor=company.leader)
    again = initiative_key_result_add(initiative=work, key_result=kr, actor=company.leader)

    assert again.organization_id == company.org.pk
    removed = AuditEvent.objects.filter(object_type="initiativekeyresult", object_id=link_id)
    assert [e.action for e in removed] == ["delete"]
    assert [e.action for e in events(again)] == ["create"]
    with refused("key_result"):
        initiative_key_result_add(initiative=work, key_result=kr)


def test_an_initiative_serves_no_key_result_of_another_tenant(
    company: Company, other_company: Company
) -> None:
    from headway.goals.services import initiative_key_result_add

    theirs = increase(sales_objective(other_company))
    work = initiative_create(organization=company.org, title="Partners", owner=None)

    with refused("key_result"):
        initiative_key_result_add(initiative=work, key_result=theirs)


@pytest.mark.parametrize("field", ["owner", "result_area", "key_results"])
def test_an_initiative_refuses_another_tenants_rows(
    company: Company, other_company: Company, field: str
) -> None:
    o = other_company
    theirs: dict[str, Any] = {
        "owner": o.member,
        "result_area": result_area_create(organization=o.org, name="Theirs", owner=None),
        "key_results": [increase(sales_objective(o))],
    }
    fields: dict[str, Any] = {"owner": None, field: theirs[field]}

    with refused(field):
        initiative_create(organization=company.org, title="Partners", **fields)
    assert not Initiative.objects.filter(organization=company.org).exists()


@pytest.mark.parametrize("field", ["scope_unit", "scope_person"])
def test_an_initiative_refuses_another_tenants_scope(
    company: Company, other_company: Company, field: str
) -> None:
    theirs: dict[str, Any] = {
        "scope_unit": other_company.sales,
        "scope_person": other_company.member,
    }

    with refused(field):
        initiative_create(
            organization=company.org, title="Partners", owner=None, **{field: theirs[field]}
        )


@pytest.mark.parametrize("field", ["owner", "key_results"])
def test_an_initiative_update_refuses_another_tenants_rows(
    company: Company, other_company: Company, field: str
) -> None:
    o = other_company
    theirs: dict[str, Any] = {"owner": o.member, "key_results": [increase(sales_objective(o))]}
    work = initiative_create(organization=company.org, title="Partners", owner=None)

    with refused(field):
        initiative_update(initiative=work, **{field: theirs[field]})
