"""The README's main job, release part: ``run_release_demo`` end to end, twice in a row."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from shipyard.cli.demo_release import run_release_demo
from shipyard.platform import Platform

pytestmark = [pytest.mark.e2e, pytest.mark.platform, pytest.mark.integration]


def test_the_release_demo_publishes_and_can_run_again(
    platform: Platform,
    session_env: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for key in ("SHIPYARD_DATABASE_URL", "SHIPYARD_ARTIFACTS_DIR", "SHIPYARD_WORK_DIR"):
        monkeypatch.setenv(key, session_env[key])
    say = Console(record=True, width=200)
    first = run_release_demo(workdir=tmp_path / "one", say=say, platform=platform)
    assert first.ok, first.as_json()
    assert first.image.endswith("/staging/delivery:v1.0.2")
    assert first.record["charts"][0]["app_version"] == "v1.0.2"
    second = run_release_demo(workdir=tmp_path / "two", say=say, platform=platform)
    assert second.ok and second.run_id != first.run_id
    text = say.export_text()
    assert "removed helm/delivery:v1.0.2 left by an earlier demo" in text
    assert "build record: commit" in text
