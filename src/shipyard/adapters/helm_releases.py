"""helm's release commands: the :class:`~shipyard.deliver.ports.HelmReleases` port.

Every command names its target explicitly (``--kubeconfig``, ``--kube-context``,
``--namespace``): the environment's context, never whatever the user's kubeconfig selects.
Values go to helm as a YAML file written for the one command (never ``--set`` text), and
helm's state stays in the platform's private folders (the env this adapter is given).

- ``upgrade`` is ``helm upgrade --install --wait --timeout Ns`` streamed through the step's
  runner, and on failure what ``--rollback-on-failure`` would do, in two steps: first the
  cluster is asked why (the failing pods and probes are still there to read; after helm's
  own rollback they are gone), then the release is rolled back to its last deployed
  revision, or uninstalled when this was its first install.
- ``recover`` unsticks a release a killed deploy left ``pending-*``: helm refuses every
  later upgrade of it ("another operation is in progress") until it is rolled back to its
  last deployed revision, or uninstalled when it never had one.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from shipyard.adapters import process
from shipyard.adapters.process import CommandFailed, ToolMissing
from shipyard.deliver.model import DeployTarget, HelmRevision, ReleaseState, UpgradeRequest
from shipyard.deliver.ports import DeliveryFailed, RolloutFailed
from shipyard.ports import StepRunner

Explain = Callable[[DeployTarget, str], str]


def _target_args(target: DeployTarget) -> list[str]:
    args = ["--namespace", target.namespace]
    if target.kubeconfig:
        args = ["--kubeconfig", target.kubeconfig, *args]
    if target.context:
        args = ["--kube-context", target.context, *args]
    return args


class HelmCli:
    """helm 4 at ``binary`` with private state (``env``: the ``HELM_*`` folders)."""

    def __init__(
        self, binary: Path, env: Mapping[str, str], explain: Explain | None = None
    ) -> None:
        self.binary = binary
        self.env = dict(env)
        self.explain = explain

    # -- reading ---------------------------------------------------------------------
    def _ask(self, args: Sequence[str], timeout: float = 120) -> process.Completed:
        try:
            return process.run(
                [str(self.binary), *args], extra_env=self.env, check=False, timeout=timeout
            )
        except ToolMissing:
            raise DeliveryFailed(
                f"helm is not installed at {self.binary}",
                hint="run `shipyard platform up`",
            ) from None
        except CommandFailed as err:
            raise DeliveryFailed(err.message) from None

    def render(self, target: DeployTarget, request: UpgradeRequest) -> str:
        with self._values(request.values) as values:
            done = self._ask(
                [
                    "template",
                    request.release,
                    request.chart.url,
                    "--version",
                    request.chart.version,
                    "--values",
                    str(values),
                    *(["--plain-http"] if request.chart.plain_http else []),
                    "--namespace",
                    target.namespace,
                ]
            )
        if done.returncode != 0:
            raise DeliveryFailed(
                f"cannot render {request.chart.describe()} for {target.environment}: "
                f"{_last_error(done.stderr)}"
            )
        return done.stdout

    def status(self, target: DeployTarget, release: str) -> ReleaseState | None:
        done = self._ask(["status", release, "-o", "json", *_target_args(target)])
        if done.returncode != 0:
            if "not found" in done.stderr:
                return None
            raise DeliveryFailed(
                f"helm status {release} in {target.describe()}: {_last_error(done.stderr)}"
            )
        data = _json(done.stdout)
        info = data.get("info") or {}
        meta = (data.get("chart") or {}).get("metadata") or {}
        return ReleaseState(
            name=str(data.get("name", release)),
            namespace=str(data.get("namespace", target.namespace)),
            revision=int(data.get("version") or 0),
            status=str(info.get("status", "unknown")),
            chart=f"{meta.get('name', '')}-{meta.get('version', '')}".strip("-"),
            app_version=str(meta.get("appVersion", "")),
            updated=str(info.get("last_deployed", "")),
            description=str(info.get("description", "")),
        )

    def releases(self, target: DeployTarget) -> list[ReleaseState]:
        # helm 4 has no --all: the states are asked for by name (a pending one included).
        states = ["--deployed", "--failed", "--pending", "--uninstalling"]
        done = self._ask(["list", *states, "-o", "json", *_target_args(target)])
        if done.returncode != 0:
            raise DeliveryFailed(f"helm list in {target.describe()}: {_last_error(done.stderr)}")
        rows = json.loads(done.stdout or "[]")
        return [
            ReleaseState(
                name=str(r.get("name", "")),
                namespace=str(r.get("namespace", "")),
                revision=int(r.get("revision") or 0),
                status=str(r.get("status", "unknown")),
                chart=str(r.get("chart", "")),
                app_version=str(r.get("app_version", "")),
                updated=str(r.get("updated", "")),
            )
            for r in rows
            if isinstance(r, dict)
        ]

    def history(self, target: DeployTarget, release: str) -> list[HelmRevision]:
        done = self._ask(["history", release, "-o", "json", *_target_args(target)])
        if done.returncode != 0:
            if "not found" in done.stderr:
                return []
            raise DeliveryFailed(
                f"helm history {release} in {target.describe()}: {_last_error(done.stderr)}"
            )
        return [
            HelmRevision(
                revision=int(r.get("revision") or 0),
                status=str(r.get("status", "")),
                chart=str(r.get("chart", "")),
                app_version=str(r.get("app_version", "")),
                updated=str(r.get("updated", "")),
                description=str(r.get("description", "")),
            )
            for r in json.loads(done.stdout or "[]")
            if isinstance(r, dict)
        ]

    # -- changing --------------------------------------------------------------------
    def upgrade(
        self, target: DeployTarget, request: UpgradeRequest, run: StepRunner
    ) -> ReleaseState:
        with self._values(request.values) as values:
            argv = [
                str(self.binary),
                "upgrade",
                request.release,
                request.chart.url,
                "--install",
                "--version",
                request.chart.version,
                "--values",
                str(values),
                "--wait",
                "--timeout",
                f"{request.timeout_s}s",
                *(["--description", request.description] if request.description else []),
                *(["--plain-http"] if request.chart.plain_http else []),
                *_target_args(target),
            ]
            exit_ = run(argv, env=self.env)
        if exit_.exit_code == 0:
            state = self.status(target, request.release)
            if state is None:
                raise DeliveryFailed(f"{request.release} is not there after helm installed it")
            return state
        if exit_.canceled or exit_.timed_out:
            raise DeliveryFailed(f"helm upgrade of {request.release} was stopped")
        explanation = self._explain(target, request.release)
        undone = self._undo(target, request.release, run)
        raise RolloutFailed(
            f"helm upgrade of {request.release} in {target.describe()} failed "
            f"(exit code {exit_.exit_code}); {undone}",
            explanation,
        )

    def _undo(self, target: DeployTarget, release: str, run: StepRunner) -> str:
        """Roll a failed upgrade back to the last good revision (or remove a first install)."""
        state = self.status(target, release)
        if state is None:
            return "nothing was installed"
        good = [
            h.revision
            for h in self.history(target, release)
            if h.status in ("deployed", "superseded") and h.revision != state.revision
        ]
        if good:
            self.rollback(target, release, max(good), 300, run)
            return f"rolled back to revision {max(good)}"
        self.uninstall(target, release, run)
        return "the first install was removed"

    def rollback(
        self,
        target: DeployTarget,
        release: str,
        revision: int | None,
        timeout_s: int,
        run: StepRunner,
    ) -> ReleaseState:
        argv = [
            str(self.binary),
            "rollback",
            release,
            *([str(revision)] if revision else []),
            "--wait",
            "--timeout",
            f"{timeout_s}s",
            *_target_args(target),
        ]
        exit_ = run(argv, env=self.env)
        if exit_.exit_code != 0:
            raise RolloutFailed(
                f"helm rollback of {release} in {target.describe()} failed",
                self._explain(target, release),
            )
        state = self.status(target, release)
        if state is None:
            raise DeliveryFailed(f"{release} is gone after its rollback")
        return state

    def uninstall(self, target: DeployTarget, release: str, run: StepRunner) -> None:
        if self.status(target, release) is None:
            return
        argv = [str(self.binary), "uninstall", release, "--wait", *_target_args(target)]
        exit_ = run(argv, env=self.env)
        if exit_.exit_code != 0:
            raise DeliveryFailed(f"helm uninstall of {release} in {target.describe()} failed")

    def recover(self, target: DeployTarget, release: str, run: StepRunner) -> str | None:
        state = self.status(target, release)
        if state is None or not state.pending:
            return None
        return f"was {state.status}; " + self._undo(target, release, run)

    # -- helpers ---------------------------------------------------------------------
    def _explain(self, target: DeployTarget, release: str) -> str:
        if self.explain is None:
            return ""
        try:
            return self.explain(target, release)
        except Exception as err:
            return f"(the cluster could not be asked why: {err})"

    class _Values:
        def __init__(self, values: Mapping[str, object]) -> None:
            self.values = values
            self.dir = tempfile.TemporaryDirectory(prefix="shipyard-values-")

        def __enter__(self) -> Path:
            path = Path(self.dir.name) / "values.yaml"
            path.write_text(yaml.safe_dump(dict(self.values), sort_keys=True))
            path.chmod(0o600)
            return path

        def __exit__(self, *exc: object) -> None:
            self.dir.cleanup()

    def _values(self, values: Mapping[str, object]) -> HelmCli._Values:
        return HelmCli._Values(values)


def _json(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        raise DeliveryFailed("helm printed something that is not JSON") from None
    return data if isinstance(data, dict) else {}


def _last_error(stderr: str) -> str:
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    return lines[-1] if lines else "no message"
