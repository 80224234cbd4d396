"""Conditions and ``$[ ]`` expressions at run time, with everything known.

The planner evaluates conditions with the results of earlier work unknown; here they are
known. The three levels differ only in what ``succeeded()`` and friends look at:

- a step sees the status of its job so far (``Agent.JobStatus``);
- a job sees the results of the jobs it depends on, and their outputs through
  ``dependencies.<job>.outputs['<step>.<var>']`` (and jobs of earlier stages through
  ``stageDependencies.<stage>.<job>.outputs[...]``);
- a stage sees the results of the stages it depends on, and their jobs' outputs as
  ``dependencies.<stage>.outputs['<job>.<step>.<var>']``.

A cancel makes every status function false except ``always()`` and ``canceled()``.
A condition that cannot be evaluated is an error of the work it guards, as in Azure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from shipyard.config import expressions as ex
from shipyard.flow.run.snapshot import JobState, StageState
from shipyard.flow.run.status import Status, result_name
from shipyard.flow.run.variables import Scope


class ConditionError(Exception):
    def __init__(self, condition: str, message: str) -> None:
        super().__init__(f"cannot evaluate condition '{condition}': {message}")
        self.message = str(self)


@dataclass(slots=True)
class Context:
    """What a condition or expression at one level can read."""

    scope: Scope
    status: ex.StatusContext
    dependencies: Mapping[str, Any] = field(default_factory=dict)
    stage_dependencies: Mapping[str, Any] = field(default_factory=dict)
    parameters: Mapping[str, Any] = field(default_factory=dict)
    counters: ex.Counters | None = None

    def eval_context(self, scope: Scope | None = None) -> ex.EvalContext:
        return ex.EvalContext(
            variables=(scope or self.scope).plain(),
            parameters=self.parameters,
            dependencies=self.dependencies,
            stage_dependencies=self.stage_dependencies,
            status=self.status,
            counters=self.counters,
            mode="runtime",
        )


def holds(condition: str, ctx: Context) -> bool:
    """True when ``condition`` allows the work to run; :class:`ConditionError` if broken."""
    try:
        value = ex.evaluate_text(condition.strip() or "succeeded()", ctx.eval_context())
    except ex.ExpressionError as err:
        raise ConditionError(condition, err.message) from None
    return ex.truthy(value) is True


def step_status(job_status: Status, canceled: bool) -> ex.StatusContext:
    return ex.StatusContext(result=result_name(job_status), canceled=canceled)


def deps_status(results: Mapping[str, Status], canceled: bool) -> ex.StatusContext:
    return ex.StatusContext(
        dependencies={name: result_name(s) for name, s in results.items()}, canceled=canceled
    )


def job_context_entry(job: JobState) -> dict[str, Any]:
    return {
        "result": result_name(job.status) if job.status.final else None,
        "outputs": {k: v.value for k, v in job.outputs.items()},
    }


def job_dependencies(stage: StageState, names: tuple[str, ...]) -> dict[str, Any]:
    return {n: job_context_entry(stage.jobs[n]) for n in names if n in stage.jobs}


def stage_dependencies(stages: Mapping[str, StageState], before: str) -> dict[str, Any]:
    """``stageDependencies``: every finished stage other than ``before``, job by job."""
    return {
        name: {j.name: job_context_entry(j) for j in stage.jobs.values()}
        for name, stage in stages.items()
        if name != before and stage.status.final
    }


def stage_as_dependency(stage: StageState) -> dict[str, Any]:
    """A stage as seen from a later stage: its result and its jobs' outputs."""
    outputs = {
        f"{job.name}.{key}": value.value
        for job in stage.jobs.values()
        for key, value in job.outputs.items()
    }
    return {
        "result": result_name(stage.status) if stage.status.final else None,
        "outputs": outputs,
    }
