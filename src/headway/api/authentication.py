"""Who is calling: a personal token (`Authorization: Bearer hw_…`) or the browser's session."""

from __future__ import annotations

import datetime as dt
import hmac
from typing import Any

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from headway.api.models import ApiToken
from headway.api.services import token_digest, token_parse
from headway.org.models import Person
from headway.web.current import current_person

LAST_USED_PRECISION = dt.timedelta(minutes=1)  # a busy token writes its last use once a minute


class TokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        header = authentication.get_authorization_header(request).decode(errors="replace")
        scheme, _, raw = header.partition(" ")
        if scheme.lower() not in ("bearer", "token") or not raw.strip():
            return None
        parsed = token_parse(raw.strip())
        token = (
            ApiToken.objects.select_related("person__user", "person__organization", "person__unit")
            .filter(prefix=parsed[0], revoked_at__isnull=True)
            .first()
            if parsed
            else None
        )
        if token is None or not hmac.compare_digest(token.digest, token_digest(parsed[1])):  # type: ignore[index]
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        person = token.person
        if not person.active or person.user is None or not person.user.is_active:
            raise exceptions.AuthenticationFailed("The token's owner is no longer active.")
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return person.user, token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


def api_person(request: Request) -> Person | None:
    """The person behind the request: the token's, or the session's."""
    if isinstance(request.auth, ApiToken):
        return request.auth.person
    return current_person(request._request)


class TokenScheme(OpenApiAuthenticationExtension):
    """How the schema describes personal tokens."""

    target_class = "headway.api.authentication.TokenAuthentication"
    name = "personalToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal token from your profile page: hw_<prefix>_<secret>.",
        }
