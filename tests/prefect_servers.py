"""Talking to another Prefect server from the test process, without leaving Prefect's background
workers bound to it.

Prefect 3.9.1 keeps one events worker per client type, not per server: the first event a process
emits binds it to the PREFECT_API_URL of that moment, and every later event of the process goes
there. A test that emitted one event under `temporary_settings` for a server of its own, then
stopped that server, sent every event of the rest of the session to a dead port (1.5 s per event
in connection retries): the event assertions of later tests failed, and at exit the worker worked
through 8 000 queued events for hours. `talking_to` drains the workers on the way out (with the
demo's `deployments.ephemeral.send_queued`), and `stray_events_worker` finds one still bound
elsewhere (tests/conftest.py checks after every test).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from prefect.events.clients import events_in_socket_from_api_url
from prefect.events.worker import EventsWorker
from prefect.settings import PREFECT_API_URL, temporary_settings
from prefect.settings.legacy import Setting

from deployments.ephemeral import send_queued

DRAIN_SECONDS = 60


@contextmanager
def talking_to(api_url: str, more: Mapping[Setting, Any] | None = None) -> Iterator[None]:
    """PREFECT_API_URL (and `more` settings) for this process during the block; what the block
    queued for that server is sent before leaving it, and the next event or log of the process
    starts a worker bound to the server then current."""
    with temporary_settings({PREFECT_API_URL: api_url, **(more or {})}):
        try:
            yield
        finally:
            send_queued(DRAIN_SECONDS)


def stray_events_worker() -> str | None:
    """The server URL a running events worker sends to, when it is not the current
    PREFECT_API_URL's (or there is none: the next test may start one); None when no worker
    runs or it sends to the current server."""
    current = PREFECT_API_URL.value()
    expected = events_in_socket_from_api_url(current) if current else None
    for worker in list(getattr(EventsWorker, "_instances", {}).values()):
        if not isinstance(worker, EventsWorker):
            continue
        client = getattr(worker, "_client", None)
        socket_url = getattr(client, "_events_socket_url", None)
        if socket_url and socket_url != expected:
            return str(socket_url)
    return None


def server_answers(url: str) -> bool:
    """Whether something listens at the URL's host and port (a stopped server refuses)."""
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), 2):
            return True
    except OSError:
        return False
