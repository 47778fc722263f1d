"""Creating and revoking API tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from headway.api.models import ApiToken
from headway.audit.models import AuditEvent
from headway.audit.services import audit_record, snapshot
from headway.org.models import Person

TOKEN_PREFIX = "hw_"
MAX_ACTIVE_TOKENS = 20


def token_digest(secret: str) -> str:
    """Tokens are 256 random bits, so a plain SHA-256 is as safe as a slow hash and fast to check."""
    return hashlib.sha256(secret.encode()).hexdigest()


def token_parse(raw: str) -> tuple[str, str] | None:
    """'hw_<prefix>_<secret>' → (prefix, whole token); anything else → None."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    prefix, _, rest = raw[len(TOKEN_PREFIX) :].partition("_")
    if not prefix or not rest:
        return None
    return prefix, raw


@transaction.atomic
def token_create(*, person: Person, name: str) -> tuple[ApiToken, str]:
    """A new token for the person; the secret is returned once and never stored."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Say what the token is for."})
    active = ApiToken.objects.filter(person=person, revoked_at__isnull=True).count()
    if active >= MAX_ACTIVE_TOKENS:
        raise ValidationError(
            {"name": f"You have {active} active tokens; revoke one you no longer use first."}
        )
    prefix = secrets.token_hex(6)
    secret = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        organization_id=person.organization_id,
        person=person,
        name=name[:100],
        prefix=prefix,
        digest=token_digest(secret),
    )
    audit_record(instance=token, action=AuditEvent.Action.CREATE, actor=person)
    return token, secret


@transaction.atomic
def token_revoke(*, token: ApiToken, actor: Person) -> ApiToken:
    if token.revoked_at is None:
        before = snapshot(token)
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
        audit_record(instance=token, action=AuditEvent.Action.UPDATE, actor=actor, before=before)
    return token
