"""Shipyard's policies on task inputs: no `latest`, helm package arguments, AzureCLI scripts."""

from __future__ import annotations

from shipyard.config.tasks import NO_LATEST
from shipyard.config.tasks.policies import image_tag
from shipyard.domain.diagnostics import Diagnostic

from .helpers import Check, at, only

# --- latest ---------------------------------------------------------------------------------


def test_no_latest_message_names_the_branch_version() -> None:
    assert NO_LATEST == (
        "Shipyard never pushes `latest`; tag with the version from the branch, "
        "e.g. $(Build.SourceBranchName)"
    )


def test_include_latest_tag_is_a_warning_at_its_key(check: Check) -> None:
    # real pipelines set it (the microservices reference's package pipeline does): the
    # file stays valid, and Shipyard says what it does instead
    d = only(check("task: Docker@1\ninputs:\n  imageName: web\n  includeLatestTag: true\n"))
    assert (d.code, d.severity) == ("latest-tag", "warning")
    assert "never `latest`" in d.message and "every other tag" in d.message
    assert d.loc == at(4, 3)  # a plain boolean has no location of its own: its key's


def test_include_latest_tag_written_as_a_string_is_found_at_the_value(check: Check) -> None:
    d = only(check("task: Docker@1\ninputs:\n  imageName: web\n  includeLatestTag: 'True'\n"))
    assert d.loc == at(4, 21)


def test_literal_latest_tag_in_image_name_is_refused(check: Check) -> None:
    text = "task: Docker@1\ninputs:\n  command: push\n  imageName: reg:5000/shop/web:latest\n"
    d = only(check(text))
    assert d.code == "latest-tag"
    assert d.message == f"image 'reg:5000/shop/web:latest' is tagged `latest`: {NO_LATEST}"
    assert d.loc == at(4, 14)


def test_image_tags_are_read_after_the_registry_port() -> None:
    assert image_tag("reg:5000/shop/web") is None
    assert image_tag("reg:5000/shop/web:v1.0.2") == "v1.0.2"
    assert image_tag("web@sha256:abc") is None
    assert image_tag("web:$(Build.SourceBranchName)") == "$(Build.SourceBranchName)"


def test_versioned_image_name_is_accepted(check: Check) -> None:
    text = "task: Docker@1\ninputs:\n  imageName: web:$(Build.SourceBranchName)\n"
    assert check(text) == []


def test_docker2_latest_among_tags_is_refused(check: Check) -> None:
    text = """\
        task: Docker@2
        inputs:
          repository: shop/web
          tags: |
            $(Build.SourceBranchName)
            latest
        """
    d = only(check(text))
    assert d.code == "latest-tag"
    assert d.message == f"the tag `latest` is refused: {NO_LATEST}"
    assert d.loc == at(4, 9)


def test_docker2_comma_separated_tags_are_checked_too(check: Check) -> None:
    d = only(check("task: Docker@2\ninputs:\n  repository: web\n  tags: v1,latest\n"))
    assert d.code == "latest-tag"


def test_docker2_build_and_push_needs_a_repository(check: Check) -> None:
    d = only(check("task: Docker@2\ninputs:\n  tags: v1\n"))
    assert d.message == "Docker@2 needs input 'repository' when command is 'buildAndPush'"


# --- helm package ---------------------------------------------------------------------------


def test_helm_package_needs_a_chart_path(check: Check) -> None:
    d = only(check("task: HelmDeploy@0\ninputs:\n  command: package\n"))
    assert d.code == "missing-input"
    assert d.message == "HelmDeploy@0 needs input 'chartPath' when command is 'package'"
    assert d.loc == at(2, 1)


def test_helm_package_accepts_app_version_and_dependency_update(check: Check) -> None:
    text = """\
        task: HelmDeploy@0
        inputs:
          command: package
          chartPath: charts/delivery
          arguments: --app-version=$(v) --dependency-update -u --app-version v2
        """
    assert check(text) == []


def test_helm_package_refuses_other_arguments(check: Check) -> None:
    text = """\
        task: HelmDeploy@0
        inputs:
          command: package
          chartPath: charts/delivery
          arguments: --sign --key me
        """
    d = only(check(text))
    assert d.code == "unsupported-argument"
    assert d.message == (
        "helm package arguments not supported: '--sign --key me' "
        "(supported: --app-version VERSION, --dependency-update)"
    )
    assert d.loc == at(5, 14)


