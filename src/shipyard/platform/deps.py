"""What the platform needs from the outside world, as small Protocols, and the real bundle.

The platform code never calls ``subprocess``, sockets, HTTP or the Kubernetes API itself: it is
handed an :class:`Adapters` bundle. :func:`real_adapters` wires the real ones (the process
chokepoint, the daemon starter, the OCI registry client, the lightkube client); unit tests pass
the fakes from ``tests/fakes`` instead, which expect exact command lines.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from shipyard.adapters import daemon, net, process
from shipyard.adapters.daemon import ProcInfo
from shipyard.adapters.kube import IssuedToken, KubeApi, NodeState
from shipyard.adapters.process import Completed
from shipyard.adapters.registry import OciRegistry

__all__ = [
    "Adapters",
    "Completed",
    "Daemons",
    "IssuedToken",
    "KubeClient",
    "Network",
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


RegistryFactory = Callable[[str, bool, str, str], RegistryClient]  # address, secure, user, pw
KubeFactory = Callable[[Path, str], KubeClient]  # kubeconfig, context


@dataclass(frozen=True, slots=True)
class Adapters:
    run: Runner
    daemons: Daemons
    net: Network
    registry: RegistryFactory
    kube: KubeFactory


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
