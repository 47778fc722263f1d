"""Reads of notifications, notification settings and check-in cadences, always for one person
or one organization."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db.models import F, QuerySet
from django.http import Http404
from django.utils import timezone

from headway import access
from headway.goals.models import KeyResult
from headway.goals.selectors import key_results_due_for_check_in
from headway.notify.cadence import DEFAULT, Cadence
from headway.notify.models import CheckInCadence, Notification, NotificationSettings
from headway.org.models import Organization, Person, Unit

logger = logging.getLogger(__name__)


# -- time -------------------------------------------------------------------------------------
def organization_time_zone(organization: Organization) -> ZoneInfo:
    """The organization's time zone (`settings["time_zone"]`, e.g. "Europe/Berlin"), else the
    server's TIME_ZONE. A name that is not a time zone is logged and ignored."""
    name = (organization.settings or {}).get("time_zone") or settings.TIME_ZONE
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        logger.warning("Organization %s: unknown time zone %r", organization.slug, name)
        return ZoneInfo(settings.TIME_ZONE)


def organization_now(organization: Organization, now: dt.datetime | None = None) -> dt.datetime:
    """The time on the organization's clocks."""
    return (now or timezone.now()).astimezone(organization_time_zone(organization))


# -- cadences ---------------------------------------------------------------------------------
def cadence_of(row: CheckInCadence, source: str) -> Cadence:
    return Cadence(
        weekday=row.weekday,
        every_weeks=row.every_weeks,
        hour=row.hour,
        starts_on=row.starts_on,
        source=source,
    )


@dataclass
class CadenceBook:
    """An organization's cadences: its own and the units' overrides, looked up by unit path."""

    organization: Cadence = DEFAULT
    by_unit_path: dict[str, Cadence] = field(default_factory=dict)

    def for_unit(self, unit: Unit | None) -> Cadence:
        """The nearest override up the unit's path, else the organization's."""
        for path in reversed(access.unit_path_prefixes(unit)):
            if path in self.by_unit_path:
                return self.by_unit_path[path]
        return self.organization


def cadence_book(*, organization_id: int) -> CadenceBook:
    """Every cadence of the organization, in one query."""
    book = CadenceBook()
    for row in CheckInCadence.objects.filter(organization_id=organization_id).select_related(
        "unit"
    ):
        if row.unit is None:
            book.organization = cadence_of(row, "organization")
        else:
            book.by_unit_path[row.unit.path] = cadence_of(row, row.unit.name)
    return book


def cadence_for(person: Person) -> Cadence:
    """When this person checks in: the nearest unit override up their unit's path, else the
    organization's cadence, else weekly on Monday."""
    return cadence_book(organization_id=person.organization_id).for_unit(person.unit)


def cadences_list(*, organization: Organization) -> list[CheckInCadence]:
    """The organization's cadence (first) and its units' overrides, in tree order."""
    return list(
        CheckInCadence.objects.filter(organization=organization)
        .select_related("unit")
        .order_by(F("unit__path").asc(nulls_first=True), "id")
    )


def key_results_due(*, person: Person, today: dt.date, cadence: Cadence) -> list[KeyResult]:
    """The key results a person owns that their cadence says need a check-in: in a running
    period, taking check-ins, and not checked in within the last cadence."""
    return list(
        key_results_due_for_check_in(person=person, today=today, cadence_days=cadence.days)
        .filter(access.key_results_visible_q(person))
        .select_related(
            "objective__owner", "objective__scope_unit", "objective__scope_person__unit"
        )
    )


# -- settings ---------------------------------------------------------------------------------
def notification_settings_of(person: Person) -> NotificationSettings:
    """The person's settings; an unsaved row with the defaults when they never changed them."""
    found = NotificationSettings.objects.filter(person=person).first()
    return found or NotificationSettings(
        organization_id=person.organization_id, person_id=person.pk
    )


def is_quiet(prefs: NotificationSettings, today: dt.date) -> bool:
    """Within the person's quiet period (it ends at the end of `paused_until`)."""
    return prefs.paused_until is not None and today <= prefs.paused_until


# -- notifications ----------------------------------------------------------------------------
def notifications_list(*, person: Person) -> QuerySet[Notification]:
    """The person's notifications shown in Headway, newest first."""
    return Notification.objects.filter(
        organization_id=person.organization_id, person=person, in_app=True
    )


def notifications_unread_count(*, person: Person) -> int:
    return notifications_list(person=person).filter(read_at__isnull=True).count()


def notification_get(*, person: Person, pk: int) -> Notification:
    """One of the person's own notifications; anyone else's (or another tenant's) is a 404."""
    found = notifications_list(person=person).filter(pk=pk).first()
    if found is None:
        raise Http404("No such notification.")
    return found