PACKAGE = (
    "task: HelmDeploy@0\ninputs:\n  command: package\n  chartPath: c\n  arguments: {arguments}\n"
)


def test_helm_package_version_argument_points_to_the_input(check: Check) -> None:
    d = only(check(PACKAGE.format(arguments="--version 1")))
    assert d.message == (
        "helm package argument '--version' is not supported: "
        "set the chart version with the chartVersion input"
    )


def test_helm_package_app_version_needs_a_value(check: Check) -> None:
    d = only(check(PACKAGE.format(arguments="--app-version")))
    assert d.message == "helm package argument '--app-version' needs a value"


def test_helm_upgrade_arguments_are_not_restricted(check: Check) -> None:
    text = """\
        task: HelmDeploy@0
        inputs:
          command: upgrade
          chartType: FilePath
          chartPath: charts/delivery
          arguments: --atomic --timeout 5m
        """
    assert check(text) == []


# --- AzureCLI -------------------------------------------------------------------------------

AZ_STEP = """\
task: AzureCLI@1
inputs:
  azureSubscription: shop
  scriptLocation: inlineScript
  inlineScript: |
{script}
"""


def az(check: Check, *script_lines: str) -> list[Diagnostic]:
    return check(AZ_STEP.format(script="\n".join(f"    {line}" for line in script_lines)))


def test_az_acr_login_is_not_needed(check: Check) -> None:
    d = only(az(check, "az acr login --name shop", "az acr helm push c.tgz --name shop"))
    assert d.code == "unsupported-script"
    assert d.message == (
        "inline script line 1: `az acr login` is not needed: "
        "Shipyard logs in to registries through service connections"
    )
    assert d.snippet == "az acr login --name shop"
    assert d.loc == at(5, 17)


def test_az_aks_get_credentials_points_to_environments(check: Check) -> None:
    d = only(az(check, "# reach the cluster", "az aks get-credentials -g rg -n aks"))
    assert d.message == (
        "inline script line 2: `az aks get-credentials` is not supported: "
        "use a deployment job's environment to reach a cluster"
    )


def test_az_acr_build_points_to_docker2(check: Check) -> None:
    d = only(az(check, "az acr build -r shop -t web:v1 ."))
    assert d.message == (
        "inline script line 1: `az acr build` is not supported: "
        "use a Docker@2 step with command: buildAndPush"
    )


def test_other_az_commands_get_the_generic_message(check: Check) -> None:
    d = only(az(check, "az group list -o table"))
    assert d.message == (
        "inline script line 1: `az group list` is not supported: an AzureCLI step in Shipyard "
        "runs only `az acr helm push FILE --name REGISTRY [--force]`"
    )


def test_non_az_commands_are_refused(check: Check) -> None:
    d = only(az(check, "helm push c.tgz oci://reg"))
    assert d.message.startswith("inline script line 1: `helm` cannot run in an AzureCLI step")


def test_script_path_is_refused(check: Check) -> None:
    text = """\
        task: AzureCLI@2
        inputs:
          azureSubscription: shop
          scriptType: bash
          scriptLocation: scriptPath
          scriptPath: push.sh
        """
    d = only(check(text))
    assert d.code == "unsupported-script"
    assert d.message.startswith("AzureCLI steps run only with scriptLocation: inlineScript")
    assert d.loc == at(5, 19)


def test_azure_cli2_inline_bash_script_is_accepted(check: Check) -> None:
    text = """\
        task: AzureCLI@2
        inputs:
          connectedServiceNameARM: shop
          scriptType: bash
          scriptLocation: inlineScript
          inlineScript: |
            # push the chart
            az acr helm push \\
              $(Build.ArtifactStagingDirectory)/delivery-$(Build.SourceBranchName).tgz \\
              --name $(registry) --force
        """
    assert check(text) == []


def test_azure_cli2_batch_call_prefix_is_accepted(check: Check) -> None:
    text = """\
        task: AzureCLI@2
        inputs:
          azureSubscription: shop
          scriptType: batch
          scriptLocation: inlineScript
          inlineScript: call az acr helm push c.tgz -n shop
        """
    assert check(text) == []


def test_azure_cli2_needs_a_script_type(check: Check) -> None:
    text = """\
        task: AzureCLI@2
        inputs:
          azureSubscription: shop
          scriptLocation: inlineScript
          inlineScript: az acr helm push c.tgz -n shop
        """
    d = only(check(text))
    assert d.message == "AzureCLI@2 needs input 'scriptType'"
