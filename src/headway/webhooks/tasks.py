"""Background work of webhooks: one task per delivery attempt, run by the worker
(`headway db_worker`)."""

from __future__ import annotations

from django_tasks import task

from headway.webhooks.services import delivery_attempt


@task()
def webhook_delivery_send(delivery_id: int, attempt: int) -> str:
    """Attempt number `attempt + 1` of one delivery. Stale or repeated runs send nothing: the
    attempt is claimed only while the delivery still has exactly `attempt` attempts."""
    return delivery_attempt(delivery_id=delivery_id, attempt=attempt)
