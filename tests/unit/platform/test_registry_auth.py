"""Identities, keys and the registry's token config: made once, kept private, kept stable."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path

import yaml

from shipyard.domain.registry_access import BUILD, PLATFORM, PROMOTION
from shipyard.platform import lifecycle, registry_auth
from shipyard.platform.context import Platform
from shipyard.platform.registry_service import config_file, render_config
from tests.unit.platform.conftest import Fakes


def test_material_is_made_once_and_kept(make_platform: Callable[..., Platform]) -> None:
    p = make_platform()
    registry_auth.ensure_material(p.paths, 5001, True, "127.0.0.1:5000")
    first = registry_auth.identities_file(p.paths).read_text()
    key = registry_auth.signing_key(p.paths).read_bytes()
    registry_auth.ensure_material(p.paths, 5001, True, "127.0.0.1:5000")
    assert registry_auth.identities_file(p.paths).read_text() == first
    assert registry_auth.signing_key(p.paths).read_bytes() == key
    for path in (registry_auth.identities_file(p.paths), registry_auth.server_config(p.paths)):
        assert path.stat().st_mode & 0o777 == 0o600


def test_the_token_service_keeps_hashes_not_passwords(
    make_platform: Callable[..., Platform],
) -> None:
    p = make_platform()
    registry_auth.ensure_material(p.paths, 5001, False, "127.0.0.1:5000")
    config = json.loads(registry_auth.server_config(p.paths).read_text())
    assert config["anonymous_pull"] is False
    for role in (BUILD, PROMOTION, PLATFORM):
        cred = registry_auth.credentials(p.paths, role)
        assert cred is not None
        assert cred[1].reveal() not in registry_auth.server_config(p.paths).read_text()
    assert {i["role"] for i in config["identities"]} == {BUILD, PROMOTION, PLATFORM}


def test_each_role_has_its_own_credentials(make_platform: Callable[..., Platform]) -> None:
    p = make_platform()
    lifecycle.ensure_registry(p)
    assert p.target.username == "shipyard-build"
    assert p.target_as(PROMOTION).username == "shipyard-promotion"
    env = p.tool_env_as(PLATFORM)
    assert env["REGISTRY_AUTH_FILE"] == str(registry_auth.role_auth_file(p.paths, PLATFORM))
    auths = json.loads(Path(p.tool_env()["REGISTRY_AUTH_FILE"]).read_text())["auths"]
    assert base64.b64decode(auths["127.0.0.1:5000"]["auth"]).startswith(b"shipyard-build:")


def test_the_registry_trusts_the_token_service(make_platform: Callable[..., Platform]) -> None:
    p = make_platform()
    token = yaml.safe_load(render_config(p.paths, 5000, 5001))["auth"]["token"]
    assert token["realm"] == "http://127.0.0.1:5001/token"
    assert token["rootcertbundle"] == str(registry_auth.signing_cert(p.paths))
    assert "auth" not in yaml.safe_load(render_config(p.paths, 5000))


def test_a_registry_running_without_auth_is_restarted_with_it(
    make_platform: Callable[..., Platform], fakes: Fakes
) -> None:
    p = make_platform()
    lifecycle.ensure_registry(p)
    config_file(p.paths).write_text(render_config(p.paths, 5000))  # as an older Shipyard left it
    lifecycle.ensure_registry(p)
    assert "auth:" in config_file(p.paths).read_text()
    assert len([a for a in fakes.daemons.spawned if "serve" in a]) == 2


def test_an_external_registry_may_have_a_promotion_identity(
    make_platform: Callable[..., Platform],
) -> None:
    p = make_platform(
        '[registry]\nurl = "https://reg.example.com"\nusername = "ci"\n'
        'promotion_username = "promoter"\n',
        SHIPYARD_REGISTRY_PASSWORD="a",
        SHIPYARD_REGISTRY_PROMOTION_PASSWORD="b",
    )
    assert (p.target.username, p.target.password.reveal()) == ("ci", "a")
    promotion = p.target_as(PROMOTION)
    assert (promotion.username, promotion.password.reveal()) == ("promoter", "b")
