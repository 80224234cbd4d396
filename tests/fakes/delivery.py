"""In-memory stand-ins for delivery's ports: helm releases, a cluster, a prober, a promoter
and the ledger. They keep just enough state to tell whether the release flow asked for the
right things in the right order."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from shipyard.deliver.environments import (
    Environments,
    ManifestPolicy,
    default_policy,
)
from shipyard.deliver.kit import DeliveryKit
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
from shipyard.deliver.ports import RolloutFailed
from shipyard.deliver.release import Release
from shipyard.ports import StepRunner

REGISTRY = "127.0.0.1:5000"
DIGEST = "sha256:" + "1" * 64
CHART_DIGEST = "sha256:" + "2" * 64


def release(version: str = "v1.0.2", build_run_id: int = 7, **kw: Any) -> Release:
    base = Release(
        service="delivery",
        version=version,
        build_run_id=build_run_id,
        commit="c0ffee" * 6 + "abcd",
        author="dev",
        registry=REGISTRY,
        plain_http=True,
        image_repository="staging/delivery",
        image_digest=DIGEST,
        chart_repository="helm/delivery",
        chart_version=version,
        chart_digest=CHART_DIGEST,
    )
    return replace(base, **kw)


def environments() -> Environments:
    return Environments(
        {
            "qa": default_policy("qa", "devtest", "qa", "qa"),
            "production": default_policy("production", "prod", "production", "production"),
        },
        {"release-managers": ("rita",)},
    )


@dataclass
class FakeHelm:
    fail_rollout: str = ""  # explanation, when the next upgrade should fail
    pending: set[str] = field(default_factory=set)
    calls: list[str] = field(default_factory=list)
    revisions: dict[str, list[UpgradeRequest]] = field(default_factory=dict)

    def render(self, target: DeployTarget, request: UpgradeRequest) -> str:
        self.calls.append(f"render {target.environment} {request.release}")
        image: Any = request.values["image"]
        ref = f"{request.values['dockerregistry']}/{image['repository']}@{image['digest']}"
        return f"kind: Deployment\nimage: {ref}\n"

    def status(self, target: DeployTarget, release: str) -> ReleaseState | None:
        revs = self.revisions.get(release)
        return ReleaseState(release, target.namespace, len(revs), "deployed") if revs else None

    def releases(self, target: DeployTarget) -> list[ReleaseState]:
        return [s for r in self.revisions if (s := self.status(target, r)) is not None]

    def upgrade(
        self, target: DeployTarget, request: UpgradeRequest, run: StepRunner
    ) -> ReleaseState:
        self.calls.append(f"upgrade {target.environment} {request.release}")
        if self.fail_rollout:
            raise RolloutFailed("timed out waiting for the condition", self.fail_rollout)
        self.revisions.setdefault(request.release, []).append(request)
        return ReleaseState(
            request.release, target.namespace, len(self.revisions[request.release]), "deployed"
        )

    def history(self, target: DeployTarget, release: str) -> list[HelmRevision]:
        return [
            HelmRevision(i + 1, "deployed", release, "", "", str(r.values.get("reason", "")))
            for i, r in enumerate(self.revisions.get(release, []))
        ]

    def rollback(
        self, target: DeployTarget, release: str, revision: int | None, timeout_s: int, run: Any
    ) -> ReleaseState:
        self.calls.append(f"rollback {target.environment} {release} {revision}")
        revs = self.revisions[release]
        back = revs[(revision or len(revs) - 1) - 1]
        revs.append(back)
        return ReleaseState(release, target.namespace, len(revs), "deployed")

    def uninstall(self, target: DeployTarget, release: str, run: StepRunner) -> None:
        self.calls.append(f"uninstall {target.environment} {release}")
        self.revisions.pop(release, None)

    def recover(self, target: DeployTarget, release: str, run: StepRunner) -> str | None:
        if release in self.pending:
            self.pending.discard(release)
            self.calls.append(f"recover {release}")
            return "rolled back to revision 1"
        return None


@dataclass
class FakeCluster:
    pods_by_release: dict[str, list[PodInfo]] = field(default_factory=dict)

    def pods(self, target: DeployTarget, selector: Mapping[str, str]) -> list[PodInfo]:
        return self.pods_by_release.get(selector.get("app.kubernetes.io/instance", ""), [])

    def deployments(
        self, target: DeployTarget, selector: Mapping[str, str]
    ) -> list[DeploymentInfo]:
        return []

    def rollout_history(self, target: DeployTarget, deployment: str) -> list[RolloutRevision]:
        return []

    def explain_rollout(self, target: DeployTarget, deployment: str) -> str:
        return ""


@dataclass
class FakeProbe:
    answers: dict[str, tuple[int, str]] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)

    def get(self, url: str, timeout_s: float) -> tuple[int, str]:
        self.asked.append(url)
        return self.answers.get(url, (200, "ok"))


@dataclass
class FakePromoter:
    digest: str = DIGEST
    calls: list[str] = field(default_factory=list)

    def promote(self, source: ImageRef, dest_repository: str, tag: str) -> PromotionResult:
        self.calls.append(f"{source.repository}@{source.digest} -> {dest_repository}:{tag}")
        dest = ImageRef(source.address, dest_repository, tag, self.digest)
        return PromotionResult(source, dest, self.digest, 1, 3, 0, 0, 0.01)


@dataclass
class FakeLedger:
    records: list[DeploymentRecord] = field(default_factory=list)
    lock_holders: dict[str, int] = field(default_factory=dict)
    approvals: dict[tuple[int, str], tuple[str, dict[str, object], str]] = field(
        default_factory=dict
    )
    busy_for: int = 0  # try_lock answers "taken by run 99" this many times

    def try_lock(self, environment: str, run_id: int, holder: str) -> int | None:
        if self.busy_for > 0:
            self.busy_for -= 1
            return 99
        held = self.lock_holders.get(environment)
        if held is not None and held != run_id:
            return held
        self.lock_holders[environment] = run_id
        return None

    def unlock(self, environment: str, run_id: int) -> None:
        if self.lock_holders.get(environment) == run_id:
            del self.lock_holders[environment]

    def start(self, record: DeploymentRecord) -> int:
        self.records.append(replace(record, id=len(self.records) + 1))
        return len(self.records)

    def finish(self, deployment_id: int, outcome: str, revision: int, message: str) -> None:
        i = deployment_id - 1
        self.records[i] = replace(
            self.records[i], outcome=outcome, revision=revision, message=message
        )

    def deployments(
        self,
        service: str | None = None,
        environment: str | None = None,
        version: str | None = None,
    ) -> list[DeploymentRecord]:
        return [
            r
            for r in self.records
            if (service is None or r.service == service)
            and (environment is None or r.environment == environment)
            and (version is None or r.version == version)
        ]

    def approval(self, run_id: int, environment: str) -> tuple[str, dict[str, object], str]:
        return self.approvals.get((run_id, environment), ("", {}, ""))


def no_findings(manifests: str, policy: ManifestPolicy) -> list[str]:
    found = []
    if policy.image_prefix and policy.image_prefix not in manifests:
        found.append(f"Deployment/x container app: image must come from {policy.image_prefix}")
    return found


def kit(**kw: Any) -> DeliveryKit:
    parts: dict[str, Any] = {
        "environments": environments(),
        "helm": FakeHelm(),
        "cluster": FakeCluster(),
        "probe": FakeProbe(),
        "promoter": FakePromoter(),
        "ledger": FakeLedger(),
        "target": lambda env: DeployTarget(env, "/kubeconfig", env, env, "devtest"),
        "check_manifests": no_findings,
        "registry": REGISTRY,
    }
    parts.update(kw)
    return DeliveryKit(**parts)
