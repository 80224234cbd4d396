"""``up`` and ``down``: the order of the steps, and nothing else.

``up`` is idempotent: each step first looks at what is there (a cached binary that answers
its version, a registry that answers ``/v2/``, a cluster whose API is ready, a base image
already in the registry, a token that still authenticates) and does only what is missing,
so a second ``up`` is a series of checks. Two ``up`` at once (two test runs) would race on
ports and files, so ``up`` and ``down`` hold an exclusive lock on the state directory.

``down`` stops what Shipyard started, found through its own records (the registry's PID
record, kwokctl's PID files), then scans for anything left running from Shipyard's
directories; it keeps the data unless ``purge`` is set.

The real node (:mod:`shipyard.platform.node`) is optional by nature: a host that cannot run
it (not root, no overlayfs, a node tool that does not build, a kubelet that does not start)
gets simulated nodes in that cluster and one line saying why, and ``up`` carries on. ``down``
stops the node first (its kubelet talks to the API server) and restores the host.
"""

from __future__ import annotations

import contextlib
import fcntl
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field

from shipyard.domain import pools, registry_access
from shipyard.domain.diagnostics import EnvironmentProblem
from shipyard.platform import registry_auth
from shipyard.platform.access import AccessSetup
from shipyard.platform.catalog import Tool, default_tools
from shipyard.platform.clusters import Clusters
from shipyard.platform.context import Platform
from shipyard.platform.deps import ProcInfo
from shipyard.platform.errors import PlatformError
from shipyard.platform.images import ImageBuilder
from shipyard.platform.install import Installer, ToolStatus
from shipyard.platform.node.layout import NODE_NAME
from shipyard.platform.node.service import RealNode, node_tools
from shipyard.platform.registry_auth import TokenService
from shipyard.platform.registry_service import RegistryService, config_file
from shipyard.platform.temporal_service import TemporalService
from shipyard.platform.toolenv import write_tool_configs
from shipyard.platform.topology import CLUSTERS, ENVIRONMENTS

_CLUSTER_TOOLS = ("kubernetes", "etcd", "kwok")


