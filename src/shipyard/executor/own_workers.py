"""The Temporal workers a service starts on its own machine (``executor.local_workers``).

With the embedded Temporal, ``shipyard demo`` and ``shipyard serve`` need someone to take
the jobs: they start ``shipyard worker`` processes for the ``local`` pool, as the local
executor starts its pool. Each one stops when its standard input closes, so they end with
the service, even when it is killed with -9; one that dies is replaced.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from shipyard.adapters.workers import WorkerPool


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

        def argv(n: int) -> list[str]:
            return [
                sys.executable,
                "-m",
                "shipyard.executor.temporal_worker",
                "--address",
                address,
                "--namespace",
                namespace,
                "--name",
                f"{prefix}-{n}",
                "--until-stdin-closes",
            ]

        self._pool = WorkerPool(
            argv, {**os.environ, **store_env}, log_dir / "temporal-workers.log", lambda: None
        )

    def start(self) -> None:
        self._pool.start(self.count)

    def close(self) -> None:
        self._pool.stop()
