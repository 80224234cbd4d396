"""An OCI distribution client over HTTP (the registry API v2), with Basic and token auth.

Shipyard asks a registry small questions (is it up, does this tag exist, which digest, which
tags) far more often than it moves layers, and a CLI round trip through skopeo costs a process
per question. So the questions go over HTTP here; pushing and pulling stay with buildah and
skopeo. Authentication follows the distribution spec: a 401 carries a ``WWW-Authenticate``
challenge, ``Basic`` means "send the credentials", ``Bearer realm=...,service=...`` means
"trade them for a token at the realm, scoped to this repository".
"""

from __future__ import annotations

import base64
import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx2

from shipyard.domain.diagnostics import EnvironmentProblem

MANIFEST_TYPES = ", ".join(
    (
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    )
)
_CHALLENGE = re.compile(r'(\w+)="([^"]*)"')


class RegistryUnreachable(EnvironmentProblem):
    """The registry did not answer, or answered something that is not the OCI API."""


class RegistryDenied(EnvironmentProblem):
    """The registry refused our credentials (or we sent none and it wants some)."""


@dataclass(slots=True)
class OciRegistry:
    """A client for one registry, ``address`` being ``host[:port]``.

    ``secure`` selects https; the embedded registry on loopback speaks plain http.
    """

    address: str
    secure: bool = True
    username: str = ""
    password: str = field(default="", repr=False)
    timeout: float = 10.0
    transport: httpx2.BaseTransport | None = None
    _tokens: dict[str, str] = field(default_factory=dict, repr=False)
    _http: httpx2.Client | None = field(default=None, repr=False)

    @property
    def base_url(self) -> str:
        return f"{'https' if self.secure else 'http'}://{self.address}"

    def _new_client(self) -> httpx2.Client:
        return httpx2.Client(timeout=self.timeout, transport=self.transport, trust_env=False)

    @contextlib.contextmanager
    def session(self) -> Iterator[OciRegistry]:
        """One connection pool for every request inside: a promotion is a dozen small
        requests, and a new TCP connection for each costs more than the requests do.
        Outside a session each request has its own client, so nothing is left open."""
        if self._http is not None:
            yield self
            return
        self._http = self._new_client()
        try:
            yield self
        finally:
            self._http.close()
            self._http = None

    def _request(
        self,
        method: str,
        path: str,
        scope: str = "",
        headers: dict[str, str] | None = None,
        content: bytes | None = None,
    ) -> httpx2.Response:
        headers = dict(headers or {})
        url = path if path.startswith(("http://", "https://")) else self.base_url + path
        try:
            with self.session():
                client = self._http
                assert client is not None
                if scope in self._tokens:
                    headers["Authorization"] = f"Bearer {self._tokens[scope]}"
                resp = client.request(method, url, headers=headers, content=content)
                if resp.status_code == 401:
                    headers["Authorization"] = self._authorize(client, resp, scope)
                    resp = client.request(method, url, headers=headers, content=content)
        except httpx2.HTTPError as exc:
            raise RegistryUnreachable(
                f"registry {self.address} did not answer: {exc}",
                hint="check that the registry runs (`shipyard platform status`)",
            ) from None
        if resp.status_code in (401, 403):
            raise RegistryDenied(
                f"registry {self.address} refused {method} {path} ({resp.status_code})",
                hint="check registry.username and SHIPYARD_REGISTRY_PASSWORD",
            )
        return resp

    def _authorize(self, client: httpx2.Client, resp: httpx2.Response, scope: str) -> str:
        challenge = resp.headers.get("WWW-Authenticate", "")
        scheme = challenge.split(" ", 1)[0].lower()
        if scheme == "basic":
            raw = f"{self.username}:{self.password}".encode()
            return "Basic " + base64.b64encode(raw).decode()
        if scheme != "bearer":
            raise RegistryDenied(f"registry {self.address} wants unsupported auth '{challenge}'")
        params = dict(_CHALLENGE.findall(challenge))
        query = {"service": params.get("service", "")}
        if scope:
            query["scope"] = scope
        auth = httpx2.BasicAuth(self.username, self.password) if self.username else None
        token_resp = client.get(params.get("realm", ""), params=query, auth=auth)
        if token_resp.status_code != 200:
            raise RegistryDenied(
                f"token endpoint of {self.address} refused us ({token_resp.status_code})",
                hint="check the registry credentials",
            )
        body = token_resp.json()
        token = str(body.get("token") or body.get("access_token") or "")
        self._tokens[scope] = token
        return f"Bearer {token}"

    def send(
        self,
        method: str,
        path: str,
        scope: str = "",
        headers: dict[str, str] | None = None,
        content: bytes | None = None,
    ) -> httpx2.Response:
        """One request of the distribution API (a path, or a Location the registry gave),
        authorized for ``scope``; refusals raise :class:`RegistryDenied`."""
        return self._request(method, path, scope, headers, content)

    def ping(self) -> None:
        """Raise unless ``GET /v2/`` answers 200 (the API is up and we may use it)."""
        resp = self._request("GET", "/v2/")
        if resp.status_code != 200:
            raise RegistryUnreachable(
                f"registry {self.address} answered {resp.status_code} to GET /v2/",
                hint="is another program serving on that address?",
            )

    def is_up(self) -> bool:
        try:
            self.ping()
        except EnvironmentProblem:
            return False
        return True

    def manifest_digest(self, repo: str, ref: str) -> str | None:
        """The digest of ``repo:ref``, or None when the tag (or repository) does not exist."""
        resp = self._request(
            "HEAD",
            f"/v2/{repo}/manifests/{ref}",
            scope=f"repository:{repo}:pull",
            headers={"Accept": MANIFEST_TYPES},
        )
        if resp.status_code == 404:
            return None
        if resp.status_code != 200:
            raise RegistryUnreachable(f"HEAD {repo}:{ref} on {self.address}: {resp.status_code}")
        return resp.headers.get("Docker-Content-Digest") or ""

    def has_manifest(self, repo: str, ref: str) -> bool:
        return self.manifest_digest(repo, ref) is not None

    def tags(self, repo: str) -> list[str]:
        resp = self._request("GET", f"/v2/{repo}/tags/list", scope=f"repository:{repo}:pull")
        if resp.status_code == 404:
            return []
        resp.raise_for_status()
        return sorted(resp.json().get("tags") or [])

    def delete(self, repo: str, digest: str) -> bool:
        """Delete a manifest by digest; False when it did not exist."""
        resp = self._request(
            "DELETE", f"/v2/{repo}/manifests/{digest}", scope=f"repository:{repo}:delete"
        )
        if resp.status_code == 404:
            return False
        if resp.status_code != 202:
            raise RegistryUnreachable(
                f"DELETE {repo}@{digest} on {self.address}: {resp.status_code}",
                hint="the registry must run with storage.delete.enabled: true",
            )
        return True
