"""PID records: a PID is only trusted together with its process start time."""

from __future__ import annotations

from collections.abc import Callable

from shipyard.platform import state
from shipyard.platform.context import Platform
from tests.unit.platform.conftest import Fakes


def test_a_record_of_a_running_process(
    make_platform: Callable[..., Platform], fakes: Fakes
) -> None:
    p = make_platform()
    proc = fakes.daemons.add("docker-registry", "serve", "x.yml")
    state.write(p.paths, "registry", proc)
    record = state.read(p.paths, "registry")
    assert record is not None and record.pid == proc.pid and record.argv == proc.argv
    assert state.liveness(record, fakes.daemons) == "running"


def test_a_reused_pid_is_stale(make_platform: Callable[..., Platform], fakes: Fakes) -> None:
    p = make_platform()
    proc = fakes.daemons.add("docker-registry", pid=4242)
    state.write(p.paths, "registry", proc)
    fakes.daemons.procs.clear()
    fakes.daemons.add("vim", pid=4242)  # same number, another start time
    assert state.liveness(state.read(p.paths, "registry"), fakes.daemons) == "stale"


def test_absent_and_corrupt_records(make_platform: Callable[..., Platform], fakes: Fakes) -> None:
    p = make_platform()
    assert state.liveness(state.read(p.paths, "registry"), fakes.daemons) == "absent"
    p.paths.run.mkdir(parents=True)
    (p.paths.run / "registry.json").write_text("{not json")
    assert state.liveness(state.read(p.paths, "registry"), fakes.daemons) == "stale"
