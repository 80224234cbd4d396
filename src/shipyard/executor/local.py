"""The local executor: jobs run on this machine by a pool of warm worker processes.

The engine queues a job in the store and calls :meth:`LocalExecutor.dispatch`, which only
rings the workers; whichever is idle claims the job from the store. A worker that dies is
replaced, and the engine notices the lost job by its lease. :meth:`reap` kills what is left
of jobs whose engine died (process groups recorded in the store, checked against the job's
token so that a recycled process id is never killed by mistake).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from shipyard.adapters.shell import group_has_token, kill_group
from shipyard.adapters.workers import WorkerPool
from shipyard.flow.run.records import QueuedJob
from shipyard.flow.run.recovery import this_host
from shipyard.flow.run.spec import JobSpec


def default_work_root(env: dict[str, str] | None = None) -> Path:
    env = dict(os.environ if env is None else env)
    if env.get("SHIPYARD_WORK_DIR"):
        return Path(env["SHIPYARD_WORK_DIR"])
    cache = env.get("XDG_CACHE_HOME") or str(Path(env.get("HOME") or Path.home()) / ".cache")
    return Path(cache) / "shipyard" / "work"


class LocalExecutor:
    def __init__(
        self,
        engine_id: str,
        store_env: dict[str, str],
        *,
        workers: int = 2,
        work_root: Path | None = None,
        log_dir: Path | None = None,
    ) -> None:
        self.engine_id = engine_id
        self.store_env = store_env
        self.size = max(1, workers)
        self.work_root = work_root or default_work_root()
        self.log_dir = log_dir or self.work_root.parent / "logs"
        self._pool: WorkerPool | None = None

    def start(self, wake: Callable[[], None]) -> None:
        pid = os.getpid()

        def argv(n: int) -> list[str]:
            return [
                sys.executable,
                "-m",
                "shipyard.executor.worker",
                "--name",
                f"local-{pid}-{n}",
                "--engine",
                self.engine_id,
                "--work-root",
                str(self.work_root),
            ]

        # A lost worker's job lease will expire: wake the engine so that it checks.
        self._pool = WorkerPool(
            argv, {**os.environ, **self.store_env}, self.log_dir / "workers.log", wake, wake
        )
        self._pool.start(self.size)

    def dispatch(self, job: JobSpec) -> None:
        self._poke_all()

    def cancel(self, job_id: int) -> None:
        self._poke_all()

    def _poke_all(self) -> None:
        if self._pool is not None:
            self._pool.poke_all()

    def reap(self, jobs: Sequence[QueuedJob]) -> None:
        host = this_host()
        for job in jobs:
            if job.host != host:
                continue
            for pgid in job.pgids:
                if group_has_token(pgid, job.token):
                    kill_group(pgid)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.stop()
