"""Script tasks: CmdLine@2, Bash@3 and PowerShell@2.

From Azure's task definitions and reference pages. PowerShell@2 is validated like any other
task so a pipeline written for Azure loads cleanly; whether a step can *run* depends on a
PowerShell being installed, which the run engine reports when the step starts.
"""

from __future__ import annotations

from shipyard.config.tasks.model import TaskSpec, flag, lines, path, pick, text

_TARGET_TYPES = [("filePath", "File Path"), ("inline", "Inline")]
_PREFERENCES = ["default", "stop", "continue", "silentlyContinue"]

CMD_LINE_2 = TaskSpec(
    "CmdLine",
    2,
    "Run a command line script (Bash on Linux)",
    (
        lines("script", required=True),
        path("workingDirectory"),
        flag("failOnStderr"),
    ),
)

BASH_3 = TaskSpec(
    "Bash",
    3,
    "Run a Bash script",
    (
        pick("targetType", _TARGET_TYPES, default="filePath"),
        path("filePath", required="targetType = filePath"),
        text("arguments"),
        lines("script", required="targetType = inline"),
        path("workingDirectory"),
        flag("failOnStderr"),
        text("bashEnvValue"),
    ),
)

POWERSHELL_2 = TaskSpec(
    "PowerShell",
    2,
    "Run a PowerShell script",
    (
        pick("targetType", _TARGET_TYPES, default="filePath"),
        path("filePath", required="targetType = filePath"),
        text("arguments"),
        lines("script", required="targetType = inline"),
        pick("errorActionPreference", _PREFERENCES, default="stop"),
        pick("warningPreference", _PREFERENCES, default="default"),
        pick("informationPreference", _PREFERENCES, default="default"),
        pick("verbosePreference", _PREFERENCES, default="default"),
        pick("debugPreference", _PREFERENCES, default="default"),
        pick("progressPreference", _PREFERENCES, default="silentlyContinue"),
        flag("failOnStderr"),
        flag("showWarnings"),
        flag("ignoreLASTEXITCODE"),
        flag("pwsh"),
        path("workingDirectory"),
        flag("runScriptInSeparateScope"),
    ),
)

SPECS = (CMD_LINE_2, BASH_3, POWERSHELL_2)
