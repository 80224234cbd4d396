"""Read-only views of nodes, Deployments, Pods and Events, as small typed values.

Two readers need more than :mod:`shipyard.adapters.kube` offers: ``shipyard platform status``
(which node of a cluster is a real kubelet and which one kwok simulates) and the explanation
of a failed rollout (which pod, which container, which probe, what the kubelet said). Both
only read, and both must work with an environment's least-privilege token, which may read
Deployments, ReplicaSets, Pods and Events of its own namespace and nothing cluster-wide.

The values keep what a person needs to see and nothing else; the explaining itself is pure
code in :mod:`shipyard.platform.rollout`, so it is tested without a cluster.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lightkube.resources.apps_v1 import Deployment
from lightkube.resources.core_v1 import Event, Node, Pod

from shipyard.adapters.kube import KubeApi, KubeRefused

# kwokctl's simulated nodes carry this annotation, and its controller manages only those.
KWOK_ANNOTATION = "kwok.x-k8s.io/node"


@dataclass(frozen=True, slots=True)
class NodeInfo:
    name: str
    ready: bool
    kind: str  # "kwok" (simulated) or "kubelet" (a real node)
    version: str = ""
    address: str = ""
    message: str = ""  # the Ready condition's message when not ready
    heartbeat: datetime | None = None  # when the kubelet last reported the Ready condition

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "kind": self.kind,
            "ready": self.ready,
            "version": self.version,
            "address": self.address,
        }


@dataclass(frozen=True, slots=True)
class Condition:
    type: str
    status: str
    reason: str = ""
    message: str = ""
    changed: datetime | None = None  # lastTransitionTime


@dataclass(frozen=True, slots=True)
class ProbeSpec:
    """A probe as the pod spec declares it: ``http-get :8080/health``, ``tcp :5432``, ``exec``."""

    kind: str  # readiness | liveness | startup
    action: str


@dataclass(frozen=True, slots=True)
class ContainerView:
    name: str
    ready: bool
    restarts: int = 0
    state: str = ""  # waiting | running | terminated
    reason: str = ""  # CrashLoopBackOff, ImagePullBackOff, OOMKilled, Error...
    message: str = ""
    exit_code: int | None = None
    last_reason: str = ""  # why the previous instance ended (after a restart)
    last_exit_code: int | None = None
    probes: tuple[ProbeSpec, ...] = ()


@dataclass(frozen=True, slots=True)
class PodView:
    name: str
    phase: str
    node: str = ""
    conditions: tuple[Condition, ...] = ()
    containers: tuple[ContainerView, ...] = ()
    deleting: bool = False

    @property
    def ready(self) -> bool:
        return any(c.type == "Ready" and c.status == "True" for c in self.conditions)


@dataclass(frozen=True, slots=True)
class EventView:
    object_kind: str
    object_name: str
    type: str  # Normal | Warning
    reason: str
    message: str
    count: int = 1


@dataclass(frozen=True, slots=True)
class DeploymentView:
    name: str
    namespace: str
    desired: int
    ready: int
    updated: int
    available: int
    selector: dict[str, str] = field(default_factory=dict)
    conditions: tuple[Condition, ...] = ()


def _conditions(raw: Any) -> tuple[Condition, ...]:
    return tuple(
        Condition(
            str(c.type),
            str(c.status),
            str(c.reason or ""),
            str(c.message or ""),
            getattr(c, "lastTransitionTime", None),
        )
        for c in raw or []
    )


def _probe(kind: str, probe: Any) -> ProbeSpec | None:
    if probe is None:
        return None
    if probe.httpGet is not None:
        get = probe.httpGet
        return ProbeSpec(kind, f"http-get :{get.port}{get.path or '/'}")
    if probe.tcpSocket is not None:
        return ProbeSpec(kind, f"tcp :{probe.tcpSocket.port}")
    if probe.grpc is not None:
        return ProbeSpec(kind, f"grpc :{probe.grpc.port}")
    return ProbeSpec(kind, "exec " + " ".join(probe.exec.command or []) if probe.exec else "?")


def _container(status: Any, spec: Any) -> ContainerView:
    probes = tuple(
        p
        for p in (
            _probe("readiness", getattr(spec, "readinessProbe", None)),
            _probe("liveness", getattr(spec, "livenessProbe", None)),
            _probe("startup", getattr(spec, "startupProbe", None)),
        )
        if p is not None
    )
    name = str(status.name if status is not None else spec.name)
    if status is None:
        return ContainerView(name, False, probes=probes)
    state, reason, message, code = "", "", "", None
    if status.state is not None:
        for word in ("waiting", "running", "terminated"):
            detail = getattr(status.state, word)
            if detail is not None:
                state = word
                reason = str(getattr(detail, "reason", "") or "")
                message = str(getattr(detail, "message", "") or "")
                code = getattr(detail, "exitCode", None)
                break
    last = status.lastState.terminated if status.lastState is not None else None
    return ContainerView(
        name,
        bool(status.ready),
        int(status.restartCount or 0),
        state,
        reason,
        message,
        code,
        str(last.reason or "") if last is not None else "",
        last.exitCode if last is not None else None,
        probes,
    )


def pod_view(pod: Any) -> PodView:
    specs = {c.name: c for c in (pod.spec.containers if pod.spec else [])}
    statuses = {s.name: s for s in ((pod.status.containerStatuses if pod.status else None) or [])}
    containers = tuple(_container(statuses.get(name), spec) for name, spec in specs.items())
    return PodView(
        name=str(pod.metadata.name),
        phase=str(pod.status.phase if pod.status else ""),
        node=str(pod.spec.nodeName or "") if pod.spec else "",
        conditions=_conditions(pod.status.conditions if pod.status else None),
        containers=containers,
        deleting=pod.metadata.deletionTimestamp is not None,
    )


class ClusterView(KubeApi):
    """One context of one kubeconfig, read-only (it shares :class:`KubeApi`'s connection and
    error handling: unreachable and refused are the same two errors)."""

    def node_list(self) -> list[NodeInfo]:
        found: list[NodeInfo] = []
        with self._client() as client:
            for node in client.list(Node):
                meta, status = node.metadata, node.status
                annotations = (meta.annotations if meta else None) or {}
                ready = [
                    c for c in (status.conditions if status else None) or [] if c.type == "Ready"
                ]
                addresses = (status.addresses if status else None) or []
                info = status.nodeInfo if status else None
                found.append(
                    NodeInfo(
                        name=str(meta.name if meta else ""),
                        ready=bool(ready) and ready[0].status == "True",
                        kind="kwok" if annotations.get(KWOK_ANNOTATION) == "fake" else "kubelet",
                        version=str(info.kubeletVersion if info else ""),
                        address=next(
                            (str(a.address) for a in addresses if a.type == "InternalIP"), ""
                        ),
                        message=str(ready[0].message or "") if ready else "",
                        heartbeat=ready[0].lastHeartbeatTime if ready else None,
                    )
                )
        return found

    def deployment(self, namespace: str, name: str) -> DeploymentView | None:
        try:
            with self._client() as client:
                dep = client.get(Deployment, name, namespace=namespace)
        except KubeRefused as exc:
            if exc.code == 404:
                return None
            raise
        spec, status = dep.spec, dep.status
        return DeploymentView(
            name=name,
            namespace=namespace,
            desired=int(spec.replicas if spec and spec.replicas is not None else 1),
            ready=int(status.readyReplicas or 0) if status else 0,
            updated=int(status.updatedReplicas or 0) if status else 0,
            available=int(status.availableReplicas or 0) if status else 0,
            selector=dict((spec.selector.matchLabels or {}) if spec else {}),
            conditions=_conditions(status.conditions if status else None),
        )

    def pods(self, namespace: str, selector: dict[str, str]) -> list[PodView]:
        with self._client() as client:
            labels: dict[str, Any] = dict(selector)
            return [pod_view(p) for p in client.list(Pod, namespace=namespace, labels=labels)]

    def events(self, namespace: str) -> list[EventView]:
        found: list[EventView] = []
        with self._client() as client:
            for ev in client.list(Event, namespace=namespace):
                obj = ev.involvedObject
                found.append(
                    EventView(
                        object_kind=str(obj.kind or ""),
                        object_name=str(obj.name or ""),
                        type=str(ev.type or ""),
                        reason=str(ev.reason or ""),
                        message=str(ev.message or "").strip(),
                        count=int(ev.count or 1),
                    )
                )
        return found
