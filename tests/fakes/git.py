"""An in-memory repository implementing the :class:`shipyard.ports.Git` port.

Real code, not a stub: commits have parents and whole trees, so ``changed_files``,
``merge_base`` and ``is_ancestor`` answer what git would for the same history. Every port
call is recorded in :attr:`FakeGit.calls`, so a test can check that an event asks each git
question once however many pipelines need the answer.
"""

from __future__ import annotations

import hashlib
from collections import deque
from dataclasses import dataclass, field

ZERO = "0" * 40


@dataclass(frozen=True)
class FakeCommit:
    sha: str
    parents: tuple[str, ...]
    tree: dict[str, bytes] = field(hash=False)
    message: str = ""


class FakeGit:
    def __init__(self, default_branch: str = "main") -> None:
        self.commits: dict[str, FakeCommit] = {}
        self.refs: dict[str, str] = {}
        self.default = default_branch
        self.calls: list[tuple[str, ...]] = []

    # ------------------------------------------------------------ building history

    def commit(
        self,
        branch: str | None,
        files: dict[str, str | bytes | None],
        *,
        parents: tuple[str, ...] | None = None,
        message: str = "",
    ) -> str:
        """Commit ``files`` (None deletes a path) on top of ``branch`` or ``parents``."""
        ref = f"refs/heads/{branch}" if branch else None
        if parents is None:
            parents = (self.refs[ref],) if ref and ref in self.refs else ()
        tree = dict(self.commits[parents[0]].tree) if parents else {}
        for path, content in files.items():
            if content is None:
                tree.pop(path, None)
            else:
                tree[path] = content.encode() if isinstance(content, str) else content
        seed = repr((parents, sorted(tree.items()), message, len(self.commits)))
        sha = hashlib.sha1(seed.encode(), usedforsecurity=False).hexdigest()
        self.commits[sha] = FakeCommit(sha, parents, tree, message)
        if ref:
            self.refs[ref] = sha
        return sha

    def branch(self, name: str, sha: str) -> None:
        self.refs[f"refs/heads/{name}"] = sha

    def tag(self, name: str, sha: str) -> None:
        self.refs[f"refs/tags/{name}"] = sha

    def head(self, branch: str) -> str:
        return self.refs[f"refs/heads/{branch}"]

    def asked(self, method: str) -> int:
        return sum(1 for call in self.calls if call[0] == method)

    # ------------------------------------------------------------------ the port

    def resolve(self, rev: str) -> str | None:
        self.calls.append(("resolve", rev))
        return self._resolve(rev)

    def changed_files(self, base: str, head: str) -> list[str]:
        self.calls.append(("changed_files", base, head))
        new = self._tree(head)
        old = {} if set(base) == {"0"} else self._tree(base)
        return sorted(p for p in old.keys() | new.keys() if old.get(p) != new.get(p))

    def merge_base(self, a: str, b: str) -> str | None:
        self.calls.append(("merge_base", a, b))
        common = self._ancestors(self._need(a)) & self._ancestors(self._need(b))
        best = [c for c in common if not any(c != o and c in self._ancestors(o) for o in common)]
        return sorted(best)[0] if best else None

    def tree_files(self, rev: str) -> list[str]:
        self.calls.append(("tree_files", rev))
        return sorted(self._tree(rev))

    def commit_message(self, rev: str) -> str:
        sha = self.resolve(rev)
        return self.commits[sha].message if sha in self.commits else ""

    def read_file(self, rev: str, path: str) -> bytes | None:
        self.calls.append(("read_file", rev, path))
        sha = self._resolve(rev)
        return None if sha is None else self.commits[sha].tree.get(path.strip("/"))

    def default_branch(self) -> str:
        self.calls.append(("default_branch",))
        return self.default

    def is_ancestor(self, a: str, b: str) -> bool:
        self.calls.append(("is_ancestor", a, b))
        return self._need(a) in self._ancestors(self._need(b))

    def commits_between(self, base: str, head: str) -> list[str]:
        self.calls.append(("commits_between", base, head))
        exclude = set() if set(base) == {"0"} else self._ancestors(self._need(base))
        return [c for c in self._walk(self._need(head)) if c not in exclude]

    # ------------------------------------------------------------------ internals

    def _resolve(self, rev: str) -> str | None:
        for candidate in (rev, f"refs/heads/{rev}", f"refs/tags/{rev}"):
            if candidate in self.refs:
                return self.refs[candidate]
        return rev if rev in self.commits else None

    def _need(self, rev: str) -> str:
        sha = self._resolve(rev)
        if sha is None:
            raise LookupError(f"unknown revision {rev!r}")
        return sha

    def _tree(self, rev: str) -> dict[str, bytes]:
        return self.commits[self._need(rev)].tree

    def _walk(self, sha: str) -> list[str]:
        seen: list[str] = []
        queue = deque([sha])
        while queue:
            current = queue.popleft()
            if current in seen:
                continue
            seen.append(current)
            queue.extend(self.commits[current].parents)
        return seen

    def _ancestors(self, sha: str) -> set[str]:
        return set(self._walk(sha))
