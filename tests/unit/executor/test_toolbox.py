"""The worker's build toolbox: tools and defaults from the platform's settings, read lazily."""

from __future__ import annotations

from pathlib import Path

import pytest

from shipyard.deliver.kit import DeliveryKit
from shipyard.domain.diagnostics import InvalidInput
from shipyard.executor.toolbox import PlatformToolbox, task_services
from shipyard.ports import BuildRecorder, BuildToolbox
from tests.unit.run.harness import store_at


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        "HOME": str(tmp_path),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "PATH": "/usr/bin:/bin",
    }
    return {**env, **extra}


def test_defaults_come_from_the_embedded_platform(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    box = PlatformToolbox(_env(tmp_path, SHIPYARD_REGISTRY_PORT="5123"))
    assert box.build_args() == {"BASE_IMAGE": "127.0.0.1:5123/base/python:3.11-bookworm"}
    endpoint = box.connections().resolve("fabrikam.azurecr.io")
    assert (endpoint.address, endpoint.secure, endpoint.configured) == (
        "127.0.0.1:5123",
        False,
        False,
    )
    assert box.helm().binary == tmp_path / "cache/shipyard/tools/helm/v4.3.1/helm"
    env = box.images().env
    assert env["BUILDAH_ISOLATION"] == "chroot"
    assert env["CONTAINERS_STORAGE_CONF"].startswith(str(tmp_path / "state"))
    assert box.scanner().advisories == tmp_path / "data/shipyard/advisories"
    explicit = PlatformToolbox(_env(tmp_path, SHIPYARD_ADVISORIES_DIR=str(tmp_path / "adv")))
    assert explicit.scanner().advisories == tmp_path / "adv"


def test_connections_are_read_from_the_user_config_and_broken_files_fail_the_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    conf = tmp_path / "config" / "shipyard"
    conf.mkdir(parents=True)
    (conf / "connections.toml").write_text('[connections.acr]\nregistry = "r.example"\n')
    box = PlatformToolbox(_env(tmp_path))
    assert box.connections().resolve("acr").address == "r.example"
    (conf / "connections.toml").write_text("unknown = 3\n")
    with pytest.raises(InvalidInput):
        box.connections()


def test_a_worker_offers_the_toolbox_and_the_build_record(tmp_path: Path) -> None:
    services = task_services(store_at(tmp_path))
    assert set(services) == {BuildToolbox, BuildRecorder, DeliveryKit}
