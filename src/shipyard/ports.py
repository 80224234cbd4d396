"""Protocols through which the flow reaches outside tools.

The flow never imports an adapter: the CLI (the composition root) passes adapters in. Each
port is small on purpose, so that a fake for unit tests is a few lines of real code.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol


class Git(Protocol):
    """The read-only view of a repository that trigger evaluation needs.

    ``rev`` arguments are commit ids or full refs taken from events, so they may hold any
    text a branch name can hold: an implementation must never let one be read as an option
    or as shell text. Paths are repository-relative with ``/`` separators.
    """

    def resolve(self, rev: str) -> str | None:
        """The commit SHA of ``rev``, or None when it does not exist."""
        ...

    def changed_files(self, base: str, head: str) -> list[str]:
        """Paths changed between two commits (``base..head``, renames as both paths).

        A zero ``base`` (all ``0``) means "no commit": every file of ``head``'s tree.
        """
        ...

    def merge_base(self, a: str, b: str) -> str | None:
        """The best common ancestor of two commits, or None for unrelated histories."""
        ...

    def tree_files(self, rev: str) -> list[str]:
        """Every file path in the tree of ``rev``."""
        ...

    def read_file(self, rev: str, path: str) -> bytes | None:
        """A file's bytes at ``rev``, or None when absent."""
        ...

    def default_branch(self) -> str:
        """The short name of the default branch (``main``)."""
        ...

    def is_ancestor(self, a: str, b: str) -> bool:
        """True when commit ``a`` is ``b`` or an ancestor of ``b``."""
        ...

    def commits_between(self, base: str, head: str) -> Iterable[str]:
        """Commits reachable from ``head`` but not from ``base``, newest first."""
        ...


# -- the vulnerability scan gate -------------------------------------------------------------
# Tools report what they did as a ToolRun (exit code and output, unjudged): the gate decides
# what an exit code means, because osv-scanner's own "success" is not always one.

if TYPE_CHECKING:
    from pathlib import Path

    from shipyard.domain.scan import ToolRun


class ImageArchiver(Protocol):
    """Brings an image from a registry to a local docker-archive (skopeo)."""

    def resolve_digest(self, image: str) -> str:
        """The manifest digest (``sha256:...``) that ``image`` (a tag or digest ref) names."""
        ...

    def save(self, image: str, dest: Path) -> None:
        """Write ``image`` (pinned by digest: ``REPO@sha256:...``) as a docker-archive."""
        ...


class SbomGenerator(Protocol):
    """Writes an SBOM of a docker-archive (syft)."""

    @property
    def tool(self) -> tuple[str, str]:
        """(name, version), recorded with each result."""
        ...

    def generate(self, archive: Path, dest: Path, sbom_format: str) -> ToolRun:
        """Write the SBOM of ``archive`` to ``dest`` (``cyclonedx-json`` or ``spdx-json``)."""
        ...


class VulnerabilityMatcher(Protocol):
    """Matches a docker-archive's packages against staged advisory data (osv-scanner)."""

    @property
    def tool(self) -> tuple[str, str]: ...

    def scan_archive(self, archive: Path, db_root: Path, report: Path) -> ToolRun:
        """Scan ``archive`` offline against ``db_root`` (``DIR/osv-scalibr/<Eco>/all.zip``),
        writing the JSON report to ``report``. Never raises for the tool's exit code."""
        ...
