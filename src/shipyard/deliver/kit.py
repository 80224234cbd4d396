"""What a delivery step is given: the environments and one adapter per port.

The executor builds one :class:`DeliveryKit` per step (settings re-read, so a changed
approver list counts at once) and a task asks for it with ``ctx.service(DeliveryKit)``;
tests build one from fakes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from shipyard.deliver.environments import Environments, ManifestPolicy
from shipyard.deliver.model import DeployTarget
from shipyard.deliver.ports import (
    ClusterReader,
    DeploymentLedger,
    HealthProbe,
    HelmReleases,
    ImagePromoter,
)

#: ``(rendered manifests, policy) -> findings``; each finding a sentence for the user.
ManifestCheck = Callable[[str, ManifestPolicy], list[str]]


@dataclass(frozen=True)
class DeliveryKit:
    environments: Environments
    helm: HelmReleases
    cluster: ClusterReader
    probe: HealthProbe
    promoter: ImagePromoter
    ledger: DeploymentLedger
    target: Callable[[str], DeployTarget]  # environment name -> where it deploys
    check_manifests: ManifestCheck
    registry: str  # host:port of the registry the environments' namespaces live in
