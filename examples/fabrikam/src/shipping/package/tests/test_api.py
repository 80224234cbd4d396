from fabrikam_common.jsonhttp import ApiServer
from fabrikam_common.testing import call


def test_health_reports_the_service_and_version(server: ApiServer) -> None:
    status, _, body = call(server, "GET", "/health")
    assert (status, body) == (200, {"status": "ok", "service": "package", "version": "v1.0.2"})


def test_put_creates_then_replaces_and_get_reads_back(server: ApiServer) -> None:
    status, _, created = call(server, "PUT", "/api/packages/p-1", {"size": "small", "weightKg": 1})
    assert (status, created["tag"]) == (201, None)
    status, _, replaced = call(
        server, "PUT", "/api/packages/p-1", {"size": "large", "weightKg": 40, "tag": "sofa"}
    )
    assert (status, replaced["size"]) == (200, "large")
    assert call(server, "GET", "/api/packages/p-1")[::2] == (200, replaced)


def test_an_overweight_package_is_refused_and_not_stored(server: ApiServer) -> None:
    status, _, body = call(server, "PUT", "/api/packages/p-2", {"size": "small", "weightKg": 9})
    assert (status, body) == (
        400,
        {"error": "invalid package", "details": ["weightKg: must be at most 5"]},
    )
    assert call(server, "GET", "/api/packages/p-2")[::2] == (404, {"error": "no package p-2"})


def test_the_request_id_is_echoed(server: ApiServer) -> None:
    _, headers, _ = call(server, "GET", "/api/packages/x", headers={"X-Request-ID": "trace-42"})
    assert headers["X-Request-ID"] == "trace-42"
