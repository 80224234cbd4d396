"""The host kernel interfaces a real Kubernetes node changes, read and written in one place.

A kubelet, containerd, kube-proxy and the CNI plugins change the machine they run on: sysctls,
iptables chains, a bridge and its veth links, mounts, cgroups, a few fixed directories. The
platform records the state of each before the node starts and puts it back after the node
stops (:mod:`shipyard.platform.node.ledger`); this module is how it looks and how it acts.
Reading goes through ``/proc`` and ``/sys`` directly (cheap, no tool needed); changing goes
through ``iptables``, ``ip`` and ``umount`` via the subprocess chokepoint, with argv lists.

Every method is small and does one thing, so the platform's logic can be tested against a
fake of this class with the same methods.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from shipyard.adapters.process import run

Family = Literal[4, 6]


def _unescape(field: str) -> str:
    """Mount points in mountinfo escape space, tab, newline and backslash as ``\\ooo``."""
    out, i = [], 0
    while i < len(field):
        code = field[i + 1 : i + 4]
        if field[i] == "\\" and len(code) == 3 and code.isdigit():
            out.append(chr(int(code, 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


class HostSystem:
    """The real machine. ``proc`` and ``sys`` are where the kernel's files are."""

    def __init__(
        self,
        proc: Path = Path("/proc"),
        sys: Path = Path("/sys"),
        run_dir: Path = Path("/run/shipyard"),
    ) -> None:
        self.proc = proc
        self.sys = sys
        self.run_dir = run_dir  # Shipyard's machine-wide runtime files (emptied by a reboot)

    # -- facts ---------------------------------------------------------------------------
    def is_root(self) -> bool:
        return os.geteuid() == 0

    def filesystems(self) -> set[str]:
        """File system types the kernel supports (``overlay`` is what containerd needs)."""
        try:
            text = (self.proc / "filesystems").read_text()
        except OSError:
            return set()
        return {line.split()[-1] for line in text.splitlines() if line.strip()}

    def primary_ipv4(self) -> str | None:
        """The address this machine uses to reach other machines (no packet is sent)."""
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            try:
                s.connect(("192.0.2.254", 9))  # TEST-NET-1: only the routing decision matters
            except OSError:
                return None
            address = str(s.getsockname()[0])
        return None if address.startswith(("127.", "0.")) else address

    def routes(self) -> list[tuple[str, int]]:
        """IPv4 routes as (network address, prefix length), from the kernel's table."""
        found: list[tuple[str, int]] = []
        try:
            lines = (self.proc / "net" / "route").read_text().splitlines()[1:]
        except OSError:
            return found
        for line in lines:
            parts = line.split()
            if len(parts) < 8:
                continue
            dest = socket.inet_ntoa(int(parts[1], 16).to_bytes(4, "little"))
            mask = int(parts[7], 16).to_bytes(4, "little")
            found.append((dest, bin(int.from_bytes(mask, "big")).count("1")))
        return found

    # -- sysctls -------------------------------------------------------------------------
    def _sysctl(self, key: str) -> Path:
        return self.proc / "sys" / key.replace(".", "/")

    def read_sysctl(self, key: str) -> str | None:
        try:
            return " ".join(self._sysctl(key).read_text().split())
        except OSError:
            return None

    def write_sysctl(self, key: str, value: str) -> bool:
        try:
            self._sysctl(key).write_text(value + "\n")
        except OSError:
            return False
        return True

    # -- mounts --------------------------------------------------------------------------
    def mounts(self) -> list[str]:
        """Every mount point of this mount namespace, in mount order."""
        try:
            text = (self.proc / "self" / "mountinfo").read_text()
        except OSError:
            return []
        return [_unescape(line.split()[4]) for line in text.splitlines() if line.strip()]

    def unmount(self, path: str) -> bool:
        if run(["umount", path], check=False).returncode == 0:
            return True
        return run(["umount", "-l", path], check=False).returncode == 0

    # -- network links -------------------------------------------------------------------
    def links(self) -> list[str]:
        try:
            return sorted(p.name for p in (self.sys / "class" / "net").iterdir())
        except OSError:
            return []

    def link_master(self, name: str) -> str | None:
        try:
            return (self.sys / "class" / "net" / name / "master").resolve().name
        except OSError:
            return None

    def delete_link(self, name: str) -> bool:
        return run(["ip", "link", "delete", name], check=False).returncode == 0

    # -- iptables ------------------------------------------------------------------------
    def iptables_save(self, family: Family) -> str:
        tool = "iptables-save" if family == 4 else "ip6tables-save"
        done = run([tool], check=False, timeout=60)
        return done.stdout if done.returncode == 0 else ""

    def iptables(self, family: Family, args: Sequence[str]) -> bool:
        tool = "iptables" if family == 4 else "ip6tables"
        return run([tool, "-w", "5", *args], check=False, timeout=60).returncode == 0

    # -- cgroups -------------------------------------------------------------------------
    def cgroup_hierarchies(self) -> list[Path]:
        """The mounted cgroup hierarchies (each v1 controller, and the v2 tree if any)."""
        found: list[Path] = []
        try:
            text = (self.proc / "self" / "mountinfo").read_text()
        except OSError:
            return found
        for line in text.splitlines():
            left, _, right = line.partition(" - ")
            fstype = right.split()[0] if right else ""
            if fstype in ("cgroup", "cgroup2"):
                found.append(Path(_unescape(left.split()[4])))
        return found

    def make_cgroup(self, path: Path) -> None:
        """Create a cgroup; a v1 cpuset must inherit its parent's CPUs and memory nodes."""
        path.mkdir(exist_ok=True)
        for name in ("cpuset.cpus", "cpuset.mems"):
            mine, parent = path / name, path.parent / name
            if mine.exists() and not mine.read_text().strip():
                mine.write_text(parent.read_text())

    def cgroup_pids(self, path: Path) -> list[int]:
        """Every process in the cgroup tree at ``path``."""
        pids: list[int] = []
        for procs in sorted(path.rglob("cgroup.procs")) if path.is_dir() else []:
            with contextlib.suppress(OSError, ValueError):
                pids += [int(x) for x in procs.read_text().split()]
        return pids

    def remove_cgroup(self, path: Path) -> bool:
        """Remove a cgroup tree, deepest first (cgroup files cannot be unlinked, only dirs)."""
        if not path.is_dir():
            return True
        dirs = sorted((p for p in path.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts))
        ok = True
        for d in [*dirs, path]:
            try:
                d.rmdir()
            except OSError:
                ok = False
        return ok

    def kill(self, pid: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)

    # -- files at fixed paths ------------------------------------------------------------
    def path_exists(self, path: Path) -> bool:
        return path.exists() or path.is_symlink()

    def list_dir(self, path: Path) -> list[str]:
        try:
            return sorted(p.name for p in path.iterdir())
        except OSError:
            return []

    def link_target(self, path: Path) -> str | None:
        try:
            return str(path.readlink())
        except OSError:
            return None

    def remove_path(self, path: Path) -> bool:
        """Remove a file, a symlink or a directory tree (not following links)."""
        try:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
        except FileNotFoundError:
            return True
        except OSError:
            return False
        return True
