"""`notifications_unread` for every template (the bell in the navigation bar), and `leads_team`
(the weekly summary's link).

Counted only when a template reads it, once per request: pages that do not show the bell cost
no query. Add "headway.notify.context.notifications" to TEMPLATES' context processors.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q
from django.http import HttpRequest

from headway.org.models import Person, Unit
from headway.web.current import current_person


def _bell(person: Person) -> tuple[int, bool]:
    """The person's unread count and whether they lead a team (head a unit or have an active
    report: the weekly summary's readers), in one query."""
    row = (
        Person.objects.filter(pk=person.pk)
        .annotate(
            unread=Count(
                "notifications",
                filter=Q(
                    notifications__organization_id=person.organization_id,
                    notifications__in_app=True,
                    notifications__read_at__isnull=True,
                ),
            ),
            heads=Exists(Unit.objects.filter(head=OuterRef("pk"))),
            manages=Exists(Person.objects.filter(manager=OuterRef("pk"), active=True)),
        )
        .values_list("unread", "heads", "manages")
        .first()
    )
    if row is None:
        return 0, False
    return row[0], bool(row[1] or row[2])


def notifications(request: HttpRequest) -> dict[str, Callable[[], Any]]:
    @cache
    def bell() -> tuple[int, bool]:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return 0, False
        person = current_person(request)
        return (0, False) if person is None else _bell(person)

    return {
        "notifications_unread": lambda: bell()[0],
        "leads_team": lambda: bell()[1],  # shows the weekly summary in the navigation bar
    }
