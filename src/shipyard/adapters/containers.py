"""buildah builds, tags, pushes and exports images; podman runs containers.

Both tools work in the platform's own storage and configuration (the variables of
:func:`shipyard.platform.toolenv.tool_env`: overlay storage, a ``registries.conf`` that
knows the plain-HTTP registry on loopback, runc with ulimits under the host's hard limit,
chroot isolation). What each command line holds, and why:

- ``buildah build --layers``: every step is cached, so an unchanged service rebuilds in
  about half a second; ``--iidfile`` gives the image id without parsing output. The host's
  CA bundle is mounted read-only into every ``RUN`` (pip inside the build must trust what
  the host trusts), never copied into a layer.
- ``buildah push --digestfile``: the manifest digest the registry now serves for the tag,
  which the build record keeps. A registry reached over plain HTTP gets
  ``--tls-verify=false``; any other keeps verification. Credentials go in an auth file
  readable by its owner only, created for the push and removed after it, never on the
  command line.
- ``podman run``: environment values are passed by name (``-e NAME``) and their values
  through podman's own environment, so secrets do not show in ``ps``.

Long commands are not run here but handed to the step's runner (its output is the step's
log); quick questions (``buildah inspect``) are asked with :func:`shipyard.adapters.process.run`.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shlex
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

from shipyard.adapters import process
from shipyard.adapters.process import CommandFailed, ToolMissing
from shipyard.flow.builds import BuildSpec, ContainerSpec, StepFailed
from shipyard.flow.connections import RegistryEndpoint
from shipyard.ports import StepRunner, ToolExit

CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
Run = Callable[..., process.Completed]


def check_exit(result: ToolExit, what: str) -> None:
    """Raise StepFailed unless the tool exited 0."""
    if result.canceled:
        raise StepFailed(f"{what} was canceled")
    if result.timed_out:
        raise StepFailed(f"{what} timed out")
    if result.exit_code != 0:
        raise StepFailed(f"{what} failed: exit code {result.exit_code}")


@contextlib.contextmanager
def auth_file(endpoint: RegistryEndpoint, workdir: Path) -> Iterator[Path | None]:
    """A docker-style auth file for ``endpoint`` (mode 0600), removed afterwards."""
    if not endpoint.has_credentials:
        yield None
        return
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / f"auth-{os.getpid()}-{id(endpoint)}.json"
    token = base64.b64encode(f"{endpoint.username}:{endpoint.password}".encode()).decode()
    data = json.dumps({"auths": {endpoint.address: {"auth": token}}})
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(data)
        yield path
    finally:
        path.unlink(missing_ok=True)


class Buildah:
    """The :class:`~shipyard.ports.ImageBuilder` port over buildah."""

    def __init__(
        self,
        env: Mapping[str, str],
        *,
        binary: str = "buildah",
        ca_bundle: Path | None = CA_BUNDLE,
        run_quiet: Run | None = None,
    ) -> None:
        self.env = dict(env)
        self.binary = binary
        self.ca_bundle = ca_bundle if ca_bundle is not None and ca_bundle.is_file() else None
        self._quiet = run_quiet or process.run

    def build_argv(self, spec: BuildSpec) -> list[str]:
        argv = [self.binary, "build", "--layers"]
        if spec.pull:
            argv.append("--pull" if spec.pull == "true" else f"--pull={spec.pull}")
        if spec.no_cache:
            argv.append("--no-cache")
        if spec.squash:
            argv.append("--squash")
        argv += ["-f", str(spec.dockerfile), "--iidfile", str(spec.workdir / "iid")]
        if spec.target:
            argv += ["--target", spec.target]
        for key, value in spec.build_args:
            argv += ["--build-arg", f"{key}={value}"]
        if not spec.labels:
            for tag in spec.tags:
                argv += ["-t", tag]
        if self.ca_bundle is not None:
            argv += ["-v", f"{self.ca_bundle}:{CA_BUNDLE}:ro"]
        return [*argv, str(spec.context)]

    def label_argv(self, spec: BuildSpec, image_id: str) -> list[str]:
        """Labels as a last, metadata-only build on top of the built image.

        buildah 1.28 drops ``--label`` when the last step of a build is a cache hit, so a
        rebuild of an unchanged service would lose them; a ``LABEL`` instruction of its own
        is cached like any other step and is never lost.
        """
        pairs = " ".join(f"{json.dumps(k)}={json.dumps(v)}" for k, v in spec.labels)
        containerfile = spec.workdir / "Containerfile.labels"
        containerfile.write_text(f"FROM {image_id}\nLABEL {pairs}\n")
        argv = [self.binary, "build", "--layers", "--pull=never", "-f", str(containerfile)]
        argv += ["--iidfile", str(spec.workdir / "iid")]
        for tag in spec.tags:
            argv += ["-t", tag]
        return [*argv, str(spec.workdir)]

    def _image_id(self, spec: BuildSpec) -> str:
        iid = spec.workdir / "iid"
        image_id = iid.read_text().strip() if iid.is_file() else ""
        iid.unlink(missing_ok=True)
        if not image_id.startswith("sha256:"):
            raise StepFailed("buildah build succeeded but wrote no image id")
        return image_id

    def build(self, spec: BuildSpec, run: StepRunner) -> str:
        spec.workdir.mkdir(parents=True, exist_ok=True)
        (spec.workdir / "iid").unlink(missing_ok=True)
        check_exit(run(self.build_argv(spec), cwd=spec.context, env=self.env), "buildah build")
        image_id = self._image_id(spec)
        if not spec.labels:
            return image_id
        argv = self.label_argv(spec, image_id)
        check_exit(run(argv, cwd=spec.workdir, env=self.env), "buildah build (labels)")
        return self._image_id(spec)

    def tag(self, image: str, tags: Sequence[str], run: StepRunner) -> None:
        check_exit(run([self.binary, "tag", image, *tags], env=self.env), "buildah tag")

    def push_argv(
        self, image: str, dest: RegistryEndpoint, digest: Path, auth: Path | None, source: str = ""
    ) -> list[str]:
        argv = [self.binary, "push", "--digestfile", str(digest)]
        if not dest.secure:
            argv.append("--tls-verify=false")
        if auth is not None:
            argv += ["--authfile", str(auth)]
        return [*argv, source or image, f"docker://{image}"]

    def push(
        self,
        image: str,
        dest: RegistryEndpoint,
        workdir: Path,
        run: StepRunner,
        *,
        source: str = "",
    ) -> str:
        workdir.mkdir(parents=True, exist_ok=True)
        digest_file = workdir / "digest"
        digest_file.unlink(missing_ok=True)
        with auth_file(dest, workdir) as auth:
            argv = self.push_argv(image, dest, digest_file, auth, source)
            result = run(argv, env=self.env)
        check_exit(result, f"buildah push {image}")
        digest = digest_file.read_text().strip() if digest_file.is_file() else ""
        if not digest.startswith("sha256:"):
            raise StepFailed(f"buildah pushed {image} but wrote no digest")
        return digest

    def image_id(self, image: str) -> str | None:
        argv = [self.binary, "inspect", "--type", "image", "--format", "{{.FromImageID}}", image]
        try:
            done = self._quiet(argv, extra_env=self.env, timeout=60)
        except ToolMissing as exc:
            raise StepFailed(exc.message) from None
        except CommandFailed:
            return None
        found = done.stdout.strip()
        return f"sha256:{found}" if found and not found.startswith("sha256:") else found or None

    def save_archive(self, image: str, dest: Path, run: StepRunner) -> None:
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.unlink(missing_ok=True)
        argv = [self.binary, "push", "--quiet", image, f"docker-archive:{dest}"]
        check_exit(run(argv, env=self.env), "writing the image archive")


class Podman:
    """The :class:`~shipyard.ports.ContainerRunner` port over podman."""

    def __init__(self, env: Mapping[str, str], *, binary: str = "podman") -> None:
        self.env = dict(env)
        self.binary = binary

    def run_argv(self, spec: ContainerSpec) -> list[str]:
        argv = [self.binary, "run"]
        if spec.remove:
            argv.append("--rm")
        if spec.detach:
            argv.append("-d")
        if spec.name:
            argv += ["--name", spec.name]
        for key, value in spec.labels:
            argv += ["--label", f"{key}={value}"]
        for mount in spec.mounts:
            suffix = f":{mount.options}" if mount.options else ""
            argv += ["-v", f"{mount.host}:{mount.container}{suffix}"]
        for port in spec.ports:
            argv += ["-p", port]
        for name, _value in spec.env:
            argv += ["-e", name]
        if spec.workdir:
            argv += ["-w", spec.workdir]
        if spec.entrypoint is not None:
            argv += ["--entrypoint", spec.entrypoint]
        if spec.memory:
            argv += ["--memory", spec.memory]
        if spec.restart:
            argv += ["--restart", spec.restart]
        return [*argv, spec.image, *spec.command]

    def control(self, action: str, name: str, run: StepRunner) -> ToolExit:
        if action not in ("start", "stop"):
            raise StepFailed(f"podman {action} is not supported")
        return run([self.binary, action, name], env=self.env)

    def run(self, spec: ContainerSpec, run: StepRunner) -> ToolExit:
        for mount in spec.mounts:
            if not mount.host.exists():  # docker creates a missing host folder; podman refuses
                mount.host.mkdir(parents=True)
        env = {**self.env, **dict(spec.env)}
        return run(self.run_argv(spec), env=env)


def shown(argv: Sequence[str]) -> str:
    """A command line as a person would type it, for the step's log."""
    return shlex.join(argv)
