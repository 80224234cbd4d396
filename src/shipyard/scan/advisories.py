"""Shipyard's own copy of the advisory data: imported, checked, staged, then trusted.

osv-scanner, run offline, reads ``DIR/osv-scalibr/<Ecosystem>/all.zip`` and, when a zip is
missing or a record is malformed, says "No issues found". So the data is never handed to it
raw: ``shipyard advisories import`` validates every record (:mod:`shipyard.scan.records`),
normalises names and ranges, adds the canary record of each ecosystem, and writes one zip per
ecosystem plus a manifest:

    ADVISORIES_DIR/
      current -> generations/20261126T070102Z
      generations/20261126T070102Z/
        manifest.json           import time, and per ecosystem: record count, newest
                                ``modified`` time, sha256 of the zip, sources
        osv-scalibr/PyPI/all.zip
        osv-scalibr/Debian/all.zip

An import builds a new generation beside the current one and switches ``current`` with one
atomic rename, so a failed or interrupted import changes nothing, and a scan that resolved
``current`` keeps reading one consistent generation. Ecosystems not named in an import are
carried over from the current generation (after their checksum is verified) unless
``replace`` is set. Zips are written deterministically (sorted members, fixed timestamps), so
the same records always give the same sha256.

Before each scan, :mod:`shipyard.scan.store` refuses data that is missing, altered since
import, or too old.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import uuid
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shipyard.domain.diagnostics import Diagnostics, InvalidInput, Loc
from shipyard.domain.scan import ScanRefused
from shipyard.scan import canary
from shipyard.scan.records import Checked, check_record
from shipyard.scan.sources import read_sources
from shipyard.scan.store import (
    CURRENT,
    DB_DIR,
    GENERATIONS,
    MANIFEST,
    SYNTHETIC_PREFIX,
    AdvisoryDb,
    EcosystemData,
    check_zip,
    iso,
    load,
    sha256_file,
)

_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _write_zip(records: Mapping[str, dict[str, Any]], dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for rid in sorted(records):
            info = zipfile.ZipInfo(f"{rid}.json", date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, json.dumps(records[rid], sort_keys=True))


def _collect(paths: list[Path], diags: Diagnostics) -> tuple[dict[str, dict[str, Checked]], int]:
    """Valid records by base ecosystem (of two with one id, the newer wins), and the number
    of valid records that name no package (nothing could ever match them)."""
    buckets: dict[str, dict[str, Checked]] = {}
    where_of: dict[str, str] = {}
    without_package = 0
    for source in read_sources(paths, diags):
        checked = check_record(source.data, source.where, diags)
        if checked is None:
            continue
        if not checked.ecosystems:
            without_package += 1
            continue
        if canary.is_canary(checked.id):
            diags.add(
                Loc(source.where),
                f"id {checked.id}: ids starting with SHIPYARD-SYNTHETIC-CANARY- are reserved "
                "for the canary that Shipyard adds itself",
                code="advisory",
            )
            continue
        for eco in sorted(checked.ecosystems):
            bucket = buckets.setdefault(eco, {})
            other = bucket.get(checked.id)
            if other is not None and other.record != checked.record:
                if other.modified == checked.modified:
                    diags.add(
                        Loc(source.where),
                        f"id {checked.id} is also in {where_of[checked.id]} with other "
                        "content and the same modified time; keep one of them",
                        code="advisory",
                    )
                    continue
                if other.modified > checked.modified:
                    continue
            bucket[checked.id] = checked
            where_of[checked.id] = source.where
    return buckets, without_package


@dataclass(frozen=True, slots=True)
class ImportReport:
    db: AdvisoryDb
    imported: tuple[str, ...]  # ecosystems written from the given paths
    carried: tuple[str, ...]  # ecosystems kept from the previous generation
    without_package: int  # valid records that name no package (nothing to match)

    def as_json(self) -> dict[str, Any]:
        return {
            **self.db.as_json(),
            "imported": list(self.imported),
            "carried_over": list(self.carried),
            "records_without_package": self.without_package,
        }


def import_advisories(
    paths: list[Path], advisories_dir: Path, *, now: dt.datetime, replace: bool = False
) -> ImportReport:
    """Validate, normalise and stage advisory data; switch to it only if all of it is good.

    Raises InvalidInput (every problem, file and field named) and changes nothing on disk
    when any record is refused.
    """
    diags = Diagnostics()
    sources = [p.resolve() for p in paths]
    buckets, without_package = _collect(sources, diags)
    if diags:
        raise InvalidInput(
            diags, f"{len(diags)} problem(s) in the advisory records; nothing was imported"
        )
    if not buckets:
        raise InvalidInput(diags, "no advisory record names a package; nothing was imported")
    previous = _current_or_none(advisories_dir)
    carried: dict[str, EcosystemData] = {}
    if previous is not None and not replace:
        for name, entry in previous.ecosystems.items():
            if name in buckets:
                continue
            check_zip(previous.root, entry)
            carried[name] = entry
    stamp = iso(now)
    gens = advisories_dir / GENERATIONS
    gens.mkdir(parents=True, exist_ok=True)
    scratch = gens / f".tmp-{uuid.uuid4().hex}"
    try:
        entries: dict[str, EcosystemData] = {}
        for eco, bucket in sorted(buckets.items()):
            records = {rid: c.record for rid, c in bucket.items()}
            records[canary.canary_id(eco)] = canary.canary_record(eco)
            dest = scratch / DB_DIR / eco / "all.zip"
            _write_zip(records, dest)
            entries[eco] = EcosystemData(
                name=eco,
                records=len(bucket),
                synthetic=sum(rid.startswith(SYNTHETIC_PREFIX) for rid in bucket),
                newest_modified=iso(max(c.modified for c in bucket.values())),
                sha256=sha256_file(dest),
                imported_at=stamp,
                sources=tuple(str(p) for p in sources),
                canary=canary.canary_id(eco),
                renamed=sum(c.renamed > 0 for c in bucket.values()),
                reordered=sum(c.reordered > 0 for c in bucket.values()),
            )
        for name, entry in carried.items():
            assert previous is not None
            dest = scratch / entry.zip_path
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(previous.root / entry.zip_path, dest)
            entries[name] = entry
        db = AdvisoryDb(scratch, stamp, entries)
        (scratch / MANIFEST).write_text(json.dumps(db.as_json(), indent=2) + "\n")
        final = _unique(gens, now)
        scratch.rename(final)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    _switch(advisories_dir, final)
    _prune(gens, keep={final} | ({previous.root} if previous is not None else set()))
    return ImportReport(
        AdvisoryDb(final, stamp, entries),
        tuple(sorted(buckets)),
        tuple(sorted(carried)),
        without_package,
    )


def _unique(gens: Path, now: dt.datetime) -> Path:
    base = now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    candidate, n = gens / base, 1
    while candidate.exists():
        n += 1
        candidate = gens / f"{base}-{n}"
    return candidate


def _switch(advisories_dir: Path, generation: Path) -> None:
    """Point ``current`` at ``generation`` with one atomic rename of a symlink."""
    link = advisories_dir / CURRENT
    tmp = advisories_dir / f".{CURRENT}-{uuid.uuid4().hex}"
    tmp.symlink_to(generation.relative_to(advisories_dir))
    tmp.replace(link)


def _prune(gens: Path, keep: set[Path]) -> None:
    """Delete generations other than the new one and the one it replaced (a scan that
    resolved ``current`` a moment ago may still be reading that one)."""
    for old in gens.iterdir():
        if old.name.startswith(".") or old in keep:
            continue
        shutil.rmtree(old, ignore_errors=True)


def _current_or_none(advisories_dir: Path) -> AdvisoryDb | None:
    try:
        return load(advisories_dir)
    except ScanRefused:
        return None
