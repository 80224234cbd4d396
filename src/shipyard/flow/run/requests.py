"""From an event to a run request for one named pipeline, deciding as ``shipyard plan`` does.

The trigger decides: a pipeline that an event does not trigger is not run (the caller is
told why), and an invalid pipeline is reported with every error, not run.
"""

from __future__ import annotations

from collections.abc import Mapping

from shipyard.domain.diagnostics import ExitCode, InvalidInput, ShipyardError
from shipyard.domain.events import Event
from shipyard.flow.planner import describe_event, event_head, plan_event
from shipyard.flow.run.spec import RunRequest
from shipyard.ports import Git


class NotTriggered(ShipyardError):
    """The event does not trigger the pipeline: nothing to run, and nothing wrong."""

    exit_code = ExitCode.OK


class UnknownPipeline(ShipyardError):
    exit_code = ExitCode.USAGE


def request_for(
    pipeline: str,
    event: Event,
    git: Git,
    *,
    repo: str,
    repository_name: str,
    parameters: Mapping[str, str] | None = None,
    requested_for: str = "",
) -> RunRequest:
    params = dict(parameters or {})
    report = plan_event(event, git, repository=repository_name, parameters=params)
    plans = {p.name: p for p in report.pipelines}
    if pipeline not in plans:
        raise UnknownPipeline(
            f"no pipeline named '{pipeline}' in {repo}",
            hint=f"pipelines: {', '.join(sorted(plans)) or 'none'}",
        )
    plan = plans[pipeline]
    if plan.errors:
        raise InvalidInput(list(plan.errors), f"{plan.file} is not a valid pipeline")
    if plan.decision != "run":
        raise NotTriggered(f"{pipeline} does not run for this event: {plan.reason}")
    sha, ref = event_head(event, git)
    return RunRequest(
        pipeline=pipeline,
        file=plan.file,
        repo=repo,
        event=describe_event(event),
        sha=sha,
        ref=ref,
        reason=plan.build_reason or "Manual",
        parameters=params,
        requested_for=requested_for,
        repository_name=repository_name,
    )
