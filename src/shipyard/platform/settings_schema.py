"""The schema of the platform settings: every key, its kind, default and variable.

A declarative table rather than hand-written checks: adding a setting is adding a row, and
the loader (:mod:`shipyard.platform.settings`) derives the environment variable, the
validation and the error message from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from shipyard.platform.topology import ENVIRONMENT_NAMES

PRODUCTION = "production"

Kind = Literal["str", "int", "bool", "port", "secret", "path", "choice", "list"]
BASE_IMAGE_NAMES = ("python",)
# "kubelet": one cluster (clusters.real_node) gets one real node, the other keeps simulated
# ones; "kwok": every node is simulated. A host that cannot run a real node falls back to kwok.
NODE_KINDS = ("kubelet", "kwok")
CLUSTER_NAMES = ("devtest", "prod")
# local: warm worker processes on this machine; temporal: workers anywhere, polling task
# queues of a Temporal server (pool and demands).
EXECUTOR_KINDS = ("local", "temporal", "kubernetes")


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


def _delivery_fields(env: str) -> tuple[Field, ...]:
    """An environment's release rules (see :mod:`shipyard.deliver.environments`)."""
    prod = env == PRODUCTION
    return (
        Field(
            f"environments.{env}.approvers",
            "list",
            [],
            f"who may approve deploys to {env}: user names and group:NAME; empty: anyone",
        ),
        Field(
            f"environments.{env}.min_approvals",
            "int",
            1 if prod else 0,
            f"approvals a deploy to {env} needs (0: none asked)",
            low=0,
            high=10,
        ),
        Field(
            f"environments.{env}.allow_self_approval",
            "bool",
            False,
            f"may the author of a change approve its deploy to {env}",
        ),
        Field(
            f"environments.{env}.approval_timeout_minutes",
            "int",
            24 * 60,
            f"minutes an approval for {env} waits before it expires",
            low=1,
            high=60 * 24 * 30,
        ),
        Field(
            f"environments.{env}.registry_namespace",
            "str",
            "prod" if prod else "staging",
            f"the registry namespace images deployed to {env} must come from",
        ),
        Field(
            f"environments.{env}.require_digest",
            "bool",
            prod,
            f"images deployed to {env} must be referenced by digest",
        ),
        Field(
            f"environments.{env}.allow_root",
            "bool",
            False,
            f"may containers deployed to {env} run as root",
        ),
        Field(
            f"environments.{env}.exclusive",
            "bool",
            True,
            f"one deploy at a time to {env} (the others wait)",
        ),
        Field(
            f"environments.{env}.helm_timeout",
            "int",
            300,
            f"seconds helm waits for a deploy to {env} to become ready",
            low=10,
            high=3600,
        ),
    )


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
    Field(
        "registry.token_port",
        "port",
        5001,
        "loopback port of the embedded registry's token service (who may push where)",
    ),
    Field(
        "registry.anonymous_pull",
        "bool",
        True,
        "may clients without credentials pull from the embedded registry (nodes do)",
    ),
    Field(
        "registry.promotion_username",
        "str",
        "",
        "external registry: the identity that may push to prod/ (default: registry.username)",
    ),
    Field(
        "registry.promotion_password",
        "secret",
        Secret(),
        "external registry: password or token of registry.promotion_username",
    ),
    Field(
        "clusters.node_kind",
        "choice",
        "kubelet",
        "kubelet: one real node (kubelet, containerd) in clusters.real_node; kwok: all simulated",
        choices=NODE_KINDS,
    ),
    Field(
        "clusters.real_node",
        "choice",
        "devtest",
        "the cluster that gets the machine's one real node",
        choices=CLUSTER_NAMES,
    ),
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
            *_delivery_fields(env),
        )
    ),
    Field("server.port", "port", 8470, "loopback port of `shipyard serve`"),
    Field(
        "server.max_body_bytes",
        "int",
        1024 * 1024,
        "the largest webhook body accepted (bigger ones get 413)",
        low=1024,
        high=64 * 1024 * 1024,
    ),
    Field("server.github_secret", "secret", Secret(), "the secret of GitHub webhooks (HMAC)"),
    Field("server.gitlab_secret", "secret", Secret(), "the secret token of GitLab webhooks"),
    Field(
        "server.azure_secret",
        "secret",
        Secret(),
        "the Basic-auth password of Azure Repos service hooks",
    ),
    Field(
        "server.repositories",
        "list",
        [],
        "NAME=PATH: the local repository a webhook's repository NAME is read from",
    ),
    Field("executor.kind", "choice", "local", "where jobs run", choices=EXECUTOR_KINDS),
    Field(
        "executor.temporal_address",
        "str",
        "",
        "host:port of a Temporal frontend; empty: the embedded dev server (`platform up`)",
    ),
    Field("executor.temporal_port", "port", 7233, "loopback port of the embedded Temporal"),
    Field("executor.temporal_namespace", "str", "default", "the Temporal namespace of jobs"),
    Field(
        "executor.wait_for_worker_seconds",
        "int",
        300,
        "how long a job waits for a worker of its pool before it fails saying so",
        low=1,
        high=86400,
    ),
    Field(
        "executor.attempts",
        "int",
        3,
        "attempts of a job whose worker is lost (Temporal retries it on another)",
        low=1,
        high=20,
    ),
    Field(
        "executor.heartbeat_seconds",
        "int",
        10,
        "a worker silent this long is lost (Temporal's heartbeat timeout)",
        low=1,
        high=600,
    ),
    Field(
        "executor.local_workers",
        "int",
        2,
        "temporal: workers of pool 'local' that a service starts on its own machine "
        "(0: every worker runs elsewhere)",
        low=0,
        high=16,
    ),
    Field(
        "executor.kubernetes_context",
        "str",
        "executor",
        "kubernetes: the context whose cluster runs jobs (embedded: the executor's own "
        "identity in executor.kubeconfig; else a context of `kubeconfig`)",
    ),
    Field(
        "executor.kubernetes_namespace",
        "str",
        "shipyard-agents",
        "kubernetes: the namespace where each job is a Job (embedded: made by `platform up`)",
    ),
    Field(
        "policy.warnings_as_errors",
        "list",
        [],
        "validation warnings that refuse a pipeline instead (e.g. latest-tag; all: every one)",
    ),
    Field(
        "images.base",
        "list",
        list(BASE_IMAGE_NAMES),
        "base images to prepare",
        choices=(*BASE_IMAGE_NAMES, "agent"),
    ),
    Field(
        "images.debian_mirror",
        "str",
        "http://deb.debian.org/debian",
        "Debian mirror for debootstrap",
    ),
)


def convert(spec: Field, value: Any, from_env: bool) -> tuple[Any, str]:
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


def found_text(spec: Field, value: Any) -> str:
    return "a secret" if spec.kind == "secret" else f"{value!r}"
