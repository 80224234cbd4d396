"""Environments on the embedded clusters: namespaces, deployer identities, kubeconfigs.

Runs after the clusters are up, with kwokctl's admin credentials. Tokens come from the
TokenRequest API (bound to the ServiceAccount, with an expiry) rather than long-lived
token Secrets; ``up`` keeps a token while it still authenticates as its deployer and has more
than a week left, and issues a new one otherwise, so a second ``up`` changes nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from shipyard.domain.diagnostics import EnvironmentProblem
from shipyard.platform import kubeconfig, rbac
from shipyard.platform.clusters import Clusters
from shipyard.platform.deps import Adapters
from shipyard.platform.kubeconfig import ClusterAccess, EnvironmentAccess
from shipyard.platform.paths import PlatformPaths
from shipyard.platform.progress import Progress
from shipyard.platform.topology import AGENTS_CLUSTER, AGENTS_NAMESPACE, CLUSTERS, Environment

EXECUTOR_CONTEXT = "executor"


def tokens_file(paths: PlatformPaths) -> Path:
    """Expiry of each environment token (no secret in it)."""
    return paths.state / "token-expiry.json"


class AccessSetup:
    def __init__(
        self, paths: PlatformPaths, clusters: Clusters, adapters: Adapters, progress: Progress
    ) -> None:
        self.paths = paths
        self.clusters = clusters
        self.adapters = adapters
        self.progress = progress

    def cluster_access(self, name: str) -> ClusterAccess:
        pki = self.clusters.cluster_dir(name) / "pki"
        return ClusterAccess(
            name=name,
            server=self.clusters.address(name),
            ca_pem=(pki / "ca.crt").read_bytes(),
            admin_cert_pem=(pki / "admin.crt").read_bytes(),
            admin_key_pem=(pki / "admin.key").read_bytes(),
        )

    def ensure(self) -> None:
        with self.progress.step("environments: namespaces, RBAC, Pod Security, tokens") as step:
            access = [self.cluster_access(spec.name) for spec in CLUSTERS]
            kubeconfig.write_admin(self.paths.admin_kubeconfig, access)
            for spec in CLUSTERS:
                admin = self.adapters.kube(*self.clusters.admin(spec.name))
                for env in spec.environments:
                    for manifest in rbac.manifests(env):
                        admin.apply(manifest)
                if spec.name == AGENTS_CLUSTER:
                    for manifest in rbac.executor_manifests(AGENTS_NAMESPACE):
                        admin.apply(manifest)
            issued = self._tokens(access) + self._executor_token(access)
            if issued:
                step.detail(f"{issued} token(s) issued")
            else:  # server-side apply of unchanged manifests changes nothing
                step.skip("in place, tokens valid")

    def _tokens(self, access: list[ClusterAccess]) -> int:
        existing = kubeconfig.tokens_in(self.paths.kubeconfig)
        expiries = kubeconfig.read_expiries(tokens_file(self.paths))
        envs: list[EnvironmentAccess] = []
        issued = 0
        for spec in CLUSTERS:
            for env in spec.environments:
                user = f"{env.name}-deployer"
                token = existing.get(user, "")
                if not token or not self._still_good(env, expiries.get(env.name)):
                    token, expires = self._issue(env)
                    expiries[env.name] = expires
                    issued += 1
                envs.append(EnvironmentAccess(env.name, spec.name, env.namespace, token))
        if issued or not self.paths.kubeconfig.is_file():
            kubeconfig.write_environments(self.paths.kubeconfig, access, envs)
            kubeconfig.write_expiries(tokens_file(self.paths), expiries)
        return issued

    def _still_good(self, env: Environment, expires: datetime | None) -> bool:
        return self._valid(self.paths.kubeconfig, env.name, rbac.username(env), expires)

    def _valid(self, path: Path, context: str, user: str, expires: datetime | None) -> bool:
        if expires is None or expires - datetime.now(UTC) < timedelta(seconds=rbac.RENEW_BEFORE):
            return False
        try:
            who = self.adapters.kube(path, context).whoami()
        except EnvironmentProblem:
            return False
        return who == user

    def _executor_token(self, access: list[ClusterAccess]) -> int:
        """The Kubernetes executor's kubeconfig: one context, ``executor``, whose token may
        only run Jobs in the agents' namespace. Kept apart from the environments' kubeconfig,
        which job steps get: a step must not be able to start privileged pods."""
        path = self.paths.executor_kubeconfig
        entry = EnvironmentAccess(EXECUTOR_CONTEXT, AGENTS_CLUSTER, AGENTS_NAMESPACE, "")
        token = kubeconfig.tokens_in(path).get(entry.user, "")
        expiries = kubeconfig.read_expiries(tokens_file(self.paths))
        user = rbac.executor_username(AGENTS_NAMESPACE)
        if token and self._valid(path, EXECUTOR_CONTEXT, user, expiries.get(EXECUTOR_CONTEXT)):
            return 0
        admin = self.adapters.kube(*self.clusters.admin(AGENTS_CLUSTER))
        issued = admin.request_token(AGENTS_NAMESPACE, rbac.EXECUTOR, rbac.TOKEN_SECONDS)
        expiries[EXECUTOR_CONTEXT] = issued.expires or datetime.now(UTC) + timedelta(
            seconds=rbac.TOKEN_SECONDS
        )
        clusters = [c for c in access if c.name == AGENTS_CLUSTER]
        entry = EnvironmentAccess(EXECUTOR_CONTEXT, AGENTS_CLUSTER, AGENTS_NAMESPACE, issued.token)
        kubeconfig.write_environments(path, clusters, [entry])
        kubeconfig.write_expiries(tokens_file(self.paths), expiries)
        return 1

    def _issue(self, env: Environment) -> tuple[str, datetime]:
        admin = self.adapters.kube(*self.clusters.admin(env.cluster))
        issued = admin.request_token(env.namespace, rbac.DEPLOYER, rbac.TOKEN_SECONDS)
        expires = issued.expires or datetime.now(UTC) + timedelta(seconds=rbac.TOKEN_SECONDS)
        return issued.token, expires
