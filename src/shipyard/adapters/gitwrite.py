"""Writing to a git repository: what the demo and the tests need to build real history.

Kept apart from :mod:`shipyard.adapters.git` (which only reads) so that the read side,
used by trigger evaluation on users' repositories, cannot change them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from shipyard.adapters.process import run

_ENV = {
    "GIT_AUTHOR_NAME": "Shipyard Demo",
    "GIT_AUTHOR_EMAIL": "demo@shipyard.invalid",
    "GIT_COMMITTER_NAME": "Shipyard Demo",
    "GIT_COMMITTER_EMAIL": "demo@shipyard.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_TERMINAL_PROMPT": "0",
}


class GitWorkspace:
    """A work tree Shipyard creates and commits to."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _git(self, *args: str) -> str:
        argv = ["git", "-C", str(self.path), "-c", "commit.gpgsign=false", *args]
        return run(argv, extra_env=_ENV).stdout.strip()

    @classmethod
    def create(cls, path: Path, seed: Path | None = None, branch: str = "main") -> GitWorkspace:
        """A new repository at ``path``, optionally filled with a copy of ``seed``."""
        path.mkdir(parents=True, exist_ok=True)
        if seed is not None:
            shutil.copytree(
                seed,
                path,
                dirs_exist_ok=True,
                ignore=shutil.ignore_patterns(
                    "__pycache__", "*.pyc", ".pytest_cache", "TestResults"
                ),
            )
        ws = cls(path)
        ws._git("init", "--quiet", f"--initial-branch={branch}")
        return ws

    def commit_all(self, message: str) -> str:
        self._git("add", "--all")
        self._git("commit", "--quiet", "--allow-empty", "-m", message)
        return self.head()

    def head(self) -> str:
        return self._git("rev-parse", "HEAD")

    def branch(self, name: str, start: str = "HEAD") -> None:
        self._git("branch", "--end-of-options", name, start)

    def checkout(self, name: str) -> None:
        self._git("checkout", "--quiet", name, "--")

    def write(self, rel: str, text: str) -> None:
        target = self.path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)

    def append(self, rel: str, text: str) -> None:
        """Add ``text`` at the end of a file (created when missing)."""
        target = self.path / rel
        self.write(rel, (target.read_text() if target.exists() else "") + text)
