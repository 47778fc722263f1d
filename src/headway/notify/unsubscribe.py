"""Signed unsubscribe links: they work without signing in, so the token itself is the proof.

A token names a person and what to stop ("digest": the check-in reminders; "email": every
email). It is signed with SECRET_KEY and does not expire: an old email's link must still work.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core import signing

SALT = "headway.notify.unsubscribe"
DIGEST = "digest"
SUMMARY = "summary"
EMAIL = "email"
PURPOSES = (DIGEST, SUMMARY, EMAIL)


class BadToken(Exception):
    """The link was altered, forged or cut short."""


@dataclass(frozen=True)
class Unsubscribe:
    person_id: int
    purpose: str


def unsubscribe_token(*, person_id: int, purpose: str) -> str:
    if purpose not in PURPOSES:
        raise ValueError(f"purpose must be one of {PURPOSES}")
    return signing.dumps({"p": person_id, "w": purpose}, salt=SALT)


def unsubscribe_read(token: str) -> Unsubscribe:
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        raise BadToken("This unsubscribe link is not valid.") from None
    if not isinstance(data, dict):
        raise BadToken("This unsubscribe link is not valid.")
    person_id, purpose = data.get("p"), data.get("w")
    if not isinstance(person_id, int) or purpose not in PURPOSES:
        raise BadToken("This unsubscribe link is not valid.")
    return Unsubscribe(person_id=person_id, purpose=purpose)
