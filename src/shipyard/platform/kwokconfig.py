"""The KwokctlConfiguration of a cluster: local binaries, fixed ports, and a real node's needs.

Every binary is a path in Shipyard's tool cache (nothing is downloaded) and every port is
fixed, from the cluster's block. The cluster that gets the real node (``clusters.real_node``,
see :mod:`shipyard.platform.node`) is configured so that a kubelet can join it, whether or
not a real node then runs:

- the API server listens on every address and so advertises the machine's: pods reach it
  through the ``kubernetes`` Service, whose endpoint is that address (on loopback they could
  not);
- its certificate also names the Service address ``10.0.0.1`` (kwokctl's names
  ``kubernetes.default.svc`` and the machine's addresses, not the Service IP that in-cluster
  clients use);
- it reaches kubelets by their InternalIP (by name it would fail: the node's name is not in
  DNS) with a client certificate the kubelet accepts;
- the kwok controller manages only the nodes kwokctl creates (annotated
  ``kwok.x-k8s.io/node: fake``), never the real one.

Without a real node, the same cluster simply runs kwok nodes: falling back to them costs no
recreation.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from shipyard.adapters.kubeview import KWOK_ANNOTATION
from shipyard.platform.catalog import KUBE, tool
from shipyard.platform.install import binary
from shipyard.platform.paths import PlatformPaths
from shipyard.platform.topology import LOOPBACK

API_SERVICE_IP = "10.0.0.1"  # the kubernetes Service in kube-apiserver's default range
_PORT_KEYS = (
    "kubeApiserverPort",
    "etcdPort",
    "etcdPeerPort",
    "kubeControllerManagerPort",
    "kubeSchedulerPort",
    "kwokControllerPort",
)


def render(paths: PlatformPaths, ports: dict[str, int], cluster_dir: Path, real_node: bool) -> str:
    """The configuration file's text; ``ports`` in the order of the cluster's port block."""

    def exe(tool_name: str, bin_name: str) -> str:
        return str(binary(paths, tool(tool_name), bin_name))

    options: dict[str, object] = {
        "runtime": "binary",
        "bindAddress": LOOPBACK,
        "kubeVersion": KUBE,
        "securePort": True,
        "kubeAuthorization": True,
        "kubeAdmission": True,
        "etcdBinary": exe("etcd", "etcd"),
        "kubeApiserverBinary": exe("kubernetes", "kube-apiserver"),
        "kubeControllerManagerBinary": exe("kubernetes", "kube-controller-manager"),
        "kubeSchedulerBinary": exe("kubernetes", "kube-scheduler"),
        "kwokControllerBinary": exe("kwok", "kwok"),
        "kubectlBinary": exe("kubectl", "kubectl"),
    }
    for key, port in zip(_PORT_KEYS, ports.values(), strict=True):
        options[key] = port
    doc: dict[str, object] = {
        "apiVersion": "config.kwok.x-k8s.io/v1alpha1",
        "kind": "KwokctlConfiguration",
        "options": options,
    }
    if real_node:
        options["kubeApiserverCertSANs"] = [API_SERVICE_IP]
        doc["componentsPatches"] = real_node_patches(cluster_dir / "pki")
    return "# Written by Shipyard (shipyard platform up).\n" + yaml.safe_dump(doc, sort_keys=False)


def real_node_patches(pki: Path) -> list[dict[str, object]]:
    def arg(key: str, value: str, override: bool = False) -> dict[str, object]:
        return {"key": key, "value": value, "override": override}

    return [
        {
            "name": "kube-apiserver",
            "extraArgs": [
                arg("bind-address", "0.0.0.0", override=True),  # noqa: S104 - see above
                arg("kubelet-preferred-address-types", "InternalIP"),
                arg("kubelet-client-certificate", str(pki / "admin.crt")),
                arg("kubelet-client-key", str(pki / "admin.key")),
            ],
        },
        {
            "name": "kwok-controller",
            "extraArgs": [
                arg("manage-all-nodes", "false", override=True),
                arg("manage-nodes-with-annotation-selector", f"{KWOK_ANNOTATION}=fake"),
            ],
        },
    ]
