"""A job's sources: a clean checkout of one commit, sharing the repository's objects.

``git clone --shared`` makes the copy in milliseconds whatever the repository's size (the
objects are borrowed through ``alternates``, nothing is copied), and the job's checkout
cannot disturb the repository it came from: no worktree entry to prune, no index lock.
The commit is checked out detached, by its id (validated as hex, so it can never be read
as an option), which is also how a pull request's merge commit is reached.
"""

from __future__ import annotations

import re
from pathlib import Path

from shipyard.adapters.process import CommandFailed, run

_HEX = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_ENV = {"GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", "GIT_CONFIG_NOSYSTEM": "1"}


class GitCheckout:
    def __init__(self, git: str = "git", timeout: float = 600.0) -> None:
        self._git = git
        self._timeout = timeout

    def checkout(self, repo: str, sha: str, dest: Path) -> list[str]:
        if not _HEX.fullmatch(sha):
            raise CommandFailed(["git", "checkout", sha], 128, "", f"{sha!r} is not a commit id")
        dest.mkdir(parents=True, exist_ok=True)
        run(
            [self._git, "clone", "--shared", "--no-checkout", "--quiet", "--", repo, str(dest)],
            extra_env=_ENV,
            timeout=self._timeout,
        )
        run(
            [self._git, "-C", str(dest), "checkout", "--quiet", "--detach", sha],
            extra_env=_ENV,
            timeout=self._timeout,
        )
        return [f"HEAD is now at {sha[:12]}"]
