"""Rules a schema cannot say: Shipyard's release policies applied to task inputs.

- Images are never tagged ``latest``. A moving tag makes it impossible to tell which build runs
  in production and to roll back to the previous one; the release branch already names the
  version (``release/delivery/v1.0.2``), so that is the tag.
- ``helm package`` is run by Shipyard itself, which understands only the arguments that change
  the package (``--app-version``, ``--dependency-update``); anything else would be silently
  ignored, so it is refused here instead.

Each rule is a plain function ``(StepView, Diagnostics) -> None`` listed in a task's ``rules``.
"""

from __future__ import annotations

import re
import shlex

from shipyard.config.tasks.model import StepView
from shipyard.config.tasks.values import has_macro
from shipyard.domain.diagnostics import Diagnostics

NO_LATEST = (
    "Shipyard never pushes `latest`; tag with the version from the branch, "
    "e.g. $(Build.SourceBranchName)"
)


def image_tag(image: str) -> str | None:
    """The tag of an image reference (``reg:5000/app:v1`` -> ``v1``), or None when untagged."""
    last = image.strip().rsplit("/", 1)[-1].split("@", 1)[0]
    return last.rsplit(":", 1)[1] if ":" in last else None


def warn_include_latest_tag(view: StepView, diags: Diagnostics) -> None:
    """Docker@1 ``includeLatestTag: true``: real pipelines set it (Azure adds ``latest`` to
    the tags), so the file stays valid; Shipyard pushes the other tags and says so."""
    if view.value("includeLatestTag") == "true":
        diags.warn(
            view.value_loc("includeLatestTag"),
            "includeLatestTag: true is ignored: Shipyard pushes every other tag and never `latest`",
            code="latest-tag",
            hint='remove it, or set policy.warnings_as_errors = ["latest-tag"] to refuse it',
        )


def refuse_latest_image_name(view: StepView, diags: Diagnostics) -> None:
    """Docker@1 ``imageName: app:latest``."""
    image = view.value("imageName")
    tag = image_tag(image)
    if tag is not None and not has_macro(tag) and tag.casefold() == "latest":
        diags.add(
            view.value_loc("imageName"),
            f"image '{image}' is tagged `latest`: {NO_LATEST}",
            code="latest-tag",
        )


def refuse_latest_tags(view: StepView, diags: Diagnostics) -> None:
    """Docker@2 ``tags``: one per line (commas also separate tags, as in the Azure task)."""
    for tag in re.split(r"[,\n]", view.value("tags")):
        if tag.strip().casefold() == "latest":
            diags.add(
                view.value_loc("tags"),
                f"the tag `latest` is refused: {NO_LATEST}",
                code="latest-tag",
            )


# helm package arguments Shipyard passes on: flag -> whether it takes a value.
# Arguments with advice all take a value, which is skipped with them.
_PACKAGE_ARGUMENTS = {"--app-version": True, "--dependency-update": False, "-u": False}
_PACKAGE_ARGUMENT_ADVICE = {
    "--version": "set the chart version with the chartVersion input",
    "--destination": "set the output folder with the destination input",
    "-d": "set the output folder with the destination input",
}
_SUPPORTED = "supported: --app-version VERSION, --dependency-update"


def helm_package_arguments(view: StepView, diags: Diagnostics) -> None:
    """HelmDeploy@0 ``command: package``: only the arguments Shipyard understands."""
    if view.value("command") != "package" or not view.value("arguments").strip():
        return
    loc = view.value_loc("arguments")
    try:
        words = shlex.split(view.value("arguments"))
    except ValueError as exc:
        diags.add(loc, f"cannot split the helm package arguments: {exc}", code="bad-arguments")
        return
    unsupported: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        flag, _, inline_value = word.partition("=")
        takes_value = _PACKAGE_ARGUMENTS.get(flag, False) and not inline_value
        if flag in _PACKAGE_ARGUMENT_ADVICE:
            advice = _PACKAGE_ARGUMENT_ADVICE[flag]
            diags.add(
                loc,
                f"helm package argument '{flag}' is not supported: {advice}",
                code="unsupported-argument",
            )
            i += 0 if inline_value else 1  # each of them takes a value: skip it
        elif flag not in _PACKAGE_ARGUMENTS:
            unsupported.append(word)
        elif takes_value and i + 1 >= len(words):
            diags.add(
                loc, f"helm package argument '{flag}' needs a value", code="unsupported-argument"
            )
        elif takes_value:
            i += 1  # the value follows as the next word
        i += 1
    if unsupported:
        listed = " ".join(unsupported)
        diags.add(
            loc,
            f"helm package arguments not supported: '{listed}' ({_SUPPORTED})",
            code="unsupported-argument",
            hint="Shipyard runs helm package itself and passes on only the arguments it knows",
        )
