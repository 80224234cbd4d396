"""The plan: for one event, which pipelines run and what each of them will do.

A plan is everything Shipyard can know before a run starts: the trigger decision, templates
expanded, variables resolved (secrets masked), macros substituted, and every condition
evaluated as far as the event allows. A condition is evaluated twice: once with the
statuses of earlier work unknown (three-valued logic), and once assuming everything before
it succeeds. That gives ``will_run``:

- ``true``: it runs whatever happens before it, or it runs when the work before it
  succeeds and only success matters to it (the default ``succeeded()``, and conditions such
  as ``and(succeeded(), eq(variables['fullCI'], 'true'))`` once ``fullCI`` is known);
- ``false``: the condition is false for this event (``fullCI`` is false on a feature branch);
- ``null``: it depends on how earlier work ends (``failed()``, ``succeededOrFailed()`` with
  other terms, or a variable that only an earlier step sets).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from shipyard.config import expressions as ex
from shipyard.domain.pipeline import Job, Pipeline, Stage, Step, Variable

MASK = "***"


@dataclass(frozen=True, slots=True)
class Verdict:
    will_run: bool | None
    reason: str


@dataclass(frozen=True, slots=True)
class StepPlan:
    name: str
    display_name: str
    kind: str
    task: str | None
    condition: str
    will_run: bool | None
    reason: str
    inputs: dict[str, str] = field(default_factory=dict)
    script: str | None = None
    env: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "display_name": self.display_name,
            "kind": self.kind,
            "task": self.task,
            "condition": self.condition,
            "will_run": self.will_run,
            "reason": self.reason,
            "inputs": self.inputs,
            "script": self.script,
            "env": self.env,
        }


@dataclass(frozen=True, slots=True)
class JobPlan:
    name: str
    display_name: str
    depends_on: tuple[str, ...]
    condition: str
    will_run: bool | None
    reason: str
    deployment: bool
    environment: str
    variables: dict[str, str]
    steps: tuple[StepPlan, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "display_name": self.display_name,
            "depends_on": list(self.depends_on),
            "condition": self.condition,
            "will_run": self.will_run,
            "reason": self.reason,
            "deployment": self.deployment,
            "environment": self.environment or None,
            "variables": self.variables,
            "steps": [s.as_json() for s in self.steps],
        }


@dataclass(frozen=True, slots=True)
class StagePlan:
    name: str
    display_name: str
    depends_on: tuple[str, ...]
    condition: str
    will_run: bool | None
    reason: str
    jobs: tuple[JobPlan, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "display_name": self.display_name,
            "depends_on": list(self.depends_on),
            "condition": self.condition,
            "will_run": self.will_run,
            "reason": self.reason,
            "jobs": [j.as_json() for j in self.jobs],
        }


class VariableScope:
    """Variables visible at one point: case-insensitive, later definitions win."""

    def __init__(
        self, values: Mapping[str, str | ex.Unknown] | None = None, secrets: set[str] | None = None
    ) -> None:
        self.values: dict[str, str | ex.Unknown] = {}
        self.names: dict[str, str] = {}
        self.secrets: set[str] = set(secrets or ())
        for k, v in (values or {}).items():
            self.set(k, v)

    def child(self) -> VariableScope:
        out = VariableScope(secrets=self.secrets)
        out.values = dict(self.values)
        out.names = dict(self.names)
        return out

    def set(self, name: str, value: str | ex.Unknown, secret: bool = False) -> None:
        self.values[name.lower()] = value
        self.names[name.lower()] = name
        if secret:
            self.secrets.add(name.lower())

    def get(self, name: str) -> str | None:
        value = self.values.get(name.lower())
        return value if isinstance(value, str) else None

    def macro(self, text: str) -> str:
        return ex.expand_macros(text, self.get)

    def add(self, variables: tuple[Variable, ...], ctx_base: dict[str, Any]) -> None:
        for var in variables:
            runtime = ex.runtime_expression(var.value)
            if runtime is not None:
                ctx = ex.EvalContext(variables=self.values, mode="runtime", **ctx_base)
                try:
                    value = ex.evaluate_text(runtime.strip(), ctx)
                except ex.ExpressionError:
                    value = ex.UNKNOWN
                self.set(
                    var.name, ex.UNKNOWN if value is ex.UNKNOWN else ex.to_string(value), var.secret
                )
            else:
                self.set(var.name, self.macro(var.value), var.secret)

    def public(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for key, value in self.values.items():
            name = self.names[key]
            if key in self.secrets:
                out[name] = MASK
            else:
                out[name] = value if isinstance(value, str) else "<set at run time>"
        return out


def judge(
    condition: str,
    variables: VariableScope,
    parameters: Mapping[str, Any],
    dependency_names: tuple[str, ...] = (),
) -> Verdict:
    """Evaluate a condition as far as a plan can; see the module docstring."""
    base: dict[str, Any] = {"parameters": parameters}
    unknown_status = ex.StatusContext(
        result=ex.UNKNOWN,
        dependencies={d: ex.UNKNOWN for d in dependency_names},
        canceled=False,  # a plan cannot foresee a cancel; it assumes none
    )
    happy = ex.StatusContext(
        result="Succeeded", dependencies={d: "Succeeded" for d in dependency_names}
    )
    try:
        now = ex.truthy(
            ex.evaluate_text(
                condition, ex.EvalContext(variables=variables.values, status=unknown_status, **base)
            )
        )
        assumed = ex.truthy(
            ex.evaluate_text(
                condition, ex.EvalContext(variables=variables.values, status=happy, **base)
            )
        )
    except ex.ExpressionError as err:
        return Verdict(False, f"condition cannot be evaluated: {err.message}")
    if now is True:
        return Verdict(True, "condition is true")
    if now is False:
        return Verdict(False, f"condition is false: {condition}")
    if assumed is True and _success_only(condition):
        return Verdict(True, "runs if the work before it succeeds")
    return Verdict(None, f"depends on earlier results: {condition}")


_FAILURE_FUNCTIONS = re.compile(r"\b(failed|canceled)\s*\(", re.IGNORECASE)


def _success_only(condition: str) -> bool:
    """True when nothing in the condition asks for a failure or a cancel."""
    return _FAILURE_FUNCTIONS.search(condition) is None


def plan_step(
    step: Step, variables: VariableScope, parameters: Mapping[str, Any], parent: Verdict
) -> StepPlan:
    if not step.enabled:
        verdict = Verdict(False, "the step is disabled (enabled: false)")
    elif parent.will_run is False:
        verdict = Verdict(False, "its job does not run")
    else:
        verdict = judge(step.condition, variables, parameters)
        if parent.will_run is None and verdict.will_run is True:
            verdict = Verdict(None, "its job may not run")
    inputs = {k: _mask(variables.macro(ex.to_string(v)), variables) for k, v in step.inputs.items()}
    script = (
        _mask(variables.macro(step.body), variables)
        if step.kind not in ("task", "checkout")
        else None
    )
    return StepPlan(
        name=step.name,
        display_name=variables.macro(step.display_name),
        kind=step.kind,
        task=step.body if step.kind == "task" else None,
        condition=step.condition,
        will_run=verdict.will_run,
        reason=verdict.reason,
        inputs=inputs,
        script=script,
        env={k: _mask(variables.macro(v), variables) for k, v in step.env.items()},
    )


def _mask(text: str, variables: VariableScope) -> str:
    for key in variables.secrets:
        value = variables.values.get(key)
        if isinstance(value, str) and value:
            text = text.replace(value, MASK)
    return text


def plan_job(
    job: Job, scope: VariableScope, parameters: Mapping[str, Any], stage: Verdict
) -> JobPlan:
    variables = scope.child()
    variables.add(job.variables, {"parameters": parameters})
    if stage.will_run is False:
        verdict = Verdict(False, "its stage does not run")
    else:
        verdict = judge(job.condition, variables, parameters, job.depends_on)
        if stage.will_run is None and verdict.will_run is True:
            verdict = Verdict(None, "its stage may not run")
    steps = tuple(plan_step(s, variables, parameters, verdict) for s in job.steps)
    return JobPlan(
        job.name,
        job.display_name,
        job.depends_on,
        job.condition,
        verdict.will_run,
        verdict.reason,
        job.deployment,
        job.environment,
        variables.public(),
        steps,
    )


def plan_stages(pipeline: Pipeline, scope: VariableScope) -> tuple[StagePlan, ...]:
    out: list[StagePlan] = []
    for index, stage in enumerate(pipeline.stages):
        out.append(_plan_stage(stage, index, pipeline, scope))
    return tuple(out)


def _plan_stage(stage: Stage, index: int, pipeline: Pipeline, scope: VariableScope) -> StagePlan:
    variables = scope.child()
    variables.add(stage.variables, {"parameters": pipeline.parameters})
    deps = stage.depends_on  # the model already holds the implicit previous stage
    verdict = judge(stage.condition, variables, pipeline.parameters, deps)
    jobs = tuple(plan_job(j, variables, pipeline.parameters, verdict) for j in stage.jobs)
    return StagePlan(
        stage.name,
        stage.display_name,
        stage.depends_on,
        stage.condition,
        verdict.will_run,
        verdict.reason,
        jobs,
    )
