"""Images, containers and charts as plain values: what a build step asks the tools to do.

The task plugins (``Docker@1``, ``HelmDeploy@0``, ...) turn a step's inputs into these
values and hand them to the ports in :mod:`shipyard.ports`; the adapters turn them into
buildah, podman and helm command lines. Keeping them here, free of any tool, is what lets
the plugins be tested with fakes and the adapters with expected argv.

Image names follow the reference grammar of the distribution spec, kept to what CI needs:
``[registry/]repository[:tag][@digest]``. A first component with a ``.`` or ``:`` (or
``localhost``) is a registry; anything else is part of the repository, so
``staging/delivery:v1.0.2`` is a repository path the pipeline's registry gets prefixed to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shipyard.config.tasks.policies import NO_LATEST
from shipyard.domain.diagnostics import ShipyardError

_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_REPO = re.compile(
    r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$"
)
_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
#: ``v1.0.2``, ``1.0.2``, ``v1.0.2-rc.1``: semver 2.0 with an optional leading v.
SEMVER = re.compile(
    r"^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?"
    r"(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$"
)


class StepFailed(ShipyardError):
    """A build, run or push that did not succeed; the message is the step's failure."""


@dataclass(frozen=True, slots=True)
class ImageName:
    registry: str  # "" when the name has none
    repository: str
    tag: str = ""
    digest: str = ""

    @classmethod
    def parse(cls, text: str) -> ImageName:
        """Parse a reference; raise StepFailed naming what is wrong with it."""
        raw = text.strip()
        name, _, digest = raw.partition("@")
        first, sep, rest = name.partition("/")
        registry = ""
        if sep and ("." in first or ":" in first or first == "localhost"):
            registry, name = first, rest
        repo, colon, tag = name.rpartition(":") if ":" in name else (name, "", "")
        if not colon:
            repo, tag = name, ""
        if not repo or not _REPO.match(repo):
            raise StepFailed(
                f"'{text}' is not a valid image name: the repository part '{repo}' must be "
                "lowercase letters, digits and separators (. _ -), with / between components"
            )
        if colon and not _TAG.match(tag):
            raise StepFailed(f"'{text}' is not a valid image name: bad tag '{tag}'")
        if digest and not _DIGEST.match(digest):
            raise StepFailed(f"'{text}' is not a valid image name: bad digest '{digest}'")
        return cls(registry, repo, tag, digest)

    def qualified(self, registry: str) -> ImageName:
        """With ``registry`` prefixed, unless the name already names one."""
        return (
            self if self.registry else ImageName(registry, self.repository, self.tag, self.digest)
        )

    def with_tag(self, tag: str) -> ImageName:
        return ImageName(self.registry, self.repository, tag, "")

    @property
    def service(self) -> str:
        """The last path component: ``staging/delivery`` -> ``delivery``."""
        return self.repository.rsplit("/", 1)[-1]

    def __str__(self) -> str:
        text = f"{self.registry}/{self.repository}" if self.registry else self.repository
        if self.tag:
            text += f":{self.tag}"
        if self.digest:
            text += f"@{self.digest}"
        return text


def refuse_latest(name: ImageName) -> None:
    """Fail closed on a ``latest`` tag, and on no tag at all (which tools read as latest)."""
    if name.digest and not name.tag:
        return
    if not name.tag:
        raise StepFailed(f"image '{name}' has no tag, which means `latest`: {NO_LATEST}")
    if name.tag.casefold() == "latest":
        raise StepFailed(f"image '{name}' is tagged `latest`: {NO_LATEST}")


def version_from_ref(ref: str) -> str | None:
    """The semver a release branch names: ``refs/heads/release/delivery/v1.0.2`` -> v1.0.2."""
    last = ref.rstrip("/").rsplit("/", 1)[-1]
    return last if SEMVER.match(last) else None


@dataclass(frozen=True, slots=True)
class BuildSpec:
    """One ``buildah build``: always ``--layers``; ``workdir`` holds its scratch files."""

    dockerfile: Path
    context: Path
    tags: tuple[str, ...]
    workdir: Path
    target: str = ""
    build_args: tuple[tuple[str, str], ...] = ()
    labels: tuple[tuple[str, str], ...] = ()
    pull: str = ""  # "" (only when missing), "always", "never", "missing", "newer"
    no_cache: bool = False
    squash: bool = False


@dataclass(frozen=True, slots=True)
class Mount:
    host: Path
    container: str
    options: str = ""  # "ro", "rw", "z" ...


@dataclass(frozen=True, slots=True)
class ContainerSpec:
    """One ``podman run``. Environment values are passed by name only (``-e NAME``), their
    values through the tool's environment, so none lands on a command line."""

    image: str
    name: str = ""
    mounts: tuple[Mount, ...] = ()
    ports: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    workdir: str = ""
    entrypoint: str | None = None
    command: tuple[str, ...] = ()
    detach: bool = False
    remove: bool = True
    restart: str = ""
    memory: str = ""
    labels: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class ChartInfo:
    """What ``helm show chart`` says about a packaged chart."""

    name: str
    version: str
    app_version: str

    @classmethod
    def from_metadata(cls, data: dict[str, Any]) -> ChartInfo:
        return cls(
            str(data.get("name", "")),
            str(data.get("version", "")),
            str(data.get("appVersion", "") or ""),
        )


@dataclass(frozen=True, slots=True)
class BuildRecord:
    """One thing a run produced, tied to its run and job: an image, a chart, a scan.

    ``reference`` is where it lives (``127.0.0.1:5000/staging/delivery:v1.0.2``,
    ``oci://127.0.0.1:5000/helm/delivery:v1.0.2``); ``digest`` the content digest that
    pins it; ``data`` the rest (image id, chart and app version, scan status and counts,
    artifact names).
    """

    run_id: int
    job_id: int
    kind: str  # "image" | "chart" | "scan"
    name: str
    reference: str = ""
    digest: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    id: int = 0
    created_at: float = 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "reference": self.reference,
            "digest": self.digest,
            "job_id": self.job_id,
            **{k: v for k, v in self.data.items() if k not in ("kind", "name")},
        }
