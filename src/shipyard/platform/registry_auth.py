"""The embedded registry's identities and its token service: who may push where.

``platform up`` makes, once, a signing key and certificate (the registry trusts tokens signed
by it), one identity per role of :mod:`shipyard.domain.registry_access` with a random
password, and the token service's configuration (names, roles, password hashes). Clients get
the clear passwords from ``identities.json`` (mode 0600): the tool env's auth file holds the
build identity, promotion reads its own, the platform's image builds theirs. The directory
survives ``down``; ``down --purge`` removes it with the rest of the data.

The token service runs as a process of its own beside the registry, recorded and adopted the
way the registry is (see :mod:`shipyard.platform.registry_service`).
"""

from __future__ import annotations

import base64
import json
import sys
import time
from pathlib import Path

from shipyard.adapters import registry_tokens as tokens
from shipyard.domain import registry_access
from shipyard.platform import state
from shipyard.platform.deps import Adapters, ProcInfo
from shipyard.platform.errors import PlatformError, PortTaken
from shipyard.platform.paths import PlatformPaths
from shipyard.platform.progress import Progress
from shipyard.platform.settings import Secret
from shipyard.platform.topology import LOOPBACK

COMPONENT = "registry-token"
SERVICE = "shipyard-registry"
ISSUER = "shipyard"
START_TIMEOUT = 20.0
USERS = {
    registry_access.BUILD: "shipyard-build",
    registry_access.PROMOTION: "shipyard-promotion",
    registry_access.PLATFORM: "shipyard-platform",
}


def auth_dir(paths: PlatformPaths) -> Path:
    return paths.etc / "registry-auth"


def signing_key(paths: PlatformPaths) -> Path:
    return auth_dir(paths) / "signing.key"


def signing_cert(paths: PlatformPaths) -> Path:
    return auth_dir(paths) / "signing.crt"


def identities_file(paths: PlatformPaths) -> Path:
    return auth_dir(paths) / "identities.json"


def server_config(paths: PlatformPaths) -> Path:
    return auth_dir(paths) / "token-service.json"


def realm(port: int) -> str:
    return f"http://{LOOPBACK}:{port}/token"


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    tmp.chmod(0o600)
    tmp.replace(path)


def credentials(paths: PlatformPaths, role: str) -> tuple[str, Secret] | None:
    """The user name and password of ``role``, None before ``platform up`` made them."""
    try:
        data = json.loads(identities_file(paths).read_text())
    except (OSError, ValueError):
        return None
    entry = data.get(role)
    if not isinstance(entry, dict):
        return None
    return str(entry["user"]), Secret(str(entry["password"]))


def auth_json(address: str, user: str, password: Secret) -> str:
    """A containers/helm auth file (``REGISTRY_AUTH_FILE``, ``HELM_REGISTRY_CONFIG``)."""
    raw = base64.b64encode(f"{user}:{password.reveal()}".encode()).decode()
    return json.dumps({"auths": {address: {"auth": raw}}}, indent=2) + "\n"


def role_auth_file(paths: PlatformPaths, role: str) -> Path:
    return auth_dir(paths) / f"auth-{role}.json"


def ensure_material(paths: PlatformPaths, port: int, anonymous_pull: bool, address: str) -> None:
    """Key, certificate, identities and the token service's config; only what is missing is
    made, so a second ``up`` keeps every password and token valid."""
    if not signing_key(paths).is_file() or not signing_cert(paths).is_file():
        tokens.write_signing_key(signing_key(paths), signing_cert(paths), ISSUER)
    known = {role: credentials(paths, role) for role in registry_access.ROLES}
    if any(c is None for c in known.values()):
        fresh = {
            role: {"user": USERS[role], "password": tokens.new_password()}
            for role in registry_access.ROLES
        }
        _write_private(identities_file(paths), json.dumps(fresh, indent=2) + "\n")
        known = {role: credentials(paths, role) for role in registry_access.ROLES}
    identities = []
    for role, cred in known.items():
        assert cred is not None
        user, password = cred
        identities.append(
            {"name": user, "role": role, "hash": tokens.password_hash(password.reveal())}
        )
        _write_private(role_auth_file(paths, role), auth_json(address, user, password))
    config = {
        "issuer": ISSUER,
        "service": SERVICE,
        "key": str(signing_key(paths)),
        "host": LOOPBACK,
        "port": port,
        "anonymous_pull": anonymous_pull,
        "identities": identities,
    }
    text = json.dumps(config, indent=2) + "\n"
    path = server_config(paths)
    if not path.is_file() or path.read_text() != text:
        _write_private(path, text)


