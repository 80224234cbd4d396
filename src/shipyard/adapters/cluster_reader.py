"""What delivery reads from a cluster: the :class:`~shipyard.deliver.ports.ClusterReader` port.

Pods with their IPs (the smoke test asks them directly: on the embedded platform the real
node's pod network is routed from the host), Deployments with their
``kubernetes.io/change-cause`` and revision, and a Deployment's revisions read from its
ReplicaSets, which is exactly where ``kubectl rollout history`` reads them. Each call opens
the target's own context, so it works with the environment's namespaced credentials.

Why a rollout did not complete is explained by pure code (``shipyard.platform.rollout``)
over :class:`~shipyard.adapters.kubeview.ClusterView`'s views; the caller passes that
function in, so this adapter does not depend on the platform package.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from lightkube.resources.apps_v1 import Deployment, ReplicaSet
from lightkube.resources.core_v1 import Pod

from shipyard.adapters.kubeview import ClusterView
from shipyard.deliver.model import DeploymentInfo, DeployTarget, PodInfo, RolloutRevision

CHANGE_CAUSE = "kubernetes.io/change-cause"
REVISION = "deployment.kubernetes.io/revision"

#: ``(view of the target's context, namespace, deployment) -> explanation text``
Explainer = Callable[[ClusterView, str, str], str]


def _images(spec: Any) -> tuple[str, ...]:
    pod = spec.template.spec if spec and spec.template else None
    return tuple(str(c.image) for c in (pod.containers if pod else []) or [])


class KubeDelivery:
    def __init__(self, explainer: Explainer | None = None, timeout: float = 15.0) -> None:
        self.explainer = explainer
        self.timeout = timeout

    def _view(self, target: DeployTarget) -> ClusterView:
        return ClusterView(Path(target.kubeconfig), target.context, self.timeout)

    def pods(self, target: DeployTarget, selector: Mapping[str, str]) -> list[PodInfo]:
        found: list[PodInfo] = []
        with self._view(target)._client() as client:
            for pod in client.list(Pod, namespace=target.namespace, labels=dict(selector)):
                status, spec = pod.status, pod.spec
                conditions = (status.conditions if status else None) or []
                found.append(
                    PodInfo(
                        name=str(pod.metadata.name if pod.metadata else ""),
                        ip=str((status.podIP if status else "") or ""),
                        ready=any(c.type == "Ready" and c.status == "True" for c in conditions),
                        node=str((spec.nodeName if spec else "") or ""),
                        phase=str((status.phase if status else "") or ""),
                        images=tuple(str(c.image) for c in (spec.containers if spec else [])),
                        terminating=bool(pod.metadata and pod.metadata.deletionTimestamp),
                    )
                )
        return sorted(found, key=lambda p: p.name)

    def deployments(
        self, target: DeployTarget, selector: Mapping[str, str]
    ) -> list[DeploymentInfo]:
        found: list[DeploymentInfo] = []
        with self._view(target)._client() as client:
            for dep in client.list(Deployment, namespace=target.namespace, labels=dict(selector)):
                meta, spec, status = dep.metadata, dep.spec, dep.status
                notes = (meta.annotations if meta else None) or {}
                found.append(
                    DeploymentInfo(
                        name=str(meta.name if meta else ""),
                        namespace=target.namespace,
                        images=_images(spec),
                        change_cause=str(notes.get(CHANGE_CAUSE, "")),
                        revision=int(notes.get(REVISION, "0") or 0),
                        ready_replicas=int((status.readyReplicas if status else 0) or 0),
                        replicas=int((spec.replicas if spec else 0) or 0),
                        labels=dict((meta.labels if meta else None) or {}),
                    )
                )
        return sorted(found, key=lambda d: d.name)

    def rollout_history(self, target: DeployTarget, deployment: str) -> list[RolloutRevision]:
        revisions: list[RolloutRevision] = []
        with self._view(target)._client() as client:
            for rs in client.list(ReplicaSet, namespace=target.namespace):
                meta = rs.metadata
                owners = (meta.ownerReferences if meta else None) or []
                if not any(o.kind == "Deployment" and o.name == deployment for o in owners):
                    continue
                notes = (meta.annotations if meta else None) or {}
                revisions.append(
                    RolloutRevision(
                        revision=int(notes.get(REVISION, "0") or 0),
                        change_cause=str(notes.get(CHANGE_CAUSE, "")),
                        images=_images(rs.spec),
                    )
                )
        return sorted(revisions, key=lambda r: r.revision)

    def explain_rollout(self, target: DeployTarget, deployment: str) -> str:
        if self.explainer is None:
            return ""
        return self.explainer(self._view(target), target.namespace, deployment)

    def explain_release(self, target: DeployTarget, release: str) -> str:
        """Every Deployment of a helm release, explained (for a failed ``helm --wait``)."""
        texts = [
            self.explain_rollout(target, d.name)
            for d in self.deployments(target, {"app.kubernetes.io/instance": release})
        ]
        return "\n".join(t for t in texts if t)
