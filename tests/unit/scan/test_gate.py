"""The gate's fail-closed rules, each with fakes: every way to not vouch is a refusal."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from shipyard.domain.scan import ScanPolicy, ScanRefused, ScanResult, ToolRun
from shipyard.scan import scan_image, store
from shipyard.scan.gate import judge_run, pin
from tests.unit.scan.fakes import (
    NOW,
    FakeArchiver,
    FakeMatcher,
    FakeSbom,
    Outcome,
    cdx,
    pkg_entry,
    record,
    report,
    tools,
)

URLLIB3 = record(
    "GHSA-q2q7-5pp4-w6pg",
    "urllib3",
    "1.26.5",
    introduced="1.25.4",
    label="HIGH",
    aliases=("CVE-2021-33503",),
)
PYPI_SBOM = cdx("pkg:pypi/urllib3@1.26.4", "pkg:deb/debian/apt@2.6.1?distro=debian-12")


def _scan(
    target: str | Path,
    adv: Path,
    tmp_path: Path,
    *,
    sbom: FakeSbom | None = None,
    matcher: FakeMatcher | None = None,
    archiver: FakeArchiver | None = None,
    policy: ScanPolicy | None = None,
    now: Any = NOW,
) -> ScanResult:
    return scan_image(
        target,
        policy or ScanPolicy(),
        adv,
        tools(sbom or FakeSbom(PYPI_SBOM), matcher, archiver),
        out_dir=tmp_path / "out",
        clock=lambda: now,
    )


def _clean() -> FakeMatcher:
    return FakeMatcher(
        Outcome(
            report(pkg_entry("urllib3", "1.26.6", "PyPI"), pkg_entry("apt", "2.6.1", "Debian:12"))
        )
    )


def _vulnerable() -> FakeMatcher:
    return FakeMatcher(
        Outcome(
            report(
                pkg_entry("urllib3", "1.26.4", "PyPI", URLLIB3),
                pkg_entry("apt", "2.6.1", "Debian:12"),
            )
        )
    )


def test_a_clean_image_passes_with_both_canaries_proven(
    adv: Path, archive: Path, tmp_path: Path
) -> None:
    result = _scan(archive, adv, tmp_path, matcher=_clean())
    assert result.status == "passed", result.refusal
    assert result.canaries == ("SHIPYARD-SYNTHETIC-CANARY-DEBIAN", "SHIPYARD-SYNTHETIC-CANARY-PYPI")
    assert result.ecosystems == ("Debian", "PyPI")
    assert set(result.advisories) == {"Debian", "PyPI"}
    assert result.tools == {"syft": "v0-fake", "osv-scanner": "v0-fake"}


def test_a_high_finding_fails_and_lands_in_json_and_sarif(
    adv: Path, archive: Path, tmp_path: Path
) -> None:
    result = _scan(archive, adv, tmp_path, matcher=_vulnerable())
    assert result.status == "failed"
    (judged,) = result.findings
    assert (judged.disposition, judged.finding.id, judged.finding.fixed_version) == (
        "blocking",
        "GHSA-q2q7-5pp4-w6pg",
        "1.26.5",
    )
    saved = json.loads(Path(result.artifacts["json"]).read_text())
    assert ScanResult.from_json(saved) == result
    sarif = json.loads(Path(result.artifacts["sarif"]).read_text())
    assert sarif["runs"][0]["results"][0]["level"] == "error"
    assert Path(result.artifacts["sbom"]).name == "sbom.cdx.json"


def test_no_advisory_data_refuses_before_any_tool_runs(tmp_path: Path, archive: Path) -> None:
    matcher = _clean()
    result = _scan(archive, tmp_path / "nothing", tmp_path, matcher=matcher)
    assert (result.status, result.refusal["code"]) == ("refused", "advisories-missing")
    assert "advisories import" in result.refusal["hint"]
    assert matcher.calls == []
    sarif = json.loads(Path(result.artifacts["sarif"]).read_text())
    assert sarif["runs"][0]["invocations"][0]["executionSuccessful"] is False
    assert sarif["runs"][0]["results"] == []


def test_stale_data_is_refused(adv: Path, archive: Path, tmp_path: Path) -> None:
    later = NOW.replace(year=2027)
    result = _scan(archive, adv, tmp_path, matcher=_clean(), now=later)
    assert result.refusal["code"] == "advisories-stale"
    assert "max_advisory_age_days = 7" in result.refusal["message"]
    relaxed = ScanPolicy(max_advisory_age_days=400)
    assert _scan(archive, adv, tmp_path, matcher=_clean(), now=later, policy=relaxed).passed


def _zip(adv: Path, eco: str) -> Path:
    return store.load(adv).root / "osv-scalibr" / eco / "all.zip"


def test_a_zip_changed_after_import_is_refused(adv: Path, archive: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(_zip(adv, "PyPI"), "a") as zf:
        zf.writestr("EXTRA.json", "{}")
    result = _scan(archive, adv, tmp_path, matcher=_clean())
    assert result.refusal["code"] == "checksum-mismatch"
    assert "PyPI advisory data changed after import" in result.refusal["message"]


def test_a_zip_no_import_wrote_is_refused(adv: Path, archive: Path, tmp_path: Path) -> None:
    extra = store.load(adv).root / "osv-scalibr" / "npm" / "all.zip"
    extra.parent.mkdir(parents=True)
    zipfile.ZipFile(extra, "w").close()
    result = _scan(archive, adv, tmp_path, matcher=_clean())
    assert result.refusal["code"] == "checksum-mismatch"
    assert "osv-scalibr/npm/all.zip" in result.refusal["message"]


def test_data_changed_while_scanning_is_refused(adv: Path, archive: Path, tmp_path: Path) -> None:
    def tamper(db_root: Path) -> None:
        with zipfile.ZipFile((db_root / "osv-scalibr" / "PyPI" / "all.zip").resolve(), "a") as zf:
            zf.writestr("LATE.json", "{}")

    matcher = _clean()
    matcher.during = tamper
    result = _scan(archive, adv, tmp_path, matcher=matcher)
    assert result.refusal["code"] == "checksum-mismatch"
    assert result.timings["canary"] >= 0  # refused at the final check, after the canary


@pytest.mark.parametrize("code", [2, 127, 128, 130, -1])
def test_any_exit_code_but_0_and_1_is_refused(
    adv: Path, archive: Path, tmp_path: Path, code: int
) -> None:
    matcher = _clean()
    matcher.image.returncode = code
    result = _scan(archive, adv, tmp_path, matcher=matcher)
    assert result.refusal["code"] == "scanner-exit"
    assert f"exited {code}" in result.refusal["message"]


def test_could_not_load_db_with_exit_0_is_refused(adv: Path, archive: Path, tmp_path: Path) -> None:
    matcher = _clean()
    matcher.image.stderr = (
        "could not load db for Debian ecosystem: unable to fetch OSV database: no offline "
        "version of the OSV database is available\n"
    )
    matcher.image.returncode = 0
    result = _scan(archive, adv, tmp_path, matcher=matcher)
    assert result.refusal["code"] == "db-load-failed"
    assert "could not load db for Debian" in result.refusal["message"]


def test_exit_0_with_findings_is_refused(adv: Path, archive: Path, tmp_path: Path) -> None:
    matcher = _vulnerable()
    matcher.image.returncode = 0
    assert _scan(archive, adv, tmp_path, matcher=matcher).refusal["code"] == "scanner-exit"


def test_an_unreadable_report_is_refused(adv: Path, archive: Path, tmp_path: Path) -> None:
    matcher = FakeMatcher(Outcome(report(), write=False))
    assert _scan(archive, adv, tmp_path, matcher=matcher).refusal["code"] == "output-unreadable"
    matcher = FakeMatcher(Outcome({"not": "a report"}))
    assert _scan(archive, adv, tmp_path, matcher=matcher).refusal["code"] == "output-unreadable"


def test_an_ecosystem_in_the_sbom_without_data_is_refused(
    adv: Path, archive: Path, tmp_path: Path
) -> None:
    sbom = FakeSbom(cdx("pkg:pypi/urllib3@1.26.6", "pkg:npm/left-pad@1.3.0"))
    result = _scan(archive, adv, tmp_path, sbom=sbom, matcher=_clean())
    assert result.refusal["code"] == "ecosystem-missing"
    assert "npm packages but there is no advisory data" in result.refusal["message"]


def test_unscanned_ecosystems_pass_with_a_note_and_an_empty_database(
    adv: Path, archive: Path, tmp_path: Path
) -> None:
    sbom = FakeSbom(cdx("pkg:pypi/urllib3@1.26.6", "pkg:npm/left-pad@1.3.0"))
    matcher = FakeMatcher(
        Outcome(
            report(pkg_entry("urllib3", "1.26.6", "PyPI"), pkg_entry("left-pad", "1.3.0", "npm"))
        )
    )
    policy = ScanPolicy(unscanned_ecosystems=("npm",))
    result = _scan(archive, adv, tmp_path, sbom=sbom, matcher=matcher, policy=policy)
    assert result.passed, result.refusal
    assert any("not scanned" in n and "npm" in n for n in result.notes)
    assert result.canaries == ("SHIPYARD-SYNTHETIC-CANARY-PYPI",)


def test_the_database_view_gives_osv_scanner_an_empty_zip_for_ecosystems_without_data(
    adv: Path, archive: Path, tmp_path: Path
) -> None:
    seen: dict[str, list[str]] = {}

    def look(db_root: Path) -> None:
        seen["zips"] = sorted(p.parent.name for p in (db_root / "osv-scalibr").glob("*/all.zip"))
        seen["links"] = sorted(
            p.parent.name for p in (db_root / "osv-scalibr").glob("*/all.zip") if p.is_symlink()
        )

    matcher = _clean()
    matcher.during = look
    assert _scan(archive, adv, tmp_path, matcher=matcher).passed
    assert seen["links"] == ["Debian", "PyPI"]
    assert {"npm", "Go", "Maven", "GIT", "Alpine"} <= set(seen["zips"])


def test_an_ecosystem_only_osv_scanner_found_is_checked_too(
    adv: Path, archive: Path, tmp_path: Path
) -> None:
    sbom = FakeSbom(cdx("pkg:deb/debian/apt@2.6.1?distro=debian-12"))
    matcher = FakeMatcher(
        Outcome(report(pkg_entry("apt", "2.6.1", "Debian:12"), pkg_entry("lodash", "4.0.0", "npm")))
    )
    result = _scan(archive, adv, tmp_path, sbom=sbom, matcher=matcher)
    assert result.refusal["code"] == "ecosystem-missing"


def test_a_silent_canary_refuses_the_scan(adv: Path, archive: Path, tmp_path: Path) -> None:
    matcher = _vulnerable()
    matcher.canary = lambda db_root: Outcome(
        report(pkg_entry("shipyard-synthetic-canary", "1.0.0", "PyPI"))
    )
    result = _scan(archive, adv, tmp_path, matcher=matcher)
    assert result.refusal["code"] == "canary-missed"
    assert "Debian, PyPI" in result.refusal["message"]
    assert result.findings == ()  # a refused scan reports nothing as found or clean


def test_a_canary_record_missing_from_the_data_is_caught(
    adv: Path, archive: Path, tmp_path: Path
) -> None:
    """The staged zip lost its canary (and the manifest was made to agree): only the
    canary notices, because the checksums are consistent."""
    db = store.load(adv)
    path = db.root / "osv-scalibr" / "PyPI" / "all.zip"
    with zipfile.ZipFile(path) as zf:
        kept = {n: zf.read(n) for n in zf.namelist() if "CANARY" not in n}
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in kept.items():
            zf.writestr(name, data)
    manifest = json.loads((db.root / "manifest.json").read_text())
    manifest["ecosystems"]["PyPI"]["sha256"] = store.sha256_file(path)
    (db.root / "manifest.json").write_text(json.dumps(manifest))
    result = _scan(archive, adv, tmp_path, matcher=_clean())
    assert (result.refusal["code"], "PyPI" in result.refusal["message"]) == ("canary-missed", True)


def test_the_canary_run_is_judged_like_the_real_one(
    adv: Path, archive: Path, tmp_path: Path
) -> None:
    matcher = _clean()
    matcher.canary = lambda db_root: Outcome(
        report(), returncode=0, stderr="could not load db for PyPI ecosystem"
    )
    assert _scan(archive, adv, tmp_path, matcher=matcher).refusal["code"] == "db-load-failed"


def test_an_ecosystem_without_a_canary_recipe_is_refused_unless_accepted(
    tmp_path: Path, archive: Path
) -> None:
    from shipyard.scan import import_advisories
    from tests.unit.scan.fakes import write_records

    folder = write_records(
        tmp_path / "npm", record("GHSA-npm1", "lodash", "4.17.21", ecosystem="npm")
    )
    adv = tmp_path / "adv"
    import_advisories([folder], adv, now=NOW)
    sbom = FakeSbom(cdx("pkg:npm/lodash@4.17.21"))
    matcher = FakeMatcher(Outcome(report(pkg_entry("lodash", "4.17.21", "npm"))))
    result = _scan(archive, adv, tmp_path, sbom=sbom, matcher=matcher)
    assert result.refusal["code"] == "canary-missed"
    assert "no canary can prove the matcher for npm" in result.refusal["message"]
    accepted = ScanPolicy(unscanned_ecosystems=("npm",))
    result = _scan(archive, adv, tmp_path, sbom=sbom, matcher=matcher, policy=accepted)
    assert result.passed
    assert "matched without a canary proof: npm" in result.notes


def test_osv_scanner_extracting_nothing_that_syft_saw_is_refused(
    adv: Path, archive: Path, tmp_path: Path
) -> None:
    matcher = FakeMatcher(Outcome(report(pkg_entry("apt", "2.6.1", "Debian:12"))))
    result = _scan(archive, adv, tmp_path, matcher=matcher)
    assert result.refusal["code"] == "extraction-mismatch"
    assert "syft found 1 PyPI package(s)" in result.refusal["message"]


def test_a_failed_sbom_is_refused(adv: Path, archive: Path, tmp_path: Path) -> None:
    result = _scan(archive, adv, tmp_path, sbom=FakeSbom(returncode=1), matcher=_clean())
    assert result.refusal["code"] == "sbom-failed"


def test_a_registry_reference_is_pinned_to_its_digest(adv: Path, tmp_path: Path) -> None:
    archiver = FakeArchiver()
    image = "127.0.0.1:5000/staging/package:v1.0.2"
    result = _scan(image, adv, tmp_path, matcher=_clean(), archiver=archiver)
    assert result.passed
    assert result.digest == archiver.digest
    ((saved, _dest),) = archiver.saved
    assert saved == f"127.0.0.1:5000/staging/package@{archiver.digest}"


def test_an_image_that_cannot_be_fetched_is_refused(adv: Path, tmp_path: Path) -> None:
    archiver = FakeArchiver(error=ScanRefused("image-unavailable", "manifest unknown"))
    result = _scan("127.0.0.1:5000/x:y", adv, tmp_path, archiver=archiver)
    assert (result.refusal["code"], result.refusal["message"]) == (
        "image-unavailable",
        "manifest unknown",
    )


def test_a_missing_archive_path_is_refused(adv: Path, tmp_path: Path) -> None:
    result = _scan(tmp_path / "nope.tar", adv, tmp_path)
    assert result.refusal["code"] == "image-unavailable"


def test_pin_keeps_registry_ports() -> None:
    assert pin("127.0.0.1:5000/a/b:v1", "sha256:1") == "127.0.0.1:5000/a/b@sha256:1"
    assert pin("reg.io/b@sha256:0", "sha256:1") == "reg.io/b@sha256:1"
    assert pin("b", "sha256:1") == "b@sha256:1"


def test_judge_run_accepts_only_clean_runs() -> None:
    judge_run(ToolRun(("x",), 0, "", "Loaded PyPI local db from d"), "img")
    judge_run(ToolRun(("x",), 1, "", ""), "img")
    with pytest.raises(ScanRefused, match="could not load db"):
        judge_run(ToolRun(("x",), 1, "", "could not load db for GIT ecosystem: no"), "img")
