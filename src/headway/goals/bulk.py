"""Many new key results at once: what `key_result_create` does for one, set-based.

The one-row service costs about thirty statements a key result (lookups, constraint checks run
as queries, the insert, the audit row, the rollup of its objective and every ancestor). Here
every row is checked in memory with the service's own rules, the key results and their audit
rows are inserted in one pass, and the derived values are refreshed once for all of them
(`rollup_key_results`: each objective and ancestor once).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from headway.audit.models import AuditEvent
from headway.bulk import AUDIT_FIELDS, audit_row, ids_reserve, rows_insert
from headway.core.progress import infer_direction
from headway.goals.models import KeyResult, Objective
from headway.goals.rollup import number, rollup_key_results
from headway.goals.services import _validate_key_result
from headway.health.services import health_changed_after_commit
from headway.org.models import Person


@dataclass
class KeyResultRow:
    """One key result to create under an objective, with the fields `key_result_create`
    takes (owner: None means the objective's owner)."""

    objective: Objective
    key: str
    title: str
    owner: Person | None = None
    fields: dict[str, Any] = field(default_factory=dict)


def _build(row: KeyResultRow, position: int, now: dt.datetime) -> KeyResult:
    """The unsaved key result the service would save, checked as the service checks it
    (relations come from the caller's own reads, so they are not looked up again)."""
    objective = row.objective
    for name, related in (("owner", row.owner), ("indicator", row.fields.get("indicator"))):
        if related is not None and related.organization_id != objective.organization_id:
            raise ValidationError({name: "That is not in this organization."})
    fields = dict(row.fields)
    if "direction" not in fields:  # DESIGN §6: a target below the start means decrease
        fields["direction"] = str(
            infer_direction(number(fields.get("start")), number(fields.get("target")))
        )
    kr = KeyResult(
        organization_id=objective.organization_id,
        objective=objective,
        key=row.key,
        title=row.title,
        owner=row.owner or objective.owner,
        position=position,
        created_at=now,
        updated_at=now,
        **fields,
    )
    _validate_key_result(kr)
    # The service's full_clean, but the relations (read by the caller in this organization)
    # and the constraints (each a query; the database enforces them too) are not re-checked.
    kr.full_clean(
        exclude=["organization", "objective", "owner", "indicator"],
        validate_unique=False,
        validate_constraints=False,
    )
    return kr


def key_results_check(*, rows: Sequence[KeyResultRow]) -> list[ValidationError | None]:
    """For each row, what `key_results_create` would refuse in it (None: nothing), in two
    queries: the keys already taken, and how many key results each objective holds."""
    return _check(rows, timezone.now())[1]


def _check(
    rows: Sequence[KeyResultRow], now: dt.datetime
) -> tuple[list[KeyResult | None], list[ValidationError | None]]:
    if not rows:
        return [], []
    organization_id = rows[0].objective.organization_id
    keys = [row.key for row in rows]
    taken: set[str] = set()
    for begin in range(0, len(keys), 10_000):
        taken |= set(
            KeyResult.objects.filter(
                organization_id=organization_id, key__in=keys[begin : begin + 10_000]
            ).values_list("key", flat=True)
        )
    objective_ids = sorted({row.objective.pk for row in rows})
    held: Counter[int] = Counter()
    for begin in range(0, len(objective_ids), 10_000):
        held.update(
            dict(
                KeyResult.objects.filter(objective_id__in=objective_ids[begin : begin + 10_000])
                .order_by()
                .values("objective_id")
                .annotate(n=Count("id"))
                .values_list("objective_id", "n")
            )
        )
    built: list[KeyResult | None] = []
    errors: list[ValidationError | None] = []
    seen: set[str] = set()
    for row in rows:
        try:
            if row.objective.organization_id != organization_id:
                raise ValidationError({"objective": "That is not in this organization."})
            if row.key in taken or row.key in seen:
                raise ValidationError(
                    {"key": f"Another key result already has the key {row.key!r}."}
                )
            kr = _build(row, held[row.objective.pk], now)
        except ValidationError as error:
            built.append(None)
            errors.append(error)
            continue
        seen.add(row.key)
        held[row.objective.pk] += 1
        built.append(kr)
        errors.append(None)
    return built, errors


@transaction.atomic
def key_results_create(
    *, rows: Sequence[KeyResultRow], actor: Person | None = None, today: dt.date | None = None
) -> list[KeyResult]:
    """Create every row as `key_result_create` would, in one transaction, or none: the first
    refusal is raised (`key_results_check` names them all) before anything is written."""
    now = timezone.now()
    built, errors = _check(rows, now)
    for error in errors:
        if error is not None:
            raise error
    created = [kr for kr in built if kr is not None]
    names = [f.attname for f in KeyResult._meta.concrete_fields]
    for kr, pk in zip(created, ids_reserve(KeyResult, len(created)), strict=True):
        kr.pk = kr.id = pk
    rows_insert(KeyResult, names, ([getattr(kr, name) for name in names] for kr in created))
    audits = [audit_row(kr, action=AuditEvent.Action.CREATE, actor=actor, at=now) for kr in created]
    rows_insert(AuditEvent, AUDIT_FIELDS, [row for row in audits if row is not None])
    rollup_key_results(created, today=today)
    if created:  # rows inserted in bulk send no signals: tell the health checks
        health_changed_after_commit(created[0].organization_id)
    return created
