"""``dependsOn`` checks: unknown names, duplicates and cycles, each reported at its place."""

from __future__ import annotations

from collections.abc import Sequence

from shipyard.domain.diagnostics import Diagnostics, Loc, did_you_mean

Node = tuple[str, tuple[str, ...], Loc | None]


def effective_dependencies(nodes: Sequence[Node], implicit_chain: bool) -> dict[str, list[str]]:
    """name -> names it waits for. Stages without ``dependsOn`` follow the previous stage."""
    deps: dict[str, list[str]] = {}
    previous: str | None = None
    for name, depends_on, _loc in nodes:
        if depends_on:
            deps[name] = list(depends_on)
        elif implicit_chain and previous is not None:
            deps[name] = [previous]
        else:
            deps[name] = []
        previous = name
    return deps


def check_dependencies(
    nodes: Sequence[Node], what: str, diags: Diagnostics, *, implicit_chain: bool
) -> None:
    names = [n for n, _d, _l in nodes]
    seen: dict[str, Loc | None] = {}
    for name, depends_on, loc in nodes:
        where = loc or Loc("?")
        if name.lower() in seen:
            first = seen[name.lower()]
            at = f" (first at line {first.line})" if first else ""
            diags.add(where, f"{what} name '{name}' is used twice{at}", code="duplicate-name")
        seen[name.lower()] = loc
        for dep in depends_on:
            if dep == name:
                diags.add(where, f"{what} '{name}' depends on itself", code="dependency-cycle")
            elif dep not in names:
                diags.add(
                    where,
                    f"{what} '{name}' depends on '{dep}', which does not exist",
                    code="unknown-dependency",
                    hint=did_you_mean(dep, names),
                )
    deps = effective_dependencies(nodes, implicit_chain)
    locs = {n: loc for n, _d, loc in nodes}
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    reported: set[frozenset[str]] = set()

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for dep in deps.get(name, []):
            if dep not in deps or dep == name:
                continue
            if state.get(dep) == 1:
                cycle = [*path[path.index(dep) :], dep]
                key = frozenset(cycle)
                if key not in reported:
                    reported.add(key)
                    diags.add(
                        locs.get(dep) or Loc("?"),
                        f"{what}s depend on each other in a cycle: {' -> '.join(cycle)}",
                        code="dependency-cycle",
                    )
            elif state.get(dep) is None:
                visit(dep, [*path, dep])
        state[name] = 2

    for name in deps:
        if state.get(name) is None:
            visit(name, [name])
