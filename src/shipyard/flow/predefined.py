"""Predefined variables of a run, as Azure Pipelines names them, and the build number.

These are what scripts see as ``BUILD_SOURCEBRANCH`` and what conditions read as
``variables['Build.SourceBranch']``. For a pull request, ``Build.SourceBranch`` is the merge
ref ``refs/pull/N/merge`` and the ``System.PullRequest.*`` family carries the two branches,
as in Azure. ``Build.SourceBranchName`` is the last path segment of the ref
(``refs/heads/release/delivery/v1.0.2`` -> ``v1.0.2``), which is exactly what the reference
flow uses as the image tag and chart version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

_DATE_TOKEN = re.compile(r"yyyy|yy|MM|dd|HH|mm|ss")
_NAME_TOKEN = re.compile(
    r"\$\((Date|Rev|DayOfMonth|DayOfYear|Hours|Minutes|Month|Seconds|Year:yyyy|Year:yy)(?::([^)]*))?\)|\$\(([A-Za-z0-9_.]+)\)"
)
_BAD_BUILD_NUMBER = re.compile(r'["/:<>\\|?@*]')


@dataclass(frozen=True, slots=True)
class RunFacts:
    """What is known of a run before it starts."""

    pipeline: str
    repository: str
    ref: str  # refs/heads/..., refs/tags/..., or refs/pull/N/merge
    sha: str
    reason: str  # IndividualCI, BatchedCI, PullRequest, Manual
    build_id: int = 1
    workspace: str = "/shipyard/work/1"
    pr_number: int = 0
    pr_source_ref: str = ""
    pr_target_ref: str = ""
    pr_source_sha: str = ""
    pr_title: str = ""
    requested_for: str = ""


def short_branch_name(ref: str) -> str:
    """The last path segment of a ref, as ``Build.SourceBranchName``."""
    return ref.rstrip("/").rsplit("/", 1)[-1]


def predefined_variables(facts: RunFacts) -> dict[str, str]:
    ws = facts.workspace.rstrip("/")
    out = {
        "Build.BuildId": str(facts.build_id),
        "Build.DefinitionName": facts.pipeline,
        "Build.Reason": facts.reason,
        "Build.Repository.Name": facts.repository,
        "Build.Repository.Provider": "Git",
        "Build.SourceBranch": facts.ref,
        "Build.SourceBranchName": short_branch_name(facts.ref),
        "Build.SourceVersion": facts.sha,
        "Build.RequestedFor": facts.requested_for,
        "Build.QueuedBy": facts.requested_for,
        "Agent.BuildDirectory": ws,
        "Agent.OS": "Linux",
        "Agent.TempDirectory": f"{ws}/_temp",
        "Pipeline.Workspace": ws,
        "Build.SourcesDirectory": f"{ws}/s",
        "Build.Repository.LocalPath": f"{ws}/s",
        "System.DefaultWorkingDirectory": f"{ws}/s",
        "Build.ArtifactStagingDirectory": f"{ws}/a",
        "Build.StagingDirectory": f"{ws}/a",
        "System.ArtifactsDirectory": f"{ws}/a",
        "Build.BinariesDirectory": f"{ws}/b",
        "Common.TestResultsDirectory": f"{ws}/TestResults",
        "System.TeamProject": facts.repository,
        "System.DefinitionName": facts.pipeline,
        "System.PullRequest.IsFork": "False",
    }
    if facts.reason == "PullRequest":
        out.update(
            {
                "System.PullRequest.PullRequestId": str(facts.pr_number),
                "System.PullRequest.PullRequestNumber": str(facts.pr_number),
                "System.PullRequest.SourceBranch": facts.pr_source_ref,
                "System.PullRequest.TargetBranch": facts.pr_target_ref,
                "System.PullRequest.SourceCommitId": facts.pr_source_sha,
                "System.PullRequest.SourceRepositoryURI": facts.repository,
                "System.PullRequest.Title": facts.pr_title,
            }
        )
    return out


def _format_date(fmt: str, when: datetime) -> str:
    mapping = {"yyyy": "%Y", "yy": "%y", "MM": "%m", "dd": "%d", "HH": "%H", "mm": "%M", "ss": "%S"}
    return _DATE_TOKEN.sub(lambda m: when.strftime(mapping[m.group(0)]), fmt)


def build_number(fmt: str, variables: dict[str, str], when: datetime, revision: int) -> str:
    """Expand a ``name:`` format such as ``$(Date:yyyyMMdd)$(Rev:.rr)``.

    ``revision`` is the 1-based count of runs that produced the same text before ``$(Rev)``
    (kept by the run store; 1 for a plan). Characters Azure forbids in build numbers are
    replaced by ``_``. An empty format gives Azure's default ``yyyyMMdd.r``.
    """
    if not fmt.strip():
        fmt = "$(Date:yyyyMMdd)$(Rev:.r)"
    lowered = {k.lower(): v for k, v in variables.items()}

    def sub(m: re.Match[str]) -> str:
        kind, arg, var = m.group(1), m.group(2), m.group(3)
        if var is not None:
            key = var.lower()
            alias = {
                "sourcebranchname": "build.sourcebranchname",
                "sourcebranch": "build.sourcebranch",
                "builddefinitionname": "build.definitionname",
                "buildid": "build.buildid",
            }.get(key, key)
            return lowered.get(alias, m.group(0))
        if kind == "Date":
            return _format_date(arg or "yyyyMMdd", when)
        if kind == "Rev":
            spec = arg or "r"
            width = spec.count("r")
            prefix = spec.split("r", 1)[0]
            return f"{prefix}{revision:0{max(width, 1)}d}"
        simple = {
            "DayOfMonth": "%d",
            "DayOfYear": "%j",
            "Hours": "%H",
            "Minutes": "%M",
            "Month": "%m",
            "Seconds": "%S",
            "Year:yyyy": "%Y",
            "Year:yy": "%y",
        }
        return when.strftime(simple[kind])

    text = _NAME_TOKEN.sub(sub, fmt)
    return _BAD_BUILD_NUMBER.sub("_", text).strip().rstrip(".") or "1"
