"""Processes that outlive the command that started them (the embedded registry, say).

``shipyard platform up`` returns while the registry keeps serving, so it cannot be a child
that :func:`shipyard.adapters.process.run` waits for. This module is the one place that starts
such processes (``Popen`` in a new session, output to a log file, stdin closed) and the one
place that reads ``/proc`` to find, identify and stop them again.

A PID alone is not an identity: after a reboot or a crash the number may belong to another
program. :class:`ProcInfo` therefore carries the kernel's start time (field 22 of
``/proc/PID/stat``); callers record both and only signal a process whose start time matches.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from shipyard.adapters.process import ToolMissing

_PROC = Path("/proc")
# Children started by this interpreter, kept so that they can be reaped (no zombies when the
# test suite starts and stops the registry in-process).
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


@dataclass(frozen=True, slots=True)
class ProcInfo:
    """A live process: its PID, kernel start time (clock ticks since boot) and argv."""

    pid: int
    start_ticks: int
    argv: tuple[str, ...]

    @property
    def name(self) -> str:
        return Path(self.argv[0]).name if self.argv else "?"


def _reap() -> None:
    for pid, child in list(_CHILDREN.items()):
        if child.poll() is not None:
            del _CHILDREN[pid]


def info(pid: int) -> ProcInfo | None:
    """The process ``pid`` if it is alive (zombies count as dead), else None."""
    _reap()
    try:
        stat = (_PROC / str(pid) / "stat").read_text()
        raw = (_PROC / str(pid) / "cmdline").read_bytes()
    except (FileNotFoundError, ProcessLookupError, PermissionError, NotADirectoryError):
        return None
    # The command name (field 2) may contain spaces and parentheses: split after the last ')'.
    fields = stat[stat.rfind(")") + 2 :].split()
    if not fields or fields[0] in ("Z", "X"):
        return None
    argv = tuple(part.decode(errors="replace") for part in raw.split(b"\0") if part)
    return ProcInfo(pid=pid, start_ticks=int(fields[19]), argv=argv)


def alive(pid: int, start_ticks: int | None = None) -> bool:
    """True when ``pid`` runs and, if given, started at ``start_ticks`` (not a reused PID)."""
    found = info(pid)
    return found is not None and (start_ticks is None or found.start_ticks == start_ticks)


def spawn(
    argv: Sequence[str],
    *,
    log_path: Path,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> ProcInfo:
    """Start ``argv`` detached (own session, no terminal), appending its output to ``log_path``."""
    if isinstance(argv, str):
        raise TypeError("argv must be a sequence of arguments, not a string")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        try:
            child = subprocess.Popen(
                list(argv),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=cwd,
                env=dict(os.environ if env is None else env),
                start_new_session=True,
            )
        except FileNotFoundError:
            raise ToolMissing(argv[0]) from None
        except PermissionError:
            raise ToolMissing(argv[0], hint=f"'{argv[0]}' is not executable") from None
        except OSError as exc:  # ENOEXEC: a truncated or foreign binary
            raise ToolMissing(argv[0], hint=f"'{argv[0]}' cannot run: {exc.strerror}") from None
    _CHILDREN[child.pid] = child
    for _ in range(50):  # /proc/PID/stat appears at once; cmdline after exec
        found = info(child.pid)
        if found is None or found.argv[:1] == (argv[0],):
            break
        time.sleep(0.01)
    if found is None:
        return ProcInfo(pid=child.pid, start_ticks=-1, argv=tuple(argv))
    return found


def terminate(pid: int, start_ticks: int | None = None, *, grace: float = 10.0) -> bool:
    """Stop ``pid`` (SIGTERM, then SIGKILL after ``grace`` seconds). False if it was not running."""
    if not alive(pid, start_ticks):
        return False
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if not alive(pid, start_ticks):
            return True
        time.sleep(0.05)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return True
    for _ in range(100):
        if not alive(pid, start_ticks):
            break
        time.sleep(0.05)
    return True


def find(match: Callable[[ProcInfo], bool]) -> list[ProcInfo]:
    """Every live process for which ``match`` is true (a scan of /proc)."""
    found: list[ProcInfo] = []
    for entry in _PROC.iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            proc = info(int(entry.name))
            if proc is not None and match(proc):
                found.append(proc)
    return found


class DaemonControl:
    """The functions of this module as one object, for code that is handed its adapters."""

    spawn = staticmethod(spawn)
    info = staticmethod(info)
    alive = staticmethod(alive)
    terminate = staticmethod(terminate)
    find = staticmethod(find)
