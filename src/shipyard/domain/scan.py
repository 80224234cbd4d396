"""The vulnerability scan gate as values: findings, the policy that judges them, the result.

The scanners (syft for the SBOM, osv-scanner for matching) are driven elsewhere; this module
holds what they produce once it is Shipyard's own data, and the one pure function that
decides the gate, :func:`evaluate`. Keeping the decision here, with no tool in sight, is what
lets every rule be tested with plain values.

Severity is an ordered scale. GitHub advisories say ``MODERATE`` where CVSS says ``MEDIUM``;
both mean the same rank. ``UNKNOWN`` is not a rank: a finding nobody has scored is neither
"low" nor "critical", so the policy treats it separately (``unknown_severity``), and the
default lists it without blocking.

An ignore is an exception with an owner and an end: advisory id, reason, author, expiry.
After its expiry date it stops applying, and the result says so, so that a forgotten
exception cannot silently outlive its reason.

A scan that cannot be trusted (advisory data missing, stale or altered; the scanner failing
in a way it does not report as failure) is *refused*, never passed: :class:`ScanRefused`
carries a stable ``code`` for each way the gate fails closed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

from shipyard.domain.diagnostics import EnvironmentProblem


class Severity(StrEnum):
    CRITICAL = "CRITICAL"
    HIGH = "HIGH"
    MEDIUM = "MEDIUM"
    LOW = "LOW"
    UNKNOWN = "UNKNOWN"

    @property
    def rank(self) -> int:
        """Higher is worse; UNKNOWN ranks below LOW only for sorting, never for thresholds."""
        return _RANK[self]

    @classmethod
    def parse(cls, text: str) -> Severity | None:
        """``HIGH``, ``high``, ``MODERATE`` (GitHub's word for MEDIUM); None if not a severity."""
        word = text.strip().upper()
        word = "MEDIUM" if word == "MODERATE" else word
        try:
            return cls(word)
        except ValueError:
            return None

    @classmethod
    def from_score(cls, score: float) -> Severity:
        """The CVSS qualitative rating of a base score (v3.x and v4.0 share the bands)."""
        if score >= 9.0:
            return cls.CRITICAL
        if score >= 7.0:
            return cls.HIGH
        if score >= 4.0:
            return cls.MEDIUM
        return cls.LOW  # 0.0 ("None") included: it is still an advisory against the package


_RANK = {
    Severity.UNKNOWN: 0,
    Severity.LOW: 1,
    Severity.MEDIUM: 2,
    Severity.HIGH: 3,
    Severity.CRITICAL: 4,
}

FailOn = Literal["critical", "high", "medium", "low", "none"]
FAIL_ON_CHOICES: tuple[FailOn, ...] = ("critical", "high", "medium", "low", "none")
UnknownPolicy = Literal["fail", "warn"]
Disposition = Literal["blocking", "warning", "ignored", "allowed"]
Status = Literal["passed", "failed", "refused"]


def blocks_at(severity: Severity, fail_on: FailOn) -> bool:
    """Whether a known ``severity`` reaches the ``fail_on`` threshold."""
    if fail_on == "none" or severity is Severity.UNKNOWN:
        return False
    return severity.rank >= Severity(fail_on.upper()).rank


@dataclass(frozen=True, slots=True)
class ToolRun:
    """One run of an outside tool, as the gate judges it (exit code and output, unjudged)."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class Finding:
    """One advisory (with its aliases) against one package version in the image."""

    id: str
    aliases: tuple[str, ...]
    package: str
    version: str
    ecosystem: str
    fixed_version: str  # "" when no fixed version is known
    severity: Severity
    severity_source: str  # how the severity was decided, e.g. "GHSA HIGH", "CVSS_V3 7.5"
    cvss_score: float | None = None
    summary: str = ""
    related_ids: tuple[str, ...] = ()  # other records of the same group (PYSEC-, CVE- twins)
    installed_as: tuple[str, ...] = ()  # binary packages of an OS source package

    @property
    def all_ids(self) -> frozenset[str]:
        return frozenset((self.id, *self.aliases, *self.related_ids))

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "aliases": list(self.aliases),
            "related_ids": list(self.related_ids),
            "package": self.package,
            "version": self.version,
            "ecosystem": self.ecosystem,
            "fixed_version": self.fixed_version,
            "severity": self.severity.value,
            "severity_source": self.severity_source,
            "cvss_score": self.cvss_score,
            "summary": self.summary,
            "installed_as": list(self.installed_as),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Finding:
        return cls(
            id=data["id"],
            aliases=tuple(data.get("aliases", ())),
            package=data["package"],
            version=data["version"],
            ecosystem=data["ecosystem"],
            fixed_version=data.get("fixed_version", ""),
            severity=Severity(data["severity"]),
            severity_source=data.get("severity_source", ""),
            cvss_score=data.get("cvss_score"),
            summary=data.get("summary", ""),
            related_ids=tuple(data.get("related_ids", ())),
            installed_as=tuple(data.get("installed_as", ())),
        )


@dataclass(frozen=True, slots=True)
class Ignore:
    """An accepted finding: which advisory, why, who decided, until when (inclusive)."""

    advisory_id: str
    reason: str
    author: str
    expires: dt.date
    where: str = ""  # "shipyard-scan.toml:14", for messages

    def expired(self, today: dt.date) -> bool:
        return today > self.expires

    def matches(self, finding: Finding) -> bool:
        return self.advisory_id.upper() in {i.upper() for i in finding.all_ids}

    def as_json(self) -> dict[str, str]:
        return {
            "id": self.advisory_id,
            "reason": self.reason,
            "author": self.author,
            "expires": self.expires.isoformat(),
            "where": self.where,
        }


@dataclass(frozen=True, slots=True)
class ScanPolicy:
    """The gate's rules for one service (global settings merged with the service's own)."""

    fail_on: FailOn = "high"
    unknown_severity: UnknownPolicy = "warn"
    max_advisory_age_days: int = 7
    unscanned_ecosystems: tuple[str, ...] = ()  # ecosystems knowingly left unscanned
    ignores: tuple[Ignore, ...] = ()
    service: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "fail_on": self.fail_on,
            "unknown_severity": self.unknown_severity,
            "max_advisory_age_days": self.max_advisory_age_days,
            "unscanned_ecosystems": list(self.unscanned_ecosystems),
            "ignores": [i.as_json() for i in self.ignores],
        }


@dataclass(frozen=True, slots=True)
class Judged:
    """A finding with the gate's verdict on it and the reason in words."""

    finding: Finding
    disposition: Disposition
    reason: str
    ignore: Ignore | None = None

    def as_json(self) -> dict[str, Any]:
        data = self.finding.as_json()
        data["disposition"] = self.disposition
        data["reason"] = self.reason
        if self.ignore is not None:
            data["ignore"] = self.ignore.as_json()
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Judged:
        ign = data.get("ignore")
        ignore = None
        if ign:
            ignore = Ignore(
                ign["id"],
                ign["reason"],
                ign["author"],
                dt.date.fromisoformat(ign["expires"]),
                where=ign.get("where", ""),
            )
        return cls(Finding.from_json(data), data["disposition"], data["reason"], ignore)


