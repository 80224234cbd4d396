"""A :class:`~shipyard.ports.StepRunner` for commands run outside a pipeline step.

``shipyard rollback`` and ``retire`` drive helm directly from the terminal: the same
adapters a deploy step uses take a StepRunner, and this one runs the argv (never a shell),
prints the output when asked, and reports the exit code as a step would.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from shipyard.adapters.process import run


@dataclass(frozen=True, slots=True)
class Exit:
    exit_code: int | None
    timed_out: bool = False
    canceled: bool = False


class ConsoleRunner:
    def __init__(self, say: Callable[[str], None] | None = None, timeout: float = 3600) -> None:
        self.say = say
        self.timeout = timeout

    def __call__(
        self,
        argv: Sequence[str],
        *,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
    ) -> Exit:
        done = run(argv, cwd=cwd, extra_env=env, check=False, timeout=self.timeout)
        if self.say is not None:
            for line in (done.stdout + done.stderr).splitlines():
                self.say(line)
        return Exit(done.returncode)
