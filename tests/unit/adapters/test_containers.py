"""buildah, podman and helm command lines, with a runner that records them."""

from __future__ import annotations

import json
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from shipyard.adapters.containers import Buildah, Podman
from shipyard.adapters.helm import Helm
from shipyard.adapters.process import Completed
from shipyard.flow.builds import BuildSpec, ContainerSpec, Mount, StepFailed
from shipyard.flow.connections import RegistryEndpoint
from shipyard.tasks.api import ProcessResult

ENV = {"CONTAINERS_STORAGE_CONF": "/s/storage.conf", "BUILDAH_ISOLATION": "chroot"}
PLAIN = RegistryEndpoint("127.0.0.1:5000", secure=False)
SECURE = RegistryEndpoint("r.example", True, "ci", "pw-secret")
IID = "sha256:" + "c" * 64


@dataclass
class Recorder:
    """A StepRunner: records argv and env, and plays the tool's files."""

    calls: list[dict[str, Any]] = field(default_factory=list)
    exit_code: int = 0
    seen_auth: list[dict[str, Any]] = field(default_factory=list)

    def __call__(
        self, argv: Sequence[str], *, cwd: Path | None = None, env: Mapping[str, str] | None = None
    ) -> ProcessResult:
        argv = list(argv)
        self.calls.append({"argv": argv, "cwd": cwd, "env": dict(env or {})})
        for flag, content in (("--iidfile", IID), ("--digestfile", "sha256:" + "d" * 64)):
            if flag in argv:
                Path(argv[argv.index(flag) + 1]).write_text(content)
        for flag in ("--authfile",):
            if flag in argv:
                path = Path(argv[argv.index(flag) + 1])
                self.seen_auth.append(
                    {
                        "mode": stat.S_IMODE(path.stat().st_mode),
                        "data": json.loads(path.read_text()),
                    }
                )
        if "HELM_REGISTRY_CONFIG" in (env or {}):
            path = Path((env or {})["HELM_REGISTRY_CONFIG"])
            if path.name.startswith("auth-"):
                self.seen_auth.append({"mode": stat.S_IMODE(path.stat().st_mode)})
        if argv[1:2] == ["package"]:
            dest = Path(argv[argv.index("--destination") + 1])
            (dest / f"delivery-{argv[argv.index('--version') + 1]}.tgz").write_text("x")
        return ProcessResult(self.exit_code)


def spec(tmp_path: Path, **extra: Any) -> BuildSpec:
    values: dict[str, Any] = {
        "dockerfile": tmp_path / "Dockerfile",
        "context": tmp_path,
        "tags": ("127.0.0.1:5000/staging/delivery:v1.0.2",),
        "workdir": tmp_path / "work",
        "target": "final",
        "build_args": (("BASE_IMAGE", "127.0.0.1:5000/base/python:3.11-bookworm"),),
    }
    values.update(extra)
    return BuildSpec(**values)


def test_a_build_without_labels_is_one_buildah_build(tmp_path: Path) -> None:
    run = Recorder()
    image_id = Buildah(ENV, ca_bundle=None).build(spec(tmp_path), run)
    assert image_id == IID
    (call,) = run.calls
    assert call["argv"] == [
        "buildah", "build", "--layers", "-f", str(tmp_path / "Dockerfile"),
        "--iidfile", str(tmp_path / "work" / "iid"), "--target", "final",
        "--build-arg", "BASE_IMAGE=127.0.0.1:5000/base/python:3.11-bookworm",
        "-t", "127.0.0.1:5000/staging/delivery:v1.0.2", str(tmp_path),
    ]  # fmt: skip
    assert call["env"] == ENV and call["cwd"] == tmp_path


def test_labels_go_on_in_a_cached_step_of_their_own(tmp_path: Path) -> None:
    run = Recorder()
    labels = (("org.opencontainers.image.revision", "abc"), ("io.shipyard.ref", 'refs/heads/x"y'))
    Buildah(ENV, ca_bundle=None).build(spec(tmp_path, labels=labels, pull="always"), run)
    first, second = run.calls
    assert "-t" not in first["argv"] and "--pull=always" in first["argv"]
    assert second["argv"][:5] == ["buildah", "build", "--layers", "--pull=never", "-f"]
    assert second["argv"][-3:] == [
        "-t",
        "127.0.0.1:5000/staging/delivery:v1.0.2",
        str(tmp_path / "work"),
    ]
    text = (tmp_path / "work" / "Containerfile.labels").read_text()
    assert text.startswith(f"FROM {IID}\nLABEL ")
    assert '"io.shipyard.ref"="refs/heads/x\\"y"' in text


