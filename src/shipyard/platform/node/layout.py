"""Where the real node keeps everything, and the fixed facts of its network.

Every file of the node lives under Shipyard's own directories: containerd's content and
snapshots, the kubelet's root and the pod logs under the data directory (kept by ``down``,
so images need not be pulled again); configuration, certificates, containerd's state and
runc's state under the state directory. Three kinds of path are not Shipyard's choice:

- unix sockets (containerd's and its shims') must fit in 108 bytes, so they live under
  ``/run/shipyard/node``, which also holds the machine-wide claim on the one real node;
- the kubelet always uses ``/var/lib/kubelet/device-plugins`` and ``/var/log/containers``,
  and the CNI library keeps results in ``/var/lib/cni/results``;
- the kernel's: cgroups (one ``shipyard-node`` tree per hierarchy), the bridge, iptables.

Those are recorded before the node starts and put back after it stops
(:mod:`shipyard.platform.node.ledger`).

The network: pods get addresses from their own /24 on the bridge ``shipyard0``; Services
use the API server's default range, where ``10.0.0.1`` is the API (the cluster certificate
carries that address) and ``10.0.0.10`` is cluster DNS.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from shipyard.platform.paths import PlatformPaths

NODE_NAME = "shipyard-node"
BRIDGE = "shipyard0"
CNI_NETWORK = "shipyard-node"
POD_CIDR = "10.244.0.0/24"
SERVICE_CIDR = "10.0.0.0/24"  # kube-apiserver's default --service-cluster-ip-range
API_SERVICE_IP = "10.0.0.1"
DNS_SERVICE_IP = "10.0.0.10"
CLUSTER_DOMAIN = "cluster.local"
CGROUP_ROOT = "shipyard-node"
KUBELET_PORT = 10250
KUBELET_HEALTHZ_PORT = 10248
PROXY_METRICS_PORT = 10249
PROXY_HEALTHZ_PORT = 10256
NODE_PORTS = (KUBELET_PORT, KUBELET_HEALTHZ_PORT, PROXY_METRICS_PORT, PROXY_HEALTHZ_PORT)
# Paths that the tools fix themselves; the ledger records whether each existed before.
FIXED_PATHS = (
    "/var/lib/kubelet",
    "/var/log/containers",
    "/var/lib/cni",
    "/run/containerd",
)
CNI_RESULTS = Path("/var/lib/cni/results")
CONTAINER_LOG_LINKS = Path("/var/log/containers")


@dataclass(frozen=True, slots=True)
class NodeLayout:
    paths: PlatformPaths
    run_dir: Path  # /run/shipyard/node on a real host

    # -- homes ---------------------------------------------------------------------------
    @property
    def data(self) -> Path:
        return self.paths.data / "node"

    @property
    def state(self) -> Path:
        return self.paths.state / "node"

    def owned(self) -> tuple[Path, ...]:
        """Directories that only the node uses: mounts and processes under them are its."""
        return (self.data, self.state, self.run_dir)

    # -- data ----------------------------------------------------------------------------
    @property
    def containerd_root(self) -> Path:
        return self.data / "containerd"

    @property
    def kubelet_root(self) -> Path:
        return self.data / "kubelet"

    @property
    def pod_logs(self) -> Path:
        return self.data / "pod-logs"

    @property
    def cni_ipam(self) -> Path:
        return self.data / "cni-ipam"

    # -- state ---------------------------------------------------------------------------
    @property
    def containerd_state(self) -> Path:
        return self.state / "containerd"

    @property
    def runc_root(self) -> Path:
        return self.state / "runc"

    @property
    def opt(self) -> Path:
        return self.state / "opt"

    @property
    def etc(self) -> Path:
        return self.state / "etc"

    @property
    def pki(self) -> Path:
        return self.state / "pki"

    @property
    def ledger(self) -> Path:
        return self.state / "host-changes.json"

    @property
    def containerd_config(self) -> Path:
        return self.etc / "containerd.toml"

    @property
    def registry_hosts(self) -> Path:
        return self.etc / "certs.d"

    @property
    def cni_conf_dir(self) -> Path:
        return self.etc / "cni"

    @property
    def kubelet_config(self) -> Path:
        return self.etc / "kubelet.yaml"

    @property
    def proxy_config(self) -> Path:
        return self.etc / "kube-proxy.yaml"

    @property
    def crictl_config(self) -> Path:
        return self.etc / "crictl.yaml"

    def kubeconfig(self, component: str) -> Path:
        return self.etc / f"{component}.kubeconfig"

    def log(self, component: str) -> Path:
        return self.paths.log(f"node-{component}")

    # -- run -----------------------------------------------------------------------------
    @property
    def socket(self) -> Path:
        return self.run_dir / "containerd.sock"

    @property
    def shim_sockets(self) -> Path:
        return self.run_dir / "s"

    @property
    def claim(self) -> Path:
        return self.run_dir / "claim.json"

    def cgroup(self, hierarchy: Path) -> Path:
        return hierarchy / CGROUP_ROOT
