"""Docker@1 and Docker@2 against fake tools: names, registries, refusals, runs, pushes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shipyard.flow.builds import StepFailed
from shipyard.flow.connections import parse
from shipyard.tasks import find
from shipyard.tasks.api import TaskPlugin
from tests.unit.tasks.plugins.fakes import (
    DIGEST,
    IMAGE_ID,
    REGISTRY,
    BuildContext,
    FakeToolbox,
    service_tree,
)

BUILD_TEST = {
    "azureSubscriptionEndpoint": "fabrikam-dev",
    "azureContainerRegistry": "fabrikam.azurecr.io",
    "arguments": "--pull --target testrunner",
    "dockerFile": "src/shipping/delivery/Dockerfile",
    "useDefaultContext": "false",
    "buildContext": "src/shipping",
    "imageName": "staging/delivery:x-test",
}


def plugin(name: str, major: int) -> TaskPlugin:
    found = find(name, major)
    assert found is not None
    return found


@pytest.fixture
def ctx(tmp_path: Path) -> BuildContext:
    context = BuildContext(tmp_path)
    service_tree(context)
    return context


def test_docker1_builds_the_test_runner_with_the_registry_and_base_image(
    ctx: BuildContext,
) -> None:
    outcome = plugin("Docker", 1).run(ctx, BUILD_TEST)
    assert str(outcome.status) == "succeeded", outcome.message
    (spec,) = ctx.toolbox.image_tools.built
    assert spec.tags == ("127.0.0.1:5000/staging/delivery:x-test",)
    assert spec.target == "testrunner" and spec.pull == "true"
    assert spec.context == ctx.paths.sources / "src/shipping"
    assert spec.build_args == (("BASE_IMAGE", "127.0.0.1:5000/base/python:3.11-bookworm"),)
    labels = dict(spec.labels)
    assert labels["org.opencontainers.image.revision"] == "a" * 40
    assert any("platform registry (default) for 'fabrikam.azurecr.io'" in x for x in ctx.lines)
    state = json.loads((ctx.paths.temp / "shipyard-images.json").read_text())
    assert state["images"]["127.0.0.1:5000/staging/delivery:x-test"]["id"] == IMAGE_ID


def test_the_naming_convention_lowercases_the_repository_not_the_tag(ctx: BuildContext) -> None:
    plugin("Docker", 1).run(ctx, {**BUILD_TEST, "imageName": "Staging/Delivery:v1.0.2-RC1"})
    assert ctx.toolbox.image_tools.built[0].tags == ("127.0.0.1:5000/staging/delivery:v1.0.2-RC1",)


def test_a_build_argument_given_by_the_step_wins_over_the_platform(ctx: BuildContext) -> None:
    inputs = {**BUILD_TEST, "arguments": "--build-arg BASE_IMAGE=other:1 --build-arg A=b"}
    plugin("Docker", 1).run(ctx, inputs)
    (spec,) = ctx.toolbox.image_tools.built
    assert spec.build_args == (("BASE_IMAGE", "other:1"), ("A", "b"))


def test_base_image_is_passed_only_to_dockerfiles_that_declare_it(ctx: BuildContext) -> None:
    (ctx.paths.sources / "src/shipping/delivery/Dockerfile").write_text("FROM scratch\n")
    plugin("Docker", 1).run(ctx, BUILD_TEST)
    assert ctx.toolbox.image_tools.built[0].build_args == ()


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"imageName": "staging/delivery:latest"}, "tagged `latest`"),
        ({"imageName": "staging/delivery:LATEST"}, "tagged `latest`"),
        ({"imageName": "staging/delivery"}, "has no tag, which means `latest`"),
        ({"arguments": "-t staging/delivery:latest"}, "tagged `latest`"),
    ],
)
def test_latest_is_refused_at_run_time_before_anything_is_built(
    ctx: BuildContext, change: dict[str, str], words: str
) -> None:
    with pytest.raises(StepFailed, match=words.replace("(", r"\(")):
        plugin("Docker", 1).run(ctx, {**BUILD_TEST, **change})
    assert ctx.toolbox.image_tools.built == []


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        ("-v /:/host", "cannot mount host folders"),
        ("--file other/Dockerfile", "dockerFile"),
        ("--privileged", "not supported"),
        ("--pull=sometimes", "expected one of"),
        ("--build-arg NOVALUE", "NAME=VALUE"),
        ("--target", "needs a value"),
        ("'unclosed", "cannot split"),
    ],
)
def test_build_arguments_are_understood_or_refused(
    ctx: BuildContext, arguments: str, words: str
) -> None:
    with pytest.raises(StepFailed, match=words):
        plugin("Docker", 1).run(ctx, {**BUILD_TEST, "arguments": arguments})


def test_the_default_context_is_the_dockerfile_folder_and_patterns_must_match_once(
    ctx: BuildContext,
) -> None:
    inputs = {"imageName": "staging/delivery:v1", "dockerFile": "**/Dockerfile"}
    plugin("Docker", 1).run(ctx, inputs)
    assert ctx.toolbox.image_tools.built[0].context == ctx.paths.sources / "src/shipping/delivery"
    (ctx.paths.sources / "other").mkdir()
    (ctx.paths.sources / "other/Dockerfile").write_text("FROM scratch\n")
    with pytest.raises(StepFailed, match="matches 2 files"):
        plugin("Docker", 1).run(ctx, inputs)


def test_the_test_runner_runs_with_its_results_folder_mounted(ctx: BuildContext) -> None:
    inputs = {
        "command": "run",
        "containerName": "testrunner",
        "volumes": f"{ctx.paths.sources}/TestResults:/app/tests/TestResults",
        "imageName": "staging/delivery:x-test",
        "runInBackground": "false",
    }
    outcome = plugin("Docker", 1).run(ctx, inputs)
    assert str(outcome.status) == "succeeded"
    (spec,) = ctx.toolbox.container_tools.ran
    assert spec.image == "127.0.0.1:5000/staging/delivery:x-test"
    assert spec.name == "testrunner-12-34"
    assert spec.remove and not spec.detach
    assert spec.mounts[0].host == (ctx.paths.sources / "TestResults").resolve()
    assert spec.mounts[0].container == "/app/tests/TestResults"


def test_an_image_this_job_built_runs_by_its_id(ctx: BuildContext) -> None:
    plugin("Docker", 1).run(ctx, BUILD_TEST)
    run = {"command": "run", "imageName": "staging/delivery:x-test", "runInBackground": "false"}
    plugin("Docker", 1).run(ctx, run)
    assert ctx.toolbox.container_tools.ran[0].image == IMAGE_ID


def test_a_red_test_run_fails_the_step_with_the_exit_code(ctx: BuildContext) -> None:
    ctx.toolbox.container_tools.exit_code = 1
    inputs = {
        "command": "Run an image",
        "imageName": "staging/delivery:x",
        "runInBackground": "false",
    }
    outcome = plugin("Docker", 1).run(ctx, inputs)
    assert str(outcome.status) == "failed"
    assert "exited with code 1" in outcome.message


@pytest.mark.parametrize(
    "volume", ["/etc:/etc", "../../outside:/x", "named:/data", "/tmp:/tmp:ro", "justone"]
)
def test_volumes_outside_the_workspace_are_refused(ctx: BuildContext, volume: str) -> None:
    inputs = {"command": "run", "imageName": "staging/delivery:x", "volumes": volume}
    with pytest.raises(StepFailed, match="volume"):
        plugin("Docker", 1).run(ctx, inputs)
    assert ctx.toolbox.container_tools.ran == []


def test_run_passes_environment_by_name_and_background_runs_detach(ctx: BuildContext) -> None:
    inputs = {
        "command": "run",
        "imageName": "staging/delivery:x",
        "envVars": "TOKEN=s3cr3t\nMODE=ci",
        "ports": "18080:8080",
        "containerCommand": "serve --port 8080",
        "restartPolicy": "onFailure",
        "maxRestartRetries": "3",
    }
    plugin("Docker", 1).run(ctx, inputs)
    (spec,) = ctx.toolbox.container_tools.ran
    assert spec.env == (("TOKEN", "s3cr3t"), ("MODE", "ci"))
    assert spec.detach and not spec.remove and spec.restart == "on-failure:3"
    assert spec.command == ("serve", "--port", "8080") and spec.ports == ("18080:8080",)


def test_push_sends_the_built_image_and_records_its_digest(ctx: BuildContext) -> None:
    build = {**BUILD_TEST, "arguments": "", "imageName": "staging/delivery:v1.0.2"}
    plugin("Docker", 1).run(ctx, build)
    push = {
        "azureSubscriptionEndpoint": "fabrikam-dev",
        "azureContainerRegistry": "fabrikam.azurecr.io",
        "command": "push",
        "imageName": "staging/delivery:v1.0.2",
        "imageDigestFile": "digest.txt",
    }
    outcome = plugin("Docker", 1).run(ctx, push)
    assert str(outcome.status) == "succeeded", outcome.message
    ((image, endpoint),) = ctx.toolbox.image_tools.pushed
    assert ctx.toolbox.image_tools.sources == [IMAGE_ID], "the id this job built, not the tag"
    assert image == "127.0.0.1:5000/staging/delivery:v1.0.2"
    assert (endpoint.address, endpoint.secure) == (REGISTRY.address, False)
    (record,) = ctx.recorder.records
    assert (record.kind, record.name, record.digest) == ("image", "delivery", DIGEST)
    assert record.reference == "127.0.0.1:5000/staging/delivery:v1.0.2"
    assert record.data["image_id"] == IMAGE_ID and record.data["commit"] == "a" * 40
    assert (record.run_id, record.job_id) == (12, 34)
    written = (ctx.paths.sources / "digest.txt").read_text().strip()
    assert written == f"127.0.0.1:5000/staging/delivery@{DIGEST}"


def test_include_latest_tag_pushes_every_other_tag_and_never_latest(ctx: BuildContext) -> None:
    build = {**BUILD_TEST, "arguments": "", "imageName": "staging/delivery:v1.0.2"}
    plugin("Docker", 1).run(ctx, {**build, "includeLatestTag": "true"})
    push = {"command": "push", "imageName": "staging/delivery:v1.0.2", "includeLatestTag": "true"}
    outcome = plugin("Docker", 1).run(ctx, push)
    assert str(outcome.status) == "succeeded", outcome.message
    assert [image for image, _ in ctx.toolbox.image_tools.pushed] == [
        "127.0.0.1:5000/staging/delivery:v1.0.2"
    ]
    assert all("latest" not in t for spec in ctx.toolbox.image_tools.built for t in spec.tags)
    assert any("includeLatestTag: true is ignored" in m for k, m in ctx.issues if k == "warning")


def test_pushing_an_image_nobody_built_fails(ctx: BuildContext) -> None:
    with pytest.raises(StepFailed, match=r"no image 127\.0\.0\.1:5000/staging/delivery:v9"):
        plugin("Docker", 1).run(ctx, {"command": "push", "imageName": "staging/delivery:v9"})


def test_a_configured_connection_chooses_the_registry(tmp_path: Path) -> None:
    text = (
        '[connections."fabrikam.azurecr.io"]\n'
        'registry = "registry.fabrikam.example"\n'
        'username = "ci"\npassword_env = "FABRIKAM_TOKEN"\n'
    )
    conns = parse(text, tmp_path / "c.toml", REGISTRY, {"FABRIKAM_TOKEN": "pw-secret"})
    ctx = BuildContext(tmp_path, toolbox=FakeToolbox(conns=conns))
    service_tree(ctx)
    plugin("Docker", 1).run(ctx, BUILD_TEST)
    assert ctx.toolbox.image_tools.built[0].tags == (
        "registry.fabrikam.example/staging/delivery:x-test",
    )
    assert any("https://registry.fabrikam.example as ci" in line for line in ctx.lines)
    assert not any("pw-secret" in line for line in ctx.lines)


def test_docker2_build_and_push_tags_every_tag_and_refuses_latest(ctx: BuildContext) -> None:
    inputs = {
        "containerRegistry": "my-registry",
        "repository": "staging/delivery",
        "command": "buildAndPush",
        "Dockerfile": "src/shipping/delivery/Dockerfile",
        "tags": "v1.0.2\n12",
    }
    outcome = plugin("Docker", 2).run(ctx, inputs)
    assert str(outcome.status) == "succeeded", outcome.message
    assert ctx.toolbox.image_tools.built[0].tags == (
        "127.0.0.1:5000/staging/delivery:v1.0.2",
        "127.0.0.1:5000/staging/delivery:12",
    )
    assert [p[0] for p in ctx.toolbox.image_tools.pushed] == list(
        ctx.toolbox.image_tools.built[0].tags
    )
    with pytest.raises(StepFailed, match="latest"):
        plugin("Docker", 2).run(ctx, {**inputs, "tags": "v1, latest"})


def test_login_is_a_no_op_and_unsupported_options_say_so(ctx: BuildContext) -> None:
    assert str(plugin("Docker", 1).run(ctx, {"command": "login"}).status) == "succeeded"
    assert str(plugin("Docker", 2).run(ctx, {"command": "logout"}).status) == "succeeded"
    with pytest.raises(StepFailed, match="includeSourceTags"):
        plugin("Docker", 1).run(
            ctx, {"command": "push", "imageName": "a/b:v1", "includeSourceTags": "true"}
        )
    with pytest.raises(StepFailed, match="listed in a file"):
        plugin("Docker", 1).run(ctx, {"command": "push", "pushMultipleImages": "true"})


def test_docker2_start_and_stop_use_the_job_scoped_container_name(ctx: BuildContext) -> None:
    plugin("Docker", 2).run(ctx, {"command": "stop", "container": "web"})
    assert ctx.toolbox.container_tools.controlled == [("stop", "web-12-34")]
