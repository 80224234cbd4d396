"""Docker@1 and Docker@2: build, tag, push and run images, with buildah and podman.

Docker@1 is the article's task (``imageName`` carries the tag; commands ``build``, ``tag``,
``push``, ``run``, ``login``, ``logout``); Docker@2 is its successor (``repository`` plus
``tags``; ``build``, ``push``, ``buildAndPush``, ``login``, ``logout``, ``start``, ``stop``).
The registry of an image comes from the step's service connection
(:mod:`shipyard.flow.connections`): ``staging/delivery:v1.0.2`` becomes
``127.0.0.1:5000/staging/delivery:v1.0.2`` on the embedded platform.

Where Shipyard differs from Azure, and why:

- ``latest`` is refused at run time as well as by validation (a ``latest`` tag, an image
  name without a tag): a value that only a macro expansion reveals is caught here, and the
  step fails before anything is built or pushed. ``includeLatestTag: true`` (common in real
  pipelines) is a warning: every other tag is pushed, ``latest`` never is.
- ``login``/``logout`` do nothing: registries are reached through service connections,
  whose credentials are handed to each push and never stored in a shared login.
- ``includeSourceTags`` and pushing lists of images from a file are not supported; the
  step says so rather than pushing less than it was asked to.
- Docker@1 ``run`` refuses ``arguments`` (Azure appends them to ``docker run``; podman's
  flags differ and a mount flag could reach outside the workspace).
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping

from shipyard.flow.builds import ContainerSpec, ImageName, StepFailed, refuse_latest
from shipyard.tasks.api import Shell, TaskContext, TaskOutcome
from shipyard.tasks.plugins import _images
from shipyard.tasks.plugins._build import in_workspace, registry_for, toolbox
from shipyard.tasks.plugins._dockerargs import BuildArguments, lines, parse_build_arguments
from shipyard.tasks.registry import register

_DOCKER1_COMMANDS = {
    "build an image": "build",
    "tag image": "tag",
    "push an image": "push",
    "run an image": "run",
}
_RESTART = {
    "no": "",
    "onfailure": "on-failure",
    "always": "always",
    "unlessstopped": "unless-stopped",
}


def _flag(inputs: Mapping[str, str], name: str, default: bool = False) -> bool:
    value = inputs.get(name, "").strip().lower()
    return default if not value else value == "true"


def _acr_name(value: str) -> str:
    """``azureContainerRegistry`` as YAML writes it, or as the Azure UI stores it (JSON)."""
    text = value.strip()
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            return text
        if isinstance(data, dict):
            return str(data.get("loginServer") or "")
    return text


class Docker1:
    name = "Docker"
    major = 1
    shell_inputs: frozenset[str] = frozenset()
    shell: Shell = "bash"

    def run(self, ctx: TaskContext, inputs: Mapping[str, str]) -> TaskOutcome:
        command = inputs.get("command", "build").strip()
        command = _DOCKER1_COMMANDS.get(command.casefold(), command.casefold())
        if command in ("login", "logout"):
            ctx.log(
                f"docker {command}: nothing to do, registries are reached through "
                "service connections"
            )
            return TaskOutcome.ok()
        if _flag(inputs, "includeLatestTag"):
            ctx.warning(
                "includeLatestTag: true is ignored: Shipyard pushes every other tag and never "
                "`latest`"
            )
        handler = {"build": self._build, "tag": self._tag, "push": self._push, "run": self._run}
        if command not in handler:
            return TaskOutcome.failed(f"Docker@1 command '{command}' is not supported")
        return handler[command](ctx, inputs)

    def _names(self, inputs: Mapping[str, str]) -> list[str]:
        if _flag(inputs, "pushMultipleImages") or _flag(inputs, "tagMultipleImages"):
            raise StepFailed("pushing or tagging images listed in a file is not supported")
        name = inputs.get("imageName", "").strip()
        if not name:
            raise StepFailed("imageName is required")
        if _flag(inputs, "enforceDockerNamingConvention", True):
            # the repository part only: a tag may be mixed case (v1.0.2-RC1)
            head, sep, tail = name.rpartition(":")
            name = f"{head.lower()}{sep}{tail}" if sep and "/" not in tail else name.lower()
        return [name]

    def _endpoint_names(self, inputs: Mapping[str, str]) -> list[str]:
        if inputs.get("containerregistrytype", "").strip() == "Container Registry":
            return [inputs.get("dockerRegistryEndpoint", "")]
        return [
            _acr_name(inputs.get("azureContainerRegistry", "")),
            inputs.get("azureSubscriptionEndpoint", ""),
        ]

    def _qualified(
        self, ctx: TaskContext, inputs: Mapping[str, str]
    ) -> tuple[list[ImageName], str]:
        names = [ImageName.parse(n) for n in self._names(inputs)]
        if not _flag(inputs, "qualifyImageName", True):
            return names, ""
        endpoint = registry_for(ctx, *self._endpoint_names(inputs))
        return [n.qualified(endpoint.address) for n in names], endpoint.address

    def _build(self, ctx: TaskContext, inputs: Mapping[str, str]) -> TaskOutcome:
        dockerfile = _images.find_dockerfile(ctx, inputs.get("dockerFile", ""))
        if _flag(inputs, "useDefaultContext", True):
            context = dockerfile.parent
        else:
            context = in_workspace(ctx, inputs.get("buildContext", ""), dockerfile.parent)
        names, _ = self._qualified(ctx, inputs)
        args = parse_build_arguments(inputs.get("arguments", ""))
        labels = _images.default_labels(ctx) if _flag(inputs, "addDefaultLabels", True) else []
        _images.build(
            ctx, dockerfile=dockerfile, context=context, names=names, args=args, labels=labels
        )
        return TaskOutcome.ok()

    def _tag(self, ctx: TaskContext, inputs: Mapping[str, str]) -> TaskOutcome:
        names, registry = self._qualified(ctx, inputs)
        source = ImageName.parse(self._names(inputs)[0])
        if _flag(inputs, "qualifySourceImageName") and registry:
            source = source.qualified(registry)
        for name in (source, *names):
            refuse_latest(name)
        if [str(source)] == [str(n) for n in names]:
            ctx.log(f"{source} already has that name")
            return TaskOutcome.ok()
        toolbox(ctx).images().tag(str(source), [str(n) for n in names], _images.LoggedRunner(ctx))
        return TaskOutcome.ok()

    def _push(self, ctx: TaskContext, inputs: Mapping[str, str]) -> TaskOutcome:
        if _flag(inputs, "includeSourceTags"):
            raise StepFailed("includeSourceTags: true is not supported; push version tags")
        names = [ImageName.parse(n) for n in self._names(inputs)]
        endpoint = registry_for(ctx, *self._endpoint_names(inputs))
        for name in names:
            image = (
                name.qualified(endpoint.address)
                if _flag(inputs, "qualifyImageName", True)
                else name
            )
            digest = _images.push(ctx, image, endpoint)
            digest_file = inputs.get("imageDigestFile", "").strip()
            if digest_file:
                target = in_workspace(ctx, digest_file)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(f"{image.with_tag('')}@{digest}\n")
        return TaskOutcome.ok()

    def _run(self, ctx: TaskContext, inputs: Mapping[str, str]) -> TaskOutcome:
        if inputs.get("arguments", "").strip():
            raise StepFailed("arguments are not supported with command run; use the run inputs")
        names, _ = self._qualified(ctx, inputs)
        image = str(names[0])
        background = _flag(inputs, "runInBackground", True)
        restart = _RESTART.get(inputs.get("restartPolicy", "no").strip().lower(), "")
        if restart == "on-failure" and inputs.get("maxRestartRetries", "").strip():
            restart += f":{inputs['maxRestartRetries'].strip()}"
        entrypoint = inputs.get("entrypointOverride", "").strip()
        spec = ContainerSpec(
            image=image,
            name=_images.container_name(ctx, inputs.get("containerName", "")),
            mounts=_images.mounts(ctx, lines(inputs.get("volumes", ""))),
            ports=tuple(lines(inputs.get("ports", ""))),
            env=_images.env_pairs(lines(inputs.get("envVars", ""))),
            workdir=inputs.get("workingDirectory", "").strip(),
            entrypoint=entrypoint or None,
            command=tuple(shlex.split(inputs.get("containerCommand", ""))),
            detach=background,
            remove=not background,
            restart=restart if background else "",
            memory=inputs.get("memoryLimit", "").strip(),
        )
        result = _images.run_container(ctx, spec)
        if result.exit_code != 0 or result.canceled or result.timed_out:
            return TaskOutcome.failed(_images.exit_message(result, image))
        return TaskOutcome.ok()


class Docker2:
    name = "Docker"
    major = 2
    shell_inputs: frozenset[str] = frozenset()
    shell: Shell = "bash"

    def run(self, ctx: TaskContext, inputs: Mapping[str, str]) -> TaskOutcome:
        command = inputs.get("command", "buildAndPush").strip()
        if command in ("login", "logout"):
            ctx.log(
                f"docker {command}: nothing to do, registries are reached through "
                "service connections"
            )
            return TaskOutcome.ok()
        if command in ("start", "stop"):
            name = _images.container_name(ctx, inputs.get("container", ""))
            result = toolbox(ctx).containers().control(command, name, _images.LoggedRunner(ctx))
            if result.exit_code != 0:
                return TaskOutcome.failed(
                    f"podman {command} {name} exited with code {result.exit_code}"
                )
            return TaskOutcome.ok()
        if command not in ("build", "push", "buildAndPush"):
            return TaskOutcome.failed(f"Docker@2 command '{command}' is not supported")
        endpoint = registry_for(ctx, inputs.get("containerRegistry", ""))
        names = self._names(inputs, endpoint.address)
        if command in ("build", "buildAndPush"):
            args = BuildArguments()
            if command == "buildAndPush" and inputs.get("arguments", "").strip():
                ctx.warning("arguments are ignored with buildAndPush, as in Azure")
            elif command == "build":
                args = parse_build_arguments(inputs.get("arguments", ""))
            dockerfile = _images.find_dockerfile(ctx, inputs.get("Dockerfile", ""))
            given = inputs.get("buildContext", "").strip()
            context = dockerfile.parent if given in ("", "**") else in_workspace(ctx, given)
            labels = _images.default_labels(ctx) if _flag(inputs, "addPipelineData", True) else []
            _images.build(
                ctx, dockerfile=dockerfile, context=context, names=names, args=args, labels=labels
            )
        if command in ("push", "buildAndPush"):
            for image in names:
                _images.push(ctx, image, endpoint)
        return TaskOutcome.ok()

    def _names(self, inputs: Mapping[str, str], registry: str) -> list[ImageName]:
        repository = inputs.get("repository", "").strip().lower()
        if not repository:
            raise StepFailed("repository is required")
        tags = [t.strip() for line in lines(inputs.get("tags", "")) for t in line.split(",")]
        tags = [t for t in tags if t]
        if not tags:
            raise StepFailed("no tags given: an untagged image means `latest`, which is refused")
        base = ImageName.parse(repository).qualified(registry)
        if base.tag or base.digest:
            raise StepFailed(f"repository '{repository}' must not carry a tag; use tags")
        return [base.with_tag(t) for t in tags]


register(Docker1())
register(Docker2())
