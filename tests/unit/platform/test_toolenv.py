"""The tool environment and the configuration files behind it."""

from __future__ import annotations

import json
import stat
import tomllib
from collections.abc import Callable

from shipyard.platform.context import Platform
from shipyard.platform.toolenv import auth_file, containers_dir, write_tool_configs


def test_the_tool_environment_points_only_at_our_files(
    make_platform: Callable[..., Platform],
) -> None:
    p = make_platform()
    env = p.tool_env()
    state = str(p.paths.state)
    for key in (
        "CONTAINERS_STORAGE_CONF",
        "CONTAINERS_REGISTRIES_CONF",
        "CONTAINERS_CONF",
        "HELM_CONFIG_HOME",
        "HELM_REGISTRY_CONFIG",
        "REGISTRY_AUTH_FILE",
        "KUBECONFIG",
    ):
        assert env[key].startswith(state), key
    assert env["HELM_CACHE_HOME"].startswith(str(p.paths.cache))
    assert env["HELM_DATA_HOME"].startswith(str(p.paths.data))
    assert env["BUILDAH_ISOLATION"] == "chroot"
    first = env["PATH"].split(":")[0]
    assert first.startswith(str(p.paths.tools))


def test_container_files_say_overlay_runc_and_an_insecure_loopback_registry(
    make_platform: Callable[..., Platform],
) -> None:
    p = make_platform()
    write_tool_configs(p.paths, p.target)
    conf = containers_dir(p.paths)
    storage = tomllib.loads((conf / "storage.conf").read_text())["storage"]
    assert storage["driver"] == "overlay"
    assert storage["graphroot"] == str(p.paths.container_storage)
    registries = tomllib.loads((conf / "registries.conf").read_text())
    assert registries["registry"] == [{"location": "127.0.0.1:5000", "insecure": True}]
    assert registries["unqualified-search-registries"] == []
    containers = tomllib.loads((conf / "containers.conf").read_text())
    assert containers["engine"]["runtime"] == "runc"
    assert "nofile=20000:20000" in containers["containers"]["default_ulimits"]
    assert json.loads(auth_file(p.paths).read_text()) == {"auths": {}}


def test_external_registry_credentials_go_to_a_private_auth_file(
    make_platform: Callable[..., Platform],
) -> None:
    p = make_platform(
        '[registry]\nurl = "https://reg.example.com:8443"\nusername = "ci"\n',
        SHIPYARD_REGISTRY_PASSWORD="s3cret",
    )
    assert p.target.address == "reg.example.com:8443" and p.target.secure
    assert p.target.as_json()["password"] == "****"
    write_tool_configs(p.paths, p.target)
    path = auth_file(p.paths)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "reg.example.com:8443" in json.loads(path.read_text())["auths"]
    registries = tomllib.loads((containers_dir(p.paths) / "registries.conf").read_text())
    assert registries["registry"][0]["insecure"] is False


def test_a_plain_http_external_registry_is_insecure(make_platform: Callable[..., Platform]) -> None:
    p = make_platform('[registry]\nurl = "http://10.0.0.5:5000/"\n')
    assert (p.target.address, p.target.secure, p.target.url) == (
        "10.0.0.5:5000",
        False,
        "http://10.0.0.5:5000",
    )
