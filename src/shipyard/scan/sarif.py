"""The scan result as SARIF 2.1.0, the format code-scanning dashboards read.

One ``run`` whose driver is Shipyard's gate (the decision is Shipyard's) with osv-scanner and
syft as extensions. One rule per advisory id (help link to osv.dev; ``security-severity``
carries the CVSS base score, the property GitHub's code scanning sorts by) and one result per
finding: ``error`` for blocking, ``warning`` for findings the policy only lists, ``note`` for
allowed ones; ignored findings are ``note`` results with an external suppression stating the
reason, the author and the expiry. A refused scan is an invocation that did not succeed,
with the refusal as its notification, and no results: nothing in it may read as "clean".

There is no source file to point at, so each result has a logical location: the package
(``PyPI/urllib3@1.26.4``) inside the image.
"""

from __future__ import annotations

from typing import Any

from shipyard import __version__
from shipyard.domain.scan import Judged, ScanResult

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {"blocking": "error", "warning": "warning", "allowed": "note", "ignored": "note"}


def _rule(j: Judged) -> dict[str, Any]:
    f = j.finding
    rule: dict[str, Any] = {
        "id": f.id,
        "name": f.id.replace("-", ""),
        "shortDescription": {"text": f.summary or f.id},
        "helpUri": f"https://osv.dev/vulnerability/{f.id}",
        "properties": {"tags": ["security", "vulnerability"], "severity": f.severity.value},
    }
    if f.cvss_score is not None:
        rule["properties"]["security-severity"] = f"{f.cvss_score:.1f}"
    return rule


def _result(j: Judged, image: str) -> dict[str, Any]:
    f = j.finding
    fixed = f"; fixed in {f.fixed_version}" if f.fixed_version else "; no fixed version known"
    result: dict[str, Any] = {
        "ruleId": f.id,
        "level": _LEVEL[j.disposition],
        "message": {
            "text": f"{f.package} {f.version} ({f.ecosystem}) is affected by {f.id}"
            f"{' (' + ', '.join(f.aliases) + ')' if f.aliases else ''}: {f.severity.value}"
            f"{fixed}. Gate: {j.disposition}, {j.reason}."
        },
        "locations": [
            {
                "logicalLocations": [
                    {
                        "name": f"{f.package}@{f.version}",
                        "fullyQualifiedName": f"{image}//{f.ecosystem}/{f.package}@{f.version}",
                        "kind": "package",
                    }
                ]
            }
        ],
        "properties": {
            "package": f.package,
            "version": f.version,
            "ecosystem": f.ecosystem,
            "fixedVersion": f.fixed_version,
            "severity": f.severity.value,
            "severitySource": f.severity_source,
            "aliases": list(f.aliases),
            "relatedIds": list(f.related_ids),
            "disposition": j.disposition,
        },
    }
    if j.ignore is not None:
        result["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": f"{j.ignore.reason} (by {j.ignore.author}, "
                f"until {j.ignore.expires.isoformat()})",
            }
        ]
    return result


def to_sarif(result: ScanResult) -> dict[str, Any]:
    rules: dict[str, dict[str, Any]] = {}
    for j in result.findings:
        rules.setdefault(j.finding.id, _rule(j))
    notifications = [
        {"level": "note", "message": {"text": note}, "descriptor": {"id": "note"}}
        for note in result.notes
    ]
    if result.refusal:
        notifications.insert(
            0,
            {
                "level": "error",
                "message": {"text": result.refusal.get("message", "")},
                "descriptor": {"id": result.refusal.get("code", "refused")},
            },
        )
    extensions = [
        {"name": name, "version": version.lstrip("v")}
        for name, version in sorted(result.tools.items())
    ]
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "shipyard-scan",
                        "version": __version__,
                        "informationUri": "https://osv.dev",
                        "rules": list(rules.values()),
                    },
                    "extensions": extensions,
                },
                "invocations": [
                    {
                        "executionSuccessful": result.status != "refused",
                        "toolExecutionNotifications": notifications,
                        "properties": {"status": result.status, "image": result.image},
                    }
                ],
                "results": [_result(j, result.image) for j in result.findings],
                "properties": {
                    "image": result.image,
                    "digest": result.digest,
                    "status": result.status,
                    "counts": result.counts(),
                },
            }
        ],
    }
