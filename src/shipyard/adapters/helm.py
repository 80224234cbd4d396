"""helm: packaging charts and pushing them to an OCI registry, with Shipyard's own helm.

The helm binary is the one the platform builds and pins (``helm`` in the tool catalog), and
its state stays private: ``HELM_CONFIG_HOME``, ``HELM_CACHE_HOME``, ``HELM_DATA_HOME`` and
``HELM_REGISTRY_CONFIG`` point into the platform's folders, never the user's ``~/.config/helm``.

- ``helm package CHART --destination DIR --version V --app-version A [--dependency-update]``
  writes ``DIR/NAME-V.tgz``; helm 4 accepts a leading ``v`` in the version and keeps it.
- ``helm show chart ARCHIVE`` reads the packaged ``Chart.yaml`` back, so a step can check
  what it actually produced rather than what it asked for.
- ``helm push ARCHIVE oci://ADDRESS/NAMESPACE`` stores it as ``NAMESPACE/NAME:VERSION``;
  ``--plain-http`` for a registry reached over HTTP. Credentials, when the connection has
  any, go in a private auth file named by ``HELM_REGISTRY_CONFIG`` for that one push.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from shipyard.adapters import process
from shipyard.adapters.containers import Run, auth_file, check_exit
from shipyard.adapters.process import CommandFailed, ToolMissing
from shipyard.flow.builds import ChartInfo, StepFailed
from shipyard.flow.connections import RegistryEndpoint
from shipyard.ports import StepRunner

_VERSION = re.compile(r"v?\d+\.\d+\.\d+")
_HELM_VARS = ("HELM_CONFIG_HOME", "HELM_CACHE_HOME", "HELM_DATA_HOME", "HELM_REGISTRY_CONFIG")


def _yaml(text: str, what: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise StepFailed(f"{what} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise StepFailed(f"{what} is not a mapping")
    return data


class Helm:
    """The :class:`~shipyard.ports.HelmClient` port over the platform's helm."""

    def __init__(
        self, binary: Path, env: Mapping[str, str], *, run_quiet: Run | None = None
    ) -> None:
        self.binary = binary
        self.env = dict(env)
        self._quiet = run_quiet or process.run

    def _ask(self, *args: str) -> str:
        try:
            return self._quiet([str(self.binary), *args], extra_env=self.env, timeout=120).stdout
        except ToolMissing:
            raise StepFailed(
                f"helm is not installed at {self.binary}",
                hint="run `shipyard platform up` (or `shipyard platform install helm`)",
            ) from None
        except CommandFailed as exc:
            raise StepFailed(exc.message) from None

    def version(self) -> str:
        found = _VERSION.search(self._ask("version", "--short"))
        if found is None:
            raise StepFailed(f"cannot tell the version of {self.binary}")
        return found.group(0)

    def tool_dir(self) -> Path:
        return self.binary.parent

    def environment(self) -> dict[str, str]:
        return {k: v for k, v in self.env.items() if k in _HELM_VARS}

    def package_argv(
        self, chart: Path, dest: Path, version: str, app_version: str, dependency_update: bool
    ) -> list[str]:
        argv = [str(self.binary), "package", str(chart), "--destination", str(dest)]
        if version:
            argv += ["--version", version]
        if app_version:
            argv += ["--app-version", app_version]
        if dependency_update:
            argv.append("--dependency-update")
        return argv

    def package(
        self,
        chart: Path,
        dest: Path,
        run: StepRunner,
        *,
        version: str = "",
        app_version: str = "",
        dependency_update: bool = False,
    ) -> Path:
        meta_file = chart / "Chart.yaml"
        if not meta_file.is_file():
            raise StepFailed(f"no chart at {chart}: {meta_file.name} is missing")
        meta = _yaml(meta_file.read_text(), str(meta_file))
        dest.mkdir(parents=True, exist_ok=True)
        argv = self.package_argv(chart, dest, version, app_version, dependency_update)
        check_exit(run(argv, cwd=chart.parent, env=self.env), "helm package")
        archive = dest / f"{meta.get('name', '')}-{version or meta.get('version', '')}.tgz"
        if not archive.is_file():
            raise StepFailed(f"helm package succeeded but {archive} is not there")
        return archive

    def show_chart(self, archive: Path) -> ChartInfo:
        return ChartInfo.from_metadata(
            _yaml(self._ask("show", "chart", str(archive)), f"Chart.yaml of {archive.name}")
        )

    def push_argv(self, archive: Path, dest: RegistryEndpoint, namespace: str) -> list[str]:
        argv = [str(self.binary), "push", str(archive), f"oci://{dest.address}/{namespace}"]
        return [*argv, "--plain-http"] if not dest.secure else argv

    def push(
        self, archive: Path, dest: RegistryEndpoint, namespace: str, workdir: Path, run: StepRunner
    ) -> None:
        with auth_file(dest, workdir) as auth:
            env = {**self.env, "HELM_REGISTRY_CONFIG": str(auth)} if auth else self.env
            result = run(self.push_argv(archive, dest, namespace), env=env)
        check_exit(result, f"helm push {archive.name}")
