"""Service connections: names to registries, defaults, refusals, secrets kept out of sight."""

from __future__ import annotations

from pathlib import Path

import pytest

from shipyard.domain.diagnostics import InvalidInput, ShipyardError
from shipyard.flow.connections import (
    RegistryEndpoint,
    UnknownConnection,
    load,
    parse,
    parse_registry,
)

DEFAULT = RegistryEndpoint("127.0.0.1:5000", secure=False)
FILE = """\
[connections."fabrikam.azurecr.io"]
registry = "registry.fabrikam.example"
username = "ci"
password_env = "FABRIKAM_TOKEN"

[connections.local-http]
registry = "http://10.0.0.5:5000"
"""


def test_unknown_names_resolve_to_the_platform_registry() -> None:
    conns = parse("", Path("c.toml"), DEFAULT)
    found = conns.resolve("fabrikam.azurecr.io", "fabrikam-dev")
    assert (found.address, found.secure, found.configured) == ("127.0.0.1:5000", False, False)
    assert found.connection == "fabrikam.azurecr.io"
    assert "platform registry (default) for 'fabrikam.azurecr.io'" in found.describe()


def test_a_configured_name_wins_in_the_order_given_and_folds_case() -> None:
    conns = parse(FILE, Path("c.toml"), DEFAULT, {"FABRIKAM_TOKEN": "t0ken"})
    found = conns.resolve("", "FABRIKAM.azurecr.io")
    assert (found.address, found.secure, found.username) == (
        "registry.fabrikam.example",
        True,
        "ci",
    )
    assert found.password == "t0ken" and found.configured
    assert "t0ken" not in repr(found) and "t0ken" not in found.describe()
    http = conns.resolve("nope", "local-http")
    assert (http.address, http.secure) == ("10.0.0.5:5000", False)


def test_a_missing_password_variable_fails_naming_it() -> None:
    conns = parse(FILE, Path("c.toml"), DEFAULT, {})
    with pytest.raises(ShipyardError, match="FABRIKAM_TOKEN"):
        conns.resolve("fabrikam.azurecr.io")


def test_refuse_makes_unknown_names_an_error() -> None:
    conns = parse('unknown = "refuse"\n' + FILE, Path("c.toml"), DEFAULT, {"FABRIKAM_TOKEN": "x"})
    with pytest.raises(UnknownConnection, match="'fabrikam-dev' is not configured"):
        conns.resolve("fabrikam-dev")


def test_every_problem_of_the_file_is_reported_together() -> None:
    text = (
        'unknown = "maybe"\nextra = 1\n'
        '[connections.a]\nregistry = "not a host!"\n'
        '[connections.b]\nregistry = "r.example"\npassword = "inline"\n'
        '[connections.c]\nregistry = "r.example"\npassword_env = "X"\n'
    )
    with pytest.raises(InvalidInput) as err:
        parse(text, Path("c.toml"), DEFAULT)
    messages = " | ".join(d.message for d in err.value.diagnostics)
    for words in (
        "unknown: expected",
        "extra: unknown key",
        "connections.a.registry",
        "secrets are not kept",
        "needs a username",
    ):
        assert words in messages


def test_the_file_is_found_by_variable_then_folders(tmp_path: Path) -> None:
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "connections.toml").write_text(FILE)
    conns = load(DEFAULT, {"FABRIKAM_TOKEN": "x"}, cwd=tmp_path, config_home=tmp_path / "conf")
    assert conns.names() == ["fabrikam.azurecr.io", "local-http"]
    assert load(DEFAULT, {}, cwd=tmp_path, config_home=tmp_path / "none").names() == []
    explicit = tmp_path / "mine.toml"
    explicit.write_text("")
    assert load(DEFAULT, {"SHIPYARD_CONNECTIONS": str(explicit)}, cwd=tmp_path).names() == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("r.example", ("r.example", True)),
        ("https://r.example:443/", ("r.example:443", True)),
        ("http://127.0.0.1:5000", ("127.0.0.1:5000", False)),
    ],
)
def test_registry_addresses(text: str, expected: tuple[str, bool]) -> None:
    assert parse_registry(text) == expected
