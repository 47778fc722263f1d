"""Property: whatever the alignment graph and the order of check-ins, the values the incremental
rollup leaves behind are exactly what a full recompute computes from scratch."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from headway.checkins.services import checkin_record
from headway.goals.models import KeyResult, Objective
from headway.goals.rollup import recompute_organization
from headway.goals.services import alignment_create, key_result_create, objective_create
from headway.org.services import organization_create, period_create, person_create

TODAY = dt.date(2026, 11, 15)
_slugs = itertools.count()

key_result_spec = st.fixed_dictionaries(
    {
        "source": st.sampled_from(["check_ins", "children"]),
        "direction": st.sampled_from(["increase", "decrease", "at_least", "at_most"]),
        "start": st.integers(0, 50),
        "span": st.integers(0, 50),
        "weight": st.integers(0, 5),
    }
)
objective_spec = st.fixed_dictionaries(
    {
        "rollup": st.sampled_from(["key_results", "children", "both"]),
        "key_results": st.lists(key_result_spec, min_size=1, max_size=3),
        "state": st.sampled_from(["active", "active", "active", "cancelled", "closed"]),
    }
)
link = st.tuples(
    st.just("link"), st.integers(0, 99), st.integers(0, 99), st.booleans(), st.integers(0, 3)
)
check_in = st.tuples(
    st.just("check_in"), st.integers(0, 99), st.integers(-20, 120), st.integers(0, 50)
)
# Links first and check-ins after them make sure values travel up built graphs; the mixed tail
# covers graphs that change after values were recorded.
operations_strategy = st.tuples(
    st.lists(link, min_size=1, max_size=8),
    st.lists(check_in, min_size=1, max_size=10),
    st.lists(st.one_of(link, check_in), max_size=8),
).map(lambda parts: [*parts[0], *parts[1], *parts[2]])


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(objectives=st.lists(objective_spec, min_size=2, max_size=6), operations=operations_strategy)
# A key result fed by an aligned child, then a check-in below it: the value must travel up.
@example(
    objectives=[
        {
            "rollup": "both",
            "state": "active",
            "key_results": [
                {"source": "children", "direction": "increase", "start": 0, "span": 10, "weight": 1}
            ],
        },
        {
            "rollup": "key_results",
            "state": "active",
            "key_results": [
                {
                    "source": "check_ins",
                    "direction": "increase",
                    "start": 0,
                    "span": 10,
                    "weight": 2,
                }
            ],
        },
    ],
    operations=[("link", 1, 0, True, 1), ("check_in", 1, 5, 20)],
)
# Objective → objective → objective, checked in at the bottom.
@example(
    objectives=[
        {"rollup": "children", "state": "active", "key_results": []},
        {
            "rollup": "both",
            "state": "active",
            "key_results": [
                {"source": "check_ins", "direction": "decrease", "start": 8, "span": 3, "weight": 1}
            ],
        },
        {
            "rollup": "key_results",
            "state": "active",
            "key_results": [
                {
                    "source": "check_ins",
                    "direction": "increase",
                    "start": 0,
                    "span": 10,
                    "weight": 1,
                }
            ],
        },
    ],
    operations=[("link", 1, 0, False, 2), ("link", 2, 1, False, 1), ("check_in", 1, 7, 30)],
)
def test_incremental_rollup_equals_full_recompute(
    monkeypatch: pytest.MonkeyPatch, objectives: list[dict], operations: list[tuple]
) -> None:
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: TODAY)
    org = organization_create(name="Prop", slug=f"prop-{next(_slugs)}")
    quarter = period_create(
        organization=org, name="2026-Q4", start=dt.date(2026, 10, 1), end=dt.date(2026, 12, 31)
    )
    owner = person_create(organization=org, name="Owner", email="owner@prop.test")
    made: list[Objective] = []
    krs: list[KeyResult] = []
    for i, spec in enumerate(objectives):
        objective = objective_create(
            organization=org, title=f"Objective {i}", owner=owner, period=quarter,
            rollup=spec["rollup"], state=spec["state"],
        )  # fmt: skip
        made.append(objective)
        for j, kr in enumerate(spec["key_results"]):
            direction = kr["direction"]
            start = Decimal(kr["start"])
            target = start - kr["span"] if direction == "decrease" else start + kr["span"]
            krs.append(
                key_result_create(
                    objective=objective,
                    title=f"KR {i}.{j}",
                    direction=direction,
                    start=start,
                    target=target,
                    weight=Decimal(kr["weight"]),
                    progress_source=kr["source"],
                )
            )

    for op in operations:
        if op[0] == "link":
            _, child_at, parent_at, to_kr, weight = op
            child = made[child_at % len(made)]
            try:
                if to_kr and krs:
                    parent_kr = krs[parent_at % len(krs)]
                    alignment_create(
                        child=child, parent_key_result=parent_kr, weight=Decimal(weight)
                    )
                else:
                    parent = made[parent_at % len(made)]
                    alignment_create(child=child, parent_objective=parent, weight=Decimal(weight))
            except ValidationError:
                pass  # a cycle or a duplicate link: refused, nothing written
        elif krs:
            _, kr_at, value, days = op
            kr = krs[kr_at % len(krs)]
            if kr.state != "cancelled":
                checkin_record(
                    key_result=kr, value=Decimal(value), author=owner,
                    date=dt.date(2026, 10, 1) + dt.timedelta(days=days),
                )  # fmt: skip

    def derived() -> tuple[list, list]:
        return (
            list(
                KeyResult.objects.filter(organization=org)
                .order_by("pk")
                .values_list(
                    "pk", "current", "progress", "attainment", "status", "confidence", "done"
                )
            ),
            list(
                Objective.objects.filter(organization=org)
                .order_by("pk")
                .values_list("pk", "progress", "status")
            ),
        )

    incremental = derived()
    KeyResult.objects.filter(organization=org).update(
        current=None, progress=None, attainment=None, status="no_data", confidence=None, done=False
    )
    Objective.objects.filter(organization=org).update(progress=Decimal("0.123"), status="red")

    recompute_organization(org)

    assert derived() == incremental
