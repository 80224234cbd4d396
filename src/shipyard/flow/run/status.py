"""Run, stage, job and step statuses, and how results roll up.

Azure reports a timeline record with a state and a result; Shipyard folds them into one
status, because a user asks one question ("how is it going?"): ``queued``, ``running``,
``waiting`` (on an outside decision: an approval or a lock), then one of the five final
values Azure's expressions know as results (``Succeeded``, ``SucceededWithIssues``,
``Failed``, ``Canceled``, ``Skipped``).

Roll-up follows Azure: a failure wins over a cancel, a cancel over issues, and a parent
whose children were all skipped is skipped itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from shipyard.config.expressions import JobResult


class Status(StrEnum):
    queued = "queued"
    running = "running"
    waiting = "waiting"
    succeeded = "succeeded"
    succeededWithIssues = "succeededWithIssues"  # noqa: N815 - Azure's spelling
    failed = "failed"
    canceled = "canceled"
    skipped = "skipped"
    # An approval nobody gave in time: final, not a failure of the work (Azure ends the
    # stage as canceled; Shipyard keeps the reason visible).
    expired = "expired"

    @property
    def final(self) -> bool:
        return self in FINAL

    @property
    def ok(self) -> bool:
        """Succeeded, with or without issues."""
        return self in (Status.succeeded, Status.succeededWithIssues)


FINAL = frozenset(
    {
        Status.succeeded,
        Status.succeededWithIssues,
        Status.failed,
        Status.canceled,
        Status.skipped,
        Status.expired,
    }
)

_RESULT_NAMES: dict[Status, JobResult] = {
    Status.succeeded: "Succeeded",
    Status.succeededWithIssues: "SucceededWithIssues",
    Status.failed: "Failed",
    Status.canceled: "Canceled",
    Status.skipped: "Skipped",
    Status.expired: "Canceled",
}


def result_name(status: Status) -> JobResult:
    """The name expressions use (``dependencies.Build.result == 'Succeeded'``)."""
    if status not in _RESULT_NAMES:
        raise ValueError(f"{status} is not a final status")
    return _RESULT_NAMES[status]


def from_result_name(name: str) -> Status:
    """``Failed`` / ``failed`` / ``SucceededWithIssues`` -> Status."""
    for status, text in _RESULT_NAMES.items():
        if text.lower() == name.strip().lower():
            return status
    raise ValueError(f"unknown result {name!r}")


_SEVERITY = {
    Status.succeeded: 0,
    Status.skipped: 0,
    Status.succeededWithIssues: 1,
    Status.canceled: 2,
    Status.expired: 2,
    Status.failed: 3,
}


def worst(a: Status, b: Status) -> Status:
    """The more severe of two final statuses (Azure's ``MergeTaskResults``)."""
    return a if _SEVERITY[a] >= _SEVERITY[b] else b


def roll_up(children: Iterable[tuple[Status, bool]]) -> Status:
    """A parent's status from its children's ``(status, continue_on_error)``.

    A child that failed with ``continueOnError`` counts as succeeded with issues. A parent
    whose children were all skipped (or that has none) is skipped.
    """
    out = Status.skipped
    any_ran = False
    for status, continue_on_error in children:
        if status is Status.failed and continue_on_error:
            status = Status.succeededWithIssues
        if status is not Status.skipped:
            any_ran = True
        out = worst(out, status) if out is not Status.skipped else status
    if not any_ran:
        return Status.skipped
    return Status.succeeded if out is Status.skipped else out
