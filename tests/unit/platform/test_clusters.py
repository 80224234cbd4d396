"""kwokctl clusters driven through a fake kwokctl: create, repair, ports, offline check."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest
import yaml

from shipyard.adapters.kube import NodeState
from shipyard.platform.clusters import COMPONENTS
from shipyard.platform.context import Platform
from shipyard.platform.errors import PlatformError, PortTaken
from shipyard.platform.lifecycle import clusters
from shipyard.platform.progress import Recorder
from shipyard.platform.topology import CLUSTERS
from tests.unit.platform.conftest import Fakes

DEVTEST = CLUSTERS[0]


class FakeKwokctl:
    """kwokctl's effects: a cluster directory, PID files, processes, nodes."""

    def __init__(self, p: Platform, fakes: Fakes) -> None:
        self.p, self.fakes, self.kwok = p, fakes, clusters(p)
        run = fakes.run
        run.expect(
            "kwokctl",
            "--config",
            "...",
            "create",
            "cluster",
            "--dry-run",
            stdout=self.plan(),
            repeat=True,
        )
        run.expect(
            "kwokctl",
            "--config",
            "...",
            "create",
            "cluster",
            "--wait",
            effect=self.create,
            repeat=True,
        )
        run.expect("kwokctl", "start", "cluster", effect=self.start, repeat=True)
        run.expect("kwokctl", "stop", "cluster", effect=self.stop, repeat=True)
        run.expect("kwokctl", "delete", "cluster", effect=self.delete, repeat=True)
        run.expect("kwokctl", "scale", "node", effect=self.scale, repeat=True)

    def plan(self, source: str = "/cache/tools/etcd/v3.7.0/etcd") -> str:
        return f"# Download {source} to /x/bin/etcd\netcd --name=node0 &\n"

    def _name(self, argv: Sequence[str]) -> str:
        return argv[argv.index("--name") + 1]

    def create(self, argv: Sequence[str]) -> None:
        name = self._name(argv)
        d = self.kwok.cluster_dir(name)
        (d / "pki").mkdir(parents=True)
        for f in ("ca.crt", "admin.crt", "admin.key"):
            (d / "pki" / f).write_text(f"{name} {f}")
        (d / "kwok.yaml").write_text("kind: KwokctlConfiguration\n")
        self.start(argv)

    def start(self, argv: Sequence[str], only: Sequence[str] = COMPONENTS) -> None:
        name = self._name(argv)
        d = self.kwok.cluster_dir(name)
        (d / "pids").mkdir(parents=True, exist_ok=True)
        for component in only:
            proc = self.fakes.daemons.add(component, f"--data-dir={d}/etcd")
            (d / "pids" / f"{component}.pid").write_text(str(proc.pid))
        self.fakes.clusters[name].up = True

    def stop(self, argv: Sequence[str]) -> None:
        name = self._name(argv)
        d = self.kwok.cluster_dir(name)
        for pid_file in (d / "pids").glob("*.pid"):
            self.fakes.daemons.procs.pop(int(pid_file.read_text()), None)
            pid_file.unlink()
        self.fakes.clusters[name].up = False

    def delete(self, argv: Sequence[str]) -> None:
        import shutil

        self.stop(argv)
        shutil.rmtree(self.kwok.cluster_dir(self._name(argv)))

    def scale(self, argv: Sequence[str]) -> None:
        want = int(argv[argv.index("--replicas") + 1])
        self.fakes.clusters[self._name(argv)].nodes = [
            NodeState(f"node-{i}", True) for i in range(want)
        ]


@pytest.fixture
def kwok(make_platform: Callable[..., Platform], fakes: Fakes) -> tuple[Platform, FakeKwokctl]:
    p = make_platform()
    return p, FakeKwokctl(p, fakes)


