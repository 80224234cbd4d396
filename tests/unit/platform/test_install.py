"""The installer: check cheaply, build only what is missing or broken, say which and why."""

from __future__ import annotations

import errno
import json
import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from shipyard.platform import install as install_mod
from shipyard.platform.catalog import tool
from shipyard.platform.context import Platform
from shipyard.platform.errors import BuildFailed, ToolBroken
from shipyard.platform.gobuild import MANIFEST
from shipyard.platform.install import Installer, debian_upstream
from shipyard.platform.progress import Recorder
from tests.unit.platform.conftest import Fakes

HELM = tool("helm")


@pytest.fixture(autouse=True)
def _go_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    real = shutil.which

    def which(name: str, mode: int = os.F_OK | os.X_OK, path: str | None = None) -> str | None:
        return "/opt/go/bin/go" if name == "go" else real(name, mode, path)

    monkeypatch.setattr(install_mod.shutil, "which", which)


def _installer(p: Platform) -> Installer:
    return Installer(p.paths, p.adapters.run, p.progress)


def _place(p: Platform, name: str, *, manifest: bool = True) -> Path:
    t = tool(name)
    d = p.paths.tool_dir(t.name, t.version)
    d.mkdir(parents=True)
    for b in t.binaries:
        (d / b).write_text("#!/bin/sh\n")
        (d / b).chmod(0o755)
    if manifest:
        (d / MANIFEST).write_text(json.dumps({"name": name}))
    return d


def test_a_tool_never_built_is_missing(make_platform: Callable[..., Platform]) -> None:
    status = _installer(make_platform()).check(HELM)
    assert (status.state, status.detail) == ("missing", "not built")


def test_a_half_built_tool_is_missing(make_platform: Callable[..., Platform]) -> None:
    p = make_platform()
    _place(p, "helm", manifest=False)
    assert _installer(p).check(HELM).state == "missing"


def test_a_cached_tool_at_its_version_is_ok(
    make_platform: Callable[..., Platform], fakes: Fakes
) -> None:
    p = make_platform()
    _place(p, "helm")
    fakes.run.expect("helm", "version", "--short", stdout="v4.3.1\n")
    assert _installer(p).check(HELM).state == "ok"


@pytest.mark.parametrize(
    ("answer", "detail"),
    [
        ({"stdout": "v3.16.0\n"}, "reports 'v3.16.0', not v4.3.1"),
        ({"returncode": 2, "stderr": "segfault\n"}, "segfault"),
        ({"error": OSError(errno.ENOEXEC, "Exec format error")}, "Exec format error"),
    ],
)
def test_a_broken_binary_says_why(
    make_platform: Callable[..., Platform],
    fakes: Fakes,
    answer: dict,
    detail: str,  # type: ignore[type-arg]
) -> None:
    p = make_platform()
    _place(p, "helm")
    fakes.run.expect("helm", "version", **answer)
    status = _installer(p).check(HELM)
    assert status.state == "broken"
    assert status.detail == detail


def _fake_go_install(argv: Sequence[str], gobin: list[str]) -> None:
    Path(gobin[0], "helm").write_text("#!/bin/sh\n")
    Path(gobin[0], "helm").chmod(0o755)


def test_a_missing_go_tool_is_built_once_into_the_versioned_cache(
    make_platform: Callable[..., Platform], fakes: Fakes
) -> None:
    p = make_platform()
    fakes.run.expect("go", "env", "GOVERSION", stdout="go1.26.8\n")
    fakes.run.expect(
        "go",
        "install",
        "-trimpath",
        "-ldflags",
        "-s -w -X helm.sh/helm/v4/internal/version.version=v4.3.1",
        "helm.sh/helm/v4/cmd/helm@v4.3.1",
        effect=lambda argv: _fake_go_install(argv, [fakes.run.calls[-1].env["GOBIN"]]),
    )
    fakes.run.expect("helm", "version", "--short", stdout="v4.3.1\n", repeat=True)
    (status,) = _installer(p).ensure((HELM,))
    assert status.state == "ok"
    final = p.paths.tool_dir("helm", "v4.3.1")
    assert status.path == str(final / "helm")
    assert json.loads((final / MANIFEST).read_text())["go"] == "go1.26.8"
    (install_call,) = fakes.run.ran("go", "install")
    assert {k: install_call.env[k] for k in ("GOTOOLCHAIN", "CGO_ENABLED", "GOFLAGS")} == {
        "GOTOOLCHAIN": "local",
        "CGO_ENABLED": "0",
        "GOFLAGS": "-mod=mod",
    }
    recorder = p.progress
    assert isinstance(recorder, Recorder)
    assert [s.title for s in recorder.done()] == ["helm v4.3.1"]

    again = Recorder()
    Installer(p.paths, p.adapters.run, again).ensure((HELM,))
    assert again.done() == [] and len(fakes.run.ran("go", "install")) == 1


