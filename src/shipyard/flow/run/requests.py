"""From an event to a run request for one named pipeline, deciding as ``shipyard plan`` does.

The trigger decides: a pipeline that an event does not trigger is not run (the caller is
told why), and an invalid pipeline is reported with every error, not run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from shipyard.domain.diagnostics import ExitCode, InvalidInput, ShipyardError
from shipyard.domain.events import Event
from shipyard.flow.planner import PlanReport, describe_event, event_head, plan_event
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


@dataclass(frozen=True, slots=True)
class EventRequests:
    """Every run an event starts, and the plan that says why the others do not run."""

    requests: tuple[RunRequest, ...]
    report: PlanReport

    def summary(self) -> str:
        ran = [r.pipeline for r in self.requests]
        rest = [f"{p.name}: {p.reason}" for p in self.report.pipelines if p.name not in ran]
        head = f"runs {', '.join(ran)}" if ran else "runs nothing"
        return head + ("; " + "; ".join(rest) if rest else "")


def requests_for_event(
    event: Event,
    git: Git,
    *,
    repo: str,
    repository_name: str,
    requested_for: str = "",
    warnings_as_errors: frozenset[str] = frozenset(),
) -> EventRequests:
    """The run request of each pipeline that ``event`` triggers (a git push, a webhook)."""
    report = plan_event(
        event, git, repository=repository_name, warnings_as_errors=warnings_as_errors
    )
    sha, ref = event_head(event, git)
    requests = tuple(
        RunRequest(
            pipeline=p.name,
            file=p.file,
            repo=repo,
            event=describe_event(event),
            sha=sha,
            ref=ref,
            reason=p.build_reason or "Manual",
            requested_for=requested_for,
            repository_name=repository_name,
        )
        for p in report.pipelines
        if p.decision == "run" and not p.errors
    )
    return EventRequests(requests, report)
