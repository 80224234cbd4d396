"""Least privilege per environment: a namespace, a deployer identity, and only what Helm needs.

Each environment gets a ServiceAccount (``shipyard-deployer``) in its namespace and a Role
that allows exactly what installing a chart of Deployments, Services, ConfigMaps and Secrets
takes (Helm keeps its release records in Secrets of the same namespace), plus reading what a
rollout and its diagnosis look at (ReplicaSets, Pods and their logs, Events). No
ClusterRole, no access to another namespace: the qa identity cannot write into production,
and production lives on another API server that does not even know it.

Pod Security Admission is set by namespace labels: ``restricted`` is enforced in qa, staging
and production (a pod running as root is refused by the API server); dev only warns, so
developers see the same messages early without being blocked.

Everything is expressed as plain manifests and applied server-side, so re-running is a no-op.
"""

from __future__ import annotations

from typing import Any

from shipyard.platform.topology import Environment

DEPLOYER = "shipyard-deployer"
FULL = ["get", "list", "watch", "create", "update", "patch", "delete"]
READ = ["get", "list", "watch"]
TOKEN_SECONDS = 30 * 24 * 3600  # re-issued by `up` when less than RENEW_BEFORE remains
RENEW_BEFORE = 7 * 24 * 3600

RULES: list[dict[str, Any]] = [
    # What a chart with a Deployment, a Service, ConfigMaps and Secrets creates; Helm's
    # release records are Secrets (type helm.sh/release.v1) in the release namespace.
    {"apiGroups": [""], "resources": ["configmaps", "secrets", "services"], "verbs": FULL},
    {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": FULL},
    # What `helm --wait`, `kubectl rollout status/history/undo` and diagnosis read.
    {"apiGroups": ["apps"], "resources": ["replicasets"], "verbs": READ},
    {"apiGroups": [""], "resources": ["pods", "pods/log", "events", "endpoints"], "verbs": READ},
    {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"], "verbs": READ},
]


def namespace_labels(env: Environment) -> dict[str, str]:
    labels = {"shipyard.io/environment": env.name}
    if env.restricted:
        labels |= {
            "pod-security.kubernetes.io/enforce": "restricted",
            "pod-security.kubernetes.io/enforce-version": "latest",
        }
    labels |= {
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/audit": "restricted",
    }
    return labels


def _identity(
    name: str, namespace: str, labels: dict[str, str], rules: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """A namespace and one identity in it: ServiceAccount, Role and their binding."""
    meta_labels = {"app.kubernetes.io/managed-by": "shipyard"}

    def meta() -> dict[str, Any]:
        return {"name": name, "namespace": namespace, "labels": dict(meta_labels)}

    return [
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": namespace, "labels": labels | meta_labels},
        },
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta()},
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": meta(),
            "rules": rules,
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": meta(),
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name},
            "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": namespace}],
        },
    ]


def manifests(env: Environment) -> list[dict[str, Any]]:
    """The objects that make up one environment, in apply order."""
    return _identity(DEPLOYER, env.namespace, namespace_labels(env), RULES)


def username(env: Environment) -> str:
    """The user name the API server gives the deployer's token."""
    return f"system:serviceaccount:{env.namespace}:{DEPLOYER}"


# -- the Kubernetes executor ------------------------------------------------------------
EXECUTOR = "shipyard-executor"
EXECUTOR_RULES: list[dict[str, Any]] = [
    # One Job per job, deleted on cancel; its pods and their logs read by the monitor.
    {"apiGroups": ["batch"], "resources": ["jobs"], "verbs": [*READ, "create", "delete"]},
    {"apiGroups": [""], "resources": ["pods", "pods/log", "events"], "verbs": READ},
    # The engine's Secret with the store's location (server-side apply: patch and create),
    # and those of engines killed before they could delete theirs (list, delete).
    {
        "apiGroups": [""],
        "resources": ["secrets"],
        "verbs": ["get", "list", "create", "patch", "update", "delete"],
    },
]


def executor_manifests(namespace: str) -> list[dict[str, Any]]:
    """The agents' namespace (privileged Pod Security, said explicitly) and the executor's
    identity in it. Build agents run buildah and podman, which a restricted pod cannot."""
    privileged = {
        "pod-security.kubernetes.io/enforce": "privileged",
        "pod-security.kubernetes.io/warn": "privileged",
    }
    return _identity(EXECUTOR, namespace, privileged, EXECUTOR_RULES)


def executor_username(namespace: str) -> str:
    return f"system:serviceaccount:{namespace}:{EXECUTOR}"
