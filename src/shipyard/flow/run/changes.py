"""One batch of state changes: what the engine loop writes, in one transaction.

Every change of a status goes through :class:`Batch`, and every helper that records a
change also records the event that announces it. The store writes the batch (updates,
queued jobs, cancels, issues, engine-authored log lines and the events themselves) in one
transaction and the engine then publishes the events: a subscriber can never see an event
for a change that did not happen, nor miss one that did (Buildbot's ``data`` update
methods work the same way).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from shipyard.flow.run.records import IssueRecord, RunEvent
from shipyard.flow.run.spec import JobSpec, VarValue
from shipyard.flow.run.status import Status

Table = Literal["run", "stage", "job", "step"]

#: Columns the engine may set, per table; the store refuses anything else.
COLUMNS: dict[Table, frozenset[str]] = {
    "run": frozenset(
        {
            "status",
            "started_at",
            "finished_at",
            "message",
            "build_number",
            "tags",
            "engine_id",
            "variables",
        }
    ),
    "stage": frozenset({"status", "started_at", "finished_at", "message", "variables"}),
    "job": frozenset(
        {"status", "started_at", "finished_at", "message", "outputs", "worker", "variables"}
    ),
    "step": frozenset({"status", "started_at", "finished_at", "message", "exit_code"}),
}


@dataclass(frozen=True, slots=True)
class Update:
    table: Table
    id: int
    values: dict[str, Any]


@dataclass(slots=True)
class Batch:
    at: float
    updates: list[Update] = field(default_factory=list)
    queue: list[JobSpec] = field(default_factory=list)
    cancels: list[int] = field(default_factory=list)
    dequeue: list[int] = field(default_factory=list)
    issues: list[IssueRecord] = field(default_factory=list)
    logs: list[tuple[int, int | None, int | None, str]] = field(default_factory=list)
    events: list[RunEvent] = field(default_factory=list)
    engine_id: str | None = None
    applied_decisions: list[int] = field(default_factory=list)
    reports_done: list[int] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(
            self.updates
            or self.queue
            or self.cancels
            or self.dequeue
            or self.issues
            or self.logs
            or self.events
            or self.applied_decisions
            or self.reports_done
        )

    def update(self, table: Table, row_id: int, **values: Any) -> None:
        unknown = set(values) - COLUMNS[table]
        if unknown:
            raise ValueError(f"{table} has no settable column(s) {sorted(unknown)}")
        self.updates.append(Update(table, row_id, values))

    def event(self, kind: str, run_id: int, status: Status | str = "", **names: Any) -> None:
        data = names.pop("data", {}) or {}
        self.events.append(
            RunEvent(
                kind,
                run_id,
                self.at,
                str(status),
                stage=names.get("stage", ""),
                job=names.get("job", ""),
                step=names.get("step", ""),
                data=data,
            )
        )

    def log(self, run_id: int, job_id: int | None, step_id: int | None, text: str) -> None:
        self.logs.append((run_id, job_id, step_id, text))


def outputs_json(outputs: dict[str, VarValue]) -> dict[str, dict[str, Any]]:
    """Job outputs as stored (the store encrypts the secret ones)."""
    return {
        k: {"value": v.value, "secret": v.secret, "tainted": v.tainted} for k, v in outputs.items()
    }