def evaluate(
    findings: Sequence[Finding], policy: ScanPolicy, today: dt.date
) -> tuple[list[Judged], list[str]]:
    """Judge every finding; return them (worst first) and the notes a reader must see."""
    notes: list[str] = []
    live: list[Ignore] = []
    for ign in policy.ignores:
        if ign.expired(today):
            notes.append(
                f"ignore of {ign.advisory_id} ({ign.where or 'policy'}, by {ign.author}) "
                f"expired on {ign.expires.isoformat()} and no longer applies: {ign.reason}"
            )
        else:
            live.append(ign)
    used: set[int] = set()
    judged: list[Judged] = []
    for f in findings:
        match = next((i for i in live if i.matches(f)), None)
        if match is not None:
            used.add(id(match))
            until = match.expires.isoformat()
            reason = f"ignored until {until} by {match.author}: {match.reason}"
            judged.append(Judged(f, "ignored", reason, match))
        elif f.severity is Severity.UNKNOWN:
            verdict: Disposition = "blocking" if policy.unknown_severity == "fail" else "warning"
            judged.append(
                Judged(
                    f, verdict, f"severity unknown (unknown_severity = {policy.unknown_severity})"
                )
            )
        elif blocks_at(f.severity, policy.fail_on):
            judged.append(Judged(f, "blocking", f"{f.severity} >= fail_on {policy.fail_on}"))
        else:
            judged.append(Judged(f, "allowed", f"{f.severity} below fail_on {policy.fail_on}"))
    for ign in live:
        if id(ign) not in used:
            notes.append(
                f"ignore of {ign.advisory_id} ({ign.where or 'policy'}) matched no finding; "
                "remove it once the fix has shipped"
            )
    order = {"blocking": 0, "warning": 1, "allowed": 2, "ignored": 3}
    judged.sort(
        key=lambda j: (
            order[j.disposition],
            -j.finding.severity.rank,
            j.finding.package,
            j.finding.id,
        )
    )
    return judged, notes


