"""Merge commits for pull requests, made inside a (bare) repository without a work tree.

``git merge-tree --write-tree`` (git 2.38+) merges two commits in the object database and
answers the tree, or the conflicting paths; ``git commit-tree`` makes the merge commit with
both parents. The commit is published as ``refs/pull/N/merge`` (what the PR build checks
out, as Azure Repos and GitHub do), and completing the pull request moves the target branch
to that very commit with ``git update-ref NEW OLD``: a compare-and-swap, so a push to the
target between the check and the merge makes the merge fail instead of losing the push.

Shas given here were validated by :class:`~shipyard.adapters.git.GitCli` (hex only); titles
and names are passed as argv items or environment values, never through a shell.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from shipyard.adapters.git import GitCli
from shipyard.adapters.process import run

_IDENTITY = {
    "GIT_AUTHOR_NAME": "Shipyard",
    "GIT_AUTHOR_EMAIL": "shipyard@localhost",
    "GIT_COMMITTER_NAME": "Shipyard",
    "GIT_COMMITTER_EMAIL": "shipyard@localhost",
    "LC_ALL": "C",
    "GIT_TERMINAL_PROMPT": "0",
}


@dataclass(frozen=True, slots=True)
class Merged:
    sha: str  # empty when there is no merge: conflicts, or git's own reason in ``problem``
    conflicts: tuple[str, ...] = ()
    problem: str = ""


class GitMerger:
    def __init__(self, repo: Path | str) -> None:
        self.repo = Path(repo)
        self.reader = GitCli(repo)

    def _git(self, *args: str, check: bool = True, name: str = "") -> tuple[int, str, str]:
        env = dict(_IDENTITY)
        if any(c.isalnum() for c in name):  # git refuses names of punctuation alone
            env["GIT_AUTHOR_NAME"] = name
        done = run(["git", "-C", str(self.repo), *args], extra_env=env, check=check, timeout=120)
        return done.returncode, done.stdout, done.stderr

    def resolve_branch(self, branch: str) -> str | None:
        return self.reader.resolve(f"refs/heads/{branch}")

    def merge(self, source_sha: str, target_sha: str, message: str, author: str) -> Merged:
        """The merge of ``source_sha`` into ``target_sha`` (target first, as ``git merge``)."""
        code, out, err = self._git(
            "merge-tree",
            "--write-tree",
            "--name-only",
            "--no-messages",
            "--end-of-options",
            target_sha,
            source_sha,
            check=False,
        )
        lines = out.splitlines()
        if code == 1:
            return Merged("", tuple(line for line in lines[1:] if line))
        if code != 0 or not lines:
            said = (err.strip() or out.strip() or f"exit {code}").splitlines()[-1][:300]
            return Merged("", problem=f"git cannot merge: {said}")
        tree = lines[0].strip()
        code, sha, err = self._git(
            "commit-tree", tree, "-p", target_sha, "-p", source_sha, "-m", message,
            name=author, check=False,
        )  # fmt: skip
        if code != 0:
            return Merged("", problem=f"git cannot make the merge commit: {err.strip()[:300]}")
        return Merged(sha.strip())

    def update_ref(self, ref: str, new: str, old: str | None = None) -> bool:
        """Move ``ref`` to ``new`` only if it still points at ``old`` (None: any)."""
        args = ["update-ref", "-m", "shipyard", ref, new] + ([old] if old is not None else [])
        code, _out, _err = self._git(*args, check=False)
        return code == 0
