"""The monorepo: which pipelines exist, by name.

A repository may register its pipelines in ``shipyard.yml`` at its root::

    pipelines:
      delivery: src/shipping/delivery/azure-pipelines.yml
      package:
        path: src/shipping/package/azure-pipelines.yml

Without that file, every ``**/azure-pipelines*.yml`` is a pipeline, named after its folder
(``src/shipping/delivery/azure-pipelines.yml`` is ``delivery``; a second file in the same
folder, ``azure-pipelines.release.yml``, is ``delivery-release``). Pipelines are independent:
one service's broken file does not stop the others from being planned.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from shipyard.config.check import check
from shipyard.config.source import Source, join_repo_path
from shipyard.config.yamlsrc import YMap, YStr, load_bytes, loc_of
from shipyard.domain.diagnostics import Diagnostics, Loc

REGISTRY_FILE = "shipyard.yml"
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,62}$")

_ENTRY = {
    "title": "pipeline entry",
    "type": ["string", "object"],
    "x-expected": "a path, or a mapping with 'path'",
    "properties": {"path": {"type": "string"}, "description": {"type": "string"}},
    "required": ["path"],
    "additionalProperties": False,
}
_REGISTRY_SHAPE = {
    "title": "shipyard.yml file",
    "type": "object",
    "properties": {
        "pipelines": {"type": "object", "x-expected": "a mapping of name: path"},
        "defaultBranch": {"type": "string"},
    },
    "required": ["pipelines"],
    "additionalProperties": False,
}


@dataclass(frozen=True, slots=True)
class Registered:
    name: str
    path: str
    loc: Loc


@dataclass(frozen=True, slots=True)
class Monorepo:
    pipelines: tuple[Registered, ...]
    from_registry: bool
    default_branch: str = ""


def _discover(source: Source) -> list[Registered]:
    found = sorted(
        rel
        for rel in source.files()
        if fnmatch.fnmatch(PurePosixPath(rel).name, "azure-pipelines*.yml")
    )
    out: list[Registered] = []
    used: set[str] = set()
    for rel in found:
        path = PurePosixPath(rel)
        base = path.parent.name or "root"
        suffix = path.stem.removeprefix("azure-pipelines").strip(".-_")
        name = f"{base}-{suffix}" if suffix else base
        candidate, n = name.lower(), 2
        while candidate in used:
            candidate = f"{name.lower()}-{n}"
            n += 1
        used.add(candidate)
        out.append(Registered(candidate, rel, Loc(rel)))
    return out


def load_monorepo(source: Source, diags: Diagnostics) -> Monorepo:
    """The registered pipelines (or the discovered ones); each bad entry is reported and
    left out, the others stay usable."""
    data = source.read(REGISTRY_FILE)
    if data is None:
        return Monorepo(tuple(_discover(source)), from_registry=False)
    src = load_bytes(data, REGISTRY_FILE, diags)
    if src is None:
        return Monorepo((), from_registry=True)
    root = src.root
    where = Loc(REGISTRY_FILE, 1, 1)
    if not isinstance(root, YMap):
        diags.add(
            where, "shipyard.yml must be a mapping with 'pipelines: {name: path}'", code="bad-type"
        )
        return Monorepo((), from_registry=True)
    check(root, _REGISTRY_SHAPE, where, diags)
    entries = root.get("pipelines")
    out: list[Registered] = []
    if isinstance(entries, YMap):
        for name, entry in entries.items():
            found = _entry(source, entries, name, entry, diags)
            if found is not None:
                out.append(found)
    default_branch = root.get("defaultBranch")
    return Monorepo(
        tuple(out),
        from_registry=True,
        default_branch=str(default_branch) if isinstance(default_branch, str) else "",
    )


def _entry(
    source: Source, entries: YMap, name: str, entry: object, diags: Diagnostics
) -> Registered | None:
    kloc = entries.key_loc(name)
    if not _NAME.match(name):
        diags.add(
            kloc,
            f"pipeline name '{name}': use lowercase letters, digits, '.', '-' or '_'",
            code="bad-name",
        )
        return None
    if not check(entry, _ENTRY, entries.value_loc(name), diags, what=f"'{name}'"):
        return None
    path = entry.get("path") if isinstance(entry, dict) else entry
    if not isinstance(path, YStr):
        return None
    rel = join_repo_path("", str(path).strip())
    if rel is None or not rel:
        diags.add(path.loc, f"pipeline path '{path}' leaves the repository", code="bad-value")
        return None
    if source.read(rel) is None:
        diags.add(
            loc_of(path, kloc), f"pipeline '{name}': file '{rel}' does not exist", code="not-found"
        )
        return None
    return Registered(name, rel, kloc)
