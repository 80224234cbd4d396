"""The node's configuration files parse, and carry the settings that real machines needed."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import yaml

from shipyard.platform.node import render
from shipyard.platform.node.layout import NodeLayout
from shipyard.platform.paths import PlatformPaths


def _config(tmp_path: Path) -> render.NodeConfig:
    paths = PlatformPaths(tmp_path / "c", tmp_path / "d", tmp_path / "s", tmp_path / "cfg")
    return render.NodeConfig(
        layout=NodeLayout(paths, Path("/run/shipyard/node")),
        node_ip="192.0.2.7",
        api_server="https://127.0.0.1:16443",
        ca_cert=tmp_path / "ca.crt",
        registry="127.0.0.1:5000",
        registry_secure=False,
        pause_image="127.0.0.1:5000/node/pause:v1.0.0",
        runc=Path("/usr/sbin/runc"),
        cni_bin=Path("/usr/lib/cni"),
    )


def test_containerd_keeps_everything_in_its_own_directories(tmp_path: Path) -> None:
    c = _config(tmp_path)
    doc = tomllib.loads(render.containerd_toml(c))
    assert doc["version"] == 4 and doc["imports"] == []
    assert doc["root"].startswith(str(tmp_path / "d")) and doc["state"].startswith(str(tmp_path))
    plugins = doc["plugins"]
    assert (
        plugins["io.containerd.server.v1.grpc"]["address"] == "/run/shipyard/node/containerd.sock"
    )
    runtime = plugins["io.containerd.cri.v1.runtime"]
    assert runtime["restrict_oom_score_adj"] is True
    assert runtime["netns_mounts_under_state_dir"] is True
    runc = runtime["containerd"]["runtimes"]["runc"]["options"]
    assert runc["SystemdCgroup"] is False and runc["Root"].startswith(str(tmp_path))
    assert runtime["cni"]["conf_dir"] != "/etc/cni/net.d"
    images = plugins["io.containerd.cri.v1.images"]
    assert images["pinned_images"]["sandbox"] == "127.0.0.1:5000/node/pause:v1.0.0"
    assert "io.containerd.nri.v1.nri" in doc["disabled_plugins"]
    assert plugins["io.containerd.shim.v1.manager"]["socket_dir"] == "/run/shipyard/node/s"


def test_the_registry_is_reached_over_plain_http(tmp_path: Path) -> None:
    path, text = render.registry_hosts(_config(tmp_path))
    assert path.parent.name == "127.0.0.1:5000"
    assert tomllib.loads(text)["server"] == "http://127.0.0.1:5000"


def test_cni_bridge_and_portmap_with_addresses_kept_by_shipyard(tmp_path: Path) -> None:
    _, text = render.cni_conflist(_config(tmp_path))
    bridge, portmap = json.loads(text)["plugins"]
    assert bridge["bridge"] == "shipyard0" and bridge["ipMasq"] is True
    assert bridge["ipam"]["dataDir"].startswith(str(tmp_path))
    assert portmap["type"] == "portmap"


def test_kubelet_and_kube_proxy_settings(tmp_path: Path) -> None:
    c = _config(tmp_path)
    kubelet = yaml.safe_load(render.kubelet_yaml(c))
    assert kubelet["failCgroupV1"] is False and kubelet["cgroupDriver"] == "cgroupfs"
    assert kubelet["cgroupRoot"] == "/shipyard-node"
    assert kubelet["address"] == "192.0.2.7" and kubelet["readOnlyPort"] == 0
    assert kubelet["authentication"]["anonymous"]["enabled"] is False
    assert kubelet["clusterDNS"] == ["10.0.0.10"]
    assert kubelet["containerRuntimeEndpoint"] == "unix:///run/shipyard/node/containerd.sock"
    proxy = yaml.safe_load(render.kube_proxy_yaml(c))
    assert proxy["conntrack"]["maxPerCore"] == 0  # the host's conntrack sysctls stay as they are
    assert proxy["iptables"]["localhostNodePorts"] is False  # route_localnet untouched
    kc = yaml.safe_load(render.kubeconfig(c, "kubelet-client"))
    assert kc["clusters"][0]["cluster"]["server"] == "https://127.0.0.1:16443"
    assert kc["users"][0]["user"]["client-certificate"].endswith("kubelet-client.crt")
    assert set(render.files(c)) >= {c.layout.containerd_config, c.layout.kubelet_config}
