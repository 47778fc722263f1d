"""Outgoing webhooks, end to end against a real HTTP receiver on 127.0.0.1: what is sent, how it
is signed, when nothing is sent, retries through the database worker, and the settings pages."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import signal
import socket
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from tests.conftest import DATABASE_TASKS, Company, build_company, signed_in

from headway.audit.models import AuditEvent
from headway.checkins.services import checkin_record
from headway.goals import services as goals
from headway.goals.models import KeyResult, Objective
from headway.indicators import services as indicators
from headway.webhooks import services
from headway.webhooks.models import Delivery, Event, Webhook
from headway.webhooks.tasks import webhook_delivery_send

SECRET = "whsec_test-secret-for-the-receiver"


# -- a receiver on 127.0.0.1 ------------------------------------------------------------------
@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Records every POST and answers with the queued status codes (then `default`)."""

    url: str = ""
    requests: list[Received] = field(default_factory=list)
    answers: deque[tuple[int, dict[str, str]]] = field(default_factory=deque)
    default: int = 200

    def answer(self, *codes: int, headers: dict[str, str] | None = None) -> None:
        self.answers.extend((code, headers or {}) for code in codes)

    def next_answer(self) -> tuple[int, dict[str, str]]:
        return self.answers.popleft() if self.answers else (self.default, {})


class _Handler(BaseHTTPRequestHandler):
    server: Any

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        receiver: Receiver = self.server.receiver
        receiver.requests.append(Received(self.path, dict(self.headers.items()), body))
        code, headers = receiver.next_answer()
        reply = b"thanks" if code < 400 else b"receiver is down for maintenance"
        self.send_response(code)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


def _serve() -> Iterator[Receiver]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    receiver = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}/hooks/headway")
    server.receiver = receiver  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from _serve()


@pytest.fixture
def other_receiver() -> Iterator[Receiver]:
    yield from _serve()


def verify(secret: str, headers: dict[str, str], body: bytes, *, tolerance: int = 300) -> bool:
    """What a receiver does (the recipe of docs/webhooks.md): recompute the signature over
    "<timestamp>.<body>", compare in constant time, refuse old timestamps."""
    timestamp = headers["X-Headway-Timestamp"]
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    fresh = abs(timezone.now().timestamp() - int(timestamp)) <= tolerance
    given = headers["X-Headway-Signature"]
    return fresh and hmac.compare_digest("sha256=" + expected.hexdigest(), given)


# -- shared set-up ----------------------------------------------------------------------------
@pytest.fixture
def deals(company: Company) -> KeyResult:
    objective = goals.objective_create(
        organization=company.org, title="Sell more", owner=company.member,
        period=company.quarter, visibility="private",
    )  # fmt: skip
    return goals.key_result_create(
        objective=objective, title="Close 10 deals", start=Decimal(0), target=Decimal(10),
        unit_label="deals",
    )  # fmt: skip


def hook(company: Company, receiver: Receiver, *events: str, **fields: Any) -> Webhook:
    return services.webhook_create(
        organization=company.org,
        name=fields.pop("name", "Receiver"),
        url=receiver.url,
        events=list(events) or [Event.CHECK_IN_RECORDED],
        secret=SECRET,
        actor=company.admin,
        **fields,
    )


@pytest.fixture
def database_tasks(settings: Any) -> None:
    """Tasks queued in the database, as in production, instead of run at once."""
    settings.TASKS = DATABASE_TASKS


def db_worker() -> None:
    """Run the real `db_worker` in batch mode: every ready task, then exit."""
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:
        call_command(
            "db_worker", batch=True, interval=0, startup_delay=False, reload=False, verbosity=0
        )
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler)


def time_passes() -> None:
    """The scheduled retries become due (instead of waiting minutes for them)."""
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())


def committed(capture: Any, action: Callable[[], Any]) -> Any:
    """Run `action`, then what waits for its commit (the test runs inside one transaction)."""
    with capture(execute=True):
        return action()


