"""The four DORA figures, computed from the deployment ledger alone.

- deployment frequency: successful production deploys per day over the window;
- lead time for changes: from the release build's start (the release branch, where the
  change entered the release path) to its first successful production deploy, median;
- change failure rate: production deploys that failed or were followed by a rollback,
  over all production deploys;
- time to restore: from a failed production deploy (or the deploy a rollback undid) to the
  next successful deploy or rollback of that service in production, median.

Pure functions over :class:`~shipyard.deliver.model.DeploymentRecord` lines, so the CLI,
the server and the tests agree on one definition.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

from shipyard.deliver.model import DeploymentRecord

DAY = 86400.0


@dataclass(frozen=True)
class Dora:
    window_days: float
    deployments: int
    deployment_frequency_per_day: float
    lead_time_s: float | None
    change_failure_rate: float | None
    time_to_restore_s: float | None
    failures: int
    restores: int

    def as_json(self) -> dict[str, object]:
        return asdict(self)


def dora(
    lines: Sequence[DeploymentRecord],
    build_started: Mapping[int, float],
    now: float,
    window_days: float = 30.0,
    environment: str = "production",
) -> Dora:
    """``build_started``: build run id -> when that release build started."""
    since = now - window_days * DAY
    prod = [r for r in lines if r.environment == environment and r.started_at >= since]
    deploys = [r for r in prod if r.kind == "deploy" and r.outcome in ("succeeded", "failed")]
    ok = [r for r in deploys if r.outcome == "succeeded"]
    leads: list[float] = []
    seen: set[tuple[str, str]] = set()
    for r in ok:
        key = (r.service, r.version)
        start = build_started.get(r.build_run_id)
        if key in seen or start is None:
            continue
        seen.add(key)
        leads.append((r.finished_at or r.started_at) - start)
    failed_at: list[tuple[DeploymentRecord, float]] = []
    for i, r in enumerate(prod):
        if r.kind == "deploy" and r.outcome == "failed":
            failed_at.append((r, r.finished_at or r.started_at))
        if r.kind == "rollback" and r.outcome == "succeeded":
            undone = next(
                (p for p in reversed(prod[:i]) if p.service == r.service and p.kind == "deploy"),
                None,
            )
            if undone is not None and all(undone is not f for f, _ in failed_at):
                failed_at.append((undone, undone.finished_at or undone.started_at))
    restores: list[float] = []
    for bad, at in failed_at:
        later = [
            r
            for r in prod
            if r.service == bad.service
            and r.outcome == "succeeded"
            and r.kind in ("deploy", "rollback")
            and (r.finished_at or r.started_at) >= at
            and r is not bad
        ]
        if later:
            restores.append((later[0].finished_at or later[0].started_at) - at)
    return Dora(
        window_days=window_days,
        deployments=len(ok),
        deployment_frequency_per_day=len(ok) / window_days if window_days else 0.0,
        lead_time_s=statistics.median(leads) if leads else None,
        change_failure_rate=len(failed_at) / len(deploys) if deploys else None,
        time_to_restore_s=statistics.median(restores) if restores else None,
        failures=len(failed_at),
        restores=len(restores),
    )
