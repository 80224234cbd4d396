"""The delivery HTTP API: routes on top of fabrikam_common's JSON layer."""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any

from fabrikam_common import ApiError, JsonApiHandler, Route, make_server
from fabrikam_common.jsonhttp import ApiServer
from fabrikam_common.validation import ID_PATTERN
from fabrikam_delivery import SERVICE
from fabrikam_delivery.model import parse_delivery
from fabrikam_delivery.store import DeliveryStore

_ONE = re.compile(rf"/api/deliveries/(?P<id>{ID_PATTERN})")


def _store(handler: JsonApiHandler) -> DeliveryStore:
    store = handler.api.state
    assert isinstance(store, DeliveryStore)
    return store


def put_delivery(handler: JsonApiHandler, match: re.Match[str]) -> tuple[HTTPStatus, Any]:
    delivery = parse_delivery(match["id"], handler.read_json_object())
    created = _store(handler).put(delivery)
    return (HTTPStatus.CREATED if created else HTTPStatus.OK), delivery.to_json()


def get_delivery(handler: JsonApiHandler, match: re.Match[str]) -> tuple[HTTPStatus, Any]:
    delivery = _store(handler).get(match["id"])
    if delivery is None:
        raise ApiError(HTTPStatus.NOT_FOUND, f"no delivery {match['id']}")
    return HTTPStatus.OK, delivery.to_json()


class DeliveryHandler(JsonApiHandler):
    routes = (
        Route("PUT", _ONE, put_delivery),
        Route("GET", _ONE, get_delivery),
    )


def build_server(
    host: str, port: int, *, version: str, store: DeliveryStore | None = None
) -> ApiServer:
    """A server bound to ``host:port`` (0 picks a free port) with its own store."""
    return make_server(
        host,
        port,
        DeliveryHandler,
        service=SERVICE,
        version=version,
        state=DeliveryStore() if store is None else store,
    )
