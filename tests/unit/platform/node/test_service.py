"""The real node with fakes: it starts in order and stops cleanly, or it falls back in one line
and leaves the host as it found it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from shipyard.adapters.kubeview import Condition, NodeInfo, PodView
from shipyard.platform.catalog import tool
from shipyard.platform.context import Platform
from shipyard.platform.deps import ProcInfo
from shipyard.platform.install import binary
from shipyard.platform.lifecycle import clusters, real_node
from shipyard.platform.node import processes
from shipyard.platform.node.service import RealNode
from shipyard.platform.progress import Recorder
from tests.unit.platform.conftest import Fakes
from tests.unit.platform.fake_host import FakeHost
from tests.unit.platform.node.conftest import write_ca


@pytest.fixture
def platform(make_platform: Callable[..., Platform], fakes: Fakes) -> Platform:
    p = make_platform(SHIPYARD_CLUSTERS_NODE_KIND="kubelet")
    kwok = clusters(p)
    write_ca(kwok.cluster_dir("devtest") / "pki")
    (kwok.cluster_dir("devtest") / "kubeconfig.yaml").write_text("# kwokctl's admin\n")
    proxy = binary(p.paths, tool("kubelet"), "kube-proxy")
    proxy.parent.mkdir(parents=True)
    proxy.touch()  # `kube-proxy --cleanup` runs only when the binary is there
    fakes.registry.push("node/pause", "v1.0.0")
    fakes.registry.push("node/coredns", "v1.15.0")
    for prefix in (("crictl",), ("kube-proxy", "--cleanup"), ("kubectl",)):
        fakes.run.expect(*prefix, repeat=True)
    return p


def _behave(p: Platform, fakes: Fakes, kubelet_fails: str = "") -> RealNode:
    """containerd makes its socket, the kubelet registers a Ready node, kube-proxy listens."""
    node = real_node(p)

    def on_spawn(proc: ProcInfo) -> None:
        name = Path(proc.argv[0]).name
        if name == "containerd":
            node.layout.socket.parent.mkdir(parents=True, exist_ok=True)
            node.layout.socket.touch()
        elif name == "kubelet" and kubelet_fails:
            node.layout.log("kubelet").parent.mkdir(parents=True, exist_ok=True)
            node.layout.log("kubelet").write_text(f"I0000 starting\n{kubelet_fails}\n")
            del fakes.daemons.procs[proc.pid]
        elif name == "kubelet":
            now = datetime.now(UTC)
            fakes.reader.node_infos = [NodeInfo("shipyard-node", True, "kubelet", heartbeat=now)]
            ready = Condition("Ready", "True", changed=now)
            fakes.reader.pod_views = [PodView("coredns-1", "Running", "shipyard-node", (ready,))]
        elif name == "kube-proxy":
            fakes.net.taken[10256] = proc.pid

    fakes.daemons.on_spawn = on_spawn
    return node


def _host(fakes: Fakes) -> FakeHost:
    assert fakes.host is not None
    return fakes.host


def test_the_node_starts_in_order_is_left_alone_when_ready_and_stops_cleanly(
    platform: Platform, fakes: Fakes
) -> None:
    node = _behave(platform, fakes)
    assert node.ensure("devtest") is True
    assert [Path(a[0]).name for a in fakes.daemons.spawned] == [
        "containerd",
        "kubelet",
        "kube-proxy",
    ]
    assert node.claim.owns() and node.ledger.load() is not None
    assert node.layout.containerd_config.is_file() and (node.layout.pki / "kube-proxy.crt").exists()
    assert all((h / "shipyard-node").is_dir() for h in _host(fakes).cgroup_hierarchies())
    dns = [m for m in fakes.clusters["devtest"].applied if m["kind"] == "Deployment"]
    assert dns[0]["spec"]["template"]["spec"]["containers"][0]["image"] == (
        "127.0.0.1:5000/node/coredns:v1.15.0"
    )
    assert node.status().state == "running"

    again = RealNode(
        Platform(platform.paths, platform.settings, platform.adapters, Recorder()),
        clusters(platform),
    )
    assert again.ensure("devtest") is True
    assert len(fakes.daemons.spawned) == 3  # nothing restarted

    assert node.stop() is True
    assert fakes.run.ran("kube-proxy", "--cleanup")
    assert fakes.run.ran("crictl", "--config", "...", "rmp", "--all", "--force")
    assert fakes.daemons.procs == {}
    assert node.ledger.load() is None and not node.claim.owns()
    assert not any((h / "shipyard-node").exists() for h in _host(fakes).cgroup_hierarchies())
    assert node.status().state == "stopped"


def test_a_kubelet_that_exits_at_start_means_simulated_nodes_and_one_line_why(
    platform: Platform, fakes: Fakes
) -> None:
    node = _behave(platform, fakes, kubelet_fails='E1126 07:31:45 run.go:72] "command failed"')
    before = dict(_host(fakes).sysctls)
    assert node.ensure("devtest") is False
    progress = platform.progress
    assert isinstance(progress, Recorder)
    warnings = [m for m in progress.messages if "real node" in m]
    assert warnings == [
        'warning: real node: kubelet exited at start: E1126 07:31:45 run.go:72] "command failed"'
        "; cluster devtest uses simulated nodes"
    ]
    assert progress.steps[-1].outcome == "skipped"
    assert fakes.daemons.procs == {}  # containerd stopped too
    assert _host(fakes).sysctls == before and node.ledger.load() is None
    assert fakes.run.ran("kubectl", "--kubeconfig", "...", "--context", "kwok-devtest", "delete")
    status = node.status()
    assert status.state == "simulated" and status.detail.startswith("kubelet exited at start")


def test_a_host_without_root_never_starts_anything(platform: Platform, fakes: Fakes) -> None:
    _host(fakes).root_user = False
    node = _behave(platform, fakes)
    assert node.ensure("devtest") is False
    assert fakes.daemons.spawned == [] and node.ledger.load() is None
    assert "not root" in node.status().detail


def test_simulated_nodes_only_means_no_node_at_all(
    make_platform: Callable[..., Platform],
) -> None:
    p = make_platform()  # the unit tests' default: clusters.node_kind = "kwok"
    node = real_node(p)
    assert node.cluster is None and node.status().state == "off"
    assert node.stop() is False


def test_a_ready_node_left_from_the_previous_kubelet_does_not_count(
    platform: Platform, fakes: Fakes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a restart the API shows the old kubelet's Ready for a while; only a heartbeat
    after the start counts, and a node that never sends one falls back in time."""
    monkeypatch.setattr(processes, "READY_TIMEOUT", 0.5)
    node = _behave(platform, fakes)
    stale = datetime.now(UTC) - timedelta(minutes=5)
    inner = fakes.daemons.on_spawn
    assert inner is not None

    def old_heartbeat(proc: ProcInfo) -> None:
        inner(proc)
        if Path(proc.argv[0]).name == "kubelet":
            fakes.reader.node_infos = [NodeInfo("shipyard-node", True, "kubelet", heartbeat=stale)]

    fakes.daemons.on_spawn = old_heartbeat
    assert node.ensure("devtest") is False
    assert node.status().detail.startswith("kubelet node not Ready in 0 s")
