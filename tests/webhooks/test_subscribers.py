"""A write and what it sets off (a check-in and its rollup) read the organization's webhooks
once, and still see a webhook added meanwhile."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.conftest import Company

from headway.checkins.services import checkin_record
from headway.goals.models import Objective
from headway.goals.services import alignment_create, key_result_create, objective_create
from headway.webhooks import services
from headway.webhooks.models import Delivery, Event, Webhook

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]


def _hook(company: Company, *events: str, name: str = "Alerts") -> Webhook:
    return services.webhook_create(
        organization=company.org, name=name, url="https://hooks.example.test/headway",
        events=list(events), actor=company.admin,
    )  # fmt: skip


def _webhook_reads(queries: CaptureQueriesContext) -> int:
    return sum('FROM "webhooks_webhook"' in q["sql"] for q in queries.captured_queries)


def test_a_check_in_that_turns_three_statuses_reads_the_webhooks_once(company: Company) -> None:
    # given: a key result, its objective and the objective above it, all on track
    top = objective_create(
        organization=company.org, title="Grow", owner=company.admin, period=company.quarter,
        rollup=Objective.Rollup.CHILDREN,
    )  # fmt: skip
    mine = objective_create(
        organization=company.org, title="Close deals", owner=company.member,
        period=company.quarter, scope_person=company.member,
    )  # fmt: skip
    alignment_create(child=mine, parent_objective=top)
    kr = key_result_create(
        objective=mine, title="Close 10 deals", start=Decimal(0), target=Decimal(10)
    )
    checkin_record(key_result=kr, value=Decimal(6), author=company.member)  # on track
    _hook(company, Event.KEY_RESULT_STATUS_CHANGED, Event.OBJECTIVE_STATUS_CHANGED)

    # when: 1 of 10 halfway through the quarter is off track
    with CaptureQueriesContext(connection) as queries:
        checkin_record(key_result=kr, value=Decimal(1), author=company.member)

    # then
    events = sorted(Delivery.objects.values_list("event", flat=True))
    assert events == ["key_result.status_changed", *["objective.status_changed"] * 2]
    assert _webhook_reads(queries) == 1


def test_without_webhooks_a_check_in_reads_the_table_once(company: Company) -> None:
    objective = objective_create(
        organization=company.org, title="Close deals", owner=company.member,
        period=company.quarter,
    )  # fmt: skip
    kr = key_result_create(objective=objective, title="Deals", start=Decimal(0), target=Decimal(9))

    with CaptureQueriesContext(connection) as queries:
        checkin_record(key_result=kr, value=Decimal(1), author=company.member)

    assert _webhook_reads(queries) == 1
    assert not Delivery.objects.exists()


def test_a_webhook_added_inside_the_block_receives_the_next_event(company: Company) -> None:
    objective = objective_create(
        organization=company.org, title="Close deals", owner=company.member,
        period=company.quarter,
    )  # fmt: skip
    kr = key_result_create(objective=objective, title="Deals", start=Decimal(0), target=Decimal(9))

    with services.webhooks_cached():
        checkin_record(key_result=kr, value=Decimal(1), author=company.member)  # none yet
        _hook(company, Event.CHECK_IN_RECORDED)
        checkin_record(key_result=kr, value=Decimal(2), author=company.member)

    assert list(Delivery.objects.values_list("event", flat=True)) == ["check_in.recorded"]
