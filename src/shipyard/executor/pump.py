"""Running one step process to its end: output in, deadline and cancel watched.

The loop reads whatever output is ready (at most :data:`TICK` seconds of waiting), turns
it into lines per stream and hands each line on, lets the log writer flush, and checks the
step's deadline and the cancel flag. On a timeout or a cancel the whole process group is
killed. When the main process has exited but something it started in the background still
holds the output pipe open, reading stops after :data:`LINGER` seconds instead of waiting
for that process: it is killed with the job's other process groups when the job ends.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from shipyard.executor.logstream import Line, LineAssembler
from shipyard.ports import StepProcess
from shipyard.tasks.api import ProcessResult

TICK = 0.05
LINGER = 0.5
LONG = 0.5


def pump(
    proc: StepProcess,
    emit: Callable[[Line], None],
    *,
    tick: Callable[[], None],
    should_stop: Callable[[], bool],
    timed_out: Callable[[], bool],
    assembler: Callable[[], LineAssembler],
    kill_grace: float = 3.0,
    stop_every: float = 0.25,
    long_running: Callable[[], None] | None = None,
) -> ProcessResult:
    """``long_running`` is called once when the process has run for :data:`LONG`
    seconds (short steps need no bookkeeping for the crash sweep)."""
    streams: dict[str, LineAssembler] = {}
    wrote_stderr = False
    stopped = False
    exited_at: float | None = None
    began = last_check = time.monotonic()
    while True:
        for stream, data in proc.read(TICK):
            wrote_stderr = wrote_stderr or (stream == "err" and bool(data))
            for line in streams.setdefault(stream, assembler()).feed(data):
                emit(line)
        tick()
        if proc.eof and proc.poll() is not None:
            break
        now = time.monotonic()
        if long_running is not None and now - began >= LONG:
            long_running()
            long_running = None
        if proc.poll() is not None:
            exited_at = exited_at or now
            if now - exited_at > LINGER:
                break
        if not stopped and now - last_check >= stop_every:
            last_check = now
            if should_stop():
                stopped = True
                proc.kill(kill_grace)
                exited_at = time.monotonic()
    for assembled in streams.values():
        for line in assembled.close():
            emit(line)
    proc.close()
    code = proc.wait(5.0)
    tick()
    if stopped:
        return ProcessResult(None, wrote_stderr, timed_out=timed_out(), canceled=not timed_out())
    return ProcessResult(code, wrote_stderr)
