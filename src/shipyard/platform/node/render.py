"""The real node's configuration files, as text, from a :class:`NodeConfig` (pure functions).

Each setting here was needed on a real machine; the reason is next to it:

containerd (config version 4, containerd 2.x)
  every path under Shipyard's directories (root, state, sockets, the ``opt`` plugin, runc's
  state, the image verifier's bin dir), no imports from ``/etc/containerd``, NRI disabled;
  the sandbox (pause) image is Shipyard's own, from the embedded registry, which it reaches
  over plain HTTP through a ``hosts.toml`` under ``registry.config_path``; runc with
  ``SystemdCgroup = false`` (cgroupfs); CNI configuration of its own, never
  ``/etc/cni/net.d`` (podman's); ``restrict_oom_score_adj``, because root on a VM without
  CAP_SYS_RESOURCE cannot lower a process's OOM score and every pod would fail with "runc
  create failed: ... can't get final child's PID from pipe: EOF"; network namespaces under
  the state directory rather than ``/var/run/netns``.
CNI
  ``bridge`` (own bridge, gateway, masquerade, host-local IPAM on the pod /24 with its data
  under Shipyard's directory) and ``portmap`` for hostPorts.
kubelet
  ``failCgroupV1: false`` (kubelet 1.37 refuses cgroup v1 otherwise, and these machines are
  v1), cgroupfs under a cgroup root of its own, the node's address for the API server's
  connections, webhook authentication and authorization against the cluster CA, its own
  root and pod log directories, cluster DNS, eviction thresholds low enough that a busy
  build disk does not evict pods, no certificate rotation (Shipyard issues them).
kube-proxy
  iptables mode; conntrack sysctls left as they are (0 = do not touch); NodePorts on the
  node's address only, so ``route_localnet`` is not changed; ports on loopback.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from shipyard.platform.node.layout import (
    BRIDGE,
    CGROUP_ROOT,
    CLUSTER_DOMAIN,
    CNI_NETWORK,
    DNS_SERVICE_IP,
    KUBELET_HEALTHZ_PORT,
    KUBELET_PORT,
    NODE_NAME,
    POD_CIDR,
    PROXY_HEALTHZ_PORT,
    PROXY_METRICS_PORT,
    NodeLayout,
)

HEADER = "# Written by Shipyard (shipyard platform up); changes are overwritten.\n"


@dataclass(frozen=True, slots=True)
class NodeConfig:
    layout: NodeLayout
    node_ip: str
    api_server: str  # https://127.0.0.1:PORT: the node's own components use loopback
    ca_cert: Path  # the cluster CA
    registry: str  # host:port of the registry that images come from
    registry_secure: bool
    pause_image: str  # full reference
    runc: Path
    cni_bin: Path


def _s(value: str | Path) -> str:
    """A TOML basic string (JSON's escaping is a subset of TOML's)."""
    return json.dumps(str(value))


def containerd_toml(c: NodeConfig) -> str:
    lay = c.layout
    cri_images = "plugins.'io.containerd.cri.v1.images'"
    cri_runtime = "plugins.'io.containerd.cri.v1.runtime'"
    runc = f"{cri_runtime}.containerd.runtimes.runc"
    return (
        HEADER
        + f"""version = 4
root = {_s(lay.containerd_root)}
state = {_s(lay.containerd_state)}
imports = []
disabled_plugins = ["io.containerd.nri.v1.nri"]

[plugins.'io.containerd.server.v1.grpc']
  address = {_s(lay.socket)}

[plugins.'io.containerd.server.v1.ttrpc']
  address = {_s(str(lay.socket) + ".ttrpc")}

[{cri_images}]
  snapshotter = "overlayfs"

  [{cri_images}.pinned_images]
    sandbox = {_s(c.pause_image)}

  [{cri_images}.registry]
    config_path = {_s(lay.registry_hosts)}

[{cri_runtime}]
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  cdi_spec_dirs = []

  [{cri_runtime}.containerd]
    default_runtime_name = "runc"

  [{runc}]
    runtime_type = "io.containerd.runc.v2"

    [{runc}.options]
      BinaryName = {_s(c.runc)}
      Root = {_s(lay.runc_root)}
      SystemdCgroup = false

  [{cri_runtime}.cni]
    bin_dirs = [{_s(c.cni_bin)}]
    conf_dir = {_s(lay.cni_conf_dir)}
    max_conf_num = 1

[plugins.'io.containerd.internal.v1.opt']
  path = {_s(lay.opt)}

[plugins.'io.containerd.shim.v1.manager']
  socket_dir = {_s(lay.shim_sockets)}

[plugins.'io.containerd.image-verifier.v1.bindir']
  bin_dir = {_s(lay.opt / "image-verifier")}
