"""Bad pipelines: each mistake gives one diagnostic, with its words and its exact place.

Every case lists *all* the diagnostics its files produce (message substring, hint
substring, file, line, column), so that a change which adds follow-on noise to a simple
mistake fails here as surely as one that loses the error or its location.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from textwrap import dedent

import pytest

from shipyard.config.loader import load_pipeline
from shipyard.config.source import DirSource
from shipyard.domain.diagnostics import Diagnostic, Diagnostics

MAIN = "azure-pipelines.yml"


@dataclass(frozen=True)
class Want:
    line: int
    col: int
    message: str
    hint: str = ""
    file: str = MAIN


@dataclass(frozen=True)
class Case:
    id: str
    files: dict[str, str]
    want: list[Want] = field(default_factory=list)


def diagnose(root: Path, files: dict[str, str], main: str = MAIN) -> list[Diagnostic]:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dedent(text).lstrip("\n"))
    diags = Diagnostics()
    load_pipeline(DirSource(root), main, diags)
    return diags.sorted()


def _show(items: list[Diagnostic]) -> str:
    return "\n".join(d.render() for d in items)


CASES = [
    Case(
        "root-unknown-key",
        {MAIN: "trigger: none\nstpes:\n- script: echo hi\n"},
        [Want(2, 1, "unknown key 'stpes' in a pipeline", "did you mean 'steps'?")],
    ),
    Case(
        "stage-unknown-key",
        {
            MAIN: """
            stages:
            - stage: Build
              dispalyName: Build it
              jobs:
              - job: A
                steps:
                - script: echo
            """
        },
        [Want(3, 3, "unknown key 'dispalyName' in a stage", "did you mean 'displayName'?")],
    ),
    Case(
        "job-unknown-key-is-one-error",
        {MAIN: "jobs:\n- job: A\n  stpes:\n  - script: echo\n"},
        [Want(3, 3, "unknown key 'stpes' in a job", "did you mean 'steps'?")],
    ),
    Case(
        "step-unknown-key",
        {MAIN: "steps:\n- script: echo\n  dispalyName: Say hi\n"},
        [Want(3, 3, "unknown key 'dispalyName' in a script step", "did you mean 'displayName'?")],
    ),
    Case(
        "task-step-unknown-key",
        {MAIN: "steps:\n- task: CmdLine@2\n  inptus:\n    script: echo\n"},
        [Want(3, 3, "unknown key 'inptus' in a task step", "did you mean 'inputs'?")],
    ),
    Case(
        "trigger-unknown-key",
        {MAIN: "trigger:\n  branchs:\n    include: [main]\nsteps:\n- script: echo\n"},
        [Want(2, 3, "unknown key 'branchs' in a CI trigger", "did you mean 'branches'?")],
    ),
    Case(
        "pr-unknown-key",
        {MAIN: "pr:\n  autocancel: true\nsteps:\n- script: echo\n"},
        [Want(2, 3, "unknown key 'autocancel' in a PR trigger", "did you mean 'autoCancel'?")],
    ),
    Case(
        "trigger-is-a-number",
        {MAIN: "trigger: 5\nsteps:\n- script: echo\n"},
        [
            Want(
                1,
                10,
                "'trigger' must be 'none', a list of branches, or a mapping; got the number 5",
            )
        ],
    ),
    Case(
        "steps-is-a-string",
        {MAIN: "steps: echo hello\n"},
        [Want(1, 8, "'steps' must be a list of steps; got the string 'echo hello'")],
    ),
    Case(
        "timeout-not-a-number",
        {MAIN: "steps:\n- script: echo\n  timeoutInMinutes: abc\n"},
        [Want(3, 21, "'timeoutInMinutes' must be a whole number; got the string 'abc'")],
    ),
    Case(
        "continue-on-error-maybe",
        {MAIN: "jobs:\n- job: A\n  continueOnError: maybe\n  steps:\n  - script: echo\n"},
        [Want(3, 20, "'continueOnError' must be true or false; got the string 'maybe'")],
    ),
    Case(
        "condition-does-not-parse",
        {MAIN: "steps:\n- script: echo\n  condition: and(succeeded(), eq(1, 2)\n"},
        [Want(3, 14, "step condition:")],
    ),
    Case(
        "condition-unknown-function",
        {MAIN: "jobs:\n- job: A\n  condition: succeded()\n  steps:\n  - script: echo\n"},
        [Want(3, 14, "job condition: unknown function 'succeded'", "")],
    ),
    Case(
        "runtime-variable-does-not-parse",
        {
            MAIN: "variables:\n  isMain: $[ eq(variables['Build.SourceBranch'] ]\n"
            "steps:\n- script: x\n"
        },
        [Want(2, 11, "runtime expression:")],
    ),
    Case(
        "template-expression-does-not-parse",
        {MAIN: "steps:\n- script: echo ${{ eq(1 }}\n"},
        [Want(2, 11, "template expression 'eq(1'")],
    ),
    Case(
        "template-expression-unknown-parameter-object",
        {MAIN: "steps:\n- script: echo ${{ parametrs.x }}\n"},
        [Want(2, 11, "template expression 'parametrs.x'")],
    ),
    Case(
        "unknown-task",
        {MAIN: "steps:\n- task: Dockr@1\n"},
        [Want(2, 9, "unknown task 'Dockr'", "did you mean 'Docker'?")],
    ),
    Case(
        "unknown-task-major-version",
        {MAIN: "steps:\n- task: PublishTestResults@7\n  inputs:\n    testResultsFiles: x\n"},
        [Want(2, 9, "task PublishTestResults has no major version 7; known: PublishTestResults@2")],
    ),
    Case(
        "unknown-task-input",
        {
            MAIN: """
            steps:
            - task: PublishTestResults@2
              inputs:
                testResultsFormat: JUnit
                testResultFiles: '**/*.xml'
            """
        },
        [
            Want(
                5,
                5,
                "PublishTestResults@2 has no input 'testResultFiles'",
                "did you mean 'testResultsFiles'?",
            )
        ],
    ),
    Case(
        "template-unexpected-parameter",
        {
            MAIN: "steps:\n- template: t.yml\n  parameters:\n    nmae: x\n",
            "t.yml": "parameters:\n- name: name\n  default: a\nsteps:\n- script: echo\n",
        },
        [Want(4, 5, "unexpected parameter 'nmae' for template 't.yml'", "did you mean 'name'?")],
    ),
    Case(
        "template-missing-required-parameter",
        {
            MAIN: "steps:\n- template: t.yml\n",
            "t.yml": "parameters:\n- name: service\n  type: string\nsteps:\n- script: echo\n",
        },
        [Want(2, 13, "template 't.yml' needs parameter 'service' (it has no default)")],
    ),
    Case(
        "template-parameter-wrong-type",
        {
            MAIN: "steps:\n- template: t.yml\n  parameters:\n    publish: maybe\n",
            "t.yml": "parameters:\n- name: publish\n  type: boolean\n  default: true\n"
            "steps:\n- script: echo\n",
        },
        [Want(4, 14, "parameter 'publish' expects a boolean, got the string 'maybe'")],
    ),
    Case(
        "template-parameter-not-in-values",
        {
            MAIN: "steps:\n- template: t.yml\n  parameters:\n    format: XML\n",
            "t.yml": "parameters:\n- name: format\n  default: JUnit\n  values: [JUnit, VSTest]\n"
            "steps:\n- script: echo\n",
        },
        [Want(4, 13, "parameter 'format' must be one of JUnit, VSTest; got the string 'XML'")],
    ),
    Case(
        "pipeline-parameter-type-unknown",
        {MAIN: "parameters:\n- name: env\n  type: strng\n  default: dev\nsteps:\n- script: x\n"},
        [Want(3, 9, "unknown parameter type 'strng'", "did you mean 'string'?")],
    ),
    Case(
        "template-not-found",
        {MAIN: "jobs:\n- template: build/missing.yml\n"},
        [Want(2, 13, "template file 'build/missing.yml' not found")],
    ),
    Case(
        "template-includes-itself",
        {MAIN: "steps:\n- template: t.yml\n", "t.yml": "steps:\n- template: ./t.yml\n"},
        [Want(2, 13, "template cycle: azure-pipelines.yml -> t.yml -> t.yml", file="t.yml")],
    ),
    Case(
        "template-cycle-through-two-files",
        {
            MAIN: "jobs:\n- template: a.yml\n",
            "a.yml": "jobs:\n- template: b.yml\n",
            "b.yml": "jobs:\n- template: /a.yml\n",
        },
        [
            Want(
                2,
                13,
                "template cycle: azure-pipelines.yml -> a.yml -> b.yml -> a.yml",
                file="b.yml",
            )
        ],
    ),
    Case(
        "template-path-leaves-repository",
        {MAIN: "steps:\n- template: ../../etc/passwd\n"},
        [Want(2, 13, "template path '../../etc/passwd' leaves the repository")],
    ),
    Case(
        "template-from-another-repository",
        {MAIN: "steps:\n- template: steps.yml@tools\n"},
        [Want(2, 13, "template from repository 'tools': only '@self' templates are supported")],
    ),
    Case(
        "job-dependency-cycle",
        {
            MAIN: """
            jobs:
            - job: A
              dependsOn: B
              steps: [{script: echo}]
            - job: B
              dependsOn: [A]
              steps: [{script: echo}]
            """
        },
        [Want(2, 3, "jobs depend on each other in a cycle: A -> B -> A")],
    ),
    Case(
        "stage-dependency-cycle-through-default-order",
        {
            MAIN: """
            stages:
            - stage: A
              dependsOn: B
              jobs: [{job: J, steps: [{script: echo}]}]
            - stage: B
              jobs: [{job: J, steps: [{script: echo}]}]
            """
        },
        [Want(2, 3, "stages depend on each other in a cycle: A -> B -> A")],
    ),
    Case(
        "stage-depends-on-itself",
        {MAIN: "stages:\n- stage: A\n  dependsOn: A\n  jobs: [{job: J, steps: [{script: x}]}]\n"},
        [Want(3, 14, "stage 'A' depends on itself")],
    ),
    Case(
        "depends-on-nothing",
        {
            MAIN: """
            jobs:
            - job: Build
              steps: [{script: echo}]
            - job: Test
              dependsOn: [Biuld]
              steps: [{script: echo}]
            """
        },
        [Want(5, 15, "job 'Test' depends on 'Biuld', which does not exist", "'Build'")],
    ),
    Case(
        "duplicate-job-names",
        {MAIN: "jobs:\n- job: A\n  steps: [{script: x}]\n- job: a\n  steps: [{script: x}]\n"},
        [Want(4, 3, "job name 'a' is used twice (first at line 2)")],
    ),
    Case(
        "duplicate-stage-names",
        {
            MAIN: "stages:\n- stage: A\n  jobs: []\n- stage: A\n  dependsOn: []\n  jobs: []\n",
        },
        [Want(4, 3, "stage name 'A' is used twice (first at line 2)")],
    ),
    Case(
        "duplicate-step-names",
        {MAIN: "steps:\n- script: a\n  name: s\n- script: b\n  name: s\n"},
        [Want(5, 3, "step name 's' is used twice in this job")],
    ),
    Case(
        "duplicate-yaml-keys",
        {MAIN: "trigger: none\nsteps:\n- script: a\n  script: b\n"},
        [Want(4, 3, "duplicate key 'script' (first at line 3)")],
    ),
    Case(
        "yaml-syntax-error",
        {MAIN: "steps:\n- script: a\n  - script: b\n"},
        [Want(3, 3, "YAML syntax:")],
    ),
    Case(
        "yaml-bad-indentation",
        {MAIN: "steps:\n- script: a\n displayName: x\n"},
        [Want(3, 2, "YAML syntax:")],
    ),
    Case(
        "else-without-if",
        {MAIN: "steps:\n- script: a\n- ${{ else }}:\n  - script: b\n"},
        [Want(3, 3, "'${{ else }}' without a preceding '${{ if }}'")],
    ),
    Case(
        "elseif-without-if-in-mapping",
        {MAIN: "jobs:\n- job: A\n  ${{ elseif true }}:\n    pool: x\n  steps: [{script: a}]\n"},
        [Want(3, 3, "'${{ elseif }}' without a preceding '${{ if }}'")],
    ),
    Case(
        "each-without-in",
        {MAIN: "steps:\n- ${{ each s parameters.list }}:\n  - script: a\n"},
        [Want(2, 3, "expected '${{ each NAME in COLLECTION }}'")],
    ),
    Case(
        "not-a-mapping",
        {MAIN: "- script: echo\n"},
        [Want(1, 1, "a pipeline file must be a mapping")],
    ),
    Case(
        "empty-file",
        {MAIN: ""},
        [Want(1, 1, "a pipeline file must be a mapping")],
    ),
    Case(
        "steps-and-jobs-at-root",
        {MAIN: "steps:\n- script: a\njobs:\n- job: A\n  steps: [{script: a}]\n"},
        [Want(3, 1, "a pipeline has one of 'stages', 'jobs' or 'steps'; found both")],
    ),
    Case(
        "nothing-to-run",
        {MAIN: "trigger: none\n"},
        [Want(1, 1, "a pipeline needs 'stages', 'jobs' or 'steps'")],
    ),
    Case(
        "reserved-variable-prefixes",
        {MAIN: "variables:\n  secretToken: x\n  endpoint.url: y\nsteps:\n- script: a\n"},
        [
            Want(2, 3, "variable name 'secretToken' starts with a reserved prefix"),
            Want(3, 3, "variable name 'endpoint.url' starts with a reserved prefix"),
        ],
    ),
    Case(
        "variable-defined-twice-in-list-form",
        {MAIN: "variables:\n- name: a\n  value: 1\n- name: a\n  value: 2\nsteps:\n- script: a\n"},
        [Want(4, 3, "variable 'a' is defined twice")],
    ),
    Case(
        "deployment-without-environment-and-strategy",
        {MAIN: "jobs:\n- deployment: Deploy\n  pool: local\n"},
        [
            Want(2, 3, "a deployment job needs 'environment'"),
            Want(2, 3, "a deployment job needs 'strategy'"),
        ],
    ),
    Case(
        "deployment-steps-in-the-wrong-place",
        {
            MAIN: """
            jobs:
            - deployment: Deploy
              environment: staging
              strategy:
                runOnce:
                  deploy:
                    steps: [{script: a}]
              steps: [{script: b}]
            """
        },
        [Want(8, 3, "unknown key 'steps' in a deployment job", "strategy: runOnce: deploy")],
    ),
    Case(
        "deployment-strategy-not-supported",
        {
            MAIN: """
            jobs:
            - deployment: Deploy
              environment: staging
              strategy:
                runOnce:
                  deplyo:
                    steps: [{script: a}]
            """
        },
        [Want(6, 7, "unknown key 'deplyo' in a runOnce strategy", "did you mean 'deploy'?")],
    ),
    Case(
        "checkout-of-another-repository",
        {MAIN: "steps:\n- checkout: tools\n"},
        [Want(2, 13, "checkout of 'tools': only 'self' and 'none' are supported")],
    ),
    Case(
        "list-resources-other-repo",
        {MAIN: "resources:\n- repo: tools\nsteps:\n- script: a\n"},
        [Want(2, 9, "only 'repo: self' is supported in the list form of resources")],
    ),
    Case(
        "extends-needs-template",
        {MAIN: "extends:\n  tempalte: base.yml\n"},
        [
            Want(1, 1, "'extends' needs 'template: FILE'"),
            Want(2, 3, "unknown key 'tempalte' in extends", "did you mean 'template'?"),
        ],
    ),
    Case(
        "list-or-mapping-inside-text",
        {
            MAIN: "parameters:\n- name: o\n  type: object\n  default: {a: 1}\n"
            "steps:\n- script: echo ${{ parameters.o }}\n"
        },
        [Want(6, 11, "'${{ parameters.o }}' inside text: cannot convert Object to String")],
    ),
    Case(
        "each-over-a-number",
        {MAIN: "steps:\n- ${{ each x in 5 }}:\n  - script: echo\n"},
        [Want(2, 3, "'each' needs a list or a mapping, got Number")],
    ),
    Case(
        "two-yaml-documents",
        {MAIN: "steps:\n- script: a\n---\nsteps:\n- script: b\n"},
        [Want(3, 1, "a pipeline file holds one YAML document")],
    ),
    Case(
        "undefined-alias",
        {MAIN: "steps:\n- *step\n"},
        [Want(2, 3, "alias '*step' has no anchor '&step' before it")],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_each_mistake_is_reported_once_with_its_place(tmp_path: Path, case: Case) -> None:
    got = diagnose(tmp_path, case.files)
    assert len(got) == len(case.want), _show(got)
    for want, diag in zip(case.want, got, strict=True):
        assert (diag.loc.file, diag.loc.line, diag.loc.col) == (want.file, want.line, want.col), (
            _show(got)
        )
        assert want.message in diag.message, _show(got)
        assert want.hint in diag.hint, _show(got)


def test_there_are_at_least_thirty_distinct_cases() -> None:
    assert len({c.id for c in CASES}) >= 30


def test_six_different_errors_are_all_reported_in_one_run(tmp_path: Path) -> None:
    text = """
    trigger:
      branchs: [main]
    variables:
      secretKey: x
    stages:
    - stage: Build
      jobs:
      - job: Compile
        timeoutInMinutes: soon
        steps:
        - task: Dockr@1
        - script: echo
          condition: eq(1
    - stage: Test
      dependsOn: Biuld
      jobs: []
    """
    got = diagnose(tmp_path, {MAIN: text})
    places = [(d.loc.line, d.loc.col, d.code) for d in got]
    assert places == [
        (2, 3, "unknown-key"),
        (4, 3, "bad-name"),
        (9, 23, "bad-type"),
        (11, 13, "unknown-task"),
        (13, 18, "bad-expression"),
        (15, 14, "unknown-dependency"),
    ], _show(got)


def test_diagnostics_of_a_template_name_the_template_file(tmp_path: Path) -> None:
    files = {
        MAIN: "steps:\n- template: build/steps.yml\n",
        "build/steps.yml": "steps:\n- script: echo\n  dispalyName: x\n",
    }
    (diag,) = diagnose(tmp_path, files)
    assert (diag.loc.file, diag.loc.line, diag.loc.col) == ("build/steps.yml", 3, 3)
    assert "unknown key 'dispalyName'" in diag.message


# -- hostile input: refused with one clear diagnostic, never a traceback ----------------------

_LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True)
)


HOSTILE: list[tuple[str, str | bytes, Want, str]] = [
    (
        "billion-laughs",
        _LAUGHS,
        Want(1, 1, "more than 200000 values once its aliases are expanded"),
        "too-large",
    ),
    (
        "hundred-thousand-aliases",
        "x: &x 1\ny: [" + ", ".join(["*x"] * 100_000) + "]\n",
        Want(2, 5 + 4 * 10_000, "more than 10000 aliases"),
        "too-large",
    ),
    (
        "ten-thousand-nested-lists",
        "- " * 10_000 + "x\n",
        Want(1, 129, "nesting deeper than 64 levels", "is the file generated?"),
        "too-deep",
    ),
    (
        "ten-thousand-nested-mappings",
        "steps: " + "{a: " * 10_000 + "}" * 10_000 + "\n",
        Want(1, 8 + 4 * 63, "nesting deeper than 64 levels"),
        "too-deep",
    ),
    (
        "two-megabytes",
        "steps:\n- script: echo " + "x" * (2 << 20) + "\n",
        Want(0, 0, "file is larger than 1048576 bytes"),
        "too-large",
    ),
    (
        "binary-garbage",
        bytes(range(256)) * 64,
        Want(0, 0, "not UTF-8 text: invalid start byte at byte 128"),
        "io",
    ),
    (
        "control-characters",
        b"steps:\n- script: echo \x00\x01\n",
        Want(2, 16, "not a YAML text file: character #x0000 is not allowed"),
        "yaml-syntax",
    ),
    (
        "self-referencing-anchor",
        "steps: &s\n- *s\n",
        Want(2, 3, "alias '*s' refers to itself"),
        "yaml-syntax",
    ),
    (
        "each-over-a-huge-list",
        "variables:\n  many: '" + ",".join(["x"] * 150_000) + "'\n"
        "steps:\n- ${{ each v in split(variables.many, ',') }}:\n  - script: echo ${{ v }}\n",
        Want(4, 3, "'each' over 150000 items; the limit is 100000"),
        "too-large",
    ),
    (
        "nested-each-multiplies",
        "parameters:\n- name: n\n  type: object\n  default: ["
        + ", ".join(map(str, range(400)))
        + "]\nsteps:\n- ${{ each a in parameters.n }}:\n  - ${{ each b in parameters.n }}:\n"
        "    - script: echo ${{ a }}-${{ b }}\n",
        Want(8, 7, "templates and 'each' loops produced more than 100000 values"),
        "too-large",
    ),
]


@pytest.mark.parametrize(
    ("text", "want", "code"),
    [pytest.param(t, w, c, id=i) for i, t, w, c in HOSTILE],
)
def test_hostile_input_gets_one_clear_diagnostic(
    tmp_path: Path, text: str | bytes, want: Want, code: str
) -> None:
    path = tmp_path / MAIN
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    diags = Diagnostics()
    load_pipeline(DirSource(tmp_path), MAIN, diags)
    got = diags.sorted()
    assert len(got) == 1, _show(got)
    (diag,) = got
    assert (diag.loc.file, diag.loc.line, diag.loc.col) == (want.file, want.line, want.col)
    assert want.message in diag.message
    assert want.hint in diag.hint
    assert diag.code == code


def test_a_template_that_includes_itself_many_ways_stops(tmp_path: Path) -> None:
    files = {
        MAIN: "steps:\n- template: t.yml\n",
        "t.yml": "steps:\n" + "".join("- template: t.yml\n" for _ in range(50)),
    }
    got = diagnose(tmp_path, files)
    assert {d.message for d in got} == {"template cycle: azure-pipelines.yml -> t.yml -> t.yml"}
    assert {(d.loc.file, d.loc.col) for d in got} == {("t.yml", 13)}
