"""The Kubernetes executor's own decisions, with a fake cluster and a fake clock."""

from __future__ import annotations

from typing import Any

import pytest

from shipyard.adapters.kube import KubeRefused
from shipyard.adapters.kube_jobs import JobState, PodState
from shipyard.domain.diagnostics import ShipyardError
from shipyard.executor.kube_manifest import AgentPod
from shipyard.executor.kubernetes import START_GRACE_SECONDS, KubernetesExecutor
from shipyard.flow.run.records import QueuedJob
from tests.unit.executor.test_temporal_executor import Book, Clock, _spec

UNSCHEDULABLE = "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector."


class FakeCluster:
    def __init__(self, down: bool = False, refuse: Exception | None = None) -> None:
        self.refuse = refuse
        self.created: list[dict[str, Any]] = []
        self.deleted: list[str] = []
        self.jobs: dict[str, JobState] = {}
        self.calls = 0
        self.down = down

    def create(self, manifest: dict[str, Any]) -> None:
        if self.down:
            raise ShipyardError("the API server of context 'admin@devtest' did not answer")
        if self.refuse is not None:
            raise self.refuse
        self.created.append(manifest)

    def delete(self, name: str, grace_seconds: int | None = None) -> None:
        self.deleted.append(name)
        self.jobs.pop(name, None)

    def state(self, name: str) -> JobState | None:
        self.calls += 1
        return self.jobs.get(name)

    def states(self, labels: dict[str, str]) -> dict[str, JobState]:
        assert labels == {"shipyard.io/engine": "e1"}
        self.calls += 1
        return dict(self.jobs)

    def log_tail(self, pod: str, lines: int = 20) -> list[str]:
        return [f"shipyard-agent: last words of {pod}"]

    def close(self) -> None:
        pass


POD = AgentPod(namespace="agents", image="reg/node/agent:abc", env_secret="env", engine_id="e1")


def _executor(cluster: FakeCluster, book: Book, clock: Clock) -> KubernetesExecutor:
    return KubernetesExecutor(POD, cluster, book, wait_for_worker_seconds=30, clock=clock)


def _queue(book: Book, job_id: int = 7, claimed_by: str | None = None) -> None:
    book.queued[job_id] = QueuedJob(job_id, 1, "e1", claimed_by, None, False)


def _pending(reason: str = "", waiting: str = "") -> JobState:
    pod = PodState("sy-e1-7-abcde", "Pending", "", unschedulable=reason, waiting=waiting)
    return JobState("sy-e1-7", active=1, succeeded=0, failed=0, pods=(pod,))


def test_dispatch_creates_one_job_named_after_engine_and_job() -> None:
    cluster, book, clock = FakeCluster(), Book(), Clock()
    _executor(cluster, book, clock).dispatch(_spec())
    (manifest,) = cluster.created
    assert manifest["metadata"]["name"] == "sy-e1-7"
    assert manifest["metadata"]["namespace"] == "agents"
    assert not book.reports


def test_an_unreachable_api_server_fails_the_job_at_dispatch_saying_so() -> None:
    cluster, book, clock = FakeCluster(down=True), Book(), Clock()
    _executor(cluster, book, clock).dispatch(_spec())
    (report,) = book.reports
    assert report.kind == "job_finished" and report.data["status"] == "failed"
    assert "sy-e1-7" in report.data["message"] and "did not answer" in report.data["message"]


def test_a_demand_that_cannot_be_a_label_fails_the_job_at_dispatch() -> None:
    cluster, book, clock = FakeCluster(), Book(), Clock()
    _executor(cluster, book, clock).dispatch(_spec(demands=("tool -equals a b",)))
    assert not cluster.created
    assert "label value" in book.reports[0].data["message"]


def test_no_node_is_said_at_once_and_fails_the_job_after_the_wait() -> None:
    cluster, book, clock = FakeCluster(), Book(), Clock()
    ex = _executor(cluster, book, clock)
    ex.dispatch(_spec())
    _queue(book)
    cluster.jobs["sy-e1-7"] = _pending(UNSCHEDULABLE)
    ex.check()
    assert any("Waiting for a node of pool 'arm64' with demands docker" in x for x in book.lines)
    assert any("kubectl label node NODE shipyard.io/pool=arm64" in x for x in book.lines)
    assert not book.reports
    clock.t += 31
    ex.check()
    message = book.reports[0].data["message"]
    assert message.startswith("no node can take this job: no node of pool 'arm64'")
    assert "capability.shipyard.io/docker=true" in message
    assert cluster.deleted == ["sy-e1-7"]


