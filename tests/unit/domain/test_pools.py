"""Pools and demands as task-queue names: a job's queue is one a matching worker polls."""

from __future__ import annotations

import pytest

from shipyard.domain import pools


def test_azure_demand_forms_are_normalised() -> None:
    assert pools.normalise(["docker", "Agent.OS -equals Linux", "docker"]) == (
        "Agent.OS=Linux",
        "docker",
    )
    # A bare name next to a value for it adds nothing.
    assert pools.normalise(["Agent.OS", "Agent.OS -equals Linux"]) == ("Agent.OS=Linux",)


@pytest.mark.parametrize("bad", ["two words", "", "x -equals a,b", "$(evil)"])
def test_bad_demands_are_refused_with_the_expected_form(bad: str) -> None:
    with pytest.raises(pools.DemandError, match=r"expected|may not"):
        pools.parse_demand(bad)


def test_a_worker_polls_the_queue_of_every_job_it_satisfies() -> None:
    queues = pools.queues_for(["linux"], ["docker", "Agent.OS=Linux"])
    for demands in ([], ["docker"], ["Agent.OS"], ["Agent.OS=Linux", "docker"]):
        assert pools.task_queue("linux", pools.normalise(demands)) in queues
    assert pools.task_queue("linux", ("gpu",)) not in queues
    assert pools.task_queue("linux", ("Agent.OS=Windows",)) not in queues
    assert pools.task_queue("arm64", ()) not in queues


def test_queue_names_do_not_depend_on_the_order_demands_were_written() -> None:
    a = pools.task_queue("p", pools.normalise(["b", "a"]))
    assert a == pools.task_queue("p", pools.normalise(["a", "b"])) == "shipyard/p+a,b"


def test_too_many_capabilities_are_refused() -> None:
    with pytest.raises(pools.DemandError, match="at most 6"):
        pools.queues_for(["p"], [f"c{i}" for i in range(7)])


def test_node_requirements_match_what_the_task_queues_match() -> None:
    assert pools.node_requirements("linux", ("docker", "Agent.OS=Linux")) == [
        {"key": "shipyard.io/pool", "operator": "In", "values": ["linux"]},
        {"key": "capability.shipyard.io/Agent.OS", "operator": "In", "values": ["Linux"]},
        {"key": "capability.shipyard.io/docker", "operator": "Exists"},
    ]


def test_node_labels_of_a_pool_and_its_capabilities() -> None:
    assert pools.node_labels("local", ("docker", "Agent.OS=Linux")) == {
        "shipyard.io/pool": "local",
        "capability.shipyard.io/docker": "true",
        "capability.shipyard.io/Agent.OS": "Linux",
    }
    assert pools.label_command("gpu", ("cuda",)) == (
        "kubectl label node NODE shipyard.io/pool=gpu capability.shipyard.io/cuda=true"
    )


def test_values_that_cannot_be_labels_are_refused_saying_what_is_expected() -> None:
    with pytest.raises(pools.DemandError, match="cannot be a Kubernetes label value"):
        pools.node_requirements("linux pool", ())
    with pytest.raises(pools.DemandError, match="at most 63"):
        pools.node_requirements("linux", ("x" * 64,))
