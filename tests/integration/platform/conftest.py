"""Helpers for platform integration tests: the CLI as a user runs it, isolated instances."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from shipyard.platform.topology import PORTS_PER_CLUSTER


def free_block(start: int, size: int) -> int:
    """The first port from ``start`` where ``size`` consecutive loopback ports are free."""
    port = start
    while port < 60000:
        ok = True
        for p in range(port, port + size):
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", p))
                except OSError:
                    ok = False
                    break
        if ok:
            return port
        port += size + 1
    raise RuntimeError("no free port block")


@dataclass
class Instance:
    """A second platform in temporary directories, on its own ports, sharing the tool cache."""

    root: Path
    env: dict[str, str]
    registry_port: int
    devtest_port: int

    def cli(self, *args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "shipyard", "platform", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=1800,
            check=False,
        )
        if check and done.returncode != 0:
            raise AssertionError(f"shipyard platform {args} failed:\n{done.stdout}\n{done.stderr}")
        return done

    def status(self) -> dict[str, Any]:
        return json.loads(self.cli("status", "--output", "json", check=True).stdout)

    def own_processes(self) -> list[str]:
        """Every process whose command line mentions this instance's directories."""
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    argv = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                    state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
                except OSError:
                    continue
                if str(self.root) in argv and state != "Z":
                    found.append(f"{entry.name}: {argv[:150]}")
        return found


@pytest.fixture
def instance(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Instance]:
    """Simulated nodes, unless a test passes ``node_kind`` (indirect parametrization)."""
    node_kind = getattr(request, "param", "kwok")
    registry_port = free_block(25000, 2)  # the registry and its token service
    devtest = free_block(25100, PORTS_PER_CLUSTER)
    prod = free_block(devtest + PORTS_PER_CLUSTER + 1, PORTS_PER_CLUSTER)
    settings = tmp_path / "shipyard.toml"
    settings.write_text(
        f"[registry]\nport = {registry_port}\ntoken_port = {registry_port + 1}\n\n"
        f"[clusters]\nnodes = 1\ndevtest_port = {devtest}\nprod_port = {prod}\n"
        f'node_kind = "{node_kind}"\n\n'
        "[images]\nbase = []\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHIPYARD_")}
    env |= {
        "SHIPYARD_CONFIG": str(settings),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    inst = Instance(tmp_path, env, registry_port, devtest)
    yield inst
    inst.cli("down")
