"""A store with releases in it, for the release pages' tests: a ledger and a pending approval.

The ledger lines are written finished, with the times they happened (the deploy task's own
finish would stamp now); the approval is a decision as the release gate asks it, bound to
image and chart digests.
"""

from __future__ import annotations

import time

from shipyard.deliver.approvals import Question
from shipyard.deliver.environments import Approvers, EnvironmentPolicy, Environments
from shipyard.deliver.model import DeploymentRecord
from shipyard.store.deployments import Deployments
from tests.unit.run.harness import Harness

HOSTILE = "<script>alert(1)</script>"
DIGEST = "sha256:" + "a" * 64
HOUR = 3600.0


def environments() -> Environments:
    def env(name: str, approvers: tuple[str, ...]) -> EnvironmentPolicy:
        return EnvironmentPolicy(name, "devtest", f"kind-{name}", name, "staging",
                                 Approvers(approvers, 1, False))  # fmt: skip

    return Environments({"qa": env("qa", ()), "production": env("production", ("pat",))})


def deploy(h: Harness, service: str, version: str, env: str, outcome: str, ago_h: float,
           cause: str = "", kind: str = "deploy") -> None:  # fmt: skip
    at = time.time() - ago_h * HOUR
    rec = DeploymentRecord(service, version, env, f"{service}-{env}", kind, outcome, at,
                           commit="c0ffee1234", image=f"reg/{service}", image_digest=DIGEST,
                           revision=3, change_cause=cause or f"release {version}",
                           finished_at=at + 90)  # fmt: skip
    Deployments(h.store.engine).start(rec)


def ledger(h: Harness) -> None:
    deploy(h, "delivery", "1.0.1", "qa", "succeeded", 50)
    deploy(h, "delivery", "1.0.1", "production", "succeeded", 48)
    deploy(h, "delivery", "1.0.2", "qa", "succeeded", 30, HOSTILE)
    deploy(h, "delivery", "1.0.2", "production", "failed", 26)
    deploy(h, "ingestion", "2.3.0", "qa", "succeeded", 5)


def pending_approval(h: Harness, environment: str = "production", author: str = "rita") -> int:
    run = h.run("steps:\n- script: echo release\n")
    q = Question(environment, "delivery", "1.0.3", author, "reg/delivery", DIGEST, "oci://c",
                 "sha256:" + "b" * 64, time.time() + HOUR, ("pat",))  # fmt: skip
    h.store.create_decision(run.id, "Release", "Deploy", "approval", q.title(), q.as_data())
    return run.id