"""
    )


def registry_hosts(c: NodeConfig) -> tuple[Path, str]:
    """(path, text) of the ``hosts.toml`` that tells containerd how to reach the registry."""
    scheme = "https" if c.registry_secure else "http"
    url = f"{scheme}://{c.registry}"
    text = (
        HEADER
        + f"server = {_s(url)}\n\n"
        + f"[host.{_s(url)}]\n"
        + '  capabilities = ["pull", "resolve"]\n'
    )
    return c.layout.registry_hosts / c.registry / "hosts.toml", text


def cni_conflist(c: NodeConfig) -> tuple[Path, str]:
    doc = {
        "cniVersion": "1.0.0",
        "name": CNI_NETWORK,
        "plugins": [
            {
                "type": "bridge",
                "bridge": BRIDGE,
                "isGateway": True,
                "ipMasq": True,
                "hairpinMode": True,
                "ipam": {
                    "type": "host-local",
                    "ranges": [[{"subnet": POD_CIDR}]],
                    "routes": [{"dst": "0.0.0.0/0"}],
                    "dataDir": str(c.layout.cni_ipam),
                },
            },
            {"type": "portmap", "capabilities": {"portMappings": True}},
        ],
    }
    return c.layout.cni_conf_dir / "10-shipyard.conflist", json.dumps(doc, indent=2) + "\n"


def _yaml(doc: dict[str, Any]) -> str:
    return HEADER + yaml.safe_dump(doc, sort_keys=False)


def kubelet_yaml(c: NodeConfig) -> str:
    lay = c.layout
    return _yaml(
        {
            "apiVersion": "kubelet.config.k8s.io/v1beta1",
            "kind": "KubeletConfiguration",
            "address": c.node_ip,
            "port": KUBELET_PORT,
            "readOnlyPort": 0,
            "healthzBindAddress": "127.0.0.1",
            "healthzPort": KUBELET_HEALTHZ_PORT,
            "authentication": {
                "anonymous": {"enabled": False},
                "webhook": {"enabled": True},
                "x509": {"clientCAFile": str(c.ca_cert)},
            },
            "authorization": {"mode": "Webhook"},
            "cgroupDriver": "cgroupfs",
            "cgroupRoot": "/" + CGROUP_ROOT,
            "failCgroupV1": False,
            "failSwapOn": False,
            "containerRuntimeEndpoint": f"unix://{lay.socket}",
            "podLogsDir": str(lay.pod_logs),
            "clusterDNS": [DNS_SERVICE_IP],
            "clusterDomain": CLUSTER_DOMAIN,
            "resolvConf": "/etc/resolv.conf",
            "tlsCertFile": str(lay.pki / "kubelet-serving.crt"),
            "tlsPrivateKeyFile": str(lay.pki / "kubelet-serving.key"),
            "rotateCertificates": False,
            "serializeImagePulls": False,
            "shutdownGracePeriod": "0s",
            "evictionHard": {
                "memory.available": "100Mi",
                "nodefs.available": "1%",
                "imagefs.available": "1%",
                "nodefs.inodesFree": "1%",
            },
            "imageGCHighThresholdPercent": 99,
            "imageGCLowThresholdPercent": 98,
        }
    )


def kube_proxy_yaml(c: NodeConfig) -> str:
    return _yaml(
        {
            "apiVersion": "kubeproxy.config.k8s.io/v1alpha1",
            "kind": "KubeProxyConfiguration",
            "clientConnection": {"kubeconfig": str(c.layout.kubeconfig("kube-proxy"))},
            "hostnameOverride": NODE_NAME,
            "mode": "iptables",
            "clusterCIDR": POD_CIDR,
            "bindAddress": c.node_ip,
            "healthzBindAddress": f"127.0.0.1:{PROXY_HEALTHZ_PORT}",
            "metricsBindAddress": f"127.0.0.1:{PROXY_METRICS_PORT}",
            "conntrack": {
                "maxPerCore": 0,
                "min": 0,
                "tcpEstablishedTimeout": "0s",
                "tcpCloseWaitTimeout": "0s",
            },
            "iptables": {"localhostNodePorts": False},
            "nodePortAddresses": ["primary"],
        }
    )


def kubeconfig(c: NodeConfig, client: str) -> str:
    """A kubeconfig for one node component, with the certificate ``client`` issued for it."""
    pki = c.layout.pki
    return _yaml(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {
                    "name": "cluster",
                    "cluster": {"server": c.api_server, "certificate-authority": str(c.ca_cert)},
                }
            ],
            "users": [
                {
                    "name": client,
                    "user": {
                        "client-certificate": str(pki / f"{client}.crt"),
                        "client-key": str(pki / f"{client}.key"),
                    },
                }
            ],
            "contexts": [{"name": "node", "context": {"cluster": "cluster", "user": client}}],
            "current-context": "node",
        }
    )


def crictl_yaml(c: NodeConfig) -> str:
    endpoint = f"unix://{c.layout.socket}"
    return _yaml({"runtime-endpoint": endpoint, "image-endpoint": endpoint, "timeout": 30})


def files(c: NodeConfig) -> dict[Path, str]:
    """Every configuration file of the node: path -> text."""
    lay = c.layout
    hosts_path, hosts_text = registry_hosts(c)
    cni_path, cni_text = cni_conflist(c)
    return {
        lay.containerd_config: containerd_toml(c),
        hosts_path: hosts_text,
        cni_path: cni_text,
        lay.kubelet_config: kubelet_yaml(c),
        lay.proxy_config: kube_proxy_yaml(c),
        lay.kubeconfig("kubelet"): kubeconfig(c, "kubelet-client"),
        lay.kubeconfig("kube-proxy"): kubeconfig(c, "kube-proxy"),
        lay.crictl_config: crictl_yaml(c),
    }
