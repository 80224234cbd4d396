"""What the platform needs from the outside world, as small Protocols, and the real bundle.

The platform code never calls ``subprocess``, sockets, HTTP or the Kubernetes API itself: it is
handed an :class:`Adapters` bundle. :func:`real_adapters` wires the real ones (the process
chokepoint, the daemon starter, the OCI registry client, the lightkube client); unit tests pass
the fakes from ``tests/fakes`` instead, which expect exact command lines.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from shipyard.adapters import daemon, net, process
from shipyard.adapters.daemon import ProcInfo
from shipyard.adapters.host import HostSystem
from shipyard.adapters.kube import IssuedToken, KubeApi, NodeState
from shipyard.adapters.kubeview import (
    ClusterView,
    DeploymentView,
    EventView,
    NodeInfo,
    PodView,
)
from shipyard.adapters.process import Completed
from shipyard.adapters.registry import OciRegistry

__all__ = [
    "Adapters",
    "Completed",
    "Daemons",
    "Host",
    "IssuedToken",
    "KubeClient",
    "KubeReader",
    "Network",
    "NodeInfo",
    "NodeState",
    "ProcInfo",
    "RegistryClient",
    "Runner",
    "real_adapters",
]


class Runner(Protocol):
    def __call__(
        self,
        argv: Sequence[str],
        *,
        cwd: Path | str | None = None,
        env: Mapping[str, str] | None = None,
        extra_env: Mapping[str, str] | None = None,
        check: bool = True,
        input_text: str | None = None,
        timeout: float | None = None,
    ) -> Completed: ...


class Daemons(Protocol):
    def spawn(
        self,
        argv: Sequence[str],
        *,
        log_path: Path,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> ProcInfo: ...

    def info(self, pid: int) -> ProcInfo | None: ...

    def alive(self, pid: int, start_ticks: int | None = None) -> bool: ...

    def terminate(
        self, pid: int, start_ticks: int | None = None, *, grace: float = 10.0
    ) -> bool: ...

    def find(self, match: Callable[[ProcInfo], bool]) -> list[ProcInfo]: ...


class Network(Protocol):
    def is_free(self, host: str, port: int) -> bool: ...

    def accepts(self, host: str, port: int, timeout: float = 0.5) -> bool: ...

    def listener(self, port: int) -> int | None: ...


class RegistryClient(Protocol):
    address: str

    def ping(self) -> None: ...

    def is_up(self) -> bool: ...

    def has_manifest(self, repo: str, ref: str) -> bool: ...

    def manifest_digest(self, repo: str, ref: str) -> str | None: ...


class KubeClient(Protocol):
    context: str

    def ready(self) -> bool: ...

    def apply(self, manifest: dict[str, Any]) -> None: ...

    def whoami(self) -> str: ...

    def request_token(self, namespace: str, service_account: str, seconds: int) -> IssuedToken: ...

    def nodes(self) -> list[NodeState]: ...


class KubeReader(Protocol):
    """Read-only views for status (node kinds) and for explaining a rollout."""

    def node_list(self) -> list[NodeInfo]: ...

    def deployment(self, namespace: str, name: str) -> DeploymentView | None: ...

    def pods(self, namespace: str, selector: dict[str, str]) -> list[PodView]: ...

    def events(self, namespace: str) -> list[EventView]: ...


class Host(Protocol):
    """The kernel interfaces a real node changes (see :mod:`shipyard.adapters.host`)."""

    run_dir: Path

    def is_root(self) -> bool: ...

    def filesystems(self) -> set[str]: ...

    def primary_ipv4(self) -> str | None: ...

    def routes(self) -> list[tuple[str, int]]: ...

    def read_sysctl(self, key: str) -> str | None: ...

    def write_sysctl(self, key: str, value: str) -> bool: ...

    def mounts(self) -> list[str]: ...

    def unmount(self, path: str) -> bool: ...

    def links(self) -> list[str]: ...

    def link_master(self, name: str) -> str | None: ...

    def delete_link(self, name: str) -> bool: ...

    def iptables_save(self, family: Literal[4, 6]) -> str: ...

    def iptables(self, family: Literal[4, 6], args: Sequence[str]) -> bool: ...

    def cgroup_hierarchies(self) -> list[Path]: ...

    def make_cgroup(self, path: Path) -> None: ...

    def cgroup_pids(self, path: Path) -> list[int]: ...

    def remove_cgroup(self, path: Path) -> bool: ...

    def kill(self, pid: int) -> None: ...

    def path_exists(self, path: Path) -> bool: ...

    def list_dir(self, path: Path) -> list[str]: ...

    def link_target(self, path: Path) -> str | None: ...

    def remove_path(self, path: Path) -> bool: ...


RegistryFactory = Callable[[str, bool, str, str], RegistryClient]  # address, secure, user, pw
KubeFactory = Callable[[Path, str], KubeClient]  # kubeconfig, context
ReaderFactory = Callable[[Path, str], KubeReader]  # kubeconfig, context


def _reader(kubeconfig: Path, context: str) -> KubeReader:
    return ClusterView(kubeconfig, context)


@dataclass(frozen=True, slots=True)
class Adapters:
    run: Runner
    daemons: Daemons
    net: Network
    registry: RegistryFactory
    kube: KubeFactory
    # The real node's needs; defaulted so that code which never runs a node need not wire them.
    reader: ReaderFactory = _reader
    host: Host = field(default_factory=HostSystem)


def _registry(address: str, secure: bool, username: str, password: str) -> RegistryClient:
    return OciRegistry(address, secure=secure, username=username, password=password)


def _kube(kubeconfig: Path, context: str) -> KubeClient:
    return KubeApi(kubeconfig, context)


def real_adapters() -> Adapters:
    return Adapters(
        run=process.run,
        daemons=daemon.DaemonControl(),
        net=net.Loopback(),
        registry=_registry,
        kube=_kube,
    )
