"""``shipyard serve``: one process holding the run engine (with its local workers), the
webhook dispatcher and the HTTP server, in the foreground or beside another command.

:func:`serve` runs until interrupted; :func:`start_background` is the same server in a
thread, which ``shipyard demo`` starts so that the flow it runs can be watched in a browser
while it runs. A busy port is not an error there: the server takes a free one and says so.
A store with no user gets a first admin, whose token goes to a private file.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from shipyard.domain.access import Role
from shipyard.flow.run.spec import RunRequest
from shipyard.server.app import create_app, git_root
from shipyard.server.context import ServerContext
from shipyard.server.pulls import PullRequestService
from shipyard.store.access import Access
from shipyard.store.webhooks import Deliveries


def token_file() -> Path:
    """Where the first admin's token is left (mode 0600, beside the store)."""
    from shipyard.platform.paths import PlatformPaths

    return PlatformPaths.from_env().data.parent / "server" / "admin-token"


def first_admin(access: Access, where: Callable[[], Path]) -> Path | None:
    """A store with no user gets an admin, whose token goes to a private file: a fresh server
    is never open to everyone, and its owner can still sign in."""
    if access.has_users():
        return None
    token_id, token = access.create_token("admin", Role.ADMIN, "made by the first serve")
    access.audit("serve", "token.create", "admin", role="admin", token_id=token_id)
    path = where()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(token + "\n")
    return path


def port_free(host: str, port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


@dataclass
class Running:
    url: str
    server: uvicorn.Server
    stop_parts: Callable[[], None]
    thread: threading.Thread | None = None

    def stop(self) -> None:
        self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(30)
        self.stop_parts()


def _build(host: str, port: int, say: Callable[[str], None]) -> Running:
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
    holder: list[PullRequestService] = []
    dispatcher = Dispatcher(
        Deliveries(svc.store.engine),
        repositories,
        lambda path: GitCli(Path(path)),
        submit,
        settings.warnings_as_errors,
        on_push=lambda repository, ref: holder[0].on_push(repository, ref),
    )
    app = create_app(svc.store, secrets, settings.server.max_body_bytes, dispatcher.wake, ctx)
    holder.append(app.state.pulls)
    dispatcher.start()
    url = f"http://{host}:{port}"
    say(f"Shipyard serves {url}/ (API docs: {url}/api/docs)")
    first = first_admin(app.state.access, token_file) or (
        token_file() if token_file().is_file() else None
    )
    if first:
        say(f"  sign in   the first admin's token is in {first} (shipyard token create: more)")
    else:
        say("  sign in   with a token from `shipyard token create --user NAME --role viewer`")
    say(f"  git       {root}/NAME.git: a push runs pipelines (shipyard repo create NAME)")
    for provider in ("github", "gitlab", "azure"):
        state = "verified with its secret" if provider in secrets else "refused (no secret set)"
        say(f"  webhooks  {url}/hooks/{provider}: {state}")
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))

    def stop_parts() -> None:
        dispatcher.stop()
        svc.stop()

    return Running(url, server, stop_parts)


def serve(host: str, port: int, say: Callable[[str], None]) -> None:
    """Run until interrupted (Ctrl-C, SIGTERM); the engine then releases waiting runs."""
    running = _build(host, port, say)
    try:
        running.server.run()
    finally:
        running.stop_parts()


def start_background(host: str, port: int, say: Callable[[str], None]) -> Running:
    """The server in a thread of this process, on ``port`` or, when it is taken, a free one."""
    if not port_free(host, port):
        with socket.socket() as s:
            s.bind((host, 0))
            taken, port = port, int(s.getsockname()[1])
        say(f"port {taken} is taken (another shipyard serve?); this one uses {port}")
    running = _build(host, port, say)
    running.thread = threading.Thread(target=running.server.run, name="serve", daemon=True)
    running.thread.start()
    deadline = time.monotonic() + 30
    while not running.server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    return running
