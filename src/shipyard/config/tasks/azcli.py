"""AzureCLI steps: the one Azure CLI command Shipyard understands, ``az acr helm push``.

Shipyard has no Azure subscription to run ``az`` against. The article's pipeline uses an
AzureCLI step for a single purpose, pushing the packaged chart to the registry::

    az acr helm push $(System.ArtifactsDirectory)/$(repositoryName)-$(Build.SourceBranchName).tgz \
        --name $(AzureContainerRegistry);

so Shipyard reads the inline script as a list of such pushes and performs them itself
(``parse_acr_helm_push``, used by the run engine). Everything else is refused while validating,
with the Shipyard way to get the same result: logging in to a registry happens through service
connections, cluster credentials come from a deployment job's environment, images are built by
Docker@2.

The script is split the way a shell would split it (quotes, trailing ``;``, ``\\`` line
continuations, ``#`` comments), but nothing is expanded: pipeline macros ``$(name)`` are
expanded by Shipyard before the push, and shell variables (``$NAME``) are refused because no
shell will ever see them.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from shipyard.config.tasks.model import StepView
from shipyard.config.tasks.values import has_macro
from shipyard.domain.diagnostics import Diagnostics, ShipyardError

PUSH_SYNTAX = "az acr helm push FILE --name REGISTRY [--force]"

# az command words -> what to do instead (longest prefix wins).
_NO_LOGIN = "not needed: Shipyard logs in to registries through service connections"
_ADVICE: dict[tuple[str, ...], str] = {
    ("acr", "login"): _NO_LOGIN,
    ("login",): _NO_LOGIN,
    ("account", "set"): "not needed: the step's service connection selects the registry",
    ("aks", "get-credentials"): (
        "not supported: use a deployment job's environment to reach a cluster"
    ),
    ("acr", "build"): "not supported: use a Docker@2 step with command: buildAndPush",
}
_CREDENTIAL_OPTIONS = {"--username", "-u", "--password", "-p"}
_SHELL_OPERATORS = {"&&", "||", "|", "&", ">", ">>", "<", "2>", "2>&1"}
_SHELL_VARIABLE = re.compile(r"\$(?![(\[]|\{\{)")


@dataclass(frozen=True, slots=True)
class HelmPush:
    """One ``az acr helm push``: the chart archive, the registry name and ``--force``."""

    file: str
    registry: str
    force: bool = False


@dataclass(frozen=True, slots=True)
class ScriptProblem:
    """A line of the script Shipyard cannot run, and why."""

    line: int  # 1-based, within the script
    text: str
    message: str


class UnsupportedScript(ShipyardError):
    """An AzureCLI script that is not a list of ``az acr helm push`` commands."""

    def __init__(self, problems: list[ScriptProblem]) -> None:
        first = problems[0]
        super().__init__(
            f"inline script line {first.line}: {first.message}",
            hint=f"an AzureCLI step in Shipyard may only run `{PUSH_SYNTAX}`",
        )
        self.problems = problems


def _logical_lines(script: str) -> list[tuple[int, str]]:
    """Lines with ``\\`` (bash) and backtick (PowerShell) continuations joined."""
    out: list[tuple[int, str]] = []
    pending: tuple[int, str] | None = None
    for number, raw in enumerate(script.splitlines(), start=1):
        line = raw.rstrip()
        start, text = pending if pending else (number, "")
        text = f"{text} {line}" if text else line
        if line.endswith(("\\", "`")):
            pending = (start, text[:-1])
            continue
        pending = None
        out.append((start, text))
    if pending:
        out.append(pending)
    return out


def _commands(words: list[str]) -> list[list[str]]:
    """Split words on ``;`` (alone or ending a word) into commands."""
    commands: list[list[str]] = [[]]
    for word in words:
        ends = word.endswith(";")
        word = word.rstrip(";")
        if word:
            commands[-1].append(word)
        if ends:
            commands.append([])
    return [c for c in commands if c]


def _check_push(args: list[str]) -> HelmPush | str:
    """Parse the arguments after ``az acr helm push``; a string is the problem found."""
    files: list[str] = []
    registry = ""
    force = False
    i = 0
    while i < len(args):
        word = args[i]
        option, eq, inline = word.partition("=")
        if option in ("--name", "-n"):
            if eq:
                registry = inline
            elif i + 1 < len(args):
                i += 1
                registry = args[i]
            else:
                return f"{option} needs a registry name"
        elif word == "--force":
            force = True
        elif option in _CREDENTIAL_OPTIONS:
            return f"option '{option}' is {_NO_LOGIN}"
        elif word.startswith("-"):
            return f"option '{option}' of az acr helm push is not supported (usage: {PUSH_SYNTAX})"
        else:
            files.append(word)
        i += 1
    if not files:
        return f"az acr helm push names no chart file (usage: {PUSH_SYNTAX})"
    if len(files) > 1:
        return f"az acr helm push takes one chart file, got {len(files)}: {', '.join(files)}"
    if not registry:
        return f"az acr helm push needs --name REGISTRY (usage: {PUSH_SYNTAX})"
    return HelmPush(files[0], registry, force)


def _check_command(words: list[str]) -> HelmPush | str:
    verbs = tuple(w for w in words[1:4] if not w.startswith("-"))
    if verbs[:3] == ("acr", "helm", "push"):
        return _check_push(words[4:])
    shown = " ".join(("az", *verbs[:3]))
    for size in (2, 1):
        if verbs[:size] in _ADVICE:
            return f"`{shown}` is {_ADVICE[verbs[:size]]}"
    return f"`{shown}` is not supported: an AzureCLI step in Shipyard runs only `{PUSH_SYNTAX}`"


def scan_script(script: str, *, batch: bool = False) -> tuple[list[HelmPush], list[ScriptProblem]]:
    """Every push in the script, and every line that is not one."""
    pushes: list[HelmPush] = []
    problems: list[ScriptProblem] = []
    for number, text in _logical_lines(script):
        lexer = shlex.shlex(text, posix=True)
        lexer.whitespace_split = True
        lexer.commenters = "#"
        try:
            words = list(lexer)
        except ValueError as exc:
            problems.append(ScriptProblem(number, text.strip(), f"cannot split the line: {exc}"))
            continue
        for command in _commands(words):
            if batch and command[0].casefold() == "call" and len(command) > 1:
                command = command[1:]
            found = _check_words(command)
            if isinstance(found, HelmPush):
                pushes.append(found)
            else:
                problems.append(ScriptProblem(number, text.strip(), found))
    if not pushes and not problems:
        problems.append(ScriptProblem(1, "", f"the script runs no `{PUSH_SYNTAX}` command"))
    return pushes, problems


def _check_words(command: list[str]) -> HelmPush | str:
    operator = next((w for w in command if w in _SHELL_OPERATORS), None)
    if operator is not None:
        return f"shell operator '{operator}' is not supported: write one command per line"
    if command[0] != "az":
        return (
            f"`{command[0]}` cannot run in an AzureCLI step: Shipyard runs only `{PUSH_SYNTAX}` "
            "there; put other commands in a Bash@3 step"
        )
    variable = next((w for w in command if _SHELL_VARIABLE.search(w)), None)
    if variable is not None:
        return (
            f"'{variable}' uses a shell variable, which Shipyard does not expand; "
            "use a pipeline variable such as $(name)"
        )
    return _check_command(command)


def parse_acr_helm_push(script: str, *, batch: bool = False) -> list[HelmPush]:
    """The pushes of a validated script; raises UnsupportedScript on anything else.

    The run engine calls this on the script after macro expansion.
    """
    pushes, problems = scan_script(script, batch=batch)
    if problems:
        raise UnsupportedScript(problems)
    return pushes


def azure_cli_script(view: StepView, diags: Diagnostics) -> None:
    """AzureCLI@1/@2: an inline script of ``az acr helm push`` commands and nothing else."""
    if view.value("scriptLocation") != "inlineScript":
        if not has_macro(view.value("scriptLocation")):
            diags.add(
                view.value_loc("scriptLocation"),
                "AzureCLI steps run only with scriptLocation: inlineScript in Shipyard, "
                f"whose script is a list of `{PUSH_SYNTAX}` commands",
                code="unsupported-script",
            )
        return
    script = view.value("inlineScript")
    if not script.strip():
        return  # reported as a missing required input
    loc = view.value_loc("inlineScript")
    for problem in scan_script(script, batch=view.value("scriptType") == "batch")[1]:
        diags.add(
            loc,
            f"inline script line {problem.line}: {problem.message}",
            code="unsupported-script",
            snippet=problem.text,
        )
