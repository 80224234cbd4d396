"""The registry questions of build steps, against a fake registry (httpx MockTransport)."""

from __future__ import annotations

import httpx2
import pytest

from shipyard.adapters.registry import RegistryUnreachable
from shipyard.adapters.registry_client import OciRegistries
from shipyard.flow.connections import RegistryEndpoint

ENDPOINT = RegistryEndpoint("reg.test:5000", secure=False)
TAGS = {"a": ["v1"], "b": ["latest", "v2"], "c": None}


def handler(request: httpx2.Request) -> httpx2.Response:
    if request.url.path == "/v2/_catalog":
        if request.url.params.get("last") == "b":
            return httpx2.Response(200, json={"repositories": ["c"]})
        link = '</v2/_catalog?last=b&n=1000>; rel="next"'
        return httpx2.Response(200, json={"repositories": ["a", "b"]}, headers={"Link": link})
    repo = request.url.path.split("/")[2]
    return httpx2.Response(200, json={"name": repo, "tags": TAGS[repo]})


def test_the_catalog_is_read_page_by_page_and_latest_is_found() -> None:
    client = OciRegistries(transport=httpx2.MockTransport(handler))
    assert client.repositories(ENDPOINT) == ["a", "b", "c"]
    assert client.latest_tags(ENDPOINT) == ["b:latest"]


def test_an_unreadable_catalog_raises_rather_than_passing_an_audit() -> None:
    broken = OciRegistries(transport=httpx2.MockTransport(lambda r: httpx2.Response(400)))
    with pytest.raises(RegistryUnreachable):
        broken.latest_tags(ENDPOINT)
