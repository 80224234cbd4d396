"""AzureCLI@1 and AzureCLI@2: the article's ``az acr helm push``, performed by Shipyard.

There is no Azure CLI and no subscription here. The article uses an AzureCLI step for one
thing, pushing the packaged chart::

    az acr helm push $(System.ArtifactsDirectory)/$(repositoryName)-$(Build.SourceBranchName).tgz \
        --name $(AzureContainerRegistry);

so the inline script is read (never run by a shell) as a list of such pushes
(:func:`shipyard.config.tasks.parse_acr_helm_push`, after macro expansion) and each becomes
``helm push FILE oci://REGISTRY/helm`` with Shipyard's helm and configuration. ``--name``
is resolved through the service connections (``fabrikam`` is also tried as
``fabrikam.azurecr.io``), then the step's ``azureSubscription``; an unknown name means the
platform's registry. Anything else in the script fails the step, naming the line.
"""

from __future__ import annotations

from collections.abc import Mapping

from shipyard.config.tasks import parse_acr_helm_push
from shipyard.flow.builds import StepFailed
from shipyard.tasks.api import Shell, TaskContext, TaskOutcome
from shipyard.tasks.plugins import _charts
from shipyard.tasks.plugins._build import in_workspace, registry_for
from shipyard.tasks.registry import register


def _names(registry: str, subscription: str) -> list[str]:
    names = [registry]
    if registry and "." not in registry and ":" not in registry:
        names.append(f"{registry}.azurecr.io")
    return [*names, subscription]


class AzureCli:
    name = "AzureCLI"
    shell_inputs: frozenset[str] = frozenset()
    shell: Shell = "bash"

    def __init__(self, major: int) -> None:
        self.major = major

    def run(self, ctx: TaskContext, inputs: Mapping[str, str]) -> TaskOutcome:
        location = inputs.get("scriptLocation", "").strip()
        if location != "inlineScript":
            raise StepFailed(
                "AzureCLI steps run only with scriptLocation: inlineScript in Shipyard, "
                "whose script is a list of `az acr helm push FILE --name REGISTRY` commands"
            )
        batch = inputs.get("scriptType", "").strip() == "batch"
        pushes = parse_acr_helm_push(inputs.get("inlineScript", ""), batch=batch)
        base = inputs.get("workingDirectory", "").strip()
        folder = in_workspace(ctx, base, ctx.paths.sources)
        for push in pushes:
            ctx.log(
                f"az acr helm push {push.file} --name {push.registry}"
                + (" --force" if push.force else "")
            )
            archive = in_workspace(ctx, str(folder / push.file))
            endpoint = registry_for(
                ctx, *_names(push.registry, inputs.get("azureSubscription", ""))
            )
            _charts.publish(ctx, archive, endpoint, force=push.force)
        return TaskOutcome.ok()


register(AzureCli(1))
register(AzureCli(2))
