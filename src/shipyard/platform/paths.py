"""Where the platform keeps things, by the XDG base directory rules.

Four homes, each with the lifetime its name promises:

- cache (``$XDG_CACHE_HOME/shipyard``): built tool binaries by name and version, the Go wrapper
  modules, Helm's cache. Safe to delete; costs a rebuild.
- data (``$XDG_DATA_HOME/shipyard/platform``): what users would miss: registry storage, container
  storage, the clusters' etcd. Kept by ``down``, removed by ``down --purge``.
- state (``$XDG_STATE_HOME/shipyard/platform``): PID files, logs and the configuration files
  Shipyard writes for the tools (containers, helm, kubeconfigs). Rewritten by every ``up``.
- config (``$XDG_CONFIG_HOME/shipyard``): the user's own settings file, read, never written.

Nothing here touches the user's global files (``~/.kube/config``, ``/etc/containers``).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from tempfile import gettempdir

from shipyard.xdg import xdg_dir


@dataclass(frozen=True, slots=True)
class PlatformPaths:
    cache: Path
    data: Path
    state: Path
    config_home: Path

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> PlatformPaths:
        env = os.environ if env is None else env
        return cls(
            cache=xdg_dir(env, "XDG_CACHE_HOME", ".cache") / "shipyard",
            data=xdg_dir(env, "XDG_DATA_HOME", ".local/share") / "shipyard" / "platform",
            state=xdg_dir(env, "XDG_STATE_HOME", ".local/state") / "shipyard" / "platform",
            config_home=xdg_dir(env, "XDG_CONFIG_HOME", ".config") / "shipyard",
        )

    # -- cache ---------------------------------------------------------------------------
    @property
    def tools(self) -> Path:
        return self.cache / "tools"

    def tool_dir(self, name: str, version: str) -> Path:
        return self.tools / name / version

    @property
    def builds(self) -> Path:
        """Go wrapper modules (go.mod/go.sum), one per Kubernetes version."""
        return self.cache / "build"

    # -- data ----------------------------------------------------------------------------
    @property
    def registry_storage(self) -> Path:
        return self.data / "registry"

    @property
    def container_storage(self) -> Path:
        return self.data / "containers" / "storage"

    @property
    def kwok_workdir(self) -> Path:
        return self.data / "kwok"

    @property
    def rootfs(self) -> Path:
        return self.data / "rootfs"

    @property
    def helm_data(self) -> Path:
        return self.data / "helm"

    # -- state ---------------------------------------------------------------------------
    @property
    def run(self) -> Path:
        """PID records."""
        return self.state / "run"

    @property
    def logs(self) -> Path:
        return self.state / "log"

    @property
    def etc(self) -> Path:
        """Configuration files written for the tools."""
        return self.state / "etc"

    @property
    def container_runroot(self) -> Path:
        """Runtime state of buildah and podman, on a short path.

        podman's cleanup process refuses a run root longer than 50 characters, and every
        ``podman run`` then waits 20 s for it. The state folder is often longer than that,
        so the run root goes under the runtime folder (``/run`` for root,
        ``XDG_RUNTIME_DIR`` or ``/tmp`` otherwise), named by a hash of the state folder so
        that two platforms never share it.
        """
        own = self.state / "containers" / "run"
        if len(str(own)) <= 40:
            return own
        tag = hashlib.sha256(str(self.state).encode()).hexdigest()[:10]
        base = "/run" if os.geteuid() == 0 else os.environ.get("XDG_RUNTIME_DIR", gettempdir())
        return Path(base) / f"shipyard-{tag}"

    @property
    def kubeconfig(self) -> Path:
        """The environments' kubeconfig: one context per environment, least-privilege tokens."""
        return self.state / "kubeconfig"

    @property
    def executor_kubeconfig(self) -> Path:
        """The Kubernetes executor's own identity: Jobs in the agents' namespace, no more."""
        return self.state / "executor.kubeconfig"

    @property
    def admin_kubeconfig(self) -> Path:
        """Cluster-admin contexts, for Shipyard's own setup only."""
        return self.state / "admin.kubeconfig"

    @property
    def helm_config(self) -> Path:
        return self.state / "helm"

    @property
    def helm_cache(self) -> Path:
        return self.cache / "helm"

    def log(self, component: str) -> Path:
        return self.logs / f"{component}.log"
