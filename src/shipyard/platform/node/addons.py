"""Cluster DNS for the real node: CoreDNS as plain manifests, applied server-side.

The kubelet points every pod's resolver at ``10.0.0.10``; this is the Service behind that
address and the Deployment that answers it. CoreDNS runs as a non-root user with no
capabilities, so it listens on 1053 and the Service maps port 53 to it. It reaches the API
through ``kubernetes.default`` like any in-cluster client (the cluster's certificate names
``10.0.0.1``), forwards other names to the host's resolvers, and reports readiness on
``/ready``. It runs only on the real node: on a simulated one it would answer nothing.
Re-applying unchanged manifests changes nothing.
"""

from __future__ import annotations

from typing import Any

from shipyard.platform.node.layout import CLUSTER_DOMAIN, DNS_SERVICE_IP, NODE_NAME

NAMESPACE = "kube-system"
NAME = "coredns"
SELECTOR = {"k8s-app": "kube-dns"}
DNS_PORT = 1053

COREFILE = f""".:{DNS_PORT} {{
    errors
    health :8080
    ready :8181
    kubernetes {CLUSTER_DOMAIN} in-addr.arpa ip6.arpa {{
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
    }}
    forward . /etc/resolv.conf
    cache 30
    loop
    reload
}}
"""


def coredns(image: str) -> list[dict[str, Any]]:
    """The objects of cluster DNS, in apply order."""
    labels = {"k8s-app": "kube-dns", "app.kubernetes.io/managed-by": "shipyard"}
    meta = {"name": NAME, "namespace": NAMESPACE, "labels": labels}
    ports = [
        {"name": "dns", "containerPort": DNS_PORT, "protocol": "UDP"},
        {"name": "dns-tcp", "containerPort": DNS_PORT, "protocol": "TCP"},
    ]
    container = {
        "name": NAME,
        "image": image,
        "args": ["-conf", "/etc/coredns/Corefile"],
        "ports": ports,
        "readinessProbe": {"httpGet": {"path": "/ready", "port": 8181}, "periodSeconds": 2},
        "livenessProbe": {
            "httpGet": {"path": "/health", "port": 8080},
            "periodSeconds": 10,
            "failureThreshold": 5,
        },
        "resources": {
            "requests": {"cpu": "50m", "memory": "32Mi"},
            "limits": {"memory": "128Mi"},
        },
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        },
        "volumeMounts": [{"name": "config", "mountPath": "/etc/coredns", "readOnly": True}],
    }
    return [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta},
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": {"name": "system:coredns", "labels": labels},
            "rules": [
                {
                    "apiGroups": [""],
                    "resources": ["endpoints", "services", "pods", "namespaces"],
                    "verbs": ["list", "watch"],
                },
                {
                    "apiGroups": ["discovery.k8s.io"],
                    "resources": ["endpointslices"],
                    "verbs": ["list", "watch"],
                },
            ],
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding",
            "metadata": {"name": "system:coredns", "labels": labels},
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "ClusterRole",
                "name": "system:coredns",
            },
            "subjects": [{"kind": "ServiceAccount", "name": NAME, "namespace": NAMESPACE}],
        },
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": meta,
            "data": {"Corefile": COREFILE},
        },
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": meta,
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": {"k8s-app": "kube-dns"}},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {
                        "serviceAccountName": NAME,
                        "nodeSelector": {"kubernetes.io/hostname": NODE_NAME},
                        "dnsPolicy": "Default",  # the host's resolvers, not itself
                        "priorityClassName": "system-cluster-critical",
                        "securityContext": {
                            "runAsNonRoot": True,
                            "runAsUser": 65532,
                            "runAsGroup": 65532,
                            "seccompProfile": {"type": "RuntimeDefault"},
                        },
                        "containers": [container],
                        "volumes": [{"name": "config", "configMap": {"name": NAME}}],
                    },
                },
            },
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "kube-dns", "namespace": NAMESPACE, "labels": labels},
            "spec": {
                "clusterIP": DNS_SERVICE_IP,
                "selector": {"k8s-app": "kube-dns"},
                "ports": [
                    {"name": "dns", "port": 53, "targetPort": DNS_PORT, "protocol": "UDP"},
                    {"name": "dns-tcp", "port": 53, "targetPort": DNS_PORT, "protocol": "TCP"},
                ],
            },
        },
    ]
