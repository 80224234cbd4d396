"""Run output names steps by the pipeline's own words (displayName), not generated names."""

from __future__ import annotations

from pathlib import Path

from shipyard.flow.run.views import StepTitles, all_steps, find_steps
from tests.unit.run.harness import Harness

PIPELINE = """
steps:
- script: echo building
  displayName: Build the runtime image
- script: echo testing
"""


def test_step_events_are_shown_with_their_display_names(tmp_path: Path) -> None:
    h = Harness.create(tmp_path)
    run_id = h.submit(PIPELINE)
    h.drive(run_id)
    run = h.store.get_run(run_id)
    assert run is not None
    steps = all_steps(run)
    job, first = next((j, s) for j, s in steps if s.display_name == "Build the runtime image")
    second = steps[-1][1]
    assert first.name != "Build the runtime image"  # a generated name, e.g. CmdLine1
    titles = StepTitles(lambda: h.store.get_run(run_id))
    assert titles.where(job.stage, job.name, first.name).endswith("/ Build the runtime image")
    assert titles.where(job.stage, job.name, second.name).endswith(second.display_name)
    # logs --step accepts either
    assert find_steps(run, "Build the runtime image") == find_steps(run, first.name) == [first]