def test_the_config_uses_local_binaries_fixed_ports_and_real_admission(
    make_platform: Callable[..., Platform],
) -> None:
    p = make_platform(SHIPYARD_CLUSTERS_PROD_PORT="17000")
    options = yaml.safe_load(clusters(p).render_config("prod"))["options"]
    assert options["runtime"] == "binary" and options["bindAddress"] == "127.0.0.1"
    assert options["kubeVersion"] == "v1.37.2"
    assert options["kubeAuthorization"] is True and options["kubeAdmission"] is True
    assert [options[k] for k in ("kubeApiserverPort", "etcdPort", "kwokControllerPort")] == [
        17000,
        17001,
        17005,
    ]
    binaries = [v for k, v in options.items() if k.endswith("Binary")]
    assert len(binaries) == 6
    assert all(b.startswith(str(p.paths.tools)) for b in binaries)


def test_a_new_cluster_is_created_offline_and_gets_its_nodes(
    kwok: tuple[Platform, FakeKwokctl], fakes: Fakes
) -> None:
    p, _ = kwok
    clusters(p).ensure(DEVTEST)
    status = clusters(p).status(DEVTEST)
    assert (status.state, status.nodes_ready, status.address) == (
        "running",
        2,
        "https://127.0.0.1:16443",
    )
    assert set(status.pids) == set(COMPONENTS)
    assert fakes.run.ran("kwokctl", "--config", "...", "create", "cluster", "--dry-run")
    create = fakes.run.ran("kwokctl", "--config", "...", "create", "cluster", "--wait")[0]
    assert create.env == {"KWOK_WORKDIR": str(p.paths.kwok_workdir)}
    kubeconfig_arg = create.argv[create.argv.index("--kubeconfig") + 1]
    assert kubeconfig_arg.startswith(str(p.paths.state))  # never ~/.kube/config

    clusters(p).ensure(DEVTEST)
    assert isinstance(p.progress, Recorder)
    assert p.progress.steps[-1].outcome == "skipped"


def test_a_download_in_the_plan_is_refused(
    kwok: tuple[Platform, FakeKwokctl], fakes: Fakes
) -> None:
    p, fake = kwok
    fakes.run.expected.insert(
        0,
        type(fakes.run.expected[0])(
            ("kwokctl", "--config", "...", "create", "cluster", "--dry-run"),
            stdout=fake.plan("https://dl.k8s.io/release/v1.36.1/bin/linux/amd64/kube-apiserver"),
        ),
    )
    with pytest.raises(
        PlatformError, match=r"kwokctl would download: # Download https://dl\.k8s\.io"
    ):
        clusters(p).ensure(DEVTEST)


def test_a_port_of_the_block_held_by_another_program_is_named(
    kwok: tuple[Platform, FakeKwokctl], fakes: Fakes
) -> None:
    p, _ = kwok
    other = fakes.daemons.add("etcd", "--data-dir=/var/lib/etcd")
    fakes.net.taken[16444] = other.pid
    with pytest.raises(PortTaken) as info:
        clusters(p).ensure(DEVTEST)
    assert "127.0.0.1:16444 (etcd) is taken by pid" in info.value.message
    assert "clusters.devtest_port" in info.value.hint


def test_a_half_started_cluster_is_restarted(
    kwok: tuple[Platform, FakeKwokctl], fakes: Fakes
) -> None:
    p, fake = kwok
    clusters(p).ensure(DEVTEST)
    fake.stop(["--name", "devtest"])
    fake.start(["--name", "devtest"], only=("etcd",))  # a crash left etcd alone
    assert clusters(p).status(DEVTEST).state == "degraded"
    clusters(p).ensure(DEVTEST)
    assert clusters(p).status(DEVTEST).state == "running"
    assert isinstance(p.progress, Recorder)
    assert any("half started" in m for m in p.progress.messages)


def test_a_cluster_that_cannot_start_is_created_again(
    kwok: tuple[Platform, FakeKwokctl], fakes: Fakes
) -> None:
    p, fake = kwok
    clusters(p).ensure(DEVTEST)
    fake.stop(["--name", "devtest"])
    fakes.run.expected.insert(
        0,
        type(fakes.run.expected[0])(
            ("kwokctl", "start", "cluster"),
            returncode=1,
            stderr="etcd: member has already been bootstrapped",
        ),
    )
    clusters(p).ensure(DEVTEST)
    assert clusters(p).status(DEVTEST).state == "running"
    assert fakes.run.ran("kwokctl", "delete", "cluster")


