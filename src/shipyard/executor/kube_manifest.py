"""The Kubernetes Job that runs one Shipyard job, as a plain manifest.

Kept apart from the executor so that what a job's pod may do is readable (and tested) in one
place. The pod is a build agent, not an application, and needs more than an application:

- ``privileged``: buildah and podman create mounts and namespaces for image builds and test
  containers. The namespace is therefore its own (``executor.kubernetes_namespace``), never
  one of the environments, whose Pod Security stays ``restricted``.
- ``hostNetwork``: the store, the registry, the API servers of the embedded platform listen
  on the machine's loopback; the agent reaches them at the addresses the engine uses.
- what the job's tools need of the platform, at its own paths (``hostPath``): the container
  storage (and its build cache), Helm's folders, the artifact folder and the store's folder
  read-write; the tool binaries, the tool configuration, the environments' kubeconfig and
  the registry identities read-only; the job's repository read-only. Never the admin
  kubeconfig, the clusters' data, the registry's storage or the token service's signing key:
  a folder that holds them is masked by an empty one.
- the store's location and keys come from a Secret (``envFrom``), never from the Job's spec,
  which anybody who may list Jobs can read.

``backoffLimit`` is ``attempts - 1``: a pod that dies (killed, evicted, out of memory) is
replaced by the Job controller, only once it is gone (``podReplacementPolicy: Failed``), and
the next pod takes the job over in the store.
``terminationGracePeriodSeconds`` is the job's cancel timeout, so that a cancel (the Job
deleted with its pods) leaves ``always()`` steps their time.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shipyard.domain import pools
from shipyard.flow.run.spec import JobSpec

MANAGED_BY = {"app.kubernetes.io/managed-by": "shipyard"}
ENGINE_LABEL = "shipyard.io/engine"
JOB_LABEL = "shipyard.io/job"
RUN_LABEL = "shipyard.io/run"
WORK_DIR = "/shipyard/work"
TTL_SECONDS = 600  # finished Jobs (and their pods' logs) stay this long for a look


@dataclass(frozen=True, slots=True)
class HostMount:
    """A directory or file of the node at the same path in the pod; ``kind`` ``Mask`` is an
    empty directory laid over a path so that nothing of the node's shows there."""

    path: Path
    read_only: bool = False
    kind: str = "Directory"  # Directory, File, Mask


@dataclass(frozen=True, slots=True)
class AgentPod:
    """What every job's pod of one executor shares."""

    namespace: str
    image: str
    env_secret: str  # the Secret holding the store's location and keys
    engine_id: str
    mounts: tuple[HostMount, ...] = ()
    heartbeat_seconds: float = 10.0
    attempts: int = 3
    extra_env: Mapping[str, str] = field(default_factory=dict)


def engine_label(engine_id: str) -> str:
    return re.sub(r"[^a-z0-9]", "", engine_id.lower())[:12] or "engine"


def job_name(engine_id: str, job_id: int) -> str:
    """``sy-<engine>-<id>``: unique per engine (several stores may share a namespace)."""
    return f"sy-{engine_label(engine_id)}-{job_id}"


def _volume_name(index: int) -> str:
    return f"host-{index}"


