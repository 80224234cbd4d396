"""The Kubernetes wrapper module and the Go command lines, checked against a fake runner."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from shipyard.platform.catalog import tool
from shipyard.platform.context import Platform
from shipyard.platform.gobuild import (
    GoBuilder,
    godebug_default,
    kube_ldflags,
    staging_modules,
    staging_version,
)
from tests.unit.platform.conftest import Fakes

KUBE_GOMOD = """module k8s.io/kubernetes

go 1.26.0

godebug default=go1.26

require (
\tgo.etcd.io/etcd/server/v3 v3.7.0
)

replace (
\tk8s.io/api => ./staging/src/k8s.io/api
\tk8s.io/client-go => ./staging/src/k8s.io/client-go
)

replace k8s.io/kubectl => ./staging/src/k8s.io/kubectl
replace example.com/other => example.com/other v1.0.0
"""


def test_staging_modules_are_the_local_replaces() -> None:
    assert staging_modules(KUBE_GOMOD) == ["k8s.io/api", "k8s.io/client-go", "k8s.io/kubectl"]
    assert staging_version("v1.37.2") == "v0.37.2"


def test_version_ldflags_cover_both_version_packages() -> None:
    flags = kube_ldflags("v1.37.2", "2026-11-26T00:00:00Z")
    for pkg in ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version"):
        assert f"-X {pkg}.gitVersion=v1.37.2" in flags
        assert f"-X {pkg}.gitMinor=37" in flags
        assert f"-X {pkg}.gitTreeState=clean" in flags


def test_godebug_follows_kubernetes(tmp_path: Path) -> None:
    gomod = tmp_path / "go.mod"
    gomod.write_text(KUBE_GOMOD)
    assert godebug_default(str(gomod)) == "go1.26"
    gomod.write_text("module x\n\ngo 1.25.3\n")
    assert godebug_default(str(gomod)) == "go1.25"


def test_the_wrapper_module_is_made_once_and_etcd_is_built_from_its_graph(
    make_platform: Callable[..., Platform], fakes: Fakes, tmp_path: Path
) -> None:
    p = make_platform()
    gomod = tmp_path / "kubernetes.mod"
    gomod.write_text(KUBE_GOMOD)
    wdir = p.paths.builds / "kubernetes-v1.37.2"

    def init(argv: object) -> None:
        (wdir / "go.mod").write_text("module local/shipyard-k8sbuild\n")

    fakes.run.expect("go", "mod", "init", effect=init)
    fakes.run.expect(
        "go",
        "mod",
        "download",
        "-json",
        "k8s.io/kubernetes@v1.37.2",
        stdout=json.dumps({"GoMod": str(gomod)}),
    )
    fakes.run.expect(
        "go",
        "mod",
        "edit",
        "-require=k8s.io/kubernetes@v1.37.2",
        "-replace=k8s.io/api=k8s.io/api@v0.37.2",
        "-replace=k8s.io/client-go=k8s.io/client-go@v0.37.2",
        "-replace=k8s.io/kubectl=k8s.io/kubectl@v0.37.2",
    )
    fakes.run.expect("go", "get", "go.etcd.io/etcd/server/v3@v3.7.0")
    out = tmp_path / "out"
    fakes.run.expect(
        "go",
        "build",
        "-trimpath",
        "-ldflags",
        "-s -w",
        "-o",
        f"{out}/etcd",
        "go.etcd.io/etcd/server/v3",
    )
    builder = GoBuilder(p.adapters.run, p.paths, tmp_path / "build.log")
    builder.build(tool("etcd"), out)
    assert "godebug default=go1.26" in (wdir / "go.mod").read_text()
    assert all(c.cwd == str(wdir) for c in fakes.run.calls)

    # The control plane reuses the wrapper: no second `go mod init`.
    fakes.run.expect("go", "get", "k8s.io/kubernetes/cmd/kube-apiserver@v1.37.2", "...", "...")
    fakes.run.expect(
        "go",
        "build",
        "-trimpath",
        "-tags",
        "selinux,notest",
        "-ldflags",
        "...",
        "-o",
        f"{out}/",
        "k8s.io/kubernetes/cmd/kube-apiserver",
    )
    builder.build(tool("kubernetes"), out)
    assert len(fakes.run.ran("go", "mod", "init")) == 1
    assert fakes.run.expected == []
