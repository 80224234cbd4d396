"""Platform errors: each names the component, what went wrong, and the command to retry.

They are :class:`EnvironmentProblem` subclasses, so ``cli.errors.guarded`` turns them into a
message and exit code 4 without a traceback.
"""

from __future__ import annotations

from shipyard.domain.diagnostics import EnvironmentProblem


class PlatformError(EnvironmentProblem):
    def __init__(self, component: str, message: str, *, hint: str = "", retry: str = "") -> None:
        self.component = component
        self.retry = retry or "shipyard platform up"
        text = f"{hint}\n" if hint else ""
        super().__init__(f"{component}: {message}", hint=f"{text}retry with: {self.retry}")


class PortTaken(PlatformError):
    """A port Shipyard needs is held by a program that is not Shipyard's."""


class BuildFailed(PlatformError):
    """A tool could not be installed or built."""


class ToolBroken(PlatformError):
    """A tool is present but does not run, or reports another version."""
