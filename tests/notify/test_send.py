"""`notification_send`, the one way to tell someone something: settings respected, one per key,
emailed after commit with a working unsubscribe link, held back through a quiet period."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client
from tests.conftest import Company
from tests.notify.conftest import MONDAY, Clock

from headway.notify import services
from headway.notify.models import Notification
from headway.notify.selectors import notifications_unread_count
from headway.org.models import Person
from headway.org.services import person_update

pytestmark = pytest.mark.django_db


def send(person: Person, key: str = "escalation:kr-1:2026-W47", **fields: Any) -> Any:
    values = {
        "kind": "escalation",
        "title": "Close 10 deals is off track",
        "body": "Mia's key result turned off track.",
        "url": "/key-results/1/",
    }
    values.update(fields)
    return services.notification_send(person=person, key=key, **values)


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Any) -> Any:
    """Run what waits for the test's (never coming) commit, as production would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_a_notification_is_listed_and_emailed_with_unsubscribe_headers(
    company: Company, committed: Any
) -> None:
    with committed():
        notification = send(company.leader)

    assert notification.in_app
    assert notifications_unread_count(person=company.leader) == 1
    [message] = mail.outbox
    assert message.to == [company.leader.email]
    assert message.subject == "Close 10 deals is off track"
    assert "Mia's key result turned off track." in message.body
    assert "http://127.0.0.1:8000/key-results/1/" in message.body
    unsubscribe = message.extra_headers["List-Unsubscribe"]
    assert unsubscribe.startswith("<http://127.0.0.1:8000/notifications/unsubscribe/")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe.strip("<>") in message.body
    assert unsubscribe.strip("<>") in str(message.alternatives[0][0])  # type: ignore[attr-defined]


def test_the_same_key_twice_sends_once(company: Company, committed: Any) -> None:
    with committed():
        first = send(company.leader)
        second = send(company.leader, title="Something else")
    other = send(company.member)  # the key is per person

    assert first is not None
    assert second is None
    assert other is not None
    assert len(mail.outbox) == 1
    assert Notification.objects.filter(person=company.leader).count() == 1


def test_nothing_is_emailed_before_the_callers_transaction_commits(company: Company) -> None:
    with transaction.atomic():
        send(company.leader)

    assert mail.outbox == []  # the test's transaction never commits


def test_inactive_people_are_told_nothing(company: Company, committed: Any) -> None:
    person_update(person=company.member, active=False)

    with committed():
        assert send(company.member) is None

    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_email_false_only_lists_it(company: Company, committed: Any) -> None:
    with committed():
        notification = send(company.leader, email=False)

    assert notification.email_status == Notification.Email.NONE
    assert mail.outbox == []


def test_email_turned_off_only_lists_it(company: Company, committed: Any) -> None:
    services.notification_settings_update(person=company.leader, email=False)

    with committed():
        send(company.leader)

    assert mail.outbox == []
    assert notifications_unread_count(person=company.leader) == 1


def test_in_app_turned_off_only_emails_it(company: Company, committed: Any) -> None:
    services.notification_settings_update(person=company.leader, in_app=False)

    with committed():
        send(company.leader)

    assert len(mail.outbox) == 1
    assert notifications_unread_count(person=company.leader) == 0


def test_a_quiet_period_holds_the_email_back_until_it_ends(
    company: Company, clock: Clock, committed: Any
) -> None:
    # given: Leo is quiet through Wednesday
    services.notification_settings_update(
        person=company.leader, paused_until=MONDAY + dt.timedelta(days=2)
    )
    clock.set(MONDAY, 10, 0)
    with committed():
        notification = send(company.leader)
    assert notification.email_status == Notification.Email.DEFERRED
    assert notifications_unread_count(person=company.leader) == 1  # still listed at once

    # when: the hourly job runs on Wednesday, then on Thursday
    clock.set(MONDAY + dt.timedelta(days=2), 23, 30)
    assert services.notification_emails_send_due() == 0
    clock.set(MONDAY + dt.timedelta(days=3), 0, 30)
    sent = services.notification_emails_send_due()

    # then
    assert sent == 1
    assert [m.to for m in mail.outbox] == [[company.leader.email]]
    notification.refresh_from_db()
    assert notification.email_status == Notification.Email.SENT
    assert services.notification_emails_send_due() == 0


def test_a_held_back_email_read_in_headway_meanwhile_is_not_sent(
    company: Company, clock: Clock, committed: Any
) -> None:
    services.notification_settings_update(person=company.leader, paused_until=MONDAY)
    clock.set(MONDAY, 10, 0)
    with committed():
        notification = send(company.leader)
    services.notification_mark_read(notification=notification)

    clock.set(MONDAY + dt.timedelta(days=1), 0, 30)
    services.notification_emails_send_due()

    assert mail.outbox == []
    notification.refresh_from_db()
    assert notification.email_status == Notification.Email.NONE


def test_an_email_the_queue_dropped_is_sent_by_the_hourly_job(
    company: Company, clock: Clock
) -> None:
    # given: sent, but its commit callback (the queueing) never ran
    clock.set(MONDAY, 10, 0)
    notification = send(company.leader)
    assert notification.email_status == Notification.Email.PENDING

    # when
    clock.set(MONDAY, 10, 5)
    too_soon = services.notification_emails_send_due()
    clock.set(MONDAY, 10, 30)
    sent = services.notification_emails_send_due()

    # then
    assert (too_soon, sent) == (0, 1)
    assert len(mail.outbox) == 1


def test_a_failing_mail_server_marks_the_email_failed(
    company: Company, committed: Any, settings: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens there

    with committed():
        notification = send(company.leader)

    notification.refresh_from_db()
    assert notification.email_status == Notification.Email.FAILED


def test_the_unsubscribe_link_of_an_email_works_without_signing_in(
    company: Company, committed: Any
) -> None:
    with committed():
        send(company.leader)
    link = mail.outbox[0].extra_headers["List-Unsubscribe"].strip("<>")
    path = link.removeprefix("http://127.0.0.1:8000")

    page = Client().get(path)
    done = Client().post(path, {"what": "email"})

    assert page.status_code == 200
    assert done.status_code == 200
    with committed():
        send(company.leader, key="another")
    assert len(mail.outbox) == 1  # no more email
    assert notifications_unread_count(person=company.leader) == 2  # still listed


def test_the_one_click_unsubscribe_of_a_digest_stops_only_the_reminders(
    company: Company, committed: Any
) -> None:
    with committed():
        send(company.member, kind="checkin_digest", key="checkin-digest:2026-11-16")
    link = mail.outbox[0].extra_headers["List-Unsubscribe"].strip("<>")

    answer = Client().post(
        link.removeprefix("http://127.0.0.1:8000"), {"List-Unsubscribe": "One-Click"}
    )

    assert answer.status_code == 200
    prefs = company.member.notification_settings
    assert prefs.digest is False
    assert prefs.email is True


def test_a_key_too_long_for_its_column_is_a_programming_error(company: Company) -> None:
    with pytest.raises(ValueError, match="too long"):
        send(company.leader, key="k" * 201)
    with pytest.raises(ValueError, match="too long"):
        send(company.leader, key="")
