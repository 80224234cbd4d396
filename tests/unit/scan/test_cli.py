"""``shipyard scan`` and ``shipyard advisories``: exit codes, text and JSON, with fake tools."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shipyard.cli import scan_cmd
from shipyard.cli.app import app
from tests.unit.scan.fakes import (
    FakeMatcher,
    FakeSbom,
    Outcome,
    cdx,
    pkg_entry,
    record,
    report,
    tools,
)

EXAMPLES = Path(__file__).parents[3] / "examples" / "advisories"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
    monkeypatch.delenv("SHIPYARD_ADVISORIES_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    policy = tmp_path / "policy.toml"
    policy.write_text("[scan]\nmax_advisory_age_days = 3650\n")
    return {"SHIPYARD_SCAN_CONFIG": str(policy)}


def _use(monkeypatch: pytest.MonkeyPatch, matcher: FakeMatcher) -> None:
    sbom = FakeSbom(cdx("pkg:pypi/urllib3@1.26.4"))
    monkeypatch.setattr(scan_cmd, "build_tools", lambda paths: tools(sbom, matcher))


def test_import_then_status(env: dict[str, str], tmp_path: Path) -> None:
    runner = CliRunner()
    done = runner.invoke(
        app, ["advisories", "import", str(EXAMPLES / "PyPI"), str(EXAMPLES / "Debian")], env=env
    )
    assert done.exit_code == 0, done.output
    assert "PyPI       11 records, 1 normalised" in done.output
    assert "Debian     3 records, 3 synthetic" in done.output
    status = runner.invoke(app, ["advisories", "status", "-o", "json"], env=env)
    data = json.loads(status.stdout)
    assert data["ecosystems"]["PyPI"]["checksum"] == "ok"
    assert Path(data["advisories_dir"]) == tmp_path / "xdg_data_home" / "shipyard" / "advisories"


def test_status_without_data_exits_4(env: dict[str, str]) -> None:
    done = CliRunner().invoke(app, ["advisories", "status"], env=env)
    assert done.exit_code == 4
    assert "no advisory data" in done.output


def test_a_bad_record_exits_3_and_names_it(env: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    rec = record("GHSA-1", "pip", "1")
    rec["withdrawn"] = "never"
    (bad / "GHSA-1.json").write_text(json.dumps(rec))
    done = CliRunner().invoke(app, ["advisories", "import", str(bad), "-o", "json"], env=env)
    assert done.exit_code == 3
    (diag,) = json.loads(done.stdout)["diagnostics"]
    assert diag["file"] == str(bad / "GHSA-1.json")
    assert diag["message"].startswith("withdrawn: 'never' does not match")


def _import(env: dict[str, str]) -> None:
    done = CliRunner().invoke(app, ["advisories", "import", str(EXAMPLES / "PyPI")], env=env)
    assert done.exit_code == 0, done.output


def test_scan_exit_codes(
    env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "image.tar"
    archive.write_bytes(b"x")
    runner = CliRunner()
    _use(monkeypatch, FakeMatcher(Outcome(report(pkg_entry("urllib3", "1.26.4", "PyPI")))))
    refused = runner.invoke(app, ["scan", str(archive)], env=env)
    assert refused.exit_code == 4
    assert "REFUSED [advisories-missing]" in refused.output
    _import(env)
    passed = runner.invoke(app, ["scan", str(archive), "--out", str(tmp_path / "o")], env=env)
    assert passed.exit_code == 0, passed.output
    assert "PASSED" in passed.output
    assert (tmp_path / "o" / "scan-result.sarif").is_file()
    ghsa = json.loads((EXAMPLES / "PyPI" / "GHSA-q2q7-5pp4-w6pg.json").read_text())
    _use(monkeypatch, FakeMatcher(Outcome(report(pkg_entry("urllib3", "1.26.4", "PyPI", ghsa)))))
    failed = runner.invoke(
        app, ["scan", str(archive), "--service", "package", "-o", "json"], env=env
    )
    assert failed.exit_code == 1
    data = json.loads(failed.stdout)
    assert (data["status"], data["service"], data["counts"]["blocking"]) == ("failed", "package", 1)
    assert data["findings"][0]["id"] == "GHSA-q2q7-5pp4-w6pg"


def test_scan_text_lists_findings_with_reasons(
    env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _import(env)
    archive = tmp_path / "image.tar"
    archive.write_bytes(b"x")
    ghsa = json.loads((EXAMPLES / "PyPI" / "GHSA-q2q7-5pp4-w6pg.json").read_text())
    _use(monkeypatch, FakeMatcher(Outcome(report(pkg_entry("urllib3", "1.26.4", "PyPI", ghsa)))))
    done = CliRunner().invoke(app, ["scan", str(archive)], env=env)
    assert "FAILED  (1 blocking, 0 warning, 0 allowed, 0 ignored)" in done.output
    assert "GHSA-q2q7-5pp4-w6pg  urllib3 1.26.4 (PyPI)  HIGH 7.5  fixed in 1.26.5" in done.output
    assert "HIGH >= fail_on high" in done.output


def test_a_bad_policy_exits_3(env: dict[str, str], tmp_path: Path) -> None:
    Path(env["SHIPYARD_SCAN_CONFIG"]).write_text('[scan]\nfail_on = "sometimes"\n')
    done = CliRunner().invoke(app, ["scan", str(tmp_path / "x.tar")], env=env)
    assert done.exit_code == 3
    assert "scan.fail_on" in done.output
