"""The Temporal workers a service starts on its own machine (``executor.local_workers``).

With the embedded Temporal, ``shipyard demo`` and ``shipyard serve`` need someone to take
the jobs: they start ``shipyard worker`` processes for the ``local`` pool, as the local
executor starts its pool. Each one stops when its standard input closes, so they end with
the service, even when it is killed with -9; one that dies is replaced.
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

from shipyard.adapters.workers import WorkerProcess


class LocalTemporalWorkers:
    def __init__(
        self,
        count: int,
        address: str,
        namespace: str,
        store_env: dict[str, str],
        log_dir: Path,
        prefix: str,
    ) -> None:
        self.count = count
        self.address = address
        self.namespace = namespace
        self.store_env = store_env
        self.log_dir = log_dir
        self.prefix = prefix
        self._workers: list[WorkerProcess] = []
        self._lock = threading.Lock()
        self._closing = False
        self._spawned = 0

    def start(self) -> None:
        for _ in range(self.count):
            self._spawn()

    def _spawn(self) -> None:
        self._spawned += 1
        argv = [
            sys.executable,
            "-m",
            "shipyard.executor.temporal_worker",
            "--address",
            self.address,
            "--namespace",
            self.namespace,
            "--name",
            f"{self.prefix}-{self._spawned}",
            "--until-stdin-closes",
        ]
        worker = WorkerProcess(
            argv,
            {**os.environ, **self.store_env},
            self.log_dir / "temporal-workers.log",
            lambda: None,
            self._lost,
        )
        with self._lock:
            self._workers.append(worker)

    def _lost(self, worker: WorkerProcess) -> None:
        with self._lock:
            if worker in self._workers:
                self._workers.remove(worker)
        if not self._closing:
            self._spawn()

    def close(self) -> None:
        self._closing = True
        with self._lock:
            workers = list(self._workers)
        for worker in workers:
            worker.stop()
