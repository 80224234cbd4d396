"""The one error handler at the top: domain errors become a message and an exit code.

No traceback reaches a user. An unexpected exception is written to a crash file under the
user's state directory, and the message says where, so that a bug report is one attach away.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import typer
from rich.markup import escape

from shipyard.cli.output import console
from shipyard.domain.diagnostics import ExitCode, InvalidInput, ShipyardError
from shipyard.xdg import xdg_dir

T = TypeVar("T")


def _crash_file(exc: BaseException) -> Path:
    base = xdg_dir(os.environ, "XDG_STATE_HOME", ".local/state") / "shipyard"
    try:
        base.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix="crash-", suffix=".txt", dir=base)
    except OSError:
        fd, name = tempfile.mkstemp(prefix="shipyard-crash-", suffix=".txt")
    with os.fdopen(fd, "w") as fh:
        fh.write("".join(traceback.format_exception(exc)))
    return Path(name)


def report(exc: ShipyardError, as_json: bool) -> int:
    """Print a Shipyard error the way its kind needs, and return the exit code."""
    if as_json:
        payload: dict[str, object] = {"error": exc.message, "exit_code": int(exc.exit_code)}
        if isinstance(exc, InvalidInput):
            payload["diagnostics"] = [d.as_json() for d in exc.diagnostics]
        if exc.hint:
            payload["hint"] = exc.hint
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        return int(exc.exit_code)
    err = console(stderr=True)
    if isinstance(exc, InvalidInput):
        for diag in exc.diagnostics:
            err.print(escape(diag.render()))
    err.print(f"[bold red]error:[/] {escape(exc.message)}")
    if exc.hint:
        err.print(f"[dim]hint:[/] {escape(exc.hint)}")
    return int(exc.exit_code)


def guarded(func: Callable[[], T], as_json: bool) -> T:
    """Run a command body; turn every failure into a message and an exit code."""
    try:
        return func()
    except ShipyardError as exc:
        raise SystemExit(report(exc, as_json)) from None
    except (
        typer.Exit,
        typer.Abort,
        typer.TyperException,  # the base of Typer's usage errors (BadParameter, ...)
    ):
        raise  # Typer's own exits and usage errors carry their code and message
    except KeyboardInterrupt:
        console(stderr=True).print("interrupted")
        raise SystemExit(130) from None
    except Exception as exc:
        path = _crash_file(exc)
        console(stderr=True).print(
            f"[bold red]internal error:[/] {escape(type(exc).__name__)}: {escape(str(exc))}\n"
            f"This is a bug in Shipyard. The details are in {path}"
        )
        raise SystemExit(int(ExitCode.INTERNAL)) from None
