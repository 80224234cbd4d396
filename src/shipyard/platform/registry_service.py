"""The embedded OCI registry: CNCF distribution (Debian's ``docker-registry``) on loopback.

It must outlive ``shipyard platform up``, so it is started detached with its PID recorded (see
:mod:`shipyard.platform.state`). Storage is persistent (the data directory) and deletion is
enabled, so that retention and promotion can delete manifests later.

Before starting, the port is checked. If it is taken, the holder is identified: a registry
that runs *our* config file (a lost PID record) is adopted; anything else is a
:class:`PortTaken` error that names the program and the setting that moves the port.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from shipyard.platform import registry_auth, state
from shipyard.platform.catalog import tool
from shipyard.platform.deps import Adapters, ProcInfo, RegistryClient
from shipyard.platform.errors import PlatformError, PortTaken
from shipyard.platform.install import binary
from shipyard.platform.paths import PlatformPaths
from shipyard.platform.progress import Progress
from shipyard.platform.toolenv import RegistryTarget
from shipyard.platform.topology import LOOPBACK

COMPONENT = "registry"
START_TIMEOUT = 30.0


@dataclass(frozen=True, slots=True)
class RegistryStatus:
    state: str  # running | stopped | unhealthy | external | unreachable
    address: str
    pid: int | None
    detail: str = ""

    def as_json(self) -> dict[str, object]:
        return {
            "state": self.state,
            "address": self.address,
            "pid": self.pid,
            "detail": self.detail,
        }


def config_file(paths: PlatformPaths) -> Path:
    return paths.etc / "registry.yml"


def render_config(paths: PlatformPaths, port: int, token_port: int | None = None) -> str:
    """The registry's config; with ``token_port``, every request needs a token from the token
    service there (see :mod:`shipyard.platform.registry_auth`)."""
    config: dict[str, object] = {
        "version": 0.1,
        "log": {"level": "info", "fields": {"service": "shipyard-registry"}},
        "storage": {
            "filesystem": {"rootdirectory": str(paths.registry_storage)},
            "delete": {"enabled": True},
            "cache": {"blobdescriptor": "inmemory"},
        },
        "http": {
            "addr": f"{LOOPBACK}:{port}",
            "headers": {"X-Content-Type-Options": ["nosniff"]},
        },
        "health": {"storagedriver": {"enabled": True, "interval": "10s", "threshold": 3}},
    }
    if token_port is not None:
        config["auth"] = {
            "token": {
                "realm": registry_auth.realm(token_port),
                "service": registry_auth.SERVICE,
                "issuer": registry_auth.ISSUER,
                "rootcertbundle": str(registry_auth.signing_cert(paths)),
            }
        }
    return (
        "# Written by Shipyard (shipyard platform up); changes are overwritten.\n"
        + yaml.safe_dump(config, sort_keys=False)
    )


def describe(proc: ProcInfo | None, pid: int | None) -> str:
    if proc is None:
        return f"pid {pid}" if pid else "a program Shipyard cannot identify (another user's?)"
    return f"pid {proc.pid} ({' '.join(proc.argv)[:120]})"


class RegistryService:
    def __init__(
        self,
        paths: PlatformPaths,
        target: RegistryTarget,
        port: int,
        adapters: Adapters,
        progress: Progress,
        token_port: int | None = None,
    ) -> None:
        self.paths = paths
        self.target = target
        self.port = port
        self.token_port = token_port
        self.adapters = adapters
        self.progress = progress

    @property
    def client(self) -> RegistryClient:
        t = self.target
        return self.adapters.registry(t.address, t.secure, t.username, t.password.reveal())

    def _ours(self, proc: ProcInfo) -> bool:
        return str(config_file(self.paths)) in proc.argv

    def status(self) -> RegistryStatus:
        if not self.target.embedded:
            up = self.client.is_up()
            return RegistryStatus("external" if up else "unreachable", self.target.address, None)
        record = state.read(self.paths, COMPONENT)
        live = state.liveness(record, self.adapters.daemons)
        pid = record.pid if record and live == "running" else None
        if live != "running":
            detail = "stale PID record" if live == "stale" else ""
            return RegistryStatus("stopped", self.target.address, None, detail)
        healthy = self.client.is_up()
        return RegistryStatus("running" if healthy else "unhealthy", self.target.address, pid)

    def ensure(self) -> None:
        with self.progress.step(f"registry {self.target.address}") as step:
            if not self.target.embedded:
                self.client.ping()
                step.skip("external")
                return
            record = state.read(self.paths, COMPONENT)
            live = state.liveness(record, self.adapters.daemons)
            if live == "running" and record is not None and self._config_changed():
                self.progress.info("registry: its configuration changed; restarting it")
                self.adapters.daemons.terminate(record.pid, record.start_ticks)
                state.remove(self.paths, COMPONENT)
                step.detail(f"pid {self._start()} (restarted)")
                return
            if live == "running" and record is not None:
                if self._wait_healthy(record.pid, 10.0):
                    step.skip(f"running, pid {record.pid}")
                    return
                self.progress.warn(f"registry pid {record.pid} does not answer; restarting it")
                self.adapters.daemons.terminate(record.pid, record.start_ticks)
            elif live == "stale" and record is not None:
                self.progress.warn(
                    f"removed a stale registry PID record (pid {record.pid} is not our registry)"
                )
            state.remove(self.paths, COMPONENT)
            if self._adopt():
                step.skip("running (adopted)")
                return
            step.detail(f"pid {self._start()}")

    def _adopt(self) -> bool:
        """Take over a registry that serves our config but lost its record; else check the port."""
        net = self.adapters.net
        if net.is_free(LOOPBACK, self.port):
            return False
        pid = net.listener(self.port)
        proc = self.adapters.daemons.info(pid) if pid else None
        if proc is not None and self._ours(proc):
            state.write(self.paths, COMPONENT, proc)
            return self._wait_healthy(proc.pid, 10.0)
        raise PortTaken(
            COMPONENT,
            f"{LOOPBACK}:{self.port} is taken by {describe(proc, pid)}",
            hint="stop that program, or move Shipyard's registry: set registry.port in "
            "shipyard.toml or SHIPYARD_REGISTRY_PORT",
        )

    def _rendered(self) -> str:
        return render_config(self.paths, self.port, self.token_port)

    def _config_changed(self) -> bool:
        path = config_file(self.paths)
        return not path.is_file() or path.read_text() != self._rendered()

    def _start(self) -> int:
        path = config_file(self.paths)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self._rendered())
        self.paths.registry_storage.mkdir(parents=True, exist_ok=True)
        exe = binary(self.paths, tool("docker-registry"))
        log = self.paths.log(COMPONENT)
        argv = [str(exe), "serve", str(path)]
        proc = self.adapters.daemons.spawn(argv, log_path=log)
        state.write(self.paths, COMPONENT, proc)
        if not self._wait_healthy(proc.pid, START_TIMEOUT):
            alive = self.adapters.daemons.alive(proc.pid)
            if alive:
                self.adapters.daemons.terminate(proc.pid)
            state.remove(self.paths, COMPONENT)
            raise PlatformError(
                COMPONENT,
                ("did not answer GET /v2/ in time" if alive else "exited at start")
                + ":\n  "
                + "\n  ".join(_tail(log, 6)),
                hint=f"full log: {log}",
                retry=f"{' '.join(argv)}  (by hand, to see it fail), then shipyard platform up",
            )
        return proc.pid

    def _wait_healthy(self, pid: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        client = self.client
        while True:
            if client.is_up():
                return True
            if not self.adapters.daemons.alive(pid) or time.monotonic() > deadline:
                return False
            time.sleep(0.1)

    def stop(self) -> bool:
        """Stop the registry we started; True if one was running."""
        record = state.read(self.paths, COMPONENT)
        stopped = False
        if state.liveness(record, self.adapters.daemons) == "running" and record is not None:
            stopped = self.adapters.daemons.terminate(record.pid, record.start_ticks)
        state.remove(self.paths, COMPONENT)
        return stopped


def _tail(path: Path, lines: int) -> list[str]:
    try:
        return path.read_text(errors="replace").strip().splitlines()[-lines:] or ["(empty log)"]
    except OSError:
        return ["(no log)"]
