"""Event data never becomes shell code; secrets never reach a log or the database in clear."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.integration.run.conftest import Shipyard, git

pytestmark = pytest.mark.integration

HOSTILE = 'x";touch${IFS}pwned;#'
REGISTRY = "pipelines:\n  app: azure-pipelines.yml\n"

INJECTABLE = """
variables:
  tag: $(Build.SourceBranchName)
steps:
- script: echo "branch=$(Build.SourceBranch)"
  name: quoted
- script: echo branch=$(Build.SourceBranchName) tag=$(tag)
  name: bare
- bash: |
    echo '$(Build.SourceBranchName)'
    echo "$(System.PullRequest.SourceBranch)"
  name: more
- task: Bash@3
  name: args
  inputs:
    targetType: filePath
    filePath: show.sh
    arguments: $(Build.SourceBranchName)
"""


@pytest.mark.parametrize("event", ["branch", "pr"])
def test_a_hostile_branch_name_runs_without_executing_anything(
    event: str,
    tmp_path: Path,
    make_repo: Callable[[dict[str, str]], Path],
    shipyard: Shipyard,
) -> None:
    repo = make_repo(
        {
            "shipyard.yml": REGISTRY,
            "azure-pipelines.yml": INJECTABLE,
            "show.sh": 'echo "arg=$1"\n',
        }
    )
    git(repo, "checkout", "-q", "-b", HOSTILE)
    target = ["--target", "main"] if event == "pr" else []
    done = shipyard(
        "run",
        "app",
        "--event",
        event,
        "--ref",
        HOSTILE,
        *target,
        "--repo",
        str(repo),
        "-o",
        "json",
        extra_env={"SHIPYARD_KEEP_WORKSPACES": "1"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    run = json.loads(done.stdout)
    assert run["status"] == "succeeded"
    assert not list(tmp_path.rglob("pwned")), "the branch name was executed"
    logs = shipyard("logs", str(run["id"])).stdout
    if event == "branch":
        assert f"branch=refs/heads/{HOSTILE}" in logs
        assert f"tag={HOSTILE}" in logs and f"arg={HOSTILE}" in logs
    else:
        assert f"refs/heads/{HOSTILE}" in logs  # System.PullRequest.SourceBranch, as data


SECRET = "Sup3r-s3cret-T0ken"
LEAKY = """
steps:
- bash: |
    s='$(token)'
    echo "raw: $s"
    echo "b64: $(echo -n "$s" | base64)"
    printf 'split: %s' "${s:0:6}"; sleep 0.3; printf '%s done\\n' "${s:6}"
    echo "##vso[task.setvariable variable=copy]$s"
  name: leak
- script: 'echo "copy: $(copy) $COPY"'
  name: copy
"""


def test_a_secret_is_masked_raw_base64_and_split_and_never_stored(
    tmp_path: Path, make_repo: Callable[[dict[str, str]], Path], shipyard: Shipyard
) -> None:
    repo = make_repo({"shipyard.yml": REGISTRY, "azure-pipelines.yml": LEAKY})
    done = shipyard(
        "run",
        "app",
        "--ref",
        "main",
        "--repo",
        str(repo),
        "--secret",
        "token=MY_TOKEN",
        "-o",
        "json",
        extra_env={"MY_TOKEN": SECRET},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    run_id = json.loads(done.stdout)["id"]
    logs = shipyard("logs", str(run_id)).stdout
    assert SECRET not in logs and SECRET[:6] not in logs
    assert base64.b64encode(SECRET.encode()).decode() not in logs
    assert "raw: ***" in logs and "split: *** done" in logs and "copy: *** ***" in logs
    stored = b"".join(p.read_bytes() for p in (tmp_path / "state").rglob("shipyard.db*"))
    assert stored and SECRET.encode() not in stored
    assert SECRET not in done.stdout
