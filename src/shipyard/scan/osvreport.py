"""osv-scanner's JSON report, turned into Shipyard findings.

The report (``--format json --all-packages``) lists, per source in the image, every package
osv-scanner extracted (``name``, ``version``, ``ecosystem`` such as ``Debian:12``; for OS
packages the *source* package name, with the binary package as ``os_package_name``), the full
OSV records that matched it, and ``groups``: records that describe one vulnerability under
several ids (``GHSA-q2q7-5pp4-w6pg`` and ``PYSEC-2021-108`` are both CVE-2021-33503).

One finding is made per group and package version. Its id is the group's GitHub advisory id
when it has one (the reviewed record, with a severity label), else the first id; the others
are kept as ``related_ids``. Its severity is the worst any record of the group gives
(:mod:`shipyard.scan.severity`). Debian's binary packages of one source package collapse into
one finding that names them all.

The fixed version is a hint for people, not part of the decision: it is the smallest
``fixed`` event of a range that holds the installed version, by a plain numeric-then-text
comparison, which is right for the common cases and never consulted by the gate.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from shipyard.domain.scan import Finding
from shipyard.scan.canary import is_canary
from shipyard.scan.records import base_ecosystem, normalise_name
from shipyard.scan.severity import record_rating, worst


@dataclass(slots=True)
class ReportPackage:
    name: str
    version: str
    ecosystem: str
    os_package: str
    source: str
    vulnerabilities: list[Mapping[str, Any]] = field(default_factory=list)
    groups: list[Mapping[str, Any]] = field(default_factory=list)


def parse_report(data: Any) -> list[ReportPackage]:
    """Every package of a report; ValueError when the document does not have the known shape."""
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        raise ValueError("no 'results' list")
    out: list[ReportPackage] = []
    for result in data["results"]:
        source = str((result.get("source") or {}).get("path", ""))
        for entry in result.get("packages") or ():
            pkg = entry.get("package") if isinstance(entry, dict) else None
            if not isinstance(pkg, dict) or "name" not in pkg:
                raise ValueError(f"a package entry of {source or 'a result'} has no package name")
            out.append(
                ReportPackage(
                    name=str(pkg["name"]),
                    version=str(pkg.get("version", "")),
                    ecosystem=str(pkg.get("ecosystem", "")),
                    os_package=str(pkg.get("os_package_name", "")),
                    source=source,
                    vulnerabilities=list(entry.get("vulnerabilities") or ()),
                    groups=list(entry.get("groups") or ()),
                )
            )
    return out


def ecosystems_of(packages: Iterable[ReportPackage]) -> dict[str, int]:
    """Package count per base ecosystem (``""`` for packages osv-scanner gave none)."""
    counts: dict[str, int] = {}
    for p in packages:
        eco = base_ecosystem(p.ecosystem)
        counts[eco] = counts.get(eco, 0) + 1
    return counts


def matched_ids(packages: Iterable[ReportPackage]) -> set[str]:
    return {str(v.get("id")) for p in packages for v in p.vulnerabilities}


def _version_key(version: str) -> list[tuple[int, int, str]]:
    return [
        (0, int(tok), "") if tok.isdigit() else (1, 0, tok)
        for tok in re.findall(r"\d+|[A-Za-z]+", version)
    ]


def fixed_version(records: Iterable[Mapping[str, Any]], pkg: ReportPackage) -> str:
    """The smallest fix of a range holding ``pkg.version``; "" when none is known."""
    eco = base_ecosystem(pkg.ecosystem)
    name = normalise_name(eco, pkg.name)
    have = _version_key(pkg.version)
    candidates: set[str] = set()
    for record in records:
        for affected in record.get("affected") or ():
            package = affected.get("package") or {}
            if base_ecosystem(str(package.get("ecosystem", ""))) != eco:
                continue
            if normalise_name(eco, str(package.get("name", ""))) != name:
                continue
            for rng in affected.get("ranges") or ():
                if rng.get("type") not in ("ECOSYSTEM", "SEMVER"):
                    continue
                start: str | None = None
                for event in rng.get("events") or ():
                    if "introduced" in event:
                        start = str(event["introduced"])
                    elif "fixed" in event and start is not None:
                        fix = str(event["fixed"])
                        low_ok = start == "0" or _version_key(start) <= have
                        if low_ok and have < _version_key(fix):
                            candidates.add(fix)
                        start = None
    return min(candidates, key=_version_key) if candidates else ""


def _primary(ids: list[str]) -> str:
    return sorted(ids, key=lambda i: (not i.startswith("GHSA-"), i.startswith("CVE-"), i))[0]


def findings_of(packages: Iterable[ReportPackage]) -> list[Finding]:
    """One finding per vulnerability group and package version, canaries left out."""
    merged: dict[tuple[str, str, str, str], Finding] = {}
    binaries: dict[tuple[str, str, str, str], set[str]] = {}
    for pkg in packages:
        by_id = {str(v.get("id")): v for v in pkg.vulnerabilities}
        groups = pkg.groups or [{"ids": [i], "aliases": []} for i in by_id]
        for group in groups:
            ids = [str(i) for i in group.get("ids") or () if str(i) in by_id]
            if not ids or any(is_canary(i) for i in ids):
                continue
            records = [by_id[i] for i in ids]
            primary = _primary(ids)
            aliases = {str(a) for r in records for a in r.get("aliases") or ()}
            aliases |= {str(a) for a in group.get("aliases") or ()}
            rating = worst(record_rating(r) for r in records)
            head = by_id[primary]
            summary = str(head.get("summary") or "").strip() or next(
                iter(str(head.get("details") or "").strip().splitlines()), ""
            )
            eco = base_ecosystem(pkg.ecosystem)
            key = (primary, eco, pkg.name, pkg.version)
            binaries.setdefault(key, set()).update({pkg.os_package} - {"", pkg.name})
            merged.setdefault(
                key,
                Finding(
                    id=primary,
                    aliases=tuple(sorted(aliases - set(ids))),
                    package=pkg.name,
                    version=pkg.version,
                    ecosystem=pkg.ecosystem or eco,
                    fixed_version=fixed_version(records, pkg),
                    severity=rating.severity,
                    severity_source=rating.source,
                    cvss_score=rating.score,
                    summary=summary[:300],
                    related_ids=tuple(sorted(set(ids) - {primary})),
                ),
            )
    return [
        replace(finding, installed_as=tuple(sorted(binaries.get(key, ()))))
        for key, finding in merged.items()
    ]
