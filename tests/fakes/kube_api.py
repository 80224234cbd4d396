"""An in-memory Kubernetes API implementing the platform's ``KubeClient`` protocol.

One :class:`FakeCluster` holds what was applied, the nodes and the tokens it issued; each
:class:`FakeKube` is a view of it through one context (admin or an environment's token),
so a test can check both what the setup applied and who a kubeconfig context authenticates as.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from shipyard.adapters.kube import IssuedToken, KubeUnreachable, NodeState

_serial = itertools.count(1)


@dataclass
class FakeCluster:
    up: bool = True
    applied: list[dict[str, Any]] = field(default_factory=list)
    nodes: list[NodeState] = field(default_factory=list)
    tokens: dict[str, str] = field(default_factory=dict)  # token -> user name
    token_seconds: list[int] = field(default_factory=list)

    def objects(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.applied if m["kind"] == kind]


@dataclass
class FakeKube:
    cluster: FakeCluster
    context: str
    identity: str = "kubernetes-admin"

    def _check(self) -> None:
        if not self.cluster.up:
            raise KubeUnreachable(f"the API server of context '{self.context}' did not answer")

    def ready(self) -> bool:
        return self.cluster.up

    def apply(self, manifest: dict[str, Any]) -> None:
        self._check()
        self.cluster.applied.append(manifest)

    def whoami(self) -> str:
        self._check()
        return self.identity

    def request_token(self, namespace: str, service_account: str, seconds: int) -> IssuedToken:
        self._check()
        token = f"token-{next(_serial)}"
        self.cluster.tokens[token] = f"system:serviceaccount:{namespace}:{service_account}"
        self.cluster.token_seconds.append(seconds)
        return IssuedToken(token, datetime.now(UTC) + timedelta(seconds=seconds))

    def nodes(self) -> list[NodeState]:
        self._check()
        return list(self.cluster.nodes)


class FakeKubeFactory:
    """``adapters.kube(kubeconfig, context)``: admin contexts and token contexts of kubeconfigs.

    A context of Shipyard's environment kubeconfig authenticates as whatever its token was
    issued for, read back from the file, like the real API server would.
    """

    def __init__(self, clusters: dict[str, FakeCluster]) -> None:
        self.clusters = clusters

    def __call__(self, kubeconfig: Path, context: str) -> FakeKube:
        import yaml

        if context.startswith("kwok-"):
            return FakeKube(self.clusters[context.removeprefix("kwok-")], context)
        doc = yaml.safe_load(kubeconfig.read_text())
        ctx = next(c["context"] for c in doc["contexts"] if c["name"] == context)
        user = next(u["user"] for u in doc["users"] if u["name"] == ctx["user"])
        cluster = self.clusters[ctx["cluster"]]
        return FakeKube(cluster, context, cluster.tokens.get(user.get("token", ""), "anonymous"))