class TokenService:
    """Start, adopt, check and stop the token service process."""

    def __init__(
        self, paths: PlatformPaths, port: int, adapters: Adapters, progress: Progress
    ) -> None:
        self.paths = paths
        self.port = port
        self.adapters = adapters
        self.progress = progress

    def _ours(self, proc: ProcInfo) -> bool:
        return str(server_config(self.paths)) in proc.argv

    def _answers(self) -> bool:
        return self.adapters.net.accepts(LOOPBACK, self.port)

    def running(self) -> int | None:
        record = state.read(self.paths, COMPONENT)
        if state.liveness(record, self.adapters.daemons) == "running" and record is not None:
            return record.pid
        return None

    def ensure(self, restart: bool) -> None:
        """Running with the current config; ``restart`` when that config just changed."""
        with self.progress.step(f"registry token service {LOOPBACK}:{self.port}") as step:
            pid = self.running()
            if pid is not None and not restart and self._answers():
                step.skip(f"running, pid {pid}")
                return
            if pid is not None:
                record = state.read(self.paths, COMPONENT)
                self.adapters.daemons.terminate(pid, record.start_ticks if record else None)
            state.remove(self.paths, COMPONENT)
            if not self.adapters.net.is_free(LOOPBACK, self.port):
                holder = self.adapters.net.listener(self.port)
                proc = self.adapters.daemons.info(holder) if holder else None
                if proc is None or not self._ours(proc):
                    raise PortTaken(
                        COMPONENT,
                        f"{LOOPBACK}:{self.port} is taken by "
                        + (
                            f"pid {proc.pid} ({' '.join(proc.argv)[:120]})" if proc else "a program"
                        ),
                        hint="stop that program, or set registry.token_port in shipyard.toml "
                        "or SHIPYARD_REGISTRY_TOKEN_PORT",
                    )
                self.adapters.daemons.terminate(proc.pid, proc.start_ticks)
            step.detail(f"pid {self._start()}")

    def _start(self) -> int:
        log = self.paths.log(COMPONENT)
        argv = [
            sys.executable,
            "-m",
            "shipyard.adapters.token_server",
            str(server_config(self.paths)),
        ]
        proc = self.adapters.daemons.spawn(argv, log_path=log)
        state.write(self.paths, COMPONENT, proc)
        deadline = time.monotonic() + START_TIMEOUT
        while not self._answers():
            if not self.adapters.daemons.alive(proc.pid) or time.monotonic() > deadline:
                if self.adapters.daemons.alive(proc.pid):
                    self.adapters.daemons.terminate(proc.pid)
                state.remove(self.paths, COMPONENT)
                tail = (
                    log.read_text(errors="replace").strip().splitlines()[-6:]
                    if log.is_file()
                    else []
                )
                raise PlatformError(
                    COMPONENT,
                    "did not start:\n  " + "\n  ".join(tail or ["(empty log)"]),
                    hint=f"full log: {log}",
                    retry=" ".join(argv),
                )
            time.sleep(0.1)
        return proc.pid

    def stop(self) -> bool:
        pid = self.running()
        record = state.read(self.paths, COMPONENT)
        stopped = False
        if pid is not None:
            stopped = self.adapters.daemons.terminate(pid, record.start_ticks if record else None)
        state.remove(self.paths, COMPONENT)
        return stopped
