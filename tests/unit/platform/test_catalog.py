"""The tool table and the XDG layout it is cached under."""

from __future__ import annotations

from pathlib import Path

from shipyard.platform.catalog import (
    TOOLS,
    Apt,
    GoInstall,
    GoSource,
    KubeBuild,
    default_tools,
    owner_of,
)
from shipyard.platform.paths import PlatformPaths


def test_names_and_binaries_are_unique() -> None:
    names = [t.name for t in TOOLS]
    binaries = [b for t in TOOLS for b in t.binaries]
    assert len(names) == len(set(names))
    assert len(binaries) == len(set(binaries))


def test_versions_are_pinned() -> None:
    pins = {t.name: t.version for t in TOOLS}
    assert pins["kubernetes"] == pins["kubectl"] == "v1.37.2"
    assert pins["kwok"] == "v0.8.0"
    assert pins["helm"] == "v4.3.1"
    assert pins["syft"] == "v1.57.1" and pins["osv-scanner"] == "v2.5.0"
    assert all(t.version and t.version != "latest" for t in TOOLS)


def test_every_recipe_kind_is_used_and_later_tools_are_opt_in() -> None:
    kinds = {type(t.recipe) for t in default_tools()}
    assert kinds == {Apt, GoInstall, KubeBuild}
    node = {"kubelet", "containerd", "coredns", "crictl", "pause", "cni-plugins", "iptables"}
    assert {t.name for t in TOOLS if not t.default} == {"syft", "osv-scanner", *node}
    assert {type(t.recipe) for t in TOOLS} == {Apt, GoInstall, KubeBuild, GoSource}


def test_the_real_node_is_built_from_the_control_planes_module_and_pinned() -> None:
    kubelet = owner_of("kube-proxy")
    assert isinstance(kubelet.recipe, KubeBuild)
    assert kubelet.version == kubelet.recipe.kube_version == owner_of("kube-apiserver").version
    containerd = owner_of("containerd-shim-runc-v2")
    assert containerd.version == "v2.4.2"
    assert isinstance(containerd.recipe, GoInstall)
    assert "no_btrfs" in containerd.recipe.tags
    assert owner_of("coredns").version == "v1.15.0"
    pause = owner_of("pause")
    assert isinstance(pause.recipe, GoSource)
    source = Path(__file__).parents[3] / "src/shipyard/platform" / pause.recipe.directory
    assert (source / "main.go").is_file() and (source / "go.mod").is_file()


def test_etcd_comes_from_the_kubernetes_module_graph() -> None:
    etcd = owner_of("etcd")
    assert isinstance(etcd.recipe, KubeBuild)
    assert etcd.recipe.module == "go.etcd.io/etcd/server/v3"
    assert etcd.recipe.kube_version == owner_of("kube-apiserver").version


def test_xdg_directories_are_honoured(tmp_path: Path) -> None:
    env = {
        "HOME": str(tmp_path),
        "XDG_CACHE_HOME": str(tmp_path / "c"),
        "XDG_DATA_HOME": "relative/is/ignored",
    }
    paths = PlatformPaths.from_env(env)
    assert paths.tool_dir("helm", "v4.3.1") == tmp_path / "c/shipyard/tools/helm/v4.3.1"
    assert paths.data == tmp_path / ".local/share/shipyard/platform"
    assert paths.state == tmp_path / ".local/state/shipyard/platform"
    assert paths.kubeconfig.parent == paths.state
