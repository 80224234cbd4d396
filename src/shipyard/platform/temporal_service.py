"""The embedded Temporal for the ``temporal`` executor: the Temporal CLI's dev server.

Started by ``shipyard platform up`` only when ``executor.kind = "temporal"`` and no
``executor.temporal_address`` names a server of the user's own. It is detached with its PID
recorded like the registry, listens on loopback (``executor.temporal_port``; its HTTP API and
metrics on the two ports after it), has no web UI, and keeps its workflows in a SQLite file
under the platform's data directory, so that a restart resumes the jobs in flight.
"""

from __future__ import annotations

import time

from shipyard.platform import state
from shipyard.platform.catalog import tool
from shipyard.platform.deps import Adapters
from shipyard.platform.errors import PlatformError, PortTaken
from shipyard.platform.install import binary
from shipyard.platform.paths import PlatformPaths
from shipyard.platform.progress import Progress
from shipyard.platform.settings import ExecutorSettings
from shipyard.platform.topology import LOOPBACK

COMPONENT = "temporal"
START_TIMEOUT = 60.0


class TemporalService:
    def __init__(
        self,
        paths: PlatformPaths,
        settings: ExecutorSettings,
        adapters: Adapters,
        progress: Progress,
    ) -> None:
        self.paths = paths
        self.settings = settings
        self.adapters = adapters
        self.progress = progress

    @property
    def port(self) -> int:
        return self.settings.temporal_port

    def running_pid(self) -> int | None:
        record = state.read(self.paths, COMPONENT)
        if record is not None and state.liveness(record, self.adapters.daemons) == "running":
            return record.pid
        return None

    def ensure(self) -> None:
        with self.progress.step(f"temporal {LOOPBACK}:{self.port}") as step:
            pid = self.running_pid()
            if pid is not None and self.adapters.net.accepts(LOOPBACK, self.port):
                step.skip(f"running, pid {pid}")
                return
            if pid is not None:
                self.stop()
            state.remove(self.paths, COMPONENT)
            if not self.adapters.net.is_free(LOOPBACK, self.port):
                raise PortTaken(
                    COMPONENT,
                    f"{LOOPBACK}:{self.port} is taken by another program",
                    hint="stop it, or move the embedded Temporal: set executor.temporal_port "
                    "or SHIPYARD_EXECUTOR_TEMPORAL_PORT",
                )
            step.detail(f"pid {self._start()}")

    def _start(self) -> int:
        db = self.paths.data / "temporal" / "temporal.db"
        db.parent.mkdir(parents=True, exist_ok=True)
        exe = binary(self.paths, tool("temporal"))
        argv = [
            str(exe),
            "server",
            "start-dev",
            "--headless",
            "--ip",
            LOOPBACK,
            "--port",
            str(self.port),
            "--http-port",
            str(self.port + 1),
            "--metrics-port",
            str(self.port + 2),
            "--db-filename",
            str(db),
            "--log-level",
            "warn",
        ]
        proc = self.adapters.daemons.spawn(argv, log_path=self.paths.log(COMPONENT))
        state.write(self.paths, COMPONENT, proc)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.adapters.net.accepts(LOOPBACK, self.port):
                return proc.pid
            if not self.adapters.daemons.alive(proc.pid):
                break
            time.sleep(0.2)
        if self.adapters.daemons.alive(proc.pid):
            self.adapters.daemons.terminate(proc.pid)
        state.remove(self.paths, COMPONENT)
        raise PlatformError(
            COMPONENT,
            f"the Temporal dev server did not listen on {LOOPBACK}:{self.port} "
            f"within {START_TIMEOUT:.0f} s",
            hint=f"see {self.paths.log(COMPONENT)}",
        )

    def stop(self) -> bool:
        record = state.read(self.paths, COMPONENT)
        if record is None:
            return False
        stopped = False
        if state.liveness(record, self.adapters.daemons) == "running":
            stopped = self.adapters.daemons.terminate(record.pid, record.start_ticks)
        state.remove(self.paths, COMPONENT)
        return stopped
