"""Record the host, let a node change it (and podman too), restore: only the node's changes go."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shipyard.platform.node.layout import NodeLayout
from shipyard.platform.node.ledger import HostLedger
from shipyard.platform.paths import PlatformPaths
from tests.unit.platform.fake_host import FakeHost


@pytest.fixture
def layout(tmp_path: Path) -> NodeLayout:
    paths = PlatformPaths(tmp_path / "c", tmp_path / "d", tmp_path / "s", tmp_path / "cfg")
    return NodeLayout(paths, tmp_path / "run" / "node")


@pytest.fixture
def host(tmp_path: Path) -> FakeHost:
    return FakeHost(tmp_path / "host")


def _node_runs(host: FakeHost, layout: NodeLayout, ledger: HostLedger) -> None:
    """What a kubelet, containerd, kube-proxy and the CNI plugins do to a host."""
    host.sysctls |= {"vm.overcommit_memory": "1", "kernel.panic": "10"}
    kubelet = str(layout.kubelet_root)
    host.mounted += [
        kubelet,
        kubelet,  # the kubelet bind-mounts its root onto itself
        f"{kubelet}/pods/p1/volumes/kubernetes.io~projected/token",
        f"{layout.containerd_state}/io.containerd.grpc.v1.cri/netns/cni-1",
    ]
    host.link_names |= {"shipyard0": None, "veth1": "shipyard0"}
    for family in (4, 6):
        t = host.tables[family]
        t.apply(["-t", "filter", "-N", "KUBE-FIREWALL"])
        t.apply(["-t", "filter", "-A", "INPUT", "-j", "KUBE-FIREWALL"])
        t.apply(["-t", "nat", "-N", "CNI-7"])
        comment = 'name: "shipyard-node" id: "abc"'
        t.apply(
            ["-t", "nat", "-A", "POSTROUTING", "-m", "comment", "--comment", comment, "-j", "CNI-7"]
        )
        t.apply(["-t", "nat", "-A", "CNI-7", "-j", "MASQUERADE"])
    host.paths |= {
        "/var/lib/kubelet",
        "/var/lib/kubelet/device-plugins",
        "/var/log/containers",
        "/var/lib/cni/results/shipyard-node-abc-eth0",
        "/var/lib/cni/results/cni-loopback-abc-lo",
    }
    host.links_to["/var/log/containers/web_default_web-1.log"] = f"{layout.pod_logs}/x/0.log"
    created = []
    for hierarchy in host.cgroup_hierarchies():
        cg = layout.cgroup(hierarchy)
        host.make_cgroup(cg)
        (cg / "kubepods" / "besteffort").mkdir(parents=True)
        created.append(cg)
    ledger.add_cgroups(created)
    host.procs_in[str(created[0])] = [4242]  # a container whose shim died with containerd


def _podman_meanwhile(host: FakeHost) -> None:
    host.link_names["veth9"] = "cni-podman0"
    host.tables[4].apply(["-t", "nat", "-N", "CNI-9"])
    host.tables[4].apply(
        [
            "-t",
            "nat",
            "-A",
            "POSTROUTING",
            "-m",
            "comment",
            "--comment",
            'name: "podman" id: "def"',
            "-j",
            "CNI-9",
        ]
    )
    host.paths.add("/var/lib/cni/results/podman-def-eth0")
    host.mounted.append("/var/lib/containers/storage/overlay/m/merged")


def test_restore_undoes_the_node_and_only_the_node(host: FakeHost, layout: NodeLayout) -> None:
    ledger = HostLedger(layout.ledger, host)
    ledger.record(layout)
    before = (
        dict(host.sysctls),
        host.tables[6].save(),
        set(host.paths),
    )
    _node_runs(host, layout, ledger)
    _podman_meanwhile(host)

    report = ledger.restore(ledger.load())  # type: ignore[arg-type]

    assert report.failed == []
    assert host.sysctls == before[0]
    assert host.tables[6].save() == before[1]
    podman = host.tables[4].save()
    assert "KUBE-" not in podman and "shipyard-node" not in podman and "CNI-7" not in podman
    assert '"podman"' in podman and ":CNI-9" in podman
    assert host.paths == before[2] | {"/var/lib/cni/results/podman-def-eth0"}
    assert host.links_to == {}
    assert sorted(host.link_names) == ["eth0", "lo", "veth9"]
    assert host.mounted == ["/", "/proc", "/sys", "/var/lib/containers/storage/overlay/m/merged"]
    assert host.unmounted[0].endswith("/token")  # deepest first
    assert host.killed == [4242]
    assert not any(h.joinpath("shipyard-node").exists() for h in host.cgroup_hierarchies())
    assert not layout.ledger.exists()


def test_restoring_twice_changes_nothing_more(host: FakeHost, layout: NodeLayout) -> None:
    ledger = HostLedger(layout.ledger, host)
    baseline = ledger.record(layout)
    _node_runs(host, layout, ledger)
    baseline = ledger.load()  # type: ignore[assignment]
    assert baseline is not None
    ledger.restore(baseline)
    again = ledger.restore(baseline)
    assert again.failed == [] and again.undone == []


def test_the_record_is_written_before_anything_changes_and_survives_a_crash(
    host: FakeHost, layout: NodeLayout
) -> None:
    HostLedger(layout.ledger, host).record(layout)
    data = json.loads(layout.ledger.read_text())
    assert data["sysctls"]["kernel.panic"] == "1"
    assert data["paths"]["/var/lib/kubelet"] is False
    assert data["owned"] == [str(p) for p in layout.owned()]
    # another process (the next `up`, or another platform) restores from the file alone
    other = HostLedger(layout.ledger, host)
    assert other.load() is not None and other.load().owner == str(layout.paths.state)  # type: ignore[union-attr]


def test_a_record_that_cannot_be_read_counts_as_none(host: FakeHost, layout: NodeLayout) -> None:
    layout.ledger.parent.mkdir(parents=True)
    layout.ledger.write_text("{not json")
    assert HostLedger(layout.ledger, host).load() is None
