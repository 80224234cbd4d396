from fabrikam_common.jsonhttp import ApiServer
from fabrikam_common.testing import call

BODY = {
    "ownerId": "owner-1",
    "pickup": "Fabrikam Warehouse, Redmond",
    "dropoff": "1 Main St, Seattle",
    "deadline": "2026-05-01T17:00:00+02:00",
}


def test_health_reports_the_service_and_version(server: ApiServer) -> None:
    status, _, body = call(server, "GET", "/health")
    assert (status, body) == (200, {"status": "ok", "service": "delivery", "version": "v1.0.2"})


def test_put_creates_then_replaces_and_get_reads_back(server: ApiServer) -> None:
    status, _, created = call(server, "PUT", "/api/deliveries/d-1", BODY)
    assert status == 201
    assert created["id"] == "d-1"
    status, _, replaced = call(server, "PUT", "/api/deliveries/d-1", {**BODY, "expedited": True})
    assert (status, replaced["expedited"]) == (200, True)
    status, _, read = call(server, "GET", "/api/deliveries/d-1")
    assert (status, read) == (200, replaced)


def test_an_unknown_delivery_is_404(server: ApiServer) -> None:
    status, _, body = call(server, "GET", "/api/deliveries/nope")
    assert (status, body) == (404, {"error": "no delivery nope"})


def test_an_invalid_delivery_is_400_with_details(server: ApiServer) -> None:
    status, _, body = call(server, "PUT", "/api/deliveries/d-2", {"ownerId": "o"})
    assert status == 400
    assert body["error"] == "invalid delivery"
    assert "pickup: is required" in body["details"]
    assert call(server, "GET", "/api/deliveries/d-2")[0] == 404


def test_ids_outside_the_pattern_do_not_route(server: ApiServer) -> None:
    assert call(server, "GET", "/api/deliveries/a%20b")[0] == 404
    assert call(server, "DELETE", "/api/deliveries/d-1")[0] == 405
