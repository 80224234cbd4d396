"""The agent of the Kubernetes executor: the entry point of a job's pod (``node/agent`` image).

``python3 -m shipyard.executor.kube_agent --job-id N`` claims job ``N`` in the store (its
location in the environment, from the executor's Secret), runs it with the same
:class:`~shipyard.executor.job.JobRunner` as every other worker, renews the store's lease
while it runs, and exits. Its own lines go to standard error, which is the pod's log
(``kubectl logs``); the job's log goes to the store, where Shipyard's log views read it live.

SIGTERM comes for two reasons. When the run was canceled (the store says so; the executor
then deletes the Job), it cancels the job: the step's process group is killed and
``always()`` steps run within the pod's grace period. Otherwise the pod is being evicted
(a drain, a preemption, somebody deleted the pod): the agent leaves at once with exit
status 143 and reports nothing, so that the Job controller starts another pod, which takes
the job over in the store (see
:attr:`~shipyard.executor.remote_job.RemoteJobs.retake_always`).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from shipyard.adapters.checkout import GitCheckout
from shipyard.adapters.shell import ShellLauncher
from shipyard.adapters.testresults import XmlTestResults
from shipyard.executor.job import JobRunner
from shipyard.executor.remote_job import GONE, RemoteJobs
from shipyard.executor.toolbox import task_services
from shipyard.flow.run.recovery import this_host
from shipyard.ports import Attempt
from shipyard.tasks import load_plugins

EVICTED = 143  # 128 + SIGTERM: the pod failed, so the Job controller starts another


def _say(line: str) -> None:
    print(f"shipyard-agent: {line}", file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="shipyard-kube-agent")
    parser.add_argument("--job-id", type=int, required=True)
    parser.add_argument("--heartbeat-seconds", type=float, default=10.0)
    parser.add_argument("--work-root", type=Path, default=Path("/shipyard/work"))
    args = parser.parse_args(argv)
    stop = threading.Event()
    pod = os.environ.get("SHIPYARD_POD_NAME") or f"agent-{os.getpid()}"
    node = os.environ.get("SHIPYARD_NODE_NAME") or this_host()
    from shipyard.store import StoreConfig, open_store

    store = open_store(StoreConfig.from_env(), migrate=False)

    def decide() -> None:  # off the signal handler: it asks the store
        try:
            canceled = store.cancel_requested(args.job_id)
        except Exception:  # the store is away: ending the job is the safe side
            canceled = True
        if canceled:
            _say("the run was canceled: canceling the job")
            stop.set()
        else:
            _say("stopped without a cancel (evicted?): the next pod takes the job over")
            os._exit(EVICTED)

    def on_term(signum: int, frame: object) -> None:
        threading.Thread(target=decide, name="sigterm", daemon=True).start()

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    try:
        load_plugins()
        runner = JobRunner(
            store,
            ShellLauncher(),
            GitCheckout(),
            XmlTestResults(),
            args.work_root / pod,
            lambda: None,  # the engine polls the store
            worker=pod,
            services=task_services(store),
        )
        jobs = RemoteJobs(store, runner, host=node, retake_always=True)
        _say(f"pod {pod} on node {node} runs job {args.job_id}")
        outcome = jobs.run(
            args.job_id,
            args.heartbeat_seconds,
            Attempt(1, pod, lambda _details: None, stop.is_set),
        )
        _say(
            f"job {args.job_id}: nothing to run (finished, canceled or taken)"
            if outcome == GONE
            else f"job {args.job_id} ran; its result is in the store"
        )
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
