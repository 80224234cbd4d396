"""A deployment job's ``environment:`` must name an environment Shipyard is configured with.

The environments themselves (approvers, namespaces, policies) are Shipyard's settings, not
pipeline YAML; the pipeline only names one. A misspelt name would otherwise surface at
deploy time, after the build, as "no such environment": it is reported when the pipeline
is validated instead, at the job's line, with the configured names as the hint.

Azure also accepts ``environment: NAME.RESOURCE`` (a resource inside the environment);
the part before the dot is the environment. Names built from runtime macros cannot be
checked before the run and are left alone.
"""

from __future__ import annotations

from collections.abc import Collection

from shipyard.domain.diagnostics import Diagnostics, Loc, did_you_mean
from shipyard.domain.pipeline import Pipeline


def environment_name(value: str) -> str:
    """``production.delivery`` -> ``production``; '' for an unresolved macro."""
    text = value.strip()
    if not text or "$(" in text or "$[" in text or "${{" in text:
        return ""
    return text.split(".", 1)[0]


def check_environments(pipeline: Pipeline, known: Collection[str], diags: Diagnostics) -> None:
    """Add an error for every job whose environment is not one of ``known``."""
    if not known:
        return
    for stage in pipeline.stages:
        for job in stage.jobs:
            name = environment_name(str(job.environment))
            if not name or name in known:
                continue
            diags.add(
                job.loc or Loc(str(pipeline.file)),
                f"job '{job.name}' deploys to environment '{name}', which Shipyard does "
                f"not know (expected one of: {', '.join(known)})",
                code="unknown-environment",
                hint=did_you_mean(name, list(known))
                or "environments are configured in Shipyard's settings ([environments.NAME])",
            )
