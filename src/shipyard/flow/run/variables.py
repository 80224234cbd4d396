"""Variables at run time: evaluation, environment names, and event data kept out of scripts.

Azure substitutes ``$(Build.SourceBranch)`` into a script's text before the shell reads it,
so a branch called ``x";touch${IFS}pwned;#`` runs ``touch``. Shipyard keeps Azure's macro
syntax but not that hole: a value that came from event data (the branch and PR fields, the
commit message, who asked, the build number that may embed the branch) is *tainted*, and
in script text its macro becomes a reference to its environment variable
(``${BUILD_SOURCEBRANCH}`` for Bash, ``$env:BUILD_SOURCEBRANCH`` for PowerShell), which the
shell expands as data, never as code. Taint spreads: a variable defined from a tainted one,
a ``$[ ]`` expression that reads one or reads another job's outputs, and every value a step
sets with ``##vso[task.setvariable]`` are tainted too. Task inputs that are not shell text
(a file path, a tag) get the plain value, as in Azure.

Environment names follow Azure: upper case, ``.`` and space become ``_``
(``Build.SourceBranch`` -> ``BUILD_SOURCEBRANCH``). Secret variables are never exported
to the environment unless a step maps them with ``env:``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Literal

from shipyard.config import expressions as ex
from shipyard.flow.run.spec import VarDef, VarValue

_EVENT_NAMES = frozenset(
    {
        "build.sourcebranch",
        "build.sourcebranchname",
        "build.sourceversionmessage",
        "build.sourceversionauthor",
        "build.requestedfor",
        "build.requestedforemail",
        "build.requestedforid",
        "build.queuedby",
        "build.queuedbyid",
        "build.buildnumber",
    }
)
_EVENT_PREFIXES = ("system.pullrequest.", "build.triggeredby.", "resources.")
_MACRO = re.compile(r"\$\(([A-Za-z0-9_.\-]+)\)")
_DEPENDENCY_WORDS = re.compile(r"\b(dependencies|stagedependencies)\b", re.IGNORECASE)

Shell = Literal["bash", "pwsh"]


def is_event_variable(name: str) -> bool:
    folded = name.lower()
    return folded in _EVENT_NAMES or folded.startswith(_EVENT_PREFIXES)


def env_name(name: str) -> str:
    """Azure's environment name of a variable."""
    return re.sub(r"[. ]", "_", name).upper()


class Scope:
    """Variables visible at one point: case-insensitive, later definitions win."""

    def __init__(self, values: Mapping[str, VarValue] | None = None) -> None:
        self._values: dict[str, tuple[str, VarValue]] = {}
        for name, value in (values or {}).items():
            self.set(name, value)

    def child(self) -> Scope:
        out = Scope()
        out._values = dict(self._values)
        return out

    def set(self, name: str, value: VarValue) -> None:
        self._values[name.lower()] = (name, value)

    def get(self, name: str) -> VarValue | None:
        found = self._values.get(name.lower())
        return found[1] if found else None

    def items(self) -> Iterator[tuple[str, VarValue]]:
        return iter(self._values.values())

    def as_dict(self) -> dict[str, VarValue]:
        return dict(self._values.values())

    def plain(self) -> dict[str, str]:
        """Name -> value, what expressions see as ``variables``."""
        return {name: v.value for name, v in self._values.values()}

    def secret_values(self) -> list[str]:
        return [v.value for _n, v in self._values.values() if v.secret and v.value]

    def expand(self, text: str) -> str:
        """Plain macro substitution, as Azure does for task inputs."""
        return ex.expand_macros(text, lambda n: v.value if (v := self.get(n)) else None)

    def expand_script(self, text: str, shell: Shell = "bash") -> tuple[str, dict[str, str]]:
        """Macro substitution for script text: tainted values become environment references.

        Returns the text and the extra environment it needs (tainted *secrets*, which are
        otherwise not exported).
        """
        extra: dict[str, str] = {}

        def replace(match: re.Match[str]) -> str:
            var = self.get(match.group(1))
            if var is None:
                return match.group(0)
            if not var.tainted:
                return var.value
            env = env_name(self._values[match.group(1).lower()][0])
            if var.secret:
                extra[env] = var.value
            return f"${{{env}}}" if shell == "bash" else f"$env:{env}"

        return _MACRO.sub(replace, text), extra

    def environment(self) -> dict[str, str]:
        """Every non-secret variable under its environment name."""
        return {env_name(name): v.value for name, v in self._values.values() if not v.secret}

    def define(
        self, defs: Sequence[VarDef], context: Callable[[Scope], ex.EvalContext]
    ) -> list[str]:
        """Evaluate definitions in order (``$[ ]`` and macros); return problems found."""
        problems: list[str] = []
        for d in defs:
            existing = self.get(d.name)
            if existing is not None and existing.readonly:
                problems.append(f"variable '{d.name}' is read-only and was not changed")
                continue
            runtime = ex.runtime_expression(d.value)
            if runtime is not None:
                try:
                    value = ex.to_string(ex.evaluate_text(runtime.strip(), context(self)))
                except ex.ExpressionError as err:
                    problems.append(f"variable '{d.name}': {err.message}")
                    continue
                tainted = d.tainted or self._mentions_taint(runtime)
                secret = d.secret or self._mentions_secret(runtime)
            else:
                names = [n for n in ex.macro_names(d.value) if self.get(n) is not None]
                value = self.expand(d.value)
                tainted = d.tainted or any(self.get(n).tainted for n in names)  # type: ignore[union-attr]
                secret = d.secret or any(self.get(n).secret for n in names)  # type: ignore[union-attr]
            secret = secret or any(s and s in value for s in self.secret_values())
            self.set(d.name, VarValue(value, secret, d.readonly, tainted))
        return problems

    def _mentions_taint(self, expression: str) -> bool:
        if _DEPENDENCY_WORDS.search(expression):
            return True
        folded = expression.lower()
        return any(v.tainted and name.lower() in folded for name, v in self._values.values())

    def _mentions_secret(self, expression: str) -> bool:
        folded = expression.lower()
        return any(v.secret and name.lower() in folded for name, v in self._values.values())


def masked(values: Mapping[str, VarValue]) -> dict[str, str]:
    """Values for display: secrets as ``***``."""
    return {k: "***" if v.secret else v.value for k, v in values.items()}
