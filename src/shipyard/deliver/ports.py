"""Protocols through which delivery reaches helm, the clusters and the registry.

Adapters implement them (``shipyard.adapters``); the release flow and its tasks never
import an adapter. Every method raises :class:`DeliveryFailed` (or a subclass) with a
message for the user when the tool says no, so a task turns it into a failed step with
that message and no traceback.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from shipyard.domain.diagnostics import ShipyardError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from shipyard.deliver.model import (
        DeploymentInfo,
        DeploymentRecord,
        DeployTarget,
        HelmRevision,
        ImageRef,
        PodInfo,
        PromotionResult,
        ReleaseState,
        RolloutRevision,
        UpgradeRequest,
    )
    from shipyard.ports import StepRunner


class DeliveryFailed(ShipyardError):
    """A delivery tool refused or failed; the message says what and where."""


class RolloutFailed(DeliveryFailed):
    """helm gave up waiting for readiness (and rolled back); ``explanation`` names the pod
    and the probe when the cluster told why."""

    def __init__(self, message: str, explanation: str = "") -> None:
        super().__init__(message)
        self.explanation = explanation


class HelmReleases(Protocol):
    """helm's release commands against one target (kubeconfig context and namespace)."""

    def render(self, target: DeployTarget, request: UpgradeRequest) -> str:
        """``helm template``: the manifests the upgrade would apply, as YAML text, without
        touching the cluster (the chart is pulled from its registry)."""
        ...

    def status(self, target: DeployTarget, release: str) -> ReleaseState | None:
        """``helm status``; None when there is no such release."""
        ...

    def releases(self, target: DeployTarget) -> list[ReleaseState]:
        """``helm list`` in the target's namespace: every live state, pending ones too."""
        ...

    def upgrade(
        self, target: DeployTarget, request: UpgradeRequest, run: StepRunner
    ) -> ReleaseState:
        """``helm upgrade --install --wait --rollback-on-failure --timeout``; its output goes
        to the step's log. Raises :class:`RolloutFailed` when the release did not become
        ready in time (helm has rolled it back by then)."""
        ...

    def history(self, target: DeployTarget, release: str) -> list[HelmRevision]:
        """``helm history``, oldest first; empty when there is no such release."""
        ...

    def rollback(
        self,
        target: DeployTarget,
        release: str,
        revision: int | None,
        timeout_s: int,
        run: StepRunner,
    ) -> ReleaseState:
        """``helm rollback RELEASE [REVISION] --wait``; None: the previous revision."""
        ...

    def uninstall(self, target: DeployTarget, release: str, run: StepRunner) -> None:
        """``helm uninstall --wait``; a release that is not there is not an error."""
        ...

    def recover(self, target: DeployTarget, release: str, run: StepRunner) -> str | None:
        """Unstick a release that a killed deploy left ``pending-*``: roll back to the last
        deployed revision, or uninstall when there is none. Returns what it did (for the
        log), None when the release was not pending."""
        ...


class ClusterReader(Protocol):
    """What delivery reads from a cluster: pods to smoke-test, Deployments' history."""

    def pods(self, target: DeployTarget, selector: Mapping[str, str]) -> list[PodInfo]: ...

    def deployments(
        self, target: DeployTarget, selector: Mapping[str, str]
    ) -> list[DeploymentInfo]: ...

    def rollout_history(self, target: DeployTarget, deployment: str) -> list[RolloutRevision]:
        """The Deployment's revisions from its ReplicaSets, oldest first, each with its
        ``kubernetes.io/change-cause``: the same story ``kubectl rollout history`` tells."""
        ...

    def explain_rollout(self, target: DeployTarget, deployment: str) -> str:
        """Why a rollout is not complete, naming the pod and the failing probe; empty when
        it is complete or nothing is known."""
        ...


class HealthProbe(Protocol):
    """An HTTP GET for smoke tests; never raises for an HTTP status."""

    def get(self, url: str, timeout_s: float) -> tuple[int, str]:
        """(status, body text); status 0 with the error text when there was no answer."""
        ...


class ImagePromoter(Protocol):
    """Copies an image between repositories of one registry, by digest, moving no layers
    when the registry can mount them (``POST /v2/DST/blobs/uploads/?mount=D&from=SRC``),
    as the promotion identity."""

    def promote(self, source: ImageRef, dest_repository: str, tag: str) -> PromotionResult:
        """``source`` must carry its digest; the manifest bytes are PUT unchanged, so the
        same digest arrives. Raises :class:`DeliveryFailed` when the registry refuses."""
        ...


class DeploymentLedger(Protocol):
    """The store's side of delivery: environment locks, the ledger, approvals' answers."""

    def try_lock(self, environment: str, run_id: int, holder: str) -> int | None:
        """Take the environment's lock for ``run_id``; None when taken (or already held by
        this run), else the run that holds it. A lock whose run has finished is stale and
        taken over."""
        ...

    def unlock(self, environment: str, run_id: int) -> None: ...

    def start(self, record: DeploymentRecord) -> int:
        """Add a ``running`` ledger line; returns its id."""
        ...

    def finish(self, deployment_id: int, outcome: str, revision: int, message: str) -> None: ...

    def deployments(
        self,
        service: str | None = None,
        environment: str | None = None,
        version: str | None = None,
    ) -> list[DeploymentRecord]:
        """Ledger lines, oldest first."""
        ...

    def approval(self, run_id: int, environment: str) -> tuple[str, dict[str, object], str]:
        """The run's latest approval decision for ``environment``: (status, data,
        resolved_by); status '' when none was asked."""
        ...
