"""Export and import are inverses: file → database → file keeps what the database keeps.

What the database cannot keep, and so a round trip changes (each normalised in `as_stored`):
- `slug`: the organization always has one; a file without it gets slugify(name).
- a period's `state` other than closed: "planning"/"active" are read from the dates anyway.
- a key result's `direction` left to inference: stored (and exported) explicitly.
- `parsed_from_title`: the numbers read from the title are stored as plain start and target.
- check-ins come back in date order (the order they count in); emails in lower case.
- a yes/no key result's `done` is read from its latest check-in (`done: true` alone is
  imported as a check-in of 1; see test_importer).
- `today` is the day of the export (the command's --today), and a period's `kind`/`parent`
  never reach `Goals` (the importer infers them from the dates).
"""

from __future__ import annotations

import copy
import datetime as dt
import io
from dataclasses import fields, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.text import slugify
from tests.conftest import TODAY, Company

from headway.audit.models import AuditEvent
from headway.checkins.services import checkin_record
from headway.core import model as core
from headway.core.evaluate import kr_direction
from headway.goals.models import KeyResult, Milestone
from headway.goals.services import (
    alignment_create,
    key_result_create,
    milestone_save,
    objective_create,
)
from headway.goals.snapshot import organization_goals
from headway.io.goalsfile import dump, load
from headway.io.importer import goals_import
from headway.org.models import Organization

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]
FIXTURES = Path(__file__).parent / "fixtures"
FILES = ["acme.yaml", "rich.yaml"]


def fixture(name: str) -> core.Goals:
    return load((FIXTURES / name).read_text(encoding="utf-8"), filename=name)


def imported(name: str) -> tuple[core.Goals, Organization]:
    goals = fixture(name)
    return goals, goals_import(goals=goals).organization


def as_stored(goals: core.Goals) -> core.Goals:
    """The original goals as the database keeps them (the losses listed at the top)."""
    kept = copy.deepcopy(goals)
    kept.slug = kept.slug or slugify(kept.organization)
    kept.periods = [
        replace(p, state="closed" if p.state == "closed" else None) for p in kept.periods
    ]
    kept.people = [replace(p, email=p.email.lower()) for p in kept.people]
    for objective in kept.objectives:
        for kr in objective.key_results:
            kr.direction = kr_direction(kr)
            kr.parsed_from_title = False
            kr.check_ins.sort(key=lambda c: c.date)
    return kept


def assert_same(exported: Any, original: Any, where: str) -> None:
    """Field by field, so a failure names the object and the field that differ."""
    for name in (f.name for f in fields(original)):
        ours, theirs = getattr(exported, name), getattr(original, name)
        if isinstance(theirs, list) and theirs and hasattr(theirs[0], "__dataclass_fields__"):
            assert len(ours) == len(theirs), f"{where}.{name}: {len(ours)} != {len(theirs)}"
            for index, (a, b) in enumerate(zip(ours, theirs, strict=True)):
                label = getattr(b, "id", None) or getattr(b, "name", None) or index
                assert_same(a, b, f"{where}.{name}[{label}]")
        else:
            assert ours == theirs, f"{where}.{name}: {ours!r} != {theirs!r}"


# -- round trips ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", FILES)
def test_export_of_an_import_of_an_export_is_the_same_text(name: str) -> None:
    # given
    _, org = imported(name)
    first = dump(organization_goals(org, today=TODAY))
    events = AuditEvent.objects.count()

    # when
    again = goals_import(goals=load(first))

    # then
    assert again.changed == 0
    assert all(c.created == c.updated == 0 for c in again.counts.values())
    assert AuditEvent.objects.count() == events
    assert dump(organization_goals(org, today=TODAY)) == first


@pytest.mark.parametrize("name", FILES)
def test_loading_the_export_gives_back_the_original(name: str) -> None:
    original, org = imported(name)

    exported = load(dump(organization_goals(org, today=original.today)))

    assert_same(exported, as_stored(original), "goals")
    assert exported == as_stored(original)


