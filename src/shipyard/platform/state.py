"""PID records of the processes Shipyard started, so that ``down`` stops exactly those.

A record is a small JSON file under the state directory (``run/COMPONENT.json``): the PID, the
kernel start time of that process, and its argv. The start time is what makes a record safe
to act on after a crash or a reboot: a PID whose start time differs belongs to someone else
now, so the record is *stale*: it is reported and removed, and nothing is signalled.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from shipyard.platform.deps import Daemons, ProcInfo
from shipyard.platform.paths import PlatformPaths

Liveness = Literal["running", "stale", "absent"]


@dataclass(frozen=True, slots=True)
class PidRecord:
    component: str
    pid: int
    start_ticks: int
    argv: tuple[str, ...]
    started: str

    def as_json(self) -> dict[str, object]:
        return {
            "component": self.component,
            "pid": self.pid,
            "start_ticks": self.start_ticks,
            "argv": list(self.argv),
            "started": self.started,
        }


def _file(paths: PlatformPaths, component: str) -> Path:
    return paths.run / f"{component}.json"


def write(paths: PlatformPaths, component: str, proc: ProcInfo) -> PidRecord:
    record = PidRecord(
        component=component,
        pid=proc.pid,
        start_ticks=proc.start_ticks,
        argv=proc.argv,
        started=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    path = _file(paths, component)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record.as_json(), indent=2) + "\n")
    tmp.replace(path)
    return record


def read(paths: PlatformPaths, component: str) -> PidRecord | None:
    """The record, or None when there is none or it is unreadable (treated as stale)."""
    try:
        data = json.loads(_file(paths, component).read_text())
        return PidRecord(
            component=str(data["component"]),
            pid=int(data["pid"]),
            start_ticks=int(data["start_ticks"]),
            argv=tuple(str(a) for a in data["argv"]),
            started=str(data.get("started", "")),
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        return PidRecord(component, pid=0, start_ticks=0, argv=(), started="")


def remove(paths: PlatformPaths, component: str) -> None:
    _file(paths, component).unlink(missing_ok=True)


def liveness(record: PidRecord | None, daemons: Daemons) -> Liveness:
    if record is None:
        return "absent"
    if record.pid <= 0:
        return "stale"
    if daemons.alive(record.pid, record.start_ticks if record.start_ticks >= 0 else None):
        return "running"
    return "stale"
