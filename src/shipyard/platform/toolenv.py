"""The environment in which buildah, podman, skopeo, helm and kubectl work with the platform.

Shipyard never edits the user's global configuration (``/etc/containers``, ``~/.config/helm``,
``~/.kube/config``). It writes files of its own under the state directory and points the tools
at them with the variables they already honour:

- containers: ``CONTAINERS_STORAGE_CONF`` (overlay, our graphroot/runroot; vfs works but is
  about 30x slower), ``CONTAINERS_REGISTRIES_CONF`` (the registry, plain HTTP on loopback),
  ``CONTAINERS_CONF`` (runc, and ulimits under the host's hard limit: crun cannot raise
  RLIMIT_NOFILE past it and rejects hybrid cgroups), ``BUILDAH_ISOLATION=chroot``,
  ``REGISTRY_AUTH_FILE`` (credentials of an external registry, mode 0600);
- helm: ``HELM_CONFIG_HOME``, ``HELM_CACHE_HOME``, ``HELM_DATA_HOME``, ``HELM_REGISTRY_CONFIG``
  (the same docker-style auth file);
- ``KUBECONFIG``: Shipyard's kubeconfig (one context per environment);
- ``PATH``: the pinned Go-built tools first (Debian's own kubectl is older than the clusters).

skopeo 1.9 ignores ``CONTAINERS_REGISTRIES_CONF``: callers pass ``--src-tls-verify=false
--dest-tls-verify=false`` for a plain-HTTP registry (see :attr:`RegistryTarget.secure`).
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from pathlib import Path

from shipyard.domain import registry_access
from shipyard.platform import registry_auth
from shipyard.platform.catalog import TOOLS
from shipyard.platform.paths import PlatformPaths
from shipyard.platform.settings import Secret, Settings
from shipyard.platform.topology import LOOPBACK


@dataclass(frozen=True, slots=True)
class RegistryTarget:
    """Where images and charts go: ``address`` is ``host:port`` as image names spell it."""

    address: str
    secure: bool
    username: str
    password: Secret
    embedded: bool

    @property
    def url(self) -> str:
        return f"{'https' if self.secure else 'http'}://{self.address}"

    def as_json(self) -> dict[str, object]:
        return {
            "address": self.address,
            "url": self.url,
            "embedded": self.embedded,
            "username": self.username,
            "password": str(self.password),
        }


def registry_target(
    settings: Settings, paths: PlatformPaths, role: str = registry_access.BUILD
) -> RegistryTarget:
    """The registry as ``role`` reaches it (see :mod:`shipyard.domain.registry_access`): the
    embedded one with the identity ``platform up`` made for that role, an external one with
    the credentials the settings give it (promotion may have its own)."""
    reg = settings.registry
    if reg.embedded:
        cred = registry_auth.credentials(paths, role)
        user, password = cred if cred else ("", Secret())
        return RegistryTarget(f"{LOOPBACK}:{reg.port}", False, user, password, True)
    url = reg.url.rstrip("/")
    secure = not url.startswith("http://")
    address = url.split("://", 1)[-1]
    if role == registry_access.PROMOTION and reg.promotion_username:
        return RegistryTarget(
            address, secure, reg.promotion_username, reg.promotion_password, False
        )
    return RegistryTarget(address, secure, reg.username, reg.password, False)


def _toml_str(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid TOML basic string


def _write(path: Path, text: str, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    tmp.chmod(mode)
    tmp.replace(path)


def containers_dir(paths: PlatformPaths) -> Path:
    return paths.etc / "containers"


def auth_file(paths: PlatformPaths) -> Path:
    return paths.etc / "auth.json"


def write_tool_configs(paths: PlatformPaths, target: RegistryTarget) -> None:
    """(Re)write every configuration file the tools read; cheap and idempotent."""
    conf = containers_dir(paths)
    _write(
        conf / "storage.conf",
        "[storage]\n"
        'driver = "overlay"\n'
        f"graphroot = {_toml_str(str(paths.container_storage))}\n"
        f"runroot = {_toml_str(str(paths.container_runroot))}\n",
    )
    _write(
        conf / "registries.conf",
        "# Written by Shipyard: images are never pulled from a registry by a short name.\n"
        "unqualified-search-registries = []\n\n"
        "[[registry]]\n"
        f"location = {_toml_str(target.address)}\n"
        f"insecure = {'false' if target.secure else 'true'}\n",
    )
    _write(
        conf / "containers.conf",
        "[containers]\n"
        'default_ulimits = ["nofile=20000:20000", "nproc=1000:1000"]\n\n'
        "[engine]\n"
        'runtime = "runc"\n'
        'cgroup_manager = "cgroupfs"\n'
        'events_logger = "file"\n',
    )
    auths: dict[str, dict[str, str]] = {}
    if target.username:
        raw = f"{target.username}:{target.password.reveal()}".encode()
        auths[target.address] = {"auth": base64.b64encode(raw).decode()}
    _write(auth_file(paths), json.dumps({"auths": auths}, indent=2) + "\n", mode=0o600)
    for directory in (paths.helm_config, paths.helm_cache, paths.helm_data):
        directory.mkdir(parents=True, exist_ok=True)


def tool_dirs(paths: PlatformPaths) -> list[Path]:
    """The cache directories of the Go-built default tools, in catalog order."""
    return [paths.tool_dir(t.name, t.version) for t in TOOLS if t.default and not t.is_apt]


def kubeconfig_for(paths: PlatformPaths, settings: Settings) -> Path:
    return settings.kubeconfig if settings.kubeconfig is not None else paths.kubeconfig


def tool_env(
    paths: PlatformPaths, settings: Settings, base_path: str | None = None
) -> dict[str, str]:
    """The variables to add to a tool's environment (``process.run(..., extra_env=...)``)."""
    conf = containers_dir(paths)
    search = base_path if base_path is not None else os.environ.get("PATH", "")
    return {
        "CONTAINERS_STORAGE_CONF": str(conf / "storage.conf"),
        "CONTAINERS_REGISTRIES_CONF": str(conf / "registries.conf"),
        "CONTAINERS_CONF": str(conf / "containers.conf"),
        "BUILDAH_ISOLATION": "chroot",
        "REGISTRY_AUTH_FILE": str(auth_file(paths)),
        "HELM_CONFIG_HOME": str(paths.helm_config),
        "HELM_CACHE_HOME": str(paths.helm_cache),
        "HELM_DATA_HOME": str(paths.helm_data),
        "HELM_REGISTRY_CONFIG": str(auth_file(paths)),
        "KUBECONFIG": str(kubeconfig_for(paths, settings)),
        "PATH": os.pathsep.join([*(str(d) for d in tool_dirs(paths)), search]),
    }
