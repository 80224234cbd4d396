"""A failed rollout explained: the pod, the container and the cause, from conditions and events."""

from __future__ import annotations

from shipyard.adapters.kubeview import (
    Condition,
    ContainerView,
    DeploymentView,
    EventView,
    PodView,
    ProbeSpec,
)
from shipyard.platform.rollout import diagnose, explain
from tests.unit.platform.fake_host import FakeReader

DEPLOYMENT = DeploymentView("web", "qa", 1, 0, 1, 0, {"app": "web"})
PROBES = (
    ProbeSpec("readiness", "http-get :9999/health"),
    ProbeSpec("liveness", "http-get :http/health"),
)
SCHEDULED = (Condition("PodScheduled", "True"), Condition("Ready", "False", "ContainersNotReady"))


def _pod(container: ContainerView, conditions: tuple[Condition, ...] = SCHEDULED) -> PodView:
    return PodView("web-5d9c-abcde", "Running", "shipyard-node", conditions, (container,))


def _event(reason: str, message: str, count: int = 1, kind: str = "Pod") -> EventView:
    name = "web-5d9c-abcde" if kind == "Pod" else "web-5d9c"
    return EventView(kind, name, "Warning", reason, message, count)


def test_a_readiness_probe_that_fails_is_named_with_its_port_and_the_answer() -> None:
    container = ContainerView("app", False, state="running", probes=PROBES)
    events = [
        _event(
            "Unhealthy",
            'Readiness probe failed: Get "http://10.244.0.5:9999/health": '
            "dial tcp 10.244.0.5:9999: connect: connection refused",
            count=7,
        ),
        EventView("Pod", "other-pod", "Warning", "Unhealthy", "Readiness probe failed: x"),
    ]
    report = explain("qa", "web", DEPLOYMENT, [_pod(container)], events)
    assert not report.complete
    assert report.text() == (
        "deployment qa/web: 0 of 1 pod(s) ready\n"
        "  - pod web-5d9c-abcde: container app runs, but its readiness probe "
        '(http-get :9999/health) fails: Get "http://10.244.0.5:9999/health": dial tcp '
        "10.244.0.5:9999: connect: connection refused (7 times)"
    )


def test_a_probe_that_has_not_run_yet_is_said_so() -> None:
    container = ContainerView("app", False, state="running", probes=PROBES)
    report = explain("qa", "web", DEPLOYMENT, [_pod(container)], [])
    assert report.problems == (
        "pod web-5d9c-abcde: container app runs, but its readiness probe "
        "(http-get :9999/health) has not passed yet",
    )


def test_images_crashes_and_scheduling() -> None:
    pull = ContainerView(
        "app", False, state="waiting", reason="ImagePullBackOff", message="Back-off"
    )
    pulled = explain(
        "qa",
        "web",
        DEPLOYMENT,
        [_pod(pull)],
        [
            _event("Failed", 'Failed to pull image "reg/web:v9": not found'),
        ],
    )
    assert pulled.problems == (
        "pod web-5d9c-abcde: container app cannot pull its image (ImagePullBackOff): "
        'Failed to pull image "reg/web:v9": not found',
    )
    crash = ContainerView(
        "app",
        False,
        restarts=4,
        state="waiting",
        reason="CrashLoopBackOff",
        last_reason="OOMKilled",
        last_exit_code=137,
    )
    assert explain("qa", "web", DEPLOYMENT, [_pod(crash)], []).problems == (
        "pod web-5d9c-abcde: container app keeps stopping (exit code 137, OOMKilled; "
        "restarted 4 times)",
    )
    pending = PodView(
        "web-5d9c-abcde",
        "Pending",
        "",
        (Condition("PodScheduled", "False", "Unschedulable", "0/1 nodes are available"),),
        (),
    )
    assert explain(
        "qa",
        "web",
        DEPLOYMENT,
        [pending],
        [
            _event("FailedScheduling", "0/1 nodes are available: 1 Insufficient memory."),
        ],
    ).problems == (
        "pod web-5d9c-abcde is not scheduled: 0/1 nodes are available: 1 Insufficient memory.",
    )


def test_pods_refused_by_admission_are_found_on_the_replica_set() -> None:
    events = [
        _event(
            "FailedCreate",
            'pods "web-5d9c-x" is forbidden: violates PodSecurity '
            '"restricted:latest": runAsNonRoot != true',
            kind="ReplicaSet",
        )
    ]
    report = explain("qa", "web", DEPLOYMENT, [], events)
    assert report.problems == (
        'replica set web-5d9c cannot create pods: pods "web-5d9c-x" is forbidden: violates '
        'PodSecurity "restricted:latest": runAsNonRoot != true',
    )


def test_ready_pods_and_missing_deployments() -> None:
    ready = PodView(
        "web-1",
        "Running",
        "n",
        (Condition("Ready", "True"),),
        (ContainerView("app", True, state="running"),),
    )
    done = DeploymentView("web", "qa", 1, 1, 1, 1, {"app": "web"})
    report = explain("qa", "web", done, [ready], [])
    assert report.complete and report.text() == "deployment qa/web: 1 of 1 pod(s) ready"
    reader = FakeReader()
    missing = diagnose(reader, "qa", "web")
    assert not missing.complete and missing.text() == "deployment qa/web does not exist"
    reader.deployments[("qa", "web")] = done
    reader.pod_views = [ready]
    assert diagnose(reader, "qa", "web").as_json()["complete"] is True
