"""PublishTestResults@2: read result files, store every test, fail here on a red test.

Files are found by glob under ``searchFolder`` (``System.DefaultWorkingDirectory`` by
default), as Azure's minimatch patterns read them, ``!`` exclusions included, and parsed
safely (no XML entity expansion). Every test is stored with its name, class, outcome,
duration, message and stack. With ``failTaskOnFailedTests: true`` a failed test fails
*this* step, so the run shows where it went red; without it the step warns. A missing
file warns, or fails with ``failTaskOnMissingResultsFile``; an unreadable one fails with
``failTaskOnFailureToPublishResults``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from shipyard.flow.run.records import TestCase
from shipyard.tasks.api import Shell, TaskContext, TaskOutcome
from shipyard.tasks.globs import find_files
from shipyard.tasks.registry import register

_SUPPORTED = {"junit": "JUnit", "vstest": "VSTest", "nunit": "NUnit", "xunit": "XUnit"}


def _flag(inputs: Mapping[str, str], name: str) -> bool:
    return inputs.get(name, "").strip().lower() == "true"


class PublishTestResults:
    name = "PublishTestResults"
    major = 2
    shell_inputs: frozenset[str] = frozenset()
    shell: Shell = "bash"

    def run(self, ctx: TaskContext, inputs: Mapping[str, str]) -> TaskOutcome:
        fmt = inputs.get("testResultsFormat", "JUnit")
        if fmt.lower() not in _SUPPORTED:
            return TaskOutcome.failed(f"test result format '{fmt}' is not supported")
        folder = Path(inputs.get("searchFolder") or ctx.paths.sources)
        if not folder.is_absolute():
            folder = ctx.paths.sources / folder
        patterns = [p for p in inputs.get("testResultsFiles", "").splitlines() if p.strip()]
        files = find_files(folder, patterns)
        if not files:
            message = f"No test result files matching {patterns} were found in {folder}."
            if _flag(inputs, "failTaskOnMissingResultsFile"):
                return TaskOutcome.failed(message)
            ctx.warning(message)
            return TaskOutcome.ok()
        cases: list[TestCase] = []
        for path in files:
            try:
                found = ctx.read_test_results(path, fmt)
            except (ValueError, OSError) as exc:
                if _flag(inputs, "failTaskOnFailureToPublishResults"):
                    return TaskOutcome.failed(f"cannot read {path}: {exc}")
                ctx.warning(f"cannot read {path}: {exc}")
                continue
            ctx.log(f"Reading {path}: {len(found)} test(s)")
            cases += found
        title = inputs.get("testRunTitle") or f"{_SUPPORTED[fmt.lower()]} results"
        ctx.publish_tests(title, cases)
        counts = {
            o: sum(1 for c in cases if c.outcome == o) for o in ("passed", "failed", "skipped")
        }
        ctx.log(
            f"Published {len(cases)} test result(s): {counts['passed']} passed, "
            f"{counts['failed']} failed, {counts['skipped']} skipped"
        )
        for case in (c for c in cases if c.outcome == "failed"):
            ctx.log(
                f"  FAILED {case.class_name + '.' if case.class_name else ''}{case.name}: "
                f"{case.message.splitlines()[0] if case.message else ''}"
            )
        if counts["failed"]:
            message = f"There are {counts['failed']} test failure(s)."
            if _flag(inputs, "failTaskOnFailedTests"):
                return TaskOutcome.failed(message)
            ctx.warning(message)
        return TaskOutcome.ok()


register(PublishTestResults())
