"""The ``arguments`` of a Docker build step, read into a build, never passed through blindly.

Azure appends ``arguments`` to its ``docker build`` command line. Shipyard builds with
buildah, whose flags are not docker's, and some flags would change what Shipyard vouches
for (``-v`` mounts host folders into ``RUN`` steps, ``--file`` replaces the step's
Dockerfile). So the text is split like a shell would split it (no shell ever runs it)
and each flag is understood or refused by name:

    --target STAGE, --build-arg NAME=VALUE, --label NAME=VALUE, -t/--tag NAME,
    --pull[=always|never|missing|newer|true|false], --no-cache, --squash,
    --rm, --force-rm, -q/--quiet (accepted; buildah behaves so already)
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

from shipyard.flow.builds import StepFailed

_WITH_VALUE = {"--target", "--build-arg", "--label", "-t", "--tag"}
_NO_VALUE = {"--no-cache", "--squash", "--rm", "--force-rm", "-q", "--quiet"}
_PULL = {"true", "false", "always", "never", "missing", "newer"}
_ADVICE = {
    "-f": "set the Dockerfile with the step's dockerFile (Docker@1) or Dockerfile (Docker@2) input",
    "--file": "set the Dockerfile with the step's dockerFile or Dockerfile input",
    "-v": "build steps cannot mount host folders",
    "--volume": "build steps cannot mount host folders",
    "--network": "build steps use the default network",
}
SUPPORTED = (
    "--target, --build-arg, --label, -t/--tag, --pull[=...], --no-cache, --squash, "
    "--rm, --force-rm, --quiet"
)


@dataclass
class BuildArguments:
    target: str = ""
    build_args: list[tuple[str, str]] = field(default_factory=list)
    labels: list[tuple[str, str]] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    pull: str = ""
    no_cache: bool = False
    squash: bool = False


def _pair(flag: str, value: str) -> tuple[str, str]:
    name, eq, text = value.partition("=")
    if not name or not eq:
        raise StepFailed(f"{flag} expects NAME=VALUE, got '{value}'")
    return name, text


def parse_build_arguments(text: str) -> BuildArguments:
    """Read ``arguments`` of a build; StepFailed names the first flag Shipyard refuses."""
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise StepFailed(f"cannot split the build arguments: {exc}") from None
    out = BuildArguments()
    i = 0
    while i < len(words):
        word = words[i]
        flag, eq, inline = word.partition("=")
        if flag in _WITH_VALUE:
            if eq:
                value = inline
            elif i + 1 < len(words):
                i += 1
                value = words[i]
            else:
                raise StepFailed(f"build argument {flag} needs a value")
            if flag == "--target":
                out.target = value
            elif flag == "--build-arg":
                out.build_args.append(_pair(flag, value))
            elif flag == "--label":
                out.labels.append(_pair(flag, value))
            else:
                out.tags.append(value)
        elif flag == "--pull":
            value = inline if eq else "true"
            if value not in _PULL:
                raise StepFailed(f"--pull={value}: expected one of {', '.join(sorted(_PULL))}")
            out.pull = value
        elif word in _NO_VALUE:
            out.no_cache = out.no_cache or word == "--no-cache"
            out.squash = out.squash or word == "--squash"
        elif flag in _ADVICE:
            raise StepFailed(f"build argument '{flag}' is not supported: {_ADVICE[flag]}")
        else:
            raise StepFailed(
                f"build argument '{word}' is not supported (supported: {SUPPORTED})",
                hint="Shipyard builds with buildah and passes on only the flags it understands",
            )
        i += 1
    return out


def lines(text: str) -> list[str]:
    """A multi-line input as its non-empty lines (Azure's ``multiLine`` inputs)."""
    return [line.strip() for line in text.splitlines() if line.strip()]
