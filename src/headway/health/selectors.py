"""Reads for the health pages: the same rules `headway check` runs on a file, on the database."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from fractions import Fraction
from typing import Any

from headway import access
from headway.core.checks import CheckSettings, Finding, health_score, run_checks
from headway.goals.models import KeyResult, Objective, ResultArea
from headway.goals.snapshot import organization_goals
from headway.indicators.models import Indicator
from headway.org.models import Organization, Person

_SETTING_NAMES = frozenset(f.name for f in fields(CheckSettings))


def organization_check_settings(organization: Organization) -> CheckSettings:
    """The thresholds the organization tuned under `settings["health"]`; defaults otherwise.

    Unknown keys are left for other features; a contradiction raises `ValueError` loudly.
    """
    raw: dict[str, Any] = (organization.settings or {}).get("health") or {}
    values: dict[str, Any] = {}
    for name, value in raw.items():
        if name not in _SETTING_NAMES:
            continue
        if name == "disabled":
            values[name] = frozenset(str(code) for code in value)
        elif name == "stale_indicator_factor":
            values[name] = Fraction(str(value))
        else:
            values[name] = int(value)
    return CheckSettings(**values)


def organization_findings(
    organization: Organization, *, today: dt.date | None = None
) -> tuple[list[Finding], Fraction | None]:
    """Every finding on the organization's goals and its health score, as of `today`."""
    goals = organization_goals(organization, today=today)
    findings = run_checks(goals, organization_check_settings(organization))
    return findings, health_score(goals, findings)


@dataclass
class Place:
    """Where a finding's object lives: its page and its unit (for the scope filter)."""

    url: str | None
    unit: str | None


def _keys(findings: list[Finding], kind: str) -> set[str]:
    prefix = f"{kind}:"
    return {f.object[len(prefix) :] for f in findings if f.object.startswith(prefix)}


def finding_places(person: Person, findings: list[Finding]) -> dict[str, Place]:
    """Resolve every finding's object in one query per kind; objects the person may not see
    (objectives, and the key results under them) are left out."""
    org = person.organization_id
    places: dict[str, Place] = {}
    kr_rows = list(
        KeyResult.objects.filter(
            organization_id=org, key__in=_keys(findings, "key_result")
        ).values_list("key", "objective__key")
    )
    objective_keys = _keys(findings, "objective") | {o for _, o in kr_rows}
    objectives = {
        key: Place(f"/objectives/{pk}/", unit or person_unit)
        for key, pk, unit, person_unit in Objective.objects.filter(
            access.objectives_visible_q(person), key__in=objective_keys
        ).values_list("key", "pk", "scope_unit__name", "scope_person__unit__name")
    }
    for key, place in objectives.items():
        places[f"objective:{key}"] = place
    for kr_key, objective_key in kr_rows:
        if objective_key in objectives:
            places[f"key_result:{kr_key}"] = objectives[objective_key]
    for key, pk, unit, person_unit in Indicator.objects.filter(
        organization_id=org, key__in=_keys(findings, "indicator")
    ).values_list("key", "pk", "scope_unit__name", "scope_person__unit__name"):
        places[f"indicator:{key}"] = Place(f"/kpis/{pk}/", unit or person_unit)
    for key, pk, unit, person_unit in ResultArea.objects.filter(
        organization_id=org, key__in=_keys(findings, "result_area")
    ).values_list("key", "pk", "scope_unit__name", "scope_person__unit__name"):
        places[f"result_area:{key}"] = Place(f"/kras/{pk}/", unit or person_unit)
    emails = _keys(findings, "person") | {
        key.removeprefix("person:") for key in _keys(findings, "scope") if key.startswith("person:")
    }
    units_of = dict(
        Person.objects.filter(organization_id=org, email__in=emails).values_list(
            "email", "unit__name"
        )
    )
    for email, unit in units_of.items():
        places[f"person:{email}"] = Place(None, unit)
        places[f"scope:person:{email}"] = Place(None, unit)
    for key in _keys(findings, "scope"):
        if key.startswith("unit:"):
            places[f"scope:{key}"] = Place(None, key.removeprefix("unit:"))
        elif not key.startswith("person:"):
            places[f"scope:{key}"] = Place(None, None)
    return places


def finding_hidden(finding: Finding, places: dict[str, Place]) -> bool:
    """Objectives and key results the person may not see are missing from `places`."""
    kind = finding.object.split(":", 1)[0]
    return kind in ("objective", "key_result") and finding.object not in places


def visible_findings(
    person: Person, *, today: dt.date | None = None
) -> tuple[list[Finding], dict[str, Place], Fraction | None]:
    """The organization's findings without those about objectives the person may not see, where
    each finding's object lives, and the organization's health score."""
    findings, score = organization_findings(person.organization, today=today)
    places = finding_places(person, findings)
    return [f for f in findings if not finding_hidden(f, places)], places, score
