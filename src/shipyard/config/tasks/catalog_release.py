"""The release pipeline's own tasks: ShipyardPromote@1, ShipyardDeploy@1, ShipyardSmokeTest@1.

Shipyard generates the steps that use them (``shipyard.deliver.release``); each takes the
release it works on (a JSON description of the build: service, version, commit, digests)
and the environment, whose rules come from Shipyard's settings, never from these inputs.
"""

from __future__ import annotations

from shipyard.config.tasks.model import TaskSpec, text

_INPUTS = (text("release", required=True), text("environment", required=True))

SPECS = (
    TaskSpec("ShipyardPromote", 1, "Promote a release's image into an environment", _INPUTS),
    TaskSpec("ShipyardDeploy", 1, "Deploy a release's chart to an environment", _INPUTS),
    TaskSpec("ShipyardSmokeTest", 1, "Smoke-test a deployed release's pods", _INPUTS),
)
