"""Live run status and logs as server-sent events.

``GET /api/runs/{id}/events`` streams the run's state changes and ``GET
/api/runs/{id}/logs/stream`` its log lines (secrets already masked by the store), each as
``text/event-stream``. Every message carries the store's id, so a browser's EventSource
that reconnects sends ``Last-Event-ID`` and resumes where it stopped, with nothing lost or
repeated. The stream reads the store, not the engine's memory, so it works from any server
process and after a restart; it ends once the run is finished and everything is sent.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import StreamingResponse

from shipyard.domain.access import Permission
from shipyard.server.auth import Guard
from shipyard.store.access import Principal
from shipyard.store.sql import SqlStore

POLL_S = 0.25
KEEPALIVE_S = 15.0


def _message(kind: str, ident: int, data: dict[str, Any]) -> str:
    return f"id: {ident}\nevent: {kind}\ndata: {json.dumps(data, default=str)}\n\n"


def stream(
    fetch: Callable[[int], Sequence[Any]],
    finished: Callable[[], bool],
    kind: Callable[[Any], str],
    after: int,
    poll_s: float = POLL_S,
) -> Iterator[str]:
    """Messages for everything after ``after``; a comment now and then to keep proxies
    from closing an idle stream; ``event: end`` once the run is finished and drained."""
    quiet_since = time.monotonic()
    while True:
        done = finished()  # read before the fetch: what a finished run wrote is all there
        batch = fetch(after)
        for item in batch:
            after = int(item.id)
            yield _message(kind(item), after, asdict(item))
        if batch:
            quiet_since = time.monotonic()
            continue
        if done:
            yield _message("end", after, {})
            return
        if time.monotonic() - quiet_since > KEEPALIVE_S:
            quiet_since = time.monotonic()
            yield ": still running\n\n"
        time.sleep(poll_s)


def _after(request: Request, after: int) -> int:
    last = request.headers.get("last-event-id", "")
    return int(last) if last.isdigit() else after


def add_routes(app: FastAPI, store: SqlStore, guard: Guard) -> None:
    read = Depends(guard.need(Permission.READ))

    def finished_of(run_id: int) -> Callable[[], bool]:
        def finished() -> bool:
            run = store.get_run(run_id)
            return run is None or run.status.final

        return finished

    def need(run_id: int) -> None:
        if store.get_run(run_id) is None:
            raise HTTPException(404, f"run {run_id} does not exist")

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}

    @app.get("/api/runs/{run_id}/events", tags=["runs"])
    def run_events(
        run_id: int, request: Request, after: int = 0, who: Principal = read
    ) -> StreamingResponse:
        """The run's state changes as server-sent events (``event:`` is the kind)."""
        need(run_id)
        messages = stream(
            lambda a: store.events_after(run_id, a, limit=500),
            finished_of(run_id),
            lambda e: str(e.kind),
            _after(request, after),
        )
        return StreamingResponse(messages, media_type="text/event-stream", headers=headers)

    @app.get("/api/runs/{run_id}/logs/stream", tags=["runs"])
    def log_stream(
        run_id: int, request: Request, after: int = 0, who: Principal = read
    ) -> StreamingResponse:
        """The run's log lines as server-sent events (``event: log``), masked as stored."""
        need(run_id)
        messages = stream(
            lambda a: store.logs(run_id, after=a),
            finished_of(run_id),
            lambda _line: "log",
            _after(request, after),
        )
        return StreamingResponse(messages, media_type="text/event-stream", headers=headers)
