"""Whether a host can run the node, in one line; one node per machine."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from shipyard.platform.node import checks
from shipyard.platform.node.claim import MachineClaim
from shipyard.platform.node.layout import NodeLayout
from shipyard.platform.paths import PlatformPaths
from tests.fakes.platform_commands import FakeDaemons, FakeNetwork
from tests.unit.platform.fake_host import FakeHost


def _layout(root: Path, run: Path) -> NodeLayout:
    paths = PlatformPaths(root / "c", root / "d", root / "s", root / "cfg")
    paths.state.mkdir(parents=True)
    return NodeLayout(paths, run)


@pytest.fixture
def layout(tmp_path: Path) -> NodeLayout:
    return _layout(tmp_path / "a", tmp_path / "run" / "node")


def _why(host: FakeHost, layout: NodeLayout, net: FakeNetwork | None = None) -> str | None:
    daemons = FakeDaemons()
    return checks.why_not(host, net or FakeNetwork(), daemons, layout)


def test_a_capable_host_has_no_reason(tmp_path: Path, layout: NodeLayout) -> None:
    assert _why(FakeHost(tmp_path / "h"), layout) is None


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"root_user": False}, "not root"),
        ({"fs": {"ext4"}}, "no overlay file system"),
        ({"ipv4": None}, "no non-loopback IPv4 address"),
        ({"route_table": [("10.244.0.0", 16)]}, "10.244.0.0/16, which overlaps"),
        ({"route_table": [("10.0.0.0", 16)]}, "overlaps the node's range 10.0.0.0/24"),
    ],
)
def test_each_reason_is_one_line(
    tmp_path: Path, layout: NodeLayout, change: dict[str, object], words: str
) -> None:
    host = FakeHost(tmp_path / "h")
    for key, value in change.items():
        setattr(host, key, value)
    reason = _why(host, layout)
    assert reason is not None and words in reason and "\n" not in reason


def test_the_nodes_own_bridge_route_is_not_a_clash() -> None:
    assert checks.overlapping_route([("10.244.0.0", 24), ("0.0.0.0", 0)]) is None


def test_a_kubelet_port_held_by_someone_else_is_named(tmp_path: Path, layout: NodeLayout) -> None:
    reason = _why(FakeHost(tmp_path / "h"), layout, FakeNetwork(taken={10250: 777}))
    assert reason == "port 10250 (kubelet/kube-proxy) is taken by pid 777"


def test_one_claim_per_machine_and_a_stale_one_is_taken_over(tmp_path: Path) -> None:
    run = tmp_path / "run" / "node"
    daemons = FakeDaemons()
    first = MachineClaim(_layout(tmp_path / "a", run), daemons)
    second = MachineClaim(_layout(tmp_path / "b", run), daemons)
    assert first.take() is None and first.owns()
    kubelet = daemons.add("kubelet")
    first.started({"kubelet": (kubelet.pid, kubelet.start_ticks)})
    holder = second.holder()
    assert holder is not None and holder.owner == first.me
    with pytest.raises(FileExistsError):
        second.take()
    second.release()  # not its claim: nothing happens
    assert first.owns()

    daemons.terminate(kubelet.pid)  # the first platform's node crashed
    assert second.holder() is None
    stale = second.take()
    assert stale is not None and stale.ledger == str(first.layout.ledger)
    assert second.owns() and not first.owns()
    second.release()
    assert not run.exists()


def test_a_claim_being_started_counts_as_alive_until_its_platform_is_gone(
    tmp_path: Path,
) -> None:
    run = tmp_path / "run" / "node"
    daemons = FakeDaemons()
    starting = MachineClaim(_layout(tmp_path / "a", run), daemons)
    starting.take()
    other = MachineClaim(_layout(tmp_path / "b", run), daemons)
    claim = other.read()
    assert claim is not None and other.alive(claim)
    claim.since = time.time() - 3600
    assert not other.alive(claim)
    import shutil

    shutil.rmtree(tmp_path / "a")  # a deleted test instance
    assert other.holder() is None
