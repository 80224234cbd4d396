"""The embedded Kubernetes clusters: real control planes from kwokctl, simulated nodes.

kwokctl's ``binary`` runtime runs etcd, kube-apiserver, kube-controller-manager and
kube-scheduler as local processes, plus kwok's controller, which plays the kubelet: pods are
scheduled, get an IP and turn Ready, though no container runs. Admission (RBAC, Pod Security)
and rollouts are real, which is what deployments and their tests need.

Every binary is a local path from Shipyard's tool cache; :meth:`Clusters.verify_offline` runs
``kwokctl create cluster --dry-run`` and refuses any step that would download. kwokctl keeps
its state under ``KWOK_WORKDIR`` (Shipyard's data directory, not ``~/.kwok``) and is given a
throwaway ``--kubeconfig`` so that it never touches ``~/.kube/config``; Shipyard writes its own
kubeconfigs (:mod:`shipyard.platform.kubeconfig`).

Each cluster uses a fixed block of loopback ports (API server, etcd, etcd peer, controller
manager, scheduler, kwok controller) starting at its configured API server port, so a port
held by another program is found before anything starts, and named.

The cluster that gets the real node is configured for it (:mod:`.kwokconfig`), whether or
not a real node then runs. kwokctl applies a configuration only when it creates a cluster,
so Shipyard keeps a hash of the one it used; when the settings change it (a real node
enabled or moved), ``up`` says so and creates the cluster again.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path

from shipyard.adapters.process import CommandFailed
from shipyard.domain.diagnostics import EnvironmentProblem
from shipyard.platform import kwokconfig
from shipyard.platform.catalog import tool
from shipyard.platform.deps import Adapters, ProcInfo
from shipyard.platform.errors import PlatformError, PortTaken
from shipyard.platform.install import binary
from shipyard.platform.paths import PlatformPaths
from shipyard.platform.progress import Progress
from shipyard.platform.settings import Settings
from shipyard.platform.topology import CLUSTERS, LOOPBACK, PORT_ROLES, ClusterSpec

COMPONENTS = (
    "etcd",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "kwok-controller",
)
_CONFIG_HASH = ".shipyard-config"


@dataclass(frozen=True, slots=True)
class ClusterStatus:
    name: str
    state: str  # running | degraded | stopped | absent
    address: str
    pids: dict[str, int] = field(default_factory=dict)
    nodes_ready: int = 0
    detail: str = ""

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "state": self.state,
            "address": self.address,
            "pids": self.pids,
            "nodes_ready": self.nodes_ready,
            "detail": self.detail,
        }


class Clusters:
    def __init__(
        self, paths: PlatformPaths, settings: Settings, adapters: Adapters, progress: Progress
    ) -> None:
        self.paths = paths
        self.settings = settings
        self.adapters = adapters
        self.progress = progress
        self.env = {"KWOK_WORKDIR": str(paths.kwok_workdir)}

    # -- layout --------------------------------------------------------------------------
    def port(self, name: str) -> int:
        return self.settings.clusters.ports[name]

    def ports(self, name: str) -> dict[str, int]:
        base = self.port(name)
        return {role: base + i for i, role in enumerate(PORT_ROLES)}

    def address(self, name: str) -> str:
        return f"https://{LOOPBACK}:{self.port(name)}"

    def cluster_dir(self, name: str) -> Path:
        return self.paths.kwok_workdir / "clusters" / name

    def config_file(self, name: str) -> Path:
        return self.paths.etc / f"kwokctl-{name}.yaml"

    @property
    def kwokctl(self) -> str:
        return str(binary(self.paths, tool("kwok"), "kwokctl"))

    def render_config(self, name: str) -> str:
        real = name == self.settings.clusters.real_node_cluster
        return kwokconfig.render(self.paths, self.ports(name), self.cluster_dir(name), real)

    def config_hash(self, name: str) -> str:
        return hashlib.sha256(self.render_config(name).encode()).hexdigest()

    def created_with(self, name: str) -> str | None:
        """The hash of the configuration the cluster was created with (None: unknown)."""
        try:
            return (self.cluster_dir(name) / _CONFIG_HASH).read_text().strip()
        except OSError:
            return None

    def _outdated(self, name: str) -> bool:
        """Created with another configuration. A cluster without a recorded hash comes from
        a Shipyard that never made real-node clusters: it is adopted unless this one must
        take a real node."""
        recorded = self.created_with(name)
        if recorded is None:
            if name == self.settings.clusters.real_node_cluster:
                return True
            (self.cluster_dir(name) / _CONFIG_HASH).write_text(self.config_hash(name) + "\n")
            return False
        return recorded != self.config_hash(name)

    # -- observing -----------------------------------------------------------------------
    def exists(self, name: str) -> bool:
        return (self.cluster_dir(name) / "kwok.yaml").is_file()

    def component_pids(self, name: str) -> dict[str, int]:
        """Components whose PID file kwokctl wrote and whose process still runs."""
        found: dict[str, int] = {}
        pid_dir = self.cluster_dir(name) / "pids"
        for component in COMPONENTS:
            try:
                pid = int((pid_dir / f"{component}.pid").read_text().strip())
            except (OSError, ValueError):
                continue
            proc = self.adapters.daemons.info(pid)
            if proc is not None and self._ours(name, proc):
                found[component] = pid
        return found

    def _ours(self, name: str, proc: ProcInfo) -> bool:
        marker = str(self.cluster_dir(name))
        return any(marker in arg for arg in proc.argv)

    def strays(self) -> list[ProcInfo]:
        """Every process that runs from our kwok work directory (none after ``down``)."""
        marker = str(self.paths.kwok_workdir)
        return self.adapters.daemons.find(lambda p: any(marker in a for a in p.argv))

    def admin(self, name: str) -> tuple[Path, str]:
        """(kubeconfig, context) with cluster-admin rights: kwokctl's own, for setup only."""
        return self.cluster_dir(name) / "kubeconfig.yaml", f"kwok-{name}"

    def ready_nodes(self, name: str) -> int:
        api = self.adapters.kube(*self.admin(name))
        return sum(1 for node in api.nodes() if node.ready)

    def status(self, spec: ClusterSpec) -> ClusterStatus:
        name = spec.name
        if not self.exists(name):
            return ClusterStatus(name, "absent", self.address(name))
        pids = self.component_pids(name)
        if not pids:
            return ClusterStatus(name, "stopped", self.address(name))
        api = self.adapters.kube(*self.admin(name))
        if len(pids) < len(COMPONENTS) or not api.ready():
            missing = [c for c in COMPONENTS if c not in pids]
            detail = f"not running: {', '.join(missing)}" if missing else "API not ready"
            return ClusterStatus(name, "degraded", self.address(name), pids, detail=detail)
        ready = sum(1 for node in api.nodes() if node.ready)
        return ClusterStatus(name, "running", self.address(name), pids, nodes_ready=ready)

    # -- acting --------------------------------------------------------------------------
    def _kwokctl(self, name: str, *args: str, timeout: float = 300) -> str:
        argv = [self.kwokctl, *args, "--name", name]
        try:
            done = self.adapters.run(argv, extra_env=self.env, timeout=timeout)
        except CommandFailed as exc:
            log_dir = self.cluster_dir(name) / "logs"
            raise PlatformError(
                f"cluster {name}",
                exc.message,
                hint=f"component logs: {log_dir}",
                retry=f"KWOK_WORKDIR={self.paths.kwok_workdir} {' '.join(argv)}",
            ) from None
        return done.stdout + done.stderr

    def verify_offline(self, name: str) -> None:
        """Refuse to create a cluster if kwokctl would download anything."""
        out = self._kwokctl(
            name,
            "--config",
            str(self.config_file(name)),
            "create",
            "cluster",
            "--dry-run",
            "--kubeconfig",
            str(self.paths.etc / "kwokctl-throwaway.kubeconfig"),
        )
        remote = [
            line
            for line in out.splitlines()
            if line.startswith("# Download") and "://" in line.split(" to ", 1)[0]
        ]
        if remote or "# Download" not in out:
            raise PlatformError(
                f"cluster {name}",
                "kwokctl would download: " + "; ".join(remote)
                if remote
                else "kwokctl --dry-run printed no plan",
                hint="the tool cache is incomplete; run `shipyard platform status`",
            )

    def check_ports(self, name: str) -> None:
        """Every port of the cluster's block is free, or held by this cluster's own process."""
        net, daemons = self.adapters.net, self.adapters.daemons
        for role, port in self.ports(name).items():
            # A component that was just stopped may hold its port for a moment while it exits.
            deadline = time.monotonic() + 5
            while not net.is_free(LOOPBACK, port) and net.listener(port) is None:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.1)
            if net.is_free(LOOPBACK, port):
                continue
            pid = net.listener(port)
            proc = daemons.info(pid) if pid else None
            if proc is not None and self._ours(name, proc):
                continue
            who = f"pid {proc.pid} ({' '.join(proc.argv)[:100]})" if proc else "another program"
            raise PortTaken(
                f"cluster {name}",
                f"{LOOPBACK}:{port} ({role}) is taken by {who}",
                hint=f"stop that program, or move the cluster: set clusters.{name}_port (its "
                f"block is {port - PORT_ROLES.index(role)}+{len(PORT_ROLES) - 1}) in shipyard.toml",
            )

    def ensure(self, spec: ClusterSpec, kwok_nodes: int | None = None) -> None:
        """The cluster running with ``kwok_nodes`` simulated nodes (default: the setting)."""
        name = spec.name
        with self.progress.step(f"cluster {name} {self.address(name)}") as step:
            config = self.config_file(name)
            config.parent.mkdir(parents=True, exist_ok=True)
            config.write_text(self.render_config(name))
            if self.exists(name) and self._outdated(name):
                self.progress.warn(
                    f"cluster {name} was created with other settings; creating it again "
                    "(its workloads are lost)"
                )
                self.delete(name)
            status = self.status(spec)
            if status.state == "running":
                step.skip(f"running, {status.nodes_ready} node(s) ready")
            elif status.state == "absent":
                self.check_ports(name)
                self.verify_offline(name)
                self._create(name)
                step.detail("created")
            else:
                self._repair(spec, status)
                step.detail("started" if status.state == "stopped" else "repaired")
            if name == self.settings.clusters.real_node_cluster:
                if kwok_nodes is not None:
                    self.scale_kwok(name, kwok_nodes)
            else:
                self._ensure_nodes(name)

    def _create(self, name: str) -> None:
        (self.cluster_dir(name) / _CONFIG_HASH).unlink(missing_ok=True)
        self._kwokctl(
            name,
            "--config",
            str(self.config_file(name)),
            "create",
            "cluster",
            "--wait",
            "3m",
            "--kubeconfig",
            str(self.paths.etc / "kwokctl-throwaway.kubeconfig"),
        )
        (self.cluster_dir(name) / _CONFIG_HASH).write_text(self.config_hash(name) + "\n")

    def _repair(self, spec: ClusterSpec, status: ClusterStatus) -> None:
        name = spec.name
        if status.state == "degraded":
            self.progress.warn(f"cluster {name} was half started ({status.detail}); restarting it")
            self._kwokctl(name, "stop", "cluster")
            self._kill_leftovers(name)
        self.check_ports(name)
        try:
            self._kwokctl(name, "start", "cluster", "--wait", "3m")
        except PlatformError as exc:
            self.progress.warn(
                f"cluster {name} did not start ({exc.message}); creating it again "
                "(its workloads are lost)"
            )
            self.delete(name)
            self.check_ports(name)
            self.verify_offline(name)
            self._create(name)

    def _kill_leftovers(self, name: str) -> None:
        marker = str(self.cluster_dir(name))
        for proc in self.adapters.daemons.find(lambda p: any(marker in a for a in p.argv)):
            self.adapters.daemons.terminate(proc.pid, proc.start_ticks)

    def _ensure_nodes(self, name: str) -> None:
        want = self.settings.clusters.nodes
        deadline = time.monotonic() + 60
        scaled = False
        while True:
            ready = self.ready_nodes(name)
            if ready >= want:
                return
            if not scaled:
                self._kwokctl(name, "scale", "node", "--replicas", str(want))
                scaled = True
                continue
            if time.monotonic() > deadline:
                raise PlatformError(
                    f"cluster {name}",
                    f"only {ready} of {want} nodes became Ready in 60 s",
                    hint=f"kwok controller log: {self.cluster_dir(name) / 'logs'}",
                )
            time.sleep(0.2)

    def scale_kwok(self, name: str, want: int) -> None:
        """Exactly ``want`` simulated nodes beside the real one (0 when the real node runs),
        all Ready. kwokctl's scaling touches only the nodes it created."""
        reader = self.adapters.reader(*self.admin(name))
        deadline = time.monotonic() + 60
        scaled = False
        while True:
            try:
                kwok = [n for n in reader.node_list() if n.kind == "kwok"]
            except EnvironmentProblem:
                kwok = []
            if len(kwok) == want and all(n.ready for n in kwok):
                return
            if not scaled:
                self._kwokctl(name, "scale", "node", "--replicas", str(want))
                scaled = True
                continue
            if time.monotonic() > deadline:
                raise PlatformError(
                    f"cluster {name}",
                    f"{len(kwok)} simulated nodes, not {want} Ready ones, after 60 s",
                    hint=f"kwok controller log: {self.cluster_dir(name) / 'logs'}",
                )
            time.sleep(0.2)

    def stop(self, name: str) -> bool:
        """Stop the cluster's processes (data kept); True if any was running."""
        if not self.exists(name):
            return False
        running = bool(self.component_pids(name))
        if running:
            self._kwokctl(name, "stop", "cluster")
        self._kill_leftovers(name)
        return running

    def delete(self, name: str) -> None:
        if self.exists(name):
            self._kwokctl(name, "delete", "cluster")
        self._kill_leftovers(name)


def specs() -> tuple[ClusterSpec, ...]:
    return CLUSTERS
