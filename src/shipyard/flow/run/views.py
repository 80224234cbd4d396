"""Read-side helpers shared by the CLI and a later web UI: durations, the step a viewer
should look at, finding a step by what a user typed, and the JSON shape of a run."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from shipyard.flow.run.records import (
    ArtifactRecord,
    IssueRecord,
    JobRecord,
    RunRecord,
    StepRecord,
)
from shipyard.flow.run.status import Status


def duration(started: float | None, finished: float | None, now: float | None = None) -> str:
    if started is None:
        return ""
    return f"{(finished or now or time.time()) - started:.1f}s"


def all_steps(run: RunRecord) -> list[tuple[JobRecord, StepRecord]]:
    return [(j, s) for st in run.stages for j in st.jobs for s in j.steps]


class StepTitles:
    """Where a step event happened, in the pipeline's own words: its stage and job, then the
    step's ``displayName`` (``Build the runtime image``), not a generated name (``Docker1``).
    Reads the run again when an event names a step it has not seen (steps of a job appear
    when the job is planned)."""

    def __init__(self, load: Callable[[], RunRecord | None]) -> None:
        self._load = load
        self._titles: dict[tuple[str, str, str], str] = {}

    def _refresh(self) -> None:
        run = self._load()
        if run is not None:
            self._titles = {(j.stage, j.name, s.name): s.display_name for j, s in all_steps(run)}

    def where(self, stage: str, job: str, step: str) -> str:
        key = (stage, job, step)
        if step and key not in self._titles:
            self._refresh()
        title = self._titles.get(key) or step
        shown = [p for p in (stage if stage != "__default" else "", job) if p]
        return " / ".join([*shown, title] if title else shown)


def current_step(run: RunRecord) -> StepRecord | None:
    """The running step, else the one that finished last."""
    steps = [s for _j, s in all_steps(run)]
    running = [s for s in steps if s.status is Status.running]
    if running:
        return running[-1]
    done = [s for s in steps if s.finished_at]
    return max(done, key=lambda s: s.finished_at or 0.0) if done else None


def find_steps(run: RunRecord, wanted: str) -> list[StepRecord]:
    """Steps matching ``wanted``: an id, a name, ``job/name`` or a display name."""
    folded = wanted.strip().lower()
    out: list[StepRecord] = []
    for job, step in all_steps(run):
        names = {
            str(step.id),
            step.name.lower(),
            step.display_name.lower(),
            f"{job.name}/{step.name}".lower(),
            f"{job.stage}/{job.name}/{step.name}".lower(),
        }
        if folded in names:
            out.append(step)
    return out


def run_json(
    run: RunRecord,
    tests: dict[str, int],
    issues: list[IssueRecord],
    artifacts: list[ArtifactRecord],
) -> dict[str, Any]:
    data = asdict(run)
    data["tests"] = tests
    data["issues"] = [asdict(i) for i in issues]
    data["artifacts"] = [asdict(a) for a in artifacts]
    return data