def _mounts(mounts: Sequence[HostMount]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    volumes: list[dict[str, Any]] = [{"name": "work", "emptyDir": {}}]
    points: list[dict[str, Any]] = [{"name": "work", "mountPath": WORK_DIR}]
    # Parents first (the runtime mounts in this order too), so that a mask hides what lies
    # under it and a mount inside the mask shows again.
    for index, mount in enumerate(sorted(mounts, key=lambda m: (len(m.path.parts), m.path))):
        name = _volume_name(index)
        if mount.kind == "Mask":
            volumes.append({"name": name, "emptyDir": {}})
        else:
            source = {"path": str(mount.path), "type": mount.kind}
            volumes.append({"name": name, "hostPath": source})
        points.append({"name": name, "mountPath": str(mount.path), "readOnly": mount.read_only})
    return volumes, points


def job_manifest(
    pod: AgentPod, job: JobSpec, extra_mounts: Sequence[HostMount] = ()
) -> dict[str, Any]:
    """The batch/v1 Job for ``job``; raises DemandError when its pool or demands cannot be
    node labels."""
    name = job_name(pod.engine_id, job.job_id)
    labels = {
        **MANAGED_BY,
        ENGINE_LABEL: engine_label(pod.engine_id),
        RUN_LABEL: str(job.run_id),
        JOB_LABEL: str(job.job_id),
    }
    volumes, points = _mounts((*pod.mounts, *extra_mounts))
    env: list[dict[str, Any]] = [
        {"name": "SHIPYARD_NODE_NAME", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}},
        {"name": "SHIPYARD_POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
        *({"name": k, "value": v} for k, v in sorted(pod.extra_env.items())),
    ]
    # The deadline counts from the Job's start: every attempt, with its cancel time, and the
    # waits before a pod runs (the executor fails a job nobody takes long before that).
    per_attempt = (max(1, job.timeout_minutes or 360) + max(1, job.cancel_timeout_minutes)) * 60
    deadline = max(1, pod.attempts) * per_attempt + 900
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "namespace": pod.namespace, "labels": labels},
        "spec": {
            "backoffLimit": max(0, pod.attempts - 1),
            # The next pod starts only once the last one is gone, never beside it.
            "podReplacementPolicy": "Failed",
            "activeDeadlineSeconds": deadline,
            "ttlSecondsAfterFinished": TTL_SECONDS,
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "restartPolicy": "Never",
                    "hostNetwork": True,
                    "dnsPolicy": "ClusterFirstWithHostNet",
                    "enableServiceLinks": False,
                    "automountServiceAccountToken": False,
                    "terminationGracePeriodSeconds": max(30, job.cancel_timeout_minutes * 60),
                    "affinity": {
                        "nodeAffinity": {
                            "requiredDuringSchedulingIgnoredDuringExecution": {
                                "nodeSelectorTerms": [
                                    {
                                        "matchExpressions": pools.node_requirements(
                                            job.pool, job.demands
                                        )
                                    }
                                ]
                            }
                        }
                    },
                    "containers": [
                        {
                            "name": "agent",
                            "image": pod.image,
                            "imagePullPolicy": "IfNotPresent",
                            "args": [
                                "--job-id",
                                str(job.job_id),
                                "--heartbeat-seconds",
                                str(pod.heartbeat_seconds),
                                "--work-root",
                                WORK_DIR,
                            ],
                            "env": env,
                            "envFrom": [{"secretRef": {"name": pod.env_secret}}],
                            "workingDir": WORK_DIR,
                            "securityContext": {"privileged": True},
                            "volumeMounts": points,
                        }
                    ],
                    "volumes": volumes,
                },
            },
        },
    }


ROLE_LABEL = "shipyard.io/role"
ENV_ROLE = "agent-env"
ALIVE_AT = "shipyard.io/alive-at"  # renewed by its engine while it runs
SECRET_STALE_SECONDS = 600.0


def env_secret(
    name: str, namespace: str, values: Mapping[str, str], alive_at: float
) -> dict[str, Any]:
    """The engine's Secret; ``alive_at`` says when its engine last said it still runs."""
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": {**MANAGED_BY, ROLE_LABEL: ENV_ROLE},
            "annotations": {ALIVE_AT: str(int(alive_at))},
        },
        "type": "Opaque",
        "stringData": dict(values),
    }


def stale_secrets(found: Mapping[str, Mapping[str, str]], now: float) -> list[str]:
    """Secrets (name -> annotations) of engines that stopped renewing them: an engine killed
    with -9 cannot delete its own. Several stores may share the namespace, so age decides,
    not the engines one store knows."""
    out = []
    for name, notes in found.items():
        raw = notes.get(ALIVE_AT, "")
        at = float(raw) if raw.isdigit() else 0.0
        if now - at > SECRET_STALE_SECONDS:
            out.append(name)
    return sorted(out)
