"""Each service serves /health in-process, and stops cleanly on SIGTERM as a process."""

from __future__ import annotations

import importlib
import json
import os
import select
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from tests.unit.examples.support import SERVICES, SHIPPING, USES_COMMON, get_json

# The module that builds each service's server.
SERVER_MODULE = {
    "delivery": "fabrikam_delivery.app",
    "package": "fabrikam_package.app",
    "workflow": "fabrikam_workflow.api",
}


def _paths(service: str) -> list[str]:
    paths = [str(SHIPPING / service)]
    if USES_COMMON[service]:
        paths.append(str(SHIPPING / "common"))
    return paths


@pytest.fixture(params=SERVICES)
def live(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    service = request.param
    for path in _paths(service):
        monkeypatch.syspath_prepend(path)
    module = importlib.import_module(SERVER_MODULE[service])
    server = module.build_server("127.0.0.1", 0, version="v0.1.0")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield service, server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_health_in_process(live: Any) -> None:
    service, server = live
    host, port = server.server_address[:2]
    status, body = get_json(host, port, "/health")
    assert status == 200
    assert body == {"status": "ok", "service": service, "version": "v0.1.0"}


def _read_line(proc: subprocess.Popen[str], timeout: float = 30) -> str:
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    assert ready, "the service printed nothing"
    return proc.stdout.readline()


@pytest.mark.parametrize("service", SERVICES)
def test_sigterm_stops_the_service_cleanly(service: str) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(_paths(service)),
        "PYTHONDONTWRITEBYTECODE": "1",
        "HOST": "127.0.0.1",
        "PORT": "0",
        "APP_VERSION": "v9.9.9",
        "LOG_LEVEL": "info",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", f"fabrikam_{service}"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        started = json.loads(_read_line(proc))
        assert (started["message"], started["service"]) == ("listening", service)
        status, body = get_json("127.0.0.1", started["port"], "/health")
        assert (status, body["version"]) == (200, "v9.9.9")
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    lines = {json.loads(line)["message"]: json.loads(line) for line in out.splitlines()}
    # The request thread may log its line after the signal arrives, but always before the
    # server has stopped: closing the server waits for the requests in flight.
    assert list(lines)[-1] == "stopped"
    assert sorted(lines) == ["GET /health 200", "stopped", "stopping"]
    assert lines["GET /health 200"]["status"] == 200
    assert lines["stopping"]["signal"] == "SIGTERM"


@pytest.mark.parametrize("service", SERVICES)
def test_a_bad_port_exits_2_with_a_message(service: str) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(_paths(service)), "PORT": "http"}
    done = subprocess.run(
        [sys.executable, "-m", f"fabrikam_{service}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2
    assert "PORT must be a number" in done.stderr
