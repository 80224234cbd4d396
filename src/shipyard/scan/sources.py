"""Reading advisory records from what a user hands to ``shipyard advisories import``.

Accepted inputs, any number and mixed:

- a zip of OSV JSON files, the way osv.dev publishes each ecosystem
  (``https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip``);
- a single OSV ``.json`` file;
- a directory, read recursively for both (hidden entries and other files are skipped).

Every record comes back with where it was found (``PyPI/all.zip!GHSA-xxxx.json``) so that a
problem can be reported against the file that holds it. A file that is not JSON, or not
UTF-8, is a problem of its own, never skipped: a record the import cannot read is a record
the scan would never match.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shipyard.domain.diagnostics import Diagnostics, Loc

CODE = "advisory"


@dataclass(frozen=True, slots=True)
class Source:
    where: str  # file, or zip!member
    data: Any


def _decode(raw: bytes, where: str, diags: Diagnostics) -> Source | None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        diags.add(Loc(where), f"not UTF-8 text ({exc.reason} at byte {exc.start})", code=CODE)
        return None
    try:
        return Source(where, json.loads(text))
    except json.JSONDecodeError as exc:
        diags.add(Loc(where, exc.lineno, exc.colno), f"not valid JSON: {exc.msg}", code=CODE)
        return None


def _from_zip(path: Path, diags: Diagnostics) -> Iterator[Source]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        diags.add(Loc(str(path)), f"not a readable zip archive: {exc}", code=CODE)
        return
    with archive:
        names = sorted(i.filename for i in archive.infolist() if not i.is_dir())
        if not any(n.endswith(".json") for n in names):
            diags.add(Loc(str(path)), "the archive holds no .json records", code=CODE)
        for name in names:
            if not name.endswith(".json"):
                continue
            where = f"{path}!{name}"
            try:
                raw = archive.read(name)
            except (zipfile.BadZipFile, OSError) as exc:  # CRC errors and truncation
                diags.add(Loc(where), f"cannot be read from the archive: {exc}", code=CODE)
                continue
            source = _decode(raw, where, diags)
            if source is not None:
                yield source


def _from_file(path: Path, diags: Diagnostics) -> Iterator[Source]:
    if path.suffix == ".zip":
        yield from _from_zip(path, diags)
        return
    try:
        raw = path.read_bytes()
    except OSError as exc:
        diags.add(Loc(str(path)), f"cannot be read: {exc.strerror}", code=CODE)
        return
    source = _decode(raw, str(path), diags)
    if source is not None:
        yield source


def read_sources(paths: list[Path], diags: Diagnostics) -> Iterator[Source]:
    """Every record document found under ``paths``, in a stable order."""
    for path in paths:
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix in (".json", ".zip")
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not found:
                diags.add(Loc(str(path)), "no .json or .zip files in this directory", code=CODE)
            for file in found:
                yield from _from_file(file, diags)
        elif path.is_file():
            if path.suffix not in (".json", ".zip"):
                diags.add(Loc(str(path)), "expected an OSV .json file or a .zip of them", code=CODE)
                continue
            yield from _from_file(path, diags)
        else:
            diags.add(Loc(str(path)), "no such file or directory", code=CODE)
