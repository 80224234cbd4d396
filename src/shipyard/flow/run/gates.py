"""Outside decisions in the engine: asking a :class:`~shipyard.ports.Gate`, remembering the
answer, and noticing when someone resolved one.

A stage or job that a gate holds gets a decision record in the store and waits in
``waiting``; no process holds it, so it can wait for days and across restarts (the
records are reloaded when a run is adopted). When the decision is resolved from outside,
the engine applies it once (``applied``) and the scheduler lets the work go, or fails it.
"""

from __future__ import annotations

from shipyard.flow.run.changes import Batch
from shipyard.flow.run.records import DecisionRecord
from shipyard.flow.run.scheduler import Verdict
from shipyard.flow.run.snapshot import RunSnapshot
from shipyard.flow.run.status import Status
from shipyard.ports import Gate, RunStore


class Gatekeeper:
    def __init__(self, store: RunStore, gate: Gate | None) -> None:
        self.store = store
        self.gate = gate
        self._known: dict[int, list[DecisionRecord]] = {}

    def load(self, run_id: int) -> None:
        self._known[run_id] = self.store.decisions(run_id)

    def forget(self, run_id: int) -> None:
        self._known.pop(run_id, None)

    def verdict(
        self, snap: RunSnapshot, batch: Batch, stage: str, job: str | None, environment: str
    ) -> tuple[Verdict, str]:
        """Go, wait or reject; a new question becomes a pending decision (and an event)."""
        if self.gate is None:
            return "go", ""
        mine = [d for d in self._known.get(snap.id, []) if (d.stage, d.job) == (stage, job or "")]
        if mine:
            latest = mine[-1]
            if latest.status == "approved":
                return "go", f"approved by {latest.resolved_by}"
            if latest.status == "expired":
                return "expire", f"{latest.kind} expired: nobody answered in time"
            if latest.status in ("rejected", "canceled"):
                return "reject", f"{latest.kind} {latest.status} by {latest.resolved_by}"
            return "wait", latest.title
        ask = self.gate.check(snap.run, stage, job, environment)
        if ask is None:
            return "go", ""
        kind, title, data = ask
        decision = self.store.create_decision(snap.id, stage, job or "", kind, title, data)
        self._known.setdefault(snap.id, []).append(decision)
        batch.event(
            "decision",
            snap.id,
            "pending",
            stage=stage,
            job=job or "",
            data={"id": decision.id, "kind": kind, "title": title},
        )
        return "wait", title

    def resolved(self, active: dict[int, RunSnapshot], batch: Batch, now: float = 0.0) -> set[int]:
        """Apply decisions resolved since we last looked; returns the runs they concern.

        A pending decision whose data carries ``expires_at`` in the past is expired first,
        so a wait that nobody answers ends as ``expired`` rather than hanging forever.
        """
        if not any(has_waiting(s) for s in active.values()):
            return set()
        if now:
            self._expire(active, now)
        touched: set[int] = set()
        for decision in self.store.decisions(status="unapplied"):
            if decision.run_id not in active:
                continue
            known = self._known.setdefault(decision.run_id, [])
            known[:] = [d for d in known if d.id != decision.id] + [decision]
            batch.applied_decisions.append(decision.id)
            batch.event(
                "decision",
                decision.run_id,
                decision.status,
                stage=decision.stage,
                job=decision.job,
                data={"id": decision.id, "by": decision.resolved_by},
            )
            touched.add(decision.run_id)
        return touched

    def _expire(self, active: dict[int, RunSnapshot], now: float) -> None:
        for run_id in active:
            for d in self._known.get(run_id, []):
                expires = d.data.get("expires_at") if d.status == "pending" else None
                if isinstance(expires, int | float) and 0 < expires <= now:
                    self.store.expire_decision(d.id)


def has_waiting(snap: RunSnapshot) -> bool:
    return any(j.status is Status.waiting for j in snap.jobs()) or any(
        s.status is Status.waiting for s in snap.stages.values()
    )
