"""One deploy of a release to an environment, with every check before the cluster is touched.

Order matters, and each refusal leaves the cluster as it was:

1. the approval (where the environment needs one) must be *approved* and quote the very
   image and chart digests being deployed;
2. an older build of the same version never replaces a newer one (the ledger knows which
   build last went out);
3. the chart is rendered with the deploy's values and the manifests are checked against the
   environment's policy (``latest``, digest pinning, registry namespace, root);
4. the environment's lock is taken (another release waits, saying who holds it);
5. a release left ``pending-*`` by a killed deploy is recovered;
6. ``helm upgrade --install --wait --rollback-on-failure`` runs with the environment's
   timeout; a rollout that never becomes ready fails naming the pod and the probe.

Every attempt is a ledger line (``running`` first, then its outcome), so ``shipyard
history`` and the DORA figures see failures as well as successes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

from shipyard.deliver.kit import DeliveryKit
from shipyard.deliver.model import ChartRef, DeploymentRecord, ImageRef, UpgradeRequest
from shipyard.deliver.ports import DeliveryFailed, RolloutFailed
from shipyard.deliver.release import Release
from shipyard.ports import StepRunner

Say = Callable[[str], None]
LOCK_POLL_S = 2.0
LOCK_SAY_EVERY_S = 20.0


class DeployRefused(DeliveryFailed):
    """A check before the cluster said no; nothing was deployed."""


def deployed_image(kit: DeliveryKit, release: Release, environment: str) -> ImageRef:
    """The image as this environment runs it: from its own registry namespace, by digest."""
    ns = kit.environments[environment].registry_namespace
    return ImageRef(kit.registry, f"{ns}/{release.service}", release.version, release.image_digest)


def change_cause(release: Release, run_id: int, approvers: tuple[str, ...]) -> str:
    text = (
        f"{release.service} {release.version} from commit {release.commit[:12]} "
        f"(build run {release.build_run_id}, release run {run_id})"
    )
    return text + (f", approved by {', '.join(approvers)}" if approvers else "")


def upgrade_request(
    kit: DeliveryKit, release: Release, environment: str, cause: str
) -> UpgradeRequest:
    image = deployed_image(kit, release, environment)
    chart = ChartRef(
        release.registry,
        release.chart_repository,
        release.chart_version,
        plain_http=release.plain_http,
        digest=release.chart_digest,
    )
    values: dict[str, object] = {
        "dockerregistry": image.address,
        "image": {"repository": image.repository, "tag": image.tag, "digest": image.digest},
        "reason": cause,
        # In the pod template too (the scaffold's podAnnotations), so that every deploy and
        # rollback is its own ReplicaSet and `kubectl rollout history` counts as helm does.
        "podAnnotations": {"shipyard.dev/change-cause": cause},
    }
    return UpgradeRequest(
        release.release,
        chart,
        values,
        timeout_s=kit.environments[environment].helm_timeout_s,
        description=cause[:200],
    )


def approved_by(
    kit: DeliveryKit, release: Release, environment: str, run_id: int
) -> tuple[str, ...]:
    """The approvers of this deploy; raises DeployRefused when it is not approved as is."""
    policy = kit.environments[environment]
    if not policy.approvers.required:
        return ()
    status, data, by = kit.ledger.approval(run_id, environment)
    if status != "approved":
        raise DeployRefused(
            f"{environment} needs an approval and this run has none ({status or 'not asked'})"
        )
    bound = (data.get("image_digest"), data.get("chart_digest") or "")
    if bound != (release.image_digest, release.chart_digest):
        raise DeployRefused(
            f"the approval for {environment} was given for image {data.get('image_digest')} "
            f"and chart {data.get('chart_digest')}, not for {release.image_digest} and "
            f"{release.chart_digest}: a new build needs a new approval"
        )
    return tuple(p.strip() for p in by.split(",") if p.strip())


def check_newer_build(kit: DeliveryKit, release: Release, environment: str) -> None:
    for done in kit.ledger.deployments(release.service, environment, release.version):
        newer = done.build_run_id > release.build_run_id
        if done.kind == "deploy" and done.outcome == "succeeded" and newer:
            raise DeployRefused(
                f"{release.service} {release.version} from build run "
                f"{done.build_run_id} is already deployed to {environment}; build run "
                f"{release.build_run_id} is older and is not deployed over it"
            )


def take_lock(
    kit: DeliveryKit, environment: str, run_id: int, say: Say, sleep: Callable[[float], None]
) -> None:
    if not kit.environments[environment].exclusive:
        return
    waited, said = 0.0, -LOCK_SAY_EVERY_S
    while (holder := kit.ledger.try_lock(environment, run_id, f"run {run_id}")) is not None:
        if waited - said >= LOCK_SAY_EVERY_S:
            say(f"waiting for {environment}: run {holder} is deploying there")
            said = waited
        sleep(LOCK_POLL_S)
        waited += LOCK_POLL_S


def deploy(
    kit: DeliveryKit,
    release: Release,
    environment: str,
    run_id: int,
    say: Say,
    run: StepRunner,
    sleep: Callable[[float], None] = time.sleep,
) -> DeploymentRecord:
    """Deploy ``release`` to ``environment`` (see the module's docstring for the order)."""
    policy = kit.environments[environment]
    target = kit.target(environment)
    approvers = approved_by(kit, release, environment, run_id)
    if approvers:
        say(f"approved by {', '.join(approvers)} for exactly {release.image_digest}")
    check_newer_build(kit, release, environment)
    cause = change_cause(release, run_id, approvers)
    request = upgrade_request(kit, release, environment, cause)
    manifests = kit.helm.render(target, request)
    findings = kit.check_manifests(manifests, policy.manifest_policy(kit.registry))
    if findings:
        raise DeployRefused(
            f"the chart's manifests break {environment}'s policy; nothing was deployed:\n  "
            + "\n  ".join(findings)
        )
    say(f"manifests comply with {environment}'s policy")
    take_lock(kit, environment, run_id, say, sleep)
    try:
        return _upgrade(kit, release, environment, run_id, request, approvers, say, run)
    finally:
        if policy.exclusive:
            kit.ledger.unlock(environment, run_id)


def _upgrade(
    kit: DeliveryKit,
    release: Release,
    environment: str,
    run_id: int,
    request: UpgradeRequest,
    approvers: tuple[str, ...],
    say: Say,
    run: StepRunner,
) -> DeploymentRecord:
    target = kit.target(environment)
    recovered = kit.helm.recover(target, release.release, run)
    if recovered:
        say(f"recovered {release.release}: {recovered}")
    image = deployed_image(kit, release, environment)
    record = DeploymentRecord(
        service=release.service,
        version=release.version,
        environment=environment,
        release=release.release,
        kind="deploy",
        outcome="running",
        started_at=time.time(),
        run_id=run_id,
        build_run_id=release.build_run_id,
        commit=release.commit,
        image=image.reference(),
        image_digest=release.image_digest,
        chart=release.chart,
        chart_digest=release.chart_digest,
        change_cause=str(request.values.get("reason", "")),
        approvers=approvers,
    )
    ledger_id = kit.ledger.start(record)
    try:
        state = kit.helm.upgrade(target, request, run)
    except RolloutFailed as err:
        text = f"{err}" + (f"\n{err.explanation}" if err.explanation else "")
        kit.ledger.finish(ledger_id, "failed", 0, text)
        raise
    except DeliveryFailed as err:
        kit.ledger.finish(ledger_id, "failed", 0, str(err))
        raise
    kit.ledger.finish(ledger_id, "succeeded", state.revision, "")
    say(f"{release.release} revision {state.revision} is {state.status} in {target.describe()}")
    return replace(
        record, outcome="succeeded", revision=state.revision, finished_at=time.time(), id=ledger_id
    )