def test_a_failed_build_names_the_tool_the_reason_and_the_retry(
    make_platform: Callable[..., Platform], fakes: Fakes
) -> None:
    p = make_platform()
    fakes.run.expect("go", "env", stdout="go1.26.8\n")
    fakes.run.expect(
        "go", "install", returncode=1, stderr="go: helm.sh/helm/v4@v4.3.1: dial tcp: i/o timeout\n"
    )
    with pytest.raises(BuildFailed) as info:
        _installer(p).ensure((HELM,))
    err = info.value
    assert err.message.startswith("helm v4.3.1: `/opt/go/bin/go install")
    assert "i/o timeout" in err.message
    assert "retry with: shipyard platform install helm" in err.hint
    assert str(p.paths.log("build-helm")) in err.hint
    assert not p.paths.tool_dir("helm", "v4.3.1").exists()
    assert "i/o timeout" in p.paths.log("build-helm").read_text()


def test_without_go_the_message_says_to_install_it(
    make_platform: Callable[..., Platform], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(install_mod.shutil, "which", lambda *a, **k: None)
    with pytest.raises(BuildFailed, match="the Go toolchain"):
        _installer(make_platform()).ensure((HELM,))


def _no_system_tools(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(install_mod, "_SYSTEM_PATH", str(tmp_path / "empty"))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))


def test_missing_debian_packages_need_root(
    make_platform: Callable[..., Platform], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _no_system_tools(monkeypatch, tmp_path)
    monkeypatch.setattr(install_mod.os, "geteuid", lambda: 1000)
    with pytest.raises(BuildFailed) as info:
        _installer(make_platform()).ensure((tool("jq"), tool("skopeo")))
    assert (
        "retry with: sudo apt-get install -y --no-install-recommends jq skopeo" in info.value.hint
    )


def test_debian_packages_install_in_one_call_and_are_checked_against_the_pin(
    make_platform: Callable[..., Platform],
    fakes: Fakes,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    _no_system_tools(monkeypatch, tmp_path)
    monkeypatch.setattr(install_mod.os, "geteuid", lambda: 0)
    fakes.run.expect("apt-get", "update")
    fakes.run.expect("apt-get", "install", "-y", "-q", "--no-install-recommends", "jq", "skopeo")
    fakes.run.expect("dpkg-query", "-W", "-f", "${Version}", "jq", stdout="1.6-2.1+deb12u3")
    fakes.run.expect("dpkg-query", "-W", "-f", "${Version}", "skopeo", stdout="1.14.0+ds1-1")
    with pytest.raises(ToolBroken) as info:
        _installer(make_platform()).ensure((tool("jq"), tool("skopeo")))
    assert "Debian installed 1.14.0+ds1-1, Shipyard is pinned to 1.9.3" in info.value.message
    assert fakes.run.calls[1].env["DEBIAN_FRONTEND"] == "noninteractive"


@pytest.mark.parametrize(
    ("version", "upstream"),
    [
        ("2.8.2+ds1-1", "2.8.2"),
        ("1:4.13+dfsg1-1+deb12u2", "4.13"),
        ("1.0.128+nmu2+deb12u2", "1.0.128"),
        ("1.6-2.1+deb12u3", "1.6"),
    ],
)
def test_debian_upstream_versions(version: str, upstream: str) -> None:
    assert debian_upstream(version) == upstream
