"""The commit-message markers that skip CI for one push, as Azure Pipelines honours them.

A push whose head commit says ``[skip ci]`` (or another marker below) runs no CI pipeline:
a documentation fix, a version bump made by a bot. Pull request builds and manual runs are
not skipped (a branch policy's required build must still run), and the plan says which
marker it found, so nobody wonders why nothing ran.
"""

from __future__ import annotations

import re

_BRACKETED = ("ci", "azurepipelines", "azpipelines", "azp")
_MARKERS = re.compile(
    r"\[(?:skip (?:{k})|(?:{k}) skip)\]|\*\*\*NO_CI\*\*\*|^skip-checks: ?true\s*$".format(
        k="|".join(_BRACKETED)
    ),
    re.IGNORECASE | re.MULTILINE,
)


def skip_marker(message: str) -> str | None:
    """The first marker in ``message`` (as written there), or None."""
    found = _MARKERS.search(message)
    return found.group(0).strip() if found else None