def test_a_pod_that_cannot_pull_its_image_fails_after_a_grace_with_the_reason() -> None:
    cluster, book, clock = FakeCluster(), Book(), Clock()
    ex = _executor(cluster, book, clock)
    ex.dispatch(_spec())
    _queue(book)
    cluster.jobs["sy-e1-7"] = _pending(waiting="ImagePullBackOff: Back-off pulling image")
    ex.check()
    assert any("cannot start: ImagePullBackOff" in x for x in book.lines)
    assert not book.reports
    clock.t += START_GRACE_SECONDS
    ex.check()
    assert "could not start: ImagePullBackOff" in book.reports[0].data["message"]


def test_a_job_kubernetes_gave_up_on_fails_with_the_reason_and_the_pods_last_lines() -> None:
    cluster, book, clock = FakeCluster(), Book(), Clock()
    ex = _executor(cluster, book, clock)
    ex.dispatch(_spec())
    _queue(book, claimed_by="sy-e1-7-abcde#1")
    pod = PodState("sy-e1-7-abcde", "Failed", "node", terminated="OOMKilled (exit 137)")
    cluster.jobs["sy-e1-7"] = JobState(
        "sy-e1-7",
        0,
        0,
        3,
        failure="BackoffLimitExceeded: Job has reached the specified backoff limit",
        pods=(pod,),
    )
    ex.check()
    assert "BackoffLimitExceeded" in book.reports[0].data["message"]
    assert "[pod] shipyard-agent: last words of sy-e1-7-abcde" in book.lines


def test_a_finished_job_is_forgotten_and_its_job_left_for_its_ttl() -> None:
    cluster, book, clock = FakeCluster(), Book(), Clock()
    ex = _executor(cluster, book, clock)
    ex.dispatch(_spec())
    _queue(book, claimed_by="pod#1")
    cluster.jobs["sy-e1-7"] = JobState("sy-e1-7", 1, 0, 0)
    ex.check()
    del book.queued[7]  # the agent reported; the engine took it off the queue
    ex.check()
    assert cluster.deleted == [] and not book.reports


def test_a_job_canceled_before_any_pod_claimed_it_has_its_job_deleted() -> None:
    cluster, book, clock = FakeCluster(), Book(), Clock()
    ex = _executor(cluster, book, clock)
    ex.dispatch(_spec())
    cluster.jobs["sy-e1-7"] = _pending(UNSCHEDULABLE)
    ex.check()  # not queued (any more): the engine canceled it
    assert cluster.deleted == ["sy-e1-7"] and not book.reports


def test_a_job_that_ran_between_two_looks_keeps_its_job_for_its_log() -> None:
    cluster, book, clock = FakeCluster(), Book(), Clock()
    ex = _executor(cluster, book, clock)
    ex.dispatch(_spec())
    done = PodState("sy-e1-7-abcde", "Succeeded", "node")
    cluster.jobs["sy-e1-7"] = JobState("sy-e1-7", 0, 1, 0, pods=(done,))
    ex.check()  # claimed and finished before the monitor ever saw it queued
    assert cluster.deleted == [] and not book.reports


def test_cancel_deletes_the_job_and_its_vanishing_is_not_a_failure() -> None:
    cluster, book, clock = FakeCluster(), Book(), Clock()
    ex = _executor(cluster, book, clock)
    ex.dispatch(_spec())
    _queue(book, claimed_by="pod#1")
    cluster.jobs["sy-e1-7"] = JobState("sy-e1-7", 1, 0, 0)
    ex.cancel(7)
    assert cluster.deleted == ["sy-e1-7"]
    ex.check()
    assert not book.reports  # the agent reports the cancel through the store


