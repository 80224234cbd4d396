"""``environment:`` of a deployment job must name a configured environment (file:line)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shipyard.cli.app import app

PIPELINE = """\
trigger: none
stages:
- stage: Deploy
  jobs:
  - deployment: DeployWeb
    environment: {env}
    strategy:
      runOnce:
        deploy:
          steps:
          - script: echo deploying
"""


@pytest.fixture(autouse=True)
def _no_user_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SHIPYARD_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.chdir(tmp_path)


def run(tmp_path: Path, env: str) -> tuple[int, dict[str, object]]:
    file = tmp_path / "azure-pipelines.yml"
    file.write_text(PIPELINE.format(env=env))
    result = CliRunner().invoke(app, ["validate", str(file), "--output", "json"])
    assert "Traceback" not in result.output
    return result.exit_code, json.loads(result.stdout)


@pytest.mark.parametrize("env", ["qa", "production", "production.delivery", "'$(target)'"])
def test_known_environments_validate(tmp_path: Path, env: str) -> None:
    code, out = run(tmp_path, env)
    assert code == 0, out
    assert out["valid"] is True


def test_unknown_environment_is_an_error_at_the_jobs_line(tmp_path: Path) -> None:
    code, out = run(tmp_path, "prodction")
    assert code == 3
    diags = out["diagnostics"]
    assert isinstance(diags, list) and len(diags) == 1
    d = diags[0]
    assert d["code"] == "unknown-environment"
    assert d["line"] == 5
    assert "prodction" in d["message"] and "production" in d["message"]
    assert "production" in d["hint"]
