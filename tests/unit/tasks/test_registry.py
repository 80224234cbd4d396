"""The plugin registry: one module, one ``register`` call, names folded like Azure's."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from shipyard.config.tasks import REGISTRY
from shipyard.tasks import TaskContext, TaskOutcome, find, known, parse_ref, register
from shipyard.tasks.api import Shell


class Hello:
    name = "HelloTest"
    major = 7
    shell_inputs: frozenset[str] = frozenset()
    shell: Shell = "bash"

    def run(self, ctx: TaskContext, inputs: Mapping[str, str]) -> TaskOutcome:
        return TaskOutcome.ok("hi")


def test_the_built_in_plugins_are_registered() -> None:
    assert {
        "CmdLine@2",
        "Bash@3",
        "PowerShell@2",
        "PublishTestResults@2",
        "PublishPipelineArtifact@1",
        "DownloadPipelineArtifact@2",
        "PublishBuildArtifacts@1",
    } <= set(known())


def test_every_built_in_plugin_has_a_declared_input_schema() -> None:
    for ref in known():
        name, major = ref.split("@")
        assert REGISTRY.get(name, int(major)) is not None, ref


def test_lookups_fold_case_and_adding_a_plugin_is_one_call() -> None:
    plugin = register(Hello())
    assert find("hellotest", 7) is plugin and find("HELLOTEST", 7) is plugin
    assert find("HelloTest", 8) is None
    with pytest.raises(ValueError, match="already registered"):
        register(Hello())


def test_references_are_parsed() -> None:
    assert parse_ref("Docker@2") == ("Docker", 2)
    assert parse_ref(" docker@10 ") == ("docker", 10)
    assert parse_ref("Docker") is None and parse_ref("Docker@x") is None
