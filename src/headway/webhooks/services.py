"""Every write to webhooks and their deliveries, and the delivery itself.

A delivery is created in the transaction of the event it reports and queued for the background
worker when that transaction commits. The worker posts it, signed with the webhook's secret; a
refusal or a network error is retried with backoff (`BACKOFF`) up to `MAX_ATTEMPTS` attempts,
then the delivery is given up. Each attempt is claimed by bumping `attempts` in one conditional
UPDATE, so a task run twice (or a stale retry after "retry now") sends nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import http.client
import json
import logging
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from headway.audit.models import AuditEvent
from headway.audit.services import audit_record, snapshot
from headway.org.models import Organization, Person
from headway.webhooks import formats
from headway.webhooks.models import SUBSCRIBABLE, Delivery, Event, Webhook

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
# The wait after attempt 1, 2, ... fails; the attempt after the last wait is the final one.
BACKOFF = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
    dt.timedelta(hours=6),
)
TIMEOUT_SECONDS = 10
USER_AGENT = "Headway-Webhooks/1"
ERROR_LENGTH = 1000  # Delivery.last_error
OPEN = (Delivery.Status.PENDING, Delivery.Status.FAILED)
EDITABLE = {"name", "url", "events", "format", "active", "secret"}
HIDDEN = "(hidden)"


# Inside `webhooks_cached()`: each organization's active webhooks (and the organization), read
# once. A check-in's rollup may publish an event per changed status: without this, each costs a
# query even when the organization has no webhook.
_subscribers: ContextVar[dict[int, tuple[list[Webhook], Organization | None]] | None] = ContextVar(
    "webhook_subscribers", default=None
)


@contextmanager
def webhooks_cached() -> Iterator[None]:
    """Read each organization's active webhooks once within the block (nested blocks share it).

    For one write and what it sets off (a check-in and its rollup, a recompute); a webhook
    created, changed or deleted meanwhile through this module is read again."""
    if _subscribers.get() is not None:
        yield
        return
    token = _subscribers.set({})
    try:
        yield
    finally:
        _subscribers.reset(token)


def _forget_subscribers(organization_id: int) -> None:
    cache = _subscribers.get()
    if cache is not None:
        cache.pop(organization_id, None)


def _subscribers_of(organization_id: int) -> tuple[list[Webhook], Organization | None]:
    """The organization's active webhooks, and the organization when there is one."""
    cache = _subscribers.get()
    if cache is not None and organization_id in cache:
        return cache[organization_id]
    webhooks = list(Webhook.objects.filter(organization_id=organization_id, active=True))
    organization = Organization.objects.get(pk=organization_id) if webhooks else None
    if cache is not None:
        cache[organization_id] = (webhooks, organization)
    return webhooks, organization


# -- webhooks ---------------------------------------------------------------------------------
def secret_generate() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def _validate(webhook: Webhook) -> None:
    errors: dict[str, str] = {}
    events = webhook.events
    if not isinstance(events, list) or not events:
        errors["events"] = "Choose at least one event."
    else:
        unknown = sorted({str(e) for e in events} - {str(e) for e in SUBSCRIBABLE})
        if unknown:
            errors["events"] = f"Unknown events: {', '.join(unknown)}."
    if not webhook.secret or len(webhook.secret) < 16:
        errors["secret"] = "The secret needs at least 16 characters."
    if errors:
        raise ValidationError(errors)
    webhook.full_clean(exclude=["organization", "created_by"], validate_unique=False)
    clash = Webhook.objects.filter(organization_id=webhook.organization_id, name=webhook.name)
    if clash.exclude(pk=webhook.pk).exists():
        raise ValidationError({"name": "Another webhook already has this name."})


def _audit(webhook: Webhook, action: str, actor: Person | None, before: dict | None) -> None:
    """The audit row, with the secret never written into it (only whether it changed)."""
    event = audit_record(instance=webhook, action=action, actor=actor, before=before)
    if event is not None and "secret" in event.changes:
        event.changes["secret"] = [HIDDEN if v else None for v in event.changes["secret"]]
        event.save(update_fields=["changes"])


@transaction.atomic
def webhook_create(
    *,
    organization: Organization,
    name: str,
    url: str,
    events: list[str],
    actor: Person | None = None,
    format: str = Webhook.Format.HEADWAY,
    secret: str = "",
    active: bool = True,
) -> Webhook:
    """Register an endpoint; a secret is generated unless one is given."""
    if actor is not None and actor.organization_id != organization.pk:
        raise ValidationError({"created_by": "That person is not in this organization."})
    webhook = Webhook(
        organization=organization,
        name=name.strip(),
        url=url.strip(),
        events=[str(e) for e in events],
        format=format,
        secret=secret.strip() or secret_generate(),
        active=active,
        created_by=actor,
    )
    _validate(webhook)
    webhook.save()
    _forget_subscribers(webhook.organization_id)
    _audit(webhook, AuditEvent.Action.CREATE, actor, None)
    return webhook


