"""``trigger: batch: true``: pushes during a run wait, merged, for one next run."""

from __future__ import annotations

from pathlib import Path

from tests.unit.run.harness import Harness

PIPELINE = "trigger:\n  batch: true\nsteps:\n- script: echo $(Build.Reason)\n  name: s\n"


def test_pushes_during_a_run_are_merged_into_one_next_run(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    first_sha = h.git.commit("main", {"azure-pipelines.yml": PIPELINE})

    def push(before: str, after: str) -> int | None:
        request = h.request(PIPELINE, batch=True)
        event = {"kind": "push", "ref": "refs/heads/main", "before": before, "after": after}
        fields = {**request.as_json(), "event": event, "sha": after, "reason": "IndividualCI"}
        future = h.engine.submit(type(request)(**fields))
        h.engine.run_once()
        return future.result(5)

    run1 = push("0" * 40, first_sha)
    assert run1 is not None
    second = h.git.commit("main", {"a.txt": "1"})
    third = h.git.commit("main", {"a.txt": "2"})
    assert push(first_sha, second) is None  # batched: run 1 is still going
    assert push(second, third) is None
    h.drive()
    runs = h.store.list_runs()
    assert len(runs) == 2
    batched = runs[0]
    assert batched.reason == "BatchedCI" and batched.sha == third
    assert batched.event["before"] == first_sha and batched.event["after"] == third
    assert str(batched.status) == "succeeded"
    assert "BatchedCI" in h.log(batched.id, "s")


def test_without_batch_every_push_runs(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    ids = [h.engine.submit(h.request(PIPELINE)) for _ in range(2)]
    h.engine.run_once()
    assert all(f.result(5) is not None for f in ids)