def test_the_snapshot_uses_natural_keys_and_scopes() -> None:
    _, org = imported("rich.yaml")

    goals = organization_goals(org, today=TODAY)

    assert [a.scope for a in goals.result_areas] == ["org", "org", "unit:Sales"]
    support = next(o for o in goals.objectives if o.id == "o-support")
    assert support.aligns_to == [
        core.Alignment(parent_objective="o-cx"),
        core.Alignment(parent_key_result="kr-cx-teams"),
    ]
    mrr = next(kr for o in goals.objectives for kr in o.key_results if kr.id == "kr-mrr")
    assert (mrr.indicator, mrr.source) == ("mrr", core.ProgressSource.INDICATOR)
    assert goals.period("2026-Q3") == core.Period(
        "2026-Q3", dt.date(2026, 7, 1), dt.date(2026, 9, 30), "closed"
    )


def test_a_yes_no_key_result_reads_done_from_its_check_ins(company: Company) -> None:
    objective = objective_create(
        organization=company.org, title="Pass the audit", owner=company.admin,
        period=company.quarter,
    )  # fmt: skip
    signed = key_result_create(objective=objective, title="Report signed", kind="boolean")
    checkin_record(
        key_result=signed, value=Decimal(1), author=company.admin, date=dt.date(2026, 11, 1)
    )

    [kr] = organization_goals(company.org, today=TODAY).objectives[0].key_results

    assert (kr.kind, kr.done) == (core.KRKind.BOOLEAN, True)
    assert organization_goals(company.org, today=dt.date(2026, 10, 31)).objectives[0].key_results[
        0
    ].done is False  # fmt: skip


def test_the_snapshot_reads_only_its_own_organization(
    company: Company, other_company: Company
) -> None:
    objective_create(organization=other_company.org, title="Theirs", owner=None, period=None)

    goals = organization_goals(company.org, today=TODAY)

    assert goals.objectives == []
    assert goals.people
    assert all(p.email.endswith("@acme.test") for p in goals.people)


# -- query count ---------------------------------------------------------------------------------------
def build(company: Company, count: int) -> None:
    """`count` objectives, each with key results, a check-in, a milestone and an alignment."""
    top = objective_create(
        organization=company.org, title="Top", owner=company.admin, period=company.quarter
    )
    for n in range(count):
        objective = objective_create(
            organization=company.org, title=f"Objective {n}", owner=company.member,
            period=company.quarter, scope_unit=company.emea,
        )  # fmt: skip
        alignment_create(child=objective, parent_objective=top)
        kr = key_result_create(
            objective=objective, title=f"Win {n} deals", start=0, target=10, owner=company.member
        )
        checkin_record(key_result=kr, value=Decimal(n % 10), author=company.member)
        steps = key_result_create(objective=objective, title=f"Steps {n}", kind="milestones")
        milestone_save(milestone=Milestone(key_result=steps, title="First step", done=True))


def snapshot_queries(company: Company) -> int:
    with CaptureQueriesContext(connection) as queries:
        goals = organization_goals(company.org, today=TODAY)
    assert goals.objectives  # it read something
    return len(queries)


def test_the_snapshot_query_count_does_not_grow_with_the_objectives(company: Company) -> None:
    build(company, 3)
    few = snapshot_queries(company)
    build(company, 27)

    many = snapshot_queries(company)

    assert KeyResult.objects.filter(organization=company.org).count() == 60
    assert many == few == 12  # one query per table read


# -- the command ---------------------------------------------------------------------------------------
def test_the_export_command_writes_the_only_organization_to_stdout() -> None:
    _, org = imported("acme.yaml")
    out = io.StringIO()

    call_command("export", "--today", "2026-11-15", stdout=out)

    assert out.getvalue() == dump(organization_goals(org, today=TODAY))
    assert out.getvalue().startswith(
        "organization:\n  name: Acme\n  slug: acme\ntoday: 2026-11-15\n"
    )


def test_the_export_command_writes_a_file(tmp_path: Path) -> None:
    imported("rich.yaml")
    target = tmp_path / "globex.yaml"

    call_command("export", "--organization", "globex", "--output", str(target), verbosity=0)

    assert load(target.read_text(encoding="utf-8")).organization == "Globex"


def test_with_several_organizations_the_export_command_asks_which(company: Company) -> None:
    imported("rich.yaml")

    with pytest.raises(CommandError) as caught:
        call_command("export")

    assert str(caught.value) == ("2 organizations; choose one with --organization: acme, globex")


def test_the_export_command_names_an_unknown_organization(company: Company) -> None:
    with pytest.raises(CommandError, match='no organization "nope"; known: acme'):
        call_command("export", "--organization", "nope")


def test_the_export_command_with_no_organization_says_so() -> None:
    with pytest.raises(CommandError, match="no organization yet"):
        call_command("export")
