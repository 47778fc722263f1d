"""How a notification reads as an email: text and HTML, with an unsubscribe link that works
without signing in and the List-Unsubscribe headers mail programs show as a button."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from headway.notify.models import Kind, Notification
from headway.notify.unsubscribe import DIGEST, EMAIL, SUMMARY, unsubscribe_token
from headway.org.models import Person

# Kinds whose unsubscribe link stops only that kind of email (the rest stop all email).
PURPOSE_OF_KIND = {Kind.CHECKIN_DIGEST: DIGEST, Kind.WEEKLY_SUMMARY: SUMMARY}
STOPS = {DIGEST: "check-in reminders", SUMMARY: "the weekly summary"}


def absolute(url: str) -> str:
    """A path made into a link that works from a mail program."""
    if not url or url.startswith(("http://", "https://")):
        return url
    return settings.SITE_URL.rstrip("/") + "/" + url.lstrip("/")


def unsubscribe_url(*, person: Person, kind: str) -> str:
    token = unsubscribe_token(person_id=person.pk, purpose=PURPOSE_OF_KIND.get(kind, EMAIL))
    return absolute(reverse("notifications-unsubscribe", args=[token]))


def item_sections(items: list[dict[str, str]]) -> list[dict[str, Any]]:
    """A notification's lines grouped under their `section` headings, in order (lines with no
    section make one group with no heading), each with its `url` made a `link` for mail."""
    groups: list[dict[str, Any]] = []
    for item in items:
        heading = item.get("section", "")
        if not groups or groups[-1]["heading"] != heading:
            groups.append({"heading": heading, "items": []})
        groups[-1]["items"].append({**item, "link": absolute(item.get("url", ""))})
    return groups


def notification_email(notification: Notification, person: Person) -> EmailMultiAlternatives:
    unsubscribe = unsubscribe_url(person=person, kind=notification.kind)
    context = {
        "person": person,
        "notification": notification,
        "items": notification.items or [],
        "sections": item_sections(notification.items or []),
        "link": absolute(notification.url),
        "unsubscribe_url": unsubscribe,
        "stops": STOPS.get(PURPOSE_OF_KIND.get(notification.kind, EMAIL), "all email from Headway"),
        "settings_url": absolute(reverse("notification-settings")),
    }
    message = EmailMultiAlternatives(
        subject=notification.title,
        body=render_to_string("notify/email.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[person.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            # RFC 8058: mail programs may unsubscribe with one POST, no page in between.
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "X-Headway-Notification": notification.kind,
        },
    )
    message.attach_alternative(render_to_string("notify/email.html", context), "text/html")
    return message
