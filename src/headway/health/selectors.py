"""Reads for the health pages: the same rules `headway check` runs on a file, on the database."""

from __future__ import annotations

import datetime as dt
from dataclasses import fields
from fractions import Fraction
from typing import Any

from headway.core.checks import CheckSettings, Finding, health_score, run_checks
from headway.goals.snapshot import organization_goals
from headway.org.models import Organization

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
