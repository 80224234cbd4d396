"""HelmInstaller@0/@1 and HelmDeploy@0 (``package`` and ``save``) with the helm Shipyard pins.

**HelmInstaller** downloads nothing: Shipyard builds and pins its helm (``shipyard platform
up``). The step checks that helm is there, says which version runs and how that compares
with the one asked for (the article's pipelines ask for Helm 2, which reached its end of
life in 2020), and gives later steps of the job helm on ``PATH`` and Shipyard's private
helm folders (``HELM_CONFIG_HOME`` ...), through the ordinary logging commands.

**HelmDeploy@0** ``command: package`` is ``helm package`` of ``chartPath`` into
``destination`` (``$(Build.ArtifactStagingDirectory)`` by default, which is also
``System.ArtifactsDirectory``, as on Azure), with ``chartVersion`` and the two arguments
Shipyard passes on: ``--app-version VERSION`` and ``--dependency-update``. ``command: save``
packages ``chartPathForACR`` and pushes it to the registry of ``azureContainerRegistry``.

Other HelmDeploy commands (install, upgrade, ...) deploy; a deployment module adds them with
:func:`add_command` rather than registering a second HelmDeploy@0 plugin.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping

from shipyard.flow.builds import StepFailed
from shipyard.tasks.api import Shell, TaskContext, TaskOutcome
from shipyard.tasks.plugins import _charts
from shipyard.tasks.plugins._build import in_workspace, registry_for, toolbox, workdir
from shipyard.tasks.registry import register

Handler = Callable[[TaskContext, Mapping[str, str]], TaskOutcome]
_COMMANDS: dict[str, Handler] = {}


def add_command(name: str, handler: Handler) -> None:
    """Give HelmDeploy@0 another command (a deployment module adds install/upgrade)."""
    if name in _COMMANDS and _COMMANDS[name] is not handler:
        raise ValueError(f"HelmDeploy@0 command '{name}' is already handled")
    _COMMANDS[name] = handler


def _flag(inputs: Mapping[str, str], name: str) -> bool:
    return inputs.get(name, "").strip().lower() == "true"


def _emit(ctx: TaskContext, commands: list[str]) -> None:
    """Logging commands for later steps, printed by a process so the executor reads them."""
    printf = ctx.which("printf") or "printf"
    result = ctx.run([printf, "%s\\n", *commands])
    if result.exit_code != 0:
        ctx.warning("could not hand helm's location to later steps")


class HelmInstaller:
    shell_inputs: frozenset[str] = frozenset()
    shell: Shell = "bash"

    def __init__(self, major: int) -> None:
        self.name = "HelmInstaller"
        self.major = major

    def run(self, ctx: TaskContext, inputs: Mapping[str, str]) -> TaskOutcome:
        helm = toolbox(ctx).helm()
        version = helm.version()
        ctx.log(f"Helm {version} at {helm.tool_dir()} (pinned and built by Shipyard)")
        asked = (inputs.get("helmVersion") or inputs.get("helmVersionToInstall") or "").strip()
        asked_major = asked.lstrip("v").split(".", 1)[0]
        if asked and asked != "latest" and asked_major != version.lstrip("v").split(".", 1)[0]:
            ctx.warning(
                f"helm {asked} was asked for; this step uses Shipyard's helm {version} "
                "(Shipyard installs no other version at run time)"
            )
        if _flag(inputs, "installKubeCtl"):
            ctx.log("kubectl: deployment jobs get the kubectl that matches their cluster")
        commands = [f"##vso[task.prependpath]{helm.tool_dir()}"]
        commands += [
            f"##vso[task.setvariable variable={k}]{v}" for k, v in helm.environment().items()
        ]
        _emit(ctx, commands)
        return TaskOutcome.ok()


def _package_arguments(text: str) -> tuple[str, bool]:
    """``--app-version V`` and ``--dependency-update`` (the arguments Shipyard passes on)."""
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise StepFailed(f"cannot split the helm package arguments: {exc}") from None
    app_version, update, i = "", False, 0
    while i < len(words):
        flag, eq, inline = words[i].partition("=")
        if flag == "--app-version":
            if eq:
                app_version = inline
            elif i + 1 < len(words):
                i += 1
                app_version = words[i]
            else:
                raise StepFailed("helm package argument --app-version needs a value")
        elif words[i] in ("--dependency-update", "-u"):
            update = True
        else:
            raise StepFailed(
                f"helm package argument '{words[i]}' is not supported "
                "(supported: --app-version VERSION, --dependency-update)"
            )
        i += 1
    return app_version, update


def _package(ctx: TaskContext, inputs: Mapping[str, str]) -> TaskOutcome:
    app_version, update = _package_arguments(inputs.get("arguments", ""))
    chart = in_workspace(ctx, inputs.get("chartPath", ""))
    dest = in_workspace(ctx, inputs.get("destination", ""), ctx.paths.staging)
    _charts.package(
        ctx,
        chart,
        dest,
        version=inputs.get("chartVersion", "").strip(),
        app_version=app_version,
        dependency_update=update or _flag(inputs, "updatedependency"),
    )
    return TaskOutcome.ok()


def _save(ctx: TaskContext, inputs: Mapping[str, str]) -> TaskOutcome:
    chart = in_workspace(ctx, inputs.get("chartPathForACR", ""))
    wanted = inputs.get("chartNameForACR", "").strip()
    archive, info = _charts.package(
        ctx, chart, workdir(ctx, "save"), version=inputs.get("chartVersion", "").strip()
    )
    if wanted and wanted != info.name:
        raise StepFailed(
            f"chartNameForACR is '{wanted}' but the chart at {chart} is named '{info.name}'",
            hint="a chart is stored under the name in its Chart.yaml",
        )
    endpoint = registry_for(
        ctx, inputs.get("azureContainerRegistry", ""), inputs.get("azureSubscriptionForACR", "")
    )
    _charts.publish(ctx, archive, endpoint, force=True)
    return TaskOutcome.ok()


add_command("package", _package)
add_command("save", _save)


class HelmDeploy:
    name = "HelmDeploy"
    major = 0
    shell_inputs: frozenset[str] = frozenset()
    shell: Shell = "bash"

    def run(self, ctx: TaskContext, inputs: Mapping[str, str]) -> TaskOutcome:
        command = inputs.get("command", "ls").strip()
        handler = _COMMANDS.get(command)
        if handler is None:
            return TaskOutcome.failed(
                f"HelmDeploy@0 command '{command}' is not supported here "
                f"(supported: {', '.join(sorted(_COMMANDS))})"
            )
        return handler(ctx, inputs)


register(HelmInstaller(0))
register(HelmInstaller(1))
register(HelmDeploy())
