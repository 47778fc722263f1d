"""Reads of webhooks and their delivery log, always within one organization."""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404

from headway.org.models import Person
from headway.webhooks.models import Delivery, Webhook

LOG_LENGTH = 50  # deliveries shown on a webhook's page


def webhooks_list(*, person: Person) -> QuerySet[Webhook]:
    """The organization's webhooks, each with the status and time of its latest delivery."""
    latest = Delivery.objects.filter(webhook=OuterRef("pk")).order_by("-created_at", "-id")
    return Webhook.objects.filter(organization_id=person.organization_id).annotate(
        latest_status=Subquery(latest.values("status")[:1]),
        latest_at=Subquery(latest.values("created_at")[:1]),
    )


def webhook_get(*, person: Person, pk: int) -> Webhook:
    """One of the organization's webhooks; another tenant's id is a 404 like a missing one."""
    webhook = Webhook.objects.filter(organization_id=person.organization_id, pk=pk).first()
    if webhook is None:
        raise Http404("No such webhook.")
    return webhook


def deliveries_of(*, webhook: Webhook, limit: int = LOG_LENGTH) -> list[Delivery]:
    return list(
        Delivery.objects.filter(organization_id=webhook.organization_id, webhook=webhook)[:limit]
    )


def delivery_get(*, person: Person, pk: int) -> Delivery:
    delivery = (
        Delivery.objects.filter(organization_id=person.organization_id, pk=pk)
        .select_related("webhook")
        .first()
    )
    if delivery is None:
        raise Http404("No such delivery.")
    return delivery
