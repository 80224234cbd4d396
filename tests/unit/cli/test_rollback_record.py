"""A rollback's ledger line says what it brought back: the digests of the revision restored."""

from __future__ import annotations

import time

from shipyard.cli.history_cmd import _record, _restoring
from shipyard.deliver.model import DeploymentRecord
from tests.fakes.delivery import FakeLedger


def deployed(ledger: FakeLedger, revision: int, digest: str) -> None:
    line = ledger.start(
        DeploymentRecord(
            service="delivery",
            version="v1.0.2",
            environment="production",
            release="delivery-v1-0-2",
            kind="deploy",
            outcome="running",
            started_at=time.time(),
            build_run_id=7,
            commit="c" * 40,
            image=f"127.0.0.1:5000/prod/delivery:v1.0.2@{digest}",
            image_digest=digest,
            chart_digest="sha256:" + "c" * 64,
        )
    )
    ledger.finish(line, "succeeded", revision, "")


def test_the_rollback_line_carries_the_restored_revisions_digests() -> None:
    ledger = FakeLedger()
    deployed(ledger, 1, "sha256:" + "1" * 64)
    deployed(ledger, 2, "sha256:" + "2" * 64)
    base = _record("delivery", "v1.0.2", "production", "rollback", "rita", "rollback to 1")
    line = _restoring(ledger, base, 1)
    assert line.image_digest == "sha256:" + "1" * 64
    assert (line.commit, line.build_run_id, line.kind) == ("c" * 40, 7, "rollback")


def test_an_unknown_revision_leaves_the_line_as_it_was() -> None:
    base = _record("delivery", "v1.0.2", "production", "rollback", "rita", "rollback to 9")
    assert _restoring(FakeLedger(), base, 9) == base
