"""The example's Dockerfiles and Helm charts keep the article's practices."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml

from shipyard.platform import Platform
from shipyard.platform import binary as platform_binary
from tests.unit.examples.support import FABRIKAM, SERVICES, SHIPPING, load_yaml, pipeline, variables


def _instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, comments dropped and continuation lines joined."""
    text = re.sub(r"\\\n", " ", dockerfile.read_text(encoding="utf-8"))
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def _stages(dockerfile: Path) -> dict[str, list[tuple[str, str]]]:
    stages: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] | None = None
    for word, rest in _instructions(dockerfile):
        if word == "FROM":
            name = rest.split()[-1]
            current = stages.setdefault(name, [])
        elif current is not None:
            current.append((word, rest))
    return stages


def _context(service: str) -> Path:
    values = variables(pipeline(service))
    if "buildContext" in values:
        return FABRIKAM / values["buildContext"]
    return (FABRIKAM / values["dockerFileName"]).parent


@pytest.mark.parametrize("service", SERVICES)
def test_the_dockerfile_has_the_article_stages(service: str) -> None:
    dockerfile = SHIPPING / service / "Dockerfile"
    stages = _stages(dockerfile)
    assert {"base", "build", "testrunner", "final"} <= set(stages)
    assert list(stages)[-1] == "final"
    first = _instructions(dockerfile)[0]
    assert first[0] == "ARG"
    name, _, default = first[1].partition("=")
    assert name == "BASE_IMAGE"
    assert re.fullmatch(r"127\.0\.0\.1:\d+/base/python:3\.11-bookworm", default)
    assert all(word != "HEALTHCHECK" for word, _ in _instructions(dockerfile))


@pytest.mark.parametrize("service", SERVICES)
def test_the_test_runner_runs_the_tests_when_the_container_runs(service: str) -> None:
    runner = dict(_stages(SHIPPING / service / "Dockerfile")["testrunner"])
    assert "/app/tests/TestResults/" in runner["ENTRYPOINT"]
    assert "pytest" in runner["ENTRYPOINT"]


@pytest.mark.parametrize("service", SERVICES)
def test_the_final_stage_is_non_root_and_sets_the_version_last(service: str) -> None:
    final = _stages(SHIPPING / service / "Dockerfile")["final"]
    words = [word for word, _ in final]
    args = dict(final)
    assert args["USER"].split(":")[0] == "1000"
    assert args["EXPOSE"] == "8080"
    assert args["ARG"] == "APP_VERSION=dev"
    assert args["CMD"] == f'["python3", "-m", "fabrikam_{service}"]'
    # Everything that copies or builds comes before the per-build version...
    work = [
        i
        for i, (word, rest) in enumerate(final)
        if word == "COPY" or (word == "RUN" and "APP_VERSION" not in rest)
    ]
    assert words.index("ARG") > max(work)
    # ...and the first layer after it is a RUN keyed on it, since buildah 1.28 caches an ENV
    # layer by its text alone and would reuse another release's version.
    arg = words.index("ARG")
    assert final[arg + 1] == ("RUN", ': "${APP_VERSION}"')
    assert words.index("ENV") > arg + 1
    assert all("testtools" not in rest for _, rest in final)


@pytest.mark.parametrize("service", SERVICES)
def test_every_copy_source_exists_in_the_build_context(service: str) -> None:
    context = _context(service)
    assert (context / ".dockerignore").is_file()
    for word, rest in _instructions(SHIPPING / service / "Dockerfile"):
        if word != "COPY" or rest.startswith("--from"):
            continue
        *sources, _dest = shlex.split(rest)
        for source in sources:
            assert list(context.glob(source)), f"{service}: COPY {source} is not in {context}"


@pytest.mark.parametrize("service", SERVICES)
def test_the_chart_is_versioned_by_ci(service: str) -> None:
    chart = load_yaml(FABRIKAM / "charts" / service / "Chart.yaml")
    assert (chart["apiVersion"], chart["name"], chart["version"]) == ("v2", service, "0.1.0")
    assert chart["appVersion"]
    values = load_yaml(FABRIKAM / "charts" / service / "values.yaml")
    assert values["image"]["tag"] == ""  # no default: the tag must be given
    assert values["image"]["repository"] == f"staging/{service}"
    assert values["log"]["level"] == "info"
    assert values["reason"]


@pytest.mark.parametrize("service", SERVICES)
def test_the_deployment_template_has_the_article_practices(service: str) -> None:
    text = (FABRIKAM / "charts" / service / "templates" / "deployment.yaml").read_text()
    assert f'name: {{{{ include "{service}.fullname" . | replace "." "" }}}}' in text
    assert "kubernetes.io/change-cause: {{ .Values.reason | quote }}" in text
    # The tag is always required; a digest, when given, pins the image (production).
    assert 'required "image.tag is required' in text
    assert '{{ required "dockerregistry is required" .Values.dockerregistry }}/' in text
    if service == "delivery":
        assert "{{ if .Values.image.digest }}@{{ .Values.image.digest }}" in text
    else:
        assert '{{ .Values.image.repository }}:{{ required "image.tag is required' in text
    assert "value: {{ .Values.log.level | quote }}" in text
    for needed in (
        "runAsNonRoot: true",
        "runAsUser: 1000",
        "allowPrivilegeEscalation: false",
        "- ALL",
        "type: RuntimeDefault",
        "path: /health",
        "readinessProbe:",
        "livenessProbe:",
        "toYaml .Values.resources",
    ):
        assert needed in text, needed


@pytest.mark.integration
@pytest.mark.platform
@pytest.mark.parametrize("service", SERVICES)
def test_helm_renders_side_by_side_releases(
    service: str, tmp_path: Path, shipyard_platform: Platform
) -> None:
    """Rendered with the helm that Shipyard manages (the platform installs it)."""
    helm = str(platform_binary("helm", shipyard_platform))

    def render(*args: str) -> subprocess.CompletedProcess[str]:
        env = {"HELM_CONFIG_HOME": str(tmp_path), "HELM_CACHE_HOME": str(tmp_path)}
        return subprocess.run(
            [helm, "template", *args, str(FABRIKAM / "charts" / service)],
            capture_output=True,
            text=True,
            env={**env, "HELM_DATA_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
            timeout=60,
            check=False,
        )

    done = render(
        f"{service}-v0.1.0",
        "--set", "dockerregistry=127.0.0.1:5000",
        "--set", "image.tag=v0.1.0",
        "--set-string", "reason=Initial deployment",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    objects = {doc["kind"]: doc for doc in yaml.safe_load_all(done.stdout) if doc}
    deployment = objects["Deployment"]
    assert deployment["metadata"]["name"] == objects["Service"]["metadata"]["name"]
    assert deployment["metadata"]["name"] == f"{service}-v010"
    assert deployment["metadata"]["annotations"] == {
        "kubernetes.io/change-cause": "Initial deployment"
    }
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    assert container["image"] == f"127.0.0.1:5000/staging/{service}:v0.1.0"
    assert render("x", "--set", "dockerregistry=r").returncode != 0
    latest = render("x", "--set", "dockerregistry=r", "--set", "image.tag=latest")
    assert "never latest" in latest.stderr
