"""The read-replica router: reads go to the replica only when no write of this user can be
missing from it (docs/scaling.md)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from headway.dbrouter import COOKIE, PRIMARY, REPLICA, ReplicaMiddleware, ReplicaRouter
from headway.goals.models import Objective
from headway.notify.models import ScheduledRun

router = ReplicaRouter()


def answer(request: HttpRequest, view: Any) -> tuple[HttpResponse, list[str]]:
    """Run `view` behind the middleware; what it saw the router answer, in order."""
    seen: list[str] = []

    def get_response(req: HttpRequest) -> HttpResponse:
        view(seen)
        return HttpResponse("ok")

    return ReplicaMiddleware(get_response)(request), seen


def read(seen: list[str]) -> None:
    seen.append(router.db_for_read(Objective))


def write_then_read(seen: list[str]) -> None:
    seen.append(router.db_for_write(Objective))
    read(seen)


def test_outside_a_request_everything_reads_the_primary() -> None:
    assert router.db_for_read(Objective) == PRIMARY
    assert router.db_for_write(Objective) == PRIMARY


def test_a_get_reads_the_replica_and_sets_no_cookie() -> None:
    response, seen = answer(RequestFactory().get("/objectives/1/"), read)

    assert seen == [REPLICA]
    assert COOKIE not in response.cookies


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_a_write_request_reads_the_primary_throughout(method: str) -> None:
    _, seen = answer(getattr(RequestFactory(), method)("/api/v1/check-ins/"), read)

    assert seen == [PRIMARY]


def test_after_a_write_the_request_and_the_next_seconds_read_the_primary() -> None:
    response, seen = answer(RequestFactory().get("/"), write_then_read)
    pinned = float(response.cookies[COOKIE].value)

    assert seen == [PRIMARY, PRIMARY]
    assert time.time() < pinned <= time.time() + 10.001  # kept to the millisecond
    assert response.cookies[COOKIE]["httponly"]

    follow_up = RequestFactory().get("/objectives/1/")
    follow_up.COOKIES[COOKIE] = response.cookies[COOKIE].value
    assert answer(follow_up, read)[1] == [PRIMARY]


@pytest.mark.parametrize("cookie", ["0", "a second ago", "garbage"])
def test_an_old_or_bad_cookie_reads_the_replica_again(cookie: str) -> None:
    request = RequestFactory().get("/")
    request.COOKIES[COOKIE] = f"{time.time() - 1:.3f}" if cookie == "a second ago" else cookie

    assert answer(request, read)[1] == [REPLICA]


@pytest.mark.django_db
def test_inside_a_transaction_a_request_reads_the_primary() -> None:
    def in_transaction(seen: list[str]) -> None:
        with transaction.atomic():
            read(seen)

    assert answer(RequestFactory().get("/"), in_transaction)[1] == [PRIMARY]


@pytest.mark.parametrize("model", [Session, ScheduledRun])
def test_sessions_and_schedule_claims_are_always_read_from_the_primary(model: Any) -> None:
    def read_model(seen: list[str]) -> None:
        seen.append(router.db_for_read(model))

    assert answer(RequestFactory().get("/"), read_model)[1] == [PRIMARY]


def test_only_the_primary_is_migrated() -> None:
    assert router.allow_migrate(PRIMARY, "goals")
    assert not router.allow_migrate(REPLICA, "goals")
