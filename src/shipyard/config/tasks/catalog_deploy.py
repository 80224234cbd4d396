"""Deployment tasks: HelmInstaller@0/@1, HelmDeploy@0, AzureCLI@1/@2.

From Azure's task definitions (``Tasks/HelmDeployV0``, ``Tasks/AzureCLIV1``, ``Tasks/AzureCLIV2``,
``Tasks/HelmInstallerV0``, ``Tasks/HelmInstallerV1``) and the "Required when" lines of their
reference pages, which already fold each input's group rule into its own.

Where Shipyard deliberately differs:
- HelmDeploy@0's cluster inputs (``azureSubscription``, ``azureResourceGroup``,
  ``kubernetesCluster``, ``kubernetesServiceConnection``) are accepted but never required:
  Shipyard reaches a cluster through the deployment job's environment, not through the step.
- ``helm package`` accepts only the arguments Shipyard passes on (see ``policies``).
- AzureCLI runs only inline ``az acr helm push`` scripts (see ``azcli``).
"""

from __future__ import annotations

from shipyard.config.tasks import azcli, policies
from shipyard.config.tasks.model import (
    TaskSpec,
    connection,
    flag,
    lines,
    path,
    pick,
    text,
)

_CLUSTER_COMMANDS = "command != logout && command != package && command != save"
_TILLER_COMMANDS = f"command != login && {_CLUSTER_COMMANDS}"
_SAVE = "command == save"

HELM_INSTALLER_0 = TaskSpec(
    "HelmInstaller",
    0,
    "Install Helm and kubectl",
    (
        text("helmVersion", default="2.14.1", required=True),
        flag("checkLatestHelmVersion", default=True),
        flag("installKubeCtl", default=True),
        text("kubectlVersion", default="1.8.9"),
        flag("checkLatestKubeCtl", default=True),
    ),
)

HELM_INSTALLER_1 = TaskSpec(
    "HelmInstaller",
    1,
    "Install Helm",
    (text("helmVersionToInstall", default="latest"),),
)

HELM_DEPLOY_0 = TaskSpec(
    "HelmDeploy",
    0,
    "Package and deploy Helm charts",
    (
        pick(
            "connectionType",
            ["Azure Resource Manager", "Kubernetes Service Connection", "None"],
            default="Azure Resource Manager",
            required=_CLUSTER_COMMANDS,
        ),
        connection("azureSubscription", "azureSubscriptionEndpoint"),
        text("azureResourceGroup"),
        text("kubernetesCluster"),
        flag("useClusterAdmin"),
        connection("kubernetesServiceConnection", "kubernetesServiceEndpoint"),
        text("namespace"),
        connection("azureSubscriptionForACR", "azureSubscriptionEndpointForACR", required=_SAVE),
        text("azureResourceGroupForACR", required=_SAVE),
        text("azureContainerRegistry", required=_SAVE),
        pick(
            "command",
            [
                "create",
                "delete",
                "expose",
                "get",
                "init",
                "install",
                "login",
                "logout",
                "ls",
                "package",
                "rollback",
                "save",
                "upgrade",
                "uninstall",
            ],
            default="ls",
            required=True,
        ),
        pick(
            "chartType",
            ["Name", ("FilePath", "File Path")],
            default="Name",
            required="command == install || command == upgrade",
        ),
        text(
            "chartName",
            required=(
                "command == install && chartType == Name || command == upgrade && chartType == Name"
            ),
        ),
        path(
            "chartPath",
            required=(
                "command == package || command == install && chartType == FilePath"
                " || command == upgrade && chartType == FilePath"
            ),
        ),
        text("chartVersion", "version"),
        text("releaseName"),
        lines("overrideValues"),
        path("valueFile"),
        text("destination", default="$(Build.ArtifactStagingDirectory)"),
        flag("canaryimage"),
        flag("upgradetiller", default=True),
        flag("updatedependency"),
        flag("save", default=True),
        flag("install", default=True),
        flag("recreate"),
        flag("resetValues"),
        flag("force"),
        flag("waitForExecution", default=True),
        lines("arguments"),
        text("chartNameForACR", required=_SAVE),
        path("chartPathForACR", required=_SAVE),
        flag("enableTls"),
        text("caCert", required=f"enableTls == true && {_TILLER_COMMANDS}"),
        text("certificate", required=f"enableTls == true && {_TILLER_COMMANDS}"),
        text("privatekey", required=f"enableTls == true && {_TILLER_COMMANDS}"),
        text("tillernamespace"),
        flag("failOnStderr"),
        flag("publishPipelineMetadata", default=True),
    ),
    rules=(policies.helm_package_arguments,),
)

_SCRIPT_LOCATIONS = [("inlineScript", "Inline script"), ("scriptPath", "Script path")]

AZURE_CLI_1 = TaskSpec(
    "AzureCLI",
    1,
    "Run Azure CLI commands (Shipyard: az acr helm push)",
    (
        connection("azureSubscription", "connectedServiceNameARM", required=True),
        pick("scriptLocation", _SCRIPT_LOCATIONS, default="scriptPath", required=True),
        path("scriptPath", required="scriptLocation = scriptPath"),
        lines("inlineScript", required="scriptLocation = inlineScript"),
        text("arguments", "args"),
        flag("addSpnToEnvironment"),
        flag("useGlobalConfig"),
        path("workingDirectory", "cwd"),
        flag("failOnStandardError"),
    ),
    rules=(azcli.azure_cli_script,),
)

AZURE_CLI_2 = TaskSpec(
    "AzureCLI",
    2,
    "Run Azure CLI commands (Shipyard: az acr helm push)",
    (
        connection("azureSubscription", "connectedServiceNameARM", required=True),
        pick(
            "scriptType",
            [("ps", "PowerShell"), ("pscore", "PowerShell Core"), "batch", ("bash", "Shell")],
            required=True,
        ),
        pick("scriptLocation", _SCRIPT_LOCATIONS, default="scriptPath", required=True),
        path("scriptPath", required="scriptLocation = scriptPath"),
        lines("inlineScript", required="scriptLocation = inlineScript"),
        text("arguments", "scriptArguments"),
        pick(
            "powerShellErrorActionPreference",
            ["stop", "continue", "silentlyContinue"],
            default="stop",
        ),
        flag("addSpnToEnvironment"),
        flag("useGlobalConfig"),
        path("workingDirectory", "cwd"),
        flag("failOnStandardError"),
        flag("powerShellIgnoreLASTEXITCODE"),
        flag("visibleAzLogin", default=True),
    ),
    rules=(azcli.azure_cli_script,),
)

SPECS = (HELM_INSTALLER_0, HELM_INSTALLER_1, HELM_DEPLOY_0, AZURE_CLI_1, AZURE_CLI_2)
