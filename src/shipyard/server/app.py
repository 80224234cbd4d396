"""The server's composition: the FastAPI app, the engine that runs what webhooks start, the
dispatcher between them, and uvicorn on loopback.

:func:`create_app` is the app alone over a store (tests and the benchmark start it on a free
port); :func:`serve` is ``shipyard serve``: one process holding the run engine (with its
local workers), the webhook dispatcher and the HTTP server.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from shipyard.flow.run.spec import RunRequest
from shipyard.server import api, hooks, live, ui
from shipyard.store.sql import SqlStore
from shipyard.store.webhooks import Deliveries


def create_app(
    store: SqlStore,
    secrets: Mapping[str, str],
    max_body_bytes: int,
    wake: Callable[[], None] = lambda: None,
) -> FastAPI:
    app = FastAPI(
        title="Shipyard",
        summary="CI/CD for microservice monorepos on Kubernetes",
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
        redoc_url=None,
    )
    deliveries = Deliveries(store.engine)
    hooks.add_routes(app, deliveries, secrets, max_body_bytes, wake)
    api.add_routes(app, store, deliveries)
    live.add_routes(app, store)
    ui.add_routes(app, store)
    return app


def git_root() -> Path:
    """Where ``shipyard repo create`` makes bare repositories (beside the platform's data)."""
    from shipyard.platform.paths import PlatformPaths

    return PlatformPaths.from_env().data.parent / "git"


def serve(host: str, port: int, say: Callable[[str], None]) -> None:
    """Run until interrupted (Ctrl-C, SIGTERM); the engine then releases waiting runs."""
    from shipyard.adapters.git import GitCli
    from shipyard.adapters.git_remote import bare_repositories
    from shipyard.executor.service import LocalService
    from shipyard.platform import settings as platform_settings
    from shipyard.server.dispatch import Dispatcher

    settings = platform_settings.load()
    svc = LocalService.start()
    secrets = {p: s.reveal() for p, s in settings.server.secrets.items()}

    def submit(request: RunRequest) -> int | None:
        run_id: int | None = svc.engine.submit(request).result(timeout=60)
        return run_id

    root = git_root()

    def repositories() -> dict[str, Path]:
        return {**bare_repositories(root), **settings.server.repositories}

    dispatcher = Dispatcher(
        Deliveries(svc.store.engine),
        repositories,
        lambda path: GitCli(Path(path)),
        submit,
        settings.warnings_as_errors,
    )
    app = create_app(svc.store, secrets, settings.server.max_body_bytes, dispatcher.wake)
    dispatcher.start()
    say(f"Shipyard serves http://{host}:{port}/ (API docs: http://{host}:{port}/api/docs)")
    say(f"  git       {root}/NAME.git: a push runs pipelines (shipyard repo create NAME)")
    for provider in ("github", "gitlab", "azure"):
        state = "verified with its secret" if provider in secrets else "refused (no secret set)"
        say(f"  webhooks  http://{host}:{port}/hooks/{provider}: {state}")
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning")
    finally:
        dispatcher.stop()
        svc.stop()
