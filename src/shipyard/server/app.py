"""The server's composition: the FastAPI app, the engine that runs what webhooks start, the
dispatcher between them, and uvicorn on loopback.

:func:`create_app` is the app alone over a store (tests and the benchmark start it on a free
port); :func:`serve` is ``shipyard serve``: one process holding the run engine (with its
local workers), the webhook dispatcher and the HTTP server.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from shipyard.domain.access import Role
from shipyard.flow.run.spec import RunRequest
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
    app.state.pulls, app.state.access = pulls, access
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


def token_file() -> Path:
    """Where ``serve`` leaves the first admin's token (mode 0600, beside the store)."""
    from shipyard.platform.paths import PlatformPaths

    return PlatformPaths.from_env().data.parent / "server" / "admin-token"


def first_admin(access: Access, where: Callable[[], Path]) -> Path | None:
    """A store with no user gets an admin, whose token goes to a private file: a fresh server
    is never open to everyone, and its owner can still sign in."""
    if access.has_users():
        return None
    _id, token = access.create_token("admin", Role.ADMIN, "made by the first shipyard serve")
    access.audit("serve", "token.create", "admin", role="admin", token_id=_id)
    path = where()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(token + "\n")
    return path


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

    def carry_on(run_id: int) -> None:
        svc.engine.adopt_run(run_id)  # a run no engine holds; a live engine sees it itself
        svc.engine.wake()

    root = git_root()

    def repositories() -> dict[str, Path]:
        return {**bare_repositories(root), **settings.server.repositories}

    ctx = ServerContext(
        submit=submit,
        repositories=repositories,
        policies=settings.branch_policies,
        environments=settings.delivery,
        carry_on=carry_on,
    )
    deliveries = Deliveries(svc.store.engine)
    holder: list[PullRequestService] = []
    dispatcher = Dispatcher(
        deliveries,
        repositories,
        lambda path: GitCli(Path(path)),
        submit,
        settings.warnings_as_errors,
        on_push=lambda repository, ref: holder[0].on_push(repository, ref),
    )
    app = create_app(svc.store, secrets, settings.server.max_body_bytes, dispatcher.wake, ctx)
    holder.append(app.state.pulls)
    dispatcher.start()
    say(f"Shipyard serves http://{host}:{port}/ (API docs: http://{host}:{port}/api/docs)")
    first = first_admin(app.state.access, token_file)
    if first:
        say(f"  sign in   the first admin's token is in {first} (shipyard token create makes more)")
    say(f"  git       {root}/NAME.git: a push runs pipelines (shipyard repo create NAME)")
    for provider in ("github", "gitlab", "azure"):
        state = "verified with its secret" if provider in secrets else "refused (no secret set)"
        say(f"  webhooks  http://{host}:{port}/hooks/{provider}: {state}")
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning")
    finally:
        dispatcher.stop()
        svc.stop()
