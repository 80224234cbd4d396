"""Fixtures: a real workflow server on a free port, and a small JSON client for it."""

import http.client
import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from fabrikam_workflow.api import WorkflowServer, build_server

Client = Callable[..., tuple[int, dict[str, str], Any]]


@pytest.fixture
def server() -> Iterator[WorkflowServer]:
    srv = build_server("127.0.0.1", 0, version="v2.1.0")
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()
    thread.join()


@pytest.fixture
def client(server: WorkflowServer) -> Client:
    host, port = server.server_address[:2]

    def call(
        method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], Any]:
        conn = http.client.HTTPConnection(str(host), int(port), timeout=10)
        sent = dict(headers or {})
        payload = None
        if body is not None:
            payload = body if isinstance(body, bytes) else json.dumps(body).encode()
            sent.setdefault("Content-Type", "application/json")
        try:
            conn.request(method, path, body=payload, headers=sent)
            response = conn.getresponse()
            data = response.read()
            return response.status, dict(response.getheaders()), json.loads(data)
        finally:
            conn.close()

    return call
