"""An executor whose workers are threads of this process, for tests and benchmarks.

Jobs still go through the store exactly as with worker processes (claim, reports, logs):
only the process boundary is missing, so the engine cannot tell the difference.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from shipyard.executor.job import JobRunner
from shipyard.executor.worker import Worker
from shipyard.flow.run.records import QueuedJob
from shipyard.flow.run.spec import JobSpec
from shipyard.ports import JobQueue


class ThreadExecutor:
    def __init__(
        self,
        queue: JobQueue,
        make_runner: Callable[[Callable[[], None]], JobRunner],
        *,
        engine_id: str | None = None,
        workers: int = 2,
    ) -> None:
        self.queue = queue
        self.make_runner = make_runner
        self.engine_id = engine_id
        self.size = workers
        self._stop = threading.Event()
        self._workers: list[Worker] = []
        self._threads: list[threading.Thread] = []

    def start(self, wake: Callable[[], None]) -> None:
        for n in range(self.size):
            worker = Worker(
                self.queue,
                self.make_runner(wake),
                f"thread-{n}",
                self.engine_id,
                parent_gone=self._stop,
            )
            thread = threading.Thread(target=worker.run_forever, daemon=True)
            self._workers.append(worker)
            self._threads.append(thread)
            thread.start()

    def dispatch(self, job: JobSpec) -> None:
        self._poke()

    def cancel(self, job_id: int) -> None:
        self._poke()

    def _poke(self) -> None:
        for worker in self._workers:
            worker.poked.set()

    def reap(self, jobs: Sequence[QueuedJob]) -> None:
        return None

    def close(self) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.poked.set()
        for thread in self._threads:
            thread.join(timeout=30)
