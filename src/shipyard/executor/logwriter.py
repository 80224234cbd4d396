"""Log lines to the store as they come: batched by time, bounded in size.

A line is stored within :data:`FLUSH_SECONDS` of being printed (the pump calls
:meth:`LogWriter.tick` between reads), in batches so that a step printing 100,000 lines
costs a few hundred transactions, not 100,000. A step's log is capped at
``SHIPYARD_MAX_STEP_LOG_BYTES`` (8 MiB by default): past it, lines are counted but not
stored, and one closing line says how much was left out. Lines are already masked when
they get here.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence

from shipyard.flow.run.records import Report
from shipyard.ports import JobQueue

FLUSH_SECONDS = 0.05
FLUSH_LINES = 500
DEFAULT_BUDGET = 8 * 1024 * 1024


def budget_from_env() -> int:
    try:
        return max(1024, int(os.environ.get("SHIPYARD_MAX_STEP_LOG_BYTES", "")))
    except ValueError:
        return DEFAULT_BUDGET


class LogWriter:
    def __init__(
        self,
        queue: JobQueue,
        run_id: int,
        job_id: int,
        step_id: int | None,
        ring: Callable[[], None],
        budget: int = DEFAULT_BUDGET,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._queue = queue
        self._ids = (run_id, job_id, step_id)
        self._ring = ring
        self._budget = budget
        self._clock = clock
        self._buffer: list[tuple[float, str]] = []
        self._first_at = 0.0
        self.stored_bytes = 0
        self.dropped_lines = 0
        self.dropped_bytes = 0

    def write(self, text: str) -> None:
        size = len(text.encode("utf-8", "replace")) + 1
        if self.stored_bytes + size > self._budget:
            self.dropped_lines += 1
            self.dropped_bytes += size
            return
        self.stored_bytes += size
        now = self._clock()
        if not self._buffer:
            self._first_at = now
        self._buffer.append((now, text))
        if len(self._buffer) >= FLUSH_LINES:
            self.flush()

    def tick(self) -> None:
        if self._buffer and self._clock() - self._first_at >= FLUSH_SECONDS:
            self.flush()

    def flush(self, reports: Sequence[Report] = ()) -> None:
        """Store buffered lines, and ``reports`` in the same transaction."""
        if not self._buffer and not reports:
            return
        lines, self._buffer = self._buffer, []
        run_id, job_id, step_id = self._ids
        self._queue.append_logs(run_id, job_id or 0, step_id, lines, reports)
        self._ring()

    def close(self, reports: Sequence[Report] = ()) -> str | None:
        """Flush (with ``reports``); the truncation notice (also stored) when lines were
        left out."""
        notice = None
        if self.dropped_lines:
            notice = (
                f"##[warning]Output truncated: {self.dropped_lines} more line(s) "
                f"({self.dropped_bytes} bytes) were not stored; a step keeps at most "
                f"{self._budget} bytes of log"
            )
            self._buffer.append((self._clock(), notice))
        self.flush(reports)
        return notice
