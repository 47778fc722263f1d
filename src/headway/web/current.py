"""Who is asking: the person a signed-in user is, in the organization they work in."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from headway.org.models import Person

ORGANIZATION_SESSION_KEY = "headway_organization"
_CACHE = "_headway_person"


def current_person(request: HttpRequest) -> Person | None:
    """The user's active person; with several organizations, the one chosen for this session.
    Computed once per request."""
    if hasattr(request, _CACHE):
        return getattr(request, _CACHE)
    person = None
    user: Any = request.user
    if user.is_authenticated:
        people = Person.objects.filter(user=user, active=True).select_related(
            "organization", "unit"
        )
        chosen = request.session.get(ORGANIZATION_SESSION_KEY)
        if chosen is not None:
            person = people.filter(organization_id=chosen).first()
        if person is None:
            person = people.order_by("organization__name").first()
    setattr(request, _CACHE, person)
    return person


def require_person(request: HttpRequest) -> Person:
    """The signed-in person (views are `login_required`); an account with no person is refused."""
    person = current_person(request)
    if person is None:
        raise PermissionDenied(
            "Your account is not a member of any organization here. Ask an administrator to "
            "add you as a person."
        )
    return person
