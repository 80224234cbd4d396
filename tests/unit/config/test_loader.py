"""Loading whole pipelines: the shapes Azure accepts, and what the model makes of them."""

from __future__ import annotations

import os
from pathlib import Path
from textwrap import dedent

import pytest

from shipyard.config.loader import load_pipeline
from shipyard.config.source import DirSource, FuncSource, join_repo_path
from shipyard.domain.diagnostics import Diagnostics, Loc
from shipyard.domain.pipeline import Pipeline

MAIN = "azure-pipelines.yml"
ARTICLE = Path(__file__).resolve().parents[2] / "fixtures" / "article"


def write(root: Path, files: dict[str, str]) -> DirSource:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dedent(text).lstrip("\n"))
    return DirSource(root)


def load(root: Path, text: str, **kwargs: object) -> Pipeline:
    diags = Diagnostics()
    source = write(root, {MAIN: text})
    pipeline = load_pipeline(source, MAIN, diags, **kwargs)  # type: ignore[arg-type]
    assert not diags, "\n".join(d.render() for d in diags.sorted())
    assert pipeline is not None
    return pipeline


def test_top_level_steps_make_one_job(tmp_path: Path) -> None:
    pipeline = load(
        tmp_path,
        """
        pool:
          vmImage: ubuntu-latest
        steps:
        - script: make
        - bash: ./test.sh
          name: unit
          env:
            CI: true
        """,
    )
    (stage,) = pipeline.stages
    (job,) = stage.jobs
    assert (job.name, job.pool) == ("Job", "ubuntu-latest")
    assert [(s.kind, s.name) for s in job.steps] == [("script", "CmdLine"), ("bash", "unit")]
    assert job.steps[1].env == {"CI": "True"}


def test_top_level_jobs_make_one_stage(tmp_path: Path) -> None:
    pipeline = load(
        tmp_path,
        """
        jobs:
        - job: Build
          pool: Default
          steps: [{script: make}]
        - job: Test
          dependsOn: Build
          pool:
            name: Linux
            demands:
            - docker
            - Agent.OS -equals Linux
          steps: [{script: make test}]
        - job: Lint
          pool:
            name: Linux
            demands: docker
          dependsOn: []
          steps: [{script: make lint}]
        """,
    )
    (stage,) = pipeline.stages
    assert [(j.name, j.pool, j.depends_on) for j in stage.jobs] == [
        ("Build", "Default", ()),
        ("Test", "Linux", ("Build",)),
        ("Lint", "Linux", ()),
    ]


def test_explicit_empty_depends_on_is_not_the_default_order(tmp_path: Path) -> None:
    pipeline = load(
        tmp_path,
        """
        stages:
        - stage: A
          jobs: [{job: J, steps: [{script: a}]}]
        - stage: B
          jobs: [{job: J, steps: [{script: b}]}]
        - stage: C
          dependsOn: []
          jobs: [{job: J, steps: [{script: c}]}]
        - stage: D
          dependsOn: [A, C]
          jobs: [{job: J, steps: [{script: d}]}]
        """,
    )
    assert [(s.name, s.depends_on) for s in pipeline.stages] == [
        ("A", ()),
        ("B", ("A",)),
        ("C", ()),
        ("D", ("A", "C")),
    ]


def test_thousands_of_stages_in_a_chain_do_not_recurse(tmp_path: Path) -> None:
    count = 3000
    text = "stages:\n" + "".join(f"- stage: S{i}\n  jobs: []\n" for i in range(count))
    pipeline = load(tmp_path, text)
    assert len(pipeline.stages) == count
    assert pipeline.stages[-1].depends_on == (f"S{count - 2}",)


def test_a_long_dependency_cycle_is_found(tmp_path: Path) -> None:
    count = 3000
    text = "jobs:\n" + "".join(
        f"- job: J{i}\n  dependsOn: J{(i + 1) % count}\n  steps: [{{script: x}}]\n"
        for i in range(count)
    )
    diags = Diagnostics()
    load_pipeline(write(tmp_path, {MAIN: text}), MAIN, diags)
    (diag,) = diags.sorted()
    assert diag.code == "dependency-cycle" and diag.message.endswith("-> J2999 -> J0")


def test_variables_in_mapping_form(tmp_path: Path) -> None:
    pipeline = load(
        tmp_path,
        """
        variables:
          imageName: staging/delivery
          replicas: 3
          debug: false
          isMain: $[ eq(variables['Build.SourceBranch'], 'refs/heads/main') ]
        steps: [{script: echo}]
        """,
    )
    assert [(v.name, v.value) for v in pipeline.variables] == [
        ("imageName", "staging/delivery"),
        ("replicas", "3"),
        ("debug", "False"),
        ("isMain", "$[ eq(variables['Build.SourceBranch'], 'refs/heads/main') ]"),
    ]
    assert pipeline.variables[0].loc == Loc(MAIN, 2, 3)


