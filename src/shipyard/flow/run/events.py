"""Publish/subscribe of run events inside one process, and the system clock.

The engine publishes every committed change here. Subscribers (the CLI's live view, later a
web UI's server-sent events) each get their own bounded queue: a subscriber that stops
reading loses its oldest events rather than slowing the engine down, and is told so by a
``lagged`` event. Other processes read the same events from the store's ``run_events``
table (:meth:`~shipyard.ports.RunQueries.events_after`).
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Sequence

from shipyard.flow.run.records import RunEvent


class SystemClock:
    def now(self) -> float:
        return time.time()


class _Subscription:
    def __init__(self, bus: InProcessBus, run_id: int | None, size: int) -> None:
        self._bus = bus
        self.run_id = run_id
        self.queue: queue.Queue[RunEvent] = queue.Queue(maxsize=size)
        self.lagged = False

    def offer(self, event: RunEvent) -> None:
        if self.run_id is not None and event.run_id != self.run_id:
            return
        try:
            self.queue.put_nowait(event)
        except queue.Full:
            self.lagged = True
            try:
                self.queue.get_nowait()
                self.queue.put_nowait(event)
            except (queue.Empty, queue.Full):
                pass

    def get(self, timeout: float | None = None) -> RunEvent | None:
        if self.lagged:
            self.lagged = False
            return RunEvent("lagged", self.run_id or 0, time.time())
        try:
            return self.queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def close(self) -> None:
        self._bus.unsubscribe(self)


class InProcessBus:
    def __init__(self, queue_size: int = 10_000) -> None:
        self._subs: list[_Subscription] = []
        self._lock = threading.Lock()
        self._size = queue_size

    def publish(self, events: Sequence[RunEvent]) -> None:
        with self._lock:
            subs = list(self._subs)
        for event in events:
            for sub in subs:
                sub.offer(event)

    def subscribe(self, run_id: int | None = None) -> _Subscription:
        sub = _Subscription(self, run_id, self._size)
        with self._lock:
            self._subs.append(sub)
        return sub

    def unsubscribe(self, sub: _Subscription) -> None:
        with self._lock:
            if sub in self._subs:
                self._subs.remove(sub)
