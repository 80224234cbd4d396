"""SARIF 2.1.0 output, and the canary image Shipyard writes for itself."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import tarfile
from pathlib import Path

from shipyard.domain.scan import Finding, Ignore, Judged, ScanResult, Severity
from shipyard.scan import canary
from shipyard.scan.sarif import to_sarif


def _result(*judged: Judged, **kw: object) -> ScanResult:
    return ScanResult(
        status=kw.pop("status", "failed"),  # type: ignore[arg-type]
        image="reg/app:v1",
        findings=judged,
        tools={"syft": "v1.57.1", "osv-scanner": "v2.5.0"},
        **kw,  # type: ignore[arg-type]
    )


F = Finding(
    "GHSA-1", ("CVE-1",), "urllib3", "1.26.4", "PyPI", "1.26.5", Severity.HIGH, "x", 7.5, "bad"
)


def test_levels_rules_and_suppressions() -> None:
    ign = Ignore("GHSA-1", "unreachable", "alice", dt.date(2027, 1, 1))
    doc = to_sarif(
        _result(
            Judged(F, "blocking", "HIGH >= fail_on high"),
            Judged(F, "ignored", "ignored until 2027-01-01 by alice: unreachable", ign),
        )
    )
    assert (doc["version"], doc["$schema"]) == (
        "2.1.0",
        "https://json.schemastore.org/sarif-2.1.0.json",
    )
    run = doc["runs"][0]
    (rule,) = run["tool"]["driver"]["rules"]
    assert (rule["id"], rule["properties"]["security-severity"]) == ("GHSA-1", "7.5")
    assert rule["helpUri"] == "https://osv.dev/vulnerability/GHSA-1"
    assert [r["level"] for r in run["results"]] == ["error", "note"]
    assert "suppressions" not in run["results"][0]
    assert (
        run["results"][1]["suppressions"][0]["justification"]
        == "unreachable (by alice, until 2027-01-01)"
    )
    assert run["results"][0]["locations"][0]["logicalLocations"][0]["name"] == "urllib3@1.26.4"
    assert {e["name"]: e["version"] for e in run["tool"]["extensions"]} == {
        "osv-scanner": "2.5.0",
        "syft": "1.57.1",
    }
    assert run["invocations"][0]["executionSuccessful"] is True


def test_a_refused_scan_is_an_unsuccessful_invocation_without_results() -> None:
    doc = to_sarif(
        _result(status="refused", refusal={"code": "canary-missed", "message": "m", "hint": ""})
    )
    inv = doc["runs"][0]["invocations"][0]
    assert inv["executionSuccessful"] is False
    assert inv["toolExecutionNotifications"][0]["descriptor"]["id"] == "canary-missed"
    assert doc["runs"][0]["results"] == []


def test_the_canary_image_is_a_consistent_reproducible_docker_archive(tmp_path: Path) -> None:
    covered = canary.write_canary_image(["PyPI", "Debian", "npm"], tmp_path / "a.tar")
    canary.write_canary_image(["Debian", "PyPI"], tmp_path / "b.tar")
    assert covered == ["Debian", "PyPI"]
    assert (tmp_path / "a.tar").read_bytes() == (tmp_path / "b.tar").read_bytes()
    with tarfile.open(tmp_path / "a.tar") as outer:
        (manifest,) = json.loads(outer.extractfile("manifest.json").read())  # type: ignore[union-attr]
        config_raw = outer.extractfile(manifest["Config"]).read()  # type: ignore[union-attr]
        layer = outer.extractfile("layer.tar").read()  # type: ignore[union-attr]
    assert manifest["Config"] == hashlib.sha256(config_raw).hexdigest() + ".json"
    assert json.loads(config_raw)["rootfs"]["diff_ids"] == [
        "sha256:" + hashlib.sha256(layer).hexdigest()
    ]
    with tarfile.open(fileobj=io.BytesIO(layer)) as inner:
        names = inner.getnames()
        status = inner.extractfile("var/lib/dpkg/status").read().decode()  # type: ignore[union-attr]
    assert "etc/os-release" in names
    assert any(n.endswith(".dist-info/METADATA") for n in names)
    assert "Package: shipyard-synthetic-canary\n" in status and "Version: 1.0.0\n" in status


def test_canary_records_use_a_real_range_around_the_canary_version() -> None:
    rec = canary.canary_record("Debian")
    assert rec["id"] == "SHIPYARD-SYNTHETIC-CANARY-DEBIAN"
    (affected,) = rec["affected"]
    assert affected["package"] == {"ecosystem": "Debian", "name": "shipyard-synthetic-canary"}
    assert affected["ranges"][0]["events"] == [{"introduced": "0"}, {"fixed": "1.0.1"}]
    assert canary.canary_id("crates.io") == "SHIPYARD-SYNTHETIC-CANARY-CRATES-IO"
