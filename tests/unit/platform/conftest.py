"""A platform in a temporary home, wired to the fakes of ``tests/fakes``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from shipyard.platform.context import Platform
from shipyard.platform.deps import Adapters
from shipyard.platform.progress import Recorder
from tests.fakes.kube_api import FakeCluster, FakeKubeFactory
from tests.fakes.oci_registry import FakeRegistry
from tests.fakes.platform_commands import FakeDaemons, FakeNetwork, FakeRunner
from tests.unit.platform.fake_host import FakeHost, FakeReader


@dataclass
class Fakes:
    run: FakeRunner = field(default_factory=FakeRunner)
    daemons: FakeDaemons = field(default_factory=FakeDaemons)
    net: FakeNetwork = field(default_factory=FakeNetwork)
    registry: FakeRegistry = field(default_factory=FakeRegistry)
    clusters: dict[str, FakeCluster] = field(
        default_factory=lambda: {"devtest": FakeCluster(), "prod": FakeCluster()}
    )
    registry_logins: list[tuple[str, bool, str, str]] = field(default_factory=list)
    host: FakeHost | None = None  # set by the fixture: a machine under a temporary root
    reader: FakeReader = field(default_factory=lambda: FakeReader())

    def __post_init__(self) -> None:
        self.net.daemons = self.daemons

    def adapters(self) -> Adapters:
        def registry(address: str, secure: bool, user: str, password: str) -> FakeRegistry:
            self.registry_logins.append((address, secure, user, password))
            return self.registry

        return Adapters(
            run=self.run,
            daemons=self.daemons,
            net=self.net,
            registry=registry,
            kube=FakeKubeFactory(self.clusters),
            reader=lambda kubeconfig, context: self.reader,
            **({"host": self.host} if self.host is not None else {}),
        )


@pytest.fixture
def home(tmp_path: Path) -> dict[str, str]:
    """XDG variables of a fresh user; no settings file anywhere."""
    return {
        "HOME": str(tmp_path / "home"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "PATH": "/usr/bin:/bin",
        # Simulated nodes unless a test asks for the real one (tests/unit/platform/node).
        "SHIPYARD_CLUSTERS_NODE_KIND": "kwok",
    }


@pytest.fixture
def fakes(tmp_path: Path) -> Fakes:
    return Fakes(host=FakeHost(tmp_path / "host"))


@pytest.fixture
def make_platform(home: dict[str, str], fakes: Fakes, tmp_path: Path) -> Callable[..., Platform]:
    def build(settings: str | None = None, **env: str) -> Platform:
        full = dict(home) | env
        if settings is not None:
            path = tmp_path / "shipyard.toml"
            path.write_text(settings)
            full["SHIPYARD_CONFIG"] = str(path)
        return Platform.load(
            progress=Recorder(), adapters=fakes.adapters(), env=full, cwd=tmp_path / "nowhere"
        )

    return build