@transaction.atomic
def webhook_update(*, webhook: Webhook, actor: Person | None = None, **fields: Any) -> Webhook:
    """Change a webhook's name, URL, events, format, secret or whether it is active."""
    unknown = set(fields) - EDITABLE
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This cannot be changed here."))
    before = snapshot(webhook)
    for name, value in fields.items():
        if name in ("name", "url", "secret") and isinstance(value, str):
            value = value.strip()
        if name == "events":
            value = [str(e) for e in value]
        setattr(webhook, name, value)
    _validate(webhook)
    webhook.save()
    _forget_subscribers(webhook.organization_id)
    _audit(webhook, AuditEvent.Action.UPDATE, actor, before)
    return webhook


@transaction.atomic
def webhook_delete(*, webhook: Webhook, actor: Person | None = None) -> None:
    """Remove a webhook and its delivery log (queued attempts then find nothing to send)."""
    _audit(webhook, AuditEvent.Action.DELETE, actor, snapshot(webhook))
    _forget_subscribers(webhook.organization_id)
    webhook.delete()


# -- publishing -------------------------------------------------------------------------------
def _enqueue(delivery_id: int, attempt: int, run_after: dt.datetime | None = None) -> bool:
    """Queue attempt number `attempt + 1`; False when the backend cannot wait until `run_after`
    (the immediate backend), in which case `headway webhooks_send_due` sends it when due."""
    from headway.webhooks.tasks import webhook_delivery_send

    task = webhook_delivery_send
    if run_after is not None:
        if not task.get_backend().supports_defer:
            return False
        task = task.using(run_after=run_after)
    task.enqueue(delivery_id, attempt)
    return True


def _enqueue_after_commit(delivery: Delivery) -> None:
    # robust: a queue that refuses must not turn the user's committed write into an error page;
    # the delivery stays pending and `webhooks_send_due` (or "retry now") picks it up.
    transaction.on_commit(partial(_enqueue, delivery.pk, delivery.attempts), robust=True)


def _envelope(
    *, event: str, event_id: str, organization: Organization, data: dict[str, Any]
) -> dict[str, Any]:
    return {
        "id": event_id,
        "event": str(event),
        "created_at": timezone.now().isoformat(),
        "organization": {
            "id": organization.pk,
            "slug": organization.slug,
            "name": organization.name,
        },
        "data": data,
    }


def _delivery_create(
    webhook: Webhook, event: str, organization: Organization, data: dict[str, Any]
) -> Delivery:
    delivery = Delivery(
        organization_id=webhook.organization_id,
        webhook=webhook,
        event=str(event),
        next_attempt_at=timezone.now(),
    )
    delivery.payload = _envelope(
        event=event, event_id=str(delivery.event_id), organization=organization, data=data
    )
    delivery.save()
    _enqueue_after_commit(delivery)
    return delivery


def event_publish(
    *,
    organization_id: int,
    event: str,
    data: dict[str, Any] | Callable[[], dict[str, Any]],
) -> list[Delivery]:
    """One delivery per active webhook of the organization subscribed to `event`, sent after the
    current transaction commits. `data` may be a function: it is called only when some webhook
    subscribes, so an organization without webhooks pays one query per event, or one per
    `webhooks_cached()` block."""
    active, organization = _subscribers_of(organization_id)
    webhooks = [w for w in active if w.subscribes_to(str(event))]
    if not webhooks:
        return []
    payload = data() if callable(data) else data
    assert organization is not None
    with transaction.atomic():
        return [_delivery_create(w, event, organization, payload) for w in webhooks]


@transaction.atomic
def webhook_ping(*, webhook: Webhook, actor: Person | None = None) -> Delivery:
    """Send the test event to one webhook, whatever it subscribes to (even when switched off)."""
    data = {
        "message": "A test event from Headway: this webhook is set up.",
        "webhook": {"id": webhook.pk, "name": webhook.name},
        "sent_by": None if actor is None else {"id": actor.pk, "name": actor.name},
    }
    organization = Organization.objects.get(pk=webhook.organization_id)
    return _delivery_create(webhook, Event.PING, organization, data)


@transaction.atomic
def delivery_retry(*, delivery: Delivery, actor: Person | None = None) -> Delivery:
    """ "Retry now": one more attempt at once, for a delivery that failed or was given up.

    A given-up delivery gets one attempt; if it fails too, it stays given up."""
    if delivery.status == Delivery.Status.SUCCEEDED:
        raise ValidationError({"status": "This was delivered already."})
    delivery.status = Delivery.Status.PENDING
    delivery.next_attempt_at = timezone.now()
    delivery.save(update_fields=["status", "next_attempt_at", "updated_at"])
    _enqueue_after_commit(delivery)
    logger.info("Delivery %s retried by %s", delivery.pk, actor)
    return delivery


