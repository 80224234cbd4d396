"""The article's CI flow on the example monorepo, with the real tools and registry.

Validation builds on feature branches, pull request builds that also build and scan the
runtime image, the scan gate's policy (a vulnerable pin blocks, an ignore with a reason
lets it through until it expires, no advisory data fails closed), and the full CI of a
release branch, which publishes the image and the chart with their digests recorded and
no ``latest`` anywhere.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from shipyard.adapters.registry import OciRegistry
from shipyard.adapters.registry_client import OciRegistries
from shipyard.flow.connections import RegistryEndpoint
from shipyard.platform import Platform
from shipyard.platform.catalog import tool
from tests.e2e.conftest import Repo, RunJson, Shipyard, shown, steps

pytestmark = [pytest.mark.e2e, pytest.mark.platform, pytest.mark.integration]

Run = Callable[..., tuple[int, RunJson]]
ADVISORY = "GHSA-q2q7-5pp4-w6pg"


def _status(run: RunJson, name: str) -> str:
    return str(steps(run)[name]["status"])


def test_a_feature_push_runs_only_delivery_validation(
    shipyard: Shipyard, run_pipeline: Run, fabrikam: Repo
) -> None:
    plan = shipyard("plan", "--event", "push", "--ref", "feature/delivery/x", "-o", "json")
    decisions = {p["name"]: p["decision"] for p in json.loads(plan.stdout)["pipelines"]}
    assert decisions == {
        "delivery": "run",
        "package": "skip",
        "workflow": "skip",
        "scan-package": "skip",
    }
    code, run = run_pipeline("delivery", "--event", "push", "--ref", "feature/delivery/x")
    assert code == 0, run
    assert run["status"] == "succeeded"
    assert _status(run, "Build the test runner image") == "succeeded"
    assert _status(run, "Run the unit tests") == "succeeded"
    assert _status(run, "Publish the test results") == "succeeded"
    for name in ("Build the runtime image", "Scan the runtime image", "Push the runtime image"):
        assert _status(run, name) == "skipped"
    assert run["tests"] == {"passed": 14}
    logs = shipyard("logs", str(run["id"]), "--step", "Run the unit tests").stdout
    assert "podman run --rm --name testrunner-" in logs
    assert "/app/tests/TestResults" in logs and "14 passed" in logs
    assert shown(shipyard, run["id"])["build_record"]["images"] == []


def test_a_red_unit_test_fails_the_run_after_a_good_image_build(
    shipyard: Shipyard, run_pipeline: Run
) -> None:
    code, run = run_pipeline("delivery", "--event", "push", "--ref", "feature/delivery/red")
    assert code == 1
    assert run["status"] == "failed"
    assert _status(run, "Build the test runner image") == "succeeded"
    # The tests ran at container run time: the container's exit code 1 marks the run step
    # (continueOnError: true) and the publish step, with failTaskOnFailedTests, stores every
    # result and is the step that fails the run, as the reference flow wants.
    assert _status(run, "Run the unit tests") == "succeededWithIssues"
    assert "exited with code 1" in steps(run)["Run the unit tests"]["message"]
    assert _status(run, "Publish the test results") == "failed"
    assert run["tests"] == {"passed": 14, "failed": 1}
    tests = shipyard("tests", str(run["id"]))
    assert tests.returncode == 1
    assert "test_a_delivery_is_never_free" in tests.stdout
    assert "deliberately red: a delivery must cost something" in tests.stdout


def test_a_pull_request_also_builds_and_scans_the_runtime_image(
    shipyard: Shipyard, run_pipeline: Run, session_env: dict[str, str]
) -> None:
    code, run = run_pipeline(
        "delivery", "--event", "pr", "--ref", "feature/delivery/x", "--target", "main"
    )
    assert code == 0, run
    assert _status(run, "Build the runtime image") == "succeeded"
    assert _status(run, "Scan the runtime image") == "succeeded"
    for name in ("Push the runtime image", "Package the Helm chart", "Push the Helm chart"):
        assert _status(run, name) == "skipped"
    assert [a["name"] for a in run["artifacts"]] == ["scan-delivery"]
    folder = Path(session_env["SHIPYARD_ARTIFACTS_DIR"]) / run["artifacts"][0]["path"]
    files = {p.name for p in folder.iterdir()}
    assert {"sbom.cdx.json", "scan-result.json", "scan-result.sarif"} <= files
    result = json.loads((folder / "scan-result.json").read_text())
    assert result["status"] == "passed" and result["canaries"]
    (scan,) = shown(shipyard, run["id"])["build_record"]["scans"]
    assert scan["status"] == "passed" and scan["digest"].startswith("sha256:")


def test_the_package_pull_request_fails_the_gate_on_its_vulnerable_pin(
    shipyard: Shipyard, run_pipeline: Run
) -> None:
    code, run = run_pipeline(
        "package", "--event", "pr", "--ref", "feature/package/x", "--target", "main"
    )
    assert code == 1
    assert _status(run, "Run the unit tests") == "succeeded"
    assert _status(run, "Build the runtime image") == "succeeded"
    scan = steps(run)["Scan the runtime image"]
    assert scan["status"] == "failed"
    assert f"{ADVISORY} in urllib3 1.26.4 (HIGH)" in scan["message"]
    assert _status(run, "Push the runtime image") == "skipped"
    record = shown(shipyard, run["id"])["build_record"]["scans"][0]
    assert record["status"] == "failed" and record["blocking"] == [ADVISORY]


def _policy(tmp_path: Path, expires: dt.date) -> dict[str, str]:
    text = (
        Path(__file__).resolve().parents[2] / "examples" / "advisories" / "shipyard-scan.toml"
    ).read_text()
    text += (
        f'\n[[scan.services.package.ignore]]\nid = "{ADVISORY}"\n'
        'reason = "urllib3 is vendored for a client the service never calls"\n'
        f'author = "e2e"\nexpires = {expires.isoformat()}\n'
    )
    path = tmp_path / f"policy-{expires.isoformat()}.toml"
    path.write_text(text)
    return {"SHIPYARD_SCAN_CONFIG": str(path)}


def test_an_ignore_with_a_reason_lets_it_pass_until_it_expires(
    shipyard: Shipyard, run_pipeline: Run, tmp_path: Path
) -> None:
    today = dt.datetime.now(dt.UTC).date()
    manual = ("--event", "manual", "--ref", "main")
    code, run = run_pipeline("scan-package", *manual, env=_policy(tmp_path, today))
    assert code == 0, steps(run)["Scan the package runtime image"]["message"]
    logs = shipyard("logs", str(run["id"]), "--step", "Scan the package runtime image").stdout
    assert f"ignored {ADVISORY} urllib3" in logs
    assert "urllib3 is vendored for a client the service never calls" in logs

    expired = today - dt.timedelta(days=1)
    code, run = run_pipeline("scan-package", *manual, env=_policy(tmp_path, expired))
    assert code == 1
    scan = steps(run)["Scan the package runtime image"]
    assert scan["status"] == "failed" and ADVISORY in scan["message"]
    logs = shipyard("logs", str(run["id"]), "--step", "Scan the package runtime image").stdout
    assert f"expired on {expired.isoformat()}" in logs


def test_without_advisory_data_the_gate_fails_closed(run_pipeline: Run, tmp_path: Path) -> None:
    empty = tmp_path / "no-advisories"
    empty.mkdir()
    code, run = run_pipeline(
        "scan-package", "--event", "manual", "--ref", "main",
        env={"SHIPYARD_ADVISORIES_DIR": str(empty)},
    )  # fmt: skip
    assert code == 1
    scan = steps(run)["Scan the package runtime image"]
    assert scan["status"] == "failed"
    assert "[advisories-missing]" in scan["message"]


def _helm_show(platform: Platform, registry: OciRegistry) -> dict[str, Any]:
    import yaml

    helm = tool("helm")
    binary = platform.paths.tool_dir(helm.name, helm.version) / "helm"
    done = subprocess.run(
        [str(binary), "show", "chart", f"oci://{registry.address}/helm/delivery",
         "--version", "v1.0.2", "--plain-http"],
        capture_output=True, text=True, env=platform.tool_env() | {"HOME": str(Path.home())},
        check=True,
    )  # fmt: skip
    data: dict[str, Any] = yaml.safe_load(done.stdout)
    return data


def _image_env(platform: Platform, reference: str) -> list[str]:
    """The Env of an image's config, read back from the registry with skopeo."""
    done = subprocess.run(
        ["skopeo", "inspect", "--config", "--tls-verify=false", f"docker://{reference}"],
        capture_output=True, text=True, env=platform.tool_env() | {"HOME": str(Path.home())},
        check=True,
    )  # fmt: skip
    env: list[str] = json.loads(done.stdout)["config"]["Env"]
    return env


