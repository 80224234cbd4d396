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
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from shipyard.adapters.shell import group_has_token, kill_group
from shipyard.adapters.workers import WorkerProcess
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
        self._workers: list[WorkerProcess] = []
        self._lock = threading.Lock()
        self._wake: Callable[[], None] = lambda: None
        self._closing = False
        self._count = 0

    def start(self, wake: Callable[[], None]) -> None:
        self._wake = wake
        for _ in range(self.size):
            self._spawn()

    def _spawn(self) -> None:
        self._count += 1
        name = f"local-{os.getpid()}-{self._count}"
        argv = [
            sys.executable,
            "-m",
            "shipyard.executor.worker",
            "--name",
            name,
            "--engine",
            self.engine_id,
            "--work-root",
            str(self.work_root),
        ]
        env = {**os.environ, **self.store_env}
        worker = WorkerProcess(argv, env, self.log_dir / "workers.log", self._wake, self._lost)
        with self._lock:
            self._workers.append(worker)

    def _lost(self, worker: WorkerProcess) -> None:
        with self._lock:
            if worker in self._workers:
                self._workers.remove(worker)
        if not self._closing:
            self._wake()  # its job's lease will expire; the engine checks
            self._spawn()

    def dispatch(self, job: JobSpec) -> None:
        self._poke_all()

    def cancel(self, job_id: int) -> None:
        self._poke_all()

    def _poke_all(self) -> None:
        with self._lock:
            workers = list(self._workers)
        for worker in workers:
            worker.poke()

    def reap(self, jobs: Sequence[QueuedJob]) -> None:
        host = this_host()
        for job in jobs:
            if job.host != host:
                continue
            for pgid in job.pgids:
                if group_has_token(pgid, job.token):
                    kill_group(pgid)

    def close(self) -> None:
        self._closing = True
        with self._lock:
            workers = list(self._workers)
        for worker in workers:
            worker.stop()