def test_a_job_deleted_by_somebody_else_fails_saying_so() -> None:
    cluster, book, clock = FakeCluster(), Book(), Clock()
    ex = _executor(cluster, book, clock)
    ex.dispatch(_spec())
    _queue(book, claimed_by="pod#1")
    ex.check()
    assert "was deleted before it ended" in book.reports[0].data["message"]


def test_one_look_at_the_cluster_serves_every_job_of_the_engine() -> None:
    cluster, book, clock = FakeCluster(), Book(), Clock()
    ex = _executor(cluster, book, clock)
    for job_id in (7, 8, 9):
        ex.dispatch(_spec(job_id=job_id))
        _queue(book, job_id)
        cluster.jobs[f"sy-e1-{job_id}"] = JobState(f"sy-e1-{job_id}", 1, 0, 0)
    ex.check()
    assert cluster.calls == 1 and not book.reports


def test_a_job_an_earlier_try_created_already_is_tracked_not_failed() -> None:
    cluster = FakeCluster(refuse=KubeRefused('jobs "sy-e1-7" already exists', code=409))
    book, clock = Book(), Clock()
    ex = _executor(cluster, book, clock)
    ex.dispatch(_spec())
    assert not book.reports
    _queue(book)
    cluster.jobs["sy-e1-7"] = _pending(UNSCHEDULABLE)
    ex.check()
    assert any("Waiting for a node" in x for x in book.lines)


def test_a_create_whose_answer_was_lost_removes_the_job_it_may_have_made() -> None:
    cluster, book, clock = FakeCluster(down=True), Book(), Clock()
    _executor(cluster, book, clock).dispatch(_spec())
    assert cluster.deleted == ["sy-e1-7"] and book.reports[0].data["status"] == "failed"


class AwayBook(Book):
    def __init__(self) -> None:
        super().__init__()
        self.away = True

    def report(self, report: Any) -> None:
        if self.away:
            raise ShipyardError("database is locked")
        super().report(report)


def test_a_failure_the_store_could_not_take_is_reported_again_at_the_next_look() -> None:
    cluster, book, clock = FakeCluster(), AwayBook(), Clock()
    ex = _executor(cluster, book, clock)
    ex.dispatch(_spec())
    _queue(book)
    cluster.jobs["sy-e1-7"] = _pending(UNSCHEDULABLE)
    clock.t += 31
    with pytest.raises(ShipyardError):  # the monitor's loop swallows it
        ex.check()
    assert not book.reports and cluster.deleted == []
    book.away = False
    ex.check()
    assert book.reports[0].data["message"].startswith("no node can take this job")


class ClaimingBook(Book):
    """The store as a pod claims the job between the monitor's look and its verdict."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    def queued_jobs(self, run_id: int) -> list[QueuedJob]:
        self.reads += 1
        if self.reads > 1:
            self.queued[7] = QueuedJob(7, 1, "e1", "sy-e1-7-abcde#1", None, False)
        return super().queued_jobs(run_id)


def test_a_pod_that_claims_while_the_monitor_decides_keeps_its_job() -> None:
    cluster, book, clock = FakeCluster(), ClaimingBook(), Clock()
    ex = _executor(cluster, book, clock)
    ex.dispatch(_spec())
    _queue(book)
    cluster.jobs["sy-e1-7"] = _pending(UNSCHEDULABLE)
    clock.t += 31
    ex.check()
    assert not book.reports and cluster.deleted == []


def test_a_pod_that_runs_but_never_claims_fails_after_the_wait_and_the_grace() -> None:
    cluster, book, clock = FakeCluster(), Book(), Clock()
    ex = _executor(cluster, book, clock)
    ex.dispatch(_spec())
    _queue(book)
    pod = PodState("sy-e1-7-abcde", "Pending", "node", waiting="ContainerCreating")
    cluster.jobs["sy-e1-7"] = JobState("sy-e1-7", 1, 0, 0, pods=(pod,))
    clock.t += 31
    ex.check()
    assert not book.reports  # image pulls and volume mounts get their minute
    clock.t += START_GRACE_SECONDS
    ex.check()
    assert "did not take the job" in book.reports[0].data["message"]
    assert "ContainerCreating" in book.reports[0].data["message"]
