"""A distributed worker: polls Temporal task queues of its pools and runs the jobs it is given.

``shipyard worker --pool linux --capability docker`` (or ``python -m
shipyard.executor.temporal_worker`` with the same options) serves every queue that its pools
and capabilities satisfy (:func:`shipyard.domain.pools.queues_for`). It reaches the store
named by ``SHIPYARD_DB`` (PostgreSQL when the workers are on other machines; they also need
the artifact directory and the git repositories at the same paths) and runs jobs exactly as
a local worker does. SIGTERM and SIGINT stop it after the job in hand was told to cancel.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from shipyard.adapters.checkout import GitCheckout
from shipyard.adapters.shell import ShellLauncher
from shipyard.adapters.temporal import serve_worker
from shipyard.adapters.testresults import XmlTestResults
from shipyard.domain import pools
from shipyard.executor.job import JobRunner
from shipyard.executor.local import default_work_root
from shipyard.executor.remote_job import RemoteJobs
from shipyard.executor.toolbox import task_services
from shipyard.flow.run.recovery import this_host
from shipyard.tasks import load_plugins


@dataclass(frozen=True)
class WorkerOptions:
    address: str
    namespace: str = "default"
    pools: tuple[str, ...] = ("local",)
    capabilities: tuple[str, ...] = ()
    name: str = ""
    concurrency: int = 1
    work_root: Path | None = None
    queues: tuple[str, ...] = field(default=())

    def resolved(self) -> WorkerOptions:
        """Names and queues filled in; raises DemandError for a bad capability."""
        name = self.name or f"{this_host()}-{os.getpid()}-{uuid.uuid4().hex[:4]}"
        queues = tuple(pools.queues_for(self.pools, self.capabilities))
        return WorkerOptions(
            self.address,
            self.namespace,
            self.pools,
            self.capabilities,
            name,
            self.concurrency,
            self.work_root or default_work_root(),
            queues,
        )


def run_worker(
    options: WorkerOptions,
    stop: threading.Event,
    say: Callable[[str], None],
) -> None:
    """Serve until ``stop`` is set."""
    from shipyard.store import StoreConfig, open_store

    opts = options.resolved()
    store = open_store(StoreConfig.from_env(), migrate=False)
    load_plugins()
    assert opts.work_root is not None
    runner = JobRunner(
        store,
        ShellLauncher(),
        GitCheckout(),
        XmlTestResults(),
        opts.work_root / opts.name,
        lambda: None,  # the engine polls the store; no doorbell across machines
        worker=opts.name,
        services=task_services(store),
    )
    jobs = RemoteJobs(store, runner)
    try:
        serve_worker(
            opts.address,
            opts.namespace,
            opts.queues,
            opts.name,
            jobs,
            stop,
            concurrency=opts.concurrency,
            on_ready=lambda: say(
                f"worker {opts.name} polls {len(opts.queues)} task queue(s) at {opts.address}: "
                + ", ".join(opts.queues)
            ),
        )
    finally:
        store.close()


def stop_on_signals(stop: threading.Event) -> None:
    def handler(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def _watch_stdin(stop: threading.Event) -> None:
    for _line in sys.stdin.buffer:
        pass
    stop.set()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="shipyard-temporal-worker")
    parser.add_argument("--address", required=True)
    parser.add_argument("--namespace", default="default")
    parser.add_argument("--pool", action="append", default=[])
    parser.add_argument("--capability", action="append", default=[])
    parser.add_argument("--name", default="")
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--work-root", type=Path, default=None)
    parser.add_argument(
        "--until-stdin-closes",
        action="store_true",
        help="stop when standard input reaches end-of-file (a service's own workers)",
    )
    args = parser.parse_args(argv)
    stop = threading.Event()
    stop_on_signals(stop)
    if args.until_stdin_closes:
        threading.Thread(target=_watch_stdin, args=(stop,), daemon=True).start()
    options = WorkerOptions(
        args.address,
        args.namespace,
        tuple(args.pool or ["local"]),
        tuple(args.capability),
        args.name,
        args.concurrency,
        args.work_root,
    )
    run_worker(options, stop, lambda line: print(line, file=sys.stderr, flush=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
