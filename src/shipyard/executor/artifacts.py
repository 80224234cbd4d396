"""Artifacts on disk: copied into the store's artifact folder, recorded in the database.

Layout: ``<artifact root>/<run id>/<kind>/<name>/...`` where kind is ``pipeline``
(PublishPipelineArtifact), ``build`` (PublishBuildArtifacts, ``artifact.upload``) or
``attachment`` (``task.uploadfile``). Names are checked so that none can climb out of its
folder; symbolic links are copied as links, never followed out of the workspace.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Sequence
from pathlib import Path

from shipyard.domain.diagnostics import ShipyardError
from shipyard.executor.session import StepSession
from shipyard.flow.run.records import ArtifactRecord

_NAME = re.compile(r"^[A-Za-z0-9._ -]+(/[A-Za-z0-9._ -]+)*$")


def _check_name(name: str) -> None:
    if not _NAME.match(name) or any(part in (".", "..") for part in name.split("/")):
        raise ShipyardError(
            f"'{name}' is not a valid artifact name",
            hint="use letters, digits, '.', '_', '-' and spaces",
        )


def publish(step: StepSession, name: str, source: Path, kind: str) -> ArtifactRecord:
    _check_name(name)
    if not source.exists():
        raise ShipyardError(f"nothing to publish: {source} does not exist")
    job = step.job
    rel = Path(str(job.spec.run_id)) / kind / name
    target = job.queue.artifact_root / rel
    if target.exists():
        raise ShipyardError(f"an artifact named '{name}' was already published in this run")
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        shutil.copytree(source, target, symlinks=True)
    else:
        target.mkdir(parents=True)
        shutil.copy2(source, target / source.name, follow_symlinks=False)
    files = [p for p in target.rglob("*") if p.is_file()]
    size = sum(p.stat().st_size for p in files)
    record = job.queue.add_artifact(
        job.spec.run_id, job.spec.job_id, name, kind, rel.as_posix(), size, len(files)
    )
    job.report("artifact", {"name": name, "kind": kind, "files": len(files)}, step.ref.id)
    step.line(f"Published {kind} artifact '{name}': {len(files)} file(s), {size} bytes")
    return record


def download(
    step: StepSession, name: str | None, target: Path, patterns: Sequence[str]
) -> list[ArtifactRecord]:
    from shipyard.tasks.globs import matcher

    job = step.job
    chosen = [
        a
        for a in job.queue.artifacts(job.spec.run_id)
        if a.kind in ("pipeline", "build") and (name is None or a.name == name)
    ]
    if name is not None and not chosen:
        raise ShipyardError(f"this run has no artifact named '{name}'")
    match = matcher(patterns or ["**"])
    for artifact in chosen:
        source = job.queue.artifact_root / artifact.path
        into = target if name is not None else target / artifact.name
        count = 0
        for path in sorted(source.rglob("*")):
            rel = path.relative_to(source).as_posix()
            if path.is_dir() or not match(rel):
                continue
            dest = into / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dest, follow_symlinks=False)
            count += 1
        step.line(f"Downloaded artifact '{artifact.name}': {count} file(s) to {into}")
    return chosen
