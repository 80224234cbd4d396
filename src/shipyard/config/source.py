"""Where pipeline files are read from: a folder on disk, or a commit of a repository.

Trigger evaluation must read each pipeline as it is *in the commit being built* (a branch
may change its own trigger), so the loader reads through this small interface rather than
opening paths itself. Paths are repository-relative with forward slashes.

A pipeline is untrusted input that names other files (``template: ../x.yml``), so paths are
normalised here (``join_repo_path``) and a ``DirSource`` never reads outside its root, even
through a symbolic link: a pull request must not be able to make the CI server read
``/etc/passwd`` as a template.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Protocol

from shipyard.config.yamlsrc import MAX_BYTES, SourceFile, YStr, load_bytes
from shipyard.domain.diagnostics import Diagnostics, Loc

MAX_TEMPLATE_BYTES = 4 * MAX_BYTES
_SKIP_DIRS = {".git", "node_modules", ".venv", "__pycache__", ".tox"}


class Source(Protocol):
    def read(self, rel: str) -> bytes | None:
        """The file's bytes, or None when there is no such file."""
        ...

    def files(self) -> Iterable[str]:
        """Every file path (for discovery)."""
        ...


def join_repo_path(including: str, ref: str) -> str | None:
    """``ref`` as a repository path: relative to ``including``'s folder, or to the root with
    a leading ``/``. None when it climbs above the root."""
    base = PurePosixPath(including).parent
    joined = PurePosixPath(ref.lstrip("/")) if ref.startswith("/") else base / ref
    parts: list[str] = []
    for part in joined.parts:
        if part == "..":
            if not parts:
                return None
            parts.pop()
        elif part not in (".", "", "/"):
            parts.append(part)
    return "/".join(parts)


@dataclass(frozen=True, slots=True)
class DirSource:
    root: Path

    def read(self, rel: str) -> bytes | None:
        try:
            root = self.root.resolve()
            path = (root / rel.lstrip("/")).resolve()
            if not path.is_relative_to(root) or not path.is_file():
                return None
            if path.stat().st_size > MAX_BYTES:
                return b"\0" * (MAX_BYTES + 1)  # the loader reports the size
            return path.read_bytes()
        except OSError:
            return None

    def files(self) -> Iterable[str]:
        stack = [self.root]
        while stack:
            folder = stack.pop()
            try:
                entries = sorted(folder.iterdir())
            except OSError:
                continue
            for entry in entries:
                if entry.is_dir() and not entry.is_symlink():
                    if entry.name not in _SKIP_DIRS:
                        stack.append(entry)
                elif entry.is_file():
                    yield entry.relative_to(self.root).as_posix()


@dataclass(frozen=True, slots=True)
class FuncSource:
    """A source backed by two functions (e.g. a Git port at one commit)."""

    reader: Callable[[str], bytes | None]
    lister: Callable[[], Iterable[str]]

    def read(self, rel: str) -> bytes | None:
        return self.reader(rel)

    def files(self) -> Iterable[str]:
        return self.lister()


class TemplateFiles:
    """The template files of one pipeline: paths resolved, each file loaded once, bounded.

    Besides the number of files, their total size is bounded (``MAX_TEMPLATE_BYTES``, like
    Azure's limit on the memory one pipeline's YAML may take): a hundred 1 MiB templates
    would otherwise make one pipeline cost minutes to load.
    """

    def __init__(self, source: Source, diags: Diagnostics, max_files: int) -> None:
        self.source = source
        self.diags = diags
        self.max_files = max_files
        self.bytes_read = 0
        self.cache: dict[str, SourceFile | None] = {}

    def resolve(self, ref: YStr, including: str) -> str | None:
        """The repository path ``template: ref`` names from ``including``, or None (reported)."""
        raw = str(ref).strip()
        if "@" in raw:
            raw, _, repo = raw.rpartition("@")
            if repo.lower() != "self":
                self.diags.add(
                    ref.loc,
                    f"template from repository '{repo}': only '@self' templates are supported",
                    code="bad-template",
                )
                return None
        rel = join_repo_path(including, raw)
        if rel is None:
            self.diags.add(
                ref.loc, f"template path '{raw}' leaves the repository", code="bad-template"
            )
        elif not rel:
            self.diags.add(ref.loc, "'template' needs a file path", code="bad-template")
            return None
        return rel

    def load(self, rel: str, loc: Loc) -> SourceFile | None:
        if rel in self.cache:
            return self.cache[rel]
        src = None
        if len(self.cache) >= self.max_files:
            self.diags.add(loc, f"more than {self.max_files} template files", code="too-large")
        elif (data := self.source.read(rel)) is None:
            self.diags.add(loc, f"template file '{rel}' not found", code="template-not-found")
        elif self.bytes_read + len(data) > MAX_TEMPLATE_BYTES:
            self.diags.add(
                loc,
                f"the templates of this pipeline are larger than {MAX_TEMPLATE_BYTES} bytes "
                f"in all; '{rel}' was not read",
                code="too-large",
            )
        else:
            self.bytes_read += len(data)
            src = load_bytes(data, rel, self.diags)
        self.cache[rel] = src
        return src
