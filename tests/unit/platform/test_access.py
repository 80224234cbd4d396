"""Environments: what is applied where, the two kubeconfigs, tokens kept while they work."""

from __future__ import annotations

import stat
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import yaml

from shipyard.platform import kubeconfig
from shipyard.platform.access import AccessSetup, tokens_file
from shipyard.platform.context import Platform
from shipyard.platform.lifecycle import clusters
from shipyard.platform.progress import Recorder
from shipyard.platform.rbac import TOKEN_SECONDS
from shipyard.platform.topology import CLUSTERS
from tests.unit.platform.conftest import Fakes
from tests.unit.platform.test_clusters import FakeKwokctl


@pytest.fixture
def ready(make_platform: Callable[..., Platform], fakes: Fakes) -> Platform:
    p = make_platform()
    FakeKwokctl(p, fakes)
    for spec in CLUSTERS:
        clusters(p).ensure(spec)
    return p


def _setup(p: Platform) -> AccessSetup:
    return AccessSetup(p.paths, clusters(p), p.adapters, p.progress)


def test_each_cluster_gets_only_its_environments(ready: Platform, fakes: Fakes) -> None:
    _setup(ready).ensure()
    namespaces = {
        name: [m["metadata"]["name"] for m in c.objects("Namespace")]
        for name, c in fakes.clusters.items()
    }
    assert namespaces == {
        "devtest": ["dev", "qa", "staging", "shipyard-agents"],  # the agents' apart
        "prod": ["production"],
    }
    assert len(fakes.clusters["prod"].objects("RoleBinding")) == 1


def test_the_environment_kubeconfig_has_a_token_context_per_environment(
    ready: Platform, fakes: Fakes
) -> None:
    _setup(ready).ensure()
    path = ready.paths.kubeconfig
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    doc = yaml.safe_load(path.read_text())
    contexts = {c["name"]: c["context"] for c in doc["contexts"]}
    assert contexts["qa"] == {"cluster": "devtest", "user": "qa-deployer", "namespace": "qa"}
    assert contexts["production"]["cluster"] == "prod"
    assert all(set(u["user"]) == {"token"} for u in doc["users"])  # no client certificates
    assert doc["clusters"][0]["cluster"]["server"] == "https://127.0.0.1:16443"
    for env in ("dev", "qa", "staging", "production"):
        who = ready.adapters.kube(path, env).whoami()
        assert who == f"system:serviceaccount:{env}:shipyard-deployer"
    assert fakes.clusters["devtest"].token_seconds == [TOKEN_SECONDS] * 4  # and the executor's


def test_the_admin_kubeconfig_is_separate(ready: Platform) -> None:
    _setup(ready).ensure()
    doc = yaml.safe_load(ready.paths.admin_kubeconfig.read_text())
    assert [c["name"] for c in doc["contexts"]] == ["admin@devtest", "admin@prod"]
    assert stat.S_IMODE(ready.paths.admin_kubeconfig.stat().st_mode) == 0o600


def test_valid_tokens_are_kept_and_expiring_ones_renewed(ready: Platform, fakes: Fakes) -> None:
    _setup(ready).ensure()
    first = kubeconfig.tokens_in(ready.paths.kubeconfig)
    again = Recorder()
    AccessSetup(ready.paths, clusters(ready), ready.adapters, again).ensure()
    assert kubeconfig.tokens_in(ready.paths.kubeconfig) == first
    assert again.steps[-1].outcome == "skipped"

    expiries = kubeconfig.read_expiries(tokens_file(ready.paths))
    expiries["qa"] = datetime.now(UTC) + timedelta(days=1)
    kubeconfig.write_expiries(tokens_file(ready.paths), expiries)
    _setup(ready).ensure()
    now = kubeconfig.tokens_in(ready.paths.kubeconfig)
    assert now["qa-deployer"] != first["qa-deployer"]
    assert now["dev-deployer"] == first["dev-deployer"]


def test_a_token_the_cluster_no_longer_knows_is_replaced(ready: Platform, fakes: Fakes) -> None:
    _setup(ready).ensure()
    fakes.clusters["prod"].tokens.clear()  # the cluster was created again
    _setup(ready).ensure()
    who = ready.adapters.kube(ready.paths.kubeconfig, "production").whoami()
    assert who == "system:serviceaccount:production:shipyard-deployer"


def test_the_executor_has_its_own_kubeconfig_that_steps_never_get(ready: Platform) -> None:
    _setup(ready).ensure()
    path = ready.paths.executor_kubeconfig
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    doc = yaml.safe_load(path.read_text())
    assert [c["name"] for c in doc["contexts"]] == ["executor"]
    assert doc["contexts"][0]["context"]["namespace"] == "shipyard-agents"
    who = ready.adapters.kube(path, "executor").whoami()
    assert who == "system:serviceaccount:shipyard-agents:shipyard-executor"
    envs = yaml.safe_load(ready.paths.kubeconfig.read_text())
    assert "executor" not in [c["name"] for c in envs["contexts"]]
    first = kubeconfig.tokens_in(path)
    AccessSetup(ready.paths, clusters(ready), ready.adapters, Recorder()).ensure()
    assert kubeconfig.tokens_in(path) == first  # kept while it works and has time left
