"""The shape of the embedded platform, as data: which clusters, which environments.

Two clusters, as a small organisation would run them: ``devtest`` carries the pre-production
environments side by side (one namespace each), ``prod`` carries production alone, so that a
mistake in a test environment cannot reach production's API server at all. An environment is
a (cluster, namespace) pair; Pod Security ``restricted`` is enforced where the flag says so.
"""

from __future__ import annotations

from dataclasses import dataclass

LOOPBACK = "127.0.0.1"  # every embedded service listens here only


@dataclass(frozen=True, slots=True)
class Environment:
    name: str
    cluster: str
    namespace: str
    restricted: bool


@dataclass(frozen=True, slots=True)
class ClusterSpec:
    name: str
    environments: tuple[Environment, ...]

    @property
    def namespaces(self) -> tuple[str, ...]:
        return tuple(env.namespace for env in self.environments)


ENVIRONMENTS: tuple[Environment, ...] = (
    Environment("dev", "devtest", "dev", restricted=False),
    Environment("qa", "devtest", "qa", restricted=True),
    Environment("staging", "devtest", "staging", restricted=True),
    Environment("production", "prod", "production", restricted=True),
)

CLUSTERS: tuple[ClusterSpec, ...] = tuple(
    ClusterSpec(name, tuple(e for e in ENVIRONMENTS if e.cluster == name))
    for name in ("devtest", "prod")
)

# Where the Kubernetes executor's Jobs run: a namespace of the dev/test cluster of its own,
# apart from every environment (its pods are privileged build agents).
AGENTS_CLUSTER = "devtest"
AGENTS_NAMESPACE = "shipyard-agents"

ENVIRONMENT_NAMES: tuple[str, ...] = tuple(e.name for e in ENVIRONMENTS)

# Each cluster takes a block of consecutive loopback ports starting at its API server port:
# API server, etcd client, etcd peer, controller manager, scheduler, kwok controller.
PORTS_PER_CLUSTER = 6
PORT_ROLES = (
    "kube-apiserver",
    "etcd",
    "etcd-peer",
    "kube-controller-manager",
    "kube-scheduler",
    "kwok-controller",
)


def environment(name: str) -> Environment:
    for env in ENVIRONMENTS:
        if env.name == name:
            return env
    raise KeyError(name)
