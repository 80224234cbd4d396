"""The embedded registry: start, adopt, refuse a port held by another program, repair."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import yaml

from shipyard.platform import state
from shipyard.platform.context import Platform
from shipyard.platform.errors import PlatformError, PortTaken
from shipyard.platform.lifecycle import registry_service
from shipyard.platform.progress import Recorder
from shipyard.platform.registry_service import COMPONENT, config_file
from tests.unit.platform.conftest import Fakes


def _outcome(p: Platform) -> tuple[str, str]:
    assert isinstance(p.progress, Recorder)
    step = p.progress.steps[-1]
    return step.outcome, step.detail


def test_it_starts_detached_with_persistent_storage_and_deletes_enabled(
    make_platform: Callable[..., Platform], fakes: Fakes
) -> None:
    p = make_platform()
    registry_service(p).ensure()
    (argv,) = fakes.daemons.spawned
    assert argv[1:] == ("serve", str(config_file(p.paths)))
    config = yaml.safe_load(config_file(p.paths).read_text())
    assert config["http"]["addr"] == "127.0.0.1:5000"
    assert config["storage"]["delete"] == {"enabled": True}
    assert config["storage"]["filesystem"]["rootdirectory"] == str(p.paths.registry_storage)
    record = state.read(p.paths, COMPONENT)
    assert record is not None and record.argv == argv
    assert _outcome(p) == ("done", f"pid {record.pid}")


def test_a_running_registry_is_left_alone(
    make_platform: Callable[..., Platform], fakes: Fakes
) -> None:
    p = make_platform()
    registry_service(p).ensure()
    registry_service(p).ensure()
    assert len(fakes.daemons.spawned) == 1
    assert _outcome(p)[0] == "skipped"


def test_a_stale_pid_record_is_reported_removed_and_replaced(
    make_platform: Callable[..., Platform], fakes: Fakes
) -> None:
    p = make_platform()
    registry_service(p).ensure()
    old = state.read(p.paths, COMPONENT)
    assert old is not None
    fakes.daemons.procs.clear()  # the machine rebooted; the PID is gone or someone else's
    registry_service(p).ensure()
    new = state.read(p.paths, COMPONENT)
    assert new is not None and new.pid != old.pid
    assert isinstance(p.progress, Recorder)
    assert any("stale registry PID record" in m for m in p.progress.messages)


def test_a_port_held_by_another_program_is_named(
    make_platform: Callable[..., Platform], fakes: Fakes
) -> None:
    nginx = fakes.daemons.add("nginx", "-g", "daemon off;")
    fakes.net.taken[5000] = nginx.pid
    with pytest.raises(PortTaken) as info:
        registry_service(make_platform()).ensure()
    err = info.value
    assert (
        err.message
        == f"registry: 127.0.0.1:5000 is taken by pid {nginx.pid} (nginx -g daemon off;)"
    )
    assert "registry.port" in err.hint and "SHIPYARD_REGISTRY_PORT" in err.hint
    assert "retry with: shipyard platform up" in err.hint
    assert fakes.daemons.spawned == []


def test_our_registry_without_its_record_is_adopted(
    make_platform: Callable[..., Platform], fakes: Fakes
) -> None:
    p = make_platform()
    ours = fakes.daemons.add("/usr/bin/docker-registry", "serve", str(config_file(p.paths)))
    fakes.net.taken[5000] = ours.pid
    registry_service(p).ensure()
    assert fakes.daemons.spawned == []
    record = state.read(p.paths, COMPONENT)
    assert record is not None and record.pid == ours.pid


def test_a_registry_that_dies_at_start_shows_its_log(
    make_platform: Callable[..., Platform], fakes: Fakes
) -> None:
    p = make_platform()
    fakes.registry.up = False

    def crash(proc: object) -> None:
        fakes.daemons.procs.clear()
        p.paths.logs.mkdir(parents=True, exist_ok=True)
        p.paths.log(COMPONENT).write_text('level=fatal msg="open /data: permission denied"\n')

    fakes.daemons.on_spawn = crash
    with pytest.raises(PlatformError) as info:
        registry_service(p).ensure()
    assert "exited at start" in info.value.message
    assert "permission denied" in info.value.message
    assert state.read(p.paths, COMPONENT) is None


def test_stop_signals_only_the_recorded_process(
    make_platform: Callable[..., Platform], fakes: Fakes
) -> None:
    p = make_platform()
    bystander = fakes.daemons.add("docker-registry", "serve", "/etc/docker/registry/config.yml")
    registry_service(p).ensure()
    assert registry_service(p).stop() is True
    assert list(fakes.daemons.procs) == [bystander.pid]
    assert registry_service(p).stop() is False
    assert registry_service(p).status().state == "stopped"
