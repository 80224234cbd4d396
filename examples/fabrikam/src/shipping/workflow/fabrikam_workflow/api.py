"""The workflow HTTP API on the standard library alone.

This service keeps its own few lines of HTTP plumbing instead of importing
``src/shipping/common``: it stays independent of the shared library, and its pipeline is
not triggered by changes there.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from decimal import Decimal
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast
from urllib.parse import urlsplit

from fabrikam_workflow import SERVICE
from fabrikam_workflow.quote import SIZES, NoCarrier, quote

access_log = logging.getLogger("fabrikam.access")
log = logging.getLogger("fabrikam.http")

MAX_BODY_BYTES = 16 * 1024
_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


class Refused(Exception):
    def __init__(self, status: HTTPStatus, message: str, details: list[str] | None = None):
        super().__init__(message)
        self.status = status
        self.payload: dict[str, Any] = {"error": message}
        if details:
            self.payload["details"] = details


class WorkflowServer(ThreadingHTTPServer):
    """Waits for requests in flight on close (no daemon threads), for a graceful stop."""

    daemon_threads = False
    block_on_close = True

    def __init__(self, address: tuple[str, int], *, version: str) -> None:
        super().__init__(address, WorkflowHandler)
        self.version = version


def _health(handler: WorkflowHandler) -> Any:
    return {"status": "ok", "service": SERVICE, "version": handler.workflow_server.version}


def _workflow(handler: WorkflowHandler) -> Any:
    package, delivery = _parse(handler.read_json())
    try:
        result = quote(
            package["size"],
            package["weightKg"],
            delivery["distanceKm"],
            expedited=delivery["expedited"],
        )
    except NoCarrier as err:
        raise Refused(HTTPStatus.UNPROCESSABLE_ENTITY, str(err)) from None
    return {
        "packageId": package.get("id"),
        "deliveryId": delivery.get("id"),
        "carrier": result.carrier,
        "priceCents": result.price_cents,
        "etaMinutes": result.eta_minutes,
    }


ROUTES: dict[str, dict[str, Callable[[WorkflowHandler], Any]]] = {
    "/health": {"GET": _health},
    "/api/workflow": {"POST": _workflow},
}


def _positive(part: dict[str, Any], name: str) -> bool:
    value = part.get(name)
    return not isinstance(value, bool) and isinstance(value, int | Decimal) and value > 0


def _parse(doc: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Check the body; every problem is named in one 400 answer."""
    problems: list[str] = []
    package = doc.get("package") if isinstance(doc, dict) else None
    delivery = doc.get("delivery") if isinstance(doc, dict) else None
    if isinstance(package, dict):
        if package.get("size") not in SIZES:
            problems.append(f"package.size: must be one of {', '.join(SIZES)}")
        if not _positive(package, "weightKg"):
            problems.append("package.weightKg: must be a number greater than 0")
    else:
        problems.append("package: must be an object with size and weightKg")
    if isinstance(delivery, dict):
        if not _positive(delivery, "distanceKm"):
            problems.append("delivery.distanceKm: must be a number greater than 0")
        if not isinstance(delivery.get("expedited", False), bool):
            problems.append("delivery.expedited: must be true or false")
    else:
        problems.append("delivery: must be an object with distanceKm")
    if problems:
        raise Refused(HTTPStatus.BAD_REQUEST, "invalid workflow request", problems)
    assert isinstance(package, dict) and isinstance(delivery, dict)
    return (
        {**package, "weightKg": Decimal(package["weightKg"])},
        {
            **delivery,
            "distanceKm": Decimal(delivery["distanceKm"]),
            "expedited": delivery.get("expedited", False),
        },
    )


class WorkflowHandler(BaseHTTPRequestHandler):
    server_version = "fabrikam"
    sys_version = ""
    request_id = ""

    @property
    def workflow_server(self) -> WorkflowServer:
        return cast(WorkflowServer, self.server)

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def read_json(self) -> Any:
        if (self.headers.get("Content-Type") or "").split(";")[0].strip() != "application/json":
            raise Refused(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "the body must be application/json")
        length = self.headers.get("Content-Length", "")
        if not length.isdigit():
            raise Refused(HTTPStatus.LENGTH_REQUIRED, "a Content-Length header is required")
        if int(length) > MAX_BODY_BYTES:
            raise Refused(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "the body is too large")
        try:
            # Decimal, not float: prices are computed exactly from what the client wrote.
            return json.loads(self.rfile.read(int(length)), parse_float=Decimal)
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise Refused(HTTPStatus.BAD_REQUEST, f"the body is not valid JSON: {err}") from None

    def _dispatch(self) -> None:
        started = time.perf_counter()
        incoming = self.headers.get("X-Request-ID") or ""
        self.request_id = incoming if _REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        path = urlsplit(self.path).path
        headers: dict[str, str] = {}
        try:
            methods = ROUTES.get(path)
            if methods is None:
                raise Refused(HTTPStatus.NOT_FOUND, f"no resource at {path}")
            action = methods.get(self.command)
            if action is None:
                headers["Allow"] = ", ".join(methods)
                raise Refused(HTTPStatus.METHOD_NOT_ALLOWED, f"use {headers['Allow']}")
            status, payload = HTTPStatus.OK, action(self)
        except Refused as refused:
            status, payload = refused.status, refused.payload
        except Exception:
            log.exception("unhandled error", extra={"fields": {"requestId": self.request_id}})
            status, payload = HTTPStatus.INTERNAL_SERVER_ERROR, {"error": "internal error"}
        self._send(status, payload, headers)
        access_log.info(
            "%s %s %d",
            self.command,
            path,
            status,
            extra={
                "fields": {
                    "requestId": self.request_id,
                    "method": self.command,
                    "path": path,
                    "status": int(status),
                    "durationMs": round((time.perf_counter() - started) * 1000, 2),
                }
            },
        )

    def _send(self, status: HTTPStatus, payload: Any, headers: dict[str, str]) -> None:
        body = json.dumps(payload, separators=(",", ":")).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Request-ID", self.request_id)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return  # the access line above replaces http.server's own

    def log_message(self, format: str, *args: Any) -> None:
        log.warning(format, *args)


def build_server(host: str, port: int, *, version: str) -> WorkflowServer:
    """A server bound to ``host:port`` (0 picks a free port)."""
    return WorkflowServer((host, port), version=version)
