"""Why a rollout did not finish, in words that name the pod, the container and the cause.

``helm upgrade --install --wait`` that times out says "context deadline exceeded"; ``kubectl
rollout status`` says "exceeded its progress deadline". Neither says that the readiness probe
on port 9999 is refused, that the image tag does not exist, or that Pod Security refused the
pods. That is in the pods' conditions and container states and in the events of the pods and
their ReplicaSets, which an environment's deployer identity may read. :func:`explain` turns
them into one line per problem (pure, tested without a cluster); :func:`diagnose` reads them.

On simulated nodes every pod turns Ready, so this only finds something on a real node, which
is the point of having one.
"""

from __future__ import annotations

from dataclasses import dataclass

from shipyard.adapters.kubeview import ContainerView, DeploymentView, EventView, PodView
from shipyard.platform.deps import KubeReader

_PULL = {"ImagePullBackOff", "ErrImagePull", "InvalidImageName", "ErrImageNeverPull"}
_CONFIG = {"CreateContainerConfigError", "CreateContainerError", "RunContainerError"}


@dataclass(frozen=True, slots=True)
class RolloutReport:
    namespace: str
    deployment: str
    found: bool
    desired: int
    ready: int
    problems: tuple[str, ...]

    @property
    def complete(self) -> bool:
        return self.found and self.ready >= self.desired and not self.problems

    def text(self) -> str:
        if not self.found:
            return f"deployment {self.namespace}/{self.deployment} does not exist"
        head = (
            f"deployment {self.namespace}/{self.deployment}: "
            f"{self.ready} of {self.desired} pod(s) ready"
        )
        return "\n".join([head, *(f"  - {p}" for p in self.problems)])

    def as_json(self) -> dict[str, object]:
        return {
            "namespace": self.namespace,
            "deployment": self.deployment,
            "found": self.found,
            "desired": self.desired,
            "ready": self.ready,
            "complete": self.complete,
            "problems": list(self.problems),
        }


def _events_of(events: list[EventView], kind: str, name: str) -> list[EventView]:
    return [e for e in events if e.object_kind == kind and e.object_name == name]


def _times(event: EventView) -> str:
    return f" ({event.count} times)" if event.count > 1 else ""


def _probe_failure(pod: PodView, container: ContainerView, events: list[EventView]) -> str:
    """A running container that is not ready: which probe, on what, and what it got."""
    mine = [
        e
        for e in _events_of(events, "Pod", pod.name)
        if e.reason == "Unhealthy" and e.type == "Warning"
    ]
    readiness = next((p for p in container.probes if p.kind == "readiness"), None)
    for kind in ("Readiness", "Liveness", "Startup"):
        failed = [e for e in mine if e.message.startswith(f"{kind} probe")]
        if failed:
            probe = next((p for p in container.probes if p.kind == kind.lower()), None)
            what = f"{kind.lower()} probe ({probe.action})" if probe else f"{kind.lower()} probe"
            last = failed[-1]
            detail = last.message.split(":", 1)[1].strip() if ":" in last.message else ""
            return (
                f"pod {pod.name}: container {container.name} runs, but its {what} fails"
                + (f": {detail}" if detail else "")
                + _times(last)
            )
    if readiness is not None:
        return (
            f"pod {pod.name}: container {container.name} runs, but its readiness probe "
            f"({readiness.action}) has not passed yet"
        )
    return f"pod {pod.name}: container {container.name} runs but is not ready"


def _container_problem(pod: PodView, c: ContainerView, events: list[EventView]) -> str | None:
    who = f"pod {pod.name}: container {c.name}"
    if c.ready:
        return None
    if c.state == "waiting" and c.reason in _PULL:
        pulls = [e for e in _events_of(events, "Pod", pod.name) if e.reason == "Failed"]
        detail = pulls[-1].message if pulls else c.message
        return f"{who} cannot pull its image ({c.reason}): {detail}"
    if c.state == "waiting" and c.reason == "CrashLoopBackOff":
        how = f"exit code {c.last_exit_code}" if c.last_exit_code is not None else "it exits"
        why = f", {c.last_reason}" if c.last_reason and c.last_reason != "Error" else ""
        return f"{who} keeps stopping ({how}{why}; restarted {c.restarts} times)"
    if c.state == "waiting" and c.reason in _CONFIG:
        return f"{who} cannot start ({c.reason}): {c.message}"
    if c.state == "terminated":
        return f"{who} ended ({c.reason or 'terminated'}, exit code {c.exit_code})"
    if c.state == "running":
        return _probe_failure(pod, c, events)
    if c.state == "waiting" and c.reason not in ("", "ContainerCreating", "PodInitializing"):
        return f"{who} is waiting ({c.reason}){': ' + c.message if c.message else ''}"
    return None


def _pod_problems(pod: PodView, events: list[EventView]) -> list[str]:
    if pod.ready or pod.deleting:
        return []
    scheduled = next((c for c in pod.conditions if c.type == "PodScheduled"), None)
    if scheduled is not None and scheduled.status == "False":
        failed = [e for e in _events_of(events, "Pod", pod.name) if e.reason == "FailedScheduling"]
        message = failed[-1].message if failed else scheduled.message
        return [f"pod {pod.name} is not scheduled: {message or scheduled.reason}"]
    found = [p for c in pod.containers if (p := _container_problem(pod, c, events))]
    if not found and pod.phase == "Pending":
        warnings = [e for e in _events_of(events, "Pod", pod.name) if e.type == "Warning"]
        if warnings:
            last = warnings[-1]
            found.append(f"pod {pod.name} is pending: {last.reason}: {last.message}")
    return found


def explain(
    namespace: str,
    name: str,
    deployment: DeploymentView | None,
    pods: list[PodView],
    events: list[EventView],
) -> RolloutReport:
    if deployment is None:
        return RolloutReport(namespace, name, False, 0, 0, ())
    problems: list[str] = []
    for pod in sorted(pods, key=lambda p: p.name):
        problems += _pod_problems(pod, events)
    # Pods that were never created: admission (Pod Security, quota) refused them.
    for event in events:
        if (
            event.object_kind == "ReplicaSet"
            and event.object_name.startswith(f"{name}-")
            and event.reason == "FailedCreate"
        ):
            problems.append(f"replica set {event.object_name} cannot create pods: {event.message}")
    progressing = next((c for c in deployment.conditions if c.type == "Progressing"), None)
    if progressing is not None and progressing.reason == "ProgressDeadlineExceeded":
        problems.append(f"deployment {name}: {progressing.message}")
    unique = tuple(dict.fromkeys(problems))
    return RolloutReport(namespace, name, True, deployment.desired, deployment.ready, unique)


def diagnose(reader: KubeReader, namespace: str, name: str) -> RolloutReport:
    """Read the Deployment, its pods and the namespace's events, and explain."""
    deployment = reader.deployment(namespace, name)
    if deployment is None:
        return explain(namespace, name, None, [], [])
    pods = reader.pods(namespace, deployment.selector)
    return explain(namespace, name, deployment, pods, reader.events(namespace))
