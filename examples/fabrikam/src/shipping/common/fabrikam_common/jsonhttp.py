"""A small JSON API layer on top of the standard library's ``http.server``.

The services stay on the standard library so their images build without a package index.
What every service needs once, and what this module gives them:

- routing by method and path pattern, with 404 and 405 (plus ``Allow``) answered here;
- ``GET /health`` with the service name and the version the image was built with;
- bounded JSON bodies (``Content-Length`` required, size capped, media type checked);
- one access log line per request, carrying the request id that is echoed to the caller;
- errors as JSON, and an unexpected exception as a 500 that is logged, never a traceback
  sent to the client.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, cast
from urllib.parse import urlsplit

from fabrikam_common.requestid import REQUEST_ID_HEADER, ensure_request_id

access_log = logging.getLogger("fabrikam.access")
log = logging.getLogger("fabrikam.http")

MAX_BODY_BYTES = 64 * 1024


class ApiError(Exception):
    """An error answer: the status, a message for the client and optional details."""

    def __init__(
        self,
        status: HTTPStatus,
        message: str,
        details: list[str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details or []
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.message}
        if self.details:
            body["details"] = self.details
        return body


Action = Callable[["JsonApiHandler", "re.Match[str]"], tuple[HTTPStatus, Any]]


@dataclass(frozen=True)
class Route:
    """``method`` and a path regex (matched in full) mapped to an action.

    The action gets the handler (for the body and the server's state) and the path match,
    and returns the status and a JSON-serialisable payload, or raises ApiError.
    """

    method: str
    pattern: re.Pattern[str]
    action: Action


class ApiServer(ThreadingHTTPServer):
    """A threading server that waits for requests in flight when it is closed.

    ``ThreadingHTTPServer`` uses daemon threads, which a shutdown would cut off; a graceful
    stop on SIGTERM should let the current requests finish instead.
    """

    daemon_threads = False
    block_on_close = True

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[JsonApiHandler],
        *,
        service: str,
        version: str,
        state: Any = None,
    ) -> None:
        super().__init__(address, handler)
        self.service = service
        self.version = version
        self.state = state


@dataclass
class _Answer:
    status: HTTPStatus
    payload: Any
    headers: dict[str, str] = field(default_factory=dict)


class JsonApiHandler(BaseHTTPRequestHandler):
    """Subclass it and set ``routes``; the server's ``state`` is shared by every request."""

    routes: ClassVar[tuple[Route, ...]] = ()
    max_body_bytes: ClassVar[int] = MAX_BODY_BYTES
    server_version = "fabrikam"
    sys_version = ""  # do not advertise the interpreter's version

    request_id = ""

    @property
    def api(self) -> ApiServer:
        return cast(ApiServer, self.server)

    def do_GET(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def read_json_object(self) -> dict[str, Any]:
        """The request body as a JSON object, or an ApiError saying what is wrong with it."""
        media_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if media_type != "application/json":
            raise ApiError(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "the body must be application/json")
        raw_length = self.headers.get("Content-Length")
        if raw_length is None or not raw_length.isdigit():
            raise ApiError(HTTPStatus.LENGTH_REQUIRED, "a Content-Length header is required")
        length = int(raw_length)
        if length > self.max_body_bytes:
            raise ApiError(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"the body is larger than {self.max_body_bytes} bytes",
            )
        try:
            document = json.loads(self.rfile.read(length))
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise ApiError(HTTPStatus.BAD_REQUEST, f"the body is not valid JSON: {err}") from None
        if not isinstance(document, dict):
            raise ApiError(HTTPStatus.BAD_REQUEST, "the body must be a JSON object")
        return document

    def _dispatch(self) -> None:
        started = time.perf_counter()
        self.request_id = ensure_request_id(self.headers.get(REQUEST_ID_HEADER))
        path = urlsplit(self.path).path
        answer = self._answer(path)
        self._send(answer)
        access_log.info(
            "%s %s %d",
            self.command,
            path,
            answer.status,
            extra={
                "fields": {
                    "requestId": self.request_id,
                    "method": self.command,
                    "path": path,
                    "status": int(answer.status),
                    "durationMs": round((time.perf_counter() - started) * 1000, 2),
                    "client": self.client_address[0],
                }
            },
        )

    def _answer(self, path: str) -> _Answer:
        if path == "/health":
            if self.command != "GET":
                allow_get = {"Allow": "GET"}
                return _Answer(HTTPStatus.METHOD_NOT_ALLOWED, {"error": "use GET"}, allow_get)
            health = {"status": "ok", "service": self.api.service, "version": self.api.version}
            return _Answer(HTTPStatus.OK, health)
        allowed: list[str] = []
        for route in self.routes:
            match = route.pattern.fullmatch(path)
            if match is None:
                continue
            if route.method != self.command:
                allowed.append(route.method)
                continue
            try:
                status, payload = route.action(self, match)
            except ApiError as err:
                return _Answer(err.status, err.body(), err.headers)
            except Exception:
                log.exception("unhandled error", extra={"fields": {"requestId": self.request_id}})
                return _Answer(HTTPStatus.INTERNAL_SERVER_ERROR, {"error": "internal error"})
            return _Answer(status, payload)
        if allowed:
            allow = ", ".join(sorted(set(allowed)))
            return _Answer(
                HTTPStatus.METHOD_NOT_ALLOWED, {"error": f"use {allow}"}, {"Allow": allow}
            )
        return _Answer(HTTPStatus.NOT_FOUND, {"error": f"no resource at {path}"})

    def _send(self, answer: _Answer) -> None:
        body = json.dumps(answer.payload, separators=(",", ":")).encode()
        self.send_response(answer.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header(REQUEST_ID_HEADER, self.request_id)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    # http.server logs to stderr on its own; our access line above replaces that.
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return

    def log_message(self, format: str, *args: Any) -> None:
        log.warning(format, *args, extra={"fields": {"client": self.client_address[0]}})


def make_server(
    host: str,
    port: int,
    handler: type[JsonApiHandler],
    *,
    service: str,
    version: str,
    state: Any = None,
) -> ApiServer:
    """Bind a server (``port`` 0 picks a free one: read it back from ``server_address``)."""
    return ApiServer((host, port), handler, service=service, version=version, state=state)
