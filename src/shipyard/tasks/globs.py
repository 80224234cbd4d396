"""File patterns as Azure tasks read them (minimatch): ``**`` crosses folders, ``*`` and
``?`` do not, a leading ``!`` excludes. Patterns are matched against paths relative to a
search folder, with ``/`` separators; an absolute pattern searches from its own fixed
prefix (``/results/**/*.xml`` walks ``/results``)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path

_WILD = re.compile(r"[*?\[]")


def _regex(pattern: str) -> re.Pattern[str]:
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out + r"\Z")


def _clean(pattern: str) -> str:
    pattern = pattern.strip()
    while pattern.startswith("./"):
        pattern = pattern[2:]
    return pattern


def matcher(patterns: Sequence[str]) -> Callable[[str], bool]:
    include = [_regex(_clean(p)) for p in patterns if _clean(p) and not _clean(p).startswith("!")]
    exclude = [_regex(_clean(_clean(p)[1:])) for p in patterns if _clean(p).startswith("!")]

    def match(rel: str) -> bool:
        return any(r.match(rel) for r in include) and not any(r.match(rel) for r in exclude)

    return match


def find_files(root: Path, patterns: Sequence[str], limit: int = 100_000) -> list[Path]:
    """Files matching ``patterns`` (``.git`` folders skipped), sorted, at most ``limit``."""
    cleaned = [_clean(p) for p in patterns if _clean(p)]
    excludes = [p for p in cleaned if p.startswith("!")]
    out: set[Path] = set()
    relative = [p for p in cleaned if not p.startswith(("!", "/"))]
    if relative:
        out.update(_walk(root, matcher(relative + excludes), limit))
    for pattern in (p for p in cleaned if p.startswith("/")):
        base, rest = _split(pattern)
        out.update(_walk(base, matcher([rest]), limit))
    return sorted(out)[:limit]


def _split(pattern: str) -> tuple[Path, str]:
    parts = pattern.split("/")
    for i, part in enumerate(parts):
        if _WILD.search(part):
            return Path("/".join(parts[:i]) or "/"), "/".join(parts[i:])
    return Path("/".join(parts[:-1]) or "/"), parts[-1]


def _walk(root: Path, match: Callable[[str], bool], limit: int) -> list[Path]:
    out: list[Path] = []
    if not root.is_dir():
        return out
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != ".git"]
        base = Path(folder)
        for name in files:
            path = base / name
            if match(path.relative_to(root).as_posix()):
                out.append(path)
                if len(out) >= limit:
                    return out
    return out
