"""Template expansion: includes with parameters, conditionals, loops, ``extends``.

Each test writes a small repository, loads its pipeline and looks at the model: what ran
through the templates is what a user would see in ``shipyard plan``.
"""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

from shipyard.config.loader import load_pipeline
from shipyard.config.source import DirSource
from shipyard.config.templates import Scope, TemplateExpander
from shipyard.config.yamlsrc import YList, YStr, load_text
from shipyard.domain.diagnostics import Diagnostics, Loc
from shipyard.domain.pipeline import Job, Pipeline

MAIN = "azure-pipelines.yml"


def load(root: Path, files: dict[str, str], **kwargs: object) -> Pipeline:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dedent(text).lstrip("\n"))
    diags = Diagnostics()
    pipeline = load_pipeline(DirSource(root), MAIN, diags, **kwargs)  # type: ignore[arg-type]
    assert not diags, "\n".join(d.render() for d in diags.sorted())
    assert pipeline is not None
    return pipeline


def bodies(job: Job) -> list[str]:
    return [step.body for step in job.steps]


def only_job(pipeline: Pipeline) -> Job:
    (stage,) = pipeline.stages
    (job,) = stage.jobs
    return job


def test_steps_template_with_parameters_and_defaults(tmp_path: Path) -> None:
    pipeline = load(
        tmp_path,
        {
            MAIN: """
            steps:
            - template: build/steps.yml
              parameters:
                service: delivery
            - template: /build/steps.yml
              parameters:
                service: package
                verbose: true
            """,
            "build/steps.yml": """
            parameters:
            - name: service
              type: string
            - name: verbose
              type: boolean
              default: false
            steps:
            - script: echo build ${{ parameters.service }} ${{ parameters.verbose }}
              displayName: Build ${{ parameters.service }}
            """,
        },
    )
    job = only_job(pipeline)
    assert bodies(job) == ["echo build delivery False", "echo build package True"]
    assert [s.display_name for s in job.steps] == ["Build delivery", "Build package"]
    # a step from a template points into the template file
    assert job.steps[0].loc == Loc("build/steps.yml", 8, 3)


def test_jobs_template_with_a_step_list_parameter(tmp_path: Path) -> None:
    pipeline = load(
        tmp_path,
        {
            MAIN: """
            jobs:
            - template: jobs.yml
              parameters:
                name: Build
                preSteps:
                - script: echo before
                - checkout: self
            """,
            "jobs.yml": """
            parameters:
            - name: name
              type: string
            - name: preSteps
              type: stepList
              default: []
            jobs:
            - job: ${{ parameters.name }}
              steps:
              - ${{ parameters.preSteps }}
              - script: echo main
            """,
        },
    )
    job = only_job(pipeline)
    assert job.name == "Build"
    assert bodies(job) == ["echo before", "self", "echo main"]


def test_stages_template(tmp_path: Path) -> None:
    pipeline = load(
        tmp_path,
        {
            MAIN: """
            stages:
            - stage: First
              jobs:
              - job: A
                steps: [{script: echo a}]
            - template: stages.yml
              parameters:
                environments: [dev, prod]
            """,
            "stages.yml": """
            parameters:
            - name: environments
              type: object
            stages:
            - ${{ each env in parameters.environments }}:
              - stage: Deploy_${{ env }}
                jobs:
                - job: Deploy
                  steps:
                  - script: echo deploy to ${{ env }}
            """,
        },
    )
    assert [s.name for s in pipeline.stages] == ["First", "Deploy_dev", "Deploy_prod"]
    # stages without dependsOn follow the one written before them
    assert [s.depends_on for s in pipeline.stages] == [(), ("First",), ("Deploy_dev",)]
    assert bodies(pipeline.stages[2].jobs[0]) == ["echo deploy to prod"]


