"""The real node: containerd, the kubelet and kube-proxy as host processes, CoreDNS as a pod.

``up`` calls :meth:`RealNode.ensure` for the cluster that ``clusters.real_node`` names (when
``clusters.node_kind`` is ``kubelet``). It either ends with a Ready node that runs real
containers, or it says in one line why not and leaves the cluster to simulated nodes:

1. cheap checks (:func:`.checks.why_not`) and the machine-wide claim (:mod:`.claim`);
2. a node that is already running and Ready is left alone;
3. otherwise whatever is left of an earlier node (a crash, a half start) is stopped and the
   host restored from its ledger; a fresh baseline is recorded (:mod:`.ledger`);
4. the pause and CoreDNS images, the node's certificates and configuration are put in place;
5. containerd, then the kubelet (until the node is Ready), then kube-proxy are started,
   detached, each with a PID record; CoreDNS is applied and awaited.

Any failure in 3-5 stops what was started, restores the host and falls back. ``down``
(:meth:`RealNode.stop`) stops kube-proxy (and removes its rules), the kubelet, every pod
sandbox (so the CNI plugins release their addresses, links and iptables entries), then
containerd and its shims, and restores the host from the ledger. The Pod objects stay in
the API, so the next ``up`` runs the same workloads again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from shipyard.domain import registry_access
from shipyard.domain.diagnostics import EnvironmentProblem
from shipyard.platform.catalog import Tool, tool
from shipyard.platform.clusters import Clusters
from shipyard.platform.context import Platform
from shipyard.platform.deps import ProcInfo
from shipyard.platform.errors import PlatformError
from shipyard.platform.install import binary
from shipyard.platform.node import addons, checks, pki, render
from shipyard.platform.node.claim import MachineClaim
from shipyard.platform.node.images import COREDNS, PAUSE, NodeImages
from shipyard.platform.node.layout import NODE_NAME, NodeLayout
from shipyard.platform.node.ledger import HostLedger, RestoreReport
from shipyard.platform.node.processes import COMPONENTS, NodeProcesses
from shipyard.platform.progress import Step

NODE_TOOLS = ("kubelet", "containerd", "coredns", "crictl", "pause", "cni-plugins", "iptables")
DNS_TIMEOUT = 90.0


@dataclass(frozen=True, slots=True)
class NodeStatus:
    cluster: str | None
    state: str  # running | not ready | degraded | stopped | simulated | off
    pids: dict[str, int] = field(default_factory=dict)
    detail: str = ""

    def as_json(self) -> dict[str, object]:
        return {
            "cluster": self.cluster,
            "name": NODE_NAME,
            "state": self.state,
            "pids": self.pids,
            "detail": self.detail,
        }


def node_tools() -> tuple[Tool, ...]:
    return tuple(tool(name) for name in NODE_TOOLS)


class RealNode:
    def __init__(self, platform: Platform, clusters: Clusters) -> None:
        self.p = platform
        self.clusters = clusters
        self.host = platform.adapters.host
        self.layout = NodeLayout(platform.paths, self.host.run_dir / "node")
        self.daemons = platform.adapters.daemons
        self.ledger = HostLedger(self.layout.ledger, self.host)
        self.claim = MachineClaim(self.layout, self.daemons)
        self.procs = NodeProcesses(platform, self.layout)

    @property
    def cluster(self) -> str | None:
        s = self.p.settings
        return s.clusters.real_node_cluster if s.embedded_clusters else None

    @property
    def fallback_file(self) -> Path:
        return self.layout.state / "simulated-because.txt"

    # -- planning ------------------------------------------------------------------------
    def why_not(self) -> str | None:
        """Why this host cannot run the node now (one line), or None."""
        holder = self.claim.holder()
        if holder is not None:
            return f"this machine's real node belongs to the platform at {holder.owner}"
        return checks.why_not(self.host, self.p.adapters.net, self.daemons, self.layout)

    def fall_back(self, cluster: str, reason: str, step: Step | None = None) -> None:
        """Say why in one line, remember it for ``status``, let kwok nodes take the pods."""
        self.p.progress.warn(f"real node: {reason}; cluster {cluster} uses simulated nodes")
        self.layout.state.mkdir(parents=True, exist_ok=True)
        self.fallback_file.write_text(reason + "\n")
        self._delete_node_object(cluster)
        if step is not None:
            step.skip("simulated nodes instead")

    def fallback_reason(self) -> str:
        try:
            return self.fallback_file.read_text().strip()
        except OSError:
            return ""

    # -- observing -----------------------------------------------------------------------
    def node_ready(self, cluster: str, since: datetime | None = None) -> bool:
        """The node is Ready, and (``since``) the kubelet said so after that moment: after a
        restart the API still shows the previous kubelet's Ready for up to 40 s."""
        try:
            nodes = self.p.adapters.reader(*self.clusters.admin(cluster)).node_list()
        except EnvironmentProblem:
            return False
        return any(
            n.name == NODE_NAME
            and n.ready
            and (since is None or (n.heartbeat is not None and n.heartbeat >= since))
            for n in nodes
        )

    def status(self) -> NodeStatus:
        cluster = self.cluster
        if cluster is None:
            return NodeStatus(None, "off", {}, "all nodes simulated")
        pids = self.procs.pids()
        if len(pids) == len(COMPONENTS):
            word = "running" if self.node_ready(cluster) else "not ready"
        elif pids:
            word = "degraded"
        elif self.fallback_reason():
            word = "simulated"
        else:
            word = "stopped"
        return NodeStatus(
            cluster, word, pids, self.fallback_reason() if word == "simulated" else ""
        )

    # -- up ------------------------------------------------------------------------------
    def ensure(self, cluster: str, why_not: str | None = None) -> bool:
        """A Ready real node in ``cluster`` (True), or simulated nodes and a warning (False).
        ``why_not``: a reason already known (a node tool that did not build)."""
        with self.p.progress.step(f"real node {NODE_NAME} in {cluster}") as step:
            reason = why_not or self.why_not()
            if reason:
                self.fall_back(cluster, reason, step)
                return False
            if len(self.procs.pids()) == len(COMPONENTS) and self._wait_ready(cluster, 20.0):
                self._dns(cluster, since=None)
                self.fallback_file.unlink(missing_ok=True)
                step.skip(f"ready, kubelet pid {self.procs.pids().get('kubelet')}")
                return True
            try:
                self._start(cluster)
            except (EnvironmentProblem, OSError) as exc:
                message = str(exc) if isinstance(exc, OSError) else exc.message
                message = message.removeprefix("real node: ")
                self.stop()
                self.fall_back(cluster, message.splitlines()[0], step)
                return False
            self.fallback_file.unlink(missing_ok=True)
            step.detail(f"ready, kubelet pid {self.procs.pids().get('kubelet')}")
            return True

    def _start(self, cluster: str) -> None:
        self.stop()  # whatever an earlier node left: processes, mounts, rules, the claim
        try:
            stale = self.claim.take()
        except FileExistsError as exc:
            raise PlatformError("real node", f"claimed by the platform at {exc}") from None
        if stale is not None and stale.ledger:
            old = HostLedger(Path(stale.ledger), self.host)
            baseline = old.load()
            if baseline is not None:
                self.p.progress.warn(f"restoring the host after the node of {stale.owner}")
                old.restore(baseline)
        if self.ledger.load() is None:
            self.ledger.record(self.layout)
        config = self._prepare(cluster)
        self.procs.start_containerd()
        since = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=1)
        self.procs.start_kubelet(config.node_ip, lambda: self.node_ready(cluster, since))
        self.procs.start_proxy()
        self.claim.started(self.procs.identities())
        self._dns(cluster, since=since)

    def _prepare(self, cluster: str) -> render.NodeConfig:
        lay = self.layout
        node_ip = self.host.primary_ipv4()
        if node_ip is None:
            raise PlatformError("real node", "the host has no IPv4 address for the node")
        NodeImages(
            self.p.paths,
            self.p.target_as(registry_access.PLATFORM),
            self.p.tool_env_as(registry_access.PLATFORM),
            self.p.adapters,
        ).ensure()
        cluster_pki = self.clusters.cluster_dir(cluster) / "pki"
        pki.ensure(
            lay.pki,
            cluster_pki / "ca.crt",
            cluster_pki / "ca.key",
            pki.node_certs(NODE_NAME, node_ip),
        )
        config = render.NodeConfig(
            layout=lay,
            node_ip=node_ip,
            api_server=self.clusters.address(cluster),
            ca_cert=cluster_pki / "ca.crt",
            registry=self.p.target.address,
            registry_secure=self.p.target.secure,
            pause_image=PAUSE.reference(self.p.target.address),
            runc=binary(self.p.paths, tool("runc")),
            cni_bin=binary(self.p.paths, tool("cni-plugins")).parent,
        )
        for path, text in render.files(config).items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        for d in (lay.kubelet_root, lay.pod_logs, lay.containerd_root, lay.opt, lay.run_dir):
            d.mkdir(parents=True, exist_ok=True)
        created = []
        for hierarchy in self.host.cgroup_hierarchies():
            cg = lay.cgroup(hierarchy)
            if not cg.exists():
                self.host.make_cgroup(cg)
                created.append(cg)
        self.ledger.add_cgroups(created)
        return config

    def _wait_ready(self, cluster: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not self.node_ready(cluster):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.5)
        return True

    def _dns(self, cluster: str, *, since: datetime | None) -> None:
        """Apply cluster DNS; with ``since``, wait until a CoreDNS pod turned Ready after it
        (a pod of the previous node run still shows Ready until the kubelet syncs it)."""
        admin = self.p.adapters.kube(*self.clusters.admin(cluster))
        for manifest in addons.coredns(COREDNS.reference(self.p.target.address)):
            admin.apply(manifest)
        if since is None:
            return
        reader = self.p.adapters.reader(*self.clusters.admin(cluster))
        deadline = time.monotonic() + DNS_TIMEOUT
        while not any(
            c.type == "Ready"
            and c.status == "True"
            and c.changed is not None
            and c.changed >= since
            for pod in reader.pods(addons.NAMESPACE, addons.SELECTOR)
            if not pod.deleting
            for c in pod.conditions
        ):
            if time.monotonic() > deadline:
                raise PlatformError(
                    "real node", f"CoreDNS not ready in {DNS_TIMEOUT:.0f} s (kube-system)"
                )
            time.sleep(0.25)

    def _delete_node_object(self, cluster: str) -> None:
        """Remove the real node's Node object so its pods are rescheduled on kwok nodes."""
        kubeconfig, context = self.clusters.admin(cluster)
        if not kubeconfig.is_file():
            return
        kubectl = binary(self.p.paths, tool("kubectl"))
        self.p.adapters.run(
            [
                str(kubectl),
                "--kubeconfig",
                str(kubeconfig),
                "--context",
                context,
                "delete",
                "node",
                NODE_NAME,
                "--ignore-not-found",
                "--wait=false",
            ],
            check=False,
            timeout=60,
        )

    # -- down ----------------------------------------------------------------------------
    def stop(self) -> bool:
        """Stop the node and restore the host; True if any of its processes was running."""
        running = bool(self.procs.pids())
        baseline = self.ledger.load()
        if not running and baseline is None and not self.claim.owns():
            return False
        self._stop_processes()
        report = RestoreReport()
        if baseline is not None:
            report = self.ledger.restore(baseline)
        for failure in report.failed:
            self.p.progress.warn(f"real node: could not undo: {failure}")
        if not report.failed:
            self.claim.release()
        return running

    def _stop_processes(self) -> None:
        # Node-wide actions only when the node is ours: the socket and the iptables chains
        # are the machine's, and another platform may hold them.
        mine = self.claim.owns() or self.claim.read() is None
        self.procs.terminate("kube-proxy")
        proxy = binary(self.p.paths, tool("kubelet"), "kube-proxy")
        if mine and proxy.is_file():  # kube-proxy's own rules, removed by the tool that wrote them
            self.p.adapters.run([str(proxy), "--cleanup"], check=False, timeout=60)
        self.procs.terminate("kubelet")
        if mine and self.procs.crictl_ok():  # every sandbox: the CNI plugins undo their work
            self.procs.crictl("rmp", "--all", "--force", timeout=180)
        self.procs.terminate("containerd")
        if mine:
            for proc in self.processes(force=True):  # containerd's shims
                self.daemons.terminate(proc.pid, proc.start_ticks)

    def processes(self, force: bool = False) -> list[ProcInfo]:
        """Live processes started from the node's directories, when the node is ours."""
        if not force and not self.claim.owns():
            return []
        return self.procs.under_node_dirs()
