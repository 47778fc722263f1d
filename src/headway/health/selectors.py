"""Reads for the health pages: the findings the worker stored (see `headway.health.services`),
and the same rules `headway check` runs on a file, run on the database for the worker."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import fields
from fractions import Fraction
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Count, Q, QuerySet
from django.db.models.expressions import RawSQL

from headway import access
from headway.bulk import IN_BATCH, batches
from headway.core.checks import CheckSettings, Finding, health_score, run_checks
from headway.goals.models import Objective, Visibility
from headway.goals.snapshot import organization_goals
from headway.health.models import HealthFinding, HealthState
from headway.org.models import Organization, Person, Unit

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
    """Every finding on the organization's goals and its health score, as of `today`. It reads
    the whole organization: for the worker and commands, never for a page."""
    goals = organization_goals(organization, today=today, latest_only=True)
    findings = run_checks(goals, organization_check_settings(organization))
    return findings, health_score(goals, findings)


def health_state_get(*, organization_id: int) -> HealthState | None:
    """Where the organization's stored findings stand; None before its first check."""
    return HealthState.objects.filter(organization_id=organization_id).first()


def findings_visible(
    person: Person, *, unit: Unit | None = None, code: str | None = None
) -> QuerySet[HealthFinding]:
    """The stored findings the person may see, in the rules' order: those about an objective
    or its key results only to whoever may see the objective. `unit` keeps the findings about
    objects in that unit, `code` one rule's."""
    findings = HealthFinding.objects.filter(organization_id=person.organization_id)
    if not access.sees_everything(person):
        goal_kinds = Q(object__startswith="objective:") | Q(object__startswith="key_result:")
        findings = findings.exclude(Q(objective__isnull=True) & goal_kinds)
        hidden = hidden_objective_ids(person)
        if connection.vendor == "postgresql":
            # One array parameter: thousands of ids as a list cost more to send and to plan
            # than the rest of the query.
            findings = findings.exclude(
                Q(objective__isnull=False) & Q(RawSQL(HIDDEN_SQL, (hidden,), BooleanField()))
            )
        elif len(hidden) <= IN_BATCH:
            findings = findings.exclude(objective_id__in=hidden)
        else:  # more than a query may name: the policy as a subquery
            seen = Objective.objects.filter(access.objectives_visible_q(person)).exclude(
                visibility=Visibility.PUBLIC
            )
            findings = findings.filter(
                Q(objective__isnull=True)
                | Q(objective__visibility=Visibility.PUBLIC)
                | Q(objective__in=seen.values("pk"))
            )
    if unit is not None:
        findings = findings.filter(unit=unit)
    if code is not None:
        findings = findings.filter(code=code)
    return findings.order_by("code", "object", "pk")


HIDDEN_SQL = f'"{HealthFinding._meta.db_table}"."objective_id" IN (SELECT unnest(%s::bigint[]))'


def hidden_objective_ids(person: Person) -> list[int]:
    """The objectives with stored findings that the person may not see, in two queries: the
    objectives with findings that are not public (public ones are everyone's), then the access
    policy about those alone. Read once per page, so the page's queries over the findings need
    no join to the objectives."""
    restricted = set(
        HealthFinding.objects.filter(organization_id=person.organization_id)
        .exclude(objective__visibility=Visibility.PUBLIC)
        .exclude(objective__isnull=True)
        .order_by()
        .values_list("objective_id", flat=True)
        .distinct()
    )
    seen: set[int] = set()
    for batch in batches(sorted(restricted)):
        seen |= access.visible_objective_ids(person, batch)
    return sorted(restricted - seen)


def findings_first_of_each_rule(
    findings: QuerySet[HealthFinding], count: int, codes: Iterable[str]
) -> dict[str, list[HealthFinding]]:
    """The first `count` findings of each of these rules: one query per rule, each reading its
    first rows in the order of the (organization, code, object) index and stopping there."""
    return {code: list(findings.filter(code=code)[:count]) for code in sorted(codes)}


def finding_counts(findings: QuerySet[HealthFinding]) -> dict[str, int]:
    """How many of these findings each rule has, in one query."""
    rows = findings.order_by().values("code").annotate(count=Count("pk"))
    return {row["code"]: row["count"] for row in rows}