def test_variables_template_in_list_form(tmp_path: Path) -> None:
    pipeline = load(
        tmp_path,
        {
            MAIN: """
            variables:
            - group: shared-secrets
            - name: imageName
              value: staging/delivery
            - template: vars.yml
              parameters:
                region: westus
            steps:
            - script: echo ${{ variables.region }} $(imageName)
            """,
            "vars.yml": """
            parameters:
            - name: region
              type: string
              values: [westus, eastus]
            variables:
            - name: region
              value: ${{ parameters.region }}
            - name: registry
              value: fabrikam.azurecr.io
            """,
        },
    )
    assert pipeline.variable_groups == ("shared-secrets",)
    assert [(v.name, v.value) for v in pipeline.variables] == [
        ("imageName", "staging/delivery"),
        ("region", "westus"),
        ("registry", "fabrikam.azurecr.io"),
    ]
    assert bodies(only_job(pipeline)) == ["echo westus $(imageName)"]


def test_if_elseif_else_in_a_mapping(tmp_path: Path) -> None:
    text = """
    parameters:
    - name: env
      default: dev
    jobs:
    - job: Deploy
      ${{ if eq(parameters.env, 'prod') }}:
        displayName: Production
        timeoutInMinutes: 120
      ${{ elseif eq(parameters.env, 'staging') }}:
        displayName: Staging
      ${{ else }}:
        displayName: Development
      steps: [{script: echo}]
    """
    assert only_job(load(tmp_path, {MAIN: text})).display_name == "Development"
    prod = only_job(load(tmp_path, {MAIN: text}, parameters={"env": "prod"}))
    assert (prod.display_name, prod.timeout_minutes) == ("Production", 120)
    staging = load(tmp_path, {MAIN: text}, parameters={"env": "staging"})
    assert only_job(staging).display_name == "Staging"


def test_if_elseif_else_in_a_list(tmp_path: Path) -> None:
    text = """
    parameters:
    - name: tests
      type: string
      default: unit
      values: [unit, integration, none]
    steps:
    - script: echo first
    - ${{ if eq(parameters.tests, 'unit') }}:
      - script: echo unit
    - ${{ elseif eq(parameters.tests, 'integration') }}:
      - script: echo integration one
      - script: echo integration two
    - ${{ else }}:
      - script: echo no tests
    - script: echo last
    """
    assert bodies(only_job(load(tmp_path, {MAIN: text}))) == [
        "echo first",
        "echo unit",
        "echo last",
    ]
    integration = load(tmp_path, {MAIN: text}, parameters={"tests": "integration"})
    assert bodies(only_job(integration))[1:3] == ["echo integration one", "echo integration two"]
    skipped = load(tmp_path, {MAIN: text}, parameters={"tests": "none"})
    assert bodies(only_job(skipped)) == ["echo first", "echo no tests", "echo last"]


def test_a_taken_branch_stops_the_chain(tmp_path: Path) -> None:
    text = """
    steps:
    - ${{ if true }}:
      - script: one
    - ${{ elseif true }}:
      - script: two
    - ${{ else }}:
      - script: three
    - ${{ if false }}:
      - script: four
    """
    assert bodies(only_job(load(tmp_path, {MAIN: text}))) == ["one"]


def test_each_over_a_list_parameter(tmp_path: Path) -> None:
    pipeline = load(
        tmp_path,
        {
            MAIN: """
            parameters:
            - name: services
              type: object
              default: [delivery, package, workflow]
            jobs:
            - ${{ each service in parameters.services }}:
              - job: Build_${{ service }}
                steps:
                - script: make ${{ service }}
            """
        },
    )
    jobs = pipeline.stages[0].jobs
    assert [j.name for j in jobs] == ["Build_delivery", "Build_package", "Build_workflow"]
    assert [bodies(j) for j in jobs] == [["make delivery"], ["make package"], ["make workflow"]]


