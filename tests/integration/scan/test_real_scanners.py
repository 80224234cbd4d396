"""The scan gate with the real syft and osv-scanner on a small image built with buildah.

Besides the gate's own behaviour, two tests pin the upstream behaviour that made the gate
necessary (osv-scanner v2.5.0 exits 0 without a database; drops a malformed record without a
word). If a new osv-scanner changes either, these tests say so, and the gate's reasoning in
docs/scanning.md should be revisited.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import zipfile
from pathlib import Path

import pytest

from shipyard.adapters.skopeo import SkopeoArchiver
from shipyard.domain.diagnostics import InvalidInput
from shipyard.domain.scan import ScanPolicy, ScanResult
from shipyard.scan import ScanTools, import_advisories, scan_image, store
from shipyard.scan.canary import canary_id
from tests.integration.scan.conftest import EXAMPLES

pytestmark = pytest.mark.integration

POLICY = ScanPolicy(max_advisory_age_days=3650, service="package")


@pytest.fixture
def adv(tmp_path: Path) -> Path:
    target = tmp_path / "advisories"
    import_advisories([EXAMPLES / "PyPI", EXAMPLES / "Debian"], target, now=dt.datetime.now(dt.UTC))
    return target


def _scan(
    target: str | Path, adv: Path, tools: ScanTools, out: Path, sbom_format: str = "cyclonedx-json"
) -> ScanResult:
    return scan_image(target, POLICY, adv, tools, out_dir=out, sbom_format=sbom_format)


def test_the_gate_blocks_urllib3_and_proves_the_matcher(
    image_tar: Path, adv: Path, real_tools: ScanTools, tmp_path: Path
) -> None:
    result = _scan(image_tar, adv, real_tools, tmp_path / "out")
    assert result.status == "failed", result.refusal
    by_id = {j.finding.id: j for j in result.findings}
    urllib3 = by_id["GHSA-q2q7-5pp4-w6pg"]
    assert urllib3.disposition == "blocking"
    assert (urllib3.finding.package, urllib3.finding.version) == ("urllib3", "1.26.4")
    assert urllib3.finding.fixed_version == "1.26.5"
    assert "PYSEC-2021-108" in urllib3.finding.related_ids  # the unrated twin, one finding
    assert "CVE-2021-33503" in urllib3.finding.aliases
    apt = by_id["SHIPYARD-SYNTHETIC-DEBIAN-0002"]
    assert (apt.disposition, apt.finding.installed_as) == ("allowed", ("libapt-pkg6.0",))
    assert "SHIPYARD-SYNTHETIC-DEBIAN-0003" not in by_id  # openssl: not installed
    assert result.canaries == (canary_id("Debian"), canary_id("PyPI"))
    assert result.ecosystems == ("Debian", "PyPI")
    assert result.tools == {"syft": "v1.57.1", "osv-scanner": "v2.5.0"}
    sbom = json.loads(Path(result.artifacts["sbom"]).read_text())
    assert sbom["bomFormat"] == "CycloneDX"
    assert any(c.get("purl", "").startswith("pkg:pypi/urllib3@1.26.4") for c in sbom["components"])
    sarif = json.loads(Path(result.artifacts["sarif"]).read_text())
    levels = {r["ruleId"]: r["level"] for r in sarif["runs"][0]["results"]}
    assert levels["GHSA-q2q7-5pp4-w6pg"] == "error"


def test_an_spdx_sbom_works_as_well(
    image_tar: Path, adv: Path, real_tools: ScanTools, tmp_path: Path
) -> None:
    result = _scan(image_tar, adv, real_tools, tmp_path / "out", sbom_format="spdx-json")
    assert result.status == "failed", result.refusal
    assert Path(result.artifacts["sbom"]).name == "sbom.spdx.json"


def test_osv_scanner_alone_reports_nothing_without_a_database(
    image_tar: Path, osv_bin: Path, tmp_path: Path
) -> None:
    """Upstream behaviour the gate closes: exit 0, 'could not load db' on stderr only."""
    report = tmp_path / "r.json"
    done = subprocess.run(
        [str(osv_bin), "scan", "image", "--offline", "--local-db-path", str(tmp_path / "empty"),
         "--format", "json", "--output-file", str(report), "--archive", str(image_tar)],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0
    assert "could not load db" in done.stderr
    assert all(
        not p.get("vulnerabilities")
        for r in json.loads(report.read_text())["results"]
        for p in r["packages"]
    )


def test_the_gate_refuses_an_image_whose_ecosystem_has_no_data(
    image_tar: Path, real_tools: ScanTools, tmp_path: Path
) -> None:
    adv = tmp_path / "advisories"
    import_advisories([EXAMPLES / "PyPI"], adv, now=dt.datetime.now(dt.UTC))
    result = _scan(image_tar, adv, real_tools, tmp_path / "out")
    assert (result.status, result.refusal["code"]) == ("refused", "ecosystem-missing")
    assert "Debian" in result.refusal["message"]


def test_a_malformed_record_is_dropped_by_osv_scanner_and_refused_by_the_import(
    image_tar: Path, osv_bin: Path, tmp_path: Path
) -> None:
    bad = json.loads((EXAMPLES / "PyPI" / "GHSA-q2q7-5pp4-w6pg.json").read_text())
    bad["affected"][0]["package"]["purls"] = ["pkg:pypi/urllib3"]  # a field the schema lacks
    db = tmp_path / "raw" / "osv-scalibr"
    for eco, records in {"PyPI": [bad], "Debian": []}.items():
        (db / eco).mkdir(parents=True)
        with zipfile.ZipFile(db / eco / "all.zip", "w") as zf:
            for rec in records:
                zf.writestr(f"{rec['id']}.json", json.dumps(rec))
    report = tmp_path / "r.json"
    done = subprocess.run(
        [str(osv_bin), "scan", "image", "--offline", "--local-db-path", str(tmp_path / "raw"),
         "--format", "json", "--output-file", str(report), "--archive", str(image_tar)],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr  # "no issues": the record was silently dropped
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "GHSA-q2q7-5pp4-w6pg.json").write_text(json.dumps(bad))
    with pytest.raises(InvalidInput) as exc:
        import_advisories([folder], tmp_path / "adv", now=dt.datetime.now(dt.UTC))
    assert "affected[0].package: Additional properties are not allowed ('purls'" in (
        exc.value.diagnostics[0].message
    )


def test_the_canary_catches_data_the_real_matcher_cannot_read(
    image_tar: Path, adv: Path, real_tools: ScanTools, tmp_path: Path
) -> None:
    """Checksums agree (the manifest was rewritten too), yet osv-scanner drops the canary
    record: only the canary can notice, and the scan is refused."""
    db = store.load(adv)
    path = db.root / db.ecosystems["PyPI"].zip_path
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    name = f"{canary_id('PyPI')}.json"
    rec = json.loads(members[name])
    rec["affected"][0]["package"]["nmae"] = "typo"
    members[name] = json.dumps(rec).encode()
    with zipfile.ZipFile(path, "w") as zf:
        for member, data in members.items():
            zf.writestr(member, data)
    manifest = json.loads((db.root / "manifest.json").read_text())
    manifest["ecosystems"]["PyPI"]["sha256"] = store.sha256_file(path)
    (db.root / "manifest.json").write_text(json.dumps(manifest))
    result = _scan(image_tar, adv, real_tools, tmp_path / "out")
    assert (result.status, result.refusal["code"]) == ("refused", "canary-missed")
    assert "PyPI" in result.refusal["message"]


@pytest.mark.platform
def test_an_image_in_the_registry_is_scanned_by_digest(
    image_tar: Path, adv: Path, real_tools: ScanTools, tmp_path: Path, shipyard_platform: object
) -> None:
    address = shipyard_platform.target.address  # type: ignore[attr-defined]
    # pushed as a build would, with the build identity, into staging/ (the registry refuses
    # a push anywhere else)
    auth = shipyard_platform.tool_env()["REGISTRY_AUTH_FILE"]  # type: ignore[attr-defined]
    ref = f"{address}/staging/scan-test-package:v1"
    subprocess.run(
        ["skopeo", "copy", "--quiet", "--dest-tls-verify=false", "--authfile", auth,
         f"docker-archive:{image_tar}", f"docker://{ref}"],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    tools = ScanTools(
        archiver=SkopeoArchiver(insecure_registries=frozenset({address})),
        sbom=real_tools.sbom,
        matcher=real_tools.matcher,
    )
    try:
        result = _scan(ref, adv, tools, tmp_path / "out")
    finally:
        subprocess.run(
            ["skopeo", "delete", "--tls-verify=false", "--authfile", auth, f"docker://{ref}"],
            check=False, capture_output=True, timeout=120,
        )  # fmt: skip
    assert result.status == "failed", result.refusal
    assert result.digest.startswith("sha256:")
    assert any(j.finding.id == "GHSA-q2q7-5pp4-w6pg" for j in result.findings)
