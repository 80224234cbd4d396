"""An in-memory OCI registry implementing the platform's ``RegistryClient`` protocol."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from shipyard.adapters.registry import RegistryUnreachable


@dataclass
class FakeRegistry:
    address: str = "127.0.0.1:5000"
    up: bool = True
    manifests: dict[tuple[str, str], str] = field(default_factory=dict)
    calls: list[tuple[str, ...]] = field(default_factory=list)

    def push(self, repo: str, tag: str) -> str:
        digest = "sha256:" + hashlib.sha256(f"{repo}:{tag}".encode()).hexdigest()
        self.manifests[(repo, tag)] = digest
        return digest

    def ping(self) -> None:
        self.calls.append(("ping",))
        if not self.up:
            raise RegistryUnreachable(f"registry {self.address} did not answer")

    def is_up(self) -> bool:
        return self.up

    def manifest_digest(self, repo: str, ref: str) -> str | None:
        self.calls.append(("manifest", repo, ref))
        self.ping()
        return self.manifests.get((repo, ref))

    def has_manifest(self, repo: str, ref: str) -> bool:
        return self.manifest_digest(repo, ref) is not None
