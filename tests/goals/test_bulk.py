"""Many new key results at once: the rows, audit trail and derived values the one-row service
leaves, every refusal named, in a bounded number of queries."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.assertions import events
from tests.conftest import Company

from headway.goals.bulk import KeyResultRow, key_results_check, key_results_create
from headway.goals.models import KeyResult, Objective
from headway.goals.services import key_result_create, objective_create

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]

FIELDS = (
    "title", "kind", "direction", "start", "target", "weight", "confidence_start", "position",
    "current", "progress", "attainment", "status", "owner_id",
)  # fmt: skip


def objective(c: Company, title: str = "Delight customers") -> Objective:
    return objective_create(organization=c.org, title=title, owner=c.member, period=c.quarter)


def test_it_leaves_what_the_one_row_service_leaves(company: Company) -> None:
    # given: the same key results, one by one under one objective and in bulk under another
    one, many = objective(company, "One by one"), objective(company, "In bulk")
    specs: list[dict[str, Any]] = [
        {"title": "NPS from 20 to 40", "start": Decimal(20), "target": Decimal(40)},
        {"title": "Churn from 8 to 5", "start": Decimal(8), "target": Decimal(5), "weight": Decimal(2)},
        {"title": "Tickets at most 10", "direction": "at_most", "target": Decimal(10)},
    ]  # fmt: skip
    for n, spec in enumerate(specs):
        key_result_create(objective=one, key=f"one-{n}", **spec)

    # when
    created = key_results_create(
        rows=[
            KeyResultRow(many, f"many-{n}", spec["title"], fields={k: v for k, v in spec.items() if k != "title"})
            for n, spec in enumerate(specs)
        ],
        actor=company.admin,
    )  # fmt: skip

    # then
    def kept(parent: Objective) -> list[list[Any]]:
        return [
            [getattr(kr, name) for name in FIELDS]
            for kr in KeyResult.objects.filter(objective=parent).order_by("position")
        ]

    assert kept(many) == kept(one)
    one.refresh_from_db()
    many.refresh_from_db()
    assert (many.progress, many.status) == (one.progress, one.status)
    [event] = events(created[1])
    assert (event.action, event.actor, event.changes["title"]) == ("create", company.admin, [None, "Churn from 8 to 5"])  # fmt: skip


def test_every_refusal_is_named_and_nothing_is_written(
    company: Company, other_company: Company
) -> None:
    parent = objective(company)
    key_result_create(objective=parent, key="taken", title="Taken", start=Decimal(0), target=Decimal(1))  # fmt: skip
    rows = [
        KeyResultRow(parent, "fine", "Fine", fields={"start": Decimal(0), "target": Decimal(5)}),
        KeyResultRow(parent, "taken", "Same key"),
        KeyResultRow(parent, "backwards", "Up and down", fields={"direction": "increase", "start": Decimal(5), "target": Decimal(1)}),
        KeyResultRow(parent, "stranger", "Theirs", owner=other_company.member),
        KeyResultRow(parent, "fine", "Twice"),
    ]  # fmt: skip

    refused = key_results_check(rows=rows)

    assert [None if e is None else sorted(e.message_dict) for e in refused] == [
        None, ["key"], ["target"], ["owner"], ["key"],
    ]  # fmt: skip
    with pytest.raises(Exception, match="key"):
        key_results_create(rows=rows)
    assert list(KeyResult.objects.values_list("key", flat=True)) == ["taken"]


def test_the_queries_do_not_grow_with_the_rows(company: Company) -> None:
    parents = [objective(company, f"Objective {n}") for n in range(4)]

    def create(prefix: str, count: int) -> int:
        rows = [
            KeyResultRow(parents[n % 4], f"{prefix}-{n}", f"Metric {n}", fields={"target": Decimal(9)})
            for n in range(count)
        ]  # fmt: skip
        with CaptureQueriesContext(connection) as captured:
            key_results_create(rows=rows)
        return len(captured.captured_queries)

    few = create("few", 4)
    many = create("many", 24)
    # the refresh of derived values is `rollup_key_results`', per key result for now
    assert many - few <= 2 * (24 - 4)
