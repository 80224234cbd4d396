"""``dependsOn`` checks: unknown names, duplicates and cycles, each reported at its place.

The caller passes each node's *effective* dependencies: for stages, the model builder has
already turned "no ``dependsOn``" into "the previous stage" (Azure's default order), while an
explicit ``dependsOn: []`` stays empty (the stage starts at once). The walk is iterative: a
file may hold thousands of stages in one implicit chain, deeper than Python's recursion limit.
"""

from __future__ import annotations

from collections.abc import Sequence

from shipyard.config.yamlsrc import loc_of
from shipyard.domain.diagnostics import Diagnostics, Loc, did_you_mean

# (name, dependsOn names (YStr where written, for their locations), the node's location)
Node = tuple[str, tuple[str, ...], Loc | None]


def check_dependencies(nodes: Sequence[Node], what: str, diags: Diagnostics) -> None:
    """Report duplicate names, dependencies on unknown names, and cycles."""
    names = [n for n, _d, _l in nodes]
    known = set(names)
    first: dict[str, Loc | None] = {}
    deps: dict[str, tuple[str, ...]] = {}
    locs: dict[str, Loc | None] = {}
    for name, depends_on, loc in nodes:
        where = loc or Loc("?")
        if name.lower() in first:
            seen = first[name.lower()]
            at = f" (first at line {seen.line})" if seen else ""
            diags.add(where, f"{what} name '{name}' is used twice{at}", code="duplicate-name")
        else:
            first[name.lower()] = loc
            deps[name] = depends_on
            locs[name] = loc
        for dep in depends_on:
            if dep == name:
                diags.add(
                    loc_of(dep, where),
                    f"{what} '{name}' depends on itself",
                    code="dependency-cycle",
                )
            elif dep not in known:
                diags.add(
                    loc_of(dep, where),
                    f"{what} '{name}' depends on '{dep}', which does not exist",
                    code="unknown-dependency",
                    hint=did_you_mean(dep, names),
                )
    for cycle in _cycles(deps):
        diags.add(
            locs.get(cycle[0]) or Loc("?"),
            f"{what}s depend on each other in a cycle: {' -> '.join(cycle)}",
            code="dependency-cycle",
        )


def _cycles(deps: dict[str, tuple[str, ...]]) -> list[list[str]]:
    """One cycle per strongly connected loop found by an iterative depth-first walk."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = finished
    found: list[list[str]] = []
    reported: set[frozenset[str]] = set()
    for start in deps:
        if start in state:
            continue
        path = [start]
        todo = [iter(deps[start])]
        state[start] = 1
        while todo:
            dep = next(todo[-1], None)
            if dep is None:
                state[path.pop()] = 2
                todo.pop()
                continue
            if dep not in deps or dep == path[-1]:
                continue  # unknown names and self-loops are reported by the caller
            if state.get(dep) == 1:
                cycle = [*path[path.index(dep) :], dep]
                if frozenset(cycle) not in reported:
                    reported.add(frozenset(cycle))
                    found.append(cycle)
            elif dep not in state:
                state[dep] = 1
                path.append(dep)
                todo.append(iter(deps[dep]))
    return found