def deliveries_send_due(*, now: dt.datetime | None = None) -> int:
    """Queue every open delivery whose attempt is due (for installs whose tasks run at once, or
    after a queue outage). Returns how many were queued."""
    now = now or timezone.now()
    due = Delivery.objects.filter(status__in=OPEN, next_attempt_at__lte=now).values_list(
        "pk", "attempts"
    )
    count = 0
    for pk, attempts in due:
        _enqueue(pk, attempts)
        count += 1
    return count


# -- sending ----------------------------------------------------------------------------------
def signature(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=` + hex HMAC-SHA256 of "<timestamp>.<body>" with the webhook's secret."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


@dataclass(frozen=True)
class Response:
    """How one POST went: the HTTP status (None when there was no answer) and what went wrong."""

    status_code: int | None
    error: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is reported as the failure it is: a signed POST is not replayed elsewhere."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def _snippet(raw: bytes) -> str:
    return " ".join(raw.decode("utf-8", "replace").split())[:300]


def post(url: str, body: bytes, headers: dict[str, str]) -> Response:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    started = time.monotonic()
    code: int | None = None
    error = ""
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as answer:
            code = answer.status
            answer.read(64 * 1024)
    except urllib.error.HTTPError as refusal:
        code = refusal.code
        text = _snippet(refusal.read(2048) if refusal.fp else b"")
        if 300 <= code < 400:
            where = refusal.headers.get("Location", "")
            error = f"HTTP {code}: redirects are not followed; use the final URL ({where})."
        else:
            error = f"HTTP {code}" + (f": {text}" if text else "")
        refusal.close()
    except TimeoutError:
        error = f"No answer within {TIMEOUT_SECONDS} seconds."
    except urllib.error.URLError as failure:
        reason = failure.reason
        if isinstance(reason, TimeoutError):
            error = f"No answer within {TIMEOUT_SECONDS} seconds."
        else:
            error = f"Could not connect: {reason}"
    except (http.client.HTTPException, OSError, ValueError) as failure:
        error = f"{type(failure).__name__}: {failure}"
    elapsed = round((time.monotonic() - started) * 1000)
    return Response(code, error[:ERROR_LENGTH], elapsed)


def delivery_request(delivery: Delivery, webhook: Webhook) -> tuple[bytes, dict[str, str]]:
    """The body and headers of an attempt, signed now."""
    document = formats.body(webhook.format, delivery.payload)
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    timestamp = str(int(timezone.now().timestamp()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Headway-Event": delivery.event,
        "X-Headway-Delivery": str(delivery.event_id),
        "X-Headway-Timestamp": timestamp,
        "X-Headway-Signature": signature(webhook.secret, timestamp, body),
    }
    return body, headers


def delivery_attempt(*, delivery_id: int, attempt: int) -> str:
    """Make attempt number `attempt + 1` of a delivery, if it is still due: post it, record how
    it went, and schedule the next attempt or give up. Returns the delivery's status after it,
    or "skipped" when there was nothing to do (delivered, given up, deleted, or a duplicate)."""
    now = timezone.now()
    claimed = Delivery.objects.filter(pk=delivery_id, attempts=attempt, status__in=OPEN).update(
        attempts=F("attempts") + 1, last_attempt_at=now, updated_at=now
    )
    if not claimed:
        return "skipped"
    delivery = Delivery.objects.select_related("webhook").get(pk=delivery_id)
    webhook = delivery.webhook
    if webhook.active or delivery.event == Event.PING:
        body, headers = delivery_request(delivery, webhook)
        response = post(webhook.url, body, headers)
    else:
        response = Response(None, "The webhook was switched off before this was sent.", 0)
    done = timezone.now()
    fields: dict[str, Any] = {
        "last_status_code": response.status_code,
        "last_error": response.error,
        "duration_ms": response.duration_ms,
        "updated_at": done,
        "next_attempt_at": None,
    }
    attempts = delivery.attempts
    if response.ok:
        fields |= {"status": Delivery.Status.SUCCEEDED, "delivered_at": done}
    elif attempts >= MAX_ATTEMPTS or (not webhook.active and delivery.event != Event.PING):
        fields["status"] = Delivery.Status.GIVEN_UP
    else:
        fields["status"] = Delivery.Status.FAILED
        fields["next_attempt_at"] = done + BACKOFF[min(attempts, len(BACKOFF)) - 1]
    # An UPDATE, not save(): a webhook deleted meanwhile takes its deliveries with it.
    Delivery.objects.filter(pk=delivery_id).update(**fields)
    if fields["status"] == Delivery.Status.FAILED:
        _enqueue(delivery_id, attempts, run_after=fields["next_attempt_at"])
    return str(fields["status"])
