"""The notification pages over HTTP: my list (read one, read all), my settings for every
persona, the unsubscribe page without signing in, and everyone else's ids answering 404."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse
from tests.conftest import Company, signed_in
from tests.notify.conftest import MONDAY, Clock

from headway.notify import services
from headway.notify.context import notifications as notifications_context
from headway.notify.models import Notification
from headway.notify.selectors import notification_settings_of
from headway.notify.unsubscribe import SALT, unsubscribe_token
from headway.org.models import Person
from headway.org.services import person_update

pytestmark = pytest.mark.django_db
PERSONAS = ["admin", "hr", "leader", "member", "colleague", "outsider", "viewer"]


def notify(person: Person, key: str, url: str = "/check-in/", **fields: Any) -> Notification:
    notification = services.notification_send(
        person=person, kind=fields.pop("kind", "test"), title=fields.pop("title", f"About {key}"),
        body=fields.pop("body", "Something happened."), url=url, key=key, email=False, **fields,
    )  # fmt: skip
    assert notification is not None
    return notification


# -- the list ---------------------------------------------------------------------------------
def test_the_list_shows_my_notifications_newest_first_and_nobody_elses(
    company: Company, clock: Clock
) -> None:
    notify(company.member, "old", title="Older news")
    clock.advance(hours=1)
    notify(company.member, "new", title="Newer news", items=[{"title": "Close 10 deals",
                                                               "detail": "now 4"}])  # fmt: skip
    notify(company.colleague, "theirs", title="Cole's news")

    page = signed_in(company.member).get("/notifications/")

    assert page.status_code == 200
    text = page.content.decode()
    assert text.index("Newer news") < text.index("Older news")
    assert "Close 10 deals" in text
    assert "Cole&#x27;s news" not in text
    assert "2 unread" in text


def test_the_list_costs_the_same_few_queries_however_many_notifications(
    company: Company, django_assert_num_queries: Any
) -> None:
    client = signed_in(company.member)
    for n in range(3):
        notify(company.member, f"k{n}")
    client.get("/notifications/")  # warm up: sessions, content types
    with django_assert_num_queries(7):
        client.get("/notifications/")
    for n in range(3, 20):
        notify(company.member, f"k{n}")
    with django_assert_num_queries(7):
        client.get("/notifications/")


def test_signing_in_is_needed(company: Company) -> None:
    answer = Client().get("/notifications/")

    assert answer.status_code == 302
    assert answer["Location"].startswith("/sign-in/")


def test_opening_a_notification_marks_it_read_and_follows_its_link(company: Company) -> None:
    notification = notify(company.member, "k", url="/check-in/")

    answer = signed_in(company.member).get(f"/notifications/{notification.pk}/")

    assert answer.status_code == 302
    assert answer["Location"] == "/check-in/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_a_link_to_another_site_is_not_followed(company: Company) -> None:
    notification = notify(company.member, "k", url="https://evil.example/phish")

    answer = signed_in(company.member).get(f"/notifications/{notification.pk}/")

    assert answer["Location"] == "/notifications/"


def test_mark_one_read_and_then_all(company: Company) -> None:
    first = notify(company.member, "a")
    notify(company.member, "b")
    notify(company.member, "c")
    theirs = notify(company.colleague, "d")
    client = signed_in(company.member)

    one = client.post(f"/notifications/{first.pk}/read/")
    after_one = Notification.objects.filter(person=company.member, read_at__isnull=True).count()
    everything = client.post("/notifications/read-all/", follow=True)

    assert one.status_code == 302
    assert after_one == 2
    assert "Marked 2 notifications as read." in everything.content.decode()
    assert not Notification.objects.filter(person=company.member, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_marking_read_needs_a_post(company: Company) -> None:
    notification = notify(company.member, "k")

    assert (
        signed_in(company.member).get(f"/notifications/{notification.pk}/read/").status_code == 405
    )
    assert signed_in(company.member).get("/notifications/read-all/").status_code == 405


def test_someone_elses_notification_is_not_found(company: Company) -> None:
    theirs = notify(company.colleague, "k")
    client = signed_in(company.member)

    assert client.get(f"/notifications/{theirs.pk}/").status_code == 404
    assert client.post(f"/notifications/{theirs.pk}/read/").status_code == 404
    assert signed_in(company.admin).get(f"/notifications/{theirs.pk}/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_another_tenants_notification_is_not_found(
    company: Company, other_company: Company
) -> None:
    theirs = notify(other_company.admin, "k")
    client = signed_in(company.admin)

    assert client.get(f"/notifications/{theirs.pk}/").status_code == 404
    assert client.post(f"/notifications/{theirs.pk}/read/").status_code == 404
    assert client.get(f"/notifications/{theirs.pk + 1000}/").status_code == 404


def test_a_notification_turned_off_in_headway_is_not_listed(company: Company) -> None:
    services.notification_settings_update(person=company.member, in_app=False)
    hidden = notify(company.member, "k", title="Hidden one")

    page = signed_in(company.member).get("/notifications/")

    assert "Hidden one" not in page.content.decode()
    assert signed_in(company.member).get(f"/notifications/{hidden.pk}/").status_code == 404


# -- the unread count -------------------------------------------------------------------------
def test_the_unread_count_is_counted_only_when_a_template_reads_it(
    company: Company, rf: Any, django_assert_num_queries: Any
) -> None:
    notify(company.member, "a")
    notify(company.member, "b")
    services.notification_mark_read(notification=notify(company.member, "c"))
    request = rf.get("/")
    request.user = company.member.user
    request.session = {}

    with django_assert_num_queries(0):
        context = notifications_context(request)
    with django_assert_num_queries(2):  # the person, then the count; once per request
        assert context["notifications_unread"]() == 2
        assert context["notifications_unread"]() == 2


def test_the_unread_count_reaches_every_template(company: Company, settings: Any) -> None:
    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "OPTIONS": {
                "context_processors": [
                    *settings.TEMPLATES[0]["OPTIONS"]["context_processors"],
                    "headway.notify.context.notifications",
                ]
            },
        }
    ]
    notify(company.member, "a")

    page = signed_in(company.member).get("/notifications/settings/")

    assert page.context["notifications_unread"]() == 1


# -- settings ---------------------------------------------------------------------------------
@pytest.mark.parametrize("persona", PERSONAS)
def test_every_persona_reads_and_changes_their_own_settings(
    company: Company, clock: Clock, persona: str
) -> None:
    person: Person = getattr(company, persona)
    client = signed_in(person)
    clock.set(MONDAY, 10, 0)

    page = client.get("/notifications/settings/")
    saved = client.post(
        "/notifications/settings/",
        {"email": "on", "digest": "", "in_app": "on", "paused_until": "2026-11-20"},
        follow=True,
    )

    assert page.status_code == 200
    assert "Every Monday at 09:00" in page.content.decode()
    assert "Monday 16 November 2026" in page.content.decode()
    assert "Saved your notification settings." in saved.content.decode()
    prefs = notification_settings_of(person)
    assert (prefs.email, prefs.in_app, prefs.digest) == (True, True, False)
    assert prefs.paused_until == dt.date(2026, 11, 20)
    assert "quiet period until the end of Friday 20 November 2026" in saved.content.decode()
    others = [getattr(company, p) for p in PERSONAS if p != persona]
    assert all(notification_settings_of(other).digest for other in others)


def test_the_settings_page_names_a_units_own_cadence(company: Company, clock: Clock) -> None:
    services.cadence_set(organization=company.org, unit=company.sales, weekday=2, every_weeks=2,
                         hour=14, starts_on=dt.date(2026, 11, 18))  # fmt: skip
    clock.set(MONDAY, 10, 0)

    page = signed_in(company.member).get("/notifications/settings/")

    text = page.content.decode()
    assert "Every 2 weeks on Wednesday at 14:00</strong> (UTC; the cadence of Sales)" in text
    assert "Wednesday 18 November 2026" in text


def test_a_quiet_period_in_the_past_is_refused(company: Company, clock: Clock) -> None:
    clock.set(MONDAY, 10, 0)

    answer = signed_in(company.member).post(
        "/notifications/settings/", {"email": "on", "paused_until": "2026-11-01"}
    )

    assert answer.status_code == 200
    assert "Choose today or a later day" in answer.content.decode()
    assert notification_settings_of(company.member).pk is None


def test_a_quiet_period_can_be_cleared(company: Company, clock: Clock) -> None:
    services.notification_settings_update(person=company.member, paused_until=MONDAY)
    clock.set(MONDAY + dt.timedelta(days=3), 10, 0)

    signed_in(company.member).post(
        "/notifications/settings/", {"email": "on", "in_app": "on", "digest": "on"}
    )

    assert notification_settings_of(company.member).paused_until is None


def test_an_account_with_no_person_is_refused_the_settings(company: Company) -> None:
    from django.contrib.auth.models import User

    client = Client()
    client.force_login(User.objects.create_user("nobody", password="pw-for-tests-only"))

    assert client.get("/notifications/settings/").status_code == 403


# -- unsubscribe ------------------------------------------------------------------------------
def unsubscribe_path(person: Person, purpose: str = "digest") -> str:
    return reverse(
        "notifications-unsubscribe", args=[unsubscribe_token(person_id=person.pk, purpose=purpose)]
    )


def test_the_unsubscribe_page_asks_first_and_changes_nothing_on_a_get(company: Company) -> None:
    page = Client().get(unsubscribe_path(company.member))

    assert page.status_code == 200
    text = page.content.decode()
    assert "member@acme.test" in text
    assert "Stop the check-in reminders" in text
    assert "Stop all email from Headway" in text
    assert notification_settings_of(company.member).digest is True


def test_unsubscribing_from_the_digest_turns_only_the_digest_off(company: Company) -> None:
    answer = Client().post(unsubscribe_path(company.member), {"what": "digest"})

    assert answer.status_code == 200
    assert "no longer send check-in reminders" in answer.content.decode()
    prefs = notification_settings_of(company.member)
    assert (prefs.digest, prefs.email) == (False, True)


def test_unsubscribing_from_all_email(company: Company) -> None:
    Client().post(unsubscribe_path(company.member), {"what": "email"})

    prefs = notification_settings_of(company.member)
    assert (prefs.digest, prefs.email) == (True, False)


def test_a_forged_unsubscribe_token_is_refused(company: Company) -> None:
    forged = signing.dumps({"p": company.member.pk, "w": "email"}, salt=SALT, key="not-the-key")
    other_salt = signing.dumps({"p": company.member.pk, "w": "email"}, salt="elsewhere")
    real = unsubscribe_path(company.member)
    # Mia's signature on a payload that names Cole
    payload, timestamp, signature = unsubscribe_token(person_id=company.member.pk,
                                                      purpose="email").split(":")  # fmt: skip
    cole = signing.b64_encode(json.dumps({"p": company.colleague.pk, "w": "email"},
                                         separators=(",", ":")).encode()).decode()  # fmt: skip
    assert cole != payload
    tampered = reverse("notifications-unsubscribe", args=[f"{cole}:{timestamp}:{signature}"])

    for path in (
        reverse("notifications-unsubscribe", args=[forged]),
        reverse("notifications-unsubscribe", args=[other_salt]),
        reverse("notifications-unsubscribe", args=["garbage"]),
        real[:-5] + "/",
        tampered,
    ):
        for answer in (Client().get(path), Client().post(path, {"what": "email"})):
            assert answer.status_code == 400, path
            assert "This unsubscribe link is not valid." in answer.content.decode()
    assert notification_settings_of(company.member).pk is None
    assert notification_settings_of(company.colleague).pk is None


def test_an_unsubscribe_link_for_someone_gone_is_not_found(company: Company) -> None:
    path = unsubscribe_path(company.member)
    person_update(person=company.member, active=False)

    answer = Client().post(path, {"what": "email"})

    assert answer.status_code == 404
    assert "gone" in answer.content.decode()


# -- the admin --------------------------------------------------------------------------------
def test_the_admin_lists_notifications_settings_cadences_and_schedule_claims_read_only(
    company: Company,
) -> None:
    from django.contrib.auth.models import User

    from headway.notify.models import CheckInCadence, NotificationSettings, ScheduledRun

    notification = notify(company.member, "k")
    services.notification_settings_update(person=company.member, digest=False)
    services.cadence_set(organization=company.org, unit=company.sales, weekday=2)
    ScheduledRun.objects.create(
        job="checkin-reminders", slot=dt.datetime(2026, 11, 16, 9, tzinfo=dt.UTC)
    )
    root = Client()
    root.force_login(User.objects.create_superuser("root", password="pw-for-tests-only"))

    for model in (Notification, NotificationSettings, CheckInCadence, ScheduledRun):
        name = f"admin:notify_{model._meta.model_name}"
        assert root.get(reverse(f"{name}_changelist")).status_code == 200
        assert root.get(reverse(f"{name}_add")).status_code == 403
    change = root.get(reverse("admin:notify_notification_change", args=[notification.pk]))
    assert change.status_code == 200
    assert "About k" in change.content.decode()
