"""The steps around a deploy: promotion into the environment's namespace, the smoke test.

Promotion copies the image by digest (the registry mounts its blobs; no layer moves) and
must deliver the very digest the build produced and the approval quoted; anything else
stops the release. The smoke test asks every pod of the release, over the cluster network,
for the service's health endpoint, and names each pod that does not answer 200.
"""

from __future__ import annotations

from dataclasses import dataclass

from shipyard.deliver.deploy import Say, deployed_image
from shipyard.deliver.kit import DeliveryKit
from shipyard.deliver.model import ImageRef, PromotionResult
from shipyard.deliver.ports import DeliveryFailed
from shipyard.deliver.release import Release

HEALTH_PATH = "/health"
HEALTH_PORT = 8080


def promote(kit: DeliveryKit, release: Release, environment: str, say: Say) -> PromotionResult:
    source = ImageRef(
        release.registry, release.image_repository, release.version, release.image_digest
    )
    dest = deployed_image(kit, release, environment)
    if dest.repository == source.repository:
        say(f"{environment} runs images from {source.repository}: nothing to promote")
        return PromotionResult(source, dest, release.image_digest, 0, 0, 0, 0, 0.0)
    result = kit.promoter.promote(source, dest.repository, release.version)
    if result.digest != release.image_digest:
        raise DeliveryFailed(
            f"promotion delivered {result.digest} to {dest.repository}, not the built "
            f"{release.image_digest}: stopping"
        )
    say(
        f"promoted {source.reference()} -> {dest.name}:{dest.tag} ({result.digest}): "
        f"{result.blobs_mounted} blob(s) mounted, {result.blobs_present} already there, "
        f"{result.bytes_moved} bytes moved, {result.seconds * 1000:.0f} ms"
    )
    return result


@dataclass(frozen=True)
class SmokeResult:
    pod: str
    url: str
    status: int
    detail: str
    simulated: bool = False  # a simulated node: readiness is all there is to check
    ready: bool = False

    @property
    def ok(self) -> bool:
        return self.ready if self.simulated else self.status == 200


def smoke_test(
    kit: DeliveryKit, release: Release, environment: str, say: Say, timeout_s: float = 5.0
) -> list[SmokeResult]:
    """GET the health endpoint of every pod of the release; raises when none answers or
    any answers with something other than 200."""
    target = kit.target(environment)
    found = kit.cluster.pods(target, {"app.kubernetes.io/instance": release.release})
    # Only the pods of this rollout: an earlier ReplicaSet's pods may still be shutting
    # down after `helm --wait` returned, and they answer for another build.
    pods = [
        p
        for p in found
        if not p.terminating and any(i.endswith("@" + release.image_digest) for i in p.images)
    ]
    if not pods:
        raise DeliveryFailed(f"no pods of {release.release} in {target.describe()}")
    results: list[SmokeResult] = []
    for pod in pods:
        if target.simulated:
            word = "ready" if pod.ready else f"not ready ({pod.phase})"
            results.append(SmokeResult(pod.name, "", 0, word, simulated=True, ready=pod.ready))
            say(
                f"{pod.name} on simulated node {pod.node or '?'}: {word}; "
                "no process runs there, so readiness is the whole check"
            )
            continue
        if not pod.ip:
            results.append(SmokeResult(pod.name, "", 0, f"pod has no IP ({pod.phase})"))
            continue
        url = f"http://{pod.ip}:{HEALTH_PORT}{HEALTH_PATH}"
        status, body = kit.probe.get(url, timeout_s)
        results.append(SmokeResult(pod.name, url, status, body.strip()[:200]))
        say(f"{pod.name} on {pod.node or '?'}: GET {url} -> {status or 'no answer'}")
    bad = [r for r in results if not r.ok]
    if bad:
        named = "; ".join(f"{r.pod}: {r.status or 'no answer'} {r.detail}" for r in bad)
        raise DeliveryFailed(f"smoke test of {release.release} in {environment} failed: {named}")
    return results
