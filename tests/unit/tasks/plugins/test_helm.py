"""HelmInstaller, HelmDeploy package/save and AzureCLI's az acr helm push, with fake tools."""

from __future__ import annotations

from pathlib import Path

import pytest

from shipyard.config.tasks import UnsupportedScript
from shipyard.flow.builds import StepFailed
from shipyard.tasks import find
from shipyard.tasks.api import TaskPlugin
from tests.unit.tasks.plugins.fakes import CHART_DIGEST, BuildContext, service_tree

PACKAGE = {
    "command": "package",
    "chartPath": "charts/delivery",
    "chartVersion": "v1.0.2",
    "arguments": "--app-version v1.0.2",
}


def plugin(name: str, major: int) -> TaskPlugin:
    found = find(name, major)
    assert found is not None
    return found


@pytest.fixture
def ctx(tmp_path: Path) -> BuildContext:
    context = BuildContext(tmp_path)
    service_tree(context)
    return context


def test_package_writes_the_versioned_chart_to_the_staging_folder(ctx: BuildContext) -> None:
    inputs = {**PACKAGE, "destination": str(ctx.paths.staging)}
    outcome = plugin("HelmDeploy", 0).run(ctx, inputs)
    assert str(outcome.status) == "succeeded", outcome.message
    (call,) = ctx.toolbox.helm_tool.packaged
    assert call["chart"] == ctx.paths.sources / "charts/delivery"
    assert call["dest"] == ctx.paths.staging
    assert (call["version"], call["app_version"]) == ("v1.0.2", "v1.0.2")
    assert (ctx.paths.staging / "delivery-v1.0.2.tgz").is_file()
    assert any("Packaged chart delivery v1.0.2 (appVersion v1.0.2)" in x for x in ctx.lines)


def test_package_defaults_to_the_staging_folder_and_passes_dependency_update(
    ctx: BuildContext,
) -> None:
    plugin("HelmDeploy", 0).run(ctx, {**PACKAGE, "arguments": "--dependency-update"})
    (call,) = ctx.toolbox.helm_tool.packaged
    assert call["dest"] == ctx.paths.staging and call["dependency_update"]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"arguments": "--sign --key k"}, "not supported"),
        ({"arguments": "--app-version"}, "needs a value"),
        ({"chartVersion": "release-7"}, "not a semantic version"),
        ({"chartPath": "charts/nothing"}, "no chart folder"),
    ],
)
def test_package_refuses_what_it_cannot_do(
    ctx: BuildContext, change: dict[str, str], words: str
) -> None:
    with pytest.raises(StepFailed, match=words):
        plugin("HelmDeploy", 0).run(ctx, {**PACKAGE, **change})


def test_deploy_commands_are_not_handled_here(ctx: BuildContext) -> None:
    outcome = plugin("HelmDeploy", 0).run(ctx, {"command": "upgrade"})
    assert str(outcome.status) == "failed" and "'upgrade' is not supported" in outcome.message


def test_save_packages_and_pushes_to_the_registry(ctx: BuildContext) -> None:
    inputs = {
        "command": "save",
        "chartPathForACR": "charts/delivery",
        "chartNameForACR": "delivery",
        "chartVersion": "v1.0.2",
        "azureContainerRegistry": "fabrikam.azurecr.io",
    }
    _after_push_exists(ctx)
    outcome = plugin("HelmDeploy", 0).run(ctx, inputs)
    assert str(outcome.status) == "succeeded", outcome.message
    (record,) = ctx.recorder.records
    assert record.reference == "oci://127.0.0.1:5000/helm/delivery:v1.0.2"
    assert record.digest == CHART_DIGEST
    with pytest.raises(StepFailed, match="chartNameForACR is 'other'"):
        plugin("HelmDeploy", 0).run(ctx, {**inputs, "chartNameForACR": "other"})


def _packaged(ctx: BuildContext) -> Path:
    plugin("HelmDeploy", 0).run(ctx, PACKAGE)
    return ctx.paths.staging / "delivery-v1.0.2.tgz"


