"""One platform, one git history, one run store for the whole end-to-end suite.

- ``platform``: the embedded registry and base image (``shipyard platform up`` when they are
  missing) and the two scanners; clusters are not needed to build and publish.
- ``fabrikam``: a real git history of ``examples/fabrikam`` with the branches the tests
  push: ``feature/delivery/x`` (a change to delivery), ``feature/delivery/red`` (a failing
  unit test), ``feature/package/x`` (a change to package), ``release/delivery/v1.0.2``
  (cut from main, no new commit), plus a manual pipeline ``scan-package`` that builds the
  package service's runtime image and scans it (the gate's policy cases run on it without
  the unit tests each time).
- ``shipyard``: runs ``python -m shipyard`` against a run store, artifact folder and
  advisory data of this session; the platform's own folders (XDG) are the real ones.

Build caches stay warm across tests (one container storage), so only the first build of
each image pays for pip.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from shipyard.adapters.gitwrite import GitWorkspace
from shipyard.adapters.registry import OciRegistry
from shipyard.cli.demo_release import ensure_platform
from shipyard.platform import Platform, Recorder
from shipyard.scan import import_advisories

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "fabrikam"
ADVISORIES = ROOT / "examples" / "advisories"
POLICY = ADVISORIES / "shipyard-scan.toml"

SCAN_PIPELINE = """\
# End-to-end tests only: the package service's runtime image, built and scanned.
trigger: none
pr: none
steps:
- task: Docker@1
  displayName: Build the package runtime image
  inputs:
    azureSubscriptionEndpoint: fabrikam-dev
    azureContainerRegistry: fabrikam.azurecr.io
    dockerFile: $(System.DefaultWorkingDirectory)/src/shipping/package/Dockerfile
    useDefaultContext: false
    buildContext: $(System.DefaultWorkingDirectory)/src/shipping
    imageName: 'staging/package:e2e-scan'
- task: ShipyardScan@1
  displayName: Scan the package runtime image
  inputs:
    image: 'staging/package:e2e-scan'
    failOn: high
"""
RED_TEST = """

def test_a_delivery_is_never_free() -> None:
    price = 0
    assert price > 0, "deliberately red: a delivery must cost something"
"""


@dataclass
class Repo:
    path: Path
    ws: GitWorkspace

    def head(self, branch: str) -> str:
        out = subprocess.run(
            ["git", "-C", str(self.path), "rev-parse", branch],
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout.strip()


@pytest.fixture(scope="session")
def platform() -> Platform:
    found = Platform.load(progress=Recorder())
    ensure_platform(found, Console(quiet=True))
    return found


@pytest.fixture(scope="session")
def registry(platform: Platform) -> OciRegistry:
    target = platform.target
    return OciRegistry(target.address, secure=target.secure, username=target.username,
                       password=target.password.reveal())  # fmt: skip


@pytest.fixture(scope="session")
def fabrikam(tmp_path_factory: pytest.TempPathFactory) -> Repo:
    ws = GitWorkspace.create(tmp_path_factory.mktemp("git") / "fabrikam", seed=EXAMPLE)
    registry_file = ws.path / "shipyard.yml"
    ws.write("e2e/scan-package.yml", SCAN_PIPELINE)
    ws.write("shipyard.yml", registry_file.read_text() + "  scan-package: e2e/scan-package.yml\n")
    ws.commit_all("Initial import of the Fabrikam monorepo")
    ws.branch("release/delivery/v1.0.2", "main")
    for branch, rel, text in (
        ("feature/delivery/x", "src/shipping/delivery/README.md", "A delivery change.\n"),
        ("feature/delivery/red", "src/shipping/delivery/tests/test_model.py", RED_TEST),
        ("feature/package/x", "src/shipping/package/README.md", "A package change.\n"),
    ):
        ws.checkout("main")
        ws.branch(branch)
        ws.checkout(branch)
        ws.append(rel, text)
        ws.commit_all(f"{branch}: a change")
    ws.checkout("main")
    return Repo(ws.path, ws)


@pytest.fixture(scope="session")
def session_env(tmp_path_factory: pytest.TempPathFactory, platform: Platform) -> dict[str, str]:
    root = tmp_path_factory.mktemp("shipyard")
    advisories = root / "advisories"
    import_advisories(
        [ADVISORIES / "PyPI", ADVISORIES / "Debian"], advisories, now=dt.datetime.now(dt.UTC)
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SHIPYARD_") or k in ("SHIPYARD_CONFIG",)
    }
    env.update(
        SHIPYARD_DATABASE_URL=f"sqlite:///{root / 'runs.db'}",
        SHIPYARD_ARTIFACTS_DIR=str(root / "artifacts"),
        SHIPYARD_WORK_DIR=str(root / "work"),
        SHIPYARD_ADVISORIES_DIR=str(advisories),
        SHIPYARD_SCAN_CONFIG=str(POLICY),
        SHIPYARD_CONNECTIONS=str(root / "connections.toml"),
    )
    (root / "connections.toml").write_text("# none: every name means the platform's registry\n")
    return env


Shipyard = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="session")
def shipyard(session_env: dict[str, str], fabrikam: Repo) -> Shipyard:
    def run(*args: str, env: dict[str, str] | None = None, timeout: float = 900) -> Any:
        return subprocess.run(
            [sys.executable, "-m", "shipyard", *args],
            capture_output=True,
            text=True,
            env={**session_env, **(env or {})},
            cwd=fabrikam.path,
            timeout=timeout,
        )

    return run


RunJson = dict[str, Any]


@pytest.fixture(scope="session")
def run_pipeline(shipyard: Shipyard, fabrikam: Repo) -> Callable[..., tuple[int, RunJson]]:
    """``shipyard run ... -o json``: (exit code, the run as JSON)."""

    def run(pipeline: str, *event: str, env: dict[str, str] | None = None) -> tuple[int, RunJson]:
        done = shipyard("run", pipeline, *event, "--repo", str(fabrikam.path), "-o", "json",
                        env=env)  # fmt: skip
        assert done.stdout.strip(), done.stderr
        return done.returncode, json.loads(done.stdout)

    return run


def steps(run: RunJson) -> dict[str, dict[str, Any]]:
    """Steps by display name (unique in the example pipelines)."""
    return {
        step["display_name"]: step
        for stage in run["stages"]
        for job in stage["jobs"]
        for step in job["steps"]
    }


def shown(shipyard: Shipyard, run_id: int) -> RunJson:
    done = shipyard("runs", "show", str(run_id), "-o", "json")
    result: RunJson = json.loads(done.stdout)
    return result


def demo_workers(platform: Platform, registry: OciRegistry, tmp_path: Path) -> list[str]:
    """Run the delivery demo with the executor the environment names; assert it went
    through (v1.0.2 promoted by digest) and return the worker of every job it ran."""
    from shipyard.cli.demo_delivery import run_delivery_demo
    from shipyard.store import open_store

    before = max((r.id for r in open_store().list_runs(limit=1)), default=0)
    demo = run_delivery_demo(
        Path("examples/fabrikam").resolve(),
        tmp_path,
        say=Console(record=True, width=200),
        platform=platform,
    )
    assert demo.ok, demo.as_json()
    staged = registry.manifest_digest("staging/delivery", "v1.0.2")
    assert staged and registry.manifest_digest("prod/delivery", "v1.0.2") == staged
    store = open_store()
    runs = [store.get_run(r.id) for r in store.list_runs(limit=50) if r.id > before]
    jobs = [j for r in runs if r is not None for s in r.stages for j in s.jobs if j.worker]
    assert runs and jobs
    return [j.worker for j in jobs]
