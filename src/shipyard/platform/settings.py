"""Platform settings: one TOML file plus ``SHIPYARD_*`` environment variables, validated.

With no file and no variables the embedded defaults apply: a registry on 127.0.0.1:5000 and two
clusters on loopback, devtest with one real node (``clusters.node_kind``, ``clusters.real_node``)
and prod with simulated ones. A user who has their own parts points Shipyard at them: a registry
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
from typing import Any

from shipyard.deliver.environments import Approvers, EnvironmentPolicy, Environments
from shipyard.domain.branch_policy import BranchPolicy
from shipyard.domain.diagnostics import Diagnostics, InvalidInput, Loc, did_you_mean
from shipyard.platform import branch_policies, topology
from shipyard.platform.paths import PlatformPaths
from shipyard.platform.settings_schema import FIELDS, Secret, convert, found_text
from shipyard.platform.topology import ENVIRONMENT_NAMES, PORTS_PER_CLUSTER

__all__ = ["FIELDS", "Secret", "Settings", "find_file", "load"]

_BY_KEY = {f.key: f for f in FIELDS}
GROUPS_PREFIX = "groups."
GROUPS_KEY = "groups"


@dataclass(frozen=True, slots=True)
class RegistrySettings:
    url: str
    username: str
    password: Secret
    port: int
    token_port: int = 5001
    anonymous_pull: bool = True
    promotion_username: str = ""
    promotion_password: Secret = field(default_factory=Secret)

    @property
    def embedded(self) -> bool:
        return not self.url


@dataclass(frozen=True, slots=True)
class ClusterSettings:
    node_kind: str
    nodes: int
    ports: Mapping[str, int]  # cluster name -> API server port
    real_node: str = "devtest"

    @property
    def real_node_cluster(self) -> str | None:
        """The cluster that should get the real node, or None when every node is simulated."""
        return self.real_node if self.node_kind == "kubelet" else None


@dataclass(frozen=True, slots=True)
class EnvironmentTarget:
    context: str
    namespace: str


@dataclass(frozen=True, slots=True)
class ServerSettings:
    port: int = 8470
    max_body_bytes: int = 1024 * 1024
    secrets: Mapping[str, Secret] = field(default_factory=dict)  # provider -> secret
    repositories: Mapping[str, Path] = field(default_factory=dict)  # webhook name -> repo


@dataclass(frozen=True, slots=True)
class ExecutorSettings:
    kind: str = "local"
    temporal_address: str = ""  # empty: the embedded dev server on temporal_port
    temporal_port: int = 7233
    temporal_namespace: str = "default"
    wait_for_worker_seconds: int = 300
    attempts: int = 3
    heartbeat_seconds: int = 10
    local_workers: int = 2  # `shipyard worker`s a service starts itself (pool local)
    kubernetes_context: str = "executor"
    kubernetes_namespace: str = "shipyard-agents"

    @property
    def embedded_temporal(self) -> bool:
        return self.kind == "temporal" and not self.temporal_address

    @property
    def address(self) -> str:
        return self.temporal_address or f"127.0.0.1:{self.temporal_port}"


@dataclass(frozen=True, slots=True)
class Settings:
    registry: RegistrySettings
    clusters: ClusterSettings
    kubeconfig: Path | None  # None: the embedded clusters
    environments: Mapping[str, EnvironmentTarget]
    delivery: Environments
    base_images: tuple[str, ...]
    debian_mirror: str
    warnings_as_errors: frozenset[str] = frozenset()  # policy.warnings_as_errors
    server: ServerSettings = field(default_factory=ServerSettings)
    branch_policies: tuple[BranchPolicy, ...] = ()
    source: Path | None = None
    origins: Mapping[str, str] = field(default_factory=dict)
    executor: ExecutorSettings = field(default_factory=ExecutorSettings)

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
        converted, problem = convert(spec, raw, from_env=True)
        if problem:
            found = found_text(spec, raw)
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
        if key.startswith(GROUPS_PREFIX):
            _read_group(key, value, loc, values, diags)
            continue
        if key.startswith(branch_policies.PREFIX):
            branch_policies.read(key, value, loc, values, diags)
            continue
        spec = _BY_KEY.get(key)
        if spec is None:
            hint = did_you_mean(key, list(_BY_KEY))
            diags.add(loc, f"unknown setting '{key}'", code="settings", hint=hint)
            continue
        converted, problem = convert(spec, value, from_env=False)
        if problem:
            diags.add(loc, f"{key}: {problem}, found {found_text(spec, value)}", code="settings")
        else:
            values[key] = converted
            origins[key] = f"{source}"


def _read_group(key: str, value: Any, loc: Loc, values: dict[str, Any], diags: Diagnostics) -> None:
    """``[groups] release-managers = ["rita", "sam"]``: user groups approvers may name."""
    name = key.removeprefix(GROUPS_PREFIX)
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        diags.add(loc, f"{key}: expected a group name of letters, digits, . _ -", code="settings")
    elif not (isinstance(value, list) and all(isinstance(v, str) and v for v in value)):
        diags.add(loc, f"{key}: expected a list of user names, found {value!r}", code="settings")
    else:
        values.setdefault(GROUPS_KEY, {})[name] = tuple(value)


def _delivery(values: Mapping[str, Any], envs: Mapping[str, EnvironmentTarget]) -> Environments:
    policies = {}
    for name in ENVIRONMENT_NAMES:
        key = f"environments.{name}."
        policies[name] = EnvironmentPolicy(
            name=name,
            cluster=topology.environment(name).cluster,
            context=envs[name].context or name,
            namespace=envs[name].namespace,
            registry_namespace=str(values[key + "registry_namespace"]).strip("/"),
            approvers=Approvers(
                entries=tuple(values[key + "approvers"]),
                minimum=values[key + "min_approvals"],
                allow_self_approval=values[key + "allow_self_approval"],
                timeout_minutes=values[key + "approval_timeout_minutes"],
            ),
            exclusive=values[key + "exclusive"],
            helm_timeout_s=values[key + "helm_timeout"],
            allow_root=values[key + "allow_root"],
            require_digest=values[key + "require_digest"],
        )
    return Environments(policies, dict(values.get(GROUPS_KEY) or {}))


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
            token_port=values["registry.token_port"],
            anonymous_pull=values["registry.anonymous_pull"],
            promotion_username=values["registry.promotion_username"],
            promotion_password=values["registry.promotion_password"],
        ),
        clusters=ClusterSettings(
            node_kind=values["clusters.node_kind"],
            real_node=values["clusters.real_node"],
            nodes=values["clusters.nodes"],
            ports={
                "devtest": values["clusters.devtest_port"],
                "prod": values["clusters.prod_port"],
            },
        ),
        kubeconfig=values["kubernetes.kubeconfig"],
        environments=envs,
        delivery=_delivery(values, envs),
        base_images=tuple(values["images.base"]),
        debian_mirror=values["images.debian_mirror"],
        warnings_as_errors=frozenset(values["policy.warnings_as_errors"]),
        server=ServerSettings(
            port=values["server.port"],
            max_body_bytes=values["server.max_body_bytes"],
            secrets={
                p: values[f"server.{p}_secret"]
                for p in ("github", "gitlab", "azure")
                if values[f"server.{p}_secret"]
            },
            repositories={
                name.strip(): Path(path.strip()).expanduser()
                for name, _, path in (r.partition("=") for r in values["server.repositories"])
            },
        ),
        branch_policies=branch_policies.build(values),
        source=source,
        origins=origins,
        executor=ExecutorSettings(
            **{name: values[f"executor.{name}"] for name in ExecutorSettings.__dataclass_fields__}
        ),
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
    if not s.registry.embedded:
        return
    for key, port in (
        ("registry.port", s.registry.port),
        ("registry.token_port", s.registry.token_port),
    ):
        for name, block in blocks.items():
            if port in block:
                diags.add(
                    _where(s, key),
                    f"{key}: {port} is in "
                    f"the port block of cluster {name} ({block.start}-{block.stop - 1})",
                    code="settings",
                )
    if s.registry.port == s.registry.token_port:
        diags.add(
            _where(s, "registry.token_port"),
            f"registry.token_port: {s.registry.token_port} is registry.port too; "
            "the registry and its token service need a port each",
            code="settings",
        )
