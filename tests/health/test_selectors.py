"""Health findings on the database equal the same checks on the goals file it came from."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import TODAY, Company

from headway.core.checks import CheckSettings, health_score, run_checks
from headway.core.model import Goals
from headway.goals.services import objective_create
from headway.health.selectors import organization_check_settings, organization_findings
from headway.io.goalsfile import load
from headway.io.importer import goals_import
from headway.org.models import Organization
from headway.org.services import organization_create

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]
FIXTURES = Path(__file__).parents[1] / "io" / "fixtures"


def imported(name: str) -> tuple[Goals, Organization]:
    goals = load((FIXTURES / name).read_text(encoding="utf-8"), filename=name)
    return goals, goals_import(goals=goals).organization


@pytest.mark.parametrize("name", ["acme.yaml", "rich.yaml"])
def test_findings_on_an_imported_file_equal_the_checks_on_the_file(name: str) -> None:
    goals, org = imported(name)
    expected = run_checks(goals)

    findings, score = organization_findings(org, today=goals.today)

    assert expected  # the fixtures do break a few rules
    assert [(f.code, f.object) for f in findings] == [(f.code, f.object) for f in expected]
    assert findings == expected
    assert score == health_score(goals, expected)


def test_the_organization_settings_tune_the_checks() -> None:
    goals, org = imported("rich.yaml")
    org.settings = {"health": {"disabled": ["HW006"], "min_key_results": 4, "theme": "dark"}}
    org.save(update_fields=["settings"])

    findings, _ = organization_findings(org, today=TODAY)

    assert findings == run_checks(
        goals, CheckSettings(disabled=frozenset({"HW006"}), min_key_results=4)
    )
    assert "HW006" not in {f.code for f in findings}
    assert any(f.code == "HW002" and f.object == "objective:o-grow" for f in findings)


def test_contradictory_settings_fail_loudly(company: Company) -> None:
    company.org.settings = {"health": {"max_kras_warning": 9, "max_kras_error": 3}}

    with pytest.raises(ValueError, match="max_kras_error"):
        organization_check_settings(company.org)


def test_without_settings_the_defaults_apply(company: Company) -> None:
    assert organization_check_settings(company.org) == CheckSettings()


def test_an_organization_with_nothing_to_check_has_no_score() -> None:
    org = organization_create(name="Empty")

    assert organization_findings(org) == ([], None)


def test_findings_stay_inside_their_organization(company: Company, other_company: Company) -> None:
    objective_create(organization=other_company.org, title="Theirs", owner=None, period=None)

    findings, _ = organization_findings(company.org, today=TODAY)

    assert findings == []
