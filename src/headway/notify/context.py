"""`notifications_unread` for every template (the bell in the navigation bar).

Counted only when a template reads it, once per request: pages that do not show the bell cost
no query. Add "headway.notify.context.notifications" to TEMPLATES' context processors.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from django.http import HttpRequest

from headway.notify.selectors import notifications_unread_count
from headway.web.current import current_person


def notifications(request: HttpRequest) -> dict[str, Callable[[], Any]]:
    @cache
    def unread() -> int:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return 0
        person = current_person(request)
        return 0 if person is None else notifications_unread_count(person=person)

    return {"notifications_unread": unread}