@contextlib.contextmanager
def exclusive(platform: Platform) -> Iterator[None]:
    """Hold the platform lock; say so when another ``up``/``down`` has it."""
    platform.paths.state.mkdir(parents=True, exist_ok=True)
    with (platform.paths.state / "platform.lock").open("w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            platform.progress.info("waiting for another `shipyard platform up/down` to finish")
            fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def base_tools(platform: Platform) -> tuple[Tool, ...]:
    s = platform.settings
    skip: set[str] = set()
    if not s.registry.embedded:
        skip.add("docker-registry")
    if not s.embedded_clusters:
        skip.update(_CLUSTER_TOOLS)
    return tuple(t for t in default_tools() if t.name not in skip)


def needed_tools(platform: Platform) -> tuple[Tool, ...]:
    """What ``up`` installs: the base tools, and the node's when a cluster gets a real node."""
    extra = node_tools() if real_node(platform).cluster else ()
    return base_tools(platform) + extra


def real_node(platform: Platform) -> RealNode:
    return RealNode(platform, clusters(platform))


def registry_service(platform: Platform) -> RegistryService:
    return RegistryService(
        platform.paths,
        platform.target,
        platform.settings.registry.port,
        platform.adapters,
        platform.progress,
        platform.settings.registry.token_port,
    )


def token_service(platform: Platform) -> TokenService:
    return TokenService(
        platform.paths,
        platform.settings.registry.token_port,
        platform.adapters,
        platform.progress,
    )


def ensure_registry(platform: Platform) -> None:
    """Identities, the token service, then the registry that trusts it (embedded only)."""
    reg = platform.settings.registry
    if reg.embedded:
        config = registry_auth.server_config(platform.paths)
        before = config.read_text() if config.is_file() else ""
        registry_auth.ensure_material(
            platform.paths, reg.token_port, reg.anonymous_pull, platform.target.address
        )
        token_service(platform).ensure(restart=config.read_text() != before)
    write_tool_configs(platform.paths, platform.target)
    registry_service(platform).ensure()


def temporal_service(platform: Platform) -> TemporalService:
    return TemporalService(
        platform.paths, platform.settings.executor, platform.adapters, platform.progress
    )


def image_builder(platform: Platform) -> ImageBuilder:
    """Base images, built and pushed with the platform's registry identity."""
    return ImageBuilder(
        platform.paths,
        platform.target_as(registry_access.PLATFORM),
        platform.tool_env_as(registry_access.PLATFORM),
        platform.adapters,
        platform.progress,
        platform.settings.debian_mirror,
    )


def clusters(platform: Platform) -> Clusters:
    return Clusters(platform.paths, platform.settings, platform.adapters, platform.progress)


def install(platform: Platform, tools: tuple[Tool, ...]) -> list[ToolStatus]:
    with exclusive(platform):
        return Installer(platform.paths, platform.adapters.run, platform.progress).ensure(tools)


def up(platform: Platform) -> None:
    with exclusive(platform):
        installer = Installer(platform.paths, platform.adapters.run, platform.progress)
        installer.ensure(base_tools(platform))
        node = real_node(platform)
        node_cluster = node.cluster
        why_not = node.why_not() if node_cluster else None
        if node_cluster and why_not is None:
            try:
                installer.ensure(node_tools())
            except PlatformError as exc:
                why_not = exc.message.splitlines()[0]
        ensure_registry(platform)
        if platform.settings.executor.embedded_temporal:
            temporal_service(platform).ensure()
        image_builder(platform).ensure(wanted_base_images(platform))
        if node_cluster is None and node.stop():
            platform.progress.info("stopped the real node: the settings no longer ask for one")
        if platform.settings.embedded_clusters:
            kwok = clusters(platform)
            for spec in CLUSTERS:
                kwok.ensure(spec)
            if node_cluster:
                # The simulated nodes leave first, so that nothing (CoreDNS included) lands
                # on them while the real node starts; they come back if it cannot.
                if why_not is None:
                    kwok.scale_kwok(node_cluster, 0)
                if node.ensure(node_cluster, why_not):
                    _label_real_node(platform, kwok, node_cluster)
                else:
                    kwok.scale_kwok(node_cluster, platform.settings.clusters.nodes)
            AccessSetup(platform.paths, kwok, platform.adapters, platform.progress).ensure()
        else:
            _check_external(platform)


def wanted_base_images(platform: Platform) -> tuple[str, ...]:
    """The configured base images, and the agent's when jobs run as Kubernetes Jobs."""
    wanted = platform.settings.base_images
    if platform.settings.executor.kind == "kubernetes" and "agent" not in wanted:
        wanted = (*wanted, "agent")
    return wanted


def _label_real_node(platform: Platform, kwok: Clusters, cluster: str) -> None:
    """The real node serves the pool ``local``: jobs of the Kubernetes executor land on it."""
    admin = platform.adapters.kube(*kwok.admin(cluster))
    admin.apply(
        {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {"name": NODE_NAME, "labels": pools.node_labels("local", ())},
        }
    )


def _check_external(platform: Platform) -> None:
    with platform.progress.step("external clusters") as step:
        kubeconfig = platform.settings.kubeconfig
        assert kubeconfig is not None
        reached = 0
        for env in ENVIRONMENTS:
            target = platform.settings.environments[env.name]
            try:
                who = platform.adapters.kube(kubeconfig, target.context).whoami()
            except EnvironmentProblem as exc:
                platform.progress.warn(f"{env.name} (context {target.context}): {exc.message}")
                continue
            reached += 1
            platform.progress.info(f"{env.name}: context {target.context} as {who}")
        step.detail(f"{reached}/{len(ENVIRONMENTS)} environments reachable")


@dataclass(slots=True)
class DownReport:
    stopped: list[str] = field(default_factory=list)
    killed: list[int] = field(default_factory=list)
    purged: list[str] = field(default_factory=list)


def down(platform: Platform, purge: bool = False) -> DownReport:
    report = DownReport()
    with exclusive(platform):
        with platform.progress.step("real node") as step:
            if real_node(platform).stop():
                report.stopped.append("real node")
            else:
                step.skip("not running")
        kwok = clusters(platform)
        for spec in CLUSTERS:
            with platform.progress.step(f"cluster {spec.name}") as step:
                if purge:
                    kwok.delete(spec.name)
                    report.stopped.append(f"cluster {spec.name} (deleted)")
                elif kwok.stop(spec.name):
                    report.stopped.append(f"cluster {spec.name}")
                else:
                    step.skip("not running")
        with platform.progress.step("registry") as step:
            if registry_service(platform).stop():
                report.stopped.append("registry")
            else:
                step.skip("not running")
        with platform.progress.step("registry token service") as step:
            if token_service(platform).stop():
                report.stopped.append("registry token service")
            else:
                step.skip("not running")
        with platform.progress.step("temporal") as step:
            if temporal_service(platform).stop():
                report.stopped.append("temporal")
            else:
                step.skip("not running")
        for proc in leftovers(platform):
            platform.adapters.daemons.terminate(proc.pid, proc.start_ticks)
            report.killed.append(proc.pid)
        if purge:
            _purge(platform, report)
    return report


def leftovers(platform: Platform) -> list[ProcInfo]:
    """Processes still running from Shipyard's directories (cluster parts, our registry)."""
    ours = {str(config_file(platform.paths)), str(registry_auth.server_config(platform.paths))}
    kwok_dir = str(platform.paths.kwok_workdir)
    found = platform.adapters.daemons.find(
        lambda p: any(kwok_dir in a or a in ours for a in p.argv)
    )
    seen = {p.pid for p in found}
    return found + [p for p in real_node(platform).processes() if p.pid not in seen]


def _purge(platform: Platform, report: DownReport) -> None:
    paths = platform.paths
    with platform.progress.step("purge data") as step:
        if paths.container_storage.exists():
            podman = shutil.which("podman")
            if podman:
                platform.adapters.run(
                    [podman, "system", "reset", "--force"],
                    extra_env=platform.tool_env(),
                    check=False,
                    timeout=300,
                )
        for path in (paths.data, paths.kubeconfig, paths.admin_kubeconfig):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            report.purged.append(str(path))
        step.detail(f"removed {paths.data}")
