"""Step processes: started in their own process group, read without blocking, killed whole.

A step's script may start children (``make`` running compilers, a test runner running
a browser). Each step is started with ``start_new_session=True``, so it leads a new
process group (and session) and everything it starts belongs to that group; a timeout or
a cancel sends ``SIGTERM`` to the whole group, then ``SIGKILL`` after a grace period, so
nothing it started is left running. Output is read from non-blocking pipes with
``selectors`` so that the caller can check its deadline and cancel flag between reads.
argv lists only; the environment is given whole (nothing inherited by accident).
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from shipyard.adapters.process import ToolMissing

_READ = 65536


class StepProcess:
    def __init__(
        self,
        argv: Sequence[str],
        *,
        cwd: Path,
        env: Mapping[str, str],
        merge_stderr: bool = True,
    ) -> None:
        if isinstance(argv, str):
            raise TypeError("argv must be a sequence of arguments, not a string")
        try:
            self._proc = subprocess.Popen(
                list(argv),
                cwd=cwd,
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT if merge_stderr else subprocess.PIPE,
                start_new_session=True,
                close_fds=True,
            )
        except FileNotFoundError:
            raise ToolMissing(argv[0], hint=f"'{argv[0]}' is not on PATH") from None
        except PermissionError:
            raise ToolMissing(argv[0], hint=f"'{argv[0]}' is not executable") from None
        self.pgid = self._proc.pid  # a session leader's pgid is its pid
        self._selector = selectors.DefaultSelector()
        streams = {"out": self._proc.stdout, "err": self._proc.stderr}
        for name, stream in streams.items():
            if stream is not None:
                os.set_blocking(stream.fileno(), False)
                self._selector.register(stream, selectors.EVENT_READ, name)
        self._open = len(self._selector.get_map())

    @property
    def eof(self) -> bool:
        return self._open == 0

    def read(self, timeout: float) -> list[tuple[str, bytes]]:
        """Chunks available within ``timeout`` seconds, as ``(stream, bytes)``."""
        if self._open == 0:  # output closed: wait for the exit itself, not a fixed nap
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(timeout)
            return []
        out: list[tuple[str, bytes]] = []
        for key, _ in self._selector.select(timeout):
            try:
                data = os.read(key.fd, _READ)
            except BlockingIOError:
                continue
            if data:
                out.append((str(key.data), data))
            else:
                self._selector.unregister(key.fileobj)
                self._open -= 1
        return out

    def poll(self) -> int | None:
        return self._proc.poll()

    def kill(self, grace: float = 3.0) -> None:
        """SIGTERM to the whole group, SIGKILL to whatever is left after ``grace``."""
        kill_group(self.pgid, signal.SIGTERM)
        end = time.monotonic() + grace
        while time.monotonic() < end and self._proc.poll() is None:
            time.sleep(0.02)
        kill_group(self.pgid, signal.SIGKILL)

    def wait(self, timeout: float | None = None) -> int | None:
        try:
            return self._proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def close(self) -> None:
        """Stop reading and release the pipes (children may still hold their ends)."""
        for key in list(self._selector.get_map().values()):
            self._selector.unregister(key.fileobj)
        self._selector.close()
        for stream in (self._proc.stdout, self._proc.stderr):
            if stream is not None:
                stream.close()
        self._open = 0


def kill_group(pgid: int, sig: int = signal.SIGKILL) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def group_has_token(pgid: int, token: str) -> bool:
    """True when the group's leader still carries ``SHIPYARD_JOB_TOKEN=token`` (Linux):
    a recycled process id must not get a stranger's processes killed."""
    try:
        environ = Path(f"/proc/{pgid}/environ").read_bytes()
    except OSError:
        return False
    return f"SHIPYARD_JOB_TOKEN={token}".encode() in environ.split(b"\0")


class ShellLauncher:
    """The process launcher the executor hands to task plugins (through their context)."""

    def start(
        self, argv: Sequence[str], *, cwd: Path, env: Mapping[str, str], merge_stderr: bool
    ) -> StepProcess:
        return StepProcess(argv, cwd=cwd, env=env, merge_stderr=merge_stderr)
