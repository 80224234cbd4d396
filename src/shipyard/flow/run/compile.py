"""From a run request to a :class:`~shipyard.flow.run.spec.RunSpec`.

The pipeline is loaded again *at the commit being built*, with the run's own predefined
variables (``Build.BuildId`` is the run's id, so templates that use it see the real
number), and its build number is drawn from the store's counters (``$(Rev:r)`` counts
runs with the same text before it). Compilation changes nothing else: conditions and
``$[ ]`` values stay as written for the engine to evaluate when their moment comes.

Every job that is not a deployment gets Azure's implicit ``checkout: self`` as its first
step unless it has a checkout step of its own; ``checkout: none`` removes it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

from shipyard.config import expressions as ex
from shipyard.config.environments import check_environments
from shipyard.config.loader import load_pipeline
from shipyard.domain.diagnostics import Diagnostics, InvalidInput
from shipyard.domain.pipeline import Job, Pipeline, Step, Variable
from shipyard.flow.planner import source_at
from shipyard.flow.predefined import RunFacts, build_number, predefined_variables
from shipyard.flow.run.spec import JobDef, RunRequest, RunSpec, StageDef, StepDef, VarDef
from shipyard.flow.run.variables import is_event_variable
from shipyard.ports import Git

Counter = Callable[[str, int], int]
CHECKOUT_STEP = "__checkout"


class Compiler(Protocol):
    def compile(
        self, request: RunRequest, run_id: int, counter: Counter, now: float
    ) -> RunSpec: ...


class GitCompiler:
    """Compiles from the repository named in the request, through the Git port."""

    def __init__(
        self,
        git_for: Callable[[str], Git],
        environments: tuple[str, ...] = (),
        warnings_as_errors: frozenset[str] = frozenset(),
    ) -> None:
        self._git_for = git_for
        self._environments = environments
        self._strict = warnings_as_errors

    def compile(self, request: RunRequest, run_id: int, counter: Counter, now: float) -> RunSpec:
        git = self._git_for(request.repo)
        predefined = predefined_variables(facts_of(request, run_id))
        predefined["Build.SourceVersionMessage"] = source_version_message(
            git.commit_message(request.sha)
        )
        diags = Diagnostics()
        pipeline = load_pipeline(
            source_at(git, request.sha),
            request.file,
            diags,
            predefined=predefined,
            parameters=request.parameters or None,
        )
        if pipeline is not None:
            check_environments(pipeline, self._environments, diags)
        diags.strict(self._strict)
        if pipeline is None or diags:
            raise InvalidInput(
                diags, f"{request.file} is not a valid pipeline at {request.sha[:12]}"
            )
        when = datetime.fromtimestamp(now, UTC)
        key = f"rev:{request.pipeline}:{build_number(pipeline.name_format, predefined, when, 0)}"
        number = build_number(pipeline.name_format, predefined, when, counter(key, 1))
        predefined["Build.BuildNumber"] = number
        return spec_of(pipeline, request, predefined, number)


def source_version_message(message: str) -> str:
    """Azure's ``Build.SourceVersionMessage``: the commit message's first line, at most 200
    characters. Event data: it reaches scripts as an environment variable, never as text."""
    return (message.strip().splitlines() or [""])[0][:200]


def facts_of(request: RunRequest, run_id: int) -> RunFacts:
    ev = request.event
    pr: dict[str, Any] = {}
    if ev.get("kind") == "pr":
        pr = {
            "pr_number": int(ev.get("number") or 0),
            "pr_source_ref": str(ev.get("source_ref", "")),
            "pr_target_ref": str(ev.get("target_ref", "")),
            "pr_source_sha": str(ev.get("source_sha", "")),
            "pr_title": str(ev.get("title", "")),
        }
    return RunFacts(
        pipeline=request.pipeline,
        repository=request.repository_name,
        ref=request.ref,
        sha=request.sha,
        reason=request.reason,
        build_id=run_id,
        workspace=f"/shipyard/work/{run_id}",  # replaced by the executor's real folder
        requested_for=request.requested_for,
        **pr,
    )


def spec_of(
    pipeline: Pipeline, request: RunRequest, predefined: dict[str, str], number: str
) -> RunSpec:
    variables = [
        VarDef(name, value, readonly=True, tainted=is_event_variable(name))
        for name, value in predefined.items()
    ]
    variables += [VarDef(name, value, secret=True) for name, value in request.secrets.items()]
    variables += [_var(v) for v in pipeline.variables]
    warnings = [_group_warning(g) for g in pipeline.variable_groups]
    stages: list[StageDef] = []
    for stage in pipeline.stages:
        warnings += [_group_warning(g) for g in stage.variable_groups]
        stages.append(
            StageDef(
                name=str(stage.name),
                display_name=str(stage.display_name),
                jobs=tuple(_job(j, warnings, pipeline) for j in stage.jobs),
                # The model already holds the previous stage when no dependsOn was
                # written; `dependsOn: []` stays empty and the stage starts at once.
                depends_on=tuple(str(d) for d in stage.depends_on),
                condition=str(stage.condition),
                variables=tuple(_var(v) for v in stage.variables),
            )
        )
    return RunSpec(
        pipeline=request.pipeline,
        file=str(pipeline.file),
        repo=request.repo,
        ref=request.ref,
        sha=request.sha,
        reason=request.reason,
        build_number=number,
        variables=tuple(variables),
        stages=tuple(stages),
        parameters=plain(dict(pipeline.parameters)),
        warnings=tuple(warnings),
    )


def _group_warning(group: str) -> str:
    return f"variable group '{group}' is not available to local runs; its variables are unset"


def _var(v: Variable) -> VarDef:
    return VarDef(str(v.name), str(v.value), secret=v.secret, readonly=v.readonly)


def _job(job: Job, warnings: list[str], pipeline: Pipeline) -> JobDef:
    warnings += [_group_warning(g) for g in job.variable_groups]
    steps = [_step(s) for s in job.steps if not (s.kind == "checkout" and s.body == "none")]
    has_checkout = any(s.kind == "checkout" for s in job.steps)
    if not job.deployment and not has_checkout:
        steps.insert(0, StepDef(CHECKOUT_STEP, "Checkout self", "checkout", "self"))
    return JobDef(
        name=str(job.name),
        display_name=str(job.display_name),
        steps=tuple(steps),
        depends_on=tuple(str(d) for d in job.depends_on),
        condition=str(job.condition),
        variables=tuple(_var(v) for v in job.variables),
        timeout_minutes=job.timeout_minutes,
        continue_on_error=job.continue_on_error,
        deployment=job.deployment,
        environment=str(job.environment),
        # A job without its own pool runs in the pipeline's (Azure's inheritance).
        pool=str(job.pool if job.pool != "local" else pipeline.pool),
        demands=tuple(job.demands if job.pool != "local" else pipeline.demands),
    )


def _step(step: Step) -> StepDef:
    return StepDef(
        name=str(step.name),
        display_name=str(step.display_name),
        kind=str(step.kind),
        body=str(step.body),
        inputs={str(k): _text(v) for k, v in step.inputs.items()},
        env={str(k): str(v) for k, v in step.env.items()},
        condition=str(step.condition),
        continue_on_error=step.continue_on_error,
        timeout_minutes=step.timeout_minutes,
        enabled=step.enabled,
        working_directory=str(step.working_directory),
    )


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(ex.to_string(value))


def plain(value: Any) -> Any:
    """Plain JSON data: the loader's location-carrying strings and mappings become str/dict."""
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bool | int | float) or value is None:
        return value
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return str(value)
