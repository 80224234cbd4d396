"""One platform instance: where its files are, how it is configured, how it reaches tools.

Everything the platform modules need is passed around as this one value, built once by the
caller (the CLI, a test fixture, the benchmark), rather than read from globals.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from shipyard.platform import registry_auth
from shipyard.platform import settings as settings_mod
from shipyard.platform.deps import Adapters, real_adapters
from shipyard.platform.paths import PlatformPaths
from shipyard.platform.progress import Progress, Recorder
from shipyard.platform.settings import Settings
from shipyard.platform.toolenv import RegistryTarget, kubeconfig_for, registry_target, tool_env


@dataclass(frozen=True, slots=True)
class Platform:
    paths: PlatformPaths
    settings: Settings
    adapters: Adapters
    progress: Progress

    @classmethod
    def load(
        cls,
        *,
        progress: Progress | None = None,
        adapters: Adapters | None = None,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> Platform:
        """Paths from XDG variables, settings from the file and ``SHIPYARD_*`` variables."""
        env = os.environ if env is None else env
        paths = PlatformPaths.from_env(env)
        return cls(
            paths=paths,
            settings=settings_mod.load(env, cwd, paths),
            adapters=adapters or real_adapters(),
            progress=progress or Recorder(),
        )

    @property
    def target(self) -> RegistryTarget:
        return registry_target(self.settings, self.paths)

    def target_as(self, role: str) -> RegistryTarget:
        """The registry with the credentials of ``role`` (promotion, platform images)."""
        return registry_target(self.settings, self.paths, role)

    @property
    def kubeconfig(self) -> Path:
        return kubeconfig_for(self.paths, self.settings)

    def tool_env(self) -> dict[str, str]:
        return tool_env(self.paths, self.settings)

    def tool_env_as(self, role: str) -> dict[str, str]:
        """The tool env with the registry credentials of ``role`` (embedded registry; an
        external one keeps the configured credentials)."""
        env = self.tool_env()
        auth = registry_auth.role_auth_file(self.paths, role)
        if self.settings.registry.embedded and auth.is_file():
            env["REGISTRY_AUTH_FILE"] = env["HELM_REGISTRY_CONFIG"] = str(auth)
        return env
