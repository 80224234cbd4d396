"""Service connections: the registry a pipeline's connection name stands for.

Pipelines written for Azure name their registry through service connections
(``azureSubscriptionEndpoint: fabrikam-dev``, ``azureContainerRegistry: fabrikam.azurecr.io``,
``containerRegistry: my-registry``, ``az acr helm push ... --name fabrikam``). Shipyard has
no Azure subscription, so it keeps its own small map from those names to registries:

    # the first of $SHIPYARD_CONNECTIONS, ./shipyard-connections.toml,
    # $XDG_CONFIG_HOME/shipyard/connections.toml
    unknown = "default"                  # default | refuse: what a name not listed here means

    [connections."fabrikam.azurecr.io"]
    registry = "registry.fabrikam.example"     # host[:port] (https), or http://host:port
    username = "ci-pusher"
    password_env = "FABRIKAM_REGISTRY_TOKEN"   # the secret comes from the environment...
    # password_file = "/run/secrets/registry"  # ...or from a file, never from this file

A name that is not listed resolves to the platform's registry (the embedded one on
127.0.0.1, or the external one its settings name), so the article's pipelines run
unchanged on a laptop; ``unknown = "refuse"`` makes such a name an error instead, for
installations where pushing to the wrong place must not happen quietly.

Credentials never appear in this module's ``repr``, in logs or on a command line: adapters
hand them to the tools in files readable only by their owner.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from shipyard.domain.diagnostics import Diagnostics, InvalidInput, Loc, ShipyardError

FILE_NAME = "shipyard-connections.toml"
_ENTRY_KEYS = ("registry", "username", "password_env", "password_file")
_ADDRESS = re.compile(r"^[A-Za-z0-9.-]+(:[0-9]{1,5})?$")
Unknown = Literal["default", "refuse"]


@dataclass(frozen=True, slots=True)
class RegistryEndpoint:
    """Where a connection's images and charts go. ``address`` is ``host[:port]``."""

    address: str
    secure: bool = True
    username: str = ""
    password: str = field(default="", repr=False)
    connection: str = ""  # the name the pipeline used
    configured: bool = False  # False: the platform's registry stood in for an unknown name

    @property
    def has_credentials(self) -> bool:
        return bool(self.username)

    def describe(self) -> str:
        """For logs: where, and how it was chosen; never the password."""
        scheme = "https" if self.secure else "http"
        who = f" as {self.username}" if self.username else ""
        how = "service connection" if self.configured else "platform registry (default)"
        return f"{scheme}://{self.address}{who} [{how} for '{self.connection}']"


class UnknownConnection(ShipyardError):
    """A connection name that the settings do not list, with ``unknown = "refuse"``."""


def parse_registry(value: str) -> tuple[str, bool]:
    """``registry.example:5000`` -> (address, https); ``http://host:port`` -> (address, http)."""
    text = value.strip().rstrip("/")
    secure = not text.startswith("http://")
    address = text.split("://", 1)[-1]
    if not _ADDRESS.match(address):
        raise ValueError(f"expected host[:port] or http(s)://host[:port], got {value!r}")
    return address, secure


@dataclass(frozen=True, slots=True)
class _Entry:
    address: str
    secure: bool
    username: str
    password_env: str
    password_file: str


class Connections:
    """Resolves connection names; ``default`` is the platform's registry."""

    def __init__(
        self,
        default: RegistryEndpoint,
        entries: Mapping[str, _Entry] | None = None,
        unknown: Unknown = "default",
        env: Mapping[str, str] | None = None,
        source: Path | None = None,
    ) -> None:
        self.default = default
        self._entries = {k.casefold(): v for k, v in (entries or {}).items()}
        self.unknown = unknown
        self._env = os.environ if env is None else env
        self.source = source

    def names(self) -> list[str]:
        return sorted(self._entries)

    def resolve(self, *names: str) -> RegistryEndpoint:
        """The first of ``names`` that is configured; else the default (or a refusal).

        Names are tried in order because a step names its registry in several inputs
        (the registry itself first, then the subscription it belongs to).
        """
        given = [n.strip() for n in names if n and n.strip()]
        for name in given:
            entry = self._entries.get(name.casefold())
            if entry is not None:
                return RegistryEndpoint(
                    entry.address,
                    entry.secure,
                    entry.username,
                    self._password(name, entry),
                    connection=name,
                    configured=True,
                )
        shown = given[0] if given else ""
        if self.unknown == "refuse":
            where = f" in {self.source}" if self.source else ""
            raise UnknownConnection(
                f"service connection '{shown}' is not configured{where}",
                hint=f'add [connections."{shown}"] with its registry to {FILE_NAME}',
            )
        d = self.default
        return RegistryEndpoint(d.address, d.secure, d.username, d.password, connection=shown)

    def _password(self, name: str, entry: _Entry) -> str:
        if entry.password_env:
            value = self._env.get(entry.password_env)
            if value is None:
                raise ShipyardError(
                    f"service connection '{name}': environment variable "
                    f"{entry.password_env} (password_env) is not set"
                )
            return value
        if entry.password_file:
            try:
                return Path(entry.password_file).expanduser().read_text().strip()
            except OSError as exc:
                raise ShipyardError(
                    f"service connection '{name}': cannot read password_file "
                    f"{entry.password_file}: {exc.strerror}"
                ) from None
        return ""


