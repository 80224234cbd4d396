"""Wiring of the Kubernetes executor on the embedded platform: image, namespace, Secret, mounts.

:func:`connect` is what a service calls when ``executor.kind = "kubernetes"``. It makes sure
the agent image of this very installation is in the registry (built in seconds on top of
``base/agent`` when the code changed, see :mod:`shipyard.platform.agent`), that its identity
(``executor`` of ``executor.kubeconfig``, which may only run Jobs in the agents' namespace)
works, and writes one Secret per engine with the store's location and keys,
removed again when the service stops. The pods get the platform's and the store's
directories at their own paths, because the tool configuration, the container storage and
the artifact folder are the engine machine's (the real node is that machine).
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from shipyard.adapters.kube_jobs import KubeJobs
from shipyard.domain import registry_access
from shipyard.domain.diagnostics import ShipyardError
from shipyard.executor.book import JobBook
from shipyard.executor.kube_manifest import (
    ENV_ROLE,
    ROLE_LABEL,
    AgentPod,
    HostMount,
    engine_label,
    env_secret,
    stale_secrets,
)
from shipyard.executor.kubernetes import KubernetesExecutor
from shipyard.platform import registry_auth, toolenv
from shipyard.platform.agent import AgentImage
from shipyard.platform.context import Platform
from shipyard.platform.settings import ExecutorSettings
from shipyard.store import StoreConfig

TRUST_DIRS = (Path("/etc/ssl/certs"),)


def sqlite_file(url: str) -> Path | None:
    for prefix in ("sqlite:///", "sqlite+pysqlite:///"):
        if url.startswith(prefix):
            return Path(url[len(prefix) :].split("?", 1)[0])
    return None


def _named_in_env(env: dict[str, str]) -> list[HostMount]:
    """Files and folders that ``SHIPYARD_*`` settings name (advisories, a scan policy)."""
    found: list[HostMount] = []
    home = Path.home()
    for key, value in env.items():
        path = Path(value)
        if not key.startswith("SHIPYARD_") or not path.is_absolute():
            continue
        if path.is_file():
            found.append(HostMount(path, read_only=True, kind="File"))
        elif path.is_dir() and path != Path("/") and not home.is_relative_to(path):
            found.append(HostMount(path, read_only=True))
    return found


def host_mounts(
    platform: Platform, config: StoreConfig, env: dict[str, str]
) -> tuple[HostMount, ...]:
    """What a job's pod needs of this machine, at the same paths, and nothing more."""
    paths = platform.paths
    writable = [
        paths.container_storage,
        paths.container_runroot,
        paths.helm_config,
        paths.helm_cache,
        paths.helm_data,
        config.artifacts,
        config.key_file.parent,
    ]
    database = sqlite_file(config.url)
    if database is not None:
        writable.append(database.parent)
    for directory in writable:
        directory.mkdir(parents=True, exist_ok=True)
    mounts = [HostMount(d) for d in sorted(set(writable))]
    readable = [paths.tools, toolenv.containers_dir(paths), *TRUST_DIRS]
    if paths.config_home.is_dir():
        readable.append(paths.config_home)
    mounts += [HostMount(d, read_only=True) for d in readable if d.is_dir()]
    files = [
        toolenv.auth_file(paths),
        registry_auth.identities_file(paths),
        registry_auth.role_auth_file(paths, registry_access.BUILD),
        registry_auth.role_auth_file(paths, registry_access.PROMOTION),
        paths.kubeconfig,
    ]
    if platform.settings.source is not None:
        files.append(platform.settings.source)
    mounts += [HostMount(f, read_only=True, kind="File") for f in files if f.is_file()]
    mounts += _named_in_env(env)
    # A writable folder that holds the platform's own (the store's default folder holds
    # it) gets that part masked: the pieces above show through, the rest does not.
    private = (paths.state, paths.data, paths.cache)
    for directory in writable:
        mounts += [HostMount(p, kind="Mask") for p in private if p.is_relative_to(directory)]
    unique: dict[Path, HostMount] = {}
    for mount in mounts:
        unique.setdefault(mount.path, mount)
    return tuple(unique.values())


def repo_mounts(repo: str) -> Sequence[HostMount]:
    """The job's repository, read-only, when it is a directory of this machine."""
    path = Path(repo)
    return (HostMount(path, read_only=True),) if path.is_absolute() and path.is_dir() else ()