RefusalCode = Literal[
    "advisories-missing",
    "advisories-stale",
    "checksum-mismatch",
    "ecosystem-missing",
    "scanner-exit",
    "db-load-failed",
    "canary-missed",
    "extraction-mismatch",
    "output-unreadable",
    "sbom-failed",
    "image-unavailable",
    "tool-missing",
]


class ScanRefused(EnvironmentProblem):
    """The gate cannot vouch for the image, so it fails closed."""

    def __init__(self, code: RefusalCode, message: str, *, hint: str = "") -> None:
        super().__init__(message, hint=hint)
        self.code: RefusalCode = code


@dataclass(frozen=True, slots=True)
class ScanResult:
    """Everything the run store keeps about one scan; plain data, JSON both ways.

    ``status`` is ``passed`` only when the scan ran, every check held, and no finding blocks.
    ``refusal`` holds ``{"code", "message", "hint"}`` when the gate failed closed.
    """

    status: Status
    image: str
    service: str = ""
    digest: str = ""
    findings: tuple[Judged, ...] = ()
    notes: tuple[str, ...] = ()
    refusal: Mapping[str, str] = field(default_factory=dict)
    policy: Mapping[str, Any] = field(default_factory=dict)
    artifacts: Mapping[str, str] = field(default_factory=dict)  # sbom, sarif, json -> path
    tools: Mapping[str, str] = field(default_factory=dict)  # name -> version
    advisories: Mapping[str, Any] = field(default_factory=dict)  # ecosystem -> manifest entry
    ecosystems: tuple[str, ...] = ()  # ecosystems found in the image
    canaries: tuple[str, ...] = ()  # canary advisory ids matched by the real scanner
    timings: Mapping[str, float] = field(default_factory=dict)  # step -> seconds
    started_at: str = ""  # ISO 8601, UTC

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    def counts(self) -> dict[str, int]:
        out = {"blocking": 0, "warning": 0, "allowed": 0, "ignored": 0}
        for j in self.findings:
            out[j.disposition] += 1
        return out

    def as_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "image": self.image,
            "service": self.service,
            "digest": self.digest,
            "counts": self.counts(),
            "findings": [j.as_json() for j in self.findings],
            "notes": list(self.notes),
            "refusal": dict(self.refusal),
            "policy": dict(self.policy),
            "artifacts": dict(self.artifacts),
            "tools": dict(self.tools),
            "advisories": dict(self.advisories),
            "ecosystems": list(self.ecosystems),
            "canaries": list(self.canaries),
            "timings": dict(self.timings),
            "started_at": self.started_at,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ScanResult:
        return cls(
            status=data["status"],
            image=data["image"],
            service=data.get("service", ""),
            digest=data.get("digest", ""),
            findings=tuple(Judged.from_json(j) for j in data.get("findings", ())),
            notes=tuple(data.get("notes", ())),
            refusal=dict(data.get("refusal", {})),
            policy=dict(data.get("policy", {})),
            artifacts=dict(data.get("artifacts", {})),
            tools=dict(data.get("tools", {})),
            advisories=dict(data.get("advisories", {})),
            ecosystems=tuple(data.get("ecosystems", ())),
            canaries=tuple(data.get("canaries", ())),
            timings=dict(data.get("timings", {})),
            started_at=data.get("started_at", ""),
        )
