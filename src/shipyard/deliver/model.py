"""Plain values of delivery, shared by the release flow, its ports and their adapters.

They carry no behaviour beyond describing themselves, so that fakes, adapters and the CLI's
JSON output agree on one shape.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

# helm's own release statuses (``helm status -o json``: ``.info.status``).
HelmStatus = Literal[
    "unknown",
    "deployed",
    "uninstalled",
    "superseded",
    "failed",
    "uninstalling",
    "pending-install",
    "pending-upgrade",
    "pending-rollback",
]
PENDING: frozenset[str] = frozenset({"pending-install", "pending-upgrade", "pending-rollback"})


@dataclass(frozen=True)
class DeployTarget:
    """Where a deploy goes: one kubeconfig context and namespace.

    ``cluster`` is the platform's name for it (``devtest``, ``prod``), for messages only.
    ``simulated``: its nodes are simulated (kwok), so pods there run no process and a
    smoke test can only check that they are ready.
    """

    environment: str
    kubeconfig: str
    context: str
    namespace: str
    cluster: str = ""
    simulated: bool = False

    def describe(self) -> str:
        where = f" on cluster {self.cluster}" if self.cluster else ""
        return f"{self.environment} (context {self.context}, namespace {self.namespace}{where})"


@dataclass(frozen=True)
class ChartRef:
    """A chart in an OCI registry: ``oci://ADDRESS/NAMESPACE/NAME`` at ``version``."""

    address: str  # host[:port]
    repository: str  # helm/delivery
    version: str  # v1.0.2, as the release build packaged it
    plain_http: bool = False
    digest: str = ""  # the chart manifest's digest, when known

    @property
    def url(self) -> str:
        return f"oci://{self.address}/{self.repository}"

    def describe(self) -> str:
        pinned = f"@{self.digest}" if self.digest else ""
        return f"{self.url}:{self.version}{pinned}"


@dataclass(frozen=True)
class ImageRef:
    """An image in a registry, pinned by digest where it matters."""

    address: str  # host[:port]
    repository: str  # staging/delivery
    tag: str = ""
    digest: str = ""

    @property
    def name(self) -> str:
        return f"{self.address}/{self.repository}"

    def reference(self) -> str:
        """``ADDRESS/REPO:TAG@DIGEST`` (the parts that are known)."""
        text = self.name
        if self.tag:
            text += f":{self.tag}"
        if self.digest:
            text += f"@{self.digest}"
        return text


@dataclass(frozen=True)
class ReleaseState:
    """What helm says about one release (``helm status``/``helm list``)."""

    name: str
    namespace: str
    revision: int
    status: str  # a HelmStatus
    chart: str = ""  # delivery-v1.0.2
    app_version: str = ""
    updated: str = ""
    description: str = ""

    @property
    def pending(self) -> bool:
        return self.status in PENDING

    def as_json(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class HelmRevision:
    """One line of ``helm history``."""

    revision: int
    status: str
    chart: str
    app_version: str
    updated: str
    description: str

    def as_json(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class UpgradeRequest:
    """``helm upgrade --install RELEASE CHART --version V --wait --rollback-on-failure``.

    ``values`` go to helm as a values file (never ``--set`` text, so nothing in them is
    parsed by helm's ``--set`` syntax); ``timeout_s`` bounds the wait for readiness.
    """

    release: str
    chart: ChartRef
    values: dict[str, object] = field(default_factory=dict)
    timeout_s: int = 300
    description: str = ""


@dataclass(frozen=True)
class PodInfo:
    name: str
    ip: str
    ready: bool
    node: str
    phase: str
    images: tuple[str, ...] = ()
    terminating: bool = False  # deleted, still shutting down (the rollout it belonged to)


@dataclass(frozen=True)
class DeploymentInfo:
    """A Deployment as ``kubectl rollout history`` would tell it."""

    name: str
    namespace: str
    images: tuple[str, ...]
    change_cause: str
    revision: int
    ready_replicas: int
    replicas: int
    labels: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class RolloutRevision:
    """One revision of a Deployment (from its ReplicaSets): what ``kubectl rollout history``
    lists, with the image the revision ran."""

    revision: int
    change_cause: str
    images: tuple[str, ...]

    def as_json(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class PromotionResult:
    """What a promotion did: the digest that arrived, and what moved to get it there."""

    source: ImageRef
    dest: ImageRef
    digest: str
    manifests: int  # manifests PUT (1, or 1 + children for an index)
    blobs_mounted: int
    blobs_present: int  # already in the destination repository
    bytes_moved: int  # layer and config bytes uploaded (0 when every blob was mounted)
    seconds: float

    def as_json(self) -> dict[str, object]:
        data = asdict(self)
        data["source"] = self.source.reference()
        data["dest"] = self.dest.reference()
        return data


DeployKind = Literal["deploy", "rollback", "retire"]
DeployOutcome = Literal["running", "succeeded", "failed", "refused"]


@dataclass(frozen=True)
class DeploymentRecord:
    """One line of the deployment ledger: a deploy, rollback or retirement and its outcome.

    ``build_run_id`` is the release build that produced the image and chart (so a
    deployment traces back to its commit, tests and scan); ``run_id`` the run that deployed.
    """

    service: str
    version: str
    environment: str
    release: str
    kind: str  # a DeployKind
    outcome: str  # a DeployOutcome
    started_at: float
    run_id: int = 0
    build_run_id: int = 0
    commit: str = ""
    image: str = ""
    image_digest: str = ""
    chart: str = ""
    chart_digest: str = ""
    revision: int = 0
    change_cause: str = ""
    approvers: tuple[str, ...] = ()
    message: str = ""
    finished_at: float | None = None
    id: int = 0

    def as_json(self) -> dict[str, object]:
        data = asdict(self)
        data["approvers"] = list(self.approvers)
        return data
