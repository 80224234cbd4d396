"""Shipyard's own git remotes: bare repositories whose post-receive hook reports each push.

So that ``git push`` to a local remote runs pipelines with no outside service. The hook is a
fixed two-line script naming this Python interpreter; what a push carries (branch names,
commit ids) reaches Shipyard on the hook's stdin, never as part of a command line.
"""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

from shipyard.adapters.process import run

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
HOOK = """#!/bin/sh
# Written by Shipyard (shipyard repo create): each push becomes a delivery for `shipyard serve`.
exec {python} -m shipyard.server.post_receive
"""


def valid_name(name: str) -> bool:
    return bool(_NAME.fullmatch(name)) and not name.endswith(".git") and ".." not in name


def create_bare(root: Path, name: str) -> Path:
    """``root/NAME.git``, a bare repository with the hook; an existing one gets the hook
    again (a moved interpreter) and keeps its history."""
    path = root / f"{name}.git"
    if not (path / "HEAD").is_file():
        root.mkdir(parents=True, exist_ok=True)
        run(["git", "init", "--quiet", "--bare", "--initial-branch=main", "--", str(path)])
    hook = path / "hooks" / "post-receive"
    hook.parent.mkdir(parents=True, exist_ok=True)
    hook.write_text(HOOK.format(python=shlex.quote(sys.executable)))
    hook.chmod(0o755)
    return path


def bare_repositories(root: Path) -> dict[str, Path]:
    """Every repository under ``root`` by name (``fabrikam.git`` -> ``fabrikam``)."""
    if not root.is_dir():
        return {}
    return {
        p.name.removesuffix(".git"): p for p in sorted(root.glob("*.git")) if (p / "HEAD").is_file()
    }