def _after_push_exists(ctx: BuildContext) -> None:
    real = ctx.toolbox.helm_tool.push

    def push(*args, **kwargs):  # type: ignore[no-untyped-def]
        real(*args, **kwargs)
        ctx.toolbox.registry_tool.digests[("helm/delivery", "v1.0.2")] = CHART_DIGEST

    ctx.toolbox.helm_tool.push = push  # type: ignore[method-assign]


def test_az_acr_helm_push_pushes_the_chart_and_records_it(ctx: BuildContext) -> None:
    archive = _packaged(ctx)
    _after_push_exists(ctx)
    inputs = {
        "azureSubscription": "fabrikam-dev",
        "scriptLocation": "inlineScript",
        "inlineScript": f"az acr helm push {archive} --name fabrikam.azurecr.io;\n",
    }
    outcome = plugin("AzureCLI", 1).run(ctx, inputs)
    assert str(outcome.status) == "succeeded", outcome.message
    ((pushed, endpoint, namespace),) = ctx.toolbox.helm_tool.pushed
    assert (pushed, endpoint.address, namespace) == (archive, "127.0.0.1:5000", "helm")
    (record,) = ctx.recorder.records
    assert (record.kind, record.name, record.digest) == ("chart", "delivery", CHART_DIGEST)
    assert record.data["version"] == "v1.0.2" and record.data["app_version"] == "v1.0.2"


def test_an_existing_chart_version_is_replaced_only_with_force(ctx: BuildContext) -> None:
    archive = _packaged(ctx)
    ctx.toolbox.registry_tool.digests[("helm/delivery", "v1.0.2")] = CHART_DIGEST
    script = f"az acr helm push {archive} --name fabrikam"
    inputs = {"azureSubscription": "x", "scriptLocation": "inlineScript", "inlineScript": script}
    with pytest.raises(StepFailed, match=r"already in 127\.0\.0\.1:5000/helm/delivery"):
        plugin("AzureCLI", 2).run(ctx, inputs)
    outcome = plugin("AzureCLI", 2).run(ctx, {**inputs, "inlineScript": script + " --force"})
    assert str(outcome.status) == "succeeded"


def test_other_azure_cli_scripts_fail_naming_the_line(ctx: BuildContext) -> None:
    inputs = {
        "azureSubscription": "x",
        "scriptLocation": "inlineScript",
        "inlineScript": "az acr login --name fabrikam\n",
    }
    with pytest.raises(UnsupportedScript, match="line 1"):
        plugin("AzureCLI", 1).run(ctx, inputs)
    with pytest.raises(StepFailed, match="inlineScript"):
        plugin("AzureCLI", 1).run(ctx, {**inputs, "scriptLocation": "scriptPath"})


def test_a_missing_chart_archive_fails(ctx: BuildContext) -> None:
    inputs = {
        "azureSubscription": "x",
        "scriptLocation": "inlineScript",
        "inlineScript": "az acr helm push nowhere.tgz --name fabrikam",
    }
    with pytest.raises(StepFailed, match="no chart archive"):
        plugin("AzureCLI", 1).run(ctx, inputs)


def test_helm_installer_checks_the_managed_helm_and_hands_it_to_later_steps(
    ctx: BuildContext,
) -> None:
    ctx.tools["printf"] = "/usr/bin/printf"
    outcome = plugin("HelmInstaller", 0).run(ctx, {"helmVersion": "2.14.1"})
    assert str(outcome.status) == "succeeded"
    assert any("Helm v4.3.1 at /opt/helm" in x for x in ctx.lines)
    assert any("helm 2.14.1 was asked for" in m for _, m in ctx.issues)
    argv = ctx.ran[-1]["argv"]
    assert "##vso[task.prependpath]/opt/helm" in argv
    assert "##vso[task.setvariable variable=HELM_CONFIG_HOME]/state/helm" in argv
    ctx.issues.clear()
    plugin("HelmInstaller", 1).run(ctx, {"helmVersionToInstall": "latest"})
    assert ctx.issues == []
