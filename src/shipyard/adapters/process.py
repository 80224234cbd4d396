"""The one subprocess chokepoint: argv lists only, never a shell on joined text.

Every external tool (git, buildah, podman, helm, kubectl, kwokctl, go) is run through
:func:`run`. A failure raises :class:`CommandFailed`, which carries the argv, the exit code
and the captured output, so the message a user sees names the command and how to retry it.
Event data (branch names, PR titles, commit messages) can only ever be an argv element or an
environment value here, which is what keeps it from becoming shell text.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from shipyard.domain.diagnostics import EnvironmentProblem


@dataclass(frozen=True, slots=True)
class Completed:
    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


class CommandFailed(EnvironmentProblem):
    """A command exited non-zero (or could not start)."""

    def __init__(self, argv: Sequence[str], returncode: int, stdout: str, stderr: str) -> None:
        self.argv = tuple(argv)
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        tail = (stderr or stdout).strip().splitlines()[-5:]
        detail = ("\n  " + "\n  ".join(tail)) if tail else ""
        super().__init__(
            f"`{shlex.join(self.argv)}` exited with {returncode}{detail}",
            hint=f"retry by hand: {shlex.join(self.argv)}",
        )


class ToolMissing(EnvironmentProblem):
    def __init__(self, tool: str, hint: str = "") -> None:
        super().__init__(
            f"'{tool}' was not found or cannot be executed",
            hint=hint or "run `shipyard platform up` to install the tools Shipyard manages",
        )
        self.tool = tool


def run(
    argv: Sequence[str],
    *,
    cwd: Path | str | None = None,
    env: Mapping[str, str] | None = None,
    extra_env: Mapping[str, str] | None = None,
    check: bool = True,
    input_text: str | None = None,
    timeout: float | None = None,
) -> Completed:
    """Run ``argv`` and capture its output as text.

    ``env`` replaces the environment; ``extra_env`` is layered on top of it (or of ours).
    """
    if isinstance(argv, str):  # defensive: a string would be split by nobody and run by nobody
        raise TypeError("argv must be a sequence of arguments, not a string")
    full_env = dict(os.environ if env is None else env)
    if extra_env:
        full_env.update(extra_env)
    try:
        proc = subprocess.run(
            list(argv),
            cwd=cwd,
            env=full_env,
            input=input_text,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError:
        raise ToolMissing(argv[0]) from None
    except PermissionError:
        raise ToolMissing(argv[0], hint=f"'{argv[0]}' is not executable") from None
    except OSError as exc:  # e.g. "Exec format error" from a broken binary
        raise ToolMissing(argv[0], hint=f"'{argv[0]}' cannot run: {exc.strerror}") from None
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout if isinstance(exc.stdout, str) else ""
        err = exc.stderr if isinstance(exc.stderr, str) else ""
        raise CommandFailed(argv, -1, out, err + f"\n(timed out after {timeout} s)") from None
    done = Completed(tuple(argv), proc.returncode, proc.stdout, proc.stderr)
    if check and proc.returncode != 0:
        raise CommandFailed(argv, proc.returncode, proc.stdout, proc.stderr)
    return done


def run_bytes(
    argv: Sequence[str],
    *,
    cwd: Path | str | None = None,
    extra_env: Mapping[str, str] | None = None,
    timeout: float | None = None,
) -> tuple[int, bytes, str]:
    """Run ``argv`` and return (exit code, stdout bytes, stderr text); never raises on exit.

    For output that is data rather than text (a file read out of git).
    """
    full_env = dict(os.environ)
    if extra_env:
        full_env.update(extra_env)
    try:
        proc = subprocess.run(
            list(argv), cwd=cwd, env=full_env, capture_output=True, timeout=timeout, check=False
        )
    except FileNotFoundError:
        raise ToolMissing(argv[0]) from None
    except OSError as exc:
        raise ToolMissing(argv[0], hint=f"'{argv[0]}' cannot run: {exc.strerror}") from None
    except subprocess.TimeoutExpired:
        raise CommandFailed(argv, -1, "", f"(timed out after {timeout} s)") from None
    return proc.returncode, proc.stdout, proc.stderr.decode("utf-8", "replace")
