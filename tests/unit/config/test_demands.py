"""``pool: demands:`` in Azure YAML: parsed, normalised, inherited; bad ones located."""

from __future__ import annotations

from pathlib import Path

from tests.unit.config.test_loader import MAIN, load, write

from shipyard.config.loader import load_pipeline
from shipyard.domain.diagnostics import Diagnostics
from shipyard.domain.pipeline import Pipeline


def test_job_demands_string_or_list(tmp_path: Path) -> None:
    pipeline: Pipeline = load(
        tmp_path,
        """
        jobs:
        - job: A
          pool:
            name: builders
            demands: docker
          steps: [{script: echo}]
        - job: B
          pool:
            name: builders
            demands:
            - Agent.OS -equals Linux
            - docker
          steps: [{script: echo}]
        """,
    )
    a, b = pipeline.stages[0].jobs
    assert (a.pool, a.demands) == ("builders", ("docker",))
    assert (b.pool, b.demands) == ("builders", ("Agent.OS=Linux", "docker"))


def test_a_bad_demand_names_its_line(tmp_path: Path) -> None:
    source = write(
        tmp_path,
        {MAIN: "pool:\n  name: p\n  demands:\n  - fine\n  - not a demand\nsteps:\n- script: x\n"},
    )
    diags = Diagnostics()
    load_pipeline(source, MAIN, diags)
    rendered = [d.render() for d in diags.sorted()]
    assert any(":5" in r and "demand 'not a demand'" in r for r in rendered), rendered
