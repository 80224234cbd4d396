"""Wiring for delivery: the :class:`~shipyard.deliver.kit.DeliveryKit` steps and the CLI use.

Each part is the real adapter on the embedded platform (or on the user's own clusters and
registry, from the settings): helm releases over the platform's helm binary with private
state, the cluster reader over the Kubernetes API with the environment's own context, the
health probe and the promoter over HTTP, the ledger in the run store. The settings are read
when the kit is built, and a worker builds one per step, so a changed approver list or
registry counts at once.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from shipyard.adapters.cluster_reader import KubeDelivery
from shipyard.adapters.health import HttpProbe
from shipyard.adapters.helm_releases import HelmCli
from shipyard.adapters.kubeview import ClusterView
from shipyard.adapters.promotion import RegistryPromoter
from shipyard.adapters.registry import OciRegistry
from shipyard.adapters.tool_runner import ConsoleRunner
from shipyard.deliver.kit import DeliveryKit
from shipyard.deliver.model import DeployTarget
from shipyard.deliver.policy import check_manifests
from shipyard.domain import registry_access
from shipyard.executor.context import Deferred
from shipyard.platform import Platform, Recorder
from shipyard.platform import environment as platform_environment
from shipyard.platform.catalog import tool
from shipyard.platform.rollout import diagnose
from shipyard.store.deployments import Deployments


def console_runner(say: Callable[[str], None] | None) -> ConsoleRunner:
    return ConsoleRunner(say)


def _explain(view: ClusterView, namespace: str, deployment: str) -> str:
    report = diagnose(view, namespace, deployment)
    return "" if report.complete else report.text()


def delivery_kit(engine: sa.Engine, platform: Platform | None = None) -> DeliveryKit:
    p = platform or Platform.load(progress=Recorder())
    settings = p.settings

    def target(name: str) -> DeployTarget:
        ref = platform_environment(name, p)
        real = settings.clusters.real_node_cluster
        simulated = ref.cluster is not None and ref.cluster != real
        return DeployTarget(
            name, str(ref.kubeconfig), ref.context, ref.namespace, ref.cluster or "", simulated
        )

    entry = tool("helm")
    helm_binary = p.paths.tool_dir(entry.name, entry.version) / "helm"
    cluster = KubeDelivery(_explain)
    registry = p.target
    promotion = p.target_as(registry_access.PROMOTION)  # the one identity that writes prod/
    client = OciRegistry(
        promotion.address,
        secure=promotion.secure,
        username=promotion.username,
        password=promotion.password.reveal(),
    )
    return DeliveryKit(
        environments=settings.delivery,
        helm=HelmCli(helm_binary, p.tool_env(), cluster.explain_release),
        cluster=cluster,
        probe=HttpProbe(),
        promoter=RegistryPromoter(client),
        ledger=Deployments(engine),
        target=target,
        check_manifests=check_manifests,
        registry=registry.address,
    )


def open_kit() -> DeliveryKit:
    """The kit for the CLI: the user's store and platform."""
    from shipyard.store import open_store

    return delivery_kit(open_store().engine)


class LazyKit(Deferred):
    """Built when a step asks, so a worker that never deploys never reads the platform."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def build(self) -> DeliveryKit:
        return delivery_kit(self.engine)
