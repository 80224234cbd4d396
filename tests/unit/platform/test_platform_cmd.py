"""The CLI: errors are messages with hints and exit codes, never tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shipyard.cli.app import app


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for var in ("XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_bad_settings_name_the_file_and_key(isolated: Path) -> None:
    (isolated / "shipyard.toml").write_text('[registry]\nport = "x"\n')
    result = CliRunner().invoke(app, ["platform", "status"])
    assert result.exit_code == 3
    assert "shipyard.toml:2" in result.output
    assert "registry.port: expected a port number" in result.output
    assert "Traceback" not in result.output


def test_bad_settings_in_json(isolated: Path) -> None:
    (isolated / "shipyard.toml").write_text("[registri]\nport = 1\n")
    result = CliRunner().invoke(app, ["platform", "up", "--output", "json"])
    assert result.exit_code == 3
    payload = json.loads(result.stdout)
    (diag,) = payload["diagnostics"]
    assert diag["message"] == "unknown setting 'registri.port'"
    assert diag["hint"] == "did you mean 'registry.port'?"


def test_env_prints_shell_exports(isolated: Path) -> None:
    result = CliRunner().invoke(app, ["platform", "env"])
    assert result.exit_code == 0
    assert "export BUILDAH_ISOLATION=chroot" in result.output
    assert "export KUBECONFIG=" in result.output


def test_install_refuses_unknown_tools(isolated: Path) -> None:
    result = CliRunner().invoke(app, ["platform", "install", "helmet"])
    assert result.exit_code != 0
    assert "unknown tool" in result.output
