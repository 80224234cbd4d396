"""Fakes for the platform's process-level adapters: commands, detached processes, ports.

:class:`FakeRunner` works like Buildbot's ``ExpectShell``: a test declares the command lines it
expects (by argv prefix) and what each answers; an unexpected command fails the test with
the argv it saw. :class:`FakeDaemons` is a process table in memory, :class:`FakeNetwork` a set
of taken ports with their holders.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from shipyard.adapters.daemon import ProcInfo
from shipyard.adapters.process import CommandFailed, Completed


@dataclass
class Expect:
    prefix: tuple[str, ...]
    stdout: str = ""
    stderr: str = ""
    returncode: int = 0
    effect: Callable[[Sequence[str]], None] | None = None
    error: BaseException | None = None
    repeat: bool = False


@dataclass
class Call:
    argv: tuple[str, ...]
    env: dict[str, str]
    cwd: str | None


class FakeRunner:
    """Expected commands, matched in any order by argv prefix (``...`` matches any element)."""

    def __init__(self) -> None:
        self.expected: list[Expect] = []
        self.calls: list[Call] = []

    def expect(self, *prefix: str, **kw: object) -> Expect:
        exp = Expect(tuple(prefix), **kw)  # type: ignore[arg-type]
        self.expected.append(exp)
        return exp

    @staticmethod
    def _matches(prefix: tuple[str, ...], argv: tuple[str, ...]) -> bool:
        if len(prefix) > len(argv):
            return False
        return all(
            p in ("...", a) or a.endswith("/" + p) for p, a in zip(prefix, argv, strict=False)
        )

    def __call__(
        self,
        argv: Sequence[str],
        *,
        cwd: Path | str | None = None,
        env: Mapping[str, str] | None = None,
        extra_env: Mapping[str, str] | None = None,
        check: bool = True,
        input_text: str | None = None,
        timeout: float | None = None,
    ) -> Completed:
        args = tuple(str(a) for a in argv)
        self.calls.append(Call(args, dict(extra_env or {}), str(cwd) if cwd else None))
        for exp in self.expected:
            if self._matches(exp.prefix, args):
                if not exp.repeat:
                    self.expected.remove(exp)
                if exp.error is not None:
                    raise exp.error
                if exp.effect is not None:
                    exp.effect(args)
                if check and exp.returncode != 0:
                    raise CommandFailed(args, exp.returncode, exp.stdout, exp.stderr)
                return Completed(args, exp.returncode, exp.stdout, exp.stderr)
        raise AssertionError(f"unexpected command: {args}")

    def ran(self, *prefix: str) -> list[Call]:
        return [c for c in self.calls if self._matches(tuple(prefix), c.argv)]


@dataclass
class FakeDaemons:
    procs: dict[int, ProcInfo] = field(default_factory=dict)
    next_pid: int = 4000
    clock: int = 1000  # kernel start times: a reused PID gets a later one
    spawned: list[tuple[str, ...]] = field(default_factory=list)
    on_spawn: Callable[[ProcInfo], None] | None = None
    listening: dict[int, int] = field(default_factory=dict)  # port -> pid of a spawned server

    def add(self, *argv: str, pid: int | None = None) -> ProcInfo:
        pid = pid or self.next_pid
        self.next_pid = pid + 1
        self.clock += 1
        proc = ProcInfo(pid=pid, start_ticks=self.clock, argv=tuple(argv))
        self.procs[pid] = proc
        return proc

    def spawn(
        self,
        argv: Sequence[str],
        *,
        log_path: Path,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> ProcInfo:
        self.spawned.append(tuple(argv))
        proc = self.add(*argv)
        if "shipyard.adapters.token_server" in argv:  # it listens on the port of its config
            self.listening[json.loads(Path(argv[-1]).read_text())["port"]] = proc.pid
        if self.on_spawn:
            self.on_spawn(proc)
        return proc

    def info(self, pid: int) -> ProcInfo | None:
        return self.procs.get(pid)

    def alive(self, pid: int, start_ticks: int | None = None) -> bool:
        proc = self.procs.get(pid)
        return proc is not None and (start_ticks is None or proc.start_ticks == start_ticks)

    def terminate(self, pid: int, start_ticks: int | None = None, *, grace: float = 10.0) -> bool:
        if not self.alive(pid, start_ticks):
            return False
        del self.procs[pid]
        return True

    def find(self, match: Callable[[ProcInfo], bool]) -> list[ProcInfo]:
        return [p for p in self.procs.values() if match(p)]


@dataclass
class FakeNetwork:
    taken: dict[int, int | None] = field(default_factory=dict)  # port -> holder pid
    daemons: FakeDaemons | None = None  # ports its spawned servers listen on count as taken

    def _holders(self) -> dict[int, int | None]:
        d = self.daemons
        live = {port: pid for port, pid in d.listening.items() if d.alive(pid)} if d else {}
        return {**live, **self.taken}

    def is_free(self, host: str, port: int) -> bool:
        return port not in self._holders()

    def accepts(self, host: str, port: int, timeout: float = 0.5) -> bool:
        return port in self._holders()

    def listener(self, port: int) -> int | None:
        return self._holders().get(port)
