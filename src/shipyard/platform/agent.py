"""The agent image of the Kubernetes executor: this very Shipyard, in an image of its own.

A job run by the Kubernetes executor is a pod, so what runs the job's steps must be in an
image: the ``base/agent`` base (Debian with bash, git and the container tools, built by
:mod:`shipyard.platform.images`) plus two layers made here from the installation that starts
the executor, so that the pod runs exactly the code and libraries of the engine that sent it:

1. the runtime libraries: every distribution that ``shipyard`` needs, found through the
   installed metadata (requirements, their extras, recursively), copied as installed;
2. the ``shipyard`` package itself.

Nothing is downloaded: the layers are copies of what this interpreter imports (the base's
Debian Python is the same minor version, so compiled wheels fit). The tag is a digest of
both (``node/agent:<digest>``): a change to the code or a dependency is a new image, and an
image already in the registry is not built again, which makes :meth:`AgentImage.ensure` a
cheap check on every service start.
"""

from __future__ import annotations

import compileall
import contextlib
import hashlib
import importlib.metadata as md
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import shipyard
from shipyard.adapters.process import CommandFailed
from shipyard.platform.catalog import tool
from shipyard.platform.deps import Adapters
from shipyard.platform.errors import PlatformError
from shipyard.platform.images import base_image
from shipyard.platform.install import binary
from shipyard.platform.paths import PlatformPaths
from shipyard.platform.toolenv import RegistryTarget

REPOSITORY = "node/agent"
BASE_TAG = "base/agent:bookworm-1"  # must match the ``agent`` row of platform/images.py
BASE_PYTHON = (3, 11)  # Debian bookworm's
LIB = "/opt/shipyard/lib"
ENTRY = ("python3", "-m", "shipyard.executor.kube_agent")
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[([^\]]*)\])?")
_EXTRA = re.compile(r"extra\s*==\s*['\"]([^'\"]+)['\"]")


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_closure(root: str = "shipyard") -> list[md.Distribution]:
    """The installed distributions ``root`` needs at run time (not itself), by name.

    A requirement behind ``extra == "x"`` counts only when its parent asked for extra ``x``;
    any other marker counts when the distribution is installed (it was, for this platform).
    Each (distribution, extras) pair is visited once, so cycles through extras end.
    """
    seen: dict[str, md.Distribution] = {}
    visited: set[tuple[str, frozenset[str]]] = set()
    todo: list[tuple[str, frozenset[str]]] = [(root, frozenset())]
    while todo:
        name, extras = todo.pop()
        key = _canonical(name)
        if (key, extras) in visited:
            continue
        visited.add((key, extras))
        try:
            dist = md.distribution(name)
        except md.PackageNotFoundError:
            continue  # a requirement for another platform
        if key != _canonical(root):
            seen[key] = dist
        for text in dist.requires or []:
            requirement, _, marker = text.partition(";")
            wanted = {_canonical(e) for e in _EXTRA.findall(marker)}
            if wanted and not wanted & extras:
                continue
            match = _NAME.match(requirement)
            if match is None:
                continue
            sub = frozenset(_canonical(e) for e in (match.group(3) or "").split(",") if e.strip())
            todo.append((match.group(1), sub))
    return sorted(seen.values(), key=lambda d: _canonical(d.metadata["Name"]))


def _top_entries(dist: md.Distribution) -> set[str]:
    """What a distribution put into site-packages: top-level packages, modules, .dist-info."""
    tops: set[str] = set()
    for file in dist.files or []:
        first = file.parts[0]
        if first in ("..", "__pycache__") or first.endswith(".pth"):
            continue
        tops.add(first)
    return tops


