"""The webhooks settings pages: admins register endpoints, send a test event, read the delivery
log and retry a failed delivery. Everyone else gets 403; another tenant's ids are 404."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from headway import access
from headway.org.models import Person
from headway.web.current import require_person
from headway.web.refusals import show_refusal
from headway.webhooks import selectors, services
from headway.webhooks.forms import WebhookForm
from headway.webhooks.models import Delivery, Event, Webhook

BADGES = {
    Delivery.Status.PENDING: "text-bg-secondary",
    Delivery.Status.SUCCEEDED: "text-bg-success",
    Delivery.Status.FAILED: "text-bg-warning",
    Delivery.Status.GIVEN_UP: "text-bg-danger",
}


@dataclass(frozen=True)
class DeliveryRow:
    """A delivery as the log shows it: its status in words and whether it can be retried."""

    delivery: Delivery
    event_label: str
    words: str
    badge: str
    retryable: bool


def delivery_row(delivery: Delivery) -> DeliveryRow:
    status = Delivery.Status(delivery.status)
    words = str(status.label)
    tries = f"{delivery.attempts} attempt{'' if delivery.attempts == 1 else 's'}"
    if status == Delivery.Status.FAILED and delivery.next_attempt_at:
        when = timezone.localtime(delivery.next_attempt_at).strftime("%Y-%m-%d %H:%M")
        words = f"Failed; next attempt at {when} ({tries} of {services.MAX_ATTEMPTS} made)"
    elif status == Delivery.Status.GIVEN_UP:
        words = f"Gave up after {tries}"
    elif status == Delivery.Status.SUCCEEDED:
        words = "Delivered" + (f" after {tries}" if delivery.attempts > 1 else "")
    elif delivery.attempts:
        words = f"Waiting to be sent again ({tries} made)"
    try:
        label = str(Event(delivery.event).label)
    except ValueError:
        label = delivery.event
    return DeliveryRow(
        delivery=delivery,
        event_label=label,
        words=words,
        badge=BADGES[status],
        retryable=status != Delivery.Status.SUCCEEDED,
    )


@dataclass(frozen=True)
class WebhookRow:
    webhook: Webhook
    events: list[str]
    latest_words: str
    latest_badge: str


def event_labels(events: list[str]) -> list[str]:
    return [str(Event(e).label) if e in Event.values else e for e in events]


def webhook_row(webhook: Webhook) -> WebhookRow:
    """A webhook in the list, with how its latest delivery went (annotated by the selector)."""
    latest = getattr(webhook, "latest_status", None)
    if latest is None:
        return WebhookRow(
            webhook, event_labels(webhook.events), "Nothing sent yet", "text-bg-light"
        )
    status = Delivery.Status(latest)
    return WebhookRow(webhook, event_labels(webhook.events), str(status.label), BADGES[status])


def _admin(request: HttpRequest) -> Person:
    person = require_person(request)
    if not access.is_admin(person):
        raise PermissionDenied("Only administrators of the organization manage its webhooks.")
    return person


def _page(request: HttpRequest, template: str, person: Person, **context: Any) -> HttpResponse:
    return render(request, f"webhooks/{template}", {"person": person, "nav": "webhooks", **context})


@login_required
def webhook_list(request: HttpRequest) -> HttpResponse:
    person = _admin(request)
    rows = [webhook_row(w) for w in selectors.webhooks_list(person=person)]
    return _page(request, "webhooks.html", person, rows=rows)


@login_required
def webhook_create(request: HttpRequest) -> HttpResponse:
    person = _admin(request)
    form = WebhookForm(
        request.POST or None,
        initial={"events": [Event.CHECK_IN_RECORDED.value], "active": True},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            webhook = services.webhook_create(
                organization=person.organization,
                name=data["name"],
                url=data["url"],
                events=data["events"],
                format=data["format"],
                secret=data["secret"],
                active=data["active"],
                actor=person,
            )
        except ValidationError as error:
            show_refusal(form, error)
        else:
            messages.success(
                request,
                "Webhook added. Copy its secret into your receiver, then send a test event.",
            )
            return redirect("webhook", pk=webhook.pk)
    return _page(request, "webhook_form.html", person, form=form, webhook=None)


@login_required
def webhook_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = _admin(request)
    webhook = selectors.webhook_get(person=person, pk=pk)
    rows = [delivery_row(d) for d in selectors.deliveries_of(webhook=webhook)]
    events = event_labels(webhook.events)
    return _page(
        request,
        "webhook.html",
        person,
        webhook=webhook,
        rows=rows,
        events=events,
        shown=selectors.LOG_LENGTH,
    )


@login_required
def webhook_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = _admin(request)
    webhook = selectors.webhook_get(person=person, pk=pk)
    initial = {
        name: getattr(webhook, name) for name in ("name", "url", "events", "format", "active")
    }
    form = WebhookForm(request.POST or None, initial=initial, webhook=webhook)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data if name in initial}
        if form.cleaned_data.get("new_secret"):
            changes["secret"] = services.secret_generate()
        try:
            if changes:
                services.webhook_update(webhook=webhook, actor=person, **changes)
        except ValidationError as error:
            show_refusal(form, error)
        else:
            note = (
                "A new secret was generated: update your receiver." if "secret" in changes else ""
            )
            messages.success(request, f"Saved. {note}".strip() if changes else "Nothing changed.")
            return redirect("webhook", pk=webhook.pk)
    return _page(request, "webhook_form.html", person, form=form, webhook=webhook)


@login_required
def webhook_delete(request: HttpRequest, pk: int) -> HttpResponse:
    person = _admin(request)
    webhook = selectors.webhook_get(person=person, pk=pk)
    if request.method == "POST":
        services.webhook_delete(webhook=webhook, actor=person)
        messages.success(request, f"Deleted the webhook “{webhook.name}” and its delivery log.")
        return redirect("webhooks")
    return _page(
        request,
        "webhook_delete.html",
        person,
        webhook=webhook,
        deliveries=webhook.deliveries.count(),
    )


@login_required
@require_POST
def webhook_test(request: HttpRequest, pk: int) -> HttpResponse:
    person = _admin(request)
    webhook = selectors.webhook_get(person=person, pk=pk)
    services.webhook_ping(webhook=webhook, actor=person)
    messages.info(request, "Test event queued; its delivery shows in the log below.")
    return redirect("webhook", pk=webhook.pk)


@login_required
def delivery_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = _admin(request)
    delivery = selectors.delivery_get(person=person, pk=pk)
    payload = json.dumps(delivery.payload, indent=2, ensure_ascii=False)
    return _page(
        request,
        "delivery.html",
        person,
        row=delivery_row(delivery),
        webhook=delivery.webhook,
        payload=payload,
    )


@login_required
@require_POST
def delivery_retry(request: HttpRequest, pk: int) -> HttpResponse:
    person = _admin(request)
    delivery = selectors.delivery_get(person=person, pk=pk)
    try:
        services.delivery_retry(delivery=delivery, actor=person)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.info(request, "Retrying now; the log shows how it went.")
    return redirect("webhook", pk=delivery.webhook_id)
