"""Every kind of diagnostic of a task step: its message, code and location (line, column).

Each snippet is one step: ``task`` on line 1 (value at column 7), ``inputs`` on line 2, then
one input per line from line 3, keys at column 3 and values at column ``3 + len(key) + 2``.
"""

from __future__ import annotations

from shipyard.config.tasks import REGISTRY, validate_task_step
from shipyard.domain.diagnostics import Diagnostics, Loc

from .helpers import Check, at, load_step, only

# --- the task reference ---------------------------------------------------------------------


def test_reference_without_version_is_malformed(check: Check) -> None:
    d = only(check("task: Docker\n"))
    assert d.code == "task-ref"
    assert d.message == "expected NAME@MAJOR (e.g. Docker@2) in task reference, got 'Docker'"
    assert d.loc == at(1, 7)


def test_reference_with_a_word_for_version_is_malformed(check: Check) -> None:
    d = only(check("task: Docker@v2\n"))
    assert d.code == "task-ref"
    assert "got 'Docker@v2'" in d.message


def test_unknown_task_suggests_the_closest_name(check: Check) -> None:
    d = only(check("task: PublishTestResult@2\n"))
    assert d.code == "unknown-task"
    assert d.message == "unknown task 'PublishTestResult'"
    assert d.hint == "did you mean 'PublishTestResults'?"
    assert d.loc == at(1, 7)


def test_unknown_task_suggestion_ignores_case(check: Check) -> None:
    d = only(check("task: helmdeplo@0\n"))
    assert d.hint == "did you mean 'HelmDeploy'?"


def test_unknown_task_far_from_any_lists_the_known_tasks(check: Check) -> None:
    d = only(check("task: Gradle@3\n"))
    assert d.hint.startswith("known tasks: AzureCLI, Bash, CmdLine, Docker,")


def test_task_names_are_case_insensitive(check: Check) -> None:
    assert check("task: docker@2\ninputs:\n  repository: web\n") == []


def test_unknown_major_version_lists_the_known_ones(check: Check) -> None:
    d = only(check("task: Docker@3\n"))
    assert d.code == "unknown-task-version"
    assert d.message == "task Docker has no major version 3; known: Docker@1, Docker@2"
    assert d.loc == at(1, 7)


# --- input names ----------------------------------------------------------------------------


def test_unknown_input_suggests_an_input_name(check: Check) -> None:
    d = only(check("task: Docker@1\ninputs:\n  imageName: web\n  containerNme: t\n"))
    assert d.code == "unknown-input"
    assert d.message == "Docker@1 has no input 'containerNme'"
    assert d.hint == "did you mean 'containerName'?"
    assert d.loc == at(4, 3)


def test_unknown_input_suggests_an_alias(check: Check) -> None:
    d = only(check("task: PublishTestResults@2\ninputs:\n  testRuner: VSTest\n"))
    assert d.message == "PublishTestResults@2 has no input 'testRuner'"
    assert d.hint == "did you mean 'testRunner'?"
    assert d.loc == at(3, 3)


def test_input_names_are_case_insensitive(check: Check) -> None:
    # Docker@1 documents `dockerFile`; pipelines in the wild write `Dockerfile`.
    assert check("task: Docker@1\ninputs:\n  Dockerfile: web/Dockerfile\n  imageName: w\n") == []


def test_input_given_under_name_and_alias_is_a_duplicate(check: Check) -> None:
    text = """\
        task: PublishTestResults@2
        inputs:
          testRunner: JUnit
          testResultsFormat: VSTest
        """
    d = only(check(text))
    assert d.code == "duplicate-input"
    assert d.message == (
        "input 'testResultsFormat' of PublishTestResults@2 is given twice "
        "(as 'testRunner' at line 3 and as 'testResultsFormat')"
    )
    assert d.loc == at(4, 3)


# --- value types ----------------------------------------------------------------------------


def test_yes_is_not_a_boolean(check: Check) -> None:
    d = only(check("task: Docker@1\ninputs:\n  imageName: web\n  includeSourceTags: yes\n"))
    assert d.code == "input-type"
    assert d.message == (
        "input 'includeSourceTags' of Docker@1 expects a boolean (true or false), got 'yes'"
    )
    assert d.loc == at(4, 22)


def test_booleans_are_accepted_in_any_case_and_quoted(check: Check) -> None:
    text = """\
        task: PublishTestResults@2
        inputs:
          mergeTestResults: TRUE
          failTaskOnFailedTests: 'False'
          publishRunAttachments: "true"
        """
    assert check(text) == []


def test_a_number_input_refuses_words(check: Check) -> None:
    text = "task: PublishPipelineArtifact@1\ninputs:\n  parallelCount: eight\n"
    d = only(check(text))
    assert d.code == "input-type"
    assert d.message == (
        "input 'parallelCount' of PublishPipelineArtifact@1 expects a whole number, got 'eight'"
    )
    assert d.loc == at(3, 18)


def test_value_outside_the_pick_list_lists_the_allowed_values(check: Check) -> None:
    d = only(check("task: PublishTestResults@2\ninputs:\n  testResultsFormat: Junit5\n"))
    assert d.code == "input-value"
    assert d.message == (
        "input 'testResultsFormat' of PublishTestResults@2 must be one of "
        "'JUnit', 'NUnit', 'VSTest', 'XUnit', 'CTest'; got 'Junit5'"
    )
    assert d.hint == "did you mean 'JUnit'?"
    assert d.loc == at(3, 22)


def test_pick_list_shows_display_labels_azure_also_accepts(check: Check) -> None:
    d = only(check("task: Docker@1\ninputs:\n  command: deploy\n"))
    assert d.message == (
        "input 'command' of Docker@1 must be one of 'build' ('Build an image'), "
        "'tag' ('Tag image'), 'push' ('Push an image'), 'run' ('Run an image'), "
        "'login', 'logout'; got 'deploy'"
    )
    assert d.loc == at(3, 12)


