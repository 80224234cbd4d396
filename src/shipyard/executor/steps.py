"""One step: which plugin runs it, with which inputs, and how its result is decided.

The YAML shortcuts are tasks: ``script`` is CmdLine@2, ``bash`` is Bash@3, ``pwsh`` and
``powershell`` are PowerShell@2 (PowerShell Core on Linux), ``publish`` is
PublishPipelineArtifact@1 and ``download`` is DownloadPipelineArtifact@2. A task's inputs
are normalised by its declared schema, then macro-expanded: inputs the plugin declares as
shell text get event data as environment references, the rest get plain values. A task
that has no plugin fails here, at run time, naming the task.
"""

from __future__ import annotations

from shipyard.config.tasks import REGISTRY, normalize_inputs
from shipyard.executor.context import StepContext
from shipyard.executor.session import StepSession
from shipyard.flow.run.spec import StepDef
from shipyard.flow.run.status import Status
from shipyard.ports import SourceCheckout
from shipyard.tasks import TaskOutcome, find, known, load_errors, parse_ref


def task_of(step: StepDef) -> tuple[str, dict[str, str]]:
    """The task reference and raw inputs a step stands for."""
    wd = {"workingDirectory": step.working_directory} if step.working_directory else {}
    if step.kind == "script":
        return "CmdLine@2", {"script": step.body, **wd}
    if step.kind == "bash":
        return "Bash@3", {"targetType": "inline", "script": step.body, **wd}
    if step.kind in ("pwsh", "powershell"):
        return "PowerShell@2", {"targetType": "inline", "script": step.body, "pwsh": "true", **wd}
    if step.kind == "publish":
        return "PublishPipelineArtifact@1", {"targetPath": step.body, **step.inputs}
    if step.kind == "download":
        source = "current" if step.body in ("", "current") else "specific"
        return "DownloadPipelineArtifact@2", {"buildType": source, **step.inputs}
    return step.body, dict(step.inputs)


def perform(session: StepSession, checkout: SourceCheckout) -> TaskOutcome:
    step = session.ref.step
    if step.kind == "checkout":
        return _checkout(session, checkout)
    ref, raw = task_of(step)
    parsed = parse_ref(ref)
    plugin = find(*parsed) if parsed else None
    if parsed is None or plugin is None:
        for module, why in load_errors().items():
            session.line(f"##[warning]task plugin {module} could not be loaded: {why}")
        return TaskOutcome.failed(
            f"task {ref} cannot run: Shipyard has no plugin for it yet "
            f"(available: {', '.join(known())})"
        )
    spec = REGISTRY.get(*parsed)
    inputs = normalize_inputs(spec, raw) if spec is not None else dict(raw)
    scope = session.job.scope
    expanded: dict[str, str] = {}
    extra_env: dict[str, str] = {}
    for key, value in inputs.items():
        if key in plugin.shell_inputs:
            expanded[key], needed = scope.expand_script(value, plugin.shell)
            extra_env.update(needed)
        else:
            expanded[key] = scope.expand(value)
    for name, value in step.env.items():
        extra_env[name] = scope.expand(value)
    return plugin.run(StepContext(session, extra_env), expanded)


def _checkout(session: StepSession, checkout: SourceCheckout) -> TaskOutcome:
    spec = session.job.spec
    if session.ref.step.body != "self":
        return TaskOutcome.ok(f"checkout of '{session.ref.step.body}' skipped")
    session.line(f"Checking out {spec.ref} at {spec.sha[:12]} into {session.job.paths.sources}")
    for line in checkout.checkout(spec.repo, spec.sha, session.job.paths.sources):
        session.line(line)
    return TaskOutcome(Status.succeeded)