def test_the_host_ca_bundle_is_mounted_read_only(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.crt"
    bundle.write_text("certs")
    argv = Buildah(ENV, ca_bundle=bundle).build_argv(spec(tmp_path))
    assert argv[-3:-1] == ["-v", f"{bundle}:/etc/ssl/certs/ca-certificates.crt:ro"]


def test_a_failed_build_names_the_exit_code(tmp_path: Path) -> None:
    with pytest.raises(StepFailed, match="buildah build failed: exit code 2"):
        Buildah(ENV, ca_bundle=None).build(spec(tmp_path), Recorder(exit_code=2))


def test_push_records_the_digest_and_keeps_credentials_off_the_command_line(tmp_path: Path) -> None:
    run = Recorder()
    builder = Buildah(ENV, ca_bundle=None)
    digest = builder.push("127.0.0.1:5000/staging/delivery:v1.0.2", PLAIN, tmp_path, run)
    assert digest == "sha256:" + "d" * 64
    argv = run.calls[0]["argv"]
    assert "--tls-verify=false" in argv and "--authfile" not in argv
    assert argv[-1] == "docker://127.0.0.1:5000/staging/delivery:v1.0.2"
    builder.push("r.example/staging/delivery:v1", SECURE, tmp_path, run, source=IID)
    argv = run.calls[1]["argv"]
    assert argv[-2:] == [IID, "docker://r.example/staging/delivery:v1"]
    assert "--tls-verify=false" not in argv
    assert not any("pw-secret" in a for a in argv)
    (auth,) = run.seen_auth
    assert auth["mode"] == 0o600 and "r.example" in auth["data"]["auths"]
    assert not list(tmp_path.glob("auth-*.json")), "the auth file is removed after the push"


def test_image_ids_come_from_buildah_inspect(tmp_path: Path) -> None:
    def quiet(argv: Sequence[str], **_: Any) -> Completed:
        return Completed(tuple(argv), 0, "c" * 64 + "\n", "")

    assert Buildah(ENV, run_quiet=quiet).image_id("x:v1") == IID


def test_podman_runs_with_env_by_name_and_creates_missing_mount_folders(tmp_path: Path) -> None:
    run = Recorder()
    results = tmp_path / "TestResults"
    container = ContainerSpec(
        image="127.0.0.1:5000/staging/delivery:x-test",
        name="testrunner-1-2",
        mounts=(Mount(results, "/app/tests/TestResults"),),
        env=(("TOKEN", "s3cr3t"),),
    )
    Podman(ENV).run(container, run)
    (call,) = run.calls
    assert call["argv"] == [
        "podman", "run", "--rm", "--name", "testrunner-1-2",
        "-v", f"{results}:/app/tests/TestResults", "-e", "TOKEN",
        "127.0.0.1:5000/staging/delivery:x-test",
    ]  # fmt: skip
    assert call["env"]["TOKEN"] == "s3cr3t" and results.is_dir()


def test_helm_package_and_push(tmp_path: Path) -> None:
    chart = tmp_path / "charts" / "delivery"
    chart.mkdir(parents=True)
    (chart / "Chart.yaml").write_text("name: delivery\nversion: 0.1.0\n")
    run = Recorder()
    helm = Helm(Path("/tools/helm"), {"HELM_CONFIG_HOME": "/h", "OTHER": "x"})
    archive = helm.package(chart, tmp_path / "out", run, version="v1.0.2", app_version="v1.0.2")
    assert archive == tmp_path / "out" / "delivery-v1.0.2.tgz"
    assert run.calls[0]["argv"] == [
        "/tools/helm", "package", str(chart), "--destination", str(tmp_path / "out"),
        "--version", "v1.0.2", "--app-version", "v1.0.2",
    ]  # fmt: skip
    helm.push(archive, PLAIN, "helm", tmp_path, run)
    assert run.calls[1]["argv"][-2:] == ["oci://127.0.0.1:5000/helm", "--plain-http"]
    helm.push(archive, SECURE, "helm", tmp_path, run)
    assert run.calls[2]["argv"][-1] == "oci://r.example/helm"
    assert run.seen_auth == [{"mode": 0o600}]
    assert helm.environment() == {"HELM_CONFIG_HOME": "/h"}


def test_helm_show_chart_reads_the_archive(tmp_path: Path) -> None:
    def quiet(argv: Sequence[str], **_: Any) -> Completed:
        text = "apiVersion: v2\nname: delivery\nversion: v1.0.2\nappVersion: v1.0.2\n"
        return Completed(tuple(argv), 0, text, "")

    info = Helm(Path("/tools/helm"), {}, run_quiet=quiet).show_chart(tmp_path / "x.tgz")
    assert (info.name, info.version, info.app_version) == ("delivery", "v1.0.2", "v1.0.2")
