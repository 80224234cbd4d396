"""A worker: claims queued jobs from the store, runs them, reports through the store.

Started by the local executor as ``python -m shipyard.executor.worker --name N --engine E``
with the store's location in its environment; kept warm between jobs so that a trivial run
does not pay Python's start-up. It only runs jobs of the engine that started it (``--engine``)
so that two ``shipyard run`` processes sharing a database never run each other's jobs; a
later remote worker would claim without that filter. Standard output is reserved for
doorbell lines; everything else the worker prints goes to standard error (its log file).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from shipyard.adapters.checkout import GitCheckout
from shipyard.adapters.shell import ShellLauncher
from shipyard.adapters.testresults import XmlTestResults
from shipyard.executor.job import JobRunner
from shipyard.executor.toolbox import task_services
from shipyard.flow.run.recovery import this_host
from shipyard.flow.run.spec import JobSpec
from shipyard.ports import JobQueue
from shipyard.tasks import load_plugins

HEARTBEAT_SECONDS = 10.0
IDLE_POLL_SECONDS = 2.0


class Worker:
    def __init__(
        self,
        queue: JobQueue,
        runner: JobRunner,
        name: str,
        engine_id: str | None,
        *,
        parent_gone: threading.Event | None = None,
        poked: threading.Event | None = None,
    ) -> None:
        self.queue = queue
        self.runner = runner
        self.name = name
        self.engine_id = engine_id
        self.parent_gone = parent_gone or threading.Event()
        self.poked = poked or threading.Event()
        self.host = this_host()

    def run_forever(self) -> None:
        while not self.parent_gone.is_set():
            if not self.run_one():
                self.poked.wait(IDLE_POLL_SECONDS)
                self.poked.clear()

    def run_one(self) -> bool:
        """Claim and run one job; False when there was none."""
        token = uuid.uuid4().hex
        spec = self.queue.claim(self.name, self.engine_id, self.host, token)
        if spec is None:
            return False
        stop = threading.Event()
        beat = threading.Thread(target=self._beat, args=(spec, stop), daemon=True)
        beat.start()
        try:
            self.runner.run(spec, token, self._cancel_check(spec))
        finally:
            stop.set()
        return True

    def _cancel_check(self, spec: JobSpec) -> Callable[[], bool]:
        def check() -> bool:
            return self.parent_gone.is_set() or self.queue.cancel_requested(spec.job_id)

        return check

    def _beat(self, spec: JobSpec, stop: threading.Event) -> None:
        import time

        while not stop.wait(HEARTBEAT_SECONDS):
            with contextlib.suppress(Exception):
                self.queue.heartbeat(spec.job_id, self.name, time.time())


def _doorbell() -> Callable[[], None]:
    """Keep fd 1 for doorbell lines; send everything printed to stderr instead."""
    bell: BinaryIO = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    lock = threading.Lock()

    def ring() -> None:
        with lock, contextlib.suppress(OSError, ValueError):
            bell.write(b"r\n")

    return ring


def _watch_stdin(poked: threading.Event, gone: threading.Event) -> None:
    for _line in sys.stdin.buffer:
        poked.set()
    gone.set()
    poked.set()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="shipyard-worker")
    parser.add_argument("--name", required=True)
    parser.add_argument("--engine", default=None)
    parser.add_argument("--work-root", type=Path, required=True)
    args = parser.parse_args(argv)
    ring = _doorbell()
    from shipyard.store import StoreConfig, open_store

    store = open_store(StoreConfig.from_env(), migrate=False)
    load_plugins()
    poked, gone = threading.Event(), threading.Event()
    threading.Thread(target=_watch_stdin, args=(poked, gone), daemon=True).start()
    runner = JobRunner(
        store,
        ShellLauncher(),
        GitCheckout(),
        XmlTestResults(),
        args.work_root,
        ring,
        worker=args.name,
        # Ports for the build, scan and publish plugins (ctx.service(...)); see toolbox.py.
        services=task_services(store),
    )
    Worker(store, runner, args.name, args.engine, parent_gone=gone, poked=poked).run_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
