"""What the script tasks share: where they run, and how an exit becomes a result.

As Azure's own CmdLine and Bash tasks do, a script runs with its output and errors on one
stream, a non-zero exit code fails the step ("Bash exited with code 'N'."), and
``failOnStderr`` fails it when anything was written to standard error.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from shipyard.flow.run.status import Status
from shipyard.tasks.api import ProcessResult, TaskContext, TaskOutcome

BANNER = "========================== Starting Command Output ==========================="


def working_directory(ctx: TaskContext, inputs: Mapping[str, str]) -> Path:
    given = inputs.get("workingDirectory", "").strip()
    if not given:
        return ctx.paths.sources
    path = Path(given)
    return path if path.is_absolute() else ctx.paths.sources / path


def show_one_liner(ctx: TaskContext, script: str) -> None:
    """Azure prints a one-line script before running it (unless it holds a command)."""
    if "\n" not in script.strip() and "##VSO[" not in script.upper():
        ctx.log("Script contents:")
        ctx.log(script)


def outcome(
    ctx: TaskContext, result: ProcessResult, shell: str, fail_on_stderr: bool
) -> TaskOutcome:
    if result.canceled:
        return TaskOutcome(Status.canceled, "canceled")
    if result.timed_out:
        return TaskOutcome.failed("timed out")
    if result.exit_code != 0:
        return TaskOutcome.failed(f"{shell} exited with code '{result.exit_code}'.")
    if fail_on_stderr and result.wrote_stderr:
        return TaskOutcome.failed(f"{shell} wrote one or more lines to the standard error stream.")
    return TaskOutcome.ok()


def need(ctx: TaskContext, tool: str) -> str | None:
    found = ctx.which(tool)
    if found is None:
        ctx.error(f"'{tool}' was not found on PATH")
    return found
