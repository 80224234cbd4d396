"""Fakes of the gate's three ports, and small builders of OSV records and reports.

The fake matcher is scripted per target: what it answers for the image archive and what for
the canary image. By default it answers the canary the way a working osv-scanner does: for
each ecosystem whose zip under ``db_root`` holds that ecosystem's canary record, it reports
the canary advisory; so breaking the staged data breaks the canary, as it would for real.
"""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shipyard.domain.scan import ScanRefused, ToolRun
from shipyard.scan import canary
from shipyard.scan.gate import ScanTools

NOW = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)


def record(
    rid: str,
    name: str,
    fixed: str,
    *,
    ecosystem: str = "PyPI",
    introduced: str = "0",
    label: str | None = None,
    vector: tuple[str, str] | None = None,
    aliases: tuple[str, ...] = (),
    modified: str = "2026-11-20T00:00:00Z",
) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "id": rid,
        "modified": modified,
        "summary": f"{rid} in {name}",
        "affected": [
            {
                "package": {"ecosystem": ecosystem, "name": name},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": introduced}, {"fixed": fixed}]}
                ],
            }
        ],
    }
    if aliases:
        rec["aliases"] = list(aliases)
    if label:
        rec["database_specific"] = {"severity": label}
    if vector:
        rec["severity"] = [{"type": vector[0], "score": vector[1]}]
    return rec


def write_records(folder: Path, *records: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for rec in records:
        (folder / f"{rec['id']}.json").write_text(json.dumps(rec))
    return folder


def cdx(*purls: str) -> dict[str, Any]:
    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "components": [{"type": "library", "name": p, "purl": p} for p in purls],
    }


def pkg_entry(
    name: str, version: str, ecosystem: str, *vulns: dict[str, Any], os_name: str = ""
) -> dict[str, Any]:
    entry: dict[str, Any] = {"package": {"name": name, "version": version, "ecosystem": ecosystem}}
    if os_name:
        entry["package"]["os_package_name"] = os_name
    if vulns:
        entry["vulnerabilities"] = list(vulns)
        entry["groups"] = [
            {"ids": [v["id"]], "aliases": [v["id"], *v.get("aliases", [])], "max_severity": ""}
            for v in vulns
        ]
    return entry


def report(*entries: dict[str, Any], source: str = "/var/lib/dpkg/status") -> dict[str, Any]:
    return {"results": [{"source": {"path": source, "type": "os"}, "packages": list(entries)}]}


@dataclass
class Outcome:
    report: dict[str, Any] | None
    returncode: int | None = None  # default: 1 when the report lists vulnerabilities, else 0
    stderr: str = ""
    write: bool = True  # False: leave no report file behind


def _has_vulns(doc: dict[str, Any] | None) -> bool:
    results = (doc or {}).get("results") or []
    return any(p.get("vulnerabilities") for r in results for p in r.get("packages", []))


def working_canary(db_root: Path) -> Outcome:
    entries = []
    for zpath in sorted((db_root / "osv-scalibr").glob("*/all.zip")):
        eco = zpath.parent.name
        with zipfile.ZipFile(zpath) as zf:
            names = set(zf.namelist())
        cid = canary.canary_id(eco)
        if f"{cid}.json" in names:
            entries.append(pkg_entry(canary.PACKAGE, canary.VERSION, eco, {"id": cid}))
    return Outcome(report(*entries))


@dataclass
class FakeMatcher:
    image: Outcome = field(default_factory=lambda: Outcome(report()))
    canary: Callable[[Path], Outcome] | None = None  # None: a working matcher
    during: Callable[[Path], None] | None = None  # side effect while "scanning" the image
    calls: list[tuple[str, Path]] = field(default_factory=list)

    @property
    def tool(self) -> tuple[str, str]:
        return ("osv-scanner", "v0-fake")

    def scan_archive(self, archive: Path, db_root: Path, report_path: Path) -> ToolRun:
        is_canary = archive.name == "canary.tar"
        self.calls.append(("canary" if is_canary else "image", db_root))
        if is_canary:
            outcome = (self.canary or working_canary)(db_root)
        else:
            outcome = self.image
            if self.during is not None:
                self.during(db_root)
        if outcome.write and outcome.report is not None:
            report_path.parent.mkdir(parents=True, exist_ok=True)
            report_path.write_text(json.dumps(outcome.report))
        code = outcome.returncode
        if code is None:
            code = 1 if _has_vulns(outcome.report) else 0
        argv = ("osv-scanner", "scan", "image", "--archive", str(archive))
        return ToolRun(argv, code, "", outcome.stderr)


@dataclass
class FakeSbom:
    document: dict[str, Any] = field(default_factory=cdx)
    returncode: int = 0
    calls: list[tuple[Path, Path, str]] = field(default_factory=list)

    @property
    def tool(self) -> tuple[str, str]:
        return ("syft", "v0-fake")

    def generate(self, archive: Path, dest: Path, sbom_format: str) -> ToolRun:
        self.calls.append((archive, dest, sbom_format))
        if self.returncode == 0:
            dest.write_text(json.dumps(self.document))
        return ToolRun(("syft",), self.returncode, "", "" if self.returncode == 0 else "boom")


@dataclass
class FakeArchiver:
    digest: str = "sha256:" + "ab" * 32
    error: ScanRefused | None = None
    saved: list[tuple[str, Path]] = field(default_factory=list)

    def resolve_digest(self, image: str) -> str:
        if self.error is not None:
            raise self.error
        return self.digest

    def save(self, image: str, dest: Path) -> None:
        self.saved.append((image, dest))
        dest.write_bytes(b"docker-archive")


def tools(
    sbom: FakeSbom | None = None,
    matcher: FakeMatcher | None = None,
    archiver: FakeArchiver | None = None,
) -> ScanTools:
    return ScanTools(archiver or FakeArchiver(), sbom or FakeSbom(), matcher or FakeMatcher())