def _package_files(package: Path) -> Iterator[Path]:
    for path in sorted(package.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            yield path


@dataclass(frozen=True, slots=True)
class AgentContent:
    """What goes into the two layers, and the digests that name them."""

    libraries: tuple[md.Distribution, ...]
    package: Path  # the shipyard package directory

    @classmethod
    def of_this_installation(cls) -> AgentContent:
        return cls(tuple(runtime_closure()), Path(shipyard.__file__).parent)

    def libraries_digest(self) -> str:
        recipe = f"python{sys.version_info.major}.{sys.version_info.minor} {BASE_TAG} {LIB}"
        h = hashlib.sha256(recipe.encode())
        for dist in self.libraries:
            h.update(f"{dist.metadata['Name']}=={dist.version}\n".encode())
        return h.hexdigest()[:16]

    def tag(self) -> str:
        h = hashlib.sha256((self.libraries_digest() + " ".join(ENTRY)).encode())
        for path in _package_files(self.package):
            h.update(str(path.relative_to(self.package)).encode() + b"\0")
            h.update(path.read_bytes())
        return h.hexdigest()[:16]

    def stage_libraries(self, into: Path) -> None:
        for dist in self.libraries:
            site = Path(str(dist.locate_file("")))
            tops = _top_entries(dist)
            if not tops:
                raise PlatformError(
                    "agent image",
                    f"{dist.metadata['Name']} {dist.version} lists no installed files "
                    "(an editable install?): the agent image cannot carry it",
                    hint="install Shipyard's dependencies normally (`make setup`)",
                )
            for top in tops:
                source = site / top
                if source.is_dir():
                    shutil.copytree(source, into / top, dirs_exist_ok=True, symlinks=True)
                elif source.is_file():
                    shutil.copy2(source, into / top)

    def stage_package(self, into: Path) -> None:
        shutil.copytree(
            self.package, into / "shipyard", ignore=shutil.ignore_patterns("__pycache__")
        )
        # Compiled here, once, rather than by every pod at its first import.
        compileall.compile_dir(into / "shipyard", quiet=1)


class AgentImage:
    """Builds and pushes ``node/agent:<tag>`` when the registry does not have it yet."""

    def __init__(
        self,
        paths: PlatformPaths,
        target: RegistryTarget,
        env: dict[str, str],
        adapters: Adapters,
        content: AgentContent | None = None,
    ) -> None:
        self.paths = paths
        self.target = target
        self.env = env
        self.adapters = adapters
        self.content = content or AgentContent.of_this_installation()
        self.tag = self.content.tag()  # once: hashing the package is the costly part

    def reference(self) -> str:
        return f"{self.target.address}/{REPOSITORY}:{self.tag}"

    def exists(self) -> bool:
        t = self.target
        client = self.adapters.registry(t.address, t.secure, t.username, t.password.reveal())
        return client.has_manifest(REPOSITORY, self.tag)

    def ensure(self, say: Callable[[str], None] = lambda _line: None) -> str:
        """The image reference, built and pushed first when missing."""
        ref = self.reference()
        if self.exists():
            return ref
        base = base_image("agent")
        if f"{base.repository}:{base.tag}" != BASE_TAG:
            raise PlatformError("agent image", f"BASE_TAG says {BASE_TAG}, the base is {base.tag}")
        here = sys.version_info[:2]
        if here != BASE_PYTHON:
            raise PlatformError(
                "agent image",
                f"this Shipyard runs on Python {here[0]}.{here[1]}, the agent base has "
                f"{BASE_PYTHON[0]}.{BASE_PYTHON[1]}: its compiled libraries would not load there",
                hint="run Shipyard on Python 3.11 to use the Kubernetes executor",
            )
        t = self.target
        client = self.adapters.registry(t.address, t.secure, t.username, t.password.reveal())
        if not client.has_manifest(base.repository, base.tag):
            raise PlatformError(
                "agent image",
                f"the base image {base.repository}:{base.tag} is not in the registry",
                hint='`shipyard platform up` builds it when executor.kind = "kubernetes"',
                retry="shipyard platform up",
            )
        say(f"building the agent image {ref}")
        libraries = self._libraries(base.reference(t.address))
        self._final(libraries, ref)
        return ref

    # -- buildah ------------------------------------------------------------------------
    def _buildah(self, what: str, *args: str, check: bool = True) -> str:
        argv = [str(binary(self.paths, tool("buildah"))), *args]
        try:
            done = self.adapters.run(argv, extra_env=self.env, timeout=1800, check=check)
        except CommandFailed as exc:
            raise PlatformError(
                "agent image", f"{what} failed: {exc.message}", retry="shipyard platform up"
            ) from None
        return done.stdout.strip()

    def _has_local(self, name: str) -> bool:
        done = self.adapters.run(
            [str(binary(self.paths, tool("buildah"))), "inspect", "--type", "image", name],
            extra_env=self.env,
            check=False,
        )
        return done.returncode == 0

    @contextlib.contextmanager
    def _container(self, what: str, image: str, *pull: str) -> Iterator[str]:
        """A working container from ``image``, removed again when a step in it fails."""
        ctr = self._buildah(what, "from", *pull, image)
        try:
            yield ctr
        except PlatformError:
            self._buildah("removing the working container", "rm", ctr, check=False)
            raise

    def _libraries(self, base_ref: str) -> str:
        """The base plus the libraries layer, kept in local storage by its digest."""
        name = f"localhost/shipyard-agent-libraries:{self.content.libraries_digest()}"
        if self._has_local(name):
            return name
        pull = ["--tls-verify=false"] if not self.target.secure else []
        with self._container("buildah from the agent base", base_ref, *pull) as ctr:
            with tempfile.TemporaryDirectory(prefix="agent-lib-", dir=self.paths.state) as tmp:
                stage = Path(tmp) / "lib"
                stage.mkdir()
                self.content.stage_libraries(stage)
                self._buildah("copying the libraries", "copy", ctr, f"{stage}/", LIB)
            self._buildah("committing the libraries layer", "commit", "--rm", ctr, name)
        return name

    def _final(self, libraries: str, ref: str) -> None:
        with self._container("buildah from the libraries layer", libraries) as ctr:
            with tempfile.TemporaryDirectory(prefix="agent-pkg-", dir=self.paths.state) as tmp:
                stage = Path(tmp)
                self.content.stage_package(stage)
                self._buildah(
                    "copying shipyard", "copy", ctr, f"{stage}/shipyard", f"{LIB}/shipyard"
                )
            self._buildah(
                "configuring the agent image",
                "config",
                "--env",
                f"PYTHONPATH={LIB}",
                "--env",
                "PYTHONUNBUFFERED=1",
                "--env",
                "LANG=C.UTF-8",
                "--entrypoint",
                "[" + ", ".join(f'"{part}"' for part in ENTRY) + "]",
                "--cmd",
                "",
                "--label",
                f"org.opencontainers.image.description=Shipyard build agent {self.tag}",
                ctr,
            )
            self._buildah(  # the image must at least start its agent
                "checking that the agent starts in the image",
                "run",
                ctr,
                "--",
                *ENTRY[:2],
                "shipyard.executor.kube_agent",
                "--help",
            )
            self._buildah("committing the agent image", "commit", "--rm", ctr, ref)
        push = ["push"] + (["--tls-verify=false"] if not self.target.secure else [])
        self._buildah(f"pushing {ref}", *push, ref)