# -- what is sent -----------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.usefixtures("frozen_today")
def test_a_check_in_posts_a_signed_payload_that_verifies_with_the_secret(
    company: Company, deals: KeyResult, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    # given
    webhook = hook(company, receiver)

    # when
    check_in = committed(
        django_capture_on_commit_callbacks,
        lambda: checkin_record(
            key_result=deals, value=Decimal(4), confidence=7, note="2 in legal",
            author=company.member,
        ),
    )  # fmt: skip

    # then
    [request] = receiver.requests
    delivery = Delivery.objects.get(webhook=webhook)
    assert request.path == "/hooks/headway"
    assert verify(SECRET, request.headers, request.body)
    assert not verify("another secret entirely", request.headers, request.body)
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["User-Agent"] == "Headway-Webhooks/1"
    assert request.headers["X-Headway-Event"] == "check_in.recorded"
    assert request.headers["X-Headway-Delivery"] == str(delivery.event_id)
    body = request.json()
    assert (body["id"], body["event"]) == (str(delivery.event_id), "check_in.recorded")
    assert body["organization"] == {"id": company.org.pk, "slug": "acme", "name": "Acme"}
    data = body["data"]
    assert data["check_in"]["id"] == check_in.pk
    assert (data["check_in"]["value"], data["check_in"]["confidence"]) == ("4", 7)
    assert data["check_in"]["author"]["email"] == "member@acme.test"
    assert (data["key_result"]["progress"], data["key_result"]["status"]) == ("0.4", "on_track")
    assert data["objective"]["visibility"] == "private"  # included, marked for the receiver
    assert data["objective"]["url"].endswith(f"/objectives/{deals.objective_id}/")
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("succeeded", 1, 200)
    assert delivery.delivered_at is not None


@pytest.mark.django_db
def test_a_tampered_body_or_an_old_timestamp_fails_verification(
    company: Company, deals: KeyResult, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    hook(company, receiver)
    committed(
        django_capture_on_commit_callbacks,
        lambda: checkin_record(key_result=deals, value=Decimal(1), author=company.member),
    )

    [request] = receiver.requests
    assert verify(SECRET, request.headers, request.body)
    assert not verify(SECRET, request.headers, request.body.replace(b'"1"', b'"9"'))
    stale = {
        **request.headers,
        "X-Headway-Timestamp": str(int(request.headers["X-Headway-Timestamp"]) - 3600),
    }
    assert not verify(SECRET, stale, request.body)


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen_today")
def test_the_slack_format_is_a_text_message_linking_back(
    company: Company, deals: KeyResult, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    hook(company, receiver, format=Webhook.Format.SLACK)

    committed(
        django_capture_on_commit_callbacks,
        lambda: checkin_record(
            key_result=deals, value=Decimal(4), confidence=7, author=company.member
        ),
    )

    [request] = receiver.requests
    body = request.json()
    assert list(body) == ["text"]
    assert body["text"].startswith("Mia Member checked in on <http://")
    assert (
        f"/objectives/{deals.objective_id}/|Close 10 deals>: 4 deals (confidence 7/10)"
        in body["text"]
    )
    assert "Progress 40%, on track." in body["text"]
    assert verify(SECRET, request.headers, request.body)  # signed like every format


@pytest.mark.django_db
def test_the_teams_format_is_a_message_card_with_text(
    company: Company, deals: KeyResult, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    hook(company, receiver, format=Webhook.Format.TEAMS)

    committed(
        django_capture_on_commit_callbacks,
        lambda: checkin_record(key_result=deals, value=Decimal(4), author=company.member),
    )

    body = receiver.requests[0].json()
    assert (body["@type"], body["title"]) == ("MessageCard", "Headway: A check-in is recorded")
    assert "[Close 10 deals](http://" in body["text"]


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen_today")
def test_a_key_result_turning_at_risk_is_announced_with_before_and_after(
    company: Company, deals: KeyResult, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    # given: a key result on track (40% at half time is within the 10-point margin)
    checkin_record(key_result=deals, value=Decimal(4), author=company.member)
    hook(company, receiver, Event.KEY_RESULT_STATUS_CHANGED)

    # when: it slips to 30%
    committed(
        django_capture_on_commit_callbacks,
        lambda: checkin_record(key_result=deals, value=Decimal(3), author=company.member),
    )

    # then
    [request] = receiver.requests
    body = request.json()
    assert body["event"] == "key_result.status_changed"
    assert (body["data"]["before"], body["data"]["after"]) == ("on_track", "at_risk")
    assert body["data"]["key_result"]["progress"] == "0.3"
    assert body["data"]["objective"]["title"] == "Sell more"


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen_today")
def test_a_status_that_improves_is_not_announced(
    company: Company, deals: KeyResult, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    hook(company, receiver, Event.KEY_RESULT_STATUS_CHANGED, Event.OBJECTIVE_STATUS_CHANGED)

    committed(
        django_capture_on_commit_callbacks,
        lambda: checkin_record(key_result=deals, value=Decimal(5), author=company.member),
    )

    assert receiver.requests == []


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen_today")
def test_an_objective_falling_off_track_is_announced(
    company: Company, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    hook(company, receiver, Event.OBJECTIVE_STATUS_CHANGED)

    objective = committed(
        django_capture_on_commit_callbacks,
        lambda: goals.key_result_create(
            objective=goals.objective_create(
                organization=company.org, title="Ship it", owner=company.member,
                period=company.quarter,
            ),
            title="Sign 4 partners", start=Decimal(0), target=Decimal(4),
        ).objective,
    )  # fmt: skip

    [request] = receiver.requests
    data = request.json()["data"]
    assert (data["before"], data["after"]) == ("no_data", "off_track")
    assert data["objective"]["id"] == objective.pk


@pytest.mark.django_db
def test_a_measurement_is_announced_and_a_replacement_says_so(
    company: Company, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    kpi = indicators.indicator_create(
        organization=company.org,
        name="Net Promoter Score",
        owner=company.admin,
        unit_label="points",
    )
    hook(company, receiver, Event.MEASUREMENT_RECORDED, format=Webhook.Format.SLACK)

    for value in (Decimal(48), Decimal(51)):
        committed(
            django_capture_on_commit_callbacks,
            lambda value=value: indicators.measurement_record(
                indicator=kpi, date=dt.date(2026, 10, 31), value=value, actor=company.admin
            ),
        )

    first, second = (r.json()["text"] for r in receiver.requests)
    assert first.endswith("|Net Promoter Score>: 48 points on 2026-10-31.")
    assert second.endswith(
        "51 points on 2026-10-31 (replaces the value recorded earlier for that date)."
    )


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen_today")
def test_closing_an_objective_and_closing_its_period_are_announced_with_the_grade(
    company: Company, deals: KeyResult, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    checkin_record(key_result=deals, value=Decimal(7), author=company.member)
    hook(company, receiver, Event.OBJECTIVE_CLOSED)
    objective = Objective.objects.get(pk=deals.objective_id)

    committed(
        django_capture_on_commit_callbacks,
        lambda: goals.objective_update(objective=objective, state="closed", actor=company.admin),
    )
    committed(
        django_capture_on_commit_callbacks,
        lambda: goals.objective_update(objective=objective, title="Sell much more"),
    )  # still closed: nothing new
    committed(
        django_capture_on_commit_callbacks,
        lambda: goals.period_close(period=company.quarter, actor=company.admin),
    )

    by_hand, at_period_close = (r.json()["data"] for r in receiver.requests)
    assert (by_hand["reason"], by_hand["grade"]) == ("objective_closed", "0.7")
    assert by_hand["objective"]["state"] == "closed"
    assert (at_period_close["reason"], at_period_close["grade"]) == ("period_closed", "0.7")
    assert at_period_close["objective"]["title"] == "Sell much more"


@pytest.mark.django_db
def test_an_unsubscribed_event_sends_nothing(
    company: Company, deals: KeyResult, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    hook(company, receiver, Event.MEASUREMENT_RECORDED)
    hook(company, receiver, Event.CHECK_IN_RECORDED, name="Paused", active=False)

    committed(
        django_capture_on_commit_callbacks,
        lambda: checkin_record(key_result=deals, value=Decimal(4), author=company.member),
    )

    assert receiver.requests == []
    assert not Delivery.objects.exists()


@pytest.mark.django_db
def test_another_tenants_webhook_never_receives(
    company: Company,
    other_company: Company,
    deals: KeyResult,
    receiver: Receiver,
    other_receiver: Receiver,
    django_capture_on_commit_callbacks: Any,
) -> None:
    hook(company, receiver)
    theirs = hook(other_company, other_receiver)

    committed(
        django_capture_on_commit_callbacks,
        lambda: checkin_record(key_result=deals, value=Decimal(4), author=company.member),
    )

    assert len(receiver.requests) == 1
    assert other_receiver.requests == []
    assert not Delivery.objects.filter(webhook=theirs).exists()


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_check_in_sends_nothing_and_a_committed_one_is_sent(
    receiver: Receiver,
) -> None:
    company = build_company("initech")
    objective = goals.objective_create(
        organization=company.org, title="Sell more", owner=company.member, period=company.quarter
    )
    deals = goals.key_result_create(
        objective=objective, title="Close 10 deals", start=Decimal(0), target=Decimal(10)
    )
    hook(company, receiver)

    # when: the check-in's transaction fails after it was recorded
    def check_in_then_fail() -> None:
        with transaction.atomic():
            checkin_record(key_result=deals, value=Decimal(4), author=company.member)
            raise RuntimeError("something later in the same request failed")

    with pytest.raises(RuntimeError):
        check_in_then_fail()

    # then
    assert receiver.requests == []
    assert not Delivery.objects.exists()

    # and a check-in that commits is sent as soon as it commits
    checkin_record(key_result=deals, value=Decimal(5), author=company.member)
    assert [r.json()["data"]["check_in"]["value"] for r in receiver.requests] == ["5"]


@pytest.mark.django_db
def test_running_the_task_twice_sends_once(
    company: Company, deals: KeyResult, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    hook(company, receiver)
    committed(
        django_capture_on_commit_callbacks,
        lambda: checkin_record(key_result=deals, value=Decimal(4), author=company.member),
    )
    delivery = Delivery.objects.get()

    again = [webhook_delivery_send.call(delivery.pk, attempt) for attempt in (0, 1)]

    assert again == ["skipped", "skipped"]
    assert len(receiver.requests) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("succeeded", 1)


# -- failures, retries and the worker ---------------------------------------------------------
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("database_tasks")
def test_a_refusal_is_retried_with_backoff_by_the_worker_until_it_succeeds(
    receiver: Receiver,
) -> None:
    # given: a receiver that fails once
    company = build_company("initech")
    objective = goals.objective_create(
        organization=company.org, title="Sell more", owner=company.member, period=company.quarter
    )
    deals = goals.key_result_create(
        objective=objective, title="Close 10 deals", start=Decimal(0), target=Decimal(10)
    )
    hook(company, receiver)
    receiver.answer(500)

    # when: a check-in is queued and the worker drains the queue
    checkin_record(key_result=deals, value=Decimal(4), author=company.member)
    assert receiver.requests == []  # queued, not sent by the web process
    db_worker()

    # then: attempt 1 failed, attempt 2 waits about a minute
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("failed", 1, 500)
    assert delivery.last_error == "HTTP 500: receiver is down for maintenance"
    assert delivery.last_attempt_at is not None
    assert delivery.next_attempt_at is not None
    wait = delivery.next_attempt_at - delivery.last_attempt_at
    assert dt.timedelta(minutes=1) <= wait < dt.timedelta(minutes=1, seconds=30)
    [queued] = DBTaskResult.objects.filter(status="READY")
    assert queued.run_after == delivery.next_attempt_at
    db_worker()  # not due yet: nothing happens
    assert len(receiver.requests) == 1

    # when: the minute has passed
    time_passes()
    db_worker()

    # then
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("succeeded", 2, 200)
    assert (delivery.last_error, delivery.next_attempt_at) == ("", None)
    first, second = receiver.requests
    assert first.headers["X-Headway-Delivery"] == second.headers["X-Headway-Delivery"]
    assert first.body == second.body
    assert verify(SECRET, second.headers, second.body)
    assert not DBTaskResult.objects.filter(status="READY").exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("database_tasks")
def test_after_six_failed_attempts_the_delivery_is_given_up(receiver: Receiver) -> None:
    company = build_company("initech")
    webhook = hook(company, receiver)
    receiver.default = 503
    services.webhook_ping(webhook=webhook, actor=company.admin)

    waits = []
    for _ in range(services.MAX_ATTEMPTS):
        db_worker()
        delivery = Delivery.objects.get()
        if delivery.next_attempt_at and delivery.last_attempt_at:
            waits.append(delivery.next_attempt_at - delivery.last_attempt_at)
        time_passes()

    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("given_up", 6)
    assert delivery.next_attempt_at is None
    assert len(receiver.requests) == 6
    assert not DBTaskResult.objects.filter(status="READY").exists()
    assert [round(w.total_seconds() / 60) for w in waits] == [1, 5, 30, 120, 360]


@pytest.mark.django_db
def test_a_redirect_is_not_followed_but_reported(
    company: Company, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    webhook = hook(company, receiver)
    receiver.answer(301, headers={"Location": "http://127.0.0.1:9/elsewhere"})

    committed(
        django_capture_on_commit_callbacks,
        lambda: services.webhook_ping(webhook=webhook, actor=company.admin),
    )

    delivery = Delivery.objects.get()
    assert len(receiver.requests) == 1
    assert (delivery.status, delivery.last_status_code) == ("failed", 301)
    assert "redirects are not followed" in delivery.last_error


@pytest.mark.django_db
def test_a_receiver_that_is_not_listening_is_a_failed_attempt(
    company: Company, django_capture_on_commit_callbacks: Any
) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    webhook = services.webhook_create(
        organization=company.org,
        name="Gone",
        url=f"http://127.0.0.1:{port}/",
        events=[Event.CHECK_IN_RECORDED],
    )

    committed(
        django_capture_on_commit_callbacks,
        lambda: services.webhook_ping(webhook=webhook, actor=company.admin),
    )

    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("failed", 1, None)
    assert delivery.last_error.startswith("Could not connect")


@pytest.mark.django_db
def test_with_tasks_run_at_once_a_due_retry_is_sent_by_the_send_due_command(
    company: Company, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    webhook = hook(company, receiver)
    receiver.answer(500)
    committed(
        django_capture_on_commit_callbacks,
        lambda: services.webhook_ping(webhook=webhook, actor=company.admin),
    )
    assert Delivery.objects.get().status == "failed"  # the immediate backend cannot wait

    call_command("webhooks_send_due", verbosity=0)  # not due yet
    assert len(receiver.requests) == 1
    Delivery.objects.update(next_attempt_at=timezone.now())
    call_command("webhooks_send_due", verbosity=0)

    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("succeeded", 2)
    assert len(receiver.requests) == 2


# -- registering webhooks ---------------------------------------------------------------------
@pytest.mark.django_db
def test_a_webhook_gets_a_generated_secret_that_the_audit_trail_never_shows(
    company: Company,
) -> None:
    webhook = services.webhook_create(
        organization=company.org, name="Ops", url="https://hooks.example.test/headway",
        events=[Event.CHECK_IN_RECORDED], actor=company.admin,
    )  # fmt: skip
    old = webhook.secret
    services.webhook_update(webhook=webhook, secret=services.secret_generate(), actor=company.admin)

    assert old.startswith("whsec_")
    assert len(old) > 30
    assert webhook.secret != old
    trail = AuditEvent.objects.filter(object_type="webhook", object_id=webhook.pk).order_by("pk")
    assert [e.changes["secret"] for e in trail] == [[None, "(hidden)"], ["(hidden)", "(hidden)"]]
    assert old not in json.dumps([e.changes for e in trail])


@pytest.mark.parametrize(
    ("url", "accepted"),
    [
        ("https://hooks.slack.example.test/services/T0/B0/x", True),
        ("http://receiver.internal:8080/headway", True),  # self-hosted networks are allowed
        ("http://10.0.0.7/hook", True),
        ("ftp://files.example.test/hook", False),
        ("javascript:alert(1)", False),
        ("https://", False),
    ],
)
@pytest.mark.django_db
def test_only_http_and_https_urls_with_a_host_are_accepted(
    company: Company, url: str, accepted: bool
) -> None:
    def create() -> Webhook:
        return services.webhook_create(
            organization=company.org, name="Hook", url=url, events=[Event.CHECK_IN_RECORDED]
        )

    if accepted:
        assert create().url == url
    else:
        with pytest.raises(ValidationError, match="url"):
            create()


@pytest.mark.django_db
def test_events_must_be_known_and_names_unique(company: Company) -> None:
    with pytest.raises(ValidationError, match=r"Unknown events: goal\.exploded"):
        services.webhook_create(
            organization=company.org, name="A", url="https://a.test/", events=["goal.exploded"]
        )
    with pytest.raises(ValidationError, match="Choose at least one event"):
        services.webhook_create(
            organization=company.org, name="A", url="https://a.test/", events=[]
        )
    services.webhook_create(
        organization=company.org, name="A", url="https://a.test/", events=[Event.OBJECTIVE_CLOSED]
    )
    with pytest.raises(ValidationError, match="Another webhook already has this name"):
        services.webhook_create(
            organization=company.org,
            name="A",
            url="https://b.test/",
            events=[Event.OBJECTIVE_CLOSED],
        )


# -- the settings pages -----------------------------------------------------------------------
@pytest.fixture
def webhook(company: Company, receiver: Receiver) -> Webhook:
    return hook(company, receiver)


@pytest.fixture
def delivery(webhook: Webhook) -> Delivery:
    """A given-up test event (made without sending, so the pages have a log to show)."""
    sent = services.webhook_ping(webhook=webhook)
    Delivery.objects.filter(pk=sent.pk).update(
        status="given_up", attempts=6, last_status_code=500, last_error="HTTP 500: down"
    )
    sent.refresh_from_db()
    return sent


def pages(webhook: Webhook, delivery: Delivery) -> list[tuple[str, str]]:
    return [
        ("get", reverse("webhooks")),
        ("get", reverse("webhook-create")),
        ("get", reverse("webhook", args=[webhook.pk])),
        ("get", reverse("webhook-edit", args=[webhook.pk])),
        ("get", reverse("webhook-delete", args=[webhook.pk])),
        ("post", reverse("webhook-test", args=[webhook.pk])),
        ("get", reverse("webhook-delivery", args=[delivery.pk])),
        ("post", reverse("webhook-delivery-retry", args=[delivery.pk])),
    ]


@pytest.mark.parametrize("persona", ["hr", "leader", "member", "colleague", "outsider", "viewer"])
@pytest.mark.django_db
def test_only_admins_reach_the_webhook_pages(
    company: Company, webhook: Webhook, delivery: Delivery, persona: str, receiver: Receiver
) -> None:
    client = signed_in(getattr(company, persona))

    for method, url in pages(webhook, delivery):
        assert getattr(client, method)(url).status_code == 403, url
    assert receiver.requests == []


@pytest.mark.django_db
def test_signed_out_visitors_are_sent_to_sign_in(webhook: Webhook, delivery: Delivery) -> None:
    for method, url in pages(webhook, delivery):
        response = getattr(Client(), method)(url)
        assert (response.status_code, response["Location"].split("?")[0]) == (302, "/sign-in/")


@pytest.mark.django_db
def test_another_tenants_webhooks_answer_404(
    other_company: Company, webhook: Webhook, delivery: Delivery
) -> None:
    client = signed_in(other_company.admin)

    for method, url in pages(webhook, delivery)[2:]:
        assert getattr(client, method)(url).status_code == 404, url
    assert client.get(reverse("webhooks")).status_code == 200
    assert Webhook.objects.filter(pk=webhook.pk).exists()


@pytest.mark.django_db
def test_an_admin_adds_a_webhook_and_sees_its_secret(company: Company, receiver: Receiver) -> None:
    client = signed_in(company.admin)

    response = client.post(
        reverse("webhook-create"),
        {"name": "Team channel", "url": receiver.url, "events": ["check_in.recorded",
         "objective.closed"], "format": "slack", "active": "on", "secret": ""},
    )  # fmt: skip

    webhook = Webhook.objects.get(name="Team channel")
    assert response.status_code == 302
    assert response["Location"] == reverse("webhook", args=[webhook.pk])
    assert (webhook.events, webhook.format, webhook.active) == (
        ["check_in.recorded", "objective.closed"], "slack", True,
    )  # fmt: skip
    assert (webhook.organization, webhook.created_by) == (company.org, company.admin)
    page = client.get(response["Location"]).content.decode()
    assert webhook.secret in page
    assert "Nothing sent yet" in page


@pytest.mark.django_db
def test_a_bad_url_shows_on_the_form(company: Company) -> None:
    response = signed_in(company.admin).post(
        reverse("webhook-create"),
        {"name": "Files", "url": "ftp://files.test/x", "events": ["ping"], "format": "headway"},
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert "must start with https://" in str(form.errors["url"])
    assert "events" in form.errors  # the test event cannot be subscribed to
    assert not Webhook.objects.exists()


@pytest.mark.django_db
def test_an_admin_edits_rotates_the_secret_and_deletes(company: Company, webhook: Webhook) -> None:
    client = signed_in(company.admin)
    old = webhook.secret

    client.post(
        reverse("webhook-edit", args=[webhook.pk]),
        {"name": "Renamed", "url": webhook.url, "events": ["measurement.recorded"],
         "format": "teams", "new_secret": "on"},
    )  # fmt: skip
    webhook.refresh_from_db()
    assert (webhook.name, webhook.events, webhook.format, webhook.active) == (
        "Renamed", ["measurement.recorded"], "teams", False,
    )  # fmt: skip
    assert webhook.secret != old
    assert webhook.secret.startswith("whsec_")

    response = client.post(reverse("webhook-delete", args=[webhook.pk]))
    assert response["Location"] == reverse("webhooks")
    assert not Webhook.objects.exists()
    assert AuditEvent.objects.filter(object_type="webhook", action="delete").count() == 1


@pytest.mark.django_db
def test_an_admin_sends_a_test_event_and_reads_it_in_the_log(
    company: Company, webhook: Webhook, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    client = signed_in(company.admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("webhook-test", args=[webhook.pk]))

    [request] = receiver.requests
    assert request.headers["X-Headway-Event"] == "ping"
    assert request.json()["data"]["sent_by"]["name"] == "Ada Admin"
    page = client.get(response["Location"]).content.decode()
    assert "Test event" in page
    assert "Delivered" in page
    assert "HTTP 200" in page


@pytest.mark.django_db
def test_retry_now_sends_a_given_up_delivery_again(
    company: Company,
    delivery: Delivery,
    receiver: Receiver,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = signed_in(company.admin)
    page = client.get(reverse("webhook", args=[delivery.webhook_id])).content.decode()
    assert "Gave up after 6 attempts" in page
    assert "HTTP 500: down" in page
    assert "Retry now" in page

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("webhook-delivery-retry", args=[delivery.pk]))

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("succeeded", 7, "")
    assert len(receiver.requests) == 1
    page = client.get(reverse("webhook", args=[delivery.webhook_id])).content.decode()
    assert "Retry now" not in page


@pytest.mark.django_db
def test_the_delivery_page_shows_the_payload(company: Company, delivery: Delivery) -> None:
    page = signed_in(company.admin).get(reverse("webhook-delivery", args=[delivery.pk]))

    text = page.content.decode()
    assert str(delivery.event_id) in text
    assert "HTTP 500: down" in text
    assert "A test event from Headway" in text


@pytest.mark.django_db
def test_the_pages_do_not_query_once_per_row(company: Company, receiver: Receiver) -> None:
    client = signed_in(company.admin)
    first = hook(company, receiver)
    services.webhook_ping(webhook=first)
    client.get(reverse("webhooks"))  # warm the session

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured.captured_queries)

    few = (queries(reverse("webhooks")), queries(reverse("webhook", args=[first.pk])))
    for n in range(4):
        services.webhook_ping(webhook=hook(company, receiver, name=f"Hook {n}"))
        services.webhook_ping(webhook=first)
    many = (queries(reverse("webhooks")), queries(reverse("webhook", args=[first.pk])))

    assert many == few


# -- the Django admin -------------------------------------------------------------------------
@pytest.fixture
def root(client: Client) -> Client:
    from django.contrib.auth.models import User

    client.force_login(User.objects.create_superuser("root", "root@example.test", "pw-root"))
    return client


@pytest.mark.django_db
def test_the_admin_pages_load_and_a_webhook_added_there_goes_through_the_service(
    company: Company, root: Client, delivery: Delivery
) -> None:
    for name, args in [
        ("admin:webhooks_webhook_changelist", []),
        ("admin:webhooks_webhook_add", []),
        ("admin:webhooks_webhook_change", [delivery.webhook_id]),
        ("admin:webhooks_delivery_changelist", []),
        ("admin:webhooks_delivery_change", [delivery.pk]),
    ]:
        assert root.get(reverse(name, args=args)).status_code == 200, name

    response = root.post(
        reverse("admin:webhooks_webhook_add"),
        {"organization": company.org.pk, "name": "From the admin", "url": "https://a.test/",
         "secret": "a-long-enough-secret", "events": '["bogus.event"]', "format": "headway",
         "active": "on"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "Unknown events: bogus.event" in str(response.context["adminform"].form.errors)

    root.post(
        reverse("admin:webhooks_webhook_add"),
        {"organization": company.org.pk, "name": "From the admin", "url": "https://a.test/",
         "secret": "a-long-enough-secret", "events": '["objective.closed"]',
         "format": "headway", "active": "on"},
    )  # fmt: skip
    webhook = Webhook.objects.get(name="From the admin")
    assert webhook.events == ["objective.closed"]
    event = AuditEvent.objects.get(object_type="webhook", object_id=webhook.pk)
    assert (event.actor_label, event.changes["secret"]) == ("root", [None, "(hidden)"])