def test_variables_in_list_form_with_groups_and_readonly(tmp_path: Path) -> None:
    pipeline = load(
        tmp_path,
        """
        variables:
        - group: release-secrets
        - name: chartPath
          value: charts/delivery
          readonly: true
        - group: registry
        jobs:
        - job: A
          variables:
          - name: local
            value: x
          - group: job-group
          steps: [{script: echo}]
        """,
    )
    assert pipeline.variable_groups == ("release-secrets", "registry")
    (variable,) = pipeline.variables
    assert (variable.name, variable.value, variable.readonly) == (
        "chartPath",
        "charts/delivery",
        True,
    )
    job = pipeline.stages[0].jobs[0]
    assert job.variable_groups == ("job-group",)
    assert [v.name for v in job.variables] == ["local"]


def test_deployment_job_with_environment_and_run_once(tmp_path: Path) -> None:
    pipeline = load(
        tmp_path,
        """
        stages:
        - stage: Deploy
          jobs:
          - deployment: DeployDelivery
            displayName: Deploy delivery
            environment: fabrikam-dev
            pool:
              vmImage: ubuntu-latest
            strategy:
              runOnce:
                preDeploy:
                  steps:
                  - script: echo pre
                deploy:
                  steps:
                  - checkout: self
                  - task: HelmDeploy@0
                    inputs:
                      command: upgrade
                      chartType: FilePath
                      chartPath: charts/delivery
                      releaseName: delivery
                routeTraffic:
                  steps:
                  - script: echo route
                on:
                  failure:
                    steps:
                    - script: echo rollback
          - deployment: DeployPackage
            environment:
              name: fabrikam-prod
              resourceType: Kubernetes
            strategy:
              runOnce:
                deploy:
                  steps: [{script: echo package}]
        """,
    )
    first, second = pipeline.stages[0].jobs
    assert (first.deployment, first.environment, first.strategy) == (
        True,
        "fabrikam-dev",
        "runOnce",
    )
    assert [s.body for s in first.steps] == ["echo pre", "self", "HelmDeploy@0", "echo route"]
    assert (second.environment, [s.body for s in second.steps]) == (
        "fabrikam-prod",
        ["echo package"],
    )


def test_resources_in_list_form(tmp_path: Path) -> None:
    load(
        tmp_path,
        """
        resources:
        - repo: self
          clean: true
          fetchDepth: 1
        steps: [{checkout: self}]
        """,
    )


def test_resources_repositories(tmp_path: Path) -> None:
    load(
        tmp_path,
        """
        resources:
          repositories:
          - repository: self
          - repository: templates
            type: git
            name: Fabrikam/pipeline-templates
            ref: refs/heads/main
          containers:
          - container: python
            image: python:3.11
        steps: [{checkout: self}, {checkout: none}]
        """,
    )


def test_pipeline_parameters_given_for_a_manual_run(tmp_path: Path) -> None:
    text = """
    parameters:
    - name: replicas
      type: number
      default: 1
    - name: dryRun
      type: boolean
      default: false
    steps:
    - script: deploy --replicas ${{ parameters.replicas }} --dry-run=${{ parameters.dryRun }}
    """
    pipeline = load(tmp_path, text, parameters={"replicas": "3", "dryRun": "true"})
    assert pipeline.parameters == {"replicas": 3, "dryRun": True}
    assert pipeline.stages[0].jobs[0].steps[0].body == "deploy --replicas 3 --dry-run=True"


def test_an_unknown_pipeline_parameter_is_reported(tmp_path: Path) -> None:
    source = write(tmp_path, {MAIN: "parameters:\n- name: env\n  default: dev\nsteps: []\n"})
    diags = Diagnostics()
    load_pipeline(source, MAIN, diags, parameters={"enb": "prod"})
    (diag,) = diags.items
    assert diag.message == "unknown pipeline parameter 'enb'" and diag.hint == "did you mean 'env'?"


def test_a_missing_pipeline_file(tmp_path: Path) -> None:
    diags = Diagnostics()
    assert load_pipeline(DirSource(tmp_path), "nope.yml", diags) is None
    assert [(str(d.loc), d.message) for d in diags.items] == [
        ("nope.yml", "pipeline file not found")
    ]


