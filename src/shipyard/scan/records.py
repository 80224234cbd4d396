"""Checking and normalising one OSV record before osv-scanner may read it.

Three kinds of record fail *open* in osv-scanner's local matcher, that is, they make it
report nothing rather than an error, so each is refused or repaired here:

- a record its protobuf decoder refuses is dropped: checked by :data:`OSV_RECORD_SCHEMA`
  plus timestamps that must be real dates;
- a range without an ``introduced`` event never marks a version affected: refused;
- a ``GIT`` range listed before the ``ECOSYSTEM`` range ends the range check early (the
  matcher stops at the first range it cannot compare), so the version is never compared:
  repaired by putting ``ECOSYSTEM``/``SEMVER`` ranges first.

Names are compared byte for byte with the package the scanner found, and the scanner
normalises PyPI names the PEP 503 way (lowercase, runs of ``-_.`` become ``-``), so records
are normalised the same way. CVSS vectors must parse (the gate computes severity from them),
and a ``database_specific.severity`` must be a severity word.

Each problem is a :class:`~shipyard.domain.diagnostics.Diagnostic` naming the file and the
field (``affected[0].ranges[1].events``), so a user can fix the record in one pass.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator

from shipyard.domain.diagnostics import Diagnostics, Loc
from shipyard.domain.scan import Severity
from shipyard.scan.osvschema import OSV_RECORD_SCHEMA
from shipyard.scan.severity import cvss_base_score, ubuntu_severity

_VALIDATOR = Draft202012Validator(OSV_RECORD_SCHEMA)
_PEP503 = re.compile(r"[-_.]+")
_SAFE_ECOSYSTEM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]*$")
_COMPARABLE = ("ECOSYSTEM", "SEMVER")
CODE = "advisory"


def normalise_name(ecosystem: str, name: str) -> str:
    """The package name as the matcher spells it (PyPI: PEP 503 normalised)."""
    if base_ecosystem(ecosystem) == "PyPI":
        return _PEP503.sub("-", name).lower()
    return name


def base_ecosystem(ecosystem: str) -> str:
    """``Debian:12`` -> ``Debian``: the per-ecosystem zip a record belongs to."""
    return ecosystem.split(":", 1)[0].strip()


def parse_time(text: str) -> dt.datetime:
    """An OSV timestamp (RFC 3339) as an aware datetime; ValueError if it is not one."""
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError("no time zone")
    return value


def _path(parts: Any) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(record)"


@dataclass(slots=True)
class Checked:
    """A record that passed, in the form to stage, and what normalising changed."""

    record: dict[str, Any]
    ecosystems: set[str] = field(default_factory=set)  # base ecosystems it affects
    renamed: int = 0
    reordered: int = 0

    @property
    def id(self) -> str:
        return str(self.record["id"])

    @property
    def modified(self) -> dt.datetime:
        return parse_time(self.record["modified"])


def check_record(data: Any, where: str, diags: Diagnostics) -> Checked | None:
    """Validate and normalise one decoded JSON document; report problems into ``diags``."""
    loc = Loc(where)
    before = len(diags)
    errors = sorted(_VALIDATOR.iter_errors(data), key=lambda e: list(e.absolute_path))
    for err in errors[:20]:
        field_path = _path(err.absolute_path)
        diags.add(loc, f"{field_path}: {err.message}", code=CODE)
    if len(errors) > 20:
        diags.add(loc, f"... and {len(errors) - 20} more schema errors", code=CODE)
    if errors or not isinstance(data, dict):
        return None
    for key in ("modified", "published", "withdrawn"):
        if key in data:
            try:
                parse_time(data[key])
            except ValueError as exc:
                diags.add(loc, f"{key}: not a valid timestamp ({exc})", code=CODE)
    _check_severity(data.get("severity") or (), "severity", loc, diags)
    label = (data.get("database_specific") or {}).get("severity")
    if label is not None and (not isinstance(label, str) or Severity.parse(label) is None):
        diags.add(
            loc,
            f"database_specific.severity: expected CRITICAL, HIGH, MODERATE, MEDIUM or LOW, "
            f"found {label!r}",
            code=CODE,
        )
    record = copy.deepcopy(data)
    checked = Checked(record)
    for i, affected in enumerate(record.get("affected") or ()):
        _check_affected(affected, f"affected[{i}]", loc, diags, checked)
    return checked if len(diags) == before else None


def _check_severity(entries: Any, where: str, loc: Loc, diags: Diagnostics) -> None:
    for i, entry in enumerate(entries):
        kind, score = entry["type"], entry["score"]
        if kind == "Ubuntu":
            if ubuntu_severity(score) is None and score.lower() != "untriaged":
                diags.add(loc, f"{where}[{i}].score: unknown Ubuntu priority {score!r}", code=CODE)
            continue
        try:
            cvss_base_score(kind, score)
        except ValueError as exc:
            diags.add(loc, f"{where}[{i}].score: {exc}", code=CODE, snippet=score)


def _check_affected(
    affected: dict[str, Any], where: str, loc: Loc, diags: Diagnostics, checked: Checked
) -> None:
    _check_severity(affected.get("severity") or (), f"{where}.severity", loc, diags)
    package = affected.get("package")
    if package is not None:
        eco = base_ecosystem(package["ecosystem"])
        if not _SAFE_ECOSYSTEM.match(eco) or eco in (".", ".."):
            diags.add(loc, f"{where}.package.ecosystem: not an ecosystem name: {eco!r}", code=CODE)
            return
        checked.ecosystems.add(eco)
        name = normalise_name(eco, package["name"])
        if name != package["name"]:
            package["name"] = name
            checked.renamed += 1
    ranges = affected.get("ranges") or []
    for j, rng in enumerate(ranges):
        if not any("introduced" in event for event in rng["events"]):
            diags.add(
                loc,
                f"{where}.ranges[{j}].events: no 'introduced' event, so no version could "
                "ever match this range",
                code=CODE,
                hint='add {"introduced": "0"} for "every version before the fix"',
            )
    if package is not None and not ranges and not affected.get("versions"):
        diags.add(
            loc,
            f"{where}: neither ranges nor versions, so no version could ever match",
            code=CODE,
        )
    ordered = sorted(ranges, key=lambda r: r["type"] not in _COMPARABLE)
    if ordered != ranges:
        affected["ranges"] = ordered
        checked.reordered += 1


def records_newest(records: Mapping[str, Checked]) -> dt.datetime | None:
    """The newest ``modified`` time among records (None for none)."""
    return max((c.modified for c in records.values()), default=None)
