import re
from http import HTTPStatus
from typing import Any

import pytest

from fabrikam_common.jsonhttp import ApiError, JsonApiHandler, Route, make_server
from fabrikam_common.testing import call, running


def _echo(handler: JsonApiHandler, match: "re.Match[str]") -> tuple[HTTPStatus, Any]:
    return HTTPStatus.OK, {"name": match["name"], "body": handler.read_json_object()}


def _teapot(handler: JsonApiHandler, match: "re.Match[str]") -> tuple[HTTPStatus, Any]:
    raise ApiError(HTTPStatus.IM_A_TEAPOT, "short and stout", ["spout"])


def _broken(handler: JsonApiHandler, match: "re.Match[str]") -> tuple[HTTPStatus, Any]:
    raise RuntimeError("a bug")


class _Handler(JsonApiHandler):
    max_body_bytes = 100
    routes = (
        Route("POST", re.compile(r"/echo/(?P<name>\w+)"), _echo),
        Route("GET", re.compile(r"/teapot"), _teapot),
        Route("GET", re.compile(r"/broken"), _broken),
    )


@pytest.fixture
def server():  # type: ignore[no-untyped-def]
    with running(make_server("127.0.0.1", 0, _Handler, service="test", version="v9")) as srv:
        yield srv


def test_health_names_the_service_and_its_version(server) -> None:  # type: ignore[no-untyped-def]
    status, _, body = call(server, "GET", "/health")
    assert status == 200
    assert body == {"status": "ok", "service": "test", "version": "v9"}


def test_a_route_gets_its_path_match_and_body(server) -> None:  # type: ignore[no-untyped-def]
    status, _, body = call(server, "POST", "/echo/abc", {"x": 1})
    assert (status, body) == (200, {"name": "abc", "body": {"x": 1}})


def test_the_request_id_is_echoed_or_made(server) -> None:  # type: ignore[no-untyped-def]
    _, headers, _ = call(server, "GET", "/health", headers={"X-Request-ID": "req-1"})
    assert headers["X-Request-ID"] == "req-1"
    _, headers, _ = call(server, "GET", "/health")
    assert len(headers["X-Request-ID"]) == 32


def test_unknown_paths_and_wrong_methods(server) -> None:  # type: ignore[no-untyped-def]
    assert call(server, "GET", "/nowhere")[0] == 404
    status, headers, _ = call(server, "GET", "/echo/abc")
    assert (status, headers["Allow"]) == (405, "POST")
    status, headers, _ = call(server, "PUT", "/health", {})
    assert (status, headers["Allow"]) == (405, "GET")


def test_api_errors_and_bugs_become_json(server) -> None:  # type: ignore[no-untyped-def]
    assert call(server, "GET", "/teapot")[::2] == (
        418,
        {"error": "short and stout", "details": ["spout"]},
    )
    assert call(server, "GET", "/broken")[::2] == (500, {"error": "internal error"})


@pytest.mark.parametrize(
    ("headers", "raw", "status"),
    [
        ({"Content-Type": "text/plain"}, b"{}", 415),
        ({"Content-Type": "application/json"}, b"{not json", 400),
        ({"Content-Type": "application/json"}, b"[1, 2]", 400),
        ({"Content-Type": "application/json"}, b'{"x": "' + b"a" * 200 + b'"}', 413),
    ],
)
def test_bad_bodies_are_refused(server, headers, raw, status) -> None:  # type: ignore[no-untyped-def]
    assert call(server, "POST", "/echo/abc", headers=headers, raw=raw)[0] == status


def test_each_request_logs_one_access_line(caplog) -> None:  # type: ignore[no-untyped-def]
    server = make_server("127.0.0.1", 0, _Handler, service="test", version="v9")
    with caplog.at_level("INFO", logger="fabrikam.access"), running(server):
        call(server, "GET", "/health", headers={"X-Request-ID": "req-7"})
        # leaving running() joins the request threads: the line is written by then
    lines = [r for r in caplog.records if r.name == "fabrikam.access"]
    assert len(lines) == 1
    assert lines[0].getMessage() == "GET /health 200"
    assert lines[0].fields["requestId"] == "req-7"
