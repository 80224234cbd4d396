"""The generated release pipeline: names, versions and the stages a release goes through."""

from __future__ import annotations

import pytest

from shipyard.deliver.environments import Environments, default_policy
from shipyard.deliver.release import (
    Release,
    ReleaseCompiler,
    normalize_version,
    release_name,
    version_key,
)
from shipyard.domain.diagnostics import InvalidInput

RELEASE = Release(
    service="delivery",
    version="v1.0.2",
    build_run_id=7,
    commit="f1c450710483" * 3,
    author="root",
    registry="127.0.0.1:5000",
    plain_http=True,
    image_repository="staging/delivery",
    image_digest="sha256:" + "a" * 64,
    chart_repository="helm/delivery",
    chart_version="v1.0.2",
    chart_digest="sha256:" + "b" * 64,
)
ENVS = Environments(
    {
        "qa": default_policy("qa", "devtest", "qa", "qa"),
        "production": default_policy("production", "prod", "production", "production"),
    }
)


def _counter(key: str, start: int) -> int:
    return start


def test_versions_are_normalized_and_ordered() -> None:
    assert normalize_version("1.0.2") == "v1.0.2"
    assert normalize_version(" v1.0.2-rc1 ") == "v1.0.2-rc1"
    assert version_key("v1.0.10") > version_key("v1.0.9")
    assert version_key("v1.0.2") > version_key("v1.0.2-rc1")
    with pytest.raises(InvalidInput, match=r"expected vMAJOR\.MINOR\.PATCH"):
        normalize_version("latest")


def test_release_names_are_kubernetes_safe_and_carry_the_version() -> None:
    assert release_name("delivery", "1.0.2") == "delivery-v1-0-2"
    assert release_name("Drone_Scheduler", "v2.0.0-rc.1") == "drone-scheduler-v2-0-0-rc-1"
    assert len(release_name("x" * 80, "v1.0.0")) <= 53


def test_the_release_round_trips_through_its_event() -> None:
    assert Release.from_json(RELEASE.event()) == RELEASE
    with pytest.raises(InvalidInput, match="not a release description"):
        Release.from_json({"service": "delivery"})


def test_the_pipeline_goes_through_qa_then_production_with_promotion_before_production() -> None:
    spec = ReleaseCompiler(ENVS).compile(
        RELEASE.request(("qa", "production"), "rita"), 42, _counter, 0.0
    )
    assert [s.name for s in spec.stages] == ["Qa", "Production"]
    assert spec.stages[1].depends_on == ("Qa",)
    qa, prod = (s.jobs[0] for s in spec.stages)
    assert qa.deployment and qa.environment == "qa"
    assert [s.name for s in qa.steps] == ["Deploy", "SmokeTest"]
    assert [s.name for s in prod.steps] == ["Promote", "Deploy", "SmokeTest"]
    assert prod.environment == "production"
    variables = {v.name: v.value for v in spec.variables}
    # The steps find their approval and lock by the run's id: it must be the real one.
    assert variables["Build.BuildId"] == "42"
    assert spec.build_number == "delivery-v1-0-2-r1"


def test_an_unknown_environment_in_the_path_is_refused() -> None:
    with pytest.raises(InvalidInput, match="unknown environment 'staging2'"):
        ReleaseCompiler(ENVS).compile(RELEASE.request(("qa", "staging2"), "rita"), 1, _counter, 0)


def test_production_alone_is_promoted_into_and_qa_never_is() -> None:
    alone = ReleaseCompiler(ENVS).compile(RELEASE.request(("production",), "rita"), 5, _counter, 0)
    assert [s.name for s in alone.stages[0].jobs[0].steps] == ["Promote", "Deploy", "SmokeTest"]
    first = ReleaseCompiler(ENVS).compile(RELEASE.request(("qa",), "rita"), 6, _counter, 0)
    assert [s.name for s in first.stages[0].jobs[0].steps] == ["Deploy", "SmokeTest"]
