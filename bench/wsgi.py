"""The product's WSGI application plus one bench-only baseline, in the same server process.

    gunicorn bench.wsgi:application --workers 3 --bind 127.0.0.1:8000

`/bench/bare/` answers a tiny JSON document without Django and without the database: the most a
worker of this server can do on this machine, measured next to each real endpoint. Every other
path goes to `headway.wsgi.application` unchanged. The product's URLconf never sees this.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from headway.wsgi import application as headway_application

BARE_PATH = "/bench/bare/"
BARE_BODY = b'{"ok": true}'
BARE_HEADERS = [
    ("Content-Type", "application/json"),
    ("Content-Length", str(len(BARE_BODY))),
]


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    if environ.get("PATH_INFO") == BARE_PATH:
        start_response("200 OK", list(BARE_HEADERS))
        return [BARE_BODY]
    return headway_application(environ, start_response)
