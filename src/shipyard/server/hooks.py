"""The webhook endpoint: ``POST /hooks/{github|gitlab|azure}``.

In this order, so that a forged or oversized delivery costs almost nothing: a body over
``server.max_body_bytes`` gets 413 (by its Content-Length, else while it is read, never
buffered whole); the provider's proof (HMAC signature, token, Basic password) is checked on
the raw bytes and a wrong or missing one gets 401 before any parsing; then the JSON is read
for the delivery id and event name, and the delivery is stored. Only then the answer:
202 for a new delivery, 200 for a replay (stored once, run once). Planning and starting
runs happen in the dispatcher, after the answer, well inside the providers' 10 s deadline.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from shipyard.domain import webhooks
from shipyard.store.webhooks import Deliveries


class _TooLarge(Exception):
    pass


async def _body(request: Request, cap: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise _TooLarge
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap:
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def add_routes(
    app: FastAPI,
    deliveries: Deliveries,
    secrets: Mapping[str, str],
    cap: int,
    wake: Callable[[], None],
) -> None:
    @app.post("/hooks/{provider}", tags=["webhooks"], status_code=202)
    async def hook(provider: str, request: Request) -> JSONResponse:
        """A provider's delivery: verified, stored, then answered."""
        if provider not in webhooks.PROVIDERS:
            return JSONResponse({"error": f"unknown provider {provider!r}"}, status_code=404)
        try:
            body = await _body(request, cap)
        except _TooLarge:
            return JSONResponse({"error": f"the body is over {cap} bytes"}, status_code=413)
        headers = dict(request.headers)
        if not webhooks.verify(provider, secrets.get(provider, ""), body, headers):
            return JSONResponse(
                {"error": f"the {provider} signature or token is missing or wrong"},
                status_code=401,
            )
        try:
            data = webhooks.load(body)
        except webhooks.BadDelivery as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        delivery = webhooks.delivery_id(provider, headers, data)
        if not delivery:  # a provider that names none: its bytes are its identity
            delivery = "sha256:" + hashlib.sha256(body).hexdigest()
        event = webhooks.event_name(provider, headers, data)
        # The store is synchronous: off the event loop, so that one slow commit does not
        # hold up every other delivery being read and verified meanwhile.
        row, new = await run_in_threadpool(deliveries.accept, provider, delivery, event, body)
        if not new:
            return JSONResponse({"delivery": row, "duplicate": True}, status_code=200)
        wake()
        return JSONResponse({"delivery": row, "queued": True}, status_code=202)
