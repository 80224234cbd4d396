"""Building, pushing and running images: the work behind Docker@1 and Docker@2.

The two tasks differ in how their inputs name things (``imageName`` with its tag versus
``repository`` plus ``tags``); what happens is the same and lives here:

- **build**: ``buildah build --layers`` of the step's Dockerfile and context, tagged with
  every name (each refused if it is ``latest`` or untagged, which tools read as latest).
  Build arguments the platform supplies (``BASE_IMAGE``) are added when the Dockerfile
  declares them and the step does not set them. The image id goes to the job's image list.
- **push**: the local image, by the id this job built, to the registry of the step's
  service connection; the manifest digest comes back from buildah and goes into the build
  record with the commit.
- **run**: ``podman run`` of a local image. The container is named after ``containerName``
  plus the run and job ids, so two jobs on one machine never fight over a name. Host
  folders may be mounted only from inside the job's workspace: a pipeline must not read or
  write the rest of the machine through a volume.
"""

from __future__ import annotations

import dataclasses
import re
import shlex
from collections.abc import Mapping, Sequence
from pathlib import Path

from shipyard.flow.builds import (
    BuildSpec,
    ContainerSpec,
    ImageName,
    Mount,
    StepFailed,
    refuse_latest,
)
from shipyard.flow.connections import RegistryEndpoint
from shipyard.ports import ToolExit
from shipyard.tasks.api import TaskContext
from shipyard.tasks.globs import find_files
from shipyard.tasks.plugins._build import JobImages, in_workspace, record, toolbox, workdir
from shipyard.tasks.plugins._dockerargs import BuildArguments

_ARG = re.compile(r"^\s*ARG\s+([A-Za-z_][A-Za-z0-9_]*)", re.IGNORECASE | re.MULTILINE)
_NAME = re.compile(r"[^A-Za-z0-9_.-]")


class LoggedRunner:
    """``ctx.run`` that first shows the command line in the step's log."""

    def __init__(self, ctx: TaskContext) -> None:
        self.ctx = ctx

    def __call__(
        self,
        argv: Sequence[str],
        *,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
    ) -> ToolExit:
        self.ctx.log(f"[command]{shlex.join(argv)}")
        return self.ctx.run(argv, cwd=cwd, env=env)


def find_dockerfile(ctx: TaskContext, value: str) -> Path:
    """The Dockerfile an input names; a pattern (``**/Dockerfile``) must match exactly one."""
    text = value.strip() or "**/Dockerfile"
    if any(ch in text for ch in "*?["):
        root = ctx.paths.sources
        found = find_files(root, [text])
        if len(found) != 1:
            what = "no file" if not found else f"{len(found)} files"
            raise StepFailed(
                f"Dockerfile pattern '{text}' matches {what} in {root}",
                hint="name the Dockerfile of this service exactly",
            )
        return found[0]
    path = in_workspace(ctx, text)
    if not path.is_file():
        raise StepFailed(f"no Dockerfile at {path}")
    return path


def default_labels(ctx: TaskContext) -> list[tuple[str, str]]:
    """Labels that tie an image to its commit and run (Azure adds similar ones)."""
    wanted = {
        "org.opencontainers.image.revision": "Build.SourceVersion",
        "io.shipyard.pipeline": "Build.DefinitionName",
        "io.shipyard.ref": "Build.SourceBranch",
        "io.shipyard.build": "Build.BuildNumber",
    }
    return [(k, v) for k, var in wanted.items() if (v := ctx.variable(var) or "")]


def _declared_args(dockerfile: Path) -> set[str]:
    try:
        return set(_ARG.findall(dockerfile.read_text(errors="replace")))
    except OSError:
        return set()


def build(
    ctx: TaskContext,
    *,
    dockerfile: Path,
    context: Path,
    names: Sequence[ImageName],
    args: BuildArguments,
    labels: Sequence[tuple[str, str]] = (),
) -> str:
    """Build and tag; returns the image id."""
    extra = [ImageName.parse(t) for t in args.tags]
    for name in (*names, *extra):
        refuse_latest(name)
    if not context.is_dir():
        raise StepFailed(f"the build context {context} is not a folder")
    tools = toolbox(ctx)
    given = {k for k, _ in args.build_args}
    declared = _declared_args(dockerfile)
    supplied = [(k, v) for k, v in tools.build_args().items() if k in declared and k not in given]
    for key, value in supplied:
        ctx.log(f"Build argument {key}={value} (from the platform)")
    tags = [str(n) for n in (*names, *extra)]
    spec = BuildSpec(
        dockerfile=dockerfile,
        context=context,
        tags=tuple(tags),
        workdir=workdir(ctx, "build"),
        target=args.target,
        build_args=tuple(supplied + args.build_args),
        labels=tuple([*labels, *args.labels]),
        pull=args.pull,
        no_cache=args.no_cache,
        squash=args.squash,
    )
    image_id = tools.images().build(spec, LoggedRunner(ctx))
    state = JobImages.load(ctx)
    for tag in tags:
        state.images[tag] = {
            "id": image_id,
            "dockerfile": str(dockerfile),
            "target": args.target,
        }
    state.save()
    ctx.log(f"Built {', '.join(tags)} (image id {image_id})")
    return image_id