def test_stop_leaves_no_process_behind(kwok: tuple[Platform, FakeKwokctl], fakes: Fakes) -> None:
    p, _ = kwok
    kwok_ = clusters(p)
    kwok_.ensure(DEVTEST)
    stray = fakes.daemons.add("kube-apiserver", f"--cert-dir={kwok_.cluster_dir('devtest')}/pki")
    assert kwok_.stop("devtest") is True
    assert stray.pid not in fakes.daemons.procs
    assert kwok_.strays() == []
    assert kwok_.status(DEVTEST).state == "stopped"


def test_the_real_node_cluster_lets_a_kubelet_join_and_kwok_keeps_to_its_own_nodes(
    make_platform: Callable[..., Platform],
) -> None:
    p = make_platform(SHIPYARD_CLUSTERS_NODE_KIND="kubelet")
    kwok = clusters(p)
    devtest = yaml.safe_load(kwok.render_config("devtest"))
    assert devtest["options"]["kubeApiserverCertSANs"] == ["10.0.0.1"]
    patches = {c["name"]: c["extraArgs"] for c in devtest["componentsPatches"]}
    api = {a["key"]: a for a in patches["kube-apiserver"]}
    assert api["bind-address"] == {"key": "bind-address", "value": "0.0.0.0", "override": True}
    assert api["kubelet-preferred-address-types"]["value"] == "InternalIP"
    assert api["kubelet-client-certificate"]["value"].endswith("/devtest/pki/admin.crt")
    controller = {a["key"]: a["value"] for a in patches["kwok-controller"]}
    assert controller == {
        "manage-all-nodes": "false",
        "manage-nodes-with-annotation-selector": "kwok.x-k8s.io/node=fake",
    }
    assert "componentsPatches" not in yaml.safe_load(kwok.render_config("prod"))
    moved = make_platform(SHIPYARD_CLUSTERS_NODE_KIND="kubelet", SHIPYARD_CLUSTERS_REAL_NODE="prod")
    assert "componentsPatches" in yaml.safe_load(clusters(moved).render_config("prod"))
    off = make_platform(SHIPYARD_CLUSTERS_NODE_KIND="kwok")
    assert "componentsPatches" not in yaml.safe_load(clusters(off).render_config("devtest"))


def test_a_cluster_created_with_other_settings_is_created_again(
    make_platform: Callable[..., Platform], fakes: Fakes
) -> None:
    simulated = make_platform()
    FakeKwokctl(simulated, fakes)
    clusters(simulated).ensure(DEVTEST)
    assert len(fakes.run.ran("kwokctl", "--config", "...", "create", "cluster", "--wait")) == 1
    clusters(simulated).ensure(DEVTEST)  # same settings: kept
    assert not fakes.run.ran("kwokctl", "delete", "cluster")

    real = make_platform(SHIPYARD_CLUSTERS_NODE_KIND="kubelet")
    clusters(real).ensure(DEVTEST)
    assert fakes.run.ran("kwokctl", "delete", "cluster")
    assert len(fakes.run.ran("kwokctl", "--config", "...", "create", "cluster", "--wait")) == 2
    progress = real.progress
    assert isinstance(progress, Recorder)
    assert any("created with other settings" in m for m in progress.messages)


def test_a_cluster_of_an_earlier_shipyard_is_adopted_unless_it_must_take_the_real_node(
    make_platform: Callable[..., Platform], fakes: Fakes
) -> None:
    p = make_platform(SHIPYARD_CLUSTERS_NODE_KIND="kubelet")
    FakeKwokctl(p, fakes)
    kwok = clusters(p)
    for spec in CLUSTERS:
        kwok.ensure(spec)
        (kwok.cluster_dir(spec.name) / ".shipyard-config").unlink()  # as an earlier version left it
    for spec in CLUSTERS:
        kwok.ensure(spec)
    deleted = [c.argv[-1] for c in fakes.run.ran("kwokctl", "delete", "cluster")]
    assert deleted == ["devtest"]
