"""Task plugins: what runs a ``task:`` step (and the ``script``/``bash``/``pwsh``/``publish``/
``download`` shortcuts, which are tasks in disguise).

Public API: :class:`TaskPlugin`, :class:`TaskContext`, :class:`TaskOutcome`,
:func:`register`, :func:`find`. Plugins live in :mod:`shipyard.tasks.plugins`, one
module each; docs/runs.md shows how to write one.
"""

from shipyard.tasks.api import (
    JobPaths,
    ProcessResult,
    TaskContext,
    TaskOutcome,
    TaskPlugin,
    TestResultReader,
)
from shipyard.tasks.registry import (
    find,
    known,
    load_errors,
    load_plugins,
    parse_ref,
    register,
)

__all__ = [
    "JobPaths",
    "ProcessResult",
    "TaskContext",
    "TaskOutcome",
    "TaskPlugin",
    "TestResultReader",
    "find",
    "known",
    "load_errors",
    "load_plugins",
    "parse_ref",
    "register",
]
