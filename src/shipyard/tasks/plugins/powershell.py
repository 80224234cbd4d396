"""PowerShell@2 (and the ``pwsh:``/``powershell:`` shortcuts), when PowerShell is installed.

On Linux both shortcuts mean PowerShell Core (``pwsh``). Shipyard does not bundle it: when
no ``pwsh`` is on ``PATH`` the step fails at run time saying so. With it, the script runs
like Azure's task runs it: ``$ErrorActionPreference`` set first, the script dot-sourced
from a file, and ``$LASTEXITCODE`` as the exit code.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from shipyard.tasks.api import Shell, TaskContext, TaskOutcome
from shipyard.tasks.plugins._script import BANNER, outcome, working_directory
from shipyard.tasks.registry import register

_EPILOGUE = "\nif ((Test-Path -LiteralPath variable:\\LASTEXITCODE)) { exit $LASTEXITCODE }\n"


class PowerShell:
    name = "PowerShell"
    major = 2
    shell_inputs = frozenset({"script", "arguments"})
    shell: Shell = "pwsh"

    def run(self, ctx: TaskContext, inputs: Mapping[str, str]) -> TaskOutcome:
        pwsh = ctx.which("pwsh")
        if pwsh is None:
            return TaskOutcome.failed(
                "PowerShell steps are not supported on this machine: no 'pwsh' on PATH "
                "(install PowerShell 7 to run pwsh, powershell and PowerShell@2 steps)"
            )
        preference = inputs.get("errorActionPreference", "stop") or "stop"
        if inputs.get("targetType", "filePath").lower() == "filepath":
            target = Path(inputs.get("filePath", ""))
            if not target.is_absolute():
                target = ctx.paths.sources / target
            body = f". '{str(target).replace(chr(39), chr(39) * 2)}' {inputs.get('arguments', '')}"
        else:
            body = inputs.get("script", "")
        script = f"$ErrorActionPreference = '{preference}'\n{body}{_EPILOGUE}"
        path = ctx.write_temp(script, ".ps1")
        ctx.log(BANNER)
        command = f". '{str(path).replace(chr(39), chr(39) * 2)}'"
        fail_on_stderr = inputs.get("failOnStderr") == "true"
        result = ctx.run(
            [pwsh, "-NoLogo", "-NoProfile", "-NonInteractive", "-Command", command],
            cwd=working_directory(ctx, inputs),
            fail_on_stderr=fail_on_stderr,
        )
        return outcome(ctx, result, "PowerShell", fail_on_stderr)


register(PowerShell())
