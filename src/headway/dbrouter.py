"""Reads from a PostgreSQL read replica, with read-your-writes (docs/scaling.md).

Opt-in: set HEADWAY_REPLICA_DATABASE_URL and the settings add the `replica` database, this
router and this middleware. Then, during a web request:

- writes always go to the primary (`default`);
- reads go to the replica, except when the answer must include a write the replica may not
  have yet: in a request that is not a GET/HEAD/OPTIONS (a form post, an API write), in a
  request that has written, inside a transaction on the primary, and for HEADWAY_REPLICA_STICKY_
  SECONDS (default 10) after a request that wrote, through a cookie the browser sends back
  (so the page shown after a check-in shows the check-in);
- sessions and the task queue are always read from the primary (a sign-in must hold at once;
  a worker's claims must see every claim).

Outside a request (commands, the worker, tests) every read goes to the primary.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse

PRIMARY = "default"
REPLICA = "replica"
COOKIE = "headway_primary_until"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Read from the primary always: sign-in state, the task queue and the schedule's claims.
PRIMARY_ONLY = frozenset({"sessions", "django_tasks_db", "notify.scheduledrun"})


@dataclass
class _Request:
    """What the router knows of the request being answered in this context."""

    pinned: bool  # reads go to the primary for the whole request
    wrote: bool = False


_current: ContextVar[_Request | None] = ContextVar("headway_replica_request", default=None)


def sticky_seconds() -> int:
    return int(getattr(settings, "HEADWAY_REPLICA_STICKY_SECONDS", 10))


def _primary_only(model: Any) -> bool:
    meta = model._meta
    return meta.app_label in PRIMARY_ONLY or meta.label_lower in PRIMARY_ONLY


class ReplicaRouter:
    """Writes to the primary; reads to the replica when no write of this user can be missing."""

    def db_for_read(self, model: Any, **hints: Any) -> str:
        request = _current.get()
        if request is None or request.pinned or request.wrote or _primary_only(model):
            return PRIMARY
        if connections[PRIMARY].in_atomic_block:
            return PRIMARY  # a transaction reads what it wrote
        return REPLICA

    def db_for_write(self, model: Any, **hints: Any) -> str:
        request = _current.get()
        if request is not None:
            request.wrote = True
        return PRIMARY

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == PRIMARY  # the replica follows the primary's schema


def _fresh(request: HttpRequest) -> bool:
    """The browser wrote less than HEADWAY_REPLICA_STICKY_SECONDS ago."""
    try:
        return float(request.COOKIES.get(COOKIE, "0")) > time.time()
    except ValueError:
        return False


class ReplicaMiddleware:
    """Tells the router about the request, and after a write pins the browser to the primary
    for a few seconds (the cookie holds when; changing it only moves its owner's reads)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        state = _Request(pinned=request.method not in SAFE_METHODS or _fresh(request))
        token = _current.set(state)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        if state.wrote:
            seconds = sticky_seconds()
            response.set_cookie(
                COOKIE,
                f"{time.time() + seconds:.3f}",
                max_age=seconds,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response
