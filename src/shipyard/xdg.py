"""The XDG base directories (cache, data, state, config) that Shipyard keeps its files in.

One function for every part that needs them (the platform's paths, the run store, the crash
file of the CLI), so that ``XDG_STATE_HOME`` means the same thing everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path


def xdg_dir(env: Mapping[str, str], var: str, fallback: str) -> Path:
    """``$var`` when it is an absolute path, else ``$HOME/fallback``.

    The XDG specification says relative values are invalid and must be ignored.
    """
    value = env.get(var, "")
    if value and Path(value).is_absolute():
        return Path(value)
    return Path(env.get("HOME") or Path.home()) / fallback
