"""The server's composition: the FastAPI app, the engine that runs what webhooks start, the
dispatcher between them, and uvicorn on loopback.

:func:`create_app` is the app alone over a store (tests and the benchmark start it on a free
port); :func:`serve` is ``shipyard serve``: one process holding the run engine (with its
local workers), the webhook dispatcher and the HTTP server.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from shipyard.server import api, api_access, api_pulls, hooks, live, ui, ui_access
from shipyard.server.auth import Guard
from shipyard.server.context import ServerContext
from shipyard.server.pulls import PullRequestService
from shipyard.store.access import Access
from shipyard.store.pulls import PullRequests
from shipyard.store.sql import SqlStore
from shipyard.store.webhooks import Deliveries


def create_app(
    store: SqlStore,
    secrets: Mapping[str, str],
    max_body_bytes: int,
    wake: Callable[[], None] = lambda: None,
    ctx: ServerContext | None = None,
) -> FastAPI:
    """The app; ``app.state.pulls`` is its pull request service (the dispatcher tells it
    about pushes) and ``app.state.access`` its users, tokens and audit log."""
    ctx = ctx or ServerContext()
    app = FastAPI(
        title="Shipyard",
        summary="CI/CD for microservice monorepos on Kubernetes",
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
        redoc_url=None,
    )
    deliveries = Deliveries(store.engine)
    access = Access(store.engine)
    guard = Guard(access)
    pulls = PullRequestService(
        PullRequests(store.engine),
        access,
        deliveries,
        ctx.repositories,
        ctx.policies,
        ctx.submit,
        wake,
    )
    app.state.pulls, app.state.access, app.state.ctx = pulls, access, ctx

    @app.exception_handler(OverflowError)
    async def too_large(_request: Request, _exc: OverflowError) -> JSONResponse:
        # An id past 64 bits reaches SQLite only to overflow: it names nothing.
        return JSONResponse({"detail": "no such id: ids are 64-bit numbers"}, status_code=404)

    hooks.add_routes(app, deliveries, secrets, max_body_bytes, wake)
    api.add_routes(app, store, deliveries, guard)
    api_access.add_routes(app, store, access, guard, ctx)
    api_pulls.add_routes(app, guard, pulls)
    live.add_routes(app, store, guard)
    ui_access.add_routes(app, guard)
    ui.add_routes(app, store, guard)
    return app


def git_root() -> Path:
    """Where ``shipyard repo create`` makes bare repositories (beside the platform's data)."""
    from shipyard.platform.paths import PlatformPaths

    return PlatformPaths.from_env().data.parent / "git"
