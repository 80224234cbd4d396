from collections.abc import Callable
from typing import Any

# The `client` fixture (conftest.py): client(method, path, body=None, headers=None)
Client = Callable[..., tuple[int, dict[str, str], Any]]

REQUEST = {
    "package": {"id": "p-1", "size": "medium", "weightKg": 12.5},
    "delivery": {"id": "d-1", "distanceKm": 40, "expedited": False},
}


def test_health_reports_the_service_and_version(client: Client) -> None:
    status, _, body = client("GET", "/health")
    assert (status, body) == (200, {"status": "ok", "service": "workflow", "version": "v2.1.0"})


def test_a_workflow_request_is_quoted(client: Client) -> None:
    status, headers, body = client("POST", "/api/workflow", REQUEST, {"X-Request-ID": "r-1"})
    assert status == 200
    assert headers["X-Request-ID"] == "r-1"
    # van: 899 + 60 * 40 + 25 * 13 = 3624 cents; 20 + 60 minutes
    assert body == {
        "packageId": "p-1",
        "deliveryId": "d-1",
        "carrier": "van",
        "priceCents": 3624,
        "etaMinutes": 80,
    }


def test_every_bad_field_is_named(client: Client) -> None:
    bad = {"package": {"size": "huge", "weightKg": -1}, "delivery": {"expedited": "soon"}}
    status, _, body = client("POST", "/api/workflow", bad)
    assert status == 400
    assert body["details"] == [
        "package.size: must be one of small, medium, large",
        "package.weightKg: must be a number greater than 0",
        "delivery.distanceKm: must be a number greater than 0",
        "delivery.expedited: must be true or false",
    ]


def test_empty_parts_are_refused_not_crashed_on(client: Client) -> None:
    status, _, body = client("POST", "/api/workflow", {"package": {}, "delivery": {}})
    assert status == 400
    assert body["details"] == [
        "package.size: must be one of small, medium, large",
        "package.weightKg: must be a number greater than 0",
        "delivery.distanceKm: must be a number greater than 0",
    ]
    status, _, body = client("POST", "/api/workflow", {})
    assert body["details"] == [
        "package: must be an object with size and weightKg",
        "delivery: must be an object with distanceKm",
    ]


def test_a_package_no_carrier_takes_is_422(client: Client) -> None:
    far = {**REQUEST, "delivery": {"distanceKm": 5000}}
    status, _, body = client("POST", "/api/workflow", far)
    assert status == 422
    assert "no carrier" in body["error"]


def test_wrong_methods_paths_and_bodies(client: Client) -> None:
    status, headers, _ = client("GET", "/api/workflow")
    assert (status, headers["Allow"]) == (405, "POST")
    assert client("GET", "/nowhere")[0] == 404
    assert client("POST", "/api/workflow", b"{oops")[0] == 400
    assert client("POST", "/api/workflow", b"{}", {"Content-Type": "text/plain"})[0] == 415
    assert client("POST", "/api/workflow", [1, 2])[0] == 400
