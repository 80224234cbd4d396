"""A real Temporal dev server and real ``shipyard worker`` processes, per test.

The server is the Temporal CLI's ``server start-dev`` (built by ``shipyard platform up``),
on a free port with its own SQLite file, so a test can kill it with -9 and start it again on
the same port and data. Workers are separate processes, so that killing one is what losing
a build machine is. The engine runs in the test process with the Temporal executor.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pytest

from shipyard.adapters.temporal import TemporalJobs
from shipyard.domain.diagnostics import ShipyardError
from shipyard.executor.service import LocalService
from shipyard.platform import binary
from shipyard.platform.settings import ExecutorSettings
from tests.integration.run.conftest import _free_port, env, make_repo, wait_for

__all__ = ["env", "make_repo"]

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session")
def temporal_binary() -> Path:
    found = binary("temporal")
    if not found.exists():
        pytest.fail(f"{found} is missing: `shipyard platform up` installs the Temporal CLI")
    return found


@dataclass
class DevServer:
    """``temporal server start-dev`` that a test may kill and start again."""

    binary: Path
    root: Path
    port: int = field(default_factory=_free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        with (self.root / "server.log").open("ab") as log:
            self.proc = self._popen(log)
        client = TemporalJobs(self.address)
        try:
            wait_for(lambda: _answers(client), timeout=60, what="Temporal to answer")
        finally:
            client.close()

    def _popen(self, log: IO[bytes]) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [
                str(self.binary),
                "server",
                "start-dev",
                "--headless",
                "--ip",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--http-port",
                str(_free_port()),
                "--metrics-port",
                str(_free_port()),
                "--db-filename",
                str(self.root / "temporal.db"),
                "--log-level",
                "error",
            ],
            stdout=log,
            stderr=log,
            start_new_session=True,
        )

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)


def _answers(client: TemporalJobs) -> bool:
    try:
        client.check()
    except ShipyardError:
        return False
    return True


@pytest.fixture
def temporal(temporal_binary: Path, tmp_path: Path) -> Iterator[DevServer]:
    root = tmp_path / "temporal"
    root.mkdir()
    server = DevServer(temporal_binary, root)
    server.start()
    try:
        yield server
    finally:
        server.kill()


@dataclass
class WorkerProc:
    name: str
    proc: subprocess.Popen[bytes]

    def kill9(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


StartWorker = Callable[..., WorkerProc]


@pytest.fixture
def start_worker(temporal: DevServer, env: dict[str, str], tmp_path: Path) -> Iterator[StartWorker]:
    started: list[WorkerProc] = []
    probe = TemporalJobs(temporal.address)

    def start(name: str, pool: str = "local", *capabilities: str) -> WorkerProc:
        argv = [sys.executable, "-m", "shipyard.executor.temporal_worker"]
        argv += ["--address", temporal.address, "--name", name, "--pool", pool]
        for capability in capabilities:
            argv += ["--capability", capability]
        with (tmp_path / f"worker-{name}.log").open("ab") as log:
            proc = subprocess.Popen(argv, stdout=log, stderr=log, env=dict(os.environ))
        worker = WorkerProc(name, proc)
        started.append(worker)
        queue = f"shipyard/{pool}"
        wait_for(
            lambda: proc.poll() is not None or name in probe.pollers(queue),
            timeout=60,
            what=f"worker {name} to poll {queue}",
        )
        assert proc.poll() is None, (tmp_path / f"worker-{name}.log").read_text()
        return worker

    try:
        yield start
    finally:
        for worker in started:
            worker.stop()
        probe.close()


@pytest.fixture
def service(temporal: DevServer, env: dict[str, str]) -> Iterator[LocalService]:
    settings = ExecutorSettings(
        kind="temporal",
        temporal_address=temporal.address,
        wait_for_worker_seconds=4,
        attempts=3,
        heartbeat_seconds=2,
        local_workers=0,  # each test starts the workers it needs
    )
    svc = LocalService.start(executor_settings=settings)
    try:
        yield svc
    finally:
        svc.stop()


def settle(svc: LocalService, run_id: int, timeout: float = 120.0) -> None:
    wait_for(lambda: svc.engine.settled(run_id), timeout=timeout, what="the run to settle")


def elapsed(since: float) -> float:
    return time.time() - since
