"""The release pipeline's steps: ShipyardPromote@1, ShipyardDeploy@1, ShipyardSmokeTest@1.

They run inside Shipyard's generated release pipeline (:mod:`shipyard.deliver.release`);
each reads the release it works on from its ``release`` input (the build's service,
version, commit and digests) and its ``environment`` input, and does its work through the
:class:`~shipyard.deliver.kit.DeliveryKit` the executor provides. The decisions are in
:mod:`shipyard.deliver.deploy` and :mod:`shipyard.deliver.checks`; this module only turns
their results and refusals into a step's log, test results and outcome.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from shipyard.deliver import checks
from shipyard.deliver.deploy import deploy
from shipyard.deliver.kit import DeliveryKit
from shipyard.deliver.ports import RolloutFailed
from shipyard.deliver.release import Release
from shipyard.domain.diagnostics import ShipyardError
from shipyard.flow.builds import StepFailed
from shipyard.flow.run.records import TestCase
from shipyard.tasks.api import Shell, TaskContext, TaskOutcome
from shipyard.tasks.plugins._images import LoggedRunner
from shipyard.tasks.registry import register


def kit(ctx: TaskContext) -> DeliveryKit:
    try:
        return ctx.service(DeliveryKit)
    except (ShipyardError, LookupError):
        raise StepFailed(
            "this executor offers no delivery tools (helm, the clusters, the registry)",
            hint="run releases on a local worker of a machine where `shipyard platform up` ran",
        ) from None


def release_of(inputs: Mapping[str, str]) -> tuple[Release, str]:
    try:
        data = json.loads(inputs.get("release", ""))
    except json.JSONDecodeError:
        raise StepFailed("the step's 'release' input is not a release description") from None
    environment = inputs.get("environment", "").strip()
    if not environment:
        raise StepFailed("the step needs an 'environment' input")
    return Release.from_json(data), environment


def run_id(ctx: TaskContext) -> int:
    text = ctx.variable("Build.BuildId") or "0"
    return int(text) if text.isdigit() else 0


class _ReleaseTask:
    major = 1
    shell_inputs: frozenset[str] = frozenset()
    shell: Shell = "bash"


class ShipyardPromote(_ReleaseTask):
    name = "ShipyardPromote"

    def run(self, ctx: TaskContext, inputs: Mapping[str, str]) -> TaskOutcome:
        release, environment = release_of(inputs)
        result = checks.promote(kit(ctx), release, environment, ctx.log)
        return TaskOutcome.ok(f"{result.dest.reference()} is {result.digest}")


class ShipyardDeploy(_ReleaseTask):
    name = "ShipyardDeploy"

    def run(self, ctx: TaskContext, inputs: Mapping[str, str]) -> TaskOutcome:
        release, environment = release_of(inputs)
        try:
            record = deploy(kit(ctx), release, environment, run_id(ctx), ctx.log, LoggedRunner(ctx))
        except RolloutFailed as err:
            if err.explanation:
                for line in err.explanation.splitlines():
                    ctx.error(line)
            return TaskOutcome.failed(
                f"{err.message} (helm rolled {release.release} back)"
                + (f": {err.explanation.splitlines()[0]}" if err.explanation else "")
            )
        return TaskOutcome.ok(f"{record.release} deployed to {environment}: {record.image}")


class ShipyardSmokeTest(_ReleaseTask):
    name = "ShipyardSmokeTest"

    def run(self, ctx: TaskContext, inputs: Mapping[str, str]) -> TaskOutcome:
        release, environment = release_of(inputs)
        try:
            results = checks.smoke_test(kit(ctx), release, environment, ctx.log)
        except ShipyardError as err:
            ctx.publish_tests(
                f"smoke test {environment}",
                [TestCase(f"{release.release} health", "smoke", "failed", message=err.message)],
            )
            raise
        ctx.publish_tests(
            f"smoke test {environment}",
            [TestCase(f"{r.pod} GET {checks.HEALTH_PATH}", "smoke", "passed") for r in results],
        )
        return TaskOutcome.ok(f"{len(results)} pod(s) of {release.release} healthy")


register(ShipyardPromote())
register(ShipyardDeploy())
register(ShipyardSmokeTest())
