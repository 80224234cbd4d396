"""Platform settings: one TOML file plus ``SHIPYARD_*`` environment variables, validated.

With no file and no variables the embedded defaults apply: a registry on 127.0.0.1:5000 and two
kwok clusters on loopback. A user who has their own parts points Shipyard at them: a registry
URL with credentials, a kubeconfig with one context (and namespace) per environment.

The schema is a table (:data:`FIELDS`), not hand-written checks: each key has a kind, a default
and an environment variable (``registry.port`` -> ``SHIPYARD_REGISTRY_PORT``). Every problem is
collected, with the file, the line where the key is, what was expected and what was found,
and reported together. Precedence: defaults < file < environment.

The file is the first of: ``$SHIPYARD_CONFIG`` (must exist), ``./shipyard.toml``,
``$XDG_CONFIG_HOME/shipyard/config.toml``. Secrets are :class:`Secret` values whose ``str`` and
``repr`` are masked, so they cannot leak into status output or logs by accident.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from shipyard.domain.diagnostics import Diagnostics, InvalidInput, Loc, did_you_mean
from shipyard.platform.paths import PlatformPaths
from shipyard.platform.topology import ENVIRONMENT_NAMES, PORTS_PER_CLUSTER

Kind = Literal["str", "int", "bool", "port", "secret", "path", "choice", "list"]
BASE_IMAGE_NAMES = ("python",)
NODE_KINDS = ("kwok",)  # "kubelet" (a real node, platform-notes section C) comes later


class Secret:
    """A string that does not print itself."""

    __slots__ = ("_value",)

    def __init__(self, value: str = "") -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __str__(self) -> str:
        return "****" if self._value else ""

    __repr__ = __str__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True, slots=True)
class Field:
    key: str
    kind: Kind
    default: Any
    doc: str
    env: str = ""
    choices: tuple[str, ...] = ()
    low: int = 0
    high: int = 0

    @property
    def env_var(self) -> str:
        return self.env or "SHIPYARD_" + re.sub(r"[^A-Z0-9]", "_", self.key.upper())


FIELDS: tuple[Field, ...] = (
    Field(
        "registry.url",
        "str",
        "",
        "external registry: host[:port] (https) or http://host:port; empty for the embedded one",
    ),
    Field("registry.username", "str", "", "user name for the external registry"),
    Field("registry.password", "secret", Secret(), "password or token for the external registry"),
    Field("registry.port", "port", 5000, "loopback port of the embedded registry"),
    Field("clusters.node_kind", "choice", "kwok", "how nodes are simulated", choices=NODE_KINDS),
    Field("clusters.nodes", "int", 2, "nodes per embedded cluster", low=1, high=20),
    Field("clusters.devtest_port", "port", 16443, "API server port of devtest (6 ports from it)"),
    Field("clusters.prod_port", "port", 16453, "API server port of prod (6 ports from it)"),
    Field(
        "kubernetes.kubeconfig",
        "path",
        "",
        "external clusters: a kubeconfig file; empty for the embedded clusters",
        env="SHIPYARD_KUBECONFIG",
    ),
    *(
        f
        for env in ENVIRONMENT_NAMES
        for f in (
            Field(f"environments.{env}.context", "str", "", f"kubeconfig context of {env}"),
            Field(f"environments.{env}.namespace", "str", "", f"namespace of {env}"),
        )
    ),
    Field(
        "images.base",
        "list",
        list(BASE_IMAGE_NAMES),
        "base images to prepare",
        choices=BASE_IMAGE_NAMES,
    ),
    Field(
        "images.debian_mirror",
        "str",
        "http://deb.debian.org/debian",
        "Debian mirror for debootstrap",
    ),
)
_BY_KEY = {f.key: f for f in FIELDS}


@dataclass(frozen=True, slots=True)
class RegistrySettings:
    url: str
    username: str
    password: Secret
    port: int

    @property
    def embedded(self) -> bool:
        return not self.url


@dataclass(frozen=True, slots=True)
class ClusterSettings:
    node_kind: str
    nodes: int
    ports: Mapping[str, int]  # cluster name -> API server port


@dataclass(frozen=True, slots=True)
class EnvironmentTarget:
    context: str
    namespace: str


@dataclass(frozen=True, slots=True)
class Settings:
    registry: RegistrySettings
    clusters: ClusterSettings
    kubeconfig: Path | None  # None: the embedded clusters
    environments: Mapping[str, EnvironmentTarget]
    base_images: tuple[str, ...]
    debian_mirror: str
    source: Path | None = None
    origins: Mapping[str, str] = field(default_factory=dict)

    @property
    def embedded_clusters(self) -> bool:
        return self.kubeconfig is None


def find_file(env: Mapping[str, str], cwd: Path, paths: PlatformPaths) -> Path | None:
    """The settings file to read, or None (embedded defaults)."""
    explicit = env.get("SHIPYARD_CONFIG", "")
    if explicit:
        return Path(explicit).expanduser()
    for candidate in (cwd / "shipyard.toml", paths.config_home / "config.toml"):
        if candidate.is_file():
            return candidate
    return None


def _line_of(text: str, key: str) -> int:
    """Best-effort line of ``key`` (dotted) in a TOML text, for error locations."""
    table, _, leaf = key.rpartition(".")
    current = ""
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line.startswith("["):
            current = line.strip("[] ")
        elif (current == table and re.match(rf"{re.escape(leaf)}\s*=", line)) or (
            current == "" and re.match(rf"{re.escape(key)}\s*=", line)
        ):
            return number
    return 0


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and not any(f.key == dotted for f in FIELDS):
            flat.update(_flatten(value, dotted + "."))
        else:
            flat[dotted] = value
    return flat


def _convert(spec: Field, value: Any, from_env: bool) -> tuple[Any, str]:
    """(converted value, '') or (None, 'expected ...')."""
    if from_env and spec.kind in ("int", "port"):
        value = int(value) if re.fullmatch(r"\s*\d+\s*", str(value)) else value
    if from_env and spec.kind == "bool":
        lowered = str(value).strip().lower()
        value = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}.get(
            lowered, value
        )
    if from_env and spec.kind == "list":
        value = [part.strip() for part in str(value).split(",") if part.strip()]
    ok_int = isinstance(value, int) and not isinstance(value, bool)
    if spec.kind == "port":
        if ok_int and 1 <= value <= 65535:
            return value, ""
        return None, "expected a port number from 1 to 65535"
    if spec.kind == "int":
        if ok_int and spec.low <= value <= spec.high:
            return value, ""
        return None, f"expected a whole number from {spec.low} to {spec.high}"
    if spec.kind == "bool":
        return (value, "") if isinstance(value, bool) else (None, "expected true or false")
    if spec.kind == "list":
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            bad = [v for v in value if spec.choices and v not in spec.choices]
            if bad:
                return None, f"expected names from {list(spec.choices)}, found {bad[0]!r}"
            return tuple(value), ""
        return None, "expected a list of strings"
    if not isinstance(value, str):
        return None, "expected a string"
    if spec.kind == "secret":
        return Secret(value), ""
    if spec.kind == "choice" and value not in spec.choices:
        return None, f"expected one of {list(spec.choices)}"
    if spec.kind == "path":
        return (Path(value).expanduser() if value else None), ""
    return value, ""


def _found(spec: Field, value: Any) -> str:
    return "a secret" if spec.kind == "secret" else f"{value!r}"


def load(
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    paths: PlatformPaths | None = None,
) -> Settings:
    """Read, merge and validate the settings; raise InvalidInput with every problem found."""
    env = os.environ if env is None else env
    paths = paths or PlatformPaths.from_env(env)
    source = find_file(env, cwd or Path.cwd(), paths)
    diags = Diagnostics()
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for spec in FIELDS:
        default = spec.default
        values[spec.key] = tuple(default) if isinstance(default, list) else default
        if spec.kind == "path" and not default:
            values[spec.key] = None
        origins[spec.key] = "default"
    if source is not None:
        _read_file(source, values, origins, diags)
    for spec in FIELDS:
        raw = env.get(spec.env_var)
        if raw is None or raw == "":
            continue
        converted, problem = _convert(spec, raw, from_env=True)
        if problem:
            found = _found(spec, raw)
            diags.add(
                Loc(f"${spec.env_var}"), f"{spec.key}: {problem}, found {found}", code="settings"
            )
        else:
            values[spec.key] = converted
            origins[spec.key] = f"${spec.env_var}"
    settings = _build(values, source, origins)
    _cross_check(settings, diags)
    if diags:
        raise InvalidInput(diags, f"the platform settings have {len(diags)} problem(s)")
    return settings


def _read_file(
    source: Path, values: dict[str, Any], origins: dict[str, str], diags: Diagnostics
) -> None:
    try:
        text = source.read_text()
    except OSError as exc:
        diags.add(
            Loc(str(source)),
            f"cannot read the settings file: {exc.strerror}",
            code="settings",
            hint="SHIPYARD_CONFIG names a file that must exist",
        )
        return
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+), column (\d+)", str(exc))
        line, col = (int(match[1]), int(match[2])) if match else (0, 0)
        diags.add(Loc(str(source), line, col), f"not valid TOML: {exc}", code="settings")
        return
    for key, value in _flatten(data).items():
        loc = Loc(str(source), _line_of(text, key))
        spec = _BY_KEY.get(key)
        if spec is None:
            hint = did_you_mean(key, list(_BY_KEY))
            diags.add(loc, f"unknown setting '{key}'", code="settings", hint=hint)
            continue
        converted, problem = _convert(spec, value, from_env=False)
        if problem:
            diags.add(loc, f"{key}: {problem}, found {_found(spec, value)}", code="settings")
        else:
            values[key] = converted
            origins[key] = f"{source}"


def _build(values: Mapping[str, Any], source: Path | None, origins: dict[str, str]) -> Settings:
    envs = {
        name: EnvironmentTarget(
            context=values[f"environments.{name}.context"],
            namespace=values[f"environments.{name}.namespace"] or name,
        )
        for name in ENVIRONMENT_NAMES
    }
    return Settings(
        registry=RegistrySettings(
            url=values["registry.url"],
            username=values["registry.username"],
            password=values["registry.password"],
            port=values["registry.port"],
        ),
        clusters=ClusterSettings(
            node_kind=values["clusters.node_kind"],
            nodes=values["clusters.nodes"],
            ports={
                "devtest": values["clusters.devtest_port"],
                "prod": values["clusters.prod_port"],
            },
        ),
        kubeconfig=values["kubernetes.kubeconfig"],
        environments=envs,
        base_images=tuple(values["images.base"]),
        debian_mirror=values["images.debian_mirror"],
        source=source,
        origins=origins,
    )


def _where(settings: Settings, key: str) -> Loc:
    origin = settings.origins.get(key, "default")
    if origin.startswith("$"):
        return Loc(origin)
    if settings.source is not None and origin != "default":
        text = settings.source.read_text() if settings.source.is_file() else ""
        return Loc(str(settings.source), _line_of(text, key))
    return Loc(str(settings.source) if settings.source else "(defaults)")


def _cross_check(s: Settings, diags: Diagnostics) -> None:
    reg = s.registry
    if reg.url and not re.fullmatch(r"(https?://)?[A-Za-z0-9.\-\[\]:]+(:\d+)?/?", reg.url):
        diags.add(
            _where(s, "registry.url"),
            "registry.url: expected host[:port] or "
            f"http(s)://host[:port] without a path, found {reg.url!r}",
            code="settings",
        )
    if (reg.username or reg.password) and not reg.url:
        key = "registry.username" if reg.username else "registry.password"
        diags.add(
            _where(s, key),
            f"{key}: credentials are only for an external registry",
            code="settings",
            hint="set registry.url (or SHIPYARD_REGISTRY_URL) too",
        )
    if reg.username and not reg.password:
        diags.add(
            _where(s, "registry.username"),
            "registry.username is set but no password",
            code="settings",
            hint="set SHIPYARD_REGISTRY_PASSWORD (keep secrets out of files)",
        )
    if s.kubeconfig is None:
        for name, target in s.environments.items():
            if target.context:
                key = f"environments.{name}.context"
                diags.add(
                    _where(s, key),
                    f"{key}: contexts are only for external clusters",
                    code="settings",
                    hint="set kubernetes.kubeconfig (or SHIPYARD_KUBECONFIG)",
                )
        _check_ports(s, diags)
        return
    if not s.kubeconfig.is_file():
        diags.add(
            _where(s, "kubernetes.kubeconfig"),
            f"kubernetes.kubeconfig: expected an existing file, found {str(s.kubeconfig)!r}",
            code="settings",
        )
    for name, target in s.environments.items():
        if not target.context:
            key = f"environments.{name}.context"
            diags.add(
                _where(s, key),
                f"{key}: required with an external kubeconfig",
                code="settings",
                hint=f"the context that deploys to {name}",
            )


def _check_ports(s: Settings, diags: Diagnostics) -> None:
    blocks = {
        name: range(port, port + PORTS_PER_CLUSTER) for name, port in s.clusters.ports.items()
    }
    names = list(blocks)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            if set(blocks[a]) & set(blocks[b]):
                key = f"clusters.{b}_port"
                diags.add(
                    _where(s, key),
                    f"{key}: the port blocks of {a} and {b} overlap (each "
                    f"cluster uses {PORTS_PER_CLUSTER} ports from its API server port)",
                    code="settings",
                )
    if s.registry.embedded:
        for name, block in blocks.items():
            if s.registry.port in block:
                diags.add(
                    _where(s, "registry.port"),
                    f"registry.port: {s.registry.port} is in "
                    f"the port block of cluster {name} ({block.start}-{block.stop - 1})",
                    code="settings",
                )
