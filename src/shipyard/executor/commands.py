"""What each logging command does, as Azure documents it, without ways to unmask a secret.

- ``task.setvariable variable=NAME;isSecret;isOutput;isReadOnly]VALUE``: sets a variable
  for the following steps; ``isOutput`` makes it ``<step>.<NAME>`` and available to later
  jobs and stages. A value that is secret stays secret: ``isSecret=false`` does not
  unmask an existing secret, and a value containing a secret (raw or base64) is secret
  itself. Read-only variables (predefined ones included) are not changed.
- ``task.setsecret]VALUE``: masks VALUE from now on.
- ``task.logissue type=warning|error]MESSAGE``: an issue, shown and recorded.
- ``task.complete result=Succeeded|SucceededWithIssues|Failed]MESSAGE``: the step's
  result (the worse of it and the exit code's wins, as Azure merges them).
- ``task.prependpath]DIR``: ``PATH`` of later steps starts with DIR.
- ``task.uploadfile]PATH``: the file is kept as an attachment of the run.
- ``artifact.upload artifactname=NAME]PATH``: PATH is published as an artifact.
- ``build.updatebuildnumber]NUMBER`` and ``build.addbuildtag]TAG``: the run's build number
  and tags (masked like any text).
Anything else is reported once as a warning and otherwise ignored.
"""

from __future__ import annotations

import re
from pathlib import Path

from shipyard.domain.diagnostics import ShipyardError
from shipyard.executor.session import StepSession
from shipyard.executor.vso import LoggingCommand
from shipyard.flow.run.spec import VarValue
from shipyard.flow.run.status import Status, from_result_name, worst

_BAD_BUILD_NUMBER = re.compile(r'["/:<>\\|?@*]')
_IGNORED = frozenset({"task.setprogress", "task.logdetail", "task.debug", "task.setendpoint"})


def handle(step: StepSession, cmd: LoggingCommand) -> None:
    handler = _HANDLERS.get(cmd.name)
    if handler is not None:
        handler(step, cmd)
    elif cmd.name not in _IGNORED:
        step.line(f"##[warning]Unknown logging command '##vso[{cmd.area}.{cmd.action}]'")


def _set_variable(step: StepSession, cmd: LoggingCommand) -> None:
    job = step.job
    name = cmd.prop("variable").strip()
    if not name:
        step.issue("warning", "##vso[task.setvariable] needs variable=NAME")
        return
    value = cmd.data
    is_output = cmd.flag("isoutput")
    key = f"{step.name}.{name}" if is_output else name
    existing = job.scope.get(key)
    if existing is not None and existing.readonly:
        step.issue("warning", f"variable '{name}' is read-only and was not changed")
        return
    secret = (
        cmd.flag("issecret")
        or (existing is not None and existing.secret)
        or job.masker.contains_secret(value)
    )
    if secret:
        job.masker.add(value)
    job.scope.set(key, VarValue(value, secret, cmd.flag("isreadonly"), tainted=True))
    if is_output:
        keys = [key] + ([f"{job.spec.job}.{key}"] if job.spec.deployment else [])
        job.report("variable", {"keys": keys, "value": value, "secret": secret}, step.ref.id)


def _set_secret(step: StepSession, cmd: LoggingCommand) -> None:
    if cmd.data:
        step.job.masker.add(cmd.data)


def _log_issue(step: StepSession, cmd: LoggingCommand) -> None:
    kind = cmd.prop("type", "warning").strip().lower()
    kind = kind if kind in ("warning", "error") else "warning"
    where = cmd.prop("sourcepath")
    if where and cmd.prop("linenumber"):
        where += f"({cmd.prop('linenumber')}"
        where += f",{cmd.prop('columnnumber')})" if cmd.prop("columnnumber") else ")"
    step.issue(kind, f"{where}: {cmd.data}" if where else cmd.data)


def _complete(step: StepSession, cmd: LoggingCommand) -> None:
    try:
        result = from_result_name(cmd.prop("result", "Succeeded") or "Succeeded")
    except ValueError:
        step.issue("warning", f"task.complete: unknown result '{cmd.prop('result')}'")
        return
    if result not in (Status.succeeded, Status.succeededWithIssues, Status.failed):
        result = Status.failed
    step.override = worst(step.override, result) if step.override else result
    if cmd.data:
        step.line(cmd.data)


def _prepend_path(step: StepSession, cmd: LoggingCommand) -> None:
    folder = cmd.data.strip()
    if folder:
        step.job.prepend_path.insert(0, folder)


def _build_number(step: StepSession, cmd: LoggingCommand) -> None:
    value = _BAD_BUILD_NUMBER.sub("_", step.job.masker.mask(cmd.data.strip()))
    if not value:
        return
    step.job.scope.set("Build.BuildNumber", VarValue(value, readonly=True, tainted=True))
    step.job.report("build_number", {"value": value}, step.ref.id)
    step.line(f"Build number: {value}")


def _tag(step: StepSession, cmd: LoggingCommand) -> None:
    tag = step.job.masker.mask(cmd.data.strip())
    if tag:
        step.job.report("tag", {"value": tag}, step.ref.id)


def _upload_file(step: StepSession, cmd: LoggingCommand) -> None:
    from shipyard.executor.artifacts import publish

    path = Path(cmd.data.strip())
    if not path.is_absolute():
        path = step.job.paths.sources / path
    name = f"{step.job.spec.job_id}/{step.ref.id}/{path.name}"
    try:
        publish(step, name, path, "attachment")
    except ShipyardError as err:
        step.issue("warning", f"task.uploadfile: {err.message}")


def _artifact_upload(step: StepSession, cmd: LoggingCommand) -> None:
    from shipyard.executor.artifacts import publish

    name = cmd.prop("artifactname") or cmd.prop("containerfolder") or "drop"
    path = Path(cmd.data.strip())
    if not path.is_absolute():
        path = step.job.paths.sources / path
    try:
        publish(step, name, path, "build")
    except ShipyardError as err:
        step.issue("error", f"artifact.upload: {err.message}")


_HANDLERS = {
    "task.setvariable": _set_variable,
    "task.setsecret": _set_secret,
    "task.logissue": _log_issue,
    "task.complete": _complete,
    "task.prependpath": _prepend_path,
    "task.uploadfile": _upload_file,
    "artifact.upload": _artifact_upload,
    "build.updatebuildnumber": _build_number,
    "build.addbuildtag": _tag,
}
