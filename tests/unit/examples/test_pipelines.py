"""The example's pipelines: discovery, triggers that follow real dependencies, steps."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.unit.examples.support import (
    FABRIKAM,
    SERVICES,
    SHIPPING,
    USES_COMMON,
    load_yaml,
    path_included,
    pipeline,
    steps,
    variables,
)

FULL_CI = "and(succeeded(), eq(variables['fullCI'], 'true'))"
PR_OR_FULL_CI = (
    "and(succeeded(), or(eq(variables['Build.Reason'], 'PullRequest'), "
    "eq(variables['fullCI'], 'true')))"
)


def test_the_registry_lists_what_discovery_finds() -> None:
    registry = load_yaml(FABRIKAM / "shipyard.yml")["pipelines"]
    found = {
        p.parent.name: p.relative_to(FABRIKAM).as_posix()
        for p in FABRIKAM.rglob("azure-pipelines*.yml")
    }
    assert registry == found
    assert sorted(registry) == sorted(SERVICES)


@pytest.mark.parametrize("service", SERVICES)
def test_branch_filters_follow_the_release_flow(service: str) -> None:
    trigger = pipeline(service)["trigger"]
    assert trigger["batch"] is True
    assert trigger["branches"]["include"] == [
        f"release/{service}/v*",
        f"refs/release/{service}/v*",
        "master",
        "main",
        f"feature/{service}/*",
        f"topic/{service}/*",
    ]
    assert pipeline(service)["pr"]["branches"]["include"] == ["main"]


@pytest.mark.parametrize("service", SERVICES)
def test_path_filters_name_the_service_its_chart_and_what_it_imports(service: str) -> None:
    doc = pipeline(service)
    paths = doc["trigger"]["paths"]["include"]
    assert doc["pr"]["paths"]["include"] == paths
    assert f"/src/shipping/{service}/" in paths
    assert f"charts/{service}/" in paths
    shared = {p.strip("/").split("/")[2] for p in paths if p.startswith("/src/shipping/")}
    assert shared - {service} == _sibling_imports(service)


def _sibling_imports(service: str) -> set[str]:
    """The sibling folders under src/shipping whose packages the service's code imports."""
    packages = {
        child.name: folder.name
        for folder in SHIPPING.iterdir()
        if folder.is_dir()
        for child in folder.iterdir()
        if (child / "__init__.py").is_file()
    }
    used: set[str] = set()
    for source in (SHIPPING / service).glob("fabrikam_*/**/*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            used.update(packages[n.split(".")[0]] for n in names if n.split(".")[0] in packages)
    return used - {service}


def test_the_imports_match_the_intended_dependencies() -> None:
    for service in SERVICES:
        assert _sibling_imports(service) == ({"common"} if USES_COMMON[service] else set())


def _triggered(changed: list[str]) -> set[str]:
    return {
        service
        for service in SERVICES
        if any(path_included(f, pipeline(service)["trigger"]["paths"]["include"]) for f in changed)
    }


@pytest.mark.parametrize(
    ("changed", "expected"),
    [
        (["src/shipping/common/fabrikam_common/jsonhttp.py"], {"delivery", "package"}),
        (["docs/releasing.md"], set()),
        (["README.md", "docs/architecture.md"], set()),
        (["src/shipping/workflow/fabrikam_workflow/quote.py"], {"workflow"}),
        (["charts/package/values.yaml"], {"package"}),
        (["build/templates/service-ci-steps.yml"], {"workflow"}),
        (
            ["src/shipping/delivery/Dockerfile", "charts/workflow/Chart.yaml"],
            {"delivery", "workflow"},
        ),
    ],
)
def test_what_a_change_triggers(changed: list[str], expected: set[str]) -> None:
    for path in changed:
        assert (FABRIKAM / path).exists(), path
    assert _triggered(changed) == expected


@pytest.mark.parametrize("service", SERVICES)
def test_variables_the_steps_use(service: str) -> None:
    values = variables(pipeline(service))
    assert values["fullCI"] == (
        f"$[ startsWith(variables['build.sourceBranch'], 'refs/heads/release/{service}/v') ]"
    )
    assert values["imageName"] == f"staging/{service}:$(Build.SourceBranchName)"
    assert (FABRIKAM / values["dockerFileName"]).is_file()
    assert (FABRIKAM / values["chartPath"] / "Chart.yaml").is_file()
    assert (
        values["repositoryName"] == load_yaml(FABRIKAM / values["chartPath"] / "Chart.yaml")["name"]
    )
    assert {"AzureSubscription", "AzureContainerRegistry"} <= set(values)


def test_the_three_shapes_are_all_used() -> None:
    assert "stages" in pipeline("delivery")
    assert "steps" in pipeline("package") and "stages" not in pipeline("package")
    [include] = pipeline("workflow")["steps"]
    assert include["template"] == "/build/templates/service-ci-steps.yml"
    template = load_yaml(FABRIKAM / "build/templates/service-ci-steps.yml")
    assert [p["name"] for p in template["parameters"]] == [
        "service",
        "testResultsFormat",
        "testResultsFiles",
        "publishChart",
    ]
    assert any(isinstance(s, dict) and "${{ if" in next(iter(s)) for s in template["steps"])


@pytest.mark.parametrize("service", SERVICES)
def test_the_steps_follow_the_article(service: str) -> None:
    found = steps(pipeline(service))
    assert [s["task"] for s in found] == [
        "Docker@1",
        "Docker@1",
        "PublishTestResults@2",
        "Docker@1",
        "ShipyardScan@1",
        "Docker@1",
        "HelmDeploy@0",
        "AzureCLI@1",
    ]
    test_build, test_run, publish, build, scan, push, package, chart_push = found
    assert test_build["inputs"]["arguments"] == "--target testrunner"  # nothing is pulled
    assert test_run["inputs"]["command"] == "run"
    assert test_run["inputs"]["containerName"] == "testrunner"
    assert test_run["inputs"]["volumes"] == (
        "$(System.DefaultWorkingDirectory)/TestResults:/app/tests/TestResults"
    )
    assert publish["inputs"]["testResultsFormat"] in (
        "JUnit",
        "${{ parameters.testResultsFormat }}",
    )
    assert publish["condition"] == "succeededOrFailed()"
    assert build["inputs"]["includeLatestTag"] is False
    assert "APP_VERSION=$(Build.SourceBranchName)" in build["inputs"]["arguments"]
    assert build["condition"] == scan["condition"] == PR_OR_FULL_CI
    assert push["inputs"]["command"] == "Push an image"
    assert package["inputs"]["chartVersion"] == "$(Build.SourceBranchName)"
    assert package["inputs"]["arguments"] == "--app-version $(Build.SourceBranchName)"
    assert "az acr helm push" in chart_push["inputs"]["inlineScript"]
    assert push["condition"] == package["condition"] == chart_push["condition"] == FULL_CI


def test_only_package_pins_a_known_vulnerable_release() -> None:
    pins = (SHIPPING / "package" / "requirements.txt").read_text(encoding="utf-8")
    assert "urllib3==1.26.4" in pins
    assert "--hash=sha256:" in pins
    assert "GHSA-q2q7-5pp4-w6pg" in (FABRIKAM / "README.md").read_text(encoding="utf-8")
    for service in ("delivery", "workflow"):
        assert not (SHIPPING / service / "requirements.txt").exists()


def test_docs_hold_markdown_only() -> None:
    files = [p for p in (FABRIKAM / "docs").rglob("*") if p.is_file()]
    assert files
    assert {Path(p).suffix for p in files} == {".md"}
