"""``python -m fabrikam_workflow``: serve on $PORT until SIGTERM, logging JSON lines.

On SIGTERM (what Kubernetes sends first) the server stops accepting, lets the requests in
flight finish and the process exits 0.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import threading
from datetime import UTC, datetime
from types import FrameType

from fabrikam_workflow import SERVICE
from fabrikam_workflow.api import WorkflowServer, build_server

log = logging.getLogger("fabrikam.serving")
LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
}


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "service": SERVICE,
            "message": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, separators=(",", ":"))


def serve(server: WorkflowServer) -> int:
    def stop(signum: int, _frame: FrameType | None) -> None:
        log.info("stopping", extra={"fields": {"signal": signal.Signals(signum).name}})
        # shutdown() waits for serve_forever(), which runs on this thread: call it elsewhere.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    host, port = server.server_address[:2]
    log.info("listening", extra={"fields": {"host": host, "port": port, "version": server.version}})
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    log.info("stopped")
    return 0


def main() -> int:
    port, level = os.environ.get("PORT", "8080"), os.environ.get("LOG_LEVEL", "info").lower()
    if not port.isdigit() or int(port) > 65535:
        print(f"{SERVICE}: PORT must be a number from 0 to 65535, not {port!r}", file=sys.stderr)
        return 2
    if level not in LEVELS:
        print(f"{SERVICE}: LOG_LEVEL must be one of {', '.join(LEVELS)}", file=sys.stderr)
        return 2
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonLines())
    logging.basicConfig(level=LEVELS[level], handlers=[handler], force=True)
    # Inside a container the service must listen on every interface to be reachable.
    host = os.environ.get("HOST", "0.0.0.0")  # noqa: S104
    return serve(build_server(host, int(port), version=os.environ.get("APP_VERSION") or "dev"))


if __name__ == "__main__":
    sys.exit(main())
