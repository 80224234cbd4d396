"""CmdLine@2 (and the ``script:`` shortcut): the script, written to a file, run by Bash.

Exactly what Azure's task does on Linux: ``bash --noprofile --norc FILE`` in the working
directory (``System.DefaultWorkingDirectory`` by default), without ``-e``: the step's
result is the exit code of the script's last command.
"""

from __future__ import annotations

from collections.abc import Mapping

from shipyard.tasks.api import Shell, TaskContext, TaskOutcome
from shipyard.tasks.plugins._script import BANNER, need, outcome, show_one_liner, working_directory
from shipyard.tasks.registry import register


class CmdLine:
    name = "CmdLine"
    major = 2
    shell_inputs = frozenset({"script"})
    shell: Shell = "bash"

    def run(self, ctx: TaskContext, inputs: Mapping[str, str]) -> TaskOutcome:
        script = inputs.get("script", "")
        ctx.log("Generating script.")
        path = ctx.write_temp(script, ".sh")
        show_one_liner(ctx, script)
        bash = need(ctx, "bash")
        if bash is None:
            return TaskOutcome.failed("bash is required to run a script step")
        ctx.log(BANNER)
        fail_on_stderr = inputs.get("failOnStderr") == "true"
        result = ctx.run(
            [bash, "--noprofile", "--norc", str(path)],
            cwd=working_directory(ctx, inputs),
            fail_on_stderr=fail_on_stderr,
        )
        return outcome(ctx, result, "Bash", fail_on_stderr)


register(CmdLine())
