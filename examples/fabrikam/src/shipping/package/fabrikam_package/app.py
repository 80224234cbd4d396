"""The package HTTP API: routes on top of fabrikam_common's JSON layer."""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any

from fabrikam_common import ApiError, JsonApiHandler, Route, make_server
from fabrikam_common.jsonhttp import ApiServer
from fabrikam_common.validation import ID_PATTERN
from fabrikam_package import SERVICE
from fabrikam_package.model import parse_package
from fabrikam_package.store import PackageStore

_ONE = re.compile(rf"/api/packages/(?P<id>{ID_PATTERN})")


def _store(handler: JsonApiHandler) -> PackageStore:
    store = handler.api.state
    assert isinstance(store, PackageStore)
    return store


def put_package(handler: JsonApiHandler, match: re.Match[str]) -> tuple[HTTPStatus, Any]:
    package = parse_package(match["id"], handler.read_json_object())
    created = _store(handler).put(package)
    return (HTTPStatus.CREATED if created else HTTPStatus.OK), package.to_json()


def get_package(handler: JsonApiHandler, match: re.Match[str]) -> tuple[HTTPStatus, Any]:
    package = _store(handler).get(match["id"])
    if package is None:
        raise ApiError(HTTPStatus.NOT_FOUND, f"no package {match['id']}")
    return HTTPStatus.OK, package.to_json()


class PackageHandler(JsonApiHandler):
    routes = (
        Route("PUT", _ONE, put_package),
        Route("GET", _ONE, get_package),
    )


def build_server(
    host: str, port: int, *, version: str, store: PackageStore | None = None
) -> ApiServer:
    """A server bound to ``host:port`` (0 picks a free port) with its own store."""
    return make_server(
        host,
        port,
        PackageHandler,
        service=SERVICE,
        version=version,
        state=PackageStore() if store is None else store,
    )
