"""Every organization starts with its findings out of date: the worker's hourly job checks it."""

from typing import Any

from django.db import migrations
from django.utils import timezone


def states_create(apps: Any, schema_editor: Any) -> None:
    Organization = apps.get_model("org", "Organization")
    HealthState = apps.get_model("health", "HealthState")
    now = timezone.now()
    HealthState.objects.bulk_create(
        HealthState(organization_id=pk, stale_since=now)
        for pk in Organization.objects.values_list("pk", flat=True)
    )


def states_delete(apps: Any, schema_editor: Any) -> None:
    apps.get_model("health", "HealthState").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("health", "0002_stored_findings"),
    ]

    operations = [
        migrations.RunPython(states_create, states_delete),
    ]
