"""The gate's decision on plain values: thresholds, unknown severity, ignores and expiry."""

from __future__ import annotations

import datetime as dt

import pytest

from shipyard.domain.scan import (
    FAIL_ON_CHOICES,
    Finding,
    Ignore,
    Judged,
    ScanPolicy,
    ScanResult,
    Severity,
    blocks_at,
    evaluate,
)

TODAY = dt.date(2026, 11, 26)


def finding(
    fid: str, severity: Severity, *, aliases: tuple[str, ...] = (), package: str = "p"
) -> Finding:
    return Finding(fid, aliases, package, "1.0", "PyPI", "1.1", severity, "test")


def ignore(fid: str, expires: dt.date = dt.date(2027, 1, 31)) -> Ignore:
    return Ignore(fid, "not reachable from the service", "alice", expires, where="scan.toml:9")


@pytest.mark.parametrize(
    ("severity", "blocking_at"),
    [
        (Severity.CRITICAL, {"critical", "high", "medium", "low"}),
        (Severity.HIGH, {"high", "medium", "low"}),
        (Severity.MEDIUM, {"medium", "low"}),
        (Severity.LOW, {"low"}),
        (Severity.UNKNOWN, set()),
    ],
)
def test_thresholds(severity: Severity, blocking_at: set[str]) -> None:
    assert {f for f in FAIL_ON_CHOICES if blocks_at(severity, f)} == blocking_at


def test_severity_words_and_cvss_bands() -> None:
    assert Severity.parse("moderate") is Severity.MEDIUM
    assert Severity.parse("High") is Severity.HIGH
    assert Severity.parse("important") is None
    bands = [(9.0, "CRITICAL"), (8.9, "HIGH"), (7.0, "HIGH"), (6.9, "MEDIUM"), (4.0, "MEDIUM")]
    bands += [(3.9, "LOW"), (0.0, "LOW")]
    for score, word in bands:
        assert Severity.from_score(score).value == word


def test_high_blocks_medium_is_allowed_at_the_default_threshold() -> None:
    judged, notes = evaluate(
        [finding("A", Severity.MEDIUM), finding("B", Severity.HIGH)], ScanPolicy(), TODAY
    )
    assert [(j.finding.id, j.disposition) for j in judged] == [("B", "blocking"), ("A", "allowed")]
    assert notes == []


def test_fail_on_none_never_blocks_on_severity() -> None:
    judged, _ = evaluate([finding("A", Severity.CRITICAL)], ScanPolicy(fail_on="none"), TODAY)
    assert judged[0].disposition == "allowed"


@pytest.mark.parametrize(("policy", "expected"), [("warn", "warning"), ("fail", "blocking")])
def test_unknown_severity_has_its_own_policy(policy: str, expected: str) -> None:
    judged, _ = evaluate(
        [finding("X", Severity.UNKNOWN)],
        ScanPolicy(unknown_severity=policy, fail_on="none"),  # type: ignore[arg-type]
        TODAY,
    )
    assert judged[0].disposition == expected
    assert "severity unknown" in judged[0].reason


def test_an_ignore_matches_the_id_or_an_alias_in_any_case() -> None:
    found = [
        finding("GHSA-q2q7-5pp4-w6pg", Severity.HIGH, aliases=("CVE-2021-33503",)),
        finding("GHSA-other", Severity.HIGH),
    ]
    policy = ScanPolicy(ignores=(ignore("cve-2021-33503"),))
    judged, notes = evaluate(found, policy, TODAY)
    by_id = {j.finding.id: j for j in judged}
    assert by_id["GHSA-q2q7-5pp4-w6pg"].disposition == "ignored"
    assert by_id["GHSA-q2q7-5pp4-w6pg"].reason == (
        "ignored until 2027-01-31 by alice: not reachable from the service"
    )
    assert by_id["GHSA-other"].disposition == "blocking"
    assert notes == []


def test_an_ignore_applies_on_its_expiry_day_and_not_after() -> None:
    day = dt.date(2026, 11, 26)
    policy = ScanPolicy(ignores=(ignore("A", expires=day),))
    judged, notes = evaluate([finding("A", Severity.HIGH)], policy, day)
    assert judged[0].disposition == "ignored"
    judged, notes = evaluate([finding("A", Severity.HIGH)], policy, day + dt.timedelta(days=1))
    assert judged[0].disposition == "blocking"
    assert notes == [
        "ignore of A (scan.toml:9, by alice) expired on 2026-11-26 and no longer applies: "
        "not reachable from the service"
    ]


def test_an_unused_ignore_is_pointed_out() -> None:
    _, notes = evaluate([], ScanPolicy(ignores=(ignore("GHSA-gone"),)), TODAY)
    assert notes == [
        "ignore of GHSA-gone (scan.toml:9) matched no finding; remove it once the fix has shipped"
    ]


def test_related_ids_count_for_ignores() -> None:
    f = Finding(
        "GHSA-1", (), "p", "1", "PyPI", "", Severity.HIGH, "t", related_ids=("PYSEC-2021-1",)
    )
    judged, _ = evaluate([f], ScanPolicy(ignores=(ignore("PYSEC-2021-1"),)), TODAY)
    assert judged[0].disposition == "ignored"


def test_scan_result_round_trips_through_json() -> None:
    f = finding("GHSA-1", Severity.HIGH, aliases=("CVE-1",))
    result = ScanResult(
        status="failed",
        image="reg/app:v1",
        service="package",
        digest="sha256:00",
        findings=(
            Judged(f, "blocking", "HIGH >= fail_on high"),
            Judged(f, "ignored", "ok", ignore("GHSA-1")),
        ),
        notes=("n",),
        policy=ScanPolicy().as_json(),
        artifacts={"json": "/x.json"},
        tools={"syft": "v1.57.1"},
        advisories={"PyPI": {"records": 1}},
        ecosystems=("PyPI",),
        canaries=("SHIPYARD-SYNTHETIC-CANARY-PYPI",),
        timings={"total": 1.5},
        started_at="2026-11-26T12:00:00Z",
    )
    again = ScanResult.from_json(result.as_json())
    assert again.as_json() == result.as_json()
    assert again.counts() == {"blocking": 1, "warning": 0, "allowed": 0, "ignored": 1}
    assert not again.passed
