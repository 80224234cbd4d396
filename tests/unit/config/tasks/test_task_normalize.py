"""What a task plugin reads: canonical names, defaults, strings."""

from __future__ import annotations

from shipyard.config.tasks import REGISTRY, TaskSpec, normalize_inputs

from .helpers import load_step


def spec(name: str, major: int) -> TaskSpec:
    found = REGISTRY.get(name, major)
    assert found is not None
    return found


def test_aliases_resolve_to_canonical_names() -> None:
    values = normalize_inputs(
        spec("PublishTestResults", 2), {"testRunner": "vstest", "PLATFORM": "x64"}
    )
    assert values["testResultsFormat"] == "VSTest"
    assert values["buildPlatform"] == "x64"
    assert "testRunner" not in values and "platform" not in values


def test_every_input_is_present_with_its_default_or_empty() -> None:
    values = normalize_inputs(spec("Docker", 2), None)
    assert values["command"] == "buildAndPush"
    assert values["Dockerfile"] == "**/Dockerfile"
    assert values["tags"] == "$(Build.BuildId)"
    assert values["addPipelineData"] == "true"
    assert values["repository"] == ""
    assert set(values) == {i.name for i in spec("Docker", 2).inputs}


def test_values_become_strings_as_azure_passes_them() -> None:
    step = load_step(
        """\
        task: PublishPipelineArtifact@1
        inputs:
          path: out
          parallel: True
          parallelCount: '016'
          properties: 3.5
          artifactType: FilePath
          fileSharePath:
        """
    )
    values = normalize_inputs(spec("PublishPipelineArtifact", 1), step["inputs"])
    assert values["targetPath"] == "out"
    assert values["parallel"] == "true"
    assert values["parallelCount"] == "16"
    assert values["properties"] == "3.5"
    assert values["publishLocation"] == "filepath"
    assert values["fileSharePath"] == ""
    assert all(type(v) is str for v in values.values())


def test_display_labels_become_canonical_choice_values() -> None:
    values = normalize_inputs(spec("Docker", 1), {"command": "Run an image"})
    assert values["command"] == "run"
    assert normalize_inputs(spec("Docker", 1), {})["command"] == "build"


def test_macros_are_passed_unchanged() -> None:
    values = normalize_inputs(
        spec("Docker", 1), {"command": "$(cmd)", "runInBackground": "$[variables.bg]"}
    )
    assert values["command"] == "$(cmd)"
    assert values["runInBackground"] == "$[variables.bg]"


def test_unknown_and_repeated_inputs_are_dropped_first_wins() -> None:
    values = normalize_inputs(
        spec("AzureCLI", 1),
        {"bogus": "x", "args": "first", "arguments": "second", "cwd": ["not", "scalar"]},
    )
    assert "bogus" not in values
    assert values["arguments"] == "first"
    assert values["workingDirectory"] == ""
