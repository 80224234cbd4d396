"""The build tools a local worker offers to task plugins: the composition root of building.

:func:`task_services` is what a worker passes to its :class:`~shipyard.executor.job.JobRunner`
as ``services``; plugins reach them with ``ctx.service(BuildToolbox)`` and
``ctx.service(BuildRecorder)``:

- :class:`PlatformToolbox` (the :class:`~shipyard.ports.BuildToolbox` port): buildah,
  podman and helm in the platform's configuration (:func:`shipyard.platform.toolenv.tool_env`),
  the registry client, the service connections (:mod:`shipyard.flow.connections`, whose
  default is the platform's registry), the scan gate with the pinned scanners and the
  imported advisory data, and the platform's base image as the ``BASE_IMAGE`` build argument.
  Everything is read when a step first asks, and the settings files again for each step,
  so a worker started before ``shipyard platform up`` or before a settings change still
  does the right thing, and a broken settings file fails the step that needed it, with its
  message, instead of the worker.
- :class:`~shipyard.store.builds.BuildRecords`: the run's build record, in the store.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from shipyard.adapters.containers import Buildah, Podman
from shipyard.adapters.helm import Helm
from shipyard.adapters.osv import OsvScanner
from shipyard.adapters.registry_client import OciRegistries
from shipyard.adapters.skopeo import SkopeoArchiver
from shipyard.adapters.syft import SyftSbom
from shipyard.deliver.kit import DeliveryKit
from shipyard.domain.scan import ScanPolicy, ScanResult
from shipyard.flow import connections as conn
from shipyard.platform import settings as platform_settings
from shipyard.platform.catalog import tool
from shipyard.platform.images import base_image
from shipyard.platform.paths import PlatformPaths
from shipyard.platform.toolenv import RegistryTarget, auth_file, registry_target, tool_env
from shipyard.ports import BuildRecorder, BuildToolbox
from shipyard.scan import ScanTools, scan_image
from shipyard.scan import policy as scan_policy
from shipyard.store.builds import BuildRecords
from shipyard.store.sql import SqlStore


@dataclass(frozen=True, slots=True)
class _Loaded:
    paths: PlatformPaths
    target: RegistryTarget
    env: dict[str, str]


class PlatformScanner:
    """The :class:`~shipyard.ports.ImageScanner` port: :func:`scan_image` with real tools."""

    def __init__(self, paths: PlatformPaths, target: RegistryTarget, env: Mapping[str, str]):
        self.paths = paths
        explicit = env.get("SHIPYARD_ADVISORIES_DIR", "")
        self.advisories = (
            Path(explicit).expanduser() if explicit else paths.data.parent / "advisories"
        )
        auth = auth_file(paths)
        syft, osv = tool("syft"), tool("osv-scanner")
        self.tools = ScanTools(
            archiver=SkopeoArchiver(
                insecure_registries=frozenset() if target.secure else frozenset({target.address}),
                extra_env={"REGISTRY_AUTH_FILE": str(auth)} if auth.is_file() else {},
            ),
            sbom=SyftSbom(
                paths.tool_dir(syft.name, syft.version) / "syft",
                syft.version,
                cache_dir=paths.cache / "syft",
            ),
            matcher=OsvScanner(paths.tool_dir(osv.name, osv.version) / "osv-scanner", osv.version),
        )

    def policy_for(self, service: str) -> ScanPolicy:
        return scan_policy.load(config_home=self.paths.config_home).policy_for(service)

    def scan(
        self, target: str | Path, policy: ScanPolicy, out_dir: Path, sbom_format: str
    ) -> ScanResult:
        return scan_image(
            target, policy, self.advisories, self.tools, out_dir=out_dir, sbom_format=sbom_format
        )


class PlatformToolbox:
    """The :class:`~shipyard.ports.BuildToolbox` port for a worker on this machine."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self._env = os.environ if env is None else env

    def _load(self) -> _Loaded:
        paths = PlatformPaths.from_env(self._env)
        settings = platform_settings.load(self._env, paths=paths)
        path = self._env.get("PATH", "")
        return _Loaded(paths, registry_target(settings, paths), tool_env(paths, settings, path))

    def images(self) -> Buildah:
        return Buildah(self._load().env)

    def containers(self) -> Podman:
        return Podman(self._load().env)

    def helm(self) -> Helm:
        loaded = self._load()
        entry = tool("helm")
        binary = loaded.paths.tool_dir(entry.name, entry.version) / "helm"
        return Helm(binary, loaded.env)

    def registries(self) -> OciRegistries:
        return OciRegistries()

    def connections(self) -> conn.Connections:
        loaded = self._load()
        target = loaded.target
        default = conn.RegistryEndpoint(
            target.address, target.secure, target.username, target.password.reveal()
        )
        return conn.load(default, self._env, config_home=loaded.paths.config_home)

    def scanner(self) -> PlatformScanner:
        loaded = self._load()
        return PlatformScanner(loaded.paths, loaded.target, self._env)

    def build_args(self) -> dict[str, str]:
        return {"BASE_IMAGE": base_image("python").reference(self._load().target.address)}


def task_services(store: SqlStore) -> dict[type, object]:
    """The services a local worker offers to task plugins (``JobRunner(services=...)``)."""
    from shipyard.executor.delivery import LazyKit

    return {
        BuildToolbox: PlatformToolbox(),
        BuildRecorder: BuildRecords(store.engine),
        DeliveryKit: LazyKit(store.engine),
    }
