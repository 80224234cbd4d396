"""Base images built from Debian packages, never pulled from a public registry.

``debootstrap --variant=minbase`` makes a Debian root file system from the package mirror;
``chroot`` adds the packages a service base needs (with ``/proc`` mounted for the maintainer
scripts, and always unmounted again, even when the install fails); ``buildah`` turns the
directory into a one-layer image (from scratch, copy, commit) and pushes it to the platform's
registry. A tag that already exists in the registry is not built again.

Tags name what is inside (``base/python:3.11-bookworm``), never ``latest``: a service that
builds ``FROM`` it gets the same base until someone changes the tag on purpose.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from shipyard.adapters.process import CommandFailed
from shipyard.platform.catalog import tool
from shipyard.platform.deps import Adapters
from shipyard.platform.errors import PlatformError
from shipyard.platform.install import APT_ENV, binary
from shipyard.platform.paths import PlatformPaths
from shipyard.platform.progress import Progress
from shipyard.platform.toolenv import RegistryTarget


@dataclass(frozen=True, slots=True)
class BaseImage:
    key: str  # the name in settings (images.base)
    repository: str
    tag: str
    suite: str
    packages: tuple[str, ...]
    check: tuple[str, ...]  # run in the chroot; its output must contain ``expect``
    expect: str

    def reference(self, registry: str) -> str:
        return f"{registry}/{self.repository}:{self.tag}"


BASE_IMAGES: tuple[BaseImage, ...] = (
    BaseImage(
        key="python",
        repository="base/python",
        tag="3.11-bookworm",
        suite="bookworm",
        packages=("python3", "python3-venv", "ca-certificates"),
        check=("python3", "--version"),
        expect="Python 3.11",
    ),
    # The build agent of the Kubernetes executor: what a job's steps call (bash, git, the
    # container tools) and the interpreter Shipyard's own layer runs on (platform/agent.py).
    BaseImage(
        key="agent",
        repository="base/agent",
        tag="bookworm-1",
        suite="bookworm",
        packages=(
            "python3",
            "git",
            "ca-certificates",
            "buildah",
            "podman",
            "skopeo",
            "runc",
            "containernetworking-plugins",
            "iptables",
            "procps",
        ),
        check=("podman", "--version"),
        expect="podman version 4",
    ),
)

# Trimmed from the root file system before it becomes a layer: caches, docs, package lists.
_TRIM = ("var/lib/apt/lists", "var/cache/apt", "usr/share/doc", "usr/share/man", "usr/share/info")


def base_image(key: str) -> BaseImage:
    for image in BASE_IMAGES:
        if image.key == key:
            return image
    raise KeyError(key)


class ImageBuilder:
    mounts = Path("/proc/self/mounts")  # where the kernel lists mounts (a test may redirect it)

    def __init__(
        self,
        paths: PlatformPaths,
        target: RegistryTarget,
        env: dict[str, str],
        adapters: Adapters,
        progress: Progress,
        mirror: str,
    ) -> None:
        self.paths = paths
        self.target = target
        self.env = env  # the tool environment (containers configuration)
        self.adapters = adapters
        self.progress = progress
        self.mirror = mirror

    def exists(self, image: BaseImage) -> bool:
        t = self.target
        client = self.adapters.registry(t.address, t.secure, t.username, t.password.reveal())
        return client.has_manifest(image.repository, image.tag)

    def ensure(self, keys: tuple[str, ...]) -> None:
        for key in keys:
            image = base_image(key)
            ref = image.reference(self.target.address)
            with self.progress.step(f"base image {image.repository}:{image.tag}") as step:
                if self.exists(image):
                    step.skip("in the registry")
                    continue
                self.build(image)
                step.detail(f"pushed {ref}")

    def _run(self, what: str, argv: list[str], *, env: bool = False, timeout: float = 1800) -> str:
        try:
            done = self.adapters.run(argv, extra_env=self.env if env else APT_ENV, timeout=timeout)
        except CommandFailed as exc:
            raise PlatformError(
                "base image", f"{what} failed: {exc.message}", retry="shipyard platform up"
            ) from None
        return done.stdout.strip()

    @contextlib.contextmanager
    def _proc_mounted(self, rootfs: Path) -> Iterator[None]:
        proc = rootfs / "proc"
        proc.mkdir(exist_ok=True)
        self._run("mounting /proc", ["mount", "-t", "proc", "proc", str(proc)])
        try:
            yield
        finally:
            self.unmount(rootfs)

    def unmount(self, rootfs: Path) -> None:
        """Unmount ``rootfs/proc`` if mounted (lazily, so a busy mount cannot block cleanup)."""
        proc = rootfs / "proc"
        mounts = self.mounts
        if mounts.is_file() and f" {proc} " in mounts.read_text():
            self.adapters.run(["umount", "-l", str(proc)], check=False)

    def build(self, image: BaseImage) -> None:
        if os.geteuid() != 0:
            raise PlatformError(
                "base image",
                f"building {image.repository}:{image.tag} needs root (debootstrap, mount, chroot)",
                hint="or push an equivalent image to the registry yourself",
                retry="sudo shipyard platform up",
            )
        rootfs = self.paths.rootfs / f"{image.repository.replace('/', '-')}-{image.tag}"
        self.unmount(rootfs)  # a build interrupted earlier may have left it mounted
        shutil.rmtree(rootfs, ignore_errors=True)
        rootfs.parent.mkdir(parents=True, exist_ok=True)
        debootstrap = str(binary(self.paths, tool("debootstrap")))
        self._run(
            "debootstrap",
            [debootstrap, "--variant=minbase", image.suite, str(rootfs), self.mirror],
        )
        chroot = ["chroot", str(rootfs)]
        with self._proc_mounted(rootfs):
            self._run("apt-get update in the image", [*chroot, "apt-get", "update", "-q"])
            self._run(
                "installing " + " ".join(image.packages),
                [
                    *chroot,
                    "apt-get",
                    "install",
                    "-y",
                    "-q",
                    "--no-install-recommends",
                    *image.packages,
                ],
            )
            self._run("apt-get clean", [*chroot, "apt-get", "clean"])
            seen = self._run("checking the image", [*chroot, *image.check])
        if image.expect not in seen:
            raise PlatformError("base image", f"{image.check} printed {seen!r}, not {image.expect}")
        for rel in _TRIM:
            target = rootfs / rel
            if target.is_dir():
                shutil.rmtree(target)
                target.mkdir()
        self._commit(image, rootfs)
        shutil.rmtree(rootfs, ignore_errors=True)

    def _commit(self, image: BaseImage, rootfs: Path) -> None:
        buildah = str(binary(self.paths, tool("buildah")))
        ref = image.reference(self.target.address)
        ctr = self._run("buildah from scratch", [buildah, "from", "scratch"], env=True)
        try:
            self._run("buildah copy", [buildah, "copy", ctr, f"{rootfs}/", "/"], env=True)
            self._run(
                "buildah config",
                [
                    buildah,
                    "config",
                    "--env",
                    "LANG=C.UTF-8",
                    "--cmd",
                    "/bin/bash",
                    "--label",
                    f"org.opencontainers.image.base.name=debian:{image.suite}",
                    "--label",
                    "org.opencontainers.image.description="
                    + f"{image.suite} minbase + {' '.join(image.packages)}",
                    ctr,
                ],
                env=True,
            )
            self._run("buildah commit", [buildah, "commit", "--rm", ctr, ref], env=True)
        except PlatformError:
            self.adapters.run([buildah, "rm", ctr], extra_env=self.env, check=False)
            raise
        push = [buildah, "push"]
        if not self.target.secure:
            push.append("--tls-verify=false")
        self._run(f"buildah push {ref}", [*push, ref], env=True)
