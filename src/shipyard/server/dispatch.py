"""From stored webhook deliveries to runs, one at a time, after the provider got its answer.

A thread of the server: it takes the oldest queued delivery, reads it as its provider's event,
plans it against the local repository that the delivery's repository name maps to
(``server.repositories``), and submits a run for each pipeline the plan runs. Whatever
happens, the delivery ends ``done`` (with its run ids, possibly none and the plan's reasons)
or ``rejected`` (with why): every acknowledged delivery becomes runs or a logged rejection.
Deliveries a killed server had taken are queued again when the next one starts.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from pathlib import Path

from shipyard.domain import webhooks
from shipyard.domain.diagnostics import ShipyardError
from shipyard.domain.events import InvalidEvent, NewBranch, Push
from shipyard.flow.run.requests import requests_for_event
from shipyard.flow.run.spec import RunRequest
from shipyard.ports import Git
from shipyard.store.webhooks import DONE, REJECTED, Deliveries, Delivery

POLL_S = 1.0


class Dispatcher:
    def __init__(
        self,
        deliveries: Deliveries,
        repositories: Mapping[str, Path] | Callable[[], Mapping[str, Path]],
        git_for: Callable[[Path], Git],
        submit: Callable[[RunRequest], int | None],
        warnings_as_errors: frozenset[str] = frozenset(),
        on_push: Callable[[str, str], None] = lambda _repository, _ref: None,
    ) -> None:
        self.deliveries = deliveries
        self._repositories = repositories
        self.git_for = git_for
        self.submit = submit
        self.strict = warnings_as_errors
        self.on_push = on_push  # (repository, ref): pull requests it concerns are rebuilt
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="webhooks", daemon=True)

    def repositories(self) -> Mapping[str, Path]:
        """Read at each delivery: a repository created while the server runs counts."""
        r = self._repositories
        return r() if callable(r) else r

    def start(self) -> None:
        self.deliveries.requeue_taken()
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=30)

    def _loop(self) -> None:
        while not self._stop.is_set():
            if not self.drain():
                self._wake.wait(POLL_S)
                self._wake.clear()

    def drain(self) -> int:
        """Handle every queued delivery; how many there were."""
        count = 0
        while not self._stop.is_set() and (d := self.deliveries.claim()) is not None:
            try:
                status, message, runs = self.handle(d)
            except Exception as exc:  # one delivery must never stop every later one
                status, message, runs = REJECTED, f"internal error: {exc!r}"[:2000], []
            self.deliveries.finish(d.id, status, message, runs)
            count += 1
        return count

    def handle(self, d: Delivery) -> tuple[str, str, list[int]]:
        try:
            parsed = webhooks.parse(d.provider, d.event, webhooks.load(d.body))
        except webhooks.BadDelivery as exc:
            return REJECTED, str(exc), []
        if parsed.event is None:
            return DONE, parsed.note, []
        repositories = self.repositories()
        path = repositories.get(parsed.repository)
        if path is None:
            known = ", ".join(sorted(repositories)) or "none"
            return (
                REJECTED,
                f"repository {parsed.repository!r} is not served here (server.repositories: "
                f"{known})",
                [],
            )
        try:
            found = requests_for_event(
                parsed.event,
                self.git_for(path),
                repo=str(path),
                repository_name=parsed.repository,
                requested_for=f"{d.provider} webhook",
                warnings_as_errors=self.strict,
            )
            runs = [run for r in found.requests if (run := self.submit(r)) is not None]
        except (ShipyardError, InvalidEvent) as exc:
            return REJECTED, str(exc), []
        if isinstance(parsed.event, Push | NewBranch):
            try:
                self.on_push(parsed.repository, parsed.event.ref)
            except ShipyardError as exc:  # a pull request that cannot be rebuilt says so
                return DONE, f"{found.summary()}; pull requests: {exc}", runs
        return DONE, found.summary(), runs
