"""From a git event to a plan of every registered pipeline.

Pipelines are read *at the commit being built* (a branch may change its own pipeline), the
monorepo registry decides which files are pipelines, trigger evaluation decides which of
them run, and :mod:`shipyard.flow.plan` works out what each will do. A pipeline whose file
is invalid does not stop the others: it is reported as skipped, with its errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from shipyard.config.loader import load_pipeline
from shipyard.config.monorepo import load_monorepo
from shipyard.config.snippets import attach_snippets
from shipyard.config.source import FuncSource, Source
from shipyard.domain.diagnostics import Diagnostic, Diagnostics
from shipyard.domain.events import Event, Manual, NewBranch, PullRequest, Push, Tag
from shipyard.domain.pipeline import Pipeline
from shipyard.flow.plan import StagePlan, VariableScope, plan_stages
from shipyard.flow.predefined import RunFacts, build_number, predefined_variables
from shipyard.flow.trigger import BuildReason, Decision, RegisteredPipeline, evaluate
from shipyard.ports import Git


@dataclass(frozen=True, slots=True)
class PipelinePlan:
    name: str
    file: str
    decision: str  # "run" or "skip"
    reason: str
    reason_code: str
    build_reason: str | None
    build_number: str | None
    variables: dict[str, str]
    stages: tuple[StagePlan, ...]
    changes: dict[str, Any] | None = None
    errors: tuple[Diagnostic, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "file": self.file,
            "decision": self.decision,
            "reason": self.reason,
            "reason_code": self.reason_code,
            "build_reason": self.build_reason,
            "build_number": self.build_number,
            "changes": self.changes,
            "variables": self.variables,
            "stages": [s.as_json() for s in self.stages],
            "errors": [d.as_json() for d in self.errors],
        }


@dataclass(frozen=True, slots=True)
class PlanReport:
    event: dict[str, Any]
    commit: str
    pipelines: tuple[PipelinePlan, ...]
    registry_errors: tuple[Diagnostic, ...] = field(default=())

    def as_json(self) -> dict[str, Any]:
        return {
            "schema": "https://shipyard.dev/schemas/plan-v1.json",
            "event": self.event,
            "commit": self.commit,
            "pipelines": [p.as_json() for p in self.pipelines],
            "registry_errors": [d.as_json() for d in self.registry_errors],
        }


def event_head(event: Event, git: Git) -> tuple[str, str]:
    """The commit whose pipelines apply, and the ref a run would build."""
    if isinstance(event, Push):
        return event.after, event.ref
    if isinstance(event, NewBranch | Tag):
        return event.sha, event.ref
    if isinstance(event, PullRequest):
        return event.source_sha, f"refs/pull/{event.number}/merge"
    sha = git.resolve(event.ref) or ""
    return sha, event.ref


def describe_event(event: Event) -> dict[str, Any]:
    kind = {Push: "push", NewBranch: "branch", Tag: "tag", PullRequest: "pr", Manual: "manual"}[
        type(event)
    ]
    out: dict[str, Any] = {"kind": kind}
    for key in (
        "ref",
        "before",
        "after",
        "sha",
        "source_ref",
        "target_ref",
        "source_sha",
        "target_sha",
        "number",
        "title",
        "is_draft",
        "pipeline",
    ):
        if hasattr(event, key):
            out[key] = getattr(event, key)
    return out


def _facts(
    name: str, event: Event, ref: str, sha: str, reason: str, build_id: int, repository: str
) -> RunFacts:
    pr: dict[str, Any] = {}
    if isinstance(event, PullRequest):
        pr = {
            "pr_number": event.number,
            "pr_source_ref": event.source_ref,
            "pr_target_ref": event.target_ref,
            "pr_source_sha": event.source_sha,
            "pr_title": event.title,
        }
    return RunFacts(
        pipeline=name,
        repository=repository,
        ref=ref,
        sha=sha,
        reason=reason,
        build_id=build_id,
        workspace=f"/shipyard/work/{name}/{build_id}",
        **pr,
    )


def _default_reason(event: Event) -> str:
    if isinstance(event, PullRequest):
        return BuildReason.PULL_REQUEST
    if isinstance(event, Manual):
        return BuildReason.MANUAL
    return BuildReason.INDIVIDUAL_CI


def source_at(git: Git, sha: str) -> Source:
    return FuncSource(
        reader=lambda rel: git.read_file(sha, rel), lister=lambda: git.tree_files(sha)
    )


def plan_event(
    event: Event,
    git: Git,
    *,
    repository: str = "repo",
    parameters: Mapping[str, str] | None = None,
    now: datetime | None = None,
    build_id: int = 1,
    warnings_as_errors: frozenset[str] = frozenset(),
) -> PlanReport:
    """What ``event`` runs; ``warnings_as_errors`` is the ``policy.warnings_as_errors``
    setting (a pipeline with such a warning is invalid, as it is at run time)."""
    sha, ref = event_head(event, git)
    source = source_at(git, sha)
    registry_diags = Diagnostics()
    repo = load_monorepo(source, registry_diags)
    loaded: dict[str, tuple[Pipeline | None, Diagnostics]] = {}
    for entry in repo.pipelines:
        diags = Diagnostics()
        facts = _facts(entry.name, event, ref, sha, _default_reason(event), build_id, repository)
        pipeline = load_pipeline(
            source, entry.path, diags, predefined=predefined_variables(facts), parameters=parameters
        )
        diags.strict(warnings_as_errors)
        loaded[entry.name] = (pipeline if not diags else None, diags)
    registered = [RegisteredPipeline.of(name, p) for name, (p, _d) in loaded.items() if p]
    report = evaluate(registered, event, git)
    decisions = {d.pipeline: d for d in report.decisions}
    plans: list[PipelinePlan] = []
    when = now or datetime.now(UTC)
    for entry in repo.pipelines:
        pipeline, diags = loaded[entry.name]
        if pipeline is None:
            plans.append(
                PipelinePlan(
                    entry.name,
                    entry.path,
                    "skip",
                    f"invalid pipeline: {len(diags.sorted())} error(s); run `shipyard validate`",
                    "invalid-pipeline",
                    None,
                    None,
                    {},
                    (),
                    errors=tuple(attach_snippets(diags.sorted(), source)),
                )
            )
            continue
        plans.append(
            _plan_one(
                entry.name,
                pipeline,
                decisions[entry.name],
                event,
                ref,
                sha,
                build_id,
                repository,
                when,
                source,
                parameters,
            )
        )
    return PlanReport(describe_event(event), sha, tuple(plans), tuple(registry_diags.sorted()))


def _plan_one(
    name: str,
    pipeline: Pipeline,
    decision: Decision,
    event: Event,
    ref: str,
    sha: str,
    build_id: int,
    repository: str,
    when: datetime,
    source: Source,
    parameters: Mapping[str, str] | None,
) -> PipelinePlan:
    changes = decision.changes.as_json() if decision.changes else None
    if not decision.run:
        return PipelinePlan(
            name, pipeline.file, "skip", decision.reason, decision.code, None, None, {}, (), changes
        )
    reason = str(decision.build_reason or _default_reason(event))
    facts = _facts(name, event, ref, sha, reason, build_id, repository)
    predefined = predefined_variables(facts)
    if reason != _default_reason(event):  # compile-time variables changed: load again
        diags = Diagnostics()
        pipeline = (
            load_pipeline(
                source, pipeline.file, diags, predefined=predefined, parameters=parameters
            )
            or pipeline
        )
    number = build_number(pipeline.name_format, predefined, when, 1)
    predefined["Build.BuildNumber"] = number
    scope = VariableScope(predefined)
    scope.add(pipeline.variables, {"parameters": pipeline.parameters})
    stages = plan_stages(pipeline, scope)
    return PipelinePlan(
        name,
        pipeline.file,
        "run",
        decision.reason,
        decision.code,
        reason,
        number,
        scope.public(),
        stages,
        changes,
    )
