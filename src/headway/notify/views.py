"""Notification pages: my notifications (read one, read all), my notification settings, and the
unsubscribe page an email links to, which works without signing in."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from headway import access
from headway.notify import selectors, services
from headway.notify.cadence import WEEKDAYS
from headway.notify.forms import CadenceForm, NotificationSettingsForm
from headway.notify.models import CheckInCadence
from headway.notify.unsubscribe import (
    DIGEST,
    EMAIL,
    PURPOSES,
    SUMMARY,
    BadToken,
    unsubscribe_read,
)
from headway.org.models import Person, Unit
from headway.web.current import require_person
from headway.web.refusals import show_refusal

PAGE_SIZE = 25


def _local_target(request: HttpRequest, url: str) -> str | None:
    """Where a notification may send the browser: only a page of this site."""
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return url
    return None


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    person = require_person(request)
    notifications = selectors.notifications_list(person=person)
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    unread = selectors.notifications_unread_count(person=person)
    return render(
        request,
        "notify/notifications.html",
        {"person": person, "nav": "notifications", "page": page, "unread": unread},
    )


@login_required
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Follow a notification's link, marking it read on the way."""
    person = require_person(request)
    notification = selectors.notification_get(person=person, pk=pk)
    services.notification_mark_read(notification=notification)
    return redirect(_local_target(request, notification.url) or "notifications")


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    person = require_person(request)
    notification = selectors.notification_get(person=person, pk=pk)
    services.notification_mark_read(notification=notification)
    return redirect(_local_target(request, request.POST.get("next", "")) or "notifications")


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    person = require_person(request)
    count = services.notifications_mark_all_read(person=person)
    messages.success(request, f"Marked {count} notification{'' if count == 1 else 's'} as read.")
    return redirect("notifications")


@login_required
def notification_settings(request: HttpRequest) -> HttpResponse:
    person = require_person(request)
    prefs = selectors.notification_settings_of(person)
    today = selectors.organization_now(person.organization).date()
    initial = {
        "email": prefs.email,
        "in_app": prefs.in_app,
        "digest": prefs.digest,
        "weekly_summary": prefs.weekly_summary,
        "paused_until": prefs.paused_until,
    }
    form = NotificationSettingsForm(request.POST or None, initial=initial, today=today)
    if request.method == "POST" and form.is_valid():
        services.notification_settings_update(person=person, **form.cleaned_data)
        messages.success(request, "Saved your notification settings.")
        return redirect("notification-settings")
    cadence = selectors.cadence_for(person)
    return render(
        request,
        "notify/settings.html",
        {
            "person": person,
            "nav": "notifications",
            "form": form,
            "cadence": cadence,
            "weekday": WEEKDAYS[cadence.weekday],
            "next_day": cadence.next_day(today),
            "quiet": selectors.is_quiet(prefs, today),
            "time_zone": selectors.organization_time_zone(person.organization).key,
        },
    )


def _refused(request: HttpRequest, reason: str, status: int) -> HttpResponse:
    return render(request, "notify/unsubscribe_invalid.html", {"reason": reason}, status=status)


@csrf_exempt  # the signed token is the proof; mail programs post here with no session (RFC 8058)
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        link = unsubscribe_read(token)
    except BadToken as error:
        return _refused(request, str(error), 400)
    person = (
        Person.objects.filter(pk=link.person_id, active=True).select_related("organization").first()
    )
    if person is None:
        return _refused(request, "This unsubscribe link is for an account that is gone.", 404)
    context = {"person_named": person, "token": token, "purpose": link.purpose}
    if request.method == "POST":
        what = request.POST.get("what")
        purpose = what if what in PURPOSES else link.purpose
        services.unsubscribe_apply(person=person, purpose=purpose)
        return render(request, "notify/unsubscribed.html", {**context, "purpose": purpose})
    return render(
        request,
        "notify/unsubscribe.html",
        {**context, "DIGEST": DIGEST, "SUMMARY": SUMMARY, "EMAIL": EMAIL},
    )


# -- check-in cadences ------------------------------------------------------------------------
def _cadence_units(person: Person) -> QuerySet[Unit]:
    """The units whose cadence this person sets: every unit for an admin, a leader's subtrees."""
    units = Unit.objects.filter(organization_id=person.organization_id)
    if access.is_admin(person):
        return units
    headed = Q(pk__in=[])
    for path in access.headed_unit_paths(person):
        headed |= Q(path__startswith=path)
    return units.filter(headed)


def _may_set_cadence(person: Person, unit: Unit | None) -> bool:
    if access.is_admin(person):
        return True
    return unit is not None and access.leads_unit(person, unit)


@login_required
def cadences(request: HttpRequest) -> HttpResponse:
    """The organization's check-in cadence and its units' overrides: admins set any, leaders
    those of the units they head."""
    person = require_person(request)
    admin = access.is_admin(person)
    if not admin and not access.headed_unit_paths(person):
        raise PermissionDenied("Only administrators, and leaders for their units, set cadences.")
    organization = person.organization
    rows = selectors.cadences_list(organization=organization)
    own = next((row for row in rows if row.unit_id is None), None)
    initial: dict[str, Any] = {"weekday": 0, "every_weeks": 1, "hour": 9}
    if own is not None:
        initial = {"weekday": own.weekday, "every_weeks": own.every_weeks, "hour": own.hour,
                   "starts_on": own.starts_on}  # fmt: skip
    form = CadenceForm(request.POST or None, units=_cadence_units(person), initial=initial)
    if not admin:
        form.fields["unit"].required = True
        form.fields["unit"].empty_label = None  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.cadence_set(organization=organization, actor=person, **data)
        except ValidationError as error:
            show_refusal(form, error)
        else:
            where = data["unit"].name if data["unit"] else organization.name
            messages.success(request, f"Saved the check-in cadence of {where}.")
            return redirect("checkin-cadences")
    book = selectors.cadence_book(organization_id=organization.pk)
    listed = [
        {
            "row": row,
            "cadence": selectors.cadence_of(row, row.unit.name if row.unit else "organization"),
            "removable": _may_set_cadence(person, row.unit),
        }
        for row in rows
    ]
    return render(
        request,
        "notify/cadences.html",
        {
            "person": person,
            "nav": "cadences",
            "form": form,
            "rows": listed,
            "organization_cadence": book.organization,
            "time_zone": selectors.organization_time_zone(organization).key,
        },
    )


@login_required
@require_POST
def cadence_remove(request: HttpRequest, pk: int) -> HttpResponse:
    person = require_person(request)
    row = (
        CheckInCadence.objects.filter(organization_id=person.organization_id, pk=pk)
        .select_related("unit")
        .first()
    )
    if row is None:
        raise Http404("No such cadence.")
    if not _may_set_cadence(person, row.unit):
        raise PermissionDenied("You may not change this cadence.")
    services.cadence_remove(cadence=row, actor=person)
    where = row.unit.name if row.unit else "the organization"
    messages.success(request, f"Removed the check-in cadence of {where}.")
    return redirect("checkin-cadences")
