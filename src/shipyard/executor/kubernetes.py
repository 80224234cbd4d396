"""The Kubernetes Jobs executor: each job a Kubernetes Job whose pod runs Shipyard's agent.

Dispatching creates Job ``sy-<engine>-<id>`` (:mod:`shipyard.executor.kube_manifest`) in the
agents' namespace; the scheduler puts its pod on a node whose labels satisfy the job's pool
and demands (:func:`shipyard.domain.pools.node_requirements`), and the pod's agent claims
the job in the store and runs it. Results, logs, tests and artifacts travel through the
store as they do for every executor, so the engine cannot tell them apart.

A monitor thread watches what the store cannot see:

- a pod that no node can take (the scheduler's ``Unschedulable``): said in the job's log at
  once, with the ``kubectl label`` that would fix it, and the job fails after
  ``wait_for_worker_seconds``;
- a pod that cannot start (``ErrImagePull``, ``CreateContainerConfigError``...) or a Job
  that gave up (every attempt failed, its deadline passed) while the store still waits:
  the job fails with Kubernetes' reason and the last lines of the pod's log;
- a job that left the queue (finished, or canceled before a pod claimed it): forgotten, and
  its Job deleted when nothing ran.

Cancel deletes the Job with foreground propagation: its pod gets SIGTERM, which the agent
takes as the cancel (the store's cancel flag says the same), and ``always()`` steps run in
the grace period.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from shipyard.adapters.kube import KubeRefused
from shipyard.adapters.kube_jobs import JobState
from shipyard.domain import pools
from shipyard.domain.diagnostics import ShipyardError
from shipyard.executor.book import JobBook, JobNotes, OwnWorkers
from shipyard.executor.kube_manifest import (
    ENGINE_LABEL,
    AgentPod,
    HostMount,
    engine_label,
    job_manifest,
    job_name,
)
from shipyard.flow.run.spec import JobSpec

MONITOR_SECONDS = 1.0
START_FAILURES = ("ErrImagePull", "ImagePullBackOff", "InvalidImageName", "CreateContainer")
START_GRACE_SECONDS = 60.0  # an image pull that fails this long is not coming back


def _never_ran(state: JobState) -> bool:
    """A pod that ran keeps its Job (and its log) until the TTL; one that never did goes."""
    return all(p.phase == "Pending" for p in state.pods)


class JobCluster(Protocol):
    """What the executor needs of the cluster (the adapter, or a fake in unit tests)."""

    def create(self, manifest: dict[str, Any]) -> None: ...

    def delete(self, name: str, grace_seconds: int | None = None) -> None: ...

    def state(self, name: str) -> JobState | None: ...

    def states(self, labels: dict[str, str]) -> dict[str, JobState]: ...

    def log_tail(self, pod: str, lines: int = 20) -> list[str]: ...

    def close(self) -> None: ...


@dataclass
class _Tracked:
    spec: JobSpec
    name: str
    since: float
    claimed: bool = False
    canceling: bool = False
    said_unschedulable: bool = False
    start_trouble_since: float | None = None


class KubernetesExecutor:
    def __init__(
        self,
        pod: AgentPod,
        cluster: JobCluster,
        book: JobBook,
        *,
        wait_for_worker_seconds: float = 300.0,
        repo_mounts: Callable[[str], Sequence[HostMount]] = lambda _repo: (),
        clock: Callable[[], float] = time.time,
        resources: OwnWorkers | None = None,
    ) -> None:
        self.pod = pod
        self.cluster = cluster
        self.book = book
        self.wait = wait_for_worker_seconds
        self.repo_mounts = repo_mounts
        self.clock = clock
        self.resources = resources  # the env Secret's owner: made at start, removed at close
        self.notes = JobNotes(book, clock)
        self._tracked: dict[int, _Tracked] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._monitor: threading.Thread | None = None

    def start(self, wake: Callable[[], None]) -> None:
        self.notes.wake = wake
        if self.resources is not None:
            self.resources.start()
        self._monitor = threading.Thread(target=self._watch, name="kube-monitor", daemon=True)
        self._monitor.start()

    def dispatch(self, job: JobSpec) -> None:
        name = job_name(self.pod.engine_id, job.job_id)
        try:
            manifest = job_manifest(self.pod, job, self.repo_mounts(job.repo))
        except (pools.DemandError, OSError) as err:
            self._fail_now(job, f"the job cannot be sent to Kubernetes: {err}")
            return
        try:
            self.cluster.create(manifest)
        except KubeRefused as err:
            if err.code != 409:  # 409: an earlier try that timed out did create it
                self._fail_now(job, f"Kubernetes refused Job {name}: {err.message}")
                return
        except ShipyardError as err:
            # The API server may have taken it before the answer was lost: remove it.
            with contextlib.suppress(ShipyardError):
                self.cluster.delete(name)
            self._fail_now(job, f"the job could not be created as Kubernetes Job {name}: "
                           f"{err.message}")  # fmt: skip
            return
        with self._lock:
            self._tracked[job.job_id] = _Tracked(job, name, self.clock())

    def cancel(self, job_id: int) -> None:
        with self._lock:
            tracked = self._tracked.get(job_id)
        if tracked is not None:
            tracked.canceling = True  # its Job vanishing is then expected
            with contextlib.suppress(ShipyardError):
                self.cluster.delete(tracked.name)

    def reap(self, jobs: Sequence[Any]) -> None:
        """Nothing to kill from here: a lost engine's pods end with their Jobs' deadline."""

    def close(self) -> None:
        self._stop.set()
        if self._monitor is not None:
            self._monitor.join(20)  # longer than one API call's timeout
        if self.resources is not None:
            with contextlib.suppress(Exception):
                self.resources.close()
        self.cluster.close()

    # -- the monitor ------------------------------------------------------------------
    def _watch(self) -> None:
        while not self._stop.wait(MONITOR_SECONDS):
            with contextlib.suppress(Exception):  # a monitor must outlive a bad moment
                self.check()

    def _queued(self, run_ids: set[int]) -> dict[int, bool]:
        """Job id -> claimed, for the jobs of these runs still in the store's queue."""
        out: dict[int, bool] = {}
        for run_id in run_ids:
            for q in self.book.queued_jobs(run_id):
                out[q.job_id] = q.claimed_by is not None
        return out

    def check(self) -> None:
        with self._lock:
            tracked = list(self._tracked.values())
        if not tracked:
            return
        try:  # two calls for all of this engine's Jobs, however many; before the store, so
            # that a pod which claims in between is seen as claimed, never as missing
            states = self.cluster.states({ENGINE_LABEL: engine_label(self.pod.engine_id)})
        except ShipyardError:
            return  # the API server is away: that says nothing about the jobs
        queued = self._queued({t.spec.run_id for t in tracked})
        for entry in tracked:
            job_id = entry.spec.job_id
            state = states.get(entry.name)
            if job_id not in queued:  # finished, or canceled before anybody claimed it
                self._forget(job_id)
                if not entry.claimed and state is not None and _never_ran(state):
                    with contextlib.suppress(ShipyardError):
                        self.cluster.delete(entry.name)
                continue
            entry.claimed = entry.claimed or queued[job_id]
            self._look(entry, state)

    def _look(self, entry: _Tracked, state: JobState | None) -> None:
        spec = entry.spec
        if state is None:
            if entry.canceling:
                return  # deleted by the cancel: the store says when the job is over
            self._give_up(
                entry, f"its Kubernetes Job {entry.name} was deleted before it ended", None
            )
            return
        if state.failure:
            self._give_up(entry, f"Kubernetes gave up on Job {entry.name}: {state.failure}", state)
            return
        if entry.claimed or not state.pods:
            return
        pod = state.pods[-1]
        waited = self.clock() - entry.since
        if pod.unschedulable:
            if not entry.said_unschedulable:
                entry.said_unschedulable = True
                self.notes.log(
                    spec,
                    f"Waiting for a node of {pools.describe(spec.pool, spec.demands)}: "
                    f"{pod.unschedulable} (up to {self.wait:.0f} s; "
                    f"`{pools.label_command(spec.pool, spec.demands)}` lets a node take it).",
                )
            if waited >= self.wait:
                self._give_up(
                    entry,
                    f"no node can take this job: no node of "
                    f"{pools.describe(spec.pool, spec.demands)} in {self.wait:.0f} s "
                    f"({pod.unschedulable}); label one with "
                    f"`{pools.label_command(spec.pool, spec.demands)}`",
                    state,
                )
            return
        if pod.waiting.startswith(START_FAILURES):
            now = self.clock()
            if entry.start_trouble_since is None:
                entry.start_trouble_since = now
                self.notes.log(
                    spec, f"##[warning]The job's pod {pod.name} cannot start: {pod.waiting}"
                )
            elif now - entry.start_trouble_since >= START_GRACE_SECONDS:
                self._give_up(entry, f"its pod {pod.name} could not start: {pod.waiting}", state)
            return
        entry.start_trouble_since = None
        if waited >= self.wait + START_GRACE_SECONDS:  # scheduled, yet nobody claims
            where = pod.waiting or pod.phase
            self._give_up(
                entry, f"its pod {pod.name} did not take the job in {waited:.0f} s ({where})", state
            )

    def _give_up(self, entry: _Tracked, why: str, state: JobState | None) -> None:
        """Fail a job the store still waits for, with the reason and the pod's last lines."""
        job_id = entry.spec.job_id
        now = self._queued({entry.spec.run_id})  # again: the look may be a second old
        if job_id not in now:  # it ended meanwhile
            self._forget(job_id)
            return
        if now[job_id] and not entry.claimed:  # a pod claimed it meanwhile: it speaks now
            entry.claimed = True
            return
        tail: list[str] = []
        if state is not None and state.pods:  # the look's state: its pods are the same
            with contextlib.suppress(ShipyardError):
                tail = self.cluster.log_tail(state.pods[-1].name)
        for line in tail:
            self.notes.log(entry.spec, f"[pod] {line}")
        self.notes.fail(entry.spec, why)  # raises when the store is away: tried again
        self._forget(job_id)
        with contextlib.suppress(ShipyardError):
            self.cluster.delete(entry.name)

    def _fail_now(self, job: JobSpec, message: str) -> None:
        """At dispatch, on the engine's thread: a store that is away must not stop it."""
        with contextlib.suppress(Exception):
            self.notes.fail(job, message)

    def _forget(self, job_id: int) -> None:
        with self._lock:
            self._tracked.pop(job_id, None)
