"""The registry of tasks Shipyard knows, looked up by name (in any case) and major version.

Azure resolves ``task: docker@1`` and ``task: Docker@1`` to the same task, so lookups fold
case. The registry is built once from the catalogue modules; ``validate`` uses it to check
steps and the run engine will use it to find the plugin for a step.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from shipyard.config.tasks import (
    catalog_artifacts,
    catalog_build,
    catalog_deploy,
    catalog_release,
    catalog_script,
)
from shipyard.config.tasks.model import TaskSpec


class TaskRegistry:
    """Task specs by (name, major)."""

    def __init__(self, specs: Iterable[TaskSpec]) -> None:
        self._specs: dict[tuple[str, int], TaskSpec] = {}
        self._names: dict[str, str] = {}
        for spec in specs:
            key = (spec.name.casefold(), spec.major)
            if key in self._specs:
                raise ValueError(f"task {spec.ref} is registered twice")
            self._specs[key] = spec
            self._names.setdefault(spec.name.casefold(), spec.name)

    def get(self, name: str, major: int) -> TaskSpec | None:
        return self._specs.get((name.strip().casefold(), major))

    def canonical_name(self, name: str) -> str | None:
        """``docker`` -> ``Docker``; None for a task Shipyard does not know."""
        return self._names.get(name.strip().casefold())

    def majors(self, name: str) -> tuple[int, ...]:
        folded = name.strip().casefold()
        return tuple(sorted(major for (n, major) in self._specs if n == folded))

    def names(self) -> tuple[str, ...]:
        """Every known task name, for "did you mean" hints."""
        return tuple(sorted(self._names.values()))

    def __iter__(self) -> Iterator[TaskSpec]:
        return iter(sorted(self._specs.values(), key=lambda s: (s.name, s.major)))

    def __len__(self) -> int:
        return len(self._specs)


REGISTRY = TaskRegistry(
    (
        *catalog_build.SPECS,
        *catalog_artifacts.SPECS,
        *catalog_script.SPECS,
        *catalog_deploy.SPECS,
        *catalog_release.SPECS,
    )
)
