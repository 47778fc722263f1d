"""Reads of check-ins."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from django.db.models import DateField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Least

from headway.checkins.models import CheckIn
from headway.goals.models import KeyResult
from headway.goals.selectors import objective_list
from headway.org.models import Person


def recent_check_ins_around(*, person: Person, limit: int = 10) -> QuerySet[CheckIn]:
    """The latest check-ins by me, by my direct reports and on my objectives, on objectives I may
    see (so a private goal never shows up for someone who may not open it)."""
    return (
        CheckIn.objects.filter(
            key_result__objective__in=objective_list(person=person).values("pk"),
        )
        .filter(
            Q(author=person) | Q(author__manager=person) | Q(key_result__objective__owner=person)
        )
        .select_related("author", "key_result__objective")
        .order_by("-created_at", "-id")[:limit]
    )


def latest_check_ins(
    organization_id: int, today: dt.date, *, key_results: Collection[int] | None = None
) -> QuerySet[CheckIn]:
    """The ends of every key result's series of check-ins (or of those of `key_results`): of its
    check-ins up to the day it is read on (today, or its period's end once that is over), the
    latest and the latest with a value, one row when they are the same. All that scoring and
    the health checks read of a series. Two index lookups per key result, on (organization, key
    result, date), gathered as one set of ids: an OR of two IN subqueries would be planned as a
    scan of every check-in against both lists."""
    as_of = Least(
        Coalesce(OuterRef("objective__period__end"), Value(today)),
        Value(today),
        output_field=DateField(),
    )
    recent = CheckIn.objects.filter(
        organization_id=organization_id, key_result_id=OuterRef("pk"), date__lte=as_of
    ).order_by("-date", "-id")
    rows = KeyResult.objects.filter(organization_id=organization_id).order_by()
    if key_results is not None:
        rows = rows.filter(pk__in=list(key_results))
    latest = rows.annotate(found=Subquery(recent.values("id")[:1])).values("found")
    valued = rows.annotate(
        found=Subquery(recent.filter(value__isnull=False).values("id")[:1])
    ).values("found")
    return CheckIn.objects.filter(pk__in=latest.union(valued), organization_id=organization_id)
