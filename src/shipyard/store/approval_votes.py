"""A vote on a release's pending approval, from the CLI or the server, decided the same way.

The rules are :mod:`shipyard.deliver.approvals` (who may vote, quorum, self-approval,
expiry); this module applies them to the stored decision: refuse with the reason, or record
the vote and, when it decides the approval, resolve the decision so that the engine that
holds the run carries it on. Nothing is written when the vote is refused.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

from shipyard.deliver.approvals import Question, Vote, outcome, refusal
from shipyard.domain.diagnostics import ExitCode, InvalidInput, ShipyardError
from shipyard.store.deployments import Deployments
from shipyard.store.sql import SqlStore


class VoteRefused(ShipyardError):
    exit_code = ExitCode.USAGE

    def __init__(self, message: str, *, expired: bool = False, missing: bool = False) -> None:
        super().__init__(message)
        self.expired = expired
        self.missing = missing


@dataclass(frozen=True, slots=True)
class VoteResult:
    run_id: int
    decision: int
    title: str
    environment: str
    resolved: bool
    approved: bool | None  # the verdict when resolved
    needed: int  # approvals still needed when not resolved
    by: str  # who decided it, when resolved

    def as_json(self) -> dict[str, object]:
        return {
            "run": self.run_id,
            "decision": self.decision,
            "environment": self.environment,
            "resolved": self.resolved,
            "approved": self.approved,
            "needed": self.needed,
        }


def cast_vote(
    store: SqlStore,
    run_id: int,
    voter: str,
    approve: bool,
    comment: str,
    groups: Mapping[str, tuple[str, ...]],
) -> VoteResult:
    run = store.get_run(run_id)
    word = "approval" if approve else "rejection"
    if run is None:
        raise VoteRefused(f"run {run_id} does not exist", missing=True)
    ledger = Deployments(store.engine)
    decisions = ledger.approval_decisions(run_id)
    pending = [d for d in decisions if d.status == "pending"]
    if not pending:
        expired = any(d.status == "expired" for d in decisions)
        why = "its approval expired" if expired else f"it is {run.status}"
        raise VoteRefused(f"run {run_id} waits for no approval: {why}")
    decision = pending[0]
    question = Question.from_data(decision.data)
    now = time.time()
    problem = refusal(question, voter, groups, ledger.votes(decision.id), now)
    if problem:
        expired = bool(question.expires_at and now >= question.expires_at)
        raise VoteRefused(f"{word} refused: {problem}", expired=expired)
    if not ledger.add_vote(decision.id, Vote(voter, approve, comment, now)):
        raise VoteRefused(f"{word} refused: {voter} has already voted on this approval")
    votes = ledger.votes(decision.id)
    verdict = outcome(question, votes)
    env, title = question.environment, question.title()
    if verdict is None:
        need = question.minimum - sum(v.approve for v in votes)
        return VoteResult(run_id, decision.id, title, env, False, None, need, "")
    by = ",".join(v.voter for v in votes if v.approve == verdict)
    try:
        store.resolve_decision(decision.id, verdict, by, comment)
    except InvalidInput:  # another vote decided it a moment earlier: that one counts
        raise VoteRefused(f"run {run_id}'s approval was decided meanwhile") from None
    return VoteResult(run_id, decision.id, title, env, True, verdict, 0, by)
