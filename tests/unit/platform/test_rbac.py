"""The environments' manifests: namespaces, Pod Security labels, and a deployer's narrow Role."""

from __future__ import annotations

from shipyard.platform import rbac
from shipyard.platform.topology import CLUSTERS, ENVIRONMENTS, environment

ENFORCE = "pod-security.kubernetes.io/enforce"


def _kind(env_name: str, kind: str) -> dict:  # type: ignore[type-arg]
    return next(m for m in rbac.manifests(environment(env_name)) if m["kind"] == kind)


def test_restricted_is_enforced_in_qa_staging_and_production_only() -> None:
    enforced = {
        e.name
        for e in ENVIRONMENTS
        if _kind(e.name, "Namespace")["metadata"]["labels"].get(ENFORCE)
    }
    assert enforced == {"qa", "staging", "production"}
    assert _kind("production", "Namespace")["metadata"]["labels"][ENFORCE] == "restricted"
    assert _kind("dev", "Namespace")["metadata"]["labels"]["pod-security.kubernetes.io/warn"] == (
        "restricted"
    )


def test_the_topology() -> None:
    assert {c.name: c.namespaces for c in CLUSTERS} == {
        "devtest": ("dev", "qa", "staging"),
        "prod": ("production",),
    }


def test_the_role_is_namespaced_and_narrow() -> None:
    role = _kind("qa", "Role")
    assert role["metadata"]["namespace"] == "qa"
    writable = {
        (group, res)
        for rule in role["rules"]
        if "create" in rule["verbs"]
        for group in rule["apiGroups"]
        for res in rule["resources"]
    }
    assert writable == {
        ("", "configmaps"),
        ("", "secrets"),
        ("", "services"),
        ("apps", "deployments"),
    }
    assert all("*" not in rule["verbs"] and "*" not in rule["resources"] for rule in role["rules"])


def test_the_binding_ties_the_role_to_the_deployer_of_the_same_namespace() -> None:
    binding = _kind("production", "RoleBinding")
    assert binding["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "Role",
        "name": rbac.DEPLOYER,
    }
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": rbac.DEPLOYER, "namespace": "production"}
    ]
    assert rbac.username(environment("production")) == (
        "system:serviceaccount:production:shipyard-deployer"
    )
