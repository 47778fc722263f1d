"""The list filters for initiatives and key results give the same answers as the access rules,
for every persona, in one query."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from tests.conftest import Company

from headway import access
from headway.access import initiatives_visible_q, key_results_visible_q
from headway.goals.initiative_selectors import work_progress
from headway.goals.models import Initiative, KeyResult, Milestone
from headway.goals.services import initiative_create, key_result_create, objective_create
from headway.org.models import Person

pytestmark = pytest.mark.django_db

PERSONAS = ("admin", "hr", "leader", "member", "colleague", "outsider", "viewer")


def key_result_of(
    company: Company,
    title: str,
    *,
    owner: Person,
    visibility: str = "public",
    kr_owner: Person | None = None,
    **scope: Any,
) -> KeyResult:
    objective = objective_create(
        organization=company.org, title=title, owner=owner, period=company.quarter,
        visibility=visibility, **scope,
    )  # fmt: skip
    return key_result_create(
        objective=objective, title=f"Grow {title} from 0 to 10", owner=kr_owner or owner,
        start=Decimal(0), target=Decimal(10),
    )  # fmt: skip


def initiative_of(
    company: Company, title: str, owner: Person | None, *serves: KeyResult
) -> Initiative:
    return initiative_create(
        organization=company.org, title=title, owner=owner, key_results=list(serves) or None,
        scope_person=owner,
    )  # fmt: skip


@pytest.fixture
def world(company: Company, other_company: Company) -> list[Initiative]:
    """Initiatives serving key results of every visibility, owned by different people."""
    c = company
    public = key_result_of(c, "public", owner=c.member)
    private = key_result_of(c, "private", owner=c.member, visibility="private")
    colleagues = key_result_of(
        c, "colleague's", owner=c.member, visibility="private", kr_owner=c.colleague
    )
    support = key_result_of(c, "support", owner=c.outsider, visibility="unit", scope_unit=c.support)
    emea = key_result_of(c, "emea", owner=c.colleague, visibility="unit", scope_unit=c.emea)
    outsiders = key_result_of(
        c, "outsider's own", owner=c.outsider, visibility="unit", scope_person=c.outsider
    )
    everyone = key_result_of(c, "org unit-wide", owner=c.admin, visibility="unit")
    theirs = key_result_of(other_company, "theirs", owner=other_company.member)
    return [
        initiative_of(c, "serves nothing", c.member),
        initiative_of(c, "serves nothing, no owner", None),
        initiative_of(c, "public", c.outsider, public),
        initiative_of(c, "private", c.colleague, private),
        initiative_of(c, "private, owned by the viewer", c.viewer, private),
        initiative_of(c, "colleague's key result", c.outsider, colleagues),
        initiative_of(c, "support unit", c.admin, support),
        initiative_of(c, "emea unit", c.admin, emea),
        initiative_of(c, "outsider's scope", c.hr, outsiders),
        initiative_of(c, "organization unit-wide", c.admin, everyone),
        initiative_of(c, "private and public", c.admin, private, public),
        initiative_of(c, "private and support", c.hr, private, support),
        initiative_of(other_company, "another tenant's", other_company.member, theirs),
    ]


@pytest.mark.parametrize("name", PERSONAS)
def test_the_initiative_filter_agrees_with_the_rule_for_every_persona(
    company: Company, world: list[Initiative], name: str
) -> None:
    person = getattr(company, name)

    listed = set(Initiative.objects.filter(initiatives_visible_q(person)))

    assert listed == {i for i in world if access.initiative_visible(person, i)}


def test_the_rule_really_differs_between_personas(
    company: Company, world: list[Initiative]
) -> None:
    seen = {
        name: {
            i.title
            for i in Initiative.objects.filter(initiatives_visible_q(getattr(company, name)))
        }
        for name in PERSONAS
    }

    assert "private" not in seen["outsider"]
    assert "private" in seen["member"]
    assert "support unit" in seen["outsider"]
    assert "support unit" not in seen["member"]
    assert "emea unit" in seen["viewer"]
    assert "colleague's key result" in seen["colleague"]
    assert "another tenant's" not in seen["admin"]
    assert len(seen["admin"]) == len(seen["hr"]) == len(world) - 1


def test_another_tenants_admin_and_inactive_people_see_none(
    company: Company, other_company: Company, world: list[Initiative]
) -> None:
    theirs = set(Initiative.objects.filter(initiatives_visible_q(other_company.admin)))
    company.member.active = False

    assert theirs == {world[-1]}
    assert not Initiative.objects.filter(initiatives_visible_q(company.member)).exists()
    assert not Initiative.objects.filter(initiatives_visible_q(None)).exists()


@pytest.mark.parametrize("name", PERSONAS)
def test_the_key_result_filter_agrees_with_the_rule_for_every_persona(
    company: Company, world: list[Initiative], name: str
) -> None:
    person = getattr(company, name)
    everything = KeyResult.objects.select_related(
        "owner", "objective__owner", "objective__scope_unit", "objective__scope_person__unit"
    )

    listed = set(KeyResult.objects.filter(key_results_visible_q(person)))

    assert listed == {kr for kr in everything if access.key_result_visible(person, kr)}


def test_the_filter_is_one_query_for_a_leader(
    company: Company, world: list[Initiative], django_assert_num_queries: Any
) -> None:
    visible = initiatives_visible_q(company.leader)  # reads the units the leader heads

    with django_assert_num_queries(1):
        assert list(Initiative.objects.filter(visible))


def test_work_progress_is_the_weighted_share_of_milestones_done() -> None:
    milestones = [
        Milestone(title="a", done=True, weight=Decimal(1)),
        Milestone(title="b", done=False, weight=Decimal(3)),
        Milestone(title="c", done=True, weight=Decimal(0)),
    ]

    progress = work_progress(milestones)

    assert (progress.done, progress.total, progress.share) == (2, 3, Decimal("0.25"))
    assert work_progress([]).share is None
    assert work_progress([Milestone(title="d", weight=Decimal(0))]).share is None
