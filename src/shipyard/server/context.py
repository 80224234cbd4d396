"""What the routes need beyond the store: the one bundle ``create_app`` is given.

``shipyard serve`` fills it with the real engine and settings; tests give a fake ``submit``
or the engine of a harness. The defaults describe a server that can read and authorize but
runs nothing, so an app made for a read-only test cannot start work by accident.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from shipyard.deliver.environments import Environments
from shipyard.domain.branch_policy import BranchPolicy
from shipyard.flow.run.spec import RunRequest


def _no_runs(_request: RunRequest) -> int | None:
    raise RuntimeError("this server runs nothing (no engine was given)")


@dataclass(frozen=True, slots=True)
class ServerContext:
    submit: Callable[[RunRequest], int | None] = _no_runs
    repositories: Callable[[], Mapping[str, Path]] = dict
    policies: tuple[BranchPolicy, ...] = ()
    environments: Environments | None = None
    carry_on: Callable[[int], None] = lambda _run_id: None  # a decided approval: go on
