"""One real node per machine: a second platform that asks for one gets simulated nodes, says
why in one line, and leaves the first platform's node alone when it stops."""

from __future__ import annotations

import pytest

from shipyard.platform import Platform
from tests.integration.platform import realnode
from tests.integration.platform.conftest import Instance

pytestmark = [pytest.mark.integration, pytest.mark.platform]


@pytest.mark.parametrize("instance", ["kubelet"], indirect=True)
def test_a_second_platform_falls_back_to_simulated_nodes(
    instance: Instance, shipyard_platform: Platform
) -> None:
    realnode.real_node(shipyard_platform)  # the session's platform holds this machine's node
    done = instance.cli("up", check=True)
    warnings = [line for line in done.stderr.splitlines() if "real node:" in line]
    assert len(warnings) == 1, done.stderr
    assert "this machine's real node belongs to the platform at" in warnings[0]
    assert "cluster devtest uses simulated nodes" in warnings[0]

    devtest = instance.status()["clusters"][0]
    assert devtest["state"] == "running"
    assert devtest["real_node"]["state"] == "simulated"
    assert "belongs to the platform at" in devtest["real_node"]["detail"]
    assert [(n["kind"], n["ready"]) for n in devtest["nodes"]] == [("kwok", True)]
    assert "no real node: this machine's real node belongs" in instance.cli("status").stdout

    instance.cli("down", check=True)
    realnode.real_node(shipyard_platform)  # still there, still Ready
