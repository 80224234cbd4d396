"""The OCI client over HTTP, against httpx2's MockTransport: questions, Basic and token auth."""

from __future__ import annotations

import base64

import httpx2
import pytest

from shipyard.adapters.registry import OciRegistry, RegistryDenied, RegistryUnreachable


def _client(handler) -> OciRegistry:  # type: ignore[no-untyped-def]
    return OciRegistry("reg.test:5000", secure=False, transport=httpx2.MockTransport(handler))


def test_ping_and_manifests() -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        if request.url.path == "/v2/":
            return httpx2.Response(200, json={})
        if request.url.path == "/v2/base/python/manifests/3.11-bookworm":
            assert "application/vnd.oci.image.manifest.v1+json" in request.headers["Accept"]
            return httpx2.Response(200, headers={"Docker-Content-Digest": "sha256:abc"})
        return httpx2.Response(404)

    client = _client(handler)
    client.ping()
    assert client.manifest_digest("base/python", "3.11-bookworm") == "sha256:abc"
    assert client.has_manifest("base/python", "latest") is False


def test_an_unreachable_registry_is_an_environment_problem() -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ConnectError("connection refused")

    client = _client(handler)
    assert client.is_up() is False
    with pytest.raises(RegistryUnreachable, match=r"reg\.test:5000 did not answer"):
        client.ping()


def test_the_bearer_token_flow_sends_basic_credentials_to_the_realm() -> None:
    seen: list[str] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        if request.url.host == "auth.test":
            seen.append(request.headers["Authorization"])
            assert request.url.params["scope"] == "repository:staging/svc:pull"
            return httpx2.Response(200, json={"token": "T0K"})
        if request.headers.get("Authorization") == "Bearer T0K":
            return httpx2.Response(200, json={"name": "staging/svc", "tags": ["v2", "v1"]})
        return httpx2.Response(
            401,
            headers={"WWW-Authenticate": 'Bearer realm="http://auth.test/token",service="reg"'},
        )

    client = OciRegistry(
        "reg.test",
        secure=True,
        username="ci",
        password="pw",
        transport=httpx2.MockTransport(handler),
    )
    assert client.tags("staging/svc") == ["v1", "v2"]
    assert seen == ["Basic " + base64.b64encode(b"ci:pw").decode()]


def test_refused_credentials_say_so() -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(401, headers={"WWW-Authenticate": 'Basic realm="r"'})

    client = OciRegistry(
        "reg.test", username="ci", password="wrong", transport=httpx2.MockTransport(handler)
    )
    with pytest.raises(RegistryDenied) as info:
        client.ping()
    assert "wrong" not in info.value.message + info.value.hint
