"""The embedded platform: registry, image tools, Helm and clusters that Shipyard starts itself.

What other code calls (every function takes an optional :class:`Platform`; without one it
loads the settings of the current process, which is cheap):

- :func:`tool_env` -> ``dict``: variables to add to the environment of buildah, podman,
  skopeo, helm and kubectl (``process.run(argv, extra_env=tool_env())``).
- :func:`registry` -> :class:`RegistryTarget`: ``.address`` (``127.0.0.1:5000``, as image names
  spell it), ``.secure`` (False: plain HTTP), ``.url``.
- :func:`environment` -> :class:`EnvironmentRef`: kubeconfig path, context, namespace, cluster
  of ``dev``, ``qa``, ``staging`` or ``production``.
- :func:`binary` -> the path of a pinned tool (``binary("helm")``, ``binary("kubectl")``).
- :func:`explain_rollout` -> :class:`RolloutReport`: why a Deployment of an environment is
  not ready (which pod, container, probe or image), read with that environment's identity.
- :func:`up`, :func:`down`, ``status.collect``: what ``shipyard platform`` runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from shipyard.platform import lifecycle, rollout, status
from shipyard.platform.catalog import owner_of
from shipyard.platform.context import Platform
from shipyard.platform.install import binary as _binary
from shipyard.platform.lifecycle import DownReport
from shipyard.platform.progress import Progress, Recorder
from shipyard.platform.rollout import RolloutReport
from shipyard.platform.toolenv import RegistryTarget
from shipyard.platform.topology import ENVIRONMENT_NAMES
from shipyard.platform.topology import environment as _environment

__all__ = [
    "ENVIRONMENT_NAMES",
    "DownReport",
    "EnvironmentRef",
    "Platform",
    "Progress",
    "Recorder",
    "RegistryTarget",
    "RolloutReport",
    "binary",
    "down",
    "environment",
    "explain_rollout",
    "load",
    "registry",
    "status",
    "tool_env",
    "up",
]


@dataclass(frozen=True, slots=True)
class EnvironmentRef:
    name: str
    kubeconfig: Path
    context: str
    namespace: str
    cluster: str | None  # None on external clusters

    def kubectl_args(self) -> list[str]:
        return [
            "--kubeconfig",
            str(self.kubeconfig),
            "--context",
            self.context,
            "-n",
            self.namespace,
        ]

    def helm_args(self) -> list[str]:
        return [
            "--kubeconfig",
            str(self.kubeconfig),
            "--kube-context",
            self.context,
            "--namespace",
            self.namespace,
        ]


def load(progress: Progress | None = None) -> Platform:
    return Platform.load(progress=progress)


def tool_env(platform: Platform | None = None) -> dict[str, str]:
    return (platform or load()).tool_env()


def registry(platform: Platform | None = None) -> RegistryTarget:
    return (platform or load()).target


def environment(name: str, platform: Platform | None = None) -> EnvironmentRef:
    p = platform or load()
    env = _environment(name)
    if p.settings.embedded_clusters:
        return EnvironmentRef(name, p.kubeconfig, env.name, env.namespace, env.cluster)
    target = p.settings.environments[name]
    return EnvironmentRef(name, p.kubeconfig, target.context, target.namespace, None)


def binary(name: str, platform: Platform | None = None) -> Path:
    p = platform or load()
    return _binary(p.paths, owner_of(name), name)


def up(platform: Platform | None = None) -> Platform:
    p = platform or load()
    lifecycle.up(p)
    return p


def down(platform: Platform | None = None, purge: bool = False) -> DownReport:
    return lifecycle.down(platform or load(), purge=purge)


def explain_rollout(
    environment_name: str, deployment: str, platform: Platform | None = None
) -> RolloutReport:
    """Why ``deployment`` in an environment is not (yet) ready: one line per pod problem.

    Reads with the environment's own context (its deployer may read Deployments, Pods and
    Events of its namespace), so a deploy step can call it after a failed ``helm --wait``.
    """
    p = platform or load()
    env = environment(environment_name, p)
    reader = p.adapters.reader(env.kubeconfig, env.context)
    return rollout.diagnose(reader, env.namespace, deployment)