def test_a_release_branch_publishes_the_versioned_image_and_chart(
    shipyard: Shipyard, run_pipeline: Run, registry: OciRegistry, platform: Platform
) -> None:
    for repo in ("staging/delivery", "helm/delivery"):  # what an earlier run left
        digest = registry.manifest_digest(repo, "v1.0.2")
        if digest:
            registry.delete(repo, digest)
    code, run = run_pipeline("delivery", "--event", "branch", "--ref", "release/delivery/v1.0.2")
    assert code == 0, [(s["display_name"], s["message"]) for s in steps(run).values()]
    assert all(s["status"] == "succeeded" for s in steps(run).values())
    record = shown(shipyard, run["id"])["build_record"]
    (image,) = record["images"]
    assert image["reference"] == f"{registry.address}/staging/delivery:v1.0.2"
    assert image["digest"] == registry.manifest_digest("staging/delivery", "v1.0.2")
    assert image["commit"] == record["commit"]
    # The version from the branch reached the image, even with cached layers from other builds.
    assert "APP_VERSION=v1.0.2" in _image_env(platform, image["reference"])
    (chart,) = record["charts"]
    assert chart["reference"] == f"oci://{registry.address}/helm/delivery:v1.0.2"
    assert chart["digest"] == registry.manifest_digest("helm/delivery", "v1.0.2")
    assert (chart["version"], chart["app_version"]) == ("v1.0.2", "v1.0.2")
    meta = _helm_show(platform, registry)
    assert (meta["version"], meta["appVersion"]) == ("v1.0.2", "v1.0.2")
    (scan,) = record["scans"]
    assert scan["status"] == "passed" and scan["digest"] == image["image_id"]
    assert record["tests"] == {"passed": 14}
    text = shipyard("runs", "show", str(run["id"])).stdout
    assert "build record: commit" in text and "appVersion v1.0.2" in text
    # the catalog is for identities only (the token service grants anonymous clients pull)
    endpoint = RegistryEndpoint(registry.address, False, registry.username, registry.password)
    assert OciRegistries().repositories(endpoint), "the catalog is readable"
    assert OciRegistries().latest_tags(endpoint) == []
