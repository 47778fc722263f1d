"""Who may call: a signed-in person of an organization; viewers only read."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions, permissions
from rest_framework.request import Request

from headway.api.authentication import api_person
from headway.org.models import Person


class IsPerson(permissions.BasePermission):
    message = "Your account is not a person of any organization."

    def has_permission(self, request: Request, view: Any) -> bool:
        if not request.user or not request.user.is_authenticated:
            raise exceptions.NotAuthenticated(
                "Sign in, or send a personal token: Authorization: Bearer hw_…"
            )
        person = api_person(request)
        if person is None:
            return False
        if request.method not in permissions.SAFE_METHODS and person.role == Person.Role.VIEWER:
            self.message = "Viewers read only; ask an admin for a role that may change goals."
            return False
        return True
