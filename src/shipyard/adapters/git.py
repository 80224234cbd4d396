"""The :class:`~shipyard.ports.Git` port over the real ``git`` command line.

Event data is hostile until proven otherwise: a branch may be called ``--upload-pack=x`` or
``x";touch${IFS}pwned;#``, and both are legal git ref names. Three rules keep them inert:

1. Every command goes through :func:`shipyard.adapters.process.run` as an argv list; no
   shell ever sees a ref.
2. A user-supplied revision is only ever handed to ``git rev-parse --verify --quiet
   --end-of-options REV^{commit}``, which cannot read it as an option and either answers
   a commit id or fails. Every other command receives that validated 40/64-hex id, never
   the original text, and still puts it after ``--end-of-options`` (belt and braces).
3. Paths are read with ``-z`` (NUL-separated, never quoted) so that 100,000 changed files
   and file names with newlines, quotes or non-ASCII characters come back exactly.

Git runs with ``GIT_TERMINAL_PROMPT=0`` (a missing credential fails instead of hanging),
``GIT_OPTIONAL_LOCKS=0`` (reading never takes the index lock that a concurrent writer
needs) and ``LC_ALL=C`` (stable messages).

Limitation: ``process.run`` captures text, so :meth:`GitCli.read_file` is exact for UTF-8
files (pipeline YAML, charts) but replaces undecodable bytes in binary files.
"""

from __future__ import annotations

import re
from pathlib import Path

from shipyard.adapters.process import CommandFailed, Completed, run, run_bytes
from shipyard.domain.events import is_zero_sha

_HEX_RE = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}


def _split_z(text: str) -> list[str]:
    return [p for p in text.split("\0") if p]


class GitCli:
    """A repository on disk (a work tree or a bare repository), read through ``git``."""

    def __init__(self, repo: Path | str, *, git: str = "git", timeout: float = 120.0) -> None:
        self.repo = Path(repo)
        self._git = git
        self._timeout = timeout

    # ------------------------------------------------------------------ plumbing

    def _run(self, *args: str, check: bool = True) -> Completed:
        argv = [self._git, "-C", str(self.repo), "--no-pager", *args]
        return run(argv, extra_env=_ENV, check=check, timeout=self._timeout)

    def _sha(self, rev: str) -> str:
        """``rev`` resolved to a commit id, or :class:`CommandFailed` naming it."""
        sha = self.resolve(rev)
        if sha is None:
            raise CommandFailed(
                ["git", "rev-parse", "--verify", "--end-of-options", f"{rev}^{{commit}}"],
                128,
                "",
                f"fatal: {rev!r} is not a commit in {self.repo}",
            )
        return sha

    # ------------------------------------------------------------------- the port

    def resolve(self, rev: str) -> str | None:
        if not rev or "\0" in rev or "\n" in rev:
            return None
        if _HEX_RE.fullmatch(rev) and is_zero_sha(rev):
            return None
        done = self._run(
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            f"{rev}^{{commit}}",
            check=False,
        )
        sha = done.stdout.strip()
        if done.returncode != 0 or not _HEX_RE.fullmatch(sha):
            return None
        return sha

    def changed_files(self, base: str, head: str) -> list[str]:
        if is_zero_sha(base):
            return self.tree_files(head)
        base_sha, head_sha = self._sha(base), self._sha(head)
        done = self._run(
            "diff",
            "--name-only",
            "-z",
            "--no-renames",
            "--no-ext-diff",
            "--no-textconv",
            "--end-of-options",
            base_sha,
            head_sha,
            "--",
        )
        return _split_z(done.stdout)

    def merge_base(self, a: str, b: str) -> str | None:
        a_sha, b_sha = self._sha(a), self._sha(b)
        done = self._run("merge-base", "--end-of-options", a_sha, b_sha, check=False)
        if done.returncode == 1:
            return None  # unrelated histories
        if done.returncode != 0:
            raise CommandFailed(done.argv, done.returncode, done.stdout, done.stderr)
        sha = done.stdout.strip()
        return sha if _HEX_RE.fullmatch(sha) else None

    def tree_files(self, rev: str) -> list[str]:
        sha = self._sha(rev)
        done = self._run(
            "ls-tree", "-r", "-z", "--name-only", "--full-tree", "--end-of-options", sha
        )
        return _split_z(done.stdout)

    def read_file(self, rev: str, path: str) -> bytes | None:
        sha = self.resolve(rev)
        clean = path.strip("/")
        if sha is None or not clean or any(p in ("", ".", "..") for p in clean.split("/")):
            return None
        argv = [self._git, "-C", str(self.repo), "--no-pager", "cat-file", "blob", f"{sha}:{clean}"]
        code, data, _err = run_bytes(argv, extra_env=_ENV, timeout=self._timeout)
        return data if code == 0 else None

    def commit_message(self, rev: str) -> str:
        sha = self.resolve(rev)
        if sha is None:
            return ""
        done = self._run("log", "-1", "--format=%B", "--end-of-options", sha, check=False)
        return done.stdout if done.returncode == 0 else ""

    def default_branch(self) -> str:
        """``origin/HEAD``; a bare repository's ``HEAD``; ``init.defaultBranch``, ``main``
        or ``master`` when it exists; else the checked-out branch; else ``main``."""
        origin = self._symbolic_ref("refs/remotes/origin/HEAD")
        if origin and origin.startswith("refs/remotes/origin/"):
            return origin.removeprefix("refs/remotes/origin/")
        head = self._symbolic_ref("HEAD")
        if head and head.startswith("refs/heads/") and self._is_bare():
            return head.removeprefix("refs/heads/")
        configured = self._run("config", "--get", "init.defaultBranch", check=False).stdout.strip()
        for name in (configured, "main", "master"):
            if name and self.resolve(f"refs/heads/{name}"):
                return name
        if head and head.startswith("refs/heads/"):
            return head.removeprefix("refs/heads/")
        return configured or "main"

    def is_ancestor(self, a: str, b: str) -> bool:
        a_sha, b_sha = self._sha(a), self._sha(b)
        done = self._run(
            "merge-base", "--is-ancestor", "--end-of-options", a_sha, b_sha, check=False
        )
        if done.returncode in (0, 1):
            return done.returncode == 0
        raise CommandFailed(done.argv, done.returncode, done.stdout, done.stderr)

    def commits_between(self, base: str, head: str) -> list[str]:
        head_sha = self._sha(head)
        if is_zero_sha(base):
            done = self._run("rev-list", "--end-of-options", head_sha)
        else:
            done = self._run("rev-list", "--end-of-options", head_sha, f"^{self._sha(base)}")
        return done.stdout.split()

    # ------------------------------------------------------------------- helpers

    def _symbolic_ref(self, name: str) -> str | None:
        done = self._run("symbolic-ref", "--quiet", "--end-of-options", name, check=False)
        return done.stdout.strip() or None if done.returncode == 0 else None

    def _is_bare(self) -> bool:
        done = self._run("rev-parse", "--is-bare-repository", check=False)
        return done.stdout.strip() == "true"
