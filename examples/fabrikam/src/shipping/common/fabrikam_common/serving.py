"""Process settings from the environment, and serving until SIGTERM.

Kubernetes stops a pod with SIGTERM and, after the grace period, SIGKILL. On SIGTERM the
server stops accepting connections, lets the requests in flight finish, and the process
exits 0, so a rolling update loses no request that had already arrived.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from types import FrameType

from fabrikam_common.jsonhttp import ApiServer
from fabrikam_common.logs import parse_level

log = logging.getLogger("fabrikam.serving")

DEFAULT_PORT = 8080
# Inside a container the service must listen on every interface to be reachable.
DEFAULT_HOST = "0.0.0.0"  # noqa: S104


@dataclass(frozen=True)
class ServiceConfig:
    """What a service reads from its environment: PORT, HOST, APP_VERSION, LOG_LEVEL."""

    service: str
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    version: str = "dev"
    log_level: int = logging.INFO

    @classmethod
    def from_env(cls, service: str, env: Mapping[str, str] | None = None) -> ServiceConfig:
        """Read the settings; a bad value raises ValueError naming the variable."""
        env = os.environ if env is None else env
        raw_port = env.get("PORT", str(DEFAULT_PORT))
        if not raw_port.isdigit() or int(raw_port) > 65535:
            raise ValueError(f"PORT must be a number from 0 to 65535, not {raw_port!r}")
        return cls(
            service=service,
            host=env.get("HOST", DEFAULT_HOST),
            port=int(raw_port),
            version=env.get("APP_VERSION", "dev") or "dev",
            log_level=parse_level(env.get("LOG_LEVEL", "info")),
        )


def serve_until_signalled(server: ApiServer) -> int:
    """Serve until SIGTERM or SIGINT, then drain and return the exit code (0).

    Must run on the main thread (Python delivers signals there). ``shutdown()`` waits for
    the serve loop, which runs on this very thread, so the handler asks another thread to
    call it.
    """

    def stop(signum: int, _frame: FrameType | None) -> None:
        log.info("stopping", extra={"fields": {"signal": signal.Signals(signum).name}})
        threading.Thread(target=server.shutdown, name="shutdown", daemon=True).start()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    host, port = server.server_address[:2]
    log.info(
        "listening",
        extra={"fields": {"host": host, "port": port, "version": server.version}},
    )
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()  # joins the request threads still running
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    log.info("stopped")
    return 0
