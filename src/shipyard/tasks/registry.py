"""The registry of task plugins: ``task: NAME@MAJOR`` -> the object that runs it.

Adding a task is one module in :mod:`shipyard.tasks.plugins` that ends with
``register(MyTask())``; :func:`load_plugins` imports every module of that package, so
no list needs editing. Names fold case, as Azure's do (``docker@2`` is ``Docker@2``).
"""

from __future__ import annotations

import importlib
import pkgutil

from shipyard.tasks.api import TaskPlugin

_PLUGINS: dict[tuple[str, int], TaskPlugin] = {}
_BROKEN: dict[str, str] = {}
_loaded = False


def register(plugin: TaskPlugin) -> TaskPlugin:
    key = (plugin.name.casefold(), plugin.major)
    if key in _PLUGINS and _PLUGINS[key] is not plugin:
        raise ValueError(f"a plugin for {plugin.name}@{plugin.major} is already registered")
    _PLUGINS[key] = plugin
    return plugin


def find(name: str, major: int) -> TaskPlugin | None:
    load_plugins()
    return _PLUGINS.get((name.strip().casefold(), major))


def known() -> list[str]:
    load_plugins()
    return sorted(f"{p.name}@{p.major}" for p in _PLUGINS.values())


def load_plugins() -> None:
    """Import every module of :mod:`shipyard.tasks.plugins` (once)."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    from shipyard.tasks import plugins

    for info in pkgutil.iter_modules(plugins.__path__):
        name = f"{plugins.__name__}.{info.name}"
        try:
            importlib.import_module(name)
        except Exception as exc:  # one broken plugin must not take the others down
            _BROKEN[name] = f"{type(exc).__name__}: {exc}"


def load_errors() -> dict[str, str]:
    """Plugin modules that failed to import, with why (shown when a task has no plugin)."""
    load_plugins()
    return dict(_BROKEN)


def parse_ref(ref: str) -> tuple[str, int] | None:
    """``Docker@2`` -> ("Docker", 2); None when malformed."""
    name, at, major = ref.strip().partition("@")
    if not at or not name or not major.isdigit():
        return None
    return name, int(major)