def test_each_over_a_mapping_gives_key_and_value(tmp_path: Path) -> None:
    pipeline = load(
        tmp_path,
        {
            MAIN: """
            parameters:
            - name: regions
              type: object
              default:
                dev: westus
                prod: eastus
            variables:
              ${{ each pair in parameters.regions }}:
                region_${{ pair.key }}: ${{ pair.value }}
            steps:
            - ${{ each pair in parameters.regions }}:
              - script: echo ${{ pair.key }}=${{ pair.value }}
            """
        },
    )
    assert [(v.name, v.value) for v in pipeline.variables] == [
        ("region_dev", "westus"),
        ("region_prod", "eastus"),
    ]
    assert bodies(only_job(pipeline)) == ["echo dev=westus", "echo prod=eastus"]


def test_insert_merges_a_mapping(tmp_path: Path) -> None:
    pipeline = load(
        tmp_path,
        {
            MAIN: """
            parameters:
            - name: extra
              type: object
              default: {BUILD_MODE: release}
            steps:
            - script: make
              env:
                ${{ insert }}: ${{ parameters.extra }}
                CI: 'true'
            """
        },
    )
    assert only_job(pipeline).steps[0].env == {"BUILD_MODE": "release", "CI": "true"}


def test_extends_with_parameters(tmp_path: Path) -> None:
    pipeline = load(
        tmp_path,
        {
            MAIN: """
            trigger:
              branches:
                include: [main]
            variables:
              service: delivery
            extends:
              template: templates/secure.yml
              parameters:
                buildSteps:
                - script: make $(service)
            """,
            "templates/secure.yml": """
            parameters:
            - name: buildSteps
              type: stepList
              default: []
            stages:
            - stage: Build
              jobs:
              - job: Build
                steps:
                - checkout: self
                - ${{ each step in parameters.buildSteps }}:
                  - ${{ step }}
                - script: echo scan
            """,
        },
    )
    assert pipeline.trigger.branches.include == ("main",)
    assert [(v.name, v.value) for v in pipeline.variables] == [("service", "delivery")]
    (stage,) = pipeline.stages
    assert bodies(stage.jobs[0]) == ["self", "make $(service)", "echo scan"]


def test_compile_time_variables_are_visible_to_template_expressions(tmp_path: Path) -> None:
    pipeline = load(
        tmp_path,
        {
            MAIN: """
            variables:
              isRelease: true
              runtime: $[ eq(variables['Build.Reason'], 'Manual') ]
            steps:
            - ${{ if eq(variables.isRelease, true) }}:
              - script: echo release
            - script: echo ${{ variables['Build.SourceBranchName'] }}
            """
        },
        predefined={"Build.SourceBranchName": "main"},
    )
    assert bodies(only_job(pipeline)) == ["echo release", "echo main"]


def test_a_template_included_twice_is_read_once(tmp_path: Path) -> None:
    files = {MAIN: "steps:\n- template: t.yml\n- template: ./t.yml\n", "t.yml": "steps: []\n"}
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    reads: list[str] = []

    class Counting(DirSource):
        def read(self, rel: str) -> bytes | None:
            reads.append(rel)
            return super().read(rel)

    diags = Diagnostics()
    assert load_pipeline(Counting(tmp_path), MAIN, diags) is not None and not diags
    assert reads == [MAIN, "t.yml"]


def test_whole_value_expression_keeps_its_type() -> None:
    diags = Diagnostics()
    src = load_text("a: ${{ parameters.list }}\nb: x-${{ parameters.n }}\n", "f.yml", diags)
    assert src is not None
    expander = TemplateExpander(DirSource(Path()), diags)
    scope = Scope(file="f.yml", parameters={"list": ["x", "y"], "n": 3}, variables={})
    out = expander.expand(src.root, scope)
    assert isinstance(out["a"], YList) and out["a"] == ["x", "y"]
    assert out["a"][0].loc == Loc("f.yml", 1, 4)
    assert isinstance(out["b"], YStr) and out["b"] == "x-3"
    assert not diags
