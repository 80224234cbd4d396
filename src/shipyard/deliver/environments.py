"""Environments as Shipyard's own configuration: who may approve, what may be deployed.

An environment's rules live in Shipyard's settings, never in pipeline YAML, so a pull
request that edits ``azure-pipelines.yml`` cannot remove a gate: a deployment job's
``environment: production`` only *names* the environment; the approvers, the registry
namespace its images must come from and the manifest policy are looked up here.

The embedded defaults follow the reference flow: ``dev`` and ``qa`` deploy without a
question from the build's ``staging/`` images; ``production`` needs one approval from
someone other than the change's author, an image promoted into ``prod/`` and referenced by
digest, and containers that cannot run as root.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Approvers:
    """Who may approve: user names and ``group:NAME`` entries; empty means anyone."""

    entries: tuple[str, ...] = ()
    minimum: int = 0  # approvals needed; 0: no approval asked
    allow_self_approval: bool = False  # may the change's author approve it?
    timeout_minutes: int = 24 * 60

    @property
    def required(self) -> bool:
        return self.minimum > 0

    def users(self, groups: Mapping[str, tuple[str, ...]]) -> frozenset[str]:
        """Every user the entries name, groups expanded (unknown groups name nobody)."""
        out: set[str] = set()
        for entry in self.entries:
            if entry.startswith("group:"):
                out.update(groups.get(entry.removeprefix("group:"), ()))
            else:
                out.add(entry)
        return frozenset(out)

    def describe(self) -> str:
        if not self.required:
            return "no approval"
        who = ", ".join(self.entries) if self.entries else "anyone"
        self_part = "" if self.allow_self_approval else ", not the author"
        return f"{self.minimum} approval(s) from {who}{self_part}"


@dataclass(frozen=True, slots=True)
class ManifestPolicy:
    """What a rendered chart must satisfy before it reaches the cluster."""

    image_prefix: str = ""  # e.g. 127.0.0.1:5000/prod/ ; empty: any registry
    require_digest: bool = False
    allow_root: bool = False


@dataclass(frozen=True, slots=True)
class EnvironmentPolicy:
    name: str
    cluster: str
    context: str
    namespace: str
    registry_namespace: str  # staging / prod: where its images must come from
    approvers: Approvers = field(default_factory=Approvers)
    exclusive: bool = True  # one deploy at a time
    helm_timeout_s: int = 300
    allow_root: bool = False
    require_digest: bool = False

    def manifest_policy(self, registry_address: str) -> ManifestPolicy:
        prefix = f"{registry_address}/{self.registry_namespace}/" if registry_address else ""
        return ManifestPolicy(prefix, self.require_digest, self.allow_root)

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "cluster": self.cluster,
            "context": self.context,
            "namespace": self.namespace,
            "registry_namespace": self.registry_namespace,
            "approvers": list(self.approvers.entries),
            "min_approvals": self.approvers.minimum,
            "allow_self_approval": self.approvers.allow_self_approval,
            "approval_timeout_minutes": self.approvers.timeout_minutes,
            "exclusive": self.exclusive,
            "helm_timeout_s": self.helm_timeout_s,
            "require_digest": self.require_digest,
            "allow_root": self.allow_root,
        }


@dataclass(frozen=True, slots=True)
class Environments:
    """Every configured environment, and the user groups their approvers may name."""

    by_name: Mapping[str, EnvironmentPolicy]
    groups: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def names(self) -> tuple[str, ...]:
        return tuple(self.by_name)

    def get(self, name: str) -> EnvironmentPolicy | None:
        return self.by_name.get(name)

    def __getitem__(self, name: str) -> EnvironmentPolicy:
        found = self.by_name.get(name)
        if found is None:
            known = ", ".join(self.by_name)
            raise KeyError(f"unknown environment '{name}' (configured: {known})")
        return found


#: The order a release goes through, and the default rules of each environment.
RELEASE_PATH = ("qa", "production")
DEFAULT_REGISTRY_NAMESPACE = {"dev": "staging", "qa": "staging", "staging": "staging"}
PRODUCTION = "production"


def default_policy(name: str, cluster: str, context: str, namespace: str) -> EnvironmentPolicy:
    """The embedded defaults (see the module's docstring)."""
    if name == PRODUCTION:
        return EnvironmentPolicy(
            name,
            cluster,
            context,
            namespace,
            registry_namespace="prod",
            approvers=Approvers(minimum=1),
            require_digest=True,
        )
    return EnvironmentPolicy(
        name,
        cluster,
        context,
        namespace,
        registry_namespace=DEFAULT_REGISTRY_NAMESPACE.get(name, "staging"),
    )
