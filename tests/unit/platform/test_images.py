"""Base images: built from Debian packages without pulling, /proc always unmounted, never twice."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from shipyard.platform.context import Platform
from shipyard.platform.errors import PlatformError
from shipyard.platform.images import ImageBuilder, base_image
from shipyard.platform.progress import Recorder
from tests.unit.platform.conftest import Fakes

PYTHON = base_image("python")


@pytest.fixture(autouse=True)
def _root(monkeypatch: pytest.MonkeyPatch) -> None:
    from shipyard.platform import images

    monkeypatch.setattr(images.os, "geteuid", lambda: 0)


def _builder(p: Platform, mounts: Path) -> ImageBuilder:
    builder = ImageBuilder(
        p.paths, p.target, p.tool_env(), p.adapters, p.progress, p.settings.debian_mirror
    )
    builder.mounts = mounts
    return builder


@pytest.fixture
def mounts(tmp_path: Path, fakes: Fakes) -> Path:
    """A fake mount table that `mount` and `umount` keep up to date."""
    table = tmp_path / "mounts"
    table.write_text("")

    def mount(argv: Sequence[str]) -> None:
        table.write_text(f"proc {argv[-1]} proc rw 0 0\n")

    def umount(argv: Sequence[str]) -> None:
        table.write_text("")

    fakes.run.expect("mount", "-t", "proc", effect=mount, repeat=True)
    fakes.run.expect("umount", "-l", effect=umount, repeat=True)
    return table


def _debootstrap(argv: Sequence[str]) -> None:
    Path(argv[3], "var/lib/apt/lists").mkdir(parents=True)
    Path(argv[3], "var/lib/apt/lists/junk").write_text("x")


def test_an_image_in_the_registry_is_not_built_again(
    make_platform: Callable[..., Platform], fakes: Fakes, mounts: Path
) -> None:
    p = make_platform()
    fakes.registry.push("base/python", "3.11-bookworm")
    _builder(p, mounts).ensure(("python",))
    assert [c.argv for c in fakes.run.calls] == []
    assert isinstance(p.progress, Recorder) and p.progress.steps[-1].outcome == "skipped"


def test_the_build_goes_debootstrap_chroot_buildah_push(
    make_platform: Callable[..., Platform], fakes: Fakes, mounts: Path
) -> None:
    p = make_platform()
    run = fakes.run
    run.expect(
        "debootstrap",
        "--variant=minbase",
        "bookworm",
        "...",
        "http://deb.debian.org/debian",
        effect=_debootstrap,
    )
    run.expect("chroot", "...", "apt-get", "update")
    run.expect(
        "chroot",
        "...",
        "apt-get",
        "install",
        "-y",
        "-q",
        "--no-install-recommends",
        "python3",
        "python3-venv",
        "ca-certificates",
    )
    run.expect("chroot", "...", "apt-get", "clean")
    run.expect("chroot", "...", "python3", "--version", stdout="Python 3.11.2\n")
    run.expect("buildah", "from", "scratch", stdout="working-container\n")
    run.expect("buildah", "copy", "working-container")
    run.expect("buildah", "config")
    run.expect(
        "buildah", "commit", "--rm", "working-container", "127.0.0.1:5000/base/python:3.11-bookworm"
    )
    run.expect("buildah", "push", "--tls-verify=false", "127.0.0.1:5000/base/python:3.11-bookworm")
    _builder(p, mounts).ensure(("python",))
    assert run.expected[2:] == []  # every step ran (mount/umount are repeatable)
    assert mounts.read_text() == ""
    assert (
        run.ran("buildah", "push")[0]
        .env["CONTAINERS_REGISTRIES_CONF"]
        .startswith(str(p.paths.state))
    )
    assert not any(c.argv[0].endswith("podman") and "pull" in c.argv for c in run.calls)


def test_proc_is_unmounted_when_the_install_fails(
    make_platform: Callable[..., Platform], fakes: Fakes, mounts: Path
) -> None:
    p = make_platform()
    fakes.run.expect("debootstrap", effect=_debootstrap)
    fakes.run.expect("chroot", "...", "apt-get", "update")
    fakes.run.expect(
        "chroot",
        "...",
        "apt-get",
        "install",
        returncode=100,
        stderr="E: Unable to locate package python3-venv\n",
    )
    with pytest.raises(PlatformError) as info:
        _builder(p, mounts).ensure(("python",))
    assert "python3-venv" in info.value.message
    assert info.value.component == "base image"
    assert mounts.read_text() == ""
    assert fakes.run.ran("umount", "-l")


def test_building_without_root_says_so(
    make_platform: Callable[..., Platform], mounts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shipyard.platform import images

    monkeypatch.setattr(images.os, "geteuid", lambda: 1000)
    with pytest.raises(PlatformError) as info:
        _builder(make_platform(), mounts).ensure(("python",))
    assert "needs root" in info.value.message
    assert "retry with: sudo shipyard platform up" in info.value.hint
