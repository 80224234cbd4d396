"""Shipyard's own kubeconfig files (never ``~/.kube/config``).

Two files, both mode 0600 because they hold credentials:

- ``kubeconfig``: one context per environment (``dev``, ``qa``, ``staging``, ``production``),
  each with the namespace set and the token of that environment's deployer. This is the file
  deployments use; it holds no cluster-admin credential.
- ``admin.kubeconfig``: ``admin@devtest`` and ``admin@prod``, client certificates with
  cluster-admin rights, for Shipyard's own setup and for a person debugging the platform.

Certificates are embedded (``*-data``), so each file works on its own.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True, slots=True)
class ClusterAccess:
    name: str
    server: str
    ca_pem: bytes
    admin_cert_pem: bytes = b""
    admin_key_pem: bytes = b""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _cluster_entry(c: ClusterAccess) -> dict[str, Any]:
    return {
        "name": c.name,
        "cluster": {"server": c.server, "certificate-authority-data": _b64(c.ca_pem)},
    }


def _write(path: Path, doc: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.touch(mode=0o600)
    tmp.chmod(0o600)
    tmp.write_text("# Written by Shipyard (shipyard platform up).\n" + yaml.safe_dump(doc))
    tmp.replace(path)


def admin_context(cluster: str) -> str:
    return f"admin@{cluster}"


def write_admin(path: Path, clusters: list[ClusterAccess]) -> None:
    _write(
        path,
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [_cluster_entry(c) for c in clusters],
            "users": [
                {
                    "name": admin_context(c.name),
                    "user": {
                        "client-certificate-data": _b64(c.admin_cert_pem),
                        "client-key-data": _b64(c.admin_key_pem),
                    },
                }
                for c in clusters
            ],
            "contexts": [
                {
                    "name": admin_context(c.name),
                    "context": {"cluster": c.name, "user": admin_context(c.name)},
                }
                for c in clusters
            ],
            "current-context": admin_context(clusters[0].name) if clusters else "",
        },
    )


@dataclass(frozen=True, slots=True)
class EnvironmentAccess:
    environment: str
    cluster: str
    namespace: str
    token: str

    @property
    def user(self) -> str:
        return f"{self.environment}-deployer"


def write_environments(
    path: Path, clusters: list[ClusterAccess], envs: list[EnvironmentAccess]
) -> None:
    _write(
        path,
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [_cluster_entry(c) for c in clusters],
            "users": [{"name": e.user, "user": {"token": e.token}} for e in envs],
            "contexts": [
                {
                    "name": e.environment,
                    "context": {"cluster": e.cluster, "user": e.user, "namespace": e.namespace},
                }
                for e in envs
            ],
            "current-context": envs[0].environment if envs else "",
        },
    )


def tokens_in(path: Path) -> dict[str, str]:
    """User name -> token of an existing kubeconfig (empty if missing or unreadable)."""
    try:
        doc = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError):
        return {}
    found: dict[str, str] = {}
    for entry in doc.get("users") or []:
        token = (entry.get("user") or {}).get("token")
        if isinstance(token, str) and isinstance(entry.get("name"), str):
            found[entry["name"]] = token
    return found


def read_expiries(path: Path) -> dict[str, datetime]:
    try:
        raw = json.loads(path.read_text())
        return {k: datetime.fromisoformat(v) for k, v in raw.items()}
    except (OSError, ValueError, TypeError, AttributeError):
        return {}


def write_expiries(path: Path, expiries: dict[str, datetime]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({k: v.isoformat() for k, v in expiries.items()}, indent=2) + "\n")
