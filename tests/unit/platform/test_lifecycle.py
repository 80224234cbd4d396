"""up twice is a no-op; down stops what up started and finds strays; status masks secrets."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from shipyard.platform import lifecycle, status
from shipyard.platform.context import Platform
from shipyard.platform.progress import Recorder
from tests.unit.platform.conftest import Fakes
from tests.unit.platform.test_clusters import FakeKwokctl


@pytest.fixture(autouse=True)
def _tools_present(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lifecycle.Installer, "ensure", lambda self, tools: [])
    monkeypatch.setattr(
        status.Installer, "check", lambda self, t: type("S", (), {"as_json": lambda s: {}})()
    )


@pytest.fixture
def platform(make_platform: Callable[..., Platform], fakes: Fakes) -> Platform:
    p = make_platform()
    FakeKwokctl(p, fakes)
    fakes.registry.push("base/python", "3.11-bookworm")
    return p


def test_a_second_up_does_nothing(platform: Platform, fakes: Fakes) -> None:
    lifecycle.up(platform)
    first = platform.progress
    assert isinstance(first, Recorder)
    assert [s.title.split(" 1")[0].split(" http")[0] for s in first.done()] == [
        "registry token service",
        "registry",
        "cluster devtest",
        "cluster prod",
        "environments: namespaces, RBAC, Pod Security, tokens",
    ]
    again = Recorder()
    lifecycle.up(Platform(platform.paths, platform.settings, platform.adapters, again))
    assert again.done() == []
    assert len(fakes.daemons.spawned) == 2  # the token service and the registry


def test_down_stops_everything_and_status_says_so(platform: Platform, fakes: Fakes) -> None:
    lifecycle.up(platform)
    assert status.collect(platform)["running"] is True
    stray = fakes.daemons.add("kwok-controller", f"--config={platform.paths.kwok_workdir}/x")
    report = lifecycle.down(platform)
    assert report.stopped == [
        "cluster devtest",
        "cluster prod",
        "registry",
        "registry token service",
    ]
    assert report.killed == [stray.pid]
    after = status.collect(platform)
    assert after["running"] is False and after["processes"] == []
    assert [c["state"] for c in after["clusters"]] == ["stopped", "stopped"]
    assert after["registry"]["state"] == "stopped"
    assert fakes.daemons.procs == {}


def test_down_purge_removes_the_data(platform: Platform, fakes: Fakes) -> None:
    lifecycle.up(platform)
    report = lifecycle.down(platform, purge=True)
    assert "cluster devtest (deleted)" in report.stopped
    assert not platform.paths.data.exists()
    assert not platform.paths.kubeconfig.exists()


def test_status_never_shows_a_secret(make_platform: Callable[..., Platform], fakes: Fakes) -> None:
    p = make_platform(
        '[registry]\nurl = "https://reg.example.com"\nusername = "ci"\n',
        SHIPYARD_REGISTRY_PASSWORD="hunter2-secret",
    )
    report = status.collect(p)
    text = json.dumps(report)
    assert "hunter2-secret" not in text
    assert report["registry"]["target"]["password"] == "****"
    assert report["registry"]["state"] == "external"


def test_the_agent_base_image_is_prepared_only_for_the_kubernetes_executor(
    platform: Platform,
) -> None:
    import dataclasses

    from shipyard.platform.settings import ExecutorSettings

    assert "agent" not in lifecycle.wanted_base_images(platform)
    kube = dataclasses.replace(platform.settings, executor=ExecutorSettings(kind="kubernetes"))
    assert lifecycle.wanted_base_images(dataclasses.replace(platform, settings=kube)) == (
        *platform.settings.base_images,
        "agent",
    )
