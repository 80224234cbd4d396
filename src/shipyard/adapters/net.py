"""Loopback ports: is one taken, and by which process?

"Port in use" is the most common reason a local service fails to start, and the kernel's
"address already in use" says nothing about *who* holds it. :func:`listener` answers that from
``/proc/net/tcp{,6}`` (the socket inode of the listening socket) and ``/proc/PID/fd`` (which
process holds that inode), so an error can name the program to stop.
"""

from __future__ import annotations

import contextlib
import errno
import socket
from pathlib import Path

_PROC = Path("/proc")
_LISTEN = "0A"


def is_free(host: str, port: int) -> bool:
    """True when a server could bind ``host:port`` now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True


def accepts(host: str, port: int, timeout: float = 0.5) -> bool:
    """True when something accepts TCP connections on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _listening_inodes(port: int) -> set[str]:
    inodes: set[str] = set()
    for table in ("tcp", "tcp6"):
        with contextlib.suppress(OSError):
            for line in (_PROC / "net" / table).read_text().splitlines()[1:]:
                cols = line.split()
                if (
                    len(cols) > 9
                    and cols[3] == _LISTEN
                    and int(cols[1].rsplit(":", 1)[1], 16) == port
                ):
                    inodes.add(cols[9])
    return inodes


def listener(port: int) -> int | None:
    """The PID of the process listening on TCP ``port`` (any address), or None if unknown."""
    inodes = _listening_inodes(port)
    if not inodes:
        return None
    targets = {f"socket:[{inode}]" for inode in inodes}
    for proc in _PROC.iterdir():
        if not proc.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            for fd in (proc / "fd").iterdir():
                with contextlib.suppress(OSError):
                    if str(fd.readlink()) in targets:
                        return int(proc.name)
    return None


class Loopback:
    """The functions of this module as one object, for code that is handed its adapters."""

    is_free = staticmethod(is_free)
    accepts = staticmethod(accepts)
    listener = staticmethod(listener)
