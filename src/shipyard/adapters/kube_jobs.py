"""Kubernetes Jobs for the Kubernetes executor: create, read their pods, delete, read logs.

One lightkube client for the executor's life (the monitor asks every second; a client per
call would pay a TLS handshake each time). The engine's thread and the monitor's share it
without a lock: its HTTP client is safe across threads, and a slow answer to one must not
hold up the other. Errors become :class:`~shipyard.adapters.kube.KubeRefused` or
:class:`~shipyard.adapters.kube.KubeUnreachable` naming the context, as elsewhere.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lightkube import Client, codecs
from lightkube.resources.batch_v1 import Job
from lightkube.resources.core_v1 import Pod, Secret
from lightkube.types import CascadeType

from shipyard.adapters.kube import KubeRefused, KubeUnreachable, answers, open_client


@dataclass(frozen=True, slots=True)
class PodState:
    name: str
    phase: str  # Pending, Running, Succeeded, Failed
    node: str
    unschedulable: str = ""  # the scheduler's message while no node fits
    waiting: str = ""  # a container's waiting reason (ImagePullBackOff, ...) and message
    terminated: str = ""  # how the agent container ended (OOMKilled, Error: exit 1)
    created: float = 0.0  # pods of a Job are told apart by age: the last one is current


@dataclass(frozen=True, slots=True)
class JobState:
    name: str
    active: int
    succeeded: int
    failed: int
    failure: str = ""  # the Failed condition's reason and message, once the Job gave up
    pods: tuple[PodState, ...] = field(default=())


def _pod_state(pod: Any) -> PodState:
    status = pod.status
    spec = pod.spec
    unschedulable = ""
    for cond in (status.conditions if status else None) or []:
        if cond.type == "PodScheduled" and cond.status == "False":
            unschedulable = str(cond.message or cond.reason or "")
    waiting = terminated = ""
    for cs in (status.containerStatuses if status else None) or []:
        state = cs.state
        if state is not None and state.waiting is not None and state.waiting.reason:
            waiting = f"{state.waiting.reason}: {state.waiting.message or ''}".strip(": ")
        if state is not None and state.terminated is not None:
            t = state.terminated
            terminated = f"{t.reason or 'ended'} (exit {t.exitCode})"
    return PodState(
        name=str(pod.metadata.name),
        phase=str(status.phase if status and status.phase else "Pending"),
        node=str(spec.nodeName or "") if spec else "",
        unschedulable=unschedulable,
        waiting=waiting,
        terminated=terminated,
        created=pod.metadata.creationTimestamp.timestamp()
        if pod.metadata and pod.metadata.creationTimestamp
        else 0.0,
    )


def _job_state(name: str, job: Any, pods: list[PodState]) -> JobState:
    status = job.status
    failure = ""
    for cond in (status.conditions if status else None) or []:
        if cond.type == "Failed" and cond.status == "True":
            failure = f"{cond.reason or 'Failed'}: {cond.message or ''}".strip(": ")
    return JobState(
        name=name,
        active=int(status.active or 0) if status else 0,
        succeeded=int(status.succeeded or 0) if status else 0,
        failed=int(status.failed or 0) if status else 0,
        failure=failure,
        pods=tuple(sorted(pods, key=lambda p: (p.created, p.name))),
    )


class KubeJobs:
    def __init__(self, kubeconfig: Path, context: str, namespace: str) -> None:
        self.context = context
        self.namespace = namespace
        self._client = open_client(kubeconfig, context)

    @contextlib.contextmanager
    def _call(self) -> Iterator[Client]:
        with answers(self.context):
            yield self._client

    def apply(self, manifest: dict[str, Any]) -> None:
        with self._call() as client:
            client.apply(codecs.from_dict(manifest), force=True)

    def create(self, manifest: dict[str, Any]) -> None:
        with self._call() as client:
            client.create(codecs.from_dict(manifest))

    def delete(self, name: str, grace_seconds: int | None = None) -> None:
        """Delete a Job and its pods (foreground propagation); a Job already gone is fine."""
        try:
            with self._call() as client:
                client.delete(
                    Job,
                    name,
                    namespace=self.namespace,
                    grace_period=grace_seconds,
                    cascade=CascadeType.FOREGROUND,
                )
        except KubeRefused as exc:
            if exc.code != 404:
                raise

    def delete_secret(self, name: str) -> None:
        try:
            with self._call() as client:
                client.delete(Secret, name, namespace=self.namespace)
        except KubeRefused as exc:
            if exc.code != 404:
                raise

    def secrets(self, labels: dict[str, str]) -> dict[str, dict[str, str]]:
        """Name -> annotations of the Secrets with these labels (their data is not read)."""
        selector: dict[str, Any] = dict(labels)
        with self._call() as client:
            found = list(client.list(Secret, namespace=self.namespace, labels=selector))
        return {
            str(s.metadata.name): dict(s.metadata.annotations or {}) for s in found if s.metadata
        }

    def state(self, name: str) -> JobState | None:
        try:
            with self._call() as client:
                job = client.get(Job, name, namespace=self.namespace)
                pods = list(client.list(Pod, namespace=self.namespace, labels={"job-name": name}))
        except KubeRefused as exc:
            if exc.code == 404:
                return None
            raise
        return _job_state(name, job, [_pod_state(p) for p in pods])

    def states(self, labels: dict[str, str]) -> dict[str, JobState]:
        """Every Job with these labels and its pods, in two calls whatever their number."""
        selector: dict[str, Any] = dict(labels)
        with self._call() as client:
            jobs = list(client.list(Job, namespace=self.namespace, labels=selector))
            pods = list(client.list(Pod, namespace=self.namespace, labels=selector))
        by_job: dict[str, list[PodState]] = {}
        for pod in pods:
            owner = (pod.metadata.labels or {}).get("job-name", "") if pod.metadata else ""
            by_job.setdefault(owner, []).append(_pod_state(pod))
        out: dict[str, JobState] = {}
        for job in jobs:
            name = str(job.metadata.name) if job.metadata else ""
            out[name] = _job_state(name, job, by_job.get(name, []))
        return out

    def log_tail(self, pod: str, lines: int = 20) -> list[str]:
        with contextlib.suppress(KubeRefused, KubeUnreachable), self._call() as client:
            return [
                line.rstrip("\n")
                for line in client.log(pod, namespace=self.namespace, tail_lines=lines)
            ]
        return []

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._client.close()