def test_pick_list_values_ignore_case_and_accept_labels(check: Check) -> None:
    assert check("task: PublishTestResults@2\ninputs:\n  testResultsFormat: vstest\n") == []
    assert check("task: Docker@1\ninputs:\n  command: Push an image\n  imageName: w\n") == []
    assert check("task: Docker@1\ninputs:\n  command: push\n  imageName: w\n") == []


def test_values_with_macros_are_not_type_checked(check: Check) -> None:
    text = """\
        task: Docker@1
        inputs:
          command: $(dockerCommand)
          runInBackground: $(background)
          restartPolicy: $[variables.policy]
          imageName: web
        """
    assert check(text) == []


def test_a_list_is_not_an_input_value(check: Check) -> None:
    text = "task: Docker@2\ninputs:\n  repository: web\n  tags:\n    - v1\n    - v2\n"
    d = only(check(text))
    assert d.code == "input-type"
    assert d.message == "input 'tags' of Docker@2 must be a single value, not a list"
    assert d.hint == "write several lines as one block string with `|`"
    assert d.loc == at(5, 5)


def test_a_required_input_of_the_wrong_shape_is_reported_once(check: Check) -> None:
    d = only(check("task: CmdLine@2\ninputs:\n  script:\n    run: tests\n"))
    assert d.message == "input 'script' of CmdLine@2 must be a single value, not a mapping"
    assert d.loc == at(4, 5)


def test_inputs_must_be_a_mapping(check: Check) -> None:
    d = only(check("task: CmdLine@2\ninputs: echo hi\n"))
    assert d.code == "inputs-not-mapping"
    assert d.message == (
        "inputs of CmdLine@2 must be a mapping of input names to values, not a string"
    )
    assert d.loc == at(2, 9)


# --- required inputs ------------------------------------------------------------------------


def test_missing_required_input_is_reported_at_inputs(check: Check) -> None:
    d = only(check("task: CmdLine@2\ninputs:\n  workingDirectory: src\n"))
    assert d.code == "missing-input"
    assert d.message == "CmdLine@2 needs input 'script'"
    assert d.loc == at(2, 1)


def test_missing_inputs_block_is_reported_at_the_task(check: Check) -> None:
    d = only(check("task: ShipyardScan@1\n"))
    assert d.message == "ShipyardScan@1 needs input 'image'"
    assert d.loc == at(1, 1)


def test_empty_required_value_is_reported_at_the_value(check: Check) -> None:
    d = only(check("task: CmdLine@2\ninputs:\n  script: ''\n"))
    assert d.code == "missing-input"
    assert d.message == "input 'script' of CmdLine@2 is empty but required"
    assert d.loc == at(3, 11)


def test_docker_run_needs_an_image_name(check: Check) -> None:
    d = only(check("task: Docker@1\ninputs:\n  command: run\n  containerName: testrunner\n"))
    assert d.message == "Docker@1 needs input 'imageName' when command is 'run'"
    assert d.loc == at(2, 1)


def test_condition_matches_a_display_label(check: Check) -> None:
    d = only(check("task: Docker@1\ninputs:\n  command: Run an image\n"))
    assert d.message == "Docker@1 needs input 'imageName' when command is 'run'"


def test_docker_login_needs_no_image_name(check: Check) -> None:
    assert check("task: Docker@1\ninputs:\n  command: login\n") == []


def test_a_condition_on_a_macro_is_undecided_so_nothing_is_required(check: Check) -> None:
    assert check("task: Docker@1\ninputs:\n  command: $(dockerCommand)\n") == []


def test_condition_on_a_default_and_an_alias(check: Check) -> None:
    # `source` is an alias of buildType; runVersion defaults to latest.
    text = "task: DownloadPipelineArtifact@2\ninputs:\n  source: specific\n  project: shop\n"
    d = only(check(text))
    assert d.message == (
        "DownloadPipelineArtifact@2 needs input 'definition' when source is 'specific'"
    )


def test_conjunctive_condition_names_every_clause(check: Check) -> None:
    text = "task: HelmDeploy@0\ninputs:\n  command: upgrade\n  chartType: FilePath\n"
    d = only(check(text))
    assert d.message == (
        "HelmDeploy@0 needs input 'chartPath' when command is 'upgrade' and chartType is 'FilePath'"
    )


def test_key_locations_can_be_passed_for_plain_mappings() -> None:
    diags = Diagnostics()
    spec = validate_task_step(
        "Docker@1",
        Loc("p.yml", 1, 7),
        {"imageName": "web", "bogus": "1"},
        Loc("p.yml", 2, 1),
        diags,
        key_locs={"bogus": Loc("p.yml", 9, 5)},
    )
    assert spec is REGISTRY.get("Docker", 1)
    d = only(diags.items)
    assert (d.message, d.loc) == ("Docker@1 has no input 'bogus'", Loc("p.yml", 9, 5))


def test_every_problem_of_a_step_is_reported_together(check: Check) -> None:
    text = """\
        task: Docker@1
        inputs:
          command: run
          runInBackground: no
          volumez: a:b
        """
    codes = [d.code for d in check(text)]
    assert codes == ["missing-input", "input-type", "unknown-input"]


def test_an_unknown_task_step_returns_no_spec() -> None:
    step = load_step("task: Nope@1\ninputs:\n  a: b\n")
    diags = Diagnostics()
    assert (
        validate_task_step(step["task"], step["task"].loc, step["inputs"], step.loc, diags) is None
    )
    assert [d.code for d in diags.items] == ["unknown-task"]
