"""The :class:`~shipyard.ports.RegistryClient` port: :class:`OciRegistry` per endpoint.

Build steps ask a registry two questions: which digest a tag now names (a chart just pushed,
an image the build record ties to its commit) and which tags a repository holds (is this
chart version already there). One :class:`~shipyard.adapters.registry.OciRegistry` is kept
per address and identity, so a token earned once is reused for the rest of the job.
"""

from __future__ import annotations

import re

import httpx2

from shipyard.adapters.registry import OciRegistry, RegistryUnreachable
from shipyard.flow.connections import RegistryEndpoint

_PAGE = 1000  # distribution refuses a larger page (400)
_NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')


class OciRegistries:
    def __init__(self, timeout: float = 30.0, transport: httpx2.BaseTransport | None = None):
        self.timeout = timeout
        self.transport = transport
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
                transport=self.transport,
            )
        return self._clients[key]

    def manifest_digest(self, endpoint: RegistryEndpoint, repo: str, ref: str) -> str | None:
        return self._client(endpoint).manifest_digest(repo, ref)

    def tags(self, endpoint: RegistryEndpoint, repo: str) -> list[str]:
        return self._client(endpoint).tags(repo)

    def repositories(self, endpoint: RegistryEndpoint) -> list[str]:
        """Every repository the registry lists (``GET /v2/_catalog``, page by page), for
        audits such as "no ``latest`` tag anywhere"; an answer it cannot read raises, so
        an audit never passes on an empty list it did not get."""
        client = self._client(endpoint)
        found: list[str] = []
        path = f"/v2/_catalog?n={_PAGE}"
        while path:
            # same package: reuse the client's authenticated request
            resp = client._request("GET", path, scope="registry:catalog:*")
            if resp.status_code != 200:
                raise RegistryUnreachable(
                    f"GET {path} on {endpoint.address} answered {resp.status_code}"
                )
            found += resp.json().get("repositories") or []
            link = _NEXT.search(resp.headers.get("Link", ""))
            path = link.group(1) if link else ""
        return sorted(found)

    def latest_tags(self, endpoint: RegistryEndpoint) -> list[str]:
        """``repo:latest`` for every repository that holds a ``latest`` tag (any case)."""
        return [
            f"{repo}:{tag}"
            for repo in self.repositories(endpoint)
            for tag in self.tags(endpoint, repo)
            if tag.casefold() == "latest"
        ]
