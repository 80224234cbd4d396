"""The staged advisory data as the scan reads it, and the checks made before every scan.

:func:`load` resolves ``ADVISORIES_DIR/current`` once, so a whole scan reads one generation
even if an import switches ``current`` meanwhile. :func:`verify` recomputes the sha256 of
every staged zip and refuses any difference from the manifest, and any zip no import wrote.
:func:`check_scope` refuses ecosystems the image uses that have no data (unless the policy
accepts leaving them unscanned) and data that is too old. Age is measured from the newest
``modified`` time among an ecosystem's records, not from the import time: importing last
year's archive today is still stale data. See :mod:`shipyard.scan.advisories` for the layout.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shipyard.domain.scan import ScanRefused
from shipyard.scan.records import parse_time

FORMAT = 1
MANIFEST = "manifest.json"
DB_DIR = "osv-scalibr"
CURRENT = "current"
GENERATIONS = "generations"
SYNTHETIC_PREFIX = "SHIPYARD-SYNTHETIC-"
IMPORT_HINT = "shipyard advisories import PATH (osv.dev ecosystem zips or a folder of OSV JSON)"


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class EcosystemData:
    """One ecosystem's entry in the manifest."""

    name: str
    records: int  # advisory records, the canary excluded
    synthetic: int  # records whose id marks them as made-up test data
    newest_modified: str
    sha256: str
    imported_at: str
    sources: tuple[str, ...]
    canary: str
    renamed: int = 0
    reordered: int = 0

    @property
    def zip_path(self) -> str:
        return f"{DB_DIR}/{self.name}/all.zip"

    def newest(self) -> dt.datetime:
        return parse_time(self.newest_modified)

    def as_json(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "synthetic": self.synthetic,
            "newest_modified": self.newest_modified,
            "sha256": self.sha256,
            "zip": self.zip_path,
            "imported_at": self.imported_at,
            "sources": list(self.sources),
            "canary": self.canary,
            "normalised": {"names": self.renamed, "range_order": self.reordered},
        }

    @classmethod
    def from_json(cls, name: str, data: Mapping[str, Any]) -> EcosystemData:
        norm = data.get("normalised", {})
        return cls(
            name=name,
            records=int(data["records"]),
            synthetic=int(data.get("synthetic", 0)),
            newest_modified=str(data["newest_modified"]),
            sha256=str(data["sha256"]),
            imported_at=str(data["imported_at"]),
            sources=tuple(data.get("sources", ())),
            canary=str(data["canary"]),
            renamed=int(norm.get("names", 0)),
            reordered=int(norm.get("range_order", 0)),
        )


@dataclass(frozen=True, slots=True)
class AdvisoryDb:
    """One generation of staged data: ``root`` is what osv-scanner's --local-db-path gets."""

    root: Path
    imported_at: str
    ecosystems: Mapping[str, EcosystemData]

    def as_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "imported_at": self.imported_at,
            "generation": self.root.name,
            "ecosystems": {n: e.as_json() for n, e in sorted(self.ecosystems.items())},
        }


def check_zip(root: Path, entry: EcosystemData) -> None:
    path = root / entry.zip_path
    try:
        actual = sha256_file(path)
    except OSError as exc:
        raise ScanRefused(
            "checksum-mismatch",
            f"{entry.name} advisory data is gone: {path} ({exc.strerror})",
            hint="import the data again: " + IMPORT_HINT,
        ) from None
    if actual != entry.sha256:
        raise ScanRefused(
            "checksum-mismatch",
            f"{entry.name} advisory data changed after import: sha256 of {path} is "
            f"{actual[:16]}..., the manifest says {entry.sha256[:16]}...",
            hint="something other than Shipyard wrote to the advisory directory; "
            "import the data again: " + IMPORT_HINT,
        )


def load(advisories_dir: Path) -> AdvisoryDb:
    """The current generation, resolved once; refuses when there is none or it is unreadable."""
    link = advisories_dir / CURRENT
    if not link.exists():
        raise ScanRefused(
            "advisories-missing",
            f"no advisory data under {advisories_dir}: without it osv-scanner reports "
            "'No issues found' for every image",
            hint=IMPORT_HINT,
        )
    root = link.resolve()
    try:
        data = json.loads((root / MANIFEST).read_text())
        if data.get("format") != FORMAT:
            raise ValueError(f"manifest format {data.get('format')!r}, expected {FORMAT}")
        ecosystems = {
            name: EcosystemData.from_json(name, entry) for name, entry in data["ecosystems"].items()
        }
        imported_at = str(data["imported_at"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ScanRefused(
            "advisories-missing",
            f"the advisory manifest {root / MANIFEST} cannot be read: {exc}",
            hint="import the data again: " + IMPORT_HINT,
        ) from None
    return AdvisoryDb(root, imported_at, ecosystems)


def verify(db: AdvisoryDb) -> None:
    """Every staged zip is the one the import wrote, and no other zip has appeared."""
    for entry in db.ecosystems.values():
        check_zip(db.root, entry)
    expected = {entry.zip_path for entry in db.ecosystems.values()}
    base = db.root / DB_DIR
    extra = sorted(
        str(p.relative_to(db.root))
        for p in (base.rglob("*") if base.is_dir() else ())
        if p.is_file() and str(p.relative_to(db.root)) not in expected
    )
    if extra:
        raise ScanRefused(
            "checksum-mismatch",
            f"files that no import wrote are in the advisory data: {', '.join(extra)}",
            hint="import the data again: " + IMPORT_HINT,
        )


def check_scope(
    db: AdvisoryDb,
    ecosystems: set[str],
    *,
    unscanned: tuple[str, ...],
    max_age_days: int,
    now: dt.datetime,
) -> tuple[list[str], list[str]]:
    """Refuse ecosystems in use without data (unless the policy accepts them unscanned) and
    data older than ``max_age_days``. Returns (ecosystems left unscanned, notes)."""
    notes: list[str] = []
    absent = sorted(e for e in ecosystems if e not in db.ecosystems)
    missing = [e for e in absent if e not in unscanned]
    if missing:
        have = ", ".join(sorted(db.ecosystems)) or "none"
        raise ScanRefused(
            "ecosystem-missing",
            f"the image has {', '.join(missing)} packages but there is no advisory data for "
            f"{'it' if len(missing) == 1 else 'them'} (imported: {have})",
            hint=f"import the {missing[0]} data (osv.dev publishes {missing[0]}/all.zip), or "
            "list it under [scan] unscanned_ecosystems to leave it unscanned on purpose",
        )
    if absent:
        notes.append(
            f"not scanned (no advisory data; unscanned_ecosystems): {', '.join(absent)}; "
            "vulnerabilities in these packages are not reported"
        )
    limit = dt.timedelta(days=max_age_days)
    for eco in sorted(e for e in ecosystems if e in db.ecosystems):
        entry = db.ecosystems[eco]
        age = now - entry.newest()
        if age > limit:
            raise ScanRefused(
                "advisories-stale",
                f"{eco} advisory data is {age.days} days old (newest record modified "
                f"{entry.newest_modified}; max_advisory_age_days = {max_age_days})",
                hint="import a fresh copy: " + IMPORT_HINT,
            )
        if entry.synthetic:
            notes.append(f"{eco} data holds {entry.synthetic} synthetic (made-up) test record(s)")
    return absent, notes
