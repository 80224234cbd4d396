"""Bash@3 (and the ``bash:`` shortcut).

As Azure's task: an inline script is written to a file and run with ``bash FILE``; for
``targetType: filePath`` the generated file is ``exec bash 'PATH' ARGUMENTS``, so the
``arguments`` input is shell text (its event-data macros become environment references).
``bashEnvValue`` sets ``BASH_ENV`` for the script.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from shipyard.tasks.api import Shell, TaskContext, TaskOutcome
from shipyard.tasks.plugins._script import BANNER, need, outcome, show_one_liner, working_directory
from shipyard.tasks.registry import register


def _quote(path: str) -> str:
    return "'" + path.replace("'", "'\\''") + "'"


class Bash:
    name = "Bash"
    major = 3
    shell_inputs = frozenset({"script", "arguments"})
    shell: Shell = "bash"

    def run(self, ctx: TaskContext, inputs: Mapping[str, str]) -> TaskOutcome:
        ctx.log("Generating script.")
        if inputs.get("targetType", "filePath").lower() == "filepath":
            target = Path(inputs.get("filePath", ""))
            if not target.is_absolute():
                target = ctx.paths.sources / target
            if not target.is_file():
                return TaskOutcome.failed(f"Invalid file path '{target}'.")
            contents = f"exec bash {_quote(str(target))} {inputs.get('arguments', '')}".strip()
            ctx.log(f"Formatted command: {contents}")
        else:
            contents = inputs.get("script", "")
            show_one_liner(ctx, contents)
        path = ctx.write_temp(contents, ".sh")
        bash = need(ctx, "bash")
        if bash is None:
            return TaskOutcome.failed("bash is required to run a Bash step")
        env = {"BASH_ENV": inputs["bashEnvValue"]} if inputs.get("bashEnvValue") else {}
        ctx.log(BANNER)
        fail_on_stderr = inputs.get("failOnStderr") == "true"
        result = ctx.run(
            [bash, str(path)],
            cwd=working_directory(ctx, inputs),
            env=env,
            fail_on_stderr=fail_on_stderr,
        )
        return outcome(ctx, result, "Bash", fail_on_stderr)


register(Bash())
