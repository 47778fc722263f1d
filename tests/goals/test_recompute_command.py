"""`headway recompute`: a full rebuild agrees with what the import and the check-ins stored."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from tests.conftest import Company

from headway.goals.models import KeyResult, Objective
from headway.io.goalsfile import load
from headway.io.importer import goals_import

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]
FIXTURES = Path(__file__).parents[1] / "io" / "fixtures"


def import_fixture(name: str) -> None:
    goals_import(goals=load((FIXTURES / name).read_text(encoding="utf-8"), filename=name))


def recompute(*args: str) -> str:
    out = io.StringIO()
    call_command("recompute", *args, stdout=out)
    return out.getvalue()


def test_recompute_after_an_import_changes_nothing() -> None:
    import_fixture("acme.yaml")
    import_fixture("rich.yaml")

    out = recompute()

    lines = out.splitlines()
    assert [line.split(":")[0] for line in lines] == ["acme", "globex"]
    assert all("0 key results and 0 objectives changed (" in line for line in lines)


def test_recompute_repairs_a_stored_value_that_drifted() -> None:
    import_fixture("acme.yaml")
    KeyResult.objects.filter(key="kr-nps").update(progress=Decimal("0.9"))
    Objective.objects.filter(key="o-cx").update(status="on_track")

    out = recompute("--organization", "acme")

    assert out.startswith("acme: 1 key results and 1 objectives changed (")
    assert KeyResult.objects.get(key="kr-nps").progress == Decimal("0.2")
    assert recompute("--organization", "acme").startswith("acme: 0 key results and 0 objectives")


def test_recompute_on_another_day_moves_the_statuses() -> None:
    import_fixture("acme.yaml")

    out = recompute("--today", "2027-01-05")  # the quarter is over: statuses become grades

    assert out.startswith("acme: 3 key results and 1 objectives changed (")
    assert Objective.objects.get(key="o-cx").status == "red"


def test_recompute_touches_only_the_organization_named(company: Company) -> None:
    import_fixture("acme.yaml")  # into the persona company, whose slug is acme as well
    import_fixture("rich.yaml")
    Objective.objects.filter(key="o-grow").update(progress=None)

    assert recompute("--organization", "acme").startswith("acme: 0 key results")
    assert Objective.objects.get(key="o-grow").progress is None


def test_recompute_names_an_unknown_organization(company: Company) -> None:
    with pytest.raises(CommandError, match='no organization "nope"; known: acme'):
        recompute("--organization", "nope")
