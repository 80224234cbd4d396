"""``[policies."BRANCH"]`` tables of the settings: the branch policies of pull requests.

They live with the server's settings, not in the repository, so that a pull request cannot
weaken the gate it is judged by. ``BRANCH`` is a branch name or a glob (``release/*``); a
target branch with no table gets the default policy (every affected pipeline green, one
approving reviewer who is not the author; see :mod:`shipyard.domain.branch_policy`)::

    [policies.main]
    required_pipelines = ["delivery-ci", "ingestion-ci"]   # or ["*"]: every affected one
    min_reviewers = 2
    author_may_approve = false
    reset_votes_on_push = true
    builds_expire_on_target_move = true
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shipyard.domain.branch_policy import BranchPolicy
from shipyard.domain.diagnostics import Diagnostics, Loc, did_you_mean

PREFIX = "policies."
VALUES_KEY = "policies"
_BOOLS = ("author_may_approve", "reset_votes_on_push", "builds_expire_on_target_move")
_KEYS = ("required_pipelines", "min_reviewers", *_BOOLS)


def read(key: str, value: Any, loc: Loc, values: dict[str, Any], diags: Diagnostics) -> None:
    """One ``policies.BRANCH.FIELD`` value of the file, checked, into ``values``."""
    branch, _, leaf = key.removeprefix(PREFIX).rpartition(".")
    if not branch:
        diags.add(loc, f'{key}: expected a table [policies."BRANCH"]', code="settings")
        return
    if leaf not in _KEYS:
        diags.add(
            loc,
            f"unknown branch policy field '{leaf}' in [policies.\"{branch}\"]",
            code="settings",
            hint=did_you_mean(leaf, list(_KEYS)) or f"fields: {', '.join(_KEYS)}",
        )
        return
    if leaf == "required_pipelines":
        ok = isinstance(value, list) and all(isinstance(v, str) and v for v in value)
        expected = 'a list of pipeline names (or ["*"])'
    elif leaf == "min_reviewers":
        ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 50
        expected = "a whole number from 0 to 50"
    else:
        ok = isinstance(value, bool)
        expected = "true or false"
    if not ok:
        diags.add(loc, f"{key}: expected {expected}, found {value!r}", code="settings")
        return
    values.setdefault(VALUES_KEY, {}).setdefault(branch, {})[leaf] = (
        tuple(value) if isinstance(value, list) else value
    )


def build(values: Mapping[str, Any]) -> tuple[BranchPolicy, ...]:
    return tuple(
        BranchPolicy(branch=branch, **fields)
        for branch, fields in (values.get(VALUES_KEY) or {}).items()
    )
