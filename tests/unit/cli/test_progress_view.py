"""Long platform work shows progress in a log too: a start line, the estimate, the outcome."""

from __future__ import annotations

import io
import time

import pytest
from rich.console import Console

from shipyard.cli import progress_view
from shipyard.cli.progress_view import RichProgress
from shipyard.platform.catalog import tool
from shipyard.platform.install import build_estimate


def log_console() -> tuple[Console, io.StringIO]:
    buf = io.StringIO()
    return Console(file=buf, force_terminal=False, width=200), buf


def test_a_long_step_in_a_log_says_when_it_started(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress_view._StillRunning, "FIRST_S", 0.0)
    out, buf = log_console()
    progress = RichProgress(out)
    with progress.step("kubernetes v1.37.2") as step:
        while "started" not in buf.getvalue():  # the watcher's line, whenever it comes
            time.sleep(0.01)
        step.detail("built in 470 s")
    lines = buf.getvalue().splitlines()
    assert lines[0].startswith("… kubernetes v1.37.2 (started ")
    assert lines[-1].startswith("✓ kubernetes v1.37.2 (built in 470 s)")


def test_a_quick_step_prints_only_its_outcome() -> None:
    out, buf = log_console()
    with RichProgress(out).step("etcd v3.7.0") as step:
        step.skip("cached")
    assert buf.getvalue().splitlines() == ["· etcd v3.7.0 (cached)"]


def test_the_estimate_names_the_build_and_what_is_left() -> None:
    kube, helm = tool("kubernetes"), tool("helm")
    text = build_estimate(kube, [kube, helm])
    assert text == (
        "building kubernetes v1.37.2 from source: typically 8 min on 2 cores; "
        "about 10 min of building left in all"
    )
    assert build_estimate(helm, [helm]).endswith("typically 2 min on 2 cores")
