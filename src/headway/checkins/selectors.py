"""Reads of check-ins."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from headway.checkins.models import CheckIn
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
