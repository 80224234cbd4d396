"""The :class:`~shipyard.ports.RegistryClient` port: :class:`OciRegistry` per endpoint.

Build steps ask a registry two questions: which digest a tag now names (a chart just pushed,
an image the build record ties to its commit) and which tags a repository holds (is this
chart version already there). One :class:`~shipyard.adapters.registry.OciRegistry` is kept
per address and identity, so a token earned once is reused for the rest of the job.
"""

from __future__ import annotations

from shipyard.adapters.registry import OciRegistry
from shipyard.flow.connections import RegistryEndpoint


class OciRegistries:
    def __init__(self, timeout: float = 30.0) -> None:
        self.timeout = timeout
        self._clients: dict[tuple[str, bool, str], OciRegistry] = {}

    def _client(self, endpoint: RegistryEndpoint) -> OciRegistry:
        key = (endpoint.address, endpoint.secure, endpoint.username)
        if key not in self._clients:
            self._clients[key] = OciRegistry(
                endpoint.address,
                secure=endpoint.secure,
                username=endpoint.username,
                password=endpoint.password,
                timeout=self.timeout,
            )
        return self._clients[key]

    def manifest_digest(self, endpoint: RegistryEndpoint, repo: str, ref: str) -> str | None:
        return self._client(endpoint).manifest_digest(repo, ref)

    def tags(self, endpoint: RegistryEndpoint, repo: str) -> list[str]:
        return self._client(endpoint).tags(repo)

    def repositories(self, endpoint: RegistryEndpoint, limit: int = 10_000) -> list[str]:
        """Every repository the registry lists (``GET /v2/_catalog``), for audits such as
        "no ``latest`` tag anywhere". Uses the client's authenticated request."""
        resp = self._client(endpoint)._request(  # same package: reuse its auth handling
            "GET", f"/v2/_catalog?n={limit}", scope="registry:catalog:*"
        )
        if resp.status_code != 200:
            return []
        return sorted(resp.json().get("repositories") or [])

    def latest_tags(self, endpoint: RegistryEndpoint) -> list[str]:
        """``repo:latest`` for every repository that holds a ``latest`` tag (any case)."""
        return [
            f"{repo}:{tag}"
            for repo in self.repositories(endpoint)
            for tag in self.tags(endpoint, repo)
            if tag.casefold() == "latest"
        ]
