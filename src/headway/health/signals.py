"""Writes to the tables the health checks read mark the organization's findings out of date.

This is cache invalidation, not business logic: a receiver catches every path that saves a row
(services, the admin, imports that save row by row), where a call in each service would be
forgotten in the next one. Deletions are seen through their audit row, which every service and
the admin write: a `post_delete` receiver would make Django load every row a cascade removes
(deleting an organization would read its millions of check-ins). Bulk paths, which send no
signals, call `health_changed_after_commit` themselves.

A check-in or a measurement written changes one rule's answer only, whether its key result or
KPI is stale: it is remembered for the check of just that (`health_series_changed`), and its audit
row marks nothing more. Deleting one marks the organization, through its audit row.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models.signals import post_save

from headway.health.services import health_changed_after_commit, health_series_changed

# Writes that change only the staleness of one key result or KPI (HW006), by audit object type.
SERIES_MODELS = frozenset({"checkin", "measurement"})


def _organization_id(instance: models.Model) -> int | None:
    from headway.org.models import Organization

    if isinstance(instance, Organization):
        return instance.pk
    return getattr(instance, "organization_id", None)


def _changed(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    if kwargs.get("raw"):  # loaddata: fixtures are not changes anybody made
        return
    organization_id = _organization_id(instance)
    if organization_id is None:
        return
    from headway.audit.models import AuditEvent
    from headway.checkins.models import CheckIn
    from headway.indicators.models import Measurement

    if isinstance(instance, CheckIn):
        health_series_changed(organization_id, key_results=[instance.key_result_id])
    elif isinstance(instance, Measurement):
        health_series_changed(organization_id, indicators=[instance.indicator_id])
    elif isinstance(instance, AuditEvent) and _series_written(instance):
        pass  # the check-in or measurement itself was seen saved
    else:
        health_changed_after_commit(organization_id)


def _series_written(event: Any) -> bool:
    """The audit row of a check-in or a measurement written (not deleted)."""
    return event.object_type in SERIES_MODELS and event.action != event.Action.DELETE


def checked_models() -> list[type[models.Model]]:
    """Every table `organization_goals` reads, so every input of the checks, and the audit
    trail, which records the deletions."""
    from headway.audit.models import AuditEvent
    from headway.checkins.models import CheckIn
    from headway.goals.models import Alignment, KeyResult, Milestone, Objective, ResultArea
    from headway.indicators.models import Indicator, Measurement, Target
    from headway.org.models import Organization, Period, Person, Unit

    return [
        Organization, Period, Unit, Person, ResultArea, Indicator, Target, Measurement,
        Objective, KeyResult, Milestone, CheckIn, Alignment, AuditEvent,
    ]  # fmt: skip


def connect() -> None:
    for model in checked_models():
        uid = f"health-changed-{model._meta.label_lower}"
        post_save.connect(_changed, sender=model, dispatch_uid=f"{uid}-save")