def pod_env(platform: Platform, config: StoreConfig) -> dict[str, str]:
    """What the agent's environment must hold to see this store and this platform."""
    paths = platform.paths
    env = {k: v for k, v in os.environ.items() if k.startswith("SHIPYARD_")}
    env.pop("SHIPYARD_EXECUTOR_KIND", None)  # the agent runs its job itself
    env |= config.child_env()
    env |= {
        "HOME": str(Path.home()),
        "XDG_CACHE_HOME": str(paths.cache.parent),
        "XDG_DATA_HOME": str(paths.data.parent.parent),
        "XDG_STATE_HOME": str(paths.state.parent.parent),
        "XDG_CONFIG_HOME": str(paths.config_home.parent),
    }
    if platform.settings.source is not None:
        env["SHIPYARD_CONFIG"] = str(platform.settings.source)
    return env


def _to_stderr(line: str) -> None:
    print(f"{line} (once per change of Shipyard's code or libraries)", file=sys.stderr)


class _EnvSecret:
    """The engine's Secret: written at start, renewed while the engine runs, deleted at
    close. Its start also removes the Secrets of engines that died without deleting theirs."""

    RENEW_SECONDS = 60.0

    def __init__(self, cluster: KubeJobs, name: str, values: dict[str, str]) -> None:
        self.cluster = cluster
        self.name = name
        self.values = values
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None

    def _write(self) -> None:
        self.cluster.apply(env_secret(self.name, self.cluster.namespace, self.values, time.time()))

    def start(self) -> None:
        with contextlib.suppress(ShipyardError):  # tidying must never stop a start
            found = self.cluster.secrets({ROLE_LABEL: ENV_ROLE})
            for name in stale_secrets(found, time.time()):
                if name != self.name:
                    self.cluster.delete_secret(name)
        self._write()
        self._renewer = threading.Thread(target=self._renew, name="agent-env", daemon=True)
        self._renewer.start()

    def _renew(self) -> None:
        while not self._stop.wait(self.RENEW_SECONDS):
            with contextlib.suppress(Exception):  # the API server is away: next minute
                self._write()

    def close(self) -> None:
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join(20)
        self.cluster.delete_secret(self.name)


_NAMESPACE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


def _where(platform: Platform, key: str) -> str:
    origin = platform.settings.origins.get(key, "default")
    return f"{key} (from {origin})"


def connect(
    engine_id: str,
    config: StoreConfig,
    book: JobBook,
    chosen: ExecutorSettings,
    say: Callable[[str], None] | None = None,
) -> KubernetesExecutor:
    """A Kubernetes executor for this store; raises ShipyardError naming what is missing."""
    platform = Platform.load()
    if not _NAMESPACE.match(chosen.kubernetes_namespace):
        raise ShipyardError(
            f"{_where(platform, 'executor.kubernetes_namespace')}: "
            f"'{chosen.kubernetes_namespace}' is not a namespace name: expected at most 63 "
            "lower-case letters, digits or '-', starting and ending with a letter or digit"
        )
    image = AgentImage(
        platform.paths,
        platform.target_as(registry_access.PLATFORM),
        platform.tool_env_as(registry_access.PLATFORM),
        platform.adapters,
    ).ensure(say or _to_stderr)
    settings = platform.settings
    kubeconfig = (
        platform.paths.executor_kubeconfig
        if settings.embedded_clusters or settings.kubeconfig is None
        else settings.kubeconfig
    )
    try:
        cluster = KubeJobs(kubeconfig, chosen.kubernetes_context, chosen.kubernetes_namespace)
    except ShipyardError as err:
        raise ShipyardError(
            f"{_where(platform, 'executor.kubernetes_context')}: {err.message}", hint=err.hint
        ) from None
    try:  # may this identity run Jobs there? (the namespace is made by `platform up`)
        cluster.states({})
    except ShipyardError as err:
        cluster.close()
        raise ShipyardError(
            f"{_where(platform, 'executor.kubernetes_namespace')}: cannot list Jobs in "
            f"'{chosen.kubernetes_namespace}': {err.message}",
            hint="`shipyard platform up` makes the agents' namespace and the executor's identity",
        ) from None
    secret = f"shipyard-agent-{engine_label(engine_id)}"
    env = pod_env(platform, config)
    pod = AgentPod(
        namespace=chosen.kubernetes_namespace,
        image=image,
        env_secret=secret,
        engine_id=engine_id,
        mounts=host_mounts(platform, config, env),
        heartbeat_seconds=float(chosen.heartbeat_seconds),
        attempts=chosen.attempts,
    )
    return KubernetesExecutor(
        pod,
        cluster,
        book,
        wait_for_worker_seconds=chosen.wait_for_worker_seconds,
        repo_mounts=repo_mounts,
        resources=_EnvSecret(cluster, secret, env),
    )
