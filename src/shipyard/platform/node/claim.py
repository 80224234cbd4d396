"""One real node per machine: a claim file that says which platform runs it.

The kubelet's port, the bridge, the cgroup root and the fixed paths exist once per machine,
so only one Shipyard platform (one state directory) may run a real node at a time; a second
one (a test instance, another user's checkout) falls back to simulated nodes and says who
holds the node. The claim is ``/run/shipyard/node/claim.json``, created exclusively; it
names the owner's state directory and ledger and, once started, the PIDs (with kernel start
times) of its containerd and kubelet. ``/run`` is emptied by a reboot, like the processes.

A claim whose processes are gone (a crash, a deleted test directory) is stale: the next
platform that wants the node restores the host from the owner's ledger, if it still exists,
and takes the claim over.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shipyard.platform.deps import Daemons
from shipyard.platform.node.layout import NodeLayout

STARTING_GRACE = 300.0  # a claim without PIDs younger than this is a node being started


@dataclass(slots=True)
class Claim:
    owner: str  # state directory of the platform that runs the node
    ledger: str
    since: float  # time.time() of the claim
    pids: dict[str, tuple[int, int]] = field(default_factory=dict)  # component -> (pid, ticks)

    def as_json(self) -> dict[str, Any]:
        return {
            "owner": self.owner,
            "ledger": self.ledger,
            "since": self.since,
            "pids": {k: list(v) for k, v in self.pids.items()},
        }


class MachineClaim:
    def __init__(self, layout: NodeLayout, daemons: Daemons) -> None:
        self.layout = layout
        self.daemons = daemons

    @property
    def me(self) -> str:
        return str(self.layout.paths.state)

    def read(self) -> Claim | None:
        try:
            data = json.loads(self.layout.claim.read_text())
            return Claim(
                owner=str(data["owner"]),
                ledger=str(data["ledger"]),
                since=float(data["since"]),
                pids={str(k): (int(v[0]), int(v[1])) for k, v in data.get("pids", {}).items()},
            )
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, IndexError):
            return Claim(owner="?", ledger="", since=0.0)

    def alive(self, claim: Claim) -> bool:
        if not Path(claim.owner).is_dir():
            return False  # its platform's directories are gone (a deleted test instance)
        if not claim.pids:
            return time.time() - claim.since < STARTING_GRACE
        return any(self.daemons.alive(pid, ticks) for pid, ticks in claim.pids.values())

    def holder(self) -> Claim | None:
        """Another platform's live claim, or None (no claim, ours, or stale)."""
        claim = self.read()
        if claim is None or claim.owner == self.me or not self.alive(claim):
            return None
        return claim

    def take(self) -> Claim | None:
        """Claim the node; returns the stale claim replaced (whose host state may need
        restoring), or None. Raises FileExistsError when another live platform holds it."""
        path = self.layout.claim
        path.parent.mkdir(parents=True, exist_ok=True)
        mine = Claim(self.me, str(self.layout.ledger), time.time())
        previous = self.read()
        if previous is not None:
            if previous.owner == self.me:
                mine.pids = previous.pids
                self._write(mine)
                return None
            if self.alive(previous):
                raise FileExistsError(previous.owner)
            self._write(mine)
            return previous
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:  # another platform won the race
            other = self.read()
            raise FileExistsError(other.owner if other else "?") from None
        with os.fdopen(fd, "w") as fh:
            fh.write(json.dumps(mine.as_json(), indent=2) + "\n")
        return None

    def started(self, pids: dict[str, tuple[int, int]]) -> None:
        claim = self.read()
        if claim is not None and claim.owner == self.me:
            claim.pids = pids
            self._write(claim)

    def owns(self) -> bool:
        claim = self.read()
        return claim is not None and claim.owner == self.me

    def release(self) -> None:
        """Drop the claim and the run directory (sockets), if the claim is ours or absent."""
        claim = self.read()
        if claim is not None and claim.owner != self.me:
            return
        shutil.rmtree(self.layout.run_dir, ignore_errors=True)
        with contextlib.suppress(OSError):
            self.layout.run_dir.parent.rmdir()  # /run/shipyard, when nothing else is in it

    def _write(self, claim: Claim) -> None:
        tmp = self.layout.claim.with_suffix(".tmp")
        tmp.write_text(json.dumps(claim.as_json(), indent=2) + "\n")
        tmp.replace(self.layout.claim)
