"""Test helpers for the services' own tests: run a server in a thread, call it.

Shipped with the library (standard library only, a few lines) so that each service's
tests drive a real server on a real socket the same way, without a test dependency.
"""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fabrikam_common.jsonhttp import ApiServer


@contextmanager
def running(server: ApiServer) -> Iterator[ApiServer]:
    """Serve in a thread; on exit, stop and wait for every request thread."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def call(
    server: ApiServer,
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    raw: bytes | None = None,
) -> tuple[int, dict[str, str], Any]:
    """One request; returns the status, the headers and the decoded JSON body (or None)."""
    host, port = server.server_address[:2]
    conn = http.client.HTTPConnection(str(host), int(port), timeout=10)
    sent_headers = dict(headers or {})
    payload = raw
    if body is not None:
        payload = json.dumps(body).encode()
        sent_headers.setdefault("Content-Type", "application/json")
    try:
        conn.request(method, path, body=payload, headers=sent_headers)
        response = conn.getresponse()
        data = response.read()
        return response.status, dict(response.getheaders()), json.loads(data) if data else None
    finally:
        conn.close()