def push(ctx: TaskContext, name: ImageName, endpoint: RegistryEndpoint) -> str:
    """Push a local image; returns its manifest digest, recorded with the commit."""
    refuse_latest(name)
    image = str(name)
    tools = toolbox(ctx)
    state = JobImages.load(ctx)
    known = state.image(image) or {}
    image_id = known.get("id") or tools.images().image_id(image)
    if not image_id:
        raise StepFailed(
            f"there is no image {image} on this machine to push",
            hint="build it in an earlier step of the same job",
        )
    digest = tools.images().push(
        image, endpoint, workdir(ctx, "push"), LoggedRunner(ctx), source=image_id
    )
    state.images.setdefault(image, {"id": image_id}).update(digest=digest, pushed=True)
    state.save()
    ctx.log(f"Pushed {image}@{digest}")
    record(
        ctx,
        "image",
        name.service,
        reference=image,
        digest=digest,
        data={
            "image_id": image_id,
            "commit": ctx.variable("Build.SourceVersion") or "",
            "registry": endpoint.address,
        },
    )
    return digest


def container_name(ctx: TaskContext, given: str) -> str:
    """``testrunner`` -> ``testrunner-12-34`` (run 12, job 34): unique on the machine."""
    if not given.strip():
        return ""
    run_id = ctx.variable("Build.BuildId") or "0"
    job_id = ctx.variable("System.JobId") or "0"
    return _NAME.sub("-", f"{given.strip()}-{run_id}-{job_id}")


def mounts(ctx: TaskContext, volumes: Sequence[str]) -> tuple[Mount, ...]:
    """``HOST:CONTAINER[:OPTIONS]`` lines; host folders must be inside the job's workspace
    (an absolute path, or ``./x`` relative to the sources folder)."""
    found: list[Mount] = []
    root = ctx.paths.workspace.resolve()
    for line in volumes:
        parts = line.split(":")
        if len(parts) not in (2, 3) or not parts[0] or not parts[1].startswith("/"):
            raise StepFailed(f"volume '{line}': expected HOST_FOLDER:/container/path[:ro]")
        if not parts[0].startswith(("/", "./", "../")):
            raise StepFailed(
                f"volume '{line}': named volumes outlive the job and are not supported",
                hint="mount a folder of the workspace, e.g. $(System.DefaultWorkingDirectory)/X",
            )
        host = in_workspace(ctx, parts[0]).resolve()
        if host != root and root not in host.parents:
            raise StepFailed(
                f"volume '{line}': {host} is outside the job's workspace {root}",
                hint="mount a folder of the workspace, e.g. $(System.DefaultWorkingDirectory)/X",
            )
        found.append(Mount(host, parts[1], parts[2] if len(parts) == 3 else ""))
    return tuple(found)


def env_pairs(lines: Sequence[str]) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    for line in lines:
        name, eq, value = line.partition("=")
        if not eq or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name.strip()):
            raise StepFailed(f"environment variable '{line}': expected NAME=VALUE")
        out.append((name.strip(), value))
    return tuple(out)


def run_container(ctx: TaskContext, spec: ContainerSpec) -> ToolExit:
    """Run a container; an image this job built runs by its id (a tag may have moved)."""
    refuse_latest(ImageName.parse(spec.image))
    if spec.name:
        ctx.log(f"Container name: {spec.name}")
    known = JobImages.load(ctx).image(spec.image)
    if known is not None:
        ctx.log(f"Image {spec.image} built by this job: {known['id']}")
        spec = dataclasses.replace(spec, image=str(known["id"]))
    return toolbox(ctx).containers().run(spec, LoggedRunner(ctx))


def exit_message(result: ToolExit, image: str) -> str:
    if result.canceled:
        return "canceled"
    if result.timed_out:
        return "timed out"
    return f"the container of {image} exited with code {result.exit_code}"