def find_file(env: Mapping[str, str], cwd: Path, config_home: Path) -> Path | None:
    explicit = env.get("SHIPYARD_CONNECTIONS", "")
    if explicit:
        return Path(explicit).expanduser()
    for candidate in (cwd / FILE_NAME, config_home / "connections.toml"):
        if candidate.is_file():
            return candidate
    return None


def _line(text: str, needle: str) -> int:
    for number, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return number
    return 0


def _entry(name: str, table: Any, text: str, source: Path, diags: Diagnostics) -> _Entry | None:
    loc = Loc(str(source), _line(text, name))
    if not isinstance(table, dict):
        diags.add(loc, f"connections.{name}: expected a table", code="connections")
        return None
    ok = True
    for key, value in table.items():
        if key not in _ENTRY_KEYS:
            diags.add(loc, f"connections.{name}.{key}: unknown key", code="connections")
            ok = False
        elif not isinstance(value, str):
            diags.add(loc, f"connections.{name}.{key}: expected a string", code="connections")
            ok = False
    if "password" in table:
        diags.add(
            loc,
            f"connections.{name}.password: secrets are not kept in this file",
            code="connections",
            hint='use password_env = "VARIABLE" or password_file = "PATH"',
        )
    if not ok:
        return None
    try:
        address, secure = parse_registry(str(table.get("registry", "")))
    except ValueError as exc:
        diags.add(loc, f"connections.{name}.registry: {exc}", code="connections")
        return None
    if (table.get("password_env") or table.get("password_file")) and not table.get("username"):
        diags.add(loc, f"connections.{name}: a password needs a username", code="connections")
        return None
    return _Entry(
        address,
        secure,
        table.get("username", ""),
        table.get("password_env", ""),
        table.get("password_file", ""),
    )


def parse(
    text: str, source: Path, default: RegistryEndpoint, env: Mapping[str, str] | None = None
) -> Connections:
    """Validate a connections file; raise InvalidInput with every problem found."""
    diags = Diagnostics()
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        diags.add(Loc(str(source)), f"not valid TOML: {exc}", code="connections")
        raise InvalidInput(diags, "the connections file is not valid TOML") from None
    for key in data:
        if key not in ("unknown", "connections"):
            diags.add(Loc(str(source), _line(text, key)), f"{key}: unknown key", code="connections")
    unknown = data.get("unknown", "default")
    if unknown not in ("default", "refuse"):
        diags.add(
            Loc(str(source), _line(text, "unknown")),
            f"unknown: expected 'default' or 'refuse', found {unknown!r}",
            code="connections",
        )
    entries: dict[str, _Entry] = {}
    for name, table in (data.get("connections") or {}).items():
        entry = _entry(name, table, text, source, diags)
        if entry is not None:
            entries[name] = entry
    if diags:
        raise InvalidInput(diags, f"the connections file has {len(diags)} problem(s)")
    return Connections(default, entries, unknown, env=env, source=source)


def load(
    default: RegistryEndpoint,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    config_home: Path | None = None,
) -> Connections:
    """The connections in force: the first file found, or only the default."""
    env = os.environ if env is None else env
    home = config_home or Path(env.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "shipyard"
    source = find_file(env, cwd or Path.cwd(), home)
    if source is None:
        return Connections(default, env=env)
    try:
        text = source.read_text()
    except OSError as exc:
        diags = Diagnostics()
        diags.add(Loc(str(source)), f"cannot read: {exc.strerror}", code="connections")
        raise InvalidInput(diags, "the connections file cannot be read") from None
    return parse(text, source, default, env)