def test_the_pipeline_can_come_from_any_source() -> None:
    files = {MAIN: b"steps:\n- template: t.yml\n", "t.yml": b"steps:\n- script: hi\n"}
    source = FuncSource(files.get, lambda: list(files))
    diags = Diagnostics()
    pipeline = load_pipeline(source, MAIN, diags)
    assert pipeline is not None and not diags
    assert pipeline.stages[0].jobs[0].steps[0].body == "hi"


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_a_template_symlinked_outside_the_repository_is_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside.yml"
    outside.write_text("steps:\n- script: secret\n")
    repo = tmp_path / "repo"
    write(repo, {MAIN: "steps:\n- template: link.yml\n"})
    (repo / "link.yml").symlink_to(outside)
    diags = Diagnostics()
    load_pipeline(DirSource(repo), MAIN, diags)
    assert [d.message for d in diags.items] == ["template file 'link.yml' not found"]


def test_dir_source_stays_in_its_root(tmp_path: Path) -> None:
    (tmp_path / "inside.yml").write_text("a: 1\n")
    source = DirSource(tmp_path / ".")
    assert source.read("inside.yml") == b"a: 1\n"
    assert source.read("/inside.yml") == b"a: 1\n"
    assert source.read("../" + tmp_path.name + "/inside.yml") == b"a: 1\n"
    assert source.read("../../etc/passwd") is None
    assert source.read("/etc/passwd") is None


@pytest.mark.parametrize(
    ("including", "ref", "expected"),
    [
        ("azure-pipelines.yml", "t.yml", "t.yml"),
        ("src/a/azure-pipelines.yml", "t.yml", "src/a/t.yml"),
        ("src/a/azure-pipelines.yml", "../b/t.yml", "src/b/t.yml"),
        ("src/a/azure-pipelines.yml", "/build/t.yml", "build/t.yml"),
        ("src/a/azure-pipelines.yml", "./x/../t.yml", "src/a/t.yml"),
        ("src/a/azure-pipelines.yml", "../../../t.yml", None),
        ("azure-pipelines.yml", "/../t.yml", None),
    ],
)
def test_template_paths(including: str, ref: str, expected: str | None) -> None:
    assert join_repo_path(including, ref) == expected


@pytest.mark.skipif(not ARTICLE.is_dir(), reason="the article fixtures are not there yet")
def test_the_article_trigger_snippet_loads(tmp_path: Path) -> None:
    text = (ARTICLE / "trigger.yml").read_text() + "steps:\n- script: echo\n"
    pipeline = load(tmp_path, text)
    assert pipeline.trigger.batch is True
    assert "release/delivery/v*" in pipeline.trigger.branches.include
    assert pipeline.trigger.paths.include == ("/src/shipping/delivery/",)


def test_the_templates_of_a_pipeline_are_bounded_in_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("shipyard.config.source.MAX_TEMPLATE_BYTES", 130)
    step = "steps:\n- script: echo " + "x" * 40 + "\n"
    files = {MAIN: "steps:\n- template: a.yml\n- template: b.yml\n- template: c.yml\n"}
    files |= {name: step for name in ("a.yml", "b.yml", "c.yml")}
    diags = Diagnostics()
    pipeline = load_pipeline(write(tmp_path, files), MAIN, diags)
    assert [(str(d.loc), d.message) for d in diags.sorted()] == [
        (
            f"{MAIN}:4:13",
            "the templates of this pipeline are larger than 130 bytes in all; 'c.yml' was not read",
        )
    ]
    assert pipeline is not None and len(pipeline.stages[0].jobs[0].steps) == 2


def test_an_expression_result_larger_than_a_file_is_refused(tmp_path: Path) -> None:
    grow = "replace(replace(replace('aaaaaaaaaa', 'a', '{0}'), 'a', '{0}'), 'a', '{0}')".format(
        "a" * 100
    )
    diags = Diagnostics()
    load_pipeline(write(tmp_path, {MAIN: f"steps:\n- script: ${{{{ {grow} }}}}\n"}), MAIN, diags)
    (diag,) = diags.sorted()
    # The expression engine refuses it before building the string.
    assert (diag.loc, diag.code) == (Loc(MAIN, 2, 11), "bad-expression")
    assert "the result would be 10000000 characters; the limit is 1048576" in diag.message


def test_an_expression_that_exhausts_memory_is_a_diagnostic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*_args: object) -> object:
        raise MemoryError

    monkeypatch.setattr("shipyard.config.compile_time.ex.evaluate", explode)
    diags = Diagnostics()
    load_pipeline(write(tmp_path, {MAIN: "steps:\n- script: ${{ 'x' }}\n"}), MAIN, diags)
    assert [(d.loc, d.message) for d in diags.sorted()] == [
        (Loc(MAIN, 2, 11), "template expression ''x'' is too big to compute")
    ]
