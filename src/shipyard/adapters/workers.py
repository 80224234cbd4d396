"""Worker processes of the local executor, and the doorbells between them and the engine.

Each worker is ``python -m shipyard.executor.worker``. Jobs and results travel through the
store; the pipes only carry wake-up calls, so nothing is lost if one is missed (both sides
also poll). The engine writes a line to a worker's stdin when a job was queued or a cancel
asked for; a worker writes a line to its stdout after it stored a report. When the engine's
process dies, even by ``kill -9``, the workers' stdin reaches end-of-file: they cancel what
they were running and exit.
"""

from __future__ import annotations

import contextlib
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path


class WorkerProcess:
    def __init__(
        self,
        argv: Sequence[str],
        env: Mapping[str, str],
        log: Path,
        on_ring: Callable[[], None],
        on_exit: Callable[[WorkerProcess], None],
    ) -> None:
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("ab") as err:
            self._proc = subprocess.Popen(
                list(argv),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=err,
                env=dict(env),
                close_fds=True,
            )
        self._lock = threading.Lock()
        self._on_ring = on_ring
        self._on_exit = on_exit
        self._reader = threading.Thread(target=self._read, name="worker-doorbell", daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        return self._proc.pid

    def alive(self) -> bool:
        return self._proc.poll() is None

    def poke(self) -> None:
        with self._lock, contextlib.suppress(OSError, ValueError):
            assert self._proc.stdin is not None
            self._proc.stdin.write(b"p\n")
            self._proc.stdin.flush()

    def _read(self) -> None:
        assert self._proc.stdout is not None
        with self._proc.stdout:
            for _line in self._proc.stdout:
                self._on_ring()
        self._proc.wait()
        self._on_exit(self)

    def stop(self, timeout: float = 10.0) -> None:
        """Close stdin (the worker finishes and exits), then kill it if it lingers."""
        with self._lock, contextlib.suppress(OSError, ValueError):
            assert self._proc.stdin is not None
            self._proc.stdin.close()
        try:
            self._proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._reader.join(timeout)


class WorkerPool:
    """Worker processes kept at a number: one that dies is replaced until :meth:`stop`.

    ``argv`` makes the command of the n-th worker started (1, 2, ...); ``on_lost`` runs
    after a worker died and before its replacement starts.
    """

    def __init__(
        self,
        argv: Callable[[int], Sequence[str]],
        env: Mapping[str, str],
        log: Path,
        on_ring: Callable[[], None],
        on_lost: Callable[[], None] = lambda: None,
    ) -> None:
        self._argv = argv
        self._env = dict(env)
        self._log = log
        self._on_ring = on_ring
        self._on_lost = on_lost
        self._workers: list[WorkerProcess] = []
        self._lock = threading.Lock()
        self._closing = False
        self._count = 0

    def start(self, size: int) -> None:
        for _ in range(size):
            self._spawn()

    def _spawn(self) -> None:
        self._count += 1
        worker = WorkerProcess(
            self._argv(self._count), self._env, self._log, self._on_ring, self._lost
        )
        with self._lock:
            self._workers.append(worker)

    def _lost(self, worker: WorkerProcess) -> None:
        with self._lock:
            if worker in self._workers:
                self._workers.remove(worker)
        if not self._closing:
            self._on_lost()
            self._spawn()

    def poke_all(self) -> None:
        with self._lock:
            workers = list(self._workers)
        for worker in workers:
            worker.poke()

    def stop(self) -> None:
        self._closing = True
        with self._lock:
            workers = list(self._workers)
        for worker in workers:
            worker.stop()
